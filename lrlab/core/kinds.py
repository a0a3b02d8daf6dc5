"""The kinds of parameter, in one table: how a value is checked, handed to torch, written as
Python and edited in the form.

Every keyword argument in the catalog has a kind (``Param.kind``). Validation
(:mod:`lrlab.core.config`), building (:mod:`lrlab.core.build`), code generation
(:mod:`lrlab.core.codegen`), share links and the form (``ui/form.py``) all look a kind up in
:data:`KINDS` instead of testing ``p.kind`` themselves, so a new kind is one row here (and, if
it needs a new editor, one widget in the form).

Nested schedulers are a kind too. Their rows recurse through a callback the caller passes in:
``Context.nested`` validates a child, ``to_torch``'s ``child`` builds one and ``to_code``'s
``child`` writes one out as a variable. This keeps the table free of imports back into its
callers.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from lrlab.catalog import Param
from lrlab.catalog.spec import number_text
from lrlab.core.errors import ConfigError
from lrlab.core.expr import ExpressionError, compile_expression, safe_lambda

MAX_CHILDREN = 8
MAX_INT = 2**63 - 1
MAX_NESTING = 3
SYNTHETIC_METRIC = {"start": 2.3, "floor": 0.4, "decay": 20.0, "noise": 0.02, "seed": 0}


@dataclass(frozen=True)
class Context:
    """What a value's validation needs to know about its surroundings."""

    path: str
    groups: int
    optimizer_name: str
    momentum_key: str | None
    budget: int  # rows this scheduler produces: it is stepped budget - 1 times
    depth: int = 0
    # Validates one nested scheduler (lrlab.core.config passes its own); None outside schedulers.
    nested: Callable[[dict[str, Any], Context], dict[str, Any]] | None = None


# -- checking: a JSON value in, the normalised value out, or a ConfigError naming the field ----
def check_float(field: str, value: Any, p: Param | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(field, f"must be a number, got {value!r}")
    try:
        value = float(value)
    except OverflowError:  # an integer of hundreds of digits
        raise ConfigError(
            field,
            f"must be a finite number, got an integer of {len(str(abs(value)))} digits",
        ) from None
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
            raise ConfigError(field, f"must be {p.bounds_text()}, got {number_text(value)}")
    return value


def check_int(field: str, value: Any, lo: float | None, hi: float | None, text: str = "") -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(field, f"must be a whole number, got {value!r}")
    if abs(value) > MAX_INT:  # torch's integers are 64-bit; larger ones overflow its floats
        raise ConfigError(
            field,
            f"must be at most {MAX_INT} in size, got an integer of {len(str(abs(value)))} digits",
        )
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        lo_text, hi_text = number_text(lo), number_text(hi)
        text = text or (f"between {lo_text} and {hi_text}" if hi is not None else f">= {lo_text}")
        raise ConfigError(field, f"must be {text}, got {value}")
    return value


def _per_group(field: str, value: list, ctx: Context) -> None:
    if len(value) != ctx.groups:
        raise ConfigError(
            field, f"has {len(value)} entries but there are {ctx.groups} parameter groups"
        )


def _one_or_per_group(check: Callable[[str, Any], Any]) -> Callable[..., Any]:
    """A check of one value, extended to "one value, or one per parameter group"."""

    def checked(value: Any, p: Param, field: str, ctx: Context, siblings: Mapping) -> Any:
        if isinstance(value, list):
            _per_group(field, value, ctx)
            return [check(f"{field}[{i}]", v, p) for i, v in enumerate(value)]
        return check(field, value, p)

    return checked


def _expression(field: str, value: Any, p: Param | None = None) -> str:
    try:
        return compile_expression(value).text
    except ExpressionError as exc:
        raise ConfigError(field, str(exc)) from None


def _check_float(value: Any, p: Param, field: str, ctx: Context, siblings: Mapping) -> float:
    return check_float(field, value, p)


def _check_int(value: Any, p: Param, field: str, ctx: Context, siblings: Mapping) -> int:
    return check_int(field, value, p.gt + 1 if p.gt is not None else p.ge, p.le, p.bounds_text())


def _check_bool(value: Any, p: Param, field: str, ctx: Context, siblings: Mapping) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(field, f"must be true or false, got {value!r}")
    return value


def _check_choice(value: Any, p: Param, field: str, ctx: Context, siblings: Mapping) -> Any:
    if value not in p.choices:
        raise ConfigError(field, f"must be one of {', '.join(map(str, p.choices))}")
    return value


def _check_milestones(value: Any, p: Param, field: str, ctx: Context, siblings: Mapping) -> list:
    # Any whole numbers, as torch takes them: MultiStepLR counts repeats (gamma ** count) and a
    # milestone 0 applies at construction.
    if not isinstance(value, list):
        raise ConfigError(field, "must be a list of step numbers, like [30, 60, 90]")
    return [check_int(f"{field}[{i}]", v, None, None) for i, v in enumerate(value)]


def _check_pair(value: Any, p: Param, field: str, ctx: Context, siblings: Mapping) -> list:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ConfigError(field, "must be a pair of numbers, like [0.9, 0.999]")
    return [check_float(f"{field}[{i}]", v, p) for i, v in enumerate(value)]


def _check_step_or_range(value: Any, p: Param, field: str, ctx: Context, siblings: Mapping) -> Any:
    if not isinstance(value, list):
        return check_int(field, value, 0, None, ">= 0")
    if len(value) != 2:
        raise ConfigError(field, "must be one step number or a [start, end] pair")
    lo, hi = (check_int(f"{field}[{i}]", v, 0, None, ">= 0") for i, v in enumerate(value))
    if hi <= lo:
        raise ConfigError(f"{field}[1]", f"must be above {lo}")
    return [lo, hi]


def _check_metrics(value: Any, p: Param, field: str, ctx: Context, siblings: Mapping) -> Any:
    if isinstance(value, list):
        if len(value) < ctx.budget:
            raise ConfigError(
                field, f"has {len(value)} values but the schedule has {ctx.budget} steps"
            )
        return [check_float(f"{field}[{i}]", v) for i, v in enumerate(value)]
    if not isinstance(value, Mapping):
        raise ConfigError(field, "must be a list of numbers (one per step) or a synthetic spec")
    for key in value:
        if key not in SYNTHETIC_METRIC:
            raise ConfigError(
                f"{field}.{key}", f"unknown key; expected {', '.join(SYNTHETIC_METRIC)}"
            )
    spec = {**SYNTHETIC_METRIC, **value}
    for key in ("start", "floor", "decay", "noise"):
        spec[key] = check_float(f"{field}.{key}", spec[key])
    if spec["decay"] <= 0:
        raise ConfigError(f"{field}.decay", "must be > 0 (steps for the curve to fall)")
    if spec["noise"] < 0:
        raise ConfigError(f"{field}.noise", "must be >= 0")
    spec["seed"] = check_int(f"{field}.seed", spec["seed"], 0, 2**32 - 1)
    return spec


def _check_children(value: Any, p: Param, field: str, ctx: Context, siblings: Mapping) -> list:
    if not isinstance(value, list) or not value or not all(isinstance(v, Mapping) for v in value):
        raise ConfigError(field, "must be a non-empty list of scheduler objects")
    if len(value) > MAX_CHILDREN:
        raise ConfigError(field, f"at most {MAX_CHILDREN} schedulers")
    if ctx.depth + 1 > MAX_NESTING:
        raise ConfigError(field, f"schedulers nest at most {MAX_NESTING} levels deep")
    assert ctx.nested is not None, "nested schedulers are validated by lrlab.core.config"
    milestones = siblings.get("milestones")
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
        ctx.nested(dict(child), replace(ctx, path=f"{field}[{i}]", budget=b, depth=ctx.depth + 1))
        for i, (child, b) in enumerate(zip(value, budgets, strict=True))
    ]


# -- handing a checked value to torch, and writing it as Python --------------------------------
def _as_is(value: Any, field: str, child: Any) -> Any:
    return value


def _as_tuple(value: Any, field: str, child: Any) -> tuple:
    return tuple(value)


def _lambdas(value: Any, field: str, child: Any) -> Any:
    if isinstance(value, list):
        return [safe_lambda(v, f"{field}[{i}]") for i, v in enumerate(value)]
    return safe_lambda(value, field)


def _children(value: list, field: str, child: Callable[[Mapping, str], Any]) -> list:
    return [child(c, f"{field}[{i}]") for i, c in enumerate(value)]


def _repr(value: Any, child: Any) -> str:
    return repr(value)


def _tuple_code(value: Any, child: Any) -> str:
    return repr(tuple(value))


def _lambda_code(value: Any, child: Any) -> str:
    def one(text: str) -> str:
        return f"lambda epoch: {compile_expression(text).to_python()}"

    return "[" + ", ".join(map(one, value)) + "]" if isinstance(value, list) else one(value)


def _children_code(value: list, child: Callable[[Mapping], str]) -> str:
    return "[" + ", ".join(child(c) for c in value) + "]"


# -- editing as text in the form ---------------------------------------------------------------
def numbers_text(value: Any) -> str:
    """A number or a list of them as the form's text ("30, 60, 90"); None as ""."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(numbers_text(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def parse_numbers(text: str, path: str, whole: bool) -> list:
    """Numbers separated by commas, spaces or semicolons; a ConfigError for anything else."""
    values: list = []
    for part in (t for t in re.split(r"[,\s;]+", text.strip()) if t):
        try:
            value = float(part)
        except ValueError:
            raise ConfigError(path, "write numbers separated by commas, like 30, 60, 90") from None
        if whole:
            if not value.is_integer():
                raise ConfigError(path, "must be whole numbers, like 30, 60, 90")
            value = int(value)
        values.append(value)
    return values


def _milestones_text(text: str, path: str) -> list[int]:
    return parse_numbers(text, path, whole=True)


def _one_or_list_text(text: str, path: str) -> Any:
    values = parse_numbers(text, path, whole=False)
    if not values:
        raise ConfigError(path, "enter a number")
    return values[0] if len(values) == 1 else values


def _step_or_range_text(text: str, path: str) -> Any:
    values = parse_numbers(text, path, whole=True)
    return None if not values else values[0] if len(values) == 1 else values


# -- the table ---------------------------------------------------------------------------------
ValueCheck = Callable[[Any, Param, str, Context, Mapping[str, Any]], Any]


@dataclass(frozen=True)
class KindRule:
    """Everything lrlab does with a value of one kind."""

    check: ValueCheck  # (value, param, field, context, siblings checked so far) -> normalised
    widget: str  # the form's editor for it (ui/form.py keeps one per name)
    to_torch: Callable[[Any, str, Any], Any] = _as_is  # (value, field, build a child) -> arg
    to_code: Callable[[Any, Any], str] = _repr  # (value, write a child) -> Python source
    from_text: Callable[[str, str], Any] | None = None  # the "numbers" editor's parser
    text_hint: str = ""  # added to the help of a text editor
    per_group: bool = False  # one value, or a list of one per parameter group
    nested: bool = False  # holds schedulers: checked after its siblings (the milestones)


KINDS: dict[str, KindRule] = {
    "float": KindRule(_check_float, "number"),
    "int": KindRule(_check_int, "integer"),
    "bool": KindRule(_check_bool, "checkbox"),
    "choice": KindRule(_check_choice, "select"),
    "milestones": KindRule(
        _check_milestones,
        "numbers",
        from_text=_milestones_text,
        text_hint=" Comma-separated.",
    ),
    "float_or_list": KindRule(
        _one_or_per_group(check_float),
        "numbers",
        from_text=_one_or_list_text,
        text_hint=" One value, or one per group.",
        per_group=True,
    ),
    "float_pair": KindRule(_check_pair, "pair", to_torch=_as_tuple, to_code=_tuple_code),
    "lambda": KindRule(
        _one_or_per_group(_expression),
        "expressions",
        to_torch=_lambdas,
        to_code=_lambda_code,
        per_group=True,
    ),
    "schedulers": KindRule(
        _check_children, "schedulers", to_torch=_children, to_code=_children_code, nested=True
    ),
    "metrics": KindRule(_check_metrics, "metrics"),
    "int_or_range": KindRule(
        _check_step_or_range,
        "numbers",
        from_text=_step_or_range_text,
        text_hint=" One step, or start, end.",
    ),
}
