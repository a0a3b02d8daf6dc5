"""Sweeps: every schedule (variant) of a sweep file trained over several seeds.

A sweep file is ``{"base": <run config>, "variants": [{"label", "scheduler", "optimizer"?,
"param_groups"?, "train"?}], "seeds": [...]}``. Each (variant, seed) pair is one run of the
ordinary engine, stored once in the run store with its sweep id, label and seed.

Who writes the store: only the driver (the process that calls :func:`run_sweep`). Workers —
local processes or Ray tasks on any node — train and send the run's events back; the driver
replays them into SQLite. So a Ray cluster needs no shared file system for the store, and a
SQLite file is never written from two machines.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lrlab.core.errors import ConfigError
from lrlab.core.simulate import simulate
from lrlab.train.config import parse_run

MAX_RUNS = 1000
MAX_SEEDS = 100
VARIANT_KEYS = ("label", "scheduler", "optimizer", "param_groups", "train")


@dataclass(frozen=True)
class SweepRun:
    label: str
    seed: int
    config: dict[str, Any]  # a normalised run config, train.seed set to ``seed``


@dataclass(frozen=True)
class Sweep:
    labels: tuple[str, ...]
    seeds: tuple[int, ...]
    runs: tuple[SweepRun, ...]  # variant-major: every seed of the first label, then the next


def _variant_config(base: Mapping[str, Any], variant: Mapping[str, Any]) -> dict[str, Any]:
    cfg = copy.deepcopy(dict(base))
    for key in ("scheduler", "param_groups"):
        if key in variant:
            cfg[key] = copy.deepcopy(variant[key])
    if "optimizer" in variant:
        opt = variant["optimizer"]
        if not isinstance(opt, Mapping):
            raise ConfigError("optimizer", "must be an object")
        same = opt.get("name") in (None, (cfg.get("optimizer") or {}).get("name"))
        # Same optimizer: override some of its keywords; another one: replace it whole,
        # since keywords of SGD (momentum) mean nothing to, say, Adam.
        cfg["optimizer"] = {**(cfg.get("optimizer") or {}), **opt} if same else dict(opt)
    if "train" in variant:
        if not isinstance(variant["train"], Mapping):
            raise ConfigError("train", "must be an object")
        cfg["train"] = {**(cfg.get("train") or {}), **variant["train"]}
    return cfg


def _check_seeds(seeds: Any) -> tuple[int, ...]:
    if not isinstance(seeds, list) or not seeds:
        raise ConfigError("seeds", "must be a non-empty list of integers")
    if len(seeds) > MAX_SEEDS:
        raise ConfigError("seeds", f"at most {MAX_SEEDS} seeds")
    for i, s in enumerate(seeds):
        if isinstance(s, bool) or not isinstance(s, int) or not 0 <= s <= 2**31 - 1:
            raise ConfigError(f"seeds[{i}]", f"must be an integer from 0 to 2**31-1, not {s!r}")
    if len(set(seeds)) != len(seeds):
        raise ConfigError("seeds", "must not repeat a seed")
    return tuple(seeds)


def parse_sweep(spec: Any) -> Sweep:
    """Validate a sweep file; every run config is validated here, before anything trains, and
    each variant's schedule is stepped as its runs will step it (what torch fails on at any
    step is refused here too).

    Raises :class:`ConfigError` naming the field, e.g. ``variants[1].scheduler.T_max``.
    """
    if not isinstance(spec, Mapping):
        raise ConfigError("", "a sweep must be a JSON object with base, variants and seeds")
    unknown = sorted(set(spec) - {"base", "variants", "seeds"})
    if unknown:
        raise ConfigError(unknown[0], "unknown key; a sweep has base, variants and seeds")
    base = spec.get("base")
    if not isinstance(base, Mapping):
        raise ConfigError("base", "must be a run config (an object)")
    variants = spec.get("variants")
    if not isinstance(variants, list) or not variants:
        raise ConfigError("variants", "must be a non-empty list of objects")
    seeds = _check_seeds(spec.get("seeds"))
    if len(variants) * len(seeds) > MAX_RUNS:
        raise ConfigError("variants", f"{len(variants)} × {len(seeds)} runs is over {MAX_RUNS}")
    labels: list[str] = []
    runs: list[SweepRun] = []
    for i, variant in enumerate(variants):
        where = f"variants[{i}]"
        if not isinstance(variant, Mapping):
            raise ConfigError(where, "must be an object")
        extra = sorted(set(variant) - set(VARIANT_KEYS))
        if extra:
            raise ConfigError(f"{where}.{extra[0]}", f"unknown key; allowed: {VARIANT_KEYS}")
        label = variant.get("label")
        if not isinstance(label, str) or not label.strip():
            raise ConfigError(f"{where}.label", "must be a non-empty string")
        if label in labels:
            raise ConfigError(f"{where}.label", f"{label!r} is used twice")
        labels.append(label)
        try:
            cfg = _variant_config(base, variant)
            if "scheduler" not in cfg:
                raise ConfigError("scheduler", "missing: give it in the variant or the base")
            # Once: the seed cannot make a config invalid. The store keeps the normalised
            # config, train defaults filled, as it does for a run started on Train.
            run_config = parse_run(cfg)
            # Validation checks construction; torch may still fail at a later step (StepLR
            # step_size 0 divides by zero at step 1). Stepping the schedule the run will
            # step, once per variant, refuses it now instead of after the variants before it
            # have trained.
            simulate(run_config.schedule)
            normal = run_config.to_json()
        except ConfigError as exc:
            raise ConfigError(f"{where}.{exc.field}".rstrip("."), exc.message) from None
        for seed in seeds:
            run = copy.deepcopy(normal)
            run["train"]["seed"] = seed
            runs.append(SweepRun(label, seed, run))
    return Sweep(tuple(labels), seeds, tuple(runs))
