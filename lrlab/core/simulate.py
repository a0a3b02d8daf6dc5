"""``simulate(config)``: the learning-rate trajectory of a config, from real torch objects."""

from __future__ import annotations

import warnings
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
    A dict is parsed first (:func:`lrlab.parse`), a Schedule is taken as is.

    ``df.attrs["warnings"]`` lists, once each, the warnings torch gave and lrlab's own notes
    (a negative lr). Raises :class:`lrlab.ConfigError` for an invalid config, for anything torch
    raises while building or stepping it, and for a learning rate that is not finite.
    """
    schedule = parse(config, steps)
    n = schedule.steps
    params = _params(schedule)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optimizer = build_optimizer(schedule, params)
        scheduler = build_scheduler(schedule.scheduler, optimizer)
        metrics = metric_values(schedule.scheduler, n)
        lr, momentum = _run(optimizer, scheduler, n, metrics)
    notes = _notes(lr, [str(w.message) for w in caught])
    groups = len(params)
    columns: dict[str, Any] = {
        "step": np.repeat(np.arange(n), groups),
        "group": np.tile(np.arange(groups), n),
        "lr": lr.ravel(),
    }
    if momentum is not None:
        columns["momentum"] = momentum.ravel()
    if metrics is not None:
        columns["metric"] = np.repeat(np.asarray(metrics[:n], dtype=np.float64), groups)
    df = pd.DataFrame(columns)
    df.attrs["warnings"] = notes
    return df


def _notes(lr: np.ndarray, messages: list[str]) -> list[str]:
    if not np.isfinite(lr).all():
        t, g = np.argwhere(~np.isfinite(lr))[0]
        raise ConfigError("scheduler", f"the lr of group {g} is not finite at step {t}")
    notes = [" ".join(m.split()) for m in messages]
    if (lr < 0).any():
        t, g = np.argwhere(lr < 0)[0]
        notes.append(f"the lr of group {g} is negative from step {t}: the optimizer would climb")
    return list(dict.fromkeys(notes))


def check_builds(schedule: Schedule) -> None:
    """Build the schedule's torch optimizer and scheduler once: raises ConfigError for what
    validation cannot see but torch refuses (an upload is checked so before it is shown)."""
    params = _params(schedule)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_scheduler(schedule.scheduler, build_optimizer(schedule, params))


def _params(schedule: Schedule) -> list[list[torch.Tensor]]:
    # One 2-D tensor per group suits every optimizer (Muon takes matrices only).
    return [[torch.zeros(1, 1, requires_grad=True)] for _ in schedule.param_groups]


def _run(
    optimizer: Any, scheduler: Any, steps: int, metrics: list[float] | None
) -> tuple[np.ndarray, np.ndarray | None]:
    groups = optimizer.param_groups
    key = momentum_key(optimizer)
    if key == "momentum":
        record = lambda: [(g["lr"], g["momentum"]) for g in groups]  # noqa: E731
    elif key == "betas":
        record = lambda: [(g["lr"], g["betas"][0]) for g in groups]  # noqa: E731
    else:
        record = lambda: [(g["lr"], 0.0) for g in groups]  # noqa: E731
    # One real optimizer step, so torch sees the documented order; a no-grad step changes
    # nothing, so repeating it every step would only cost time (see bench/simulate.py).
    optimizer.step()
    rows = []
    step = scheduler.step
    try:
        if metrics is None:
            for _ in range(steps):
                rows.append(record())
                step()
        else:
            for t in range(steps):
                rows.append(record())
                step(metrics[t])
    except ConfigError:
        raise
    except Exception as exc:  # whatever torch raises mid-run is a refusal, never a crash
        msg = " ".join(str(exc).split()) or type(exc).__name__
        raise ConfigError("scheduler", f"torch fails at step {len(rows)}: {msg}") from None
    values = np.asarray(rows, dtype=np.float64)  # (steps, groups, 2)
    return values[:, :, 0], None if key is None else values[:, :, 1]
