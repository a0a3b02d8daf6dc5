"""Stored runs to fit, and the lrs a run config will apply, checked at the edge.

Fitted runs must share model, dataset and optimizer (a law fitted across them would describe
none). Anything wrong is a :class:`ConfigError` with one line that says what.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lrlab.core.errors import ConfigError
from lrlab.predict.fit import Curve
from lrlab.train.store import RunStore

MIN_STEPS = 10
SHARED = ("dataset", "model")  # train keys fitted runs must share (and the optimizer's name)
ALIKE = ("batch_size", "augment", "label_smoothing", "subset")  # differences are warned about


def open_store(db: str | Path | None) -> RunStore:
    """The run database; a path that holds none is an error (never created by a look-up)."""
    if db is not None and not Path(db).is_file():
        raise ConfigError("--db", f"no run database at {db}")
    return RunStore(db)


def load_fit_runs(
    store: RunStore, run_ids: Sequence[str]
) -> tuple[list[Curve], dict[str, Any], list[str]]:
    """The runs' curves, what they share (``family``) and notes about how they differ."""
    if len(run_ids) < 2:
        raise ConfigError("--fit", "give at least two runs: the fit is scored on one left out")
    if len(set(run_ids)) != len(run_ids):
        raise ConfigError("--fit", "a run is given twice")
    curves, configs = [], []
    for run_id in run_ids:
        run = store.get_run(run_id)
        if run is None:
            raise ConfigError("--fit", f"unknown run id {run_id!r}")
        if run.get("kind", "train") != "train":
            raise ConfigError("--fit", f"run {run_id} is a {run['kind']}, not a training run")
        steps = store.steps(run_id)
        if len(steps) < MIN_STEPS or "lr_0" not in steps:
            raise ConfigError(
                "--fit",
                f"run {run_id} has {len(steps)} steps of per-step loss; at least "
                f"{MIN_STEPS} are needed",
            )
        lrs, loss = steps["lr_0"].to_numpy(float), steps["loss"].to_numpy(float)
        if not (np.all(np.isfinite(loss)) and np.all(np.isfinite(lrs)) and np.all(lrs >= 0)):
            raise ConfigError("--fit", f"run {run_id} has a loss or lr that is not finite")
        curves.append(Curve(lrs, loss, run_id))
        configs.append(run["config"])
    family = run_family(configs[0])
    for run_id, cfg in zip(run_ids[1:], configs[1:], strict=True):
        other = run_family(cfg)
        for key in family:
            if other[key] != family[key]:
                raise ConfigError(
                    "--fit",
                    f"runs {run_ids[0]} and {run_id} differ in {key} ({family[key]} vs "
                    f"{other[key]}): fit runs of one model, dataset and optimizer",
                )
    notes = [
        f"the fitted runs differ in train.{key}"
        for key in ALIKE
        if len({repr(c.get("train", {}).get(key)) for c in configs}) > 1
    ]
    return curves, {**family, "train": configs[0].get("train", {})}, notes


def run_family(config: Mapping[str, Any]) -> dict[str, Any]:
    train = config.get("train") or {}
    opt = config.get("optimizer") or {}
    return {**{k: train.get(k) for k in SHARED}, "optimizer": opt.get("name")}


def schedule_lrs(config: Mapping[str, Any]) -> tuple[np.ndarray, list[str], dict[str, Any]]:
    """The lr (group 0) of every optimizer step of the run ``config`` describes: epochs x
    batches per epoch; a per-epoch schedule holds each epoch's lr for its batches.

    Returns the lrs, notes, and the validated run config. Raises ConfigError."""
    from lrlab.core.simulate import simulate
    from lrlab.train.config import parse_run

    run = parse_run(config)
    df = simulate(run.schedule)
    lrs = df[df["group"] == 0]["lr"].to_numpy(float)
    notes = [f"simulating the schedule: {w}" for w in df.attrs["warnings"]]
    if run.train["step_per"] == "epoch":
        lrs = np.repeat(lrs, run.batches_per_epoch)
    if df["group"].max() > 0:
        notes.append("the schedule has several parameter groups: predicted from group 0's lr")
    if run.schedule.scheduler_name in ("ReduceLROnPlateau", "timm:PlateauLRScheduler"):
        notes.append(
            "the schedule reacts to the live test loss: predicted with its placeholder metric"
        )
    if not np.all(np.isfinite(lrs)) or np.any(lrs < 0):
        raise ConfigError("--schedule", "the schedule's lr must be finite and not negative")
    return lrs, notes, run.to_json()


def mismatch_notes(family: Mapping[str, Any], run_json: Mapping[str, Any]) -> list[str]:
    """Notes where the schedule's run differs from the fitted runs' model, data or optimizer."""
    mine = run_family(run_json)
    notes = [
        f"the schedule's {key} ({mine[key]}) is not the fitted runs' ({family[key]}): the "
        "prediction describes their setup, not this one"
        for key in mine
        if mine[key] != family[key]
    ]
    theirs, train = family.get("train", {}), run_json.get("train", {})
    notes += [
        f"the schedule's train.{key} ({train.get(key)}) differs from the fitted runs' "
        f"({theirs.get(key)})"
        for key in ALIKE
        if key in theirs and train.get(key) != theirs.get(key)
    ]
    return notes
