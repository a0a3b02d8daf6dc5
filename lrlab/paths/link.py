"""A path's settings (problem, start, κ) in a link and in a config file, checked at the edge.

In a link: plain text keys beside the schedule's ``c`` (``?c=...&problem=quadratic&start=-4.0,1.5
&condition=10.0``), so a link stays readable. In a config file (Explore's download): one
top-level section, ``"path": {"problem": "quadratic", "start": [-4.0, 1.5], "condition":
10.0}``, which ``simulate``, ``code``, ``train`` and ``sweep`` accept and ignore (it says
nothing about the schedule) and Explore's links and uploads and ``python -m lrlab path`` read.
Both are checked whole here, with messages naming the key; a float is written with ``repr``
so the settings come back bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lrlab.core.errors import ConfigError
from lrlab.paths.problems import DEFAULT_PROBLEM, Problem, get_problem, parse_start

KEYS = ("problem", "start", "condition")
CONDITIONED = ("quadratic", "noisy-quadratic")  # the problems that have a κ


@dataclass(frozen=True)
class PathSettings:
    """What the panel shows a path on: the problem, its start, and κ for the quadratics."""

    problem: str
    start: tuple[float, ...]
    condition: float | None = None  # None: not a setting of this problem

    def get_problem(self) -> Problem:
        options = {} if self.condition is None else {"condition": self.condition}
        return get_problem(self.problem, **options)


def settings(
    problem: str, start: Any = None, condition: Any = None, prefix: str = ""
) -> PathSettings:
    """Checked settings (the problem's own start and κ 10 where left out); raises
    :class:`ConfigError` whose field is ``prefix`` + ``problem``, ``start`` or ``condition``."""
    try:
        name = get_problem(problem).name  # the name checked first: the rest depends on it
        if condition is not None and name not in CONDITIONED:
            raise ConfigError("condition", f"not a setting of {name} (only of the quadratics)")
        options = {} if condition is None else {"condition": _number(condition)}
        prob = get_problem(name, **options)
        first = parse_start(prob, start if isinstance(start, str | None) else _numbers(start))
    except ConfigError as exc:
        raise ConfigError(prefix + exc.field, exc.message) from None
    kappa = prob.options.get("condition") if name in CONDITIONED else None
    return PathSettings(name, first, kappa)


def path_from_link(query: Mapping[str, str]) -> PathSettings | None:
    """The settings in a link's query, None when it holds none of :data:`KEYS`."""
    if not any(k in query for k in KEYS):
        return None
    condition = query.get("condition")
    if condition is not None:
        try:
            condition = float(condition)
        except ValueError:
            raise ConfigError("condition", f"{condition!r} is not a number") from None
    return settings(query.get("problem") or DEFAULT_PROBLEM, query.get("start"), condition)


def path_to_link(path: PathSettings) -> dict[str, str]:
    """The query keys of ``path`` (``condition`` only for the quadratics)."""
    out = {"problem": path.problem, "start": ",".join(repr(float(v)) for v in path.start)}
    if path.condition is not None:
        out["condition"] = repr(float(path.condition))
    return out


def path_from_config(config: Mapping[str, Any]) -> PathSettings | None:
    """The config's ``path`` section, checked; None when it has none. Fields ``path.*``."""
    section = config.get("path")
    if section is None:
        return None
    if not isinstance(section, Mapping):
        raise ConfigError("path", "must be an object: {problem, start, condition}")
    for key in section:
        if key not in KEYS:
            raise ConfigError(f"path.{key}", f"unknown key; expected one of {', '.join(KEYS)}")
    if "problem" not in section:
        raise ConfigError("path.problem", "missing: one of the problems' names")
    if not isinstance(section["problem"], str):
        raise ConfigError("path.problem", f"must be a problem's name, got {section['problem']!r}")
    start = section.get("start")
    if isinstance(start, str) or (start is not None and not isinstance(start, list)):
        raise ConfigError("path.start", f"must be a list of numbers [x, y], got {start!r}")
    return settings(section["problem"], start, section.get("condition"), prefix="path.")


def path_to_config(path: PathSettings) -> dict[str, Any]:
    """The ``path`` section of ``path`` (what :func:`path_from_config` reads back)."""
    out: dict[str, Any] = {"problem": path.problem, "start": [float(v) for v in path.start]}
    if path.condition is not None:
        out["condition"] = float(path.condition)
    return out


def _number(v: Any) -> float:
    """A JSON number as a float; not a bool, not beyond float range (an int of 400 digits)."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ConfigError("condition", f"{v!r} is not a number")
    if isinstance(v, int) and abs(v) > 1e308:
        raise ConfigError("condition", f"an integer of {len(str(abs(v)))} digits is too large")
    if not math.isfinite(v):
        raise ConfigError("condition", f"{v!r} is not a finite number")
    return float(v)


def _numbers(values: Any) -> list[float]:
    out = []
    for v in values:
        try:
            out.append(_number(v))
        except ConfigError as exc:
            raise ConfigError("start", exc.message) from None
    return out
