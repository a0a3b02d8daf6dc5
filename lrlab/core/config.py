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
# "view" (presentation, lrlab.core.view) and "train" (lrlab.train) are validated by their owners.
TOP_LEVEL_KEYS = (
    "name",
    "optimizer",
    "param_groups",
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
