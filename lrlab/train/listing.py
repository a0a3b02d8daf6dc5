"""How the Runs page lists a stored run: its schedule with the lr that really peaks, its seed,
and which runs are training runs (range tests have a figure of their own)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lrlab.catalog import SCHEDULERS
from lrlab.train.config import TRAIN_PARAMS

DEFAULT_SEED = next(p.default for p in TRAIN_PARAMS if p.name == "seed")


def peak_lr(config: Mapping[str, Any]) -> tuple[str, Any]:
    """Where the run's peak lr lives and its value: the catalog's ``peak`` (OneCycleLR's
    ``max_lr``: one-cycle ignores the optimizer's lr), else the optimizer's ``lr``."""
    sched = config.get("scheduler") or {}
    spec = SCHEDULERS.get(sched.get("name")) if isinstance(sched, Mapping) else None
    if spec is not None and spec.peak and sched.get(spec.peak[0]) is not None:
        value = sched[spec.peak[0]]
        return spec.peak[0], value[0] if isinstance(value, list) else value
    return "lr", (config.get("optimizer") or {}).get("lr")


def schedule_text(config: Mapping[str, Any], kind: str | None = "train") -> str:
    """``OneCycleLR · SGD``: the schedule and optimizer (a range test: the ramp)."""
    opt = (config.get("optimizer") or {}).get("name", "?")
    if kind == "range_test":  # the ramp ignores the scheduler: naming it would mislead
        return f"LR range test · {opt}"
    return f"{(config.get('scheduler') or {}).get('name', '?')} · {opt}"


def peak_text(config: Mapping[str, Any], kind: str | None = "train") -> str | None:
    """``max_lr 0.0179``: the lr that peaks where it lives, with 3 significant digits (runs
    at max_lr 0.0179 and 0.05 never look the same); None for a range test (it ramps)."""
    if kind == "range_test":
        return None
    where, value = peak_lr(config)
    return f"{where} {value:.3g}" if isinstance(value, int | float) else f"{where} default"


def run_seed(config: Mapping[str, Any]) -> int:
    """The seed a run trained with (its train section's, else the default)."""
    seed = (config.get("train") or {}).get("seed")
    return int(seed) if isinstance(seed, int) else DEFAULT_SEED
