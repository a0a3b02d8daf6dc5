"""Steps and stepping: how often a scheduler steps, and where each of its steps falls.

Training runs epochs of batches; an optimizer step is one batch (an *iteration*). The scheduler
is stepped once per epoch or once per batch: its *stepping*, ``"epoch"`` or ``"batch"``.
``simulate`` counts scheduler steps. Every conversion between the three (epochs, iterations,
scheduler steps) is here, so the pages, the run config, the engine and the figures agree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from lrlab.catalog import SCHEDULERS

StepPer = Literal["epoch", "batch"]
STEPPINGS: tuple[StepPer, ...] = ("epoch", "batch")


# -- how a schedule is stepped -------------------------------------------------------------
def usual_step_per(scheduler: Mapping[str, Any] | None) -> StepPer:
    """How the scheduler config is usually stepped (the catalog's word, which for timm
    depends on ``t_in_epochs``); ``"epoch"`` for a missing or unknown scheduler."""
    name = scheduler.get("name") if isinstance(scheduler, Mapping) else None
    spec = SCHEDULERS.get(name) if isinstance(name, str) else None
    return spec.usual_step_per(dict(scheduler)) if spec else "epoch"


def step_per_of(config: Mapping[str, Any] | None) -> StepPer:
    """A schedule config's stepping: its view's, when it says one, else the scheduler's usual."""
    if not config:
        return "epoch"
    view = config.get("view")
    given = view.get("step_per") if isinstance(view, Mapping) else None
    return given if given in STEPPINGS else usual_step_per(config.get("scheduler"))


def training_step_per(config: Mapping[str, Any] | None) -> StepPer:
    """How a schedule is stepped when it trains: as :func:`step_per_of` says, except that
    ReduceLROnPlateau always steps per epoch, on the epoch's test loss."""
    sched = (config or {}).get("scheduler")
    spec = SCHEDULERS.get(sched.get("name")) if isinstance(sched, Mapping) else None
    return "epoch" if spec is not None and spec.needs_metric else step_per_of(config)


# -- counting ------------------------------------------------------------------------------
def batches_per_epoch(examples: int, batch_size: int) -> int:
    """Optimizer steps in one pass over ``examples`` (the last batch may be short)."""
    return math.ceil(examples / batch_size)


def scheduler_steps(epochs: int, batches: int, step_per: str) -> int:
    """How many steps the scheduler takes over ``epochs`` of ``batches`` batches."""
    return epochs * (batches if step_per == "batch" else 1)


def batches_per_step(batches: int, step_per: str) -> int:
    """Optimizer steps for which one scheduler step's lr holds."""
    return batches if step_per == "epoch" else 1


def restepped(step: int, batches: int, step_per: str) -> int:
    """The scheduler step at the same moment of a run stepped per ``step_per`` instead: the
    start of the epoch a per-batch ``step`` falls in, or an epoch's first batch."""
    return step * batches if step_per == "batch" else step // batches


# -- where a step falls --------------------------------------------------------------------
def step_positions(
    steps: np.ndarray | pd.Series | list[int], batches: int, step_per: str, unit: str
) -> np.ndarray:
    """Scheduler step indices as positions in ``unit``: ``"epoch"`` (fractional for per-batch
    stepping), else iterations (batches)."""
    iterations = np.asarray(steps, dtype=np.float64) * batches_per_step(batches, step_per)
    return iterations / batches if unit == "epoch" else iterations
