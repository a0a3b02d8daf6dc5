"""A sweep's rows in the run store: created before anything trains, filled in by the driver
(the only writer, see :mod:`lrlab.sweep.run`), and read back per sweep."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from lrlab.sweep.spec import Sweep
from lrlab.sweep.stats import comparisons, stayed_at_chance, summarize
from lrlab.train.data import NUM_CLASSES
from lrlab.train.status import FINAL
from lrlab.train.store import RunStore


def new_sweep_id() -> str:
    return "sw" + uuid.uuid4().hex[:10]


def create_runs(store: RunStore, sweep: Sweep, sweep_id: str) -> list[str]:
    """One queued row per (variant, seed), before anything trains: none can be lost."""
    ids = []
    for run in sweep.runs:
        run_id = store.create_run(run.config, f"{run.label} · seed {run.seed}")
        store.update_run(run_id, sweep_id=sweep_id, label=run.label, seed=run.seed)
        ids.append(run_id)
    return ids


def record_outcome(store: RunStore, run_id: str, outcome: Mapping[str, Any]) -> str:
    """Write what a worker sent back: replay its events (or store its error). Returns status."""
    events = outcome.get("events") or []
    if events and events[-1]["type"] == "end":
        store.recorder(run_id).replay(events)
        return events[-1]["status"]
    status = outcome.get("status", "failed")
    store.finish_run(run_id, status, outcome.get("message", ""))
    return status


def sweep_runs(store: RunStore, sweep_id: str) -> pd.DataFrame:
    """The runs of one sweep in the order they were created (variant-major)."""
    runs = store.list_runs()
    runs = runs[runs["sweep_id"] == sweep_id]
    return runs.sort_values(["created", "seed"], kind="stable").reset_index(drop=True)


AT_CHANCE = "at chance"  # the status a table shows for a completed run that did not learn


def chance_flags(runs: pd.DataFrame) -> pd.Series:
    """Per run of :func:`sweep_runs`: completed with a final accuracy at chance level for its
    dataset (:func:`lrlab.sweep.stats.stayed_at_chance`)."""
    return pd.Series(
        [
            r["status"] == "completed"
            and stayed_at_chance(
                None if pd.isna(r["test_accuracy"]) else float(r["test_accuracy"]),
                NUM_CLASSES.get(r["dataset"]),
            )
            for r in runs.to_dict("records")
        ],
        index=runs.index,
        dtype=bool,
    )


def list_sweeps(store: RunStore) -> pd.DataFrame:
    """One row per sweep: id, created, labels, runs, completed, active; newest first."""
    runs = store.list_runs()
    runs = runs[runs["sweep_id"].notna()]
    if runs.empty:
        return pd.DataFrame(columns=["sweep_id", "created", "labels", "runs", "done", "active"])
    g = runs.groupby("sweep_id")
    out = pd.DataFrame(
        {
            "created": g["created"].min(),
            "labels": g["label"].nunique(),
            "runs": g.size(),
            "done": g["status"].apply(lambda s: int(s.isin(FINAL).sum())),
            "active": g["status"].apply(lambda s: int((~s.isin(FINAL)).sum())),
        }
    ).reset_index()
    return out.sort_values("created", ascending=False).reset_index(drop=True)


def sweep_report(
    store: RunStore, sweep_id: str, backend: str = "", labels: Iterable[str] = ()
) -> dict[str, Any]:
    runs = sweep_runs(store, sweep_id)
    flags = chance_flags(runs)
    rows = [
        {
            "run_id": r["id"],
            "label": r["label"],
            "seed": int(r["seed"]),
            "status": r["status"],
            "test_accuracy": None if pd.isna(r["test_accuracy"]) else float(r["test_accuracy"]),
            "message": r["message"],
            "at_chance": bool(flag),
        }
        for r, flag in zip(runs.to_dict("records"), flags, strict=True)
    ]
    labels = list(labels) or list(dict.fromkeys(runs["label"]))
    return {
        "sweep_id": sweep_id,
        "backend": backend,
        "runs": rows,
        "summary": summarize(rows, labels),
        "comparisons": comparisons(rows, labels),
    }


def sweep_epochs(store: RunStore, sweep_id: str) -> pd.DataFrame:
    """Per-epoch metrics of every run of a sweep, long: run_id, label, seed, epoch, ..."""
    frames = []
    for r in sweep_runs(store, sweep_id).to_dict("records"):
        epochs = store.epochs(r["id"])
        if len(epochs):
            frames.append(epochs.assign(run_id=r["id"], label=r["label"], seed=r["seed"]))
    if not frames:
        return pd.DataFrame(columns=["run_id", "label", "seed", "epoch", "test_acc", "test_loss"])
    return pd.concat(frames, ignore_index=True)


def sweep_lr_curves(store: RunStore, sweep_id: str) -> pd.DataFrame:
    """The lr each label's schedule really applied (group 0, per step, from its first run
    that recorded steps), with x in epochs: columns label, epoch, lr."""
    frames = []
    runs = sweep_runs(store, sweep_id)
    for label, group in runs.groupby("label", sort=False):
        for run_id in group["id"]:
            steps = store.steps(run_id)
            if len(steps):
                per_epoch = max(1, int((steps["epoch"] == steps["epoch"].min()).sum()))
                frames.append(
                    pd.DataFrame(
                        {"label": label, "epoch": steps["step"] / per_epoch, "lr": steps["lr_0"]}
                    )
                )
                break
    if not frames:
        return pd.DataFrame(columns=["label", "epoch", "lr"])
    return pd.concat(frames, ignore_index=True)
