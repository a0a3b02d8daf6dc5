"""Validation of schedule configs, driven by the catalog.

``validate`` returns a normalised, JSON-able copy or raises :class:`ConfigError` naming the
field. It rejects, before any work starts, what torch accepts but then crashes on, hangs on or
turns into garbage: zero periods, unsorted milestones, NaN rates, short metrics, and so on.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from lrlab.catalog import OPTIMIZERS, SCHEDULERS, Param
from lrlab.core.errors import ConfigError
from lrlab.core.expr import expression_parts
from lrlab.core.kinds import (
    KINDS,
    MAX_CHILDREN,
    MAX_NESTING,
    SYNTHETIC_METRIC,
    Context,
    check_int,
)

MAX_STEPS = 200_000  # beyond this a simulation holds a server thread for seconds
MAX_GROUPS = 16
# The cost budget. Each bound alone (steps, groups, 73 nested schedulers, 64-part lambdas) is
# cheap, their product is not: 8 x 8 chained lambdas over 16 groups for 200k steps hold a
# thread for half an hour. So the work one simulation does is bounded by construction, before
# anything runs: per step, every scheduler node costs STEP_OVERHEAD plus, per parameter group,
# its weight (1, more for GROUP_WEIGHT's) and a lambda's parts / EXPR_PARTS_PER_UNIT
# (measured: bench/cost.py prints each shape at the most steps the budget allows).
# The budget is one plain scheduler over MAX_STEPS steps and MAX_GROUPS groups.
STEP_OVERHEAD = 3
EXPR_PARTS_PER_UNIT = 16
# Schedulers whose per-group step costs more than StepLR's (they cycle momentum too).
GROUP_WEIGHT = {"OneCycleLR": 4, "CyclicLR": 2}
MAX_COST = MAX_STEPS * (STEP_OVERHEAD + MAX_GROUPS)
# "view" (presentation, lrlab.core.view), "train" (lrlab.train) and "path" (the path panel's
# problem and start, lrlab.paths.link; simulate, code and training ignore it) are validated by
# their owners.
TOP_LEVEL_KEYS = (
    "name",
    "optimizer",
    "param_groups",
    "path",
    "scheduler",
    "start_step",
    "steps",
    "train",
    "view",
)


def validate(config: Mapping[str, Any], steps: int | None = None) -> dict[str, Any]:
    """Check ``config`` and return a normalised deep copy (``steps`` overrides the config's)."""
    if not isinstance(config, Mapping):
        raise ConfigError("", "the config must be a JSON object")
    cfg = copy.deepcopy(dict(config))
    for key in cfg:
        if key not in TOP_LEVEL_KEYS:
            raise ConfigError(key, f"unknown key; expected one of {', '.join(TOP_LEVEL_KEYS)}")
    if steps is not None:
        cfg["steps"] = steps
    if cfg.get("steps") is None:
        raise ConfigError("steps", "missing: how many scheduler steps to simulate")
    cfg["steps"] = check_int("steps", cfg["steps"], 1, MAX_STEPS)
    start = _start_step(cfg)
    opt = _section(cfg, "optimizer")
    spec = OPTIMIZERS.get(opt.get("name"))
    if spec is None:
        raise ConfigError("optimizer.name", _unknown(opt.get("name"), OPTIMIZERS))
    groups = cfg.get("param_groups") or [{}]
    if not isinstance(groups, list) or not all(isinstance(g, Mapping) for g in groups):
        raise ConfigError("param_groups", "must be a list of objects, one per parameter group")
    if len(groups) > MAX_GROUPS:
        raise ConfigError("param_groups", f"at most {MAX_GROUPS} groups, got {len(groups)}")
    # A resumed run is a run of start + steps steps: that is what the schedule must last.
    total = start + cfg["steps"]
    ctx = Context("", len(groups), spec.name, spec.momentum_key, total, nested=_scheduler)
    cfg["optimizer"] = {"name": spec.name, **check_kwargs(spec.params, opt, "optimizer", ctx)}
    cfg["param_groups"] = [
        check_kwargs(spec.params, dict(g), f"param_groups[{i}]", ctx) for i, g in enumerate(groups)
    ]
    sched = _section(cfg, "scheduler")
    cfg["scheduler"] = _scheduler(sched, replace(ctx, path="scheduler"))
    _check_cost(cfg["scheduler"], len(groups), total)
    top = SCHEDULERS[cfg["scheduler"]["name"]]
    if start and top.library != "torch" and top.needs_metric:
        # Its generated code watches your own metric, so no script could resume it exactly.
        raise ConfigError(
            "start_step", f"{top.name} cannot start mid-schedule here; set start_step to 0"
        )
    return cfg


def _start_step(cfg: dict[str, Any]) -> int:
    """``start_step``: the schedule seen from step k on, as after loading a checkpoint."""
    if "start_step" not in cfg:
        return 0
    most = MAX_STEPS - cfg["steps"]  # lrlab's cost bound covers the steps before k too
    text = f"between 0 and {most} (start_step + steps is at most {MAX_STEPS})"
    cfg["start_step"] = check_int("start_step", cfg["start_step"], 0, most, text)
    return cfg["start_step"]


def schedule_cost(scheduler: Mapping[str, Any], groups: int, total: int) -> float:
    """The work units of stepping ``scheduler`` ``total`` times over ``groups`` groups."""
    return total * _step_cost(scheduler, groups)


def _step_cost(sched: Mapping[str, Any], groups: int) -> float:
    spec = SCHEDULERS[sched["name"]]
    cost, parts = float(STEP_OVERHEAD), 0
    for p in spec.params:
        value = sched.get(p.name)
        if KINDS[p.kind].nested and value:
            cost += sum(_step_cost(child, groups) for child in value)
        elif p.kind == "lambda" and value is not None:
            texts = value if isinstance(value, list) else [value]
            parts = max(parts, *(expression_parts(t) for t in texts))
    return cost + groups * (GROUP_WEIGHT.get(spec.name, 1) + parts / EXPR_PARTS_PER_UNIT)


def _nodes(sched: Mapping[str, Any]) -> int:
    children = [
        c
        for p in SCHEDULERS[sched["name"]].params
        if KINDS[p.kind].nested
        for c in sched.get(p.name) or ()
    ]
    return 1 + sum(_nodes(c) for c in children)


def _check_cost(sched: Mapping[str, Any], groups: int, total: int) -> None:
    per_step = _step_cost(sched, groups)
    if total * per_step <= MAX_COST:
        return
    nodes = _nodes(sched)
    raise ConfigError(
        "steps",
        f"too costly to simulate: {total} steps x {per_step:.0f} work units per step "
        f"({nodes} scheduler(s) over {groups} group(s)"
        f", lambdas counted by their parts) = {total * per_step:,.0f}, over lrlab's budget of "
        f"{MAX_COST:,}; this schedule may run at most {int(MAX_COST // per_step)} steps "
        "(or use fewer groups, schedulers or lambda parts)",
    )


def _section(cfg: dict[str, Any], key: str) -> dict[str, Any]:
    value = cfg.get(key)
    if not isinstance(value, Mapping):
        raise ConfigError(key, "missing: an object with a name and torch keyword arguments")
    return dict(value)


def _unknown(name: Any, known: Mapping[str, Any]) -> str:
    return f"unknown name {name!r}; expected one of {', '.join(known)}"


def _scheduler(sched: dict[str, Any], ctx: Context) -> dict[str, Any]:
    spec = SCHEDULERS.get(sched.get("name"))
    if spec is None:
        raise ConfigError(f"{ctx.path}.name", _unknown(sched.get("name"), SCHEDULERS))
    if spec.library != "torch" and ctx.depth:
        raise ConfigError(
            f"{ctx.path}.name", f"{spec.library} schedulers cannot be nested in torch composites"
        )
    if spec.needs_metric and ctx.depth:
        raise ConfigError(
            f"{ctx.path}.name", "ReduceLROnPlateau needs a metric, so it cannot be nested"
        )
    kwargs = check_kwargs(spec.params, sched, ctx.path, ctx)
    for check in spec.checks:
        check(kwargs, ctx)
    return {"name": spec.name, **kwargs}


def check_kwargs(params: tuple[Param, ...], given: dict[str, Any], path: str, ctx: Context) -> dict:
    """Validate the keyword arguments of one torch class (``name`` excluded)."""
    known = {p.name: p for p in params}
    for key in given:
        if key != "name" and key not in known:
            raise ConfigError(
                f"{path}.{key}", f"unknown keyword; expected one of {', '.join(known)}"
            )
    out: dict[str, Any] = {}
    # Children last: their step budgets depend on the milestones.
    for p in sorted(params, key=lambda p: KINDS[p.kind].nested):
        field = f"{path}.{p.name}"
        if p.name not in given:
            if p.required:
                raise ConfigError(field, f"missing: {p.help}")
            continue
        value = given[p.name]
        if value is None and p.nullable:
            out[p.name] = None
        else:
            out[p.name] = KINDS[p.kind].check(value, p, field, ctx, out)
    return out


__all__ = [
    "MAX_CHILDREN",
    "MAX_GROUPS",
    "MAX_NESTING",
    "MAX_STEPS",
    "SYNTHETIC_METRIC",
    "Context",
    "check_kwargs",
    "validate",
]
