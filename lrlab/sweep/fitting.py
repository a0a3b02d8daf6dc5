"""Fitting a schedule to a sweep's length (pure).

A preset or a Compare item is set up for its own length (its view: 100 epochs, 3 x 500
batches...). Trained for a sweep's few epochs as it is, a 100-epoch warmup + cosine trains only
its warmup. So each schedule is fitted exactly as Compare fits one
(:func:`lrlab.core.fitting.fit_to_length`: every span the catalog marks scaled by
``sweep steps / designed steps``, SequentialLR's children each over its own segment), which
keeps the shape it was designed for. What cannot
be scaled (an expression in ``epoch``, a rate such as ExponentialLR's gamma) keeps its values
and the note names the mismatch ("trains 3 of its 100 epochs: only the warmup").
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lrlab.core.errors import ConfigError
from lrlab.core.fitting import fit_to_length
from lrlab.core.steps import scheduler_steps, step_per_of
from lrlab.core.view import view_of

# Filled from the run's length when left out (lrlab's convenience): such a schedule always fits.
FILLED = {"OneCycleLR": ("total_steps", "epochs"), "transformers:": ("num_training_steps",)}


@dataclass(frozen=True)
class Fitted:
    """A schedule for the sweep: ``config`` (fitted, or as given), ``fits`` (it trains the
    whole shape it was set up for) and ``note`` (what was changed or what does not fit; None
    when nothing needed saying)."""

    config: dict[str, Any]
    fits: bool
    note: str | None
    follows_run: bool = False  # it fills its length from the run: fits, the note says so


def _fills_length(sched: Mapping[str, Any]) -> bool:
    name = str(sched.get("name", ""))
    for prefix, keys in FILLED.items():
        if (name == prefix or (prefix.endswith(":") and name.startswith(prefix))) and not any(
            sched.get(k) is not None for k in keys
        ):
            return True
    return False


def fit_to_sweep(config: Mapping[str, Any], epochs: int, batches: int) -> Fitted:
    """``config`` (a schedule with its view) fitted to a sweep of ``epochs`` epochs of
    ``batches`` batches, stepped as the schedule is (its view's step_per)."""
    sched = config.get("scheduler") or {}
    try:
        view = view_of(config)
    except ConfigError:  # a broken view: starting the sweep says what is wrong with it
        return Fitted(copy.deepcopy(dict(config)), True, None)
    step_per = step_per_of(config)
    unit = "epochs" if step_per == "epoch" else "steps"
    designed = scheduler_steps(view["epochs"], view["steps_per_epoch"], step_per)
    run = scheduler_steps(epochs, batches, step_per)
    out = copy.deepcopy(dict(config))
    if designed == run:
        return Fitted(out, True, None)
    if _fills_length(sched):  # nothing to change, but a user should see the new length
        note = f"its length follows the sweep: {run} {unit} (set up for {designed})"
        return Fitted(out, True, note, follows_run=True)
    fitted = fit_to_length(config, epochs, batches)  # the catalog's spans, as Compare fits
    if fitted.changes:
        note = f"fitted to {run} {unit} (set up for {designed}): " + ", ".join(fitted.changes)
        return Fitted(fitted.config, True, note)
    return Fitted(out, False, _mismatch(sched, run, designed, unit))


def _mismatch(sched: Mapping[str, Any], run: int, designed: int, unit: str) -> str:
    if run > designed:
        return f"trains {run} {unit}, past the {designed} it was set up for"
    text = f"trains {run} of its {designed} {unit}"
    warmup = _warmup_steps(sched)
    if warmup is not None and run <= warmup:
        text += ": only the warmup"
    return text


def _warmup_steps(sched: Mapping[str, Any]) -> int | None:
    if sched.get("name") == "SequentialLR" and sched.get("milestones"):
        return int(sched["milestones"][0])
    for k in ("warmup_t", "num_warmup_steps"):
        if isinstance(sched.get(k), int) and sched[k] > 0:
            return int(sched[k])
    return None


def fit_choices(
    choices: Mapping[str, Mapping[str, Any]], train: Mapping[str, Any]
) -> dict[str, Fitted]:
    """Every offered schedule fitted to a sweep with the train section ``train`` (defaults
    filled here: the whole training set unless ``subset`` is set)."""
    from lrlab.train.config import fill_train, train_batches

    filled = fill_train({k: v for k, v in train.items() if k != "subset"})
    filled["subset"] = train.get("subset")
    batches = train_batches(filled)
    return {name: fit_to_sweep(cfg, filled["epochs"], batches) for name, cfg in choices.items()}


def default_picks(
    fitted: Mapping[str, Fitted], offered_first: list[str], fallback: list[str], most: int = 8
) -> list[str]:
    """The schedules a new sweep starts with: those of ``offered_first`` (Compare's) that run
    as they were set up at this length (no fitting, no mismatch), when there are two or more;
    else ``fallback``."""
    fit = [
        n
        for n in offered_first
        if n in fitted and fitted[n].fits and (fitted[n].note is None or fitted[n].follows_run)
    ]
    return fit[:most] if len(fit) >= 2 else [n for n in fallback if n in fitted]
