"""Classic mistakes, reproduced with real torch objects so a class can see them happen."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import pandas as pd
import torch

from lrlab.catalog import SCHEDULERS
from lrlab.core.build import build_optimizer, build_scheduler, metric_values
from lrlab.core.errors import ConfigError
from lrlab.core.schedule import Schedule, parse


def _objects(schedule: Schedule) -> tuple[Any, Any]:
    params = [[torch.zeros(1, requires_grad=True)] for _ in schedule.param_groups]
    optimizer = build_optimizer(schedule, params)
    return optimizer, build_scheduler(schedule.scheduler, optimizer)


def _first_warning(caught: list[warnings.WarningMessage]) -> str:
    return next((str(w.message) for w in caught), "")


def wrong_order(config: Mapping[str, Any] | Schedule) -> tuple[pd.DataFrame, str]:
    """The lr each optimizer step really uses when ``scheduler.step()`` comes first.

    Returns the trajectory (step, group, lr) and the warning torch gives. The first value of
    the schedule is never used: every step runs one value ahead. Rows start at the schedule's
    ``start_step``, as simulate()'s do.
    """
    schedule = parse(config)
    if SCHEDULERS[schedule.scheduler_name].needs_metric:
        raise ConfigError(
            "scheduler",
            "ReduceLROnPlateau needs the epoch's metric, so it can only be stepped after the epoch",
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optimizer, scheduler = _objects(schedule)
        rows = []
        start = schedule.start_step
        for t in range(start + schedule.steps - 1):
            scheduler.step()  # the mistake: before optimizer.step()
            if t >= start:
                rows.extend((t, g, group["lr"]) for g, group in enumerate(optimizer.param_groups))
            optimizer.step()
    order = [w for w in caught if "lr_scheduler.step()" in str(w.message)]
    return pd.DataFrame(rows, columns=["step", "group", "lr"]), _first_warning(order)


def get_lr_vs_last_lr(
    config: Mapping[str, Any] | Schedule, steps: int = 12
) -> tuple[pd.DataFrame, str]:
    """``get_last_lr()`` against ``get_lr()`` called by hand, for group 0, step by step.

    ``get_lr()`` is the scheduler's internal update rule; called outside ``step()`` it often
    applies the update again (torch warns). ``get_last_lr()`` is the value in effect. The
    table holds the first ``steps`` steps of the schedule, from its ``start_step``.
    """
    schedule = parse(config)
    steps = min(steps, schedule.steps)
    if SCHEDULERS[schedule.scheduler_name].composite:
        raise ConfigError("scheduler", "composite schedulers have no get_lr() of their own")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optimizer, scheduler = _objects(schedule)
        start = schedule.start_step
        metrics = metric_values(schedule.scheduler, start + steps)
        rows = []
        for t in range(start):  # resumed: where a checkpoint taken at start_step leaves it
            optimizer.step()
            scheduler.step(metrics[t]) if metrics else scheduler.step()
        for t in range(start, start + steps):
            rows.append(
                {
                    "step": t,
                    "get_last_lr()": scheduler.get_last_lr()[0],
                    "get_lr()": scheduler.get_lr()[0],
                }
            )
            optimizer.step()
            scheduler.step(metrics[t]) if metrics else scheduler.step()
    df = pd.DataFrame(rows)
    df["differs"] = df["get_last_lr()"] != df["get_lr()"]
    return df, _first_warning([w for w in caught if "get_last_lr" in str(w.message)])


def lesson_children(config: Mapping[str, Any]) -> list[tuple[int, str]]:
    """A composite's children that can carry the get_lr() lesson themselves (not composite,
    no metric), as ``(index, "2. CosineAnnealingLR")``; [] for a plain scheduler."""
    sched = config["scheduler"]
    if not SCHEDULERS[sched["name"]].composite:
        return []
    return [
        (i, f"{i + 1}. {child['name']}")
        for i, child in enumerate(sched.get("schedulers") or [])
        if not SCHEDULERS[child["name"]].composite and not SCHEDULERS[child["name"]].needs_metric
    ]


def child_schedule(config: Mapping[str, Any], index: int) -> dict[str, Any]:
    """Child ``index`` of a composite as a schedule of its own (the same optimizer and groups),
    so a lesson about a scheduler's own methods (get_lr()) can be shown on it: the composite
    only calls its children's step()."""
    out = {k: config[k] for k in ("optimizer", "param_groups", "steps") if k in config}
    return {**out, "scheduler": config["scheduler"]["schedulers"][index]}
