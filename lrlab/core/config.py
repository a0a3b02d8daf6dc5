"""Validation of schedule configs, driven by the catalog.

``validate`` returns a normalised, JSON-able copy or raises :class:`ConfigError` naming the
field. It rejects, before any work starts, what torch accepts but then crashes on, hangs on or
turns into garbage: zero periods, unsorted milestones, NaN rates, short metrics, and so on.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from lrlab.catalog import OPTIMIZERS, SCHEDULERS, Param
from lrlab.core.errors import ConfigError
from lrlab.core.expr import ExpressionError, compile_expression

MAX_STEPS = 200_000  # beyond this a simulation holds a server thread for seconds
MAX_GROUPS = 16
MAX_CHILDREN = 8
MAX_NESTING = 3
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
SYNTHETIC_METRIC = {"start": 2.3, "floor": 0.4, "decay": 20.0, "noise": 0.02, "seed": 0}


@dataclass(frozen=True)
class Context:
    """What a scheduler's validation needs to know about its surroundings."""

    path: str
    groups: int
    optimizer_name: str
    momentum_key: str | None
    budget: int  # rows this scheduler produces: it is stepped budget - 1 times
    depth: int = 0


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
    cfg["steps"] = _int("steps", cfg["steps"], 1, MAX_STEPS)
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
    ctx = Context("", len(groups), spec.name, spec.momentum_key, start + cfg["steps"])
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
    cfg["start_step"] = _int("start_step", cfg["start_step"], 0, most, text)
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
    for p in sorted(params, key=lambda p: p.kind == "schedulers"):
        field = f"{path}.{p.name}"
        if p.name not in given:
            if p.required:
                raise ConfigError(field, f"missing: {p.help}")
            continue
        value = given[p.name]
        if value is None and p.nullable:
            out[p.name] = None
        elif p.kind == "schedulers":
            out[p.name] = _children(value, field, out.get("milestones"), ctx)
        else:
            out[p.name] = _value(p, value, field, ctx)
    return out


def _children(value: Any, field: str, milestones: list[int] | None, ctx: Context) -> list:
    if not isinstance(value, list) or not value or not all(isinstance(v, Mapping) for v in value):
        raise ConfigError(field, "must be a non-empty list of scheduler objects")
    if len(value) > MAX_CHILDREN:
        raise ConfigError(field, f"at most {MAX_CHILDREN} schedulers")
    if ctx.depth + 1 > MAX_NESTING:
        raise ConfigError(field, f"schedulers nest at most {MAX_NESTING} levels deep")
    if milestones is not None:  # SequentialLR: each child runs for its own segment
        if len(milestones) != len(value) - 1:  # torch raises too; say it before the children
            raise ConfigError(
                field.rsplit(".", 1)[0] + ".milestones",
                f"needs exactly {len(value) - 1} milestone(s) for {len(value)} schedulers, "
                f"got {len(milestones)}",
            )
        bounds = [0, *milestones, ctx.budget]
        budgets = [max(1, hi - lo) for lo, hi in itertools.pairwise(bounds)]
    else:  # ChainedScheduler: every child is stepped every time
        budgets = [ctx.budget] * len(value)
    return [
        _scheduler(dict(child), replace(ctx, path=f"{field}[{i}]", budget=b, depth=ctx.depth + 1))
        for i, (child, b) in enumerate(zip(value, budgets, strict=True))
    ]


def _value(p: Param, value: Any, field: str, ctx: Context) -> Any:
    if p.kind == "float":
        return _float(field, value, p)
    if p.kind == "int":
        return _int(field, value, p.gt + 1 if p.gt is not None else p.ge, p.le, p.bounds_text())
    if p.kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(field, f"must be true or false, got {value!r}")
        return value
    if p.kind == "choice":
        if value not in p.choices:
            raise ConfigError(field, f"must be one of {', '.join(map(str, p.choices))}")
        return value
    if p.kind == "milestones":
        return _milestones(field, value)
    if p.kind == "float_pair":
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise ConfigError(field, "must be a pair of numbers, like [0.9, 0.999]")
        return [_float(f"{field}[{i}]", v, p) for i, v in enumerate(value)]
    if p.kind == "float_or_list":
        if isinstance(value, list):
            _per_group(field, value, ctx)
            return [_float(f"{field}[{i}]", v, p) for i, v in enumerate(value)]
        return _float(field, value, p)
    if p.kind == "lambda":
        if isinstance(value, list):
            _per_group(field, value, ctx)
            return [_expression(f"{field}[{i}]", v) for i, v in enumerate(value)]
        return _expression(field, value)
    if p.kind == "metrics":
        return _metrics(field, value, ctx.budget)
    if p.kind == "int_or_range":
        if isinstance(value, list):
            if len(value) != 2:
                raise ConfigError(field, "must be one step number or a [start, end] pair")
            lo, hi = (_int(f"{field}[{i}]", v, 0, None, ">= 0") for i, v in enumerate(value))
            if hi <= lo:
                raise ConfigError(f"{field}[1]", f"must be above {lo}")
            return [lo, hi]
        return _int(field, value, 0, None, ">= 0")
    raise AssertionError(f"unhandled kind {p.kind}")  # pragma: no cover


def _per_group(field: str, value: list, ctx: Context) -> None:
    if len(value) != ctx.groups:
        raise ConfigError(
            field, f"has {len(value)} entries but there are {ctx.groups} parameter groups"
        )


def _float(field: str, value: Any, p: Param | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(field, f"must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ConfigError(field, "must be a finite number")
    if p is not None:
        bad = (
            (p.gt is not None and value <= p.gt)
            or (p.ge is not None and value < p.ge)
            or (p.lt is not None and value >= p.lt)
            or (p.le is not None and value > p.le)
        )
        if bad:
            raise ConfigError(field, f"must be {p.bounds_text()}, got {value:g}")
    return value


def _int(field: str, value: Any, lo: float | None, hi: float | None, text: str = "") -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(field, f"must be a whole number, got {value!r}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        text = text or (f"between {lo:g} and {hi:g}" if hi is not None else f">= {lo:g}")
        raise ConfigError(field, f"must be {text}, got {value}")
    return value


def _milestones(field: str, value: Any) -> list[int]:
    # Any whole numbers, as torch takes them: MultiStepLR counts repeats (gamma ** count) and a
    # milestone 0 applies at construction.
    if not isinstance(value, list):
        raise ConfigError(field, "must be a list of step numbers, like [30, 60, 90]")
    return [_int(f"{field}[{i}]", v, None, None) for i, v in enumerate(value)]


def _expression(field: str, value: Any) -> str:
    try:
        return compile_expression(value).text
    except ExpressionError as exc:
        raise ConfigError(field, str(exc)) from None


def _metrics(field: str, value: Any, budget: int) -> list[float] | dict[str, Any]:
    if isinstance(value, list):
        if len(value) < budget:
            raise ConfigError(field, f"has {len(value)} values but the schedule has {budget} steps")
        return [_float(f"{field}[{i}]", v) for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        for key in value:
            if key not in SYNTHETIC_METRIC:
                raise ConfigError(
                    f"{field}.{key}", f"unknown key; expected {', '.join(SYNTHETIC_METRIC)}"
                )
        spec = {**SYNTHETIC_METRIC, **value}
        for key in ("start", "floor", "decay", "noise"):
            spec[key] = _float(f"{field}.{key}", spec[key])
        if spec["decay"] <= 0:
            raise ConfigError(f"{field}.decay", "must be > 0 (steps for the curve to fall)")
        if spec["noise"] < 0:
            raise ConfigError(f"{field}.noise", "must be >= 0")
        spec["seed"] = _int(f"{field}.seed", spec["seed"], 0, 2**32 - 1)
        return spec
    raise ConfigError(field, "must be a list of numbers (one per step) or a synthetic spec")
