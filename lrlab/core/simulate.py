"""``simulate(config)``: the learning-rate trajectory of a config, from real torch objects."""

from __future__ import annotations

import warnings
from array import array
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import torch

from lrlab.core.build import build_optimizer, build_scheduler, metric_values, momentum_key
from lrlab.core.errors import ConfigError
from lrlab.core.schedule import Schedule, parse


def simulate(config: Mapping[str, Any] | Schedule, steps: int | None = None) -> pd.DataFrame:
    """Step the config's real torch optimizer and scheduler and record every group's lr.

    One row per (step, group). Row ``(t, g)`` is ``param_groups[g]['lr']`` in effect for
    optimizer step ``t``, i.e. after ``t`` calls of ``scheduler.step()``. Columns: ``step``,
    ``group``, ``lr``, then ``momentum`` when the optimizer has one (``betas[0]`` for the Adam
    family) and ``metric`` for ReduceLROnPlateau (``metric`` at row ``t`` is what the scheduler
    is given after step ``t``). The scheduler is stepped ``steps`` times, as a training loop of
    ``steps`` epochs does, so a schedule that torch fails on at the last step is refused too.
    With ``start_step`` k the scheduler is first stepped k times (the plateau metric series
    too) and the rows are steps k to k + steps - 1: the same values as those rows of a run
    from 0, as a run resumed from a checkpoint taken at step k sees them.
    A dict is parsed first (:func:`lrlab.parse`), a Schedule is taken as is.

    ``df.attrs["warnings"]`` lists, once each, the warnings torch gave and lrlab's own notes
    (a negative lr). Raises :class:`lrlab.ConfigError` for an invalid config, for anything torch
    raises while building or stepping it, and for a learning rate that is not finite.
    """
    schedule = parse(config, steps)
    n, start = schedule.steps, schedule.start_step
    params = _params(schedule)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optimizer = build_optimizer(schedule, params)
        scheduler = build_scheduler(schedule.scheduler, optimizer)
        metrics = metric_values(schedule.scheduler, start + n)
        try:
            lr, momentum = _run(optimizer, scheduler, n, metrics, start)
        except _StepFailure as failure:
            field = _culprit(failure.exc, scheduler, schedule.scheduler)
            raise ConfigError(field, failure.message) from None
    notes = _notes(lr, [str(w.message) for w in caught], start)
    groups = len(params)
    columns: dict[str, Any] = {
        "step": np.repeat(np.arange(start, start + n), groups),
        "group": np.tile(np.arange(groups), n),
        "lr": lr.ravel(),
    }
    if momentum is not None:
        columns["momentum"] = momentum.ravel()
    if metrics is not None:
        columns["metric"] = np.repeat(
            np.asarray(metrics[start : start + n], dtype=np.float64), groups
        )
    # copy=False: the columns become the frame's blocks as they are, so the peak is about one
    # DataFrame, not the arrays plus a consolidated copy (bench/simulate.py --memory).
    df = pd.DataFrame(columns, copy=False)
    df.attrs["warnings"] = notes
    return df


def _notes(lr: np.ndarray, messages: list[str], start: int) -> list[str]:
    if not np.isfinite(lr).all():
        t, g = np.argwhere(~np.isfinite(lr))[0]
        raise ConfigError("scheduler", f"the lr of group {g} is not finite at step {start + t}")
    notes = [" ".join(m.split()) for m in messages]
    if (lr < 0).any():
        t, g = np.argwhere(lr < 0)[0]
        notes.append(
            f"the lr of group {g} is negative from step {start + t}: the optimizer would climb"
        )
    return list(dict.fromkeys(notes))


class _StepFailure(Exception):
    """What torch raised while stepping, kept until the parameter behind it is found."""

    def __init__(self, exc: BaseException, message: str) -> None:
        super().__init__(message)
        self.exc, self.message = exc, message


def _culprit(exc: BaseException, scheduler: Any, config: Mapping[str, Any]) -> str:
    """The field to blame for ``exc``: the scheduler (a composite's child by its path) in
    whose code torch failed, and, for a division by zero, its one setting that is 0."""
    nodes = _scheduler_nodes(scheduler, config, "scheduler")
    path, node = "scheduler", config
    tb = exc.__traceback__
    while tb is not None:  # the innermost frame of one of our schedulers
        owner = tb.tb_frame.f_locals.get("self")
        if owner is not None and id(owner) in nodes:
            path, node = nodes[id(owner)]
        tb = tb.tb_next
    if isinstance(exc, ZeroDivisionError):
        whole = "integer" in str(exc)
        zeros = [
            k
            for k, v in node.items()
            if k != "name"
            and isinstance(v, int | float)
            and not isinstance(v, bool)
            and v == 0
            and (isinstance(v, int) or not whole)
        ]
        if len(zeros) == 1:
            return f"{path}.{zeros[0]}"
    return path


def _scheduler_nodes(
    obj: Any, config: Mapping[str, Any], path: str
) -> dict[int, tuple[str, Mapping[str, Any]]]:
    """id of each torch scheduler object -> (its config path, its config), composites' children
    matched by position (torch keeps them in ``_schedulers`` in the config's order)."""
    out = {id(obj): (path, config)}
    children = config.get("schedulers")
    built = getattr(obj, "_schedulers", None)
    if isinstance(children, list) and isinstance(built, list | tuple):
        for i, (child_obj, child) in enumerate(zip(built, children, strict=False)):
            out.update(_scheduler_nodes(child_obj, child, f"{path}.schedulers[{i}]"))
    return out


def _params(schedule: Schedule) -> list[list[torch.Tensor]]:
    # One 2-D tensor per group suits every optimizer (Muon takes matrices only).
    return [[torch.zeros(1, 1, requires_grad=True)] for _ in schedule.param_groups]


def _run(
    optimizer: Any, scheduler: Any, steps: int, metrics: list[float] | None, start: int = 0
) -> tuple[np.ndarray, np.ndarray | None]:
    """Step ``start`` times, then record each group's lr (and momentum) as packed doubles and
    step; ``steps`` times.

    ``array('d')`` buffers instead of a list of tuples: 200k steps x 16 groups would otherwise
    hold ~3M Python tuples (~4x the result) before the DataFrame exists; extending a packed
    array is as fast as appending tuples and numpy then wraps it without a copy.
    """
    groups = optimizer.param_groups
    key = momentum_key(optimizer)
    lr, momentum = array("d"), array("d")
    if key == "momentum":
        record = lambda: momentum.extend([g["momentum"] for g in groups])  # noqa: E731
    elif key == "betas":
        record = lambda: momentum.extend([g["betas"][0] for g in groups])  # noqa: E731
    else:
        record = None
    # One real optimizer step, so torch sees the documented order; a no-grad step changes
    # nothing, so repeating it every step would only cost time (see bench/simulate.py).
    optimizer.step()
    step = scheduler.step
    t = 0
    try:
        for t in range(start):  # the steps a checkpoint taken at `start` has behind it
            step() if metrics is None else step(metrics[t])
        for t in range(start, start + steps):
            lr.extend([g["lr"] for g in groups])
            if record is not None:
                record()
            step() if metrics is None else step(metrics[t])
    except ConfigError:
        raise
    except Exception as exc:  # whatever torch raises mid-run is a refusal, never a crash
        msg = " ".join(str(exc).split()) or type(exc).__name__
        raise _StepFailure(exc, f"torch fails at step {t + 1}: {msg}") from None
    shape = (steps, len(groups))
    return (
        np.frombuffer(lr, dtype=np.float64).reshape(shape),
        None if key is None else np.frombuffer(momentum, dtype=np.float64).reshape(shape),
    )
