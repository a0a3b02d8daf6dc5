"""How a schedule is shown: length in epochs, batches per epoch, stepping, x axis, log scale.

Presentation only: the core counts scheduler steps. The ``view`` section travels with the
config (URL, JSON export) so a shared page looks the same; ``simulate`` ignores it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from lrlab.catalog import Param
from lrlab.core.config import MAX_STEPS, Context, check_kwargs
from lrlab.core.errors import ConfigError
from lrlab.core.kinds import check_int
from lrlab.core.steps import STEPPINGS, scheduler_steps, step_positions, usual_step_per

VIEW_PARAMS: tuple[Param, ...] = (
    Param("epochs", "int", 100, "Length of training in epochs.", ge=1, le=MAX_STEPS),
    Param(
        "steps_per_epoch", "int", 100, "Batches (optimizer steps) per epoch.", ge=1, le=MAX_STEPS
    ),
    Param(
        "step_per",
        "choice",
        None,
        "Call scheduler.step() after every epoch or every batch.",
        choices=STEPPINGS,
        nullable=True,
    ),
    Param(
        "x_axis",
        "choice",
        "epoch",
        "Show the x axis in epochs or iterations (batches).",
        choices=("epoch", "iteration"),
    ),
    Param("log_y", "bool", False, "Logarithmic learning-rate axis."),
)
VIEW_DEFAULTS = {p.name: p.default for p in VIEW_PARAMS}


def view_of(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config's view settings with defaults filled; step_per defaults to the scheduler's."""
    given = config.get("view") or {}
    if not isinstance(given, Mapping):
        raise ConfigError("view", "must be an object")
    view = {
        **VIEW_DEFAULTS,
        **check_kwargs(VIEW_PARAMS, dict(given), "view", Context("view", 1, "", None, 1)),
    }
    if view["step_per"] is None:
        view["step_per"] = usual_step_per(config.get("scheduler"))
    if view_steps(view) > MAX_STEPS:
        raise ConfigError(
            "view.epochs",
            f"{view_steps(view)} scheduler steps is more than "
            f"{MAX_STEPS}; shorten the run or step per epoch",
        )
    return view


def view_steps(view: Mapping[str, Any]) -> int:
    """The scheduler steps a (filled) view lays out: epochs, or epochs x batches."""
    return scheduler_steps(view["epochs"], view["steps_per_epoch"], view["step_per"])


def with_view_steps(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config with ``steps`` set from its view (what the pages simulate).

    The view is the whole run; a ``start_step`` k shows its rest, steps k to the end, as a run
    resumed from a checkpoint taken at step k goes on. A config with ``steps`` and no view
    (a CLI file) gets the view that lays out exactly those steps, never the default's 100.
    (A link whose ``steps`` and view disagree is refused where it comes in, lrlab.io.links.)"""
    start = config.get("start_step", 0)
    # Anything but a whole number is validate()'s to refuse, in its own words.
    start = int(start) if isinstance(start, int | float) and not isinstance(start, bool) else 0
    if "steps" in config and config.get("view") is None:
        given = check_int("steps", config["steps"], 1, MAX_STEPS)
        config = {**config, "view": view_for_steps(config.get("scheduler"), start + given)}
    view = view_of(config)
    steps = view_steps(view)
    if start > 0:
        if start >= steps:
            raise ConfigError("start_step", f"must be below the run's {steps} scheduler steps")
        steps -= start
    return {**config, "view": view, "steps": steps}


def view_for_steps(scheduler: Any, total: int) -> dict[str, Any]:
    """The view of a run of ``total`` scheduler steps, stepped as the scheduler usually is
    (per batch: that many one-batch epochs)."""
    if usual_step_per(scheduler) == "batch":
        return {"epochs": total, "steps_per_epoch": 1, "step_per": "batch"}
    return {"epochs": total, "step_per": "epoch"}


def x_values(steps: np.ndarray | pd.Series, view: Mapping[str, Any]) -> np.ndarray:
    """Scheduler step indices mapped onto the chosen x axis."""
    return step_positions(steps, view["steps_per_epoch"], view["step_per"], view["x_axis"])


def x_label(view: Mapping[str, Any]) -> str:
    return "epoch" if view["x_axis"] == "epoch" else "iteration"
