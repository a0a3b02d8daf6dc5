"""``run_path``: the schedule's real optimizer and scheduler stepped on a small problem.

The loop, exactly (what a bare torch loop must do to get the same rows)::

    for t in range(N + 1):
        loss = problem.loss(params)                  # at the row's parameters
        record(t, params, loss, optimizer.param_groups[0]["lr"])
        if t == N: break
        optimizer.zero_grad(); loss.backward()
        (noisy-quadratic: add this step's noise to the gradient)
        optimizer.step()
        scheduler.step()        # ReduceLROnPlateau: scheduler.step(loss.item())

Row ``t`` holds the parameters after ``t`` optimizer steps (row 0 is the start), the loss at
those parameters (before step ``t``; noiseless for noisy-quadratic) and group 0's lr in effect
for step ``t``, the lr ``simulate(config)`` gives at row ``t``. One optimizer step per
scheduler step, whatever the config's view says about epochs and batches. ReduceLROnPlateau
is given the problem's loss at the row (the loss whose gradient made the step), not the
config's ``metrics``. With ``start_step`` k the scheduler is stepped k times first, as
simulate does, so row 0's lr is the schedule's lr at step k; the optimizer starts fresh.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import torch

from lrlab.catalog import OPTIMIZERS, SCHEDULERS
from lrlab.core.build import build_optimizer, build_scheduler
from lrlab.core.errors import ConfigError
from lrlab.core.schedule import Schedule, parse
from lrlab.paths.problems import DTYPE, Problem, get_problem, parse_start

MAX_PATH_STEPS = 20_000  # 1,000 steps take ~50 ms; this bounds a CLI call or a page at ~1 s


def path_schedule(config: Mapping[str, Any] | Schedule, steps: int | None = None) -> Schedule:
    """The parsed config, its steps (or ``steps``) checked against :data:`MAX_PATH_STEPS`."""
    if steps is not None and not 1 <= steps <= MAX_PATH_STEPS:
        raise ConfigError("steps", f"{steps} is outside [1, {MAX_PATH_STEPS}] for a path")
    if not isinstance(config, Schedule) and isinstance(config.get("scheduler"), Mapping):
        sched = config["scheduler"]
        if sched.get("name") == "ReduceLROnPlateau" and "metrics" not in sched:
            # A path's plateau metric is its loss: the config need not invent one.
            config = {**config, "scheduler": {**sched, "metrics": {}}}
    schedule = parse(config, steps)
    if schedule.steps > MAX_PATH_STEPS:
        raise ConfigError(
            "steps", f"{schedule.steps} is more than a path takes ({MAX_PATH_STEPS}): pass --steps"
        )
    return schedule


def run_path(
    config: Mapping[str, Any] | Schedule,
    problem: str | Problem,
    start: str | Sequence[float] | None = None,
    steps: int | None = None,
    *,
    constant_lr: bool = False,
) -> pd.DataFrame:
    """The optimizer's path on ``problem`` under the config's schedule (see the module doc).

    Columns ``step, x, y, loss, lr`` then one per further parameter (``b`` for logistic);
    ``steps + 1`` rows unless the path stops early. ``constant_lr=True`` leaves the scheduler
    out: the same optimizer at its own lr (the ghost path). ``df.attrs["warnings"]``: torch's
    warnings and the note that ends a path whose loss or parameters are not finite (those rows
    are left out). Raises :class:`ConfigError` for bad input or anything torch refuses.
    """
    prob = problem if isinstance(problem, Problem) else get_problem(problem)
    schedule = path_schedule(config, steps)
    first = parse_start(prob, start)
    spec = OPTIMIZERS[schedule.optimizer_name]
    tensors = prob.tensors(first, matrices=spec.matrices_only)
    dummies = [[torch.zeros(1, 1, dtype=DTYPE, requires_grad=True)] for _ in schedule.param_groups]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optimizer = build_optimizer(schedule, [tensors, *dummies[1:]])
        scheduler = None if constant_lr else build_scheduler(schedule.scheduler, optimizer)
        plateau = not constant_lr and SCHEDULERS[schedule.scheduler_name].needs_metric
        skip = 0 if scheduler is None else schedule.start_step
        if skip and plateau:
            raise ConfigError(
                "start_step", "a ReduceLROnPlateau path starts at 0: its metric is the loss"
            )
        rows, note = _loop(prob, tensors, optimizer, scheduler, plateau, schedule.steps, skip)
    notes = [" ".join(str(w.message).split()) for w in caught]
    if note:
        notes.append(note)
    df = pd.DataFrame(rows, columns=["step", *prob.names, "loss", "lr"])
    df = df[["step", "x", "y", "loss", "lr", *prob.names[2:]]]
    df.attrs["warnings"] = list(dict.fromkeys(notes))
    return df


def _loop(
    prob: Problem,
    tensors: list[torch.Tensor],
    optimizer: Any,
    scheduler: Any,
    plateau: bool,
    steps: int,
    skip: int,
) -> tuple[list[list[Any]], str | None]:
    group = optimizer.param_groups[0]
    add_noise = prob.noise_adder()
    rows: list[list[Any]] = []
    t = 0
    try:
        if skip:  # start_step: the scheduler steps a resumed run has behind it
            optimizer.step()  # no gradients yet: changes nothing, keeps torch's order
            for t in range(-skip, 0):  # noqa: B007 (t names the failing step below)
                scheduler.step()
        for t in range(steps + 1):
            loss = prob.loss(tensors)
            value = loss.item()
            coords = prob.coords(tensors)
            if not (math.isfinite(value) and all(map(math.isfinite, coords))):
                return rows, _diverged(t, coords, value)
            rows.append([t, *coords, value, group["lr"]])
            if t == steps:
                break
            for p in tensors:  # optimizer.zero_grad() (set_to_none), without its hooks'
                p.grad = None  # profiler records: only these tensors ever get a gradient
            loss.backward()
            if add_noise is not None:
                add_noise(tensors[0].grad)
            optimizer.step()
            if scheduler is not None:
                scheduler.step(value) if plateau else scheduler.step()
    except ConfigError:
        raise
    except Exception as exc:  # whatever torch raises mid-path is a refusal, never a crash
        msg = " ".join(str(exc).split()) or type(exc).__name__
        at = t + 1 + skip  # the schedule's step, as simulate counts it
        raise ConfigError("scheduler", f"torch fails at step {at}: {msg}") from None
    return rows, None


def _diverged(t: int, coords: list[float], value: float) -> str:
    if t == 0:
        return f"the loss at the start is {value}: there is no path"
    what = "the loss" if all(map(math.isfinite, coords)) else "the parameters"
    return (
        f"the path diverged: {what} became {value if what == 'the loss' else 'not finite'} "
        f"at step {t}; it ends at step {t - 1}"
    )
