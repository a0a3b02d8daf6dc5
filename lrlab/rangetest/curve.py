"""The pure half of the LR range test: the lr ramp, the smoothed loss, the divergence rule,
each method's suggestion, and putting a suggestion into a schedule.

The smoothing and divergence rule are fastai's (``LRFinder``: a debiased exponential moving
average with beta 0.98; stop when it exceeds 4 times its minimum). The suggestion methods mirror
fastai's ``valley`` and ``minimum`` and torch-lr-finder's steepest descent, on the same trimmed
slices of the curve those libraries use.
"""

from __future__ import annotations

import copy
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lrlab.catalog import SCHEDULERS
from lrlab.core.errors import ConfigError

SMOOTH_BETA = 0.98  # fastai's Recorder / LRFinder
DIVERGE_FACTOR = 4.0  # fastai: stop when the smoothed loss passes 4x its best
MAX_ITERS = 10_000
MAX_REPEATS = 20
# An lr past this diverges on the first batch of any model; far past it (float32's 3.4e38)
# torch cannot even apply it ("value cannot be converted to type float without overflow").
MAX_LR = 1e6
MODES = ("exp", "linear")
# minimum7: the lr at the smoothed minimum / 7, the default: it trained best by measurement
# (bench/lrfind.py, README); valley: fastai's default; steepest: torch-lr-finder's; minimum:
# fastai's "minimum / 10". The first is the default.
METHODS = ("minimum7", "valley", "steepest", "minimum")
DEFAULT_METHOD = METHODS[0]
MEASURED_FACTOR = 7.0  # chosen by bench/lrfind.py over 4 seeds at batch 32 and 64


@dataclass(frozen=True)
class RangeOptions:
    """The range test's own settings (the run config supplies model, data and optimizer)."""

    start_lr: float = 1e-7
    end_lr: float = 10.0
    iters: int = 100
    mode: str = "exp"
    repeats: int = 1
    method: str = DEFAULT_METHOD

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def parse_options(given: Mapping[str, Any] | None = None) -> RangeOptions:
    """Validate range-test options (missing ones take the defaults); ConfigError names the key."""
    given = dict(given or {})
    unknown = set(given) - set(RangeOptions.__dataclass_fields__)
    if unknown:
        raise ConfigError(sorted(unknown)[0], "unknown range-test option")
    opts = {**RangeOptions().as_dict(), **{k: v for k, v in given.items() if v is not None}}
    for key in ("start_lr", "end_lr"):
        v = opts[key]
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v <= 0:
            raise ConfigError(key, f"must be a finite number > 0, got {v!r}")
        if v > MAX_LR:
            raise ConfigError(key, f"must be at most {MAX_LR:g}, got {v!r}")
        opts[key] = float(v)
    if opts["end_lr"] <= opts["start_lr"]:
        raise ConfigError(
            "end_lr", f"must be above start_lr ({opts['start_lr']:g}), got {opts['end_lr']:g}"
        )
    for key, lo, hi in (("iters", 2, MAX_ITERS), ("repeats", 1, MAX_REPEATS)):
        v = opts[key]
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise ConfigError(key, f"must be an integer from {lo} to {hi}, got {v!r}")
    if opts["mode"] not in MODES:
        raise ConfigError("mode", f"must be one of {', '.join(MODES)}, got {opts['mode']!r}")
    if opts["method"] not in METHODS:
        raise ConfigError("method", f"must be one of {', '.join(METHODS)}, got {opts['method']!r}")
    return RangeOptions(**opts)


def ramp(start: float, end: float, iters: int, mode: str = "exp") -> list[float]:
    """The lr of each step: ``start * (end/start) ** (i/(iters-1))`` (exp) or a straight line."""
    if iters == 1:
        return [start]
    if mode == "exp":
        ratio = end / start
        if math.isfinite(ratio):
            return [start * ratio ** (i / (iters - 1)) for i in range(iters)]
        # end/start past float range (1e308 / 1e-7): the same geometric ramp in log space,
        # every lr finite, the last one ``end`` itself.
        lo, span = math.log(start), math.log(end) - math.log(start)
        lrs = [math.exp(lo + span * i / (iters - 1)) for i in range(iters - 1)]
        return [start, *lrs[1:], end]
    width = end - start  # cannot overflow for 0 < start < end; width * i can
    if math.isfinite(width * (iters - 1)):
        return [start + width * i / (iters - 1) for i in range(iters)]
    return [start + width * (i / (iters - 1)) for i in range(iters - 1)] + [end]


class Smoother:
    """fastai's debiased moving average of the loss, and its divergence rule."""

    def __init__(self, beta: float = SMOOTH_BETA, factor: float = DIVERGE_FACTOR) -> None:
        self.beta, self.factor = beta, factor
        self.avg, self.n, self.best = 0.0, 0, math.inf

    def add(self, loss: float) -> float:
        self.n += 1
        self.avg = self.beta * self.avg + (1 - self.beta) * loss
        smoothed = self.avg / (1 - self.beta**self.n)
        if smoothed < self.best:
            self.best = smoothed
        return smoothed

    def diverged(self, smoothed: float) -> bool:
        return not math.isfinite(smoothed) or smoothed > self.factor * self.best


def smooth(losses: Sequence[float], beta: float = SMOOTH_BETA) -> list[float]:
    s = Smoother(beta)
    return [s.add(x) for x in losses]


def valley(lrs: Sequence[float], losses: Sequence[float], iters: int) -> float | None:
    """fastai's ``valley``: the longest falling subsequence of the (trimmed) smoothed loss, and
    the lr about half-way down it (fastai's ``int(s) + int(s/2)`` with ``s`` a third of its
    length)."""
    lrs, losses = _trim(lrs, losses, iters // 10, 5)
    n = len(losses)
    if n == 0:
        return None
    lds = [1] * n
    max_start = max_end = 0
    for i in range(1, n):
        for j in range(i):
            if losses[i] < losses[j] and lds[i] < lds[j] + 1:
                lds[i] = lds[j] + 1
            if lds[max_end] < lds[i]:
                max_end = i
                max_start = max_end - lds[max_end]
    sections = (max_end - max_start) / 3
    return float(lrs[max_start + int(sections) + int(sections / 2)])


def steepest(lrs: Sequence[float], losses: Sequence[float]) -> float | None:
    """torch-lr-finder's suggestion: the steepest fall (``np.gradient``) of the smoothed loss,
    after skipping its first 10 and last 5 points as its ``plot`` does."""
    lrs, losses = _trim(lrs, losses, 10, 5)
    if len(losses) < 2:
        return None
    return float(lrs[int(np.gradient(np.asarray(losses, dtype=float)).argmin())])


def minimum(
    lrs: Sequence[float], losses: Sequence[float], iters: int, factor: float = 10.0
) -> float | None:
    """fastai's ``minimum``: a tenth (``1/factor``) of the lr at the lowest smoothed loss."""
    lrs, losses = _trim(lrs, losses, iters // 10, 5)
    if not losses:
        return None
    return float(lrs[int(np.argmin(losses))]) / factor


def suggestions(lrs: Sequence[float], smoothed: Sequence[float], iters: int) -> dict[str, Any]:
    """Each method's suggested lr (None where the curve is too short for it)."""
    finite = [x if math.isfinite(x) else math.inf for x in smoothed]
    return {
        "minimum7": minimum(lrs, finite, iters, MEASURED_FACTOR),
        "valley": valley(lrs, finite, iters),
        "steepest": steepest(lrs, finite),
        "minimum": minimum(lrs, finite, iters),
    }


def _trim(lrs: Sequence[float], losses: Sequence[float], skip_start: int, skip_end: int):
    end = len(losses) - skip_end
    return list(lrs[skip_start:end]), list(losses[skip_start:end])


def spread(values: Sequence[float | None]) -> dict[str, Any] | None:
    """Median, min, max and max/min ratio of several suggestions (None ones left out)."""
    vals = sorted(v for v in values if v is not None)
    if not vals:
        return None
    return {
        "median": statistics.median(vals),
        "min": vals[0],
        "max": vals[-1],
        "ratio": vals[-1] / vals[0] if vals[0] > 0 else None,
        "n": len(vals),
    }


# -- putting a suggestion into a schedule ---------------------------------------------------
def peak_target(config: Mapping[str, Any]) -> str:
    """Where a schedule's peak lr lives: the catalog's ``peak`` (OneCycleLR's and CyclicLR's
    ``max_lr``), else the optimizer's ``lr`` (warmup + cosine and the rest peak there)."""
    spec = SCHEDULERS.get((config.get("scheduler") or {}).get("name"))
    return spec.peak[0] if spec is not None and spec.peak else "lr"


def apply_lr(config: Mapping[str, Any], lr: float, target: str = "lr") -> dict[str, Any]:
    """A copy of ``config`` with its lr (``target='lr'``) or its peak (``'peak'``) set to ``lr``.

    Group overrides are scaled by the same factor, so the groups keep their ratios, as in
    the range test. Where the scheduler holds the peak (``max_lr``), the params the catalog
    ties to it (CyclicLR's ``base_lr``) keep their ratio too.
    """
    cfg = copy.deepcopy(dict(config))
    where = peak_target(cfg) if target == "peak" else "lr"
    if where != "lr":
        sched = cfg["scheduler"]
        old = sched.get(where, lr)
        first = old[0] if isinstance(old, list) else old
        factor = lr / first if first else 1.0
        for name in SCHEDULERS[sched["name"]].peak[1:]:  # tied to the peak: same ratio
            if name in sched:
                sched[name] = _scaled(sched[name], factor)
        sched[where] = _scaled(old, factor) if isinstance(old, list) else lr
        return cfg
    opt = cfg.setdefault("optimizer", {})
    old = opt.get("lr")
    factor = lr / old if old else None
    opt["lr"] = lr
    if factor is not None:
        for group in cfg.get("param_groups") or []:
            if isinstance(group, dict) and "lr" in group:
                group["lr"] = group["lr"] * factor
    return cfg


def _scaled(value: float | list[float], factor: float) -> float | list[float]:
    return [v * factor for v in value] if isinstance(value, list) else value * factor
