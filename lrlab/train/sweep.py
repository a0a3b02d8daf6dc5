"""Sweeps: every schedule (variant) of a sweep file trained over several seeds.

A sweep file is ``{"base": <run config>, "variants": [{"label", "scheduler", "optimizer"?,
"param_groups"?, "train"?}], "seeds": [...]}``. Each (variant, seed) pair is one run of the
ordinary engine, stored once in the run store with its sweep id, label and seed.

Who writes the store: only the driver (the process that calls :func:`run_sweep`). Workers —
local processes or Ray tasks on any node — train and send the run's events back; the driver
replays them into SQLite. So a Ray cluster needs no shared file system for the store, and a
SQLite file is never written from two machines.
"""

from __future__ import annotations

import copy
import math
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from lrlab.core.errors import ConfigError
from lrlab.train.config import parse_run
from lrlab.train.store import RunStore

MAX_RUNS = 1000
MAX_SEEDS = 100
VARIANT_KEYS = ("label", "scheduler", "optimizer", "param_groups", "train")
FINAL = ("completed", "cancelled", "diverged", "failed", "interrupted")


@dataclass(frozen=True)
class SweepRun:
    label: str
    seed: int
    config: dict[str, Any]  # a normalised run config, train.seed set to ``seed``


@dataclass(frozen=True)
class Sweep:
    labels: tuple[str, ...]
    seeds: tuple[int, ...]
    runs: tuple[SweepRun, ...]  # variant-major: every seed of the first label, then the next


def _variant_config(base: Mapping[str, Any], variant: Mapping[str, Any]) -> dict[str, Any]:
    cfg = copy.deepcopy(dict(base))
    for key in ("scheduler", "param_groups"):
        if key in variant:
            cfg[key] = copy.deepcopy(variant[key])
    if "optimizer" in variant:
        opt = variant["optimizer"]
        if not isinstance(opt, Mapping):
            raise ConfigError("optimizer", "must be an object")
        same = opt.get("name") in (None, (cfg.get("optimizer") or {}).get("name"))
        # Same optimizer: override some of its keywords; another one: replace it whole,
        # since keywords of SGD (momentum) mean nothing to, say, Adam.
        cfg["optimizer"] = {**(cfg.get("optimizer") or {}), **opt} if same else dict(opt)
    if "train" in variant:
        if not isinstance(variant["train"], Mapping):
            raise ConfigError("train", "must be an object")
        cfg["train"] = {**(cfg.get("train") or {}), **variant["train"]}
    return cfg


def _check_seeds(seeds: Any) -> tuple[int, ...]:
    if not isinstance(seeds, list) or not seeds:
        raise ConfigError("seeds", "must be a non-empty list of integers")
    if len(seeds) > MAX_SEEDS:
        raise ConfigError("seeds", f"at most {MAX_SEEDS} seeds")
    for i, s in enumerate(seeds):
        if isinstance(s, bool) or not isinstance(s, int) or not 0 <= s <= 2**31 - 1:
            raise ConfigError(f"seeds[{i}]", f"must be an integer from 0 to 2**31-1, not {s!r}")
    if len(set(seeds)) != len(seeds):
        raise ConfigError("seeds", "must not repeat a seed")
    return tuple(seeds)


def parse_sweep(spec: Any) -> Sweep:
    """Validate a sweep file; every run config is validated here, before anything trains.

    Raises :class:`ConfigError` naming the field, e.g. ``variants[1].scheduler.T_max``.
    """
    if not isinstance(spec, Mapping):
        raise ConfigError("", "a sweep must be a JSON object with base, variants and seeds")
    unknown = sorted(set(spec) - {"base", "variants", "seeds"})
    if unknown:
        raise ConfigError(unknown[0], "unknown key; a sweep has base, variants and seeds")
    base = spec.get("base")
    if not isinstance(base, Mapping):
        raise ConfigError("base", "must be a run config (an object)")
    variants = spec.get("variants")
    if not isinstance(variants, list) or not variants:
        raise ConfigError("variants", "must be a non-empty list of objects")
    seeds = _check_seeds(spec.get("seeds"))
    if len(variants) * len(seeds) > MAX_RUNS:
        raise ConfigError("variants", f"{len(variants)} × {len(seeds)} runs is over {MAX_RUNS}")
    labels: list[str] = []
    runs: list[SweepRun] = []
    for i, variant in enumerate(variants):
        where = f"variants[{i}]"
        if not isinstance(variant, Mapping):
            raise ConfigError(where, "must be an object")
        extra = sorted(set(variant) - set(VARIANT_KEYS))
        if extra:
            raise ConfigError(f"{where}.{extra[0]}", f"unknown key; allowed: {VARIANT_KEYS}")
        label = variant.get("label")
        if not isinstance(label, str) or not label.strip():
            raise ConfigError(f"{where}.label", "must be a non-empty string")
        if label in labels:
            raise ConfigError(f"{where}.label", f"{label!r} is used twice")
        labels.append(label)
        try:
            cfg = _variant_config(base, variant)
            if "scheduler" not in cfg:
                raise ConfigError("scheduler", "missing: give it in the variant or the base")
            # Once: the seed cannot make a config invalid. The store keeps the normalised
            # config, train defaults filled, as it does for a run started on Train.
            normal = parse_run(cfg).to_json()
        except ConfigError as exc:
            raise ConfigError(f"{where}.{exc.field}".rstrip("."), exc.message) from None
        for seed in seeds:
            run = copy.deepcopy(normal)
            run["train"]["seed"] = seed
            runs.append(SweepRun(label, seed, run))
    return Sweep(tuple(labels), seeds, tuple(runs))


# -- statistics (pure) ---------------------------------------------------------------------
def t_quantile(q: float, df: int) -> float:
    from scipy.stats import t

    return float(t.ppf(q, df))


def summarize(runs: Iterable[Mapping[str, Any]], labels: Iterable[str] = ()) -> list[dict]:
    """Per label: final test accuracy over its completed runs (mean, sample std, Student-t 95%
    interval of the mean). Runs that did not complete count in ``runs`` and either ``failed``
    (they ended otherwise: diverged, failed, cancelled, interrupted) or ``pending`` (queued or
    running: a live sweep's runs are not failures yet).

    ``labels`` fixes the order (others follow in order of appearance). A statistic that needs
    more runs than there are is None (std and interval need two)."""
    order = list(dict.fromkeys(labels))
    by_label: dict[str, list[Mapping[str, Any]]] = {label: [] for label in order}
    for run in runs:
        by_label.setdefault(run["label"], []).append(run)
    out = []
    for label, group in by_label.items():
        acc = [
            float(r["test_accuracy"])
            for r in group
            if r.get("status") == "completed" and r.get("test_accuracy") is not None
        ]
        n = len(acc)
        ended = sum(r.get("status") in FINAL and r.get("status") != "completed" for r in group)
        mean = sum(acc) / n if n else None
        std = low = high = None
        if n >= 2:
            std = math.sqrt(sum((a - mean) ** 2 for a in acc) / (n - 1))
            half = t_quantile(0.975, n - 1) * std / math.sqrt(n)
            low, high = mean - half, mean + half
        out.append(
            {
                "label": label,
                "n": n,
                "runs": len(group),
                "failed": ended,
                "pending": sum(r.get("status") not in FINAL for r in group),
                "mean_test_accuracy": mean,
                "std_test_accuracy": std,
                "ci95_low": low,
                "ci95_high": high,
            }
        )
    return out


def epoch_bands(epochs: pd.DataFrame, metrics: Iterable[str] = ("test_acc", "test_loss")):
    """Mean and sample std per (label, epoch) of per-epoch metrics of several runs.

    ``epochs`` has columns label, epoch and the metrics (one row per run and epoch)."""
    metrics = list(metrics)
    columns = ["label", "epoch", "n"] + [f"{m}_{s}" for m in metrics for s in ("mean", "std")]
    if epochs.empty:
        return pd.DataFrame(columns=columns)
    grouped = epochs.groupby(["label", "epoch"], sort=False)[metrics]
    stats = grouped.agg(["mean", "std"])
    stats.columns = [f"{m}_{s}" for m, s in stats.columns]
    stats["n"] = grouped.size()
    return stats.reset_index()[columns]


# -- running -------------------------------------------------------------------------------
Progress = Callable[[dict[str, Any]], None]


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


def run_sweep(
    sweep: Sweep,
    store: RunStore,
    backend: Any,
    on_progress: Progress | None = None,
    cancel: threading.Event | None = None,
    sweep_id: str | None = None,
    ids: list[str] | None = None,
) -> dict[str, Any]:
    """Run every (variant, seed) on ``backend`` (see sweep_backends) and return the report:
    ``sweep_id``, ``backend``, ``runs`` and ``summary``. Ctrl-C (KeyboardInterrupt) or
    ``cancel`` stops the rest: running runs are cancelled, queued ones marked cancelled.
    ``ids``: rows already made by :func:`create_runs` (with this ``sweep_id``)."""
    from lrlab.train.sweep_backends import drive

    sweep_id = sweep_id or new_sweep_id()
    ids = ids or create_runs(store, sweep, sweep_id)
    started = time.perf_counter()
    drive(sweep, ids, store, backend, on_progress or (lambda _p: None), cancel)
    report = sweep_report(store, sweep_id, backend.name, sweep.labels)
    report["seconds"] = time.perf_counter() - started
    report["workers"] = backend.slots
    return report


def sweep_runs(store: RunStore, sweep_id: str) -> pd.DataFrame:
    """The runs of one sweep in the order they were created (variant-major)."""
    runs = store.list_runs()
    runs = runs[runs["sweep_id"] == sweep_id]
    return runs.sort_values(["created", "seed"], kind="stable").reset_index(drop=True)


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
    rows = [
        {
            "run_id": r["id"],
            "label": r["label"],
            "seed": int(r["seed"]),
            "status": r["status"],
            "test_accuracy": None if pd.isna(r["test_accuracy"]) else float(r["test_accuracy"]),
            "message": r["message"],
        }
        for r in runs.to_dict("records")
    ]
    labels = list(labels) or list(dict.fromkeys(runs["label"]))
    return {
        "sweep_id": sweep_id,
        "backend": backend,
        "runs": rows,
        "summary": summarize(rows, labels),
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
