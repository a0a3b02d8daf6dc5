"""Every scheduler class of ``timm.scheduler``, described once.

An entry is named ``timm:<SchedulerClass>`` and takes that class's keyword arguments.
``tests/test_catalog_libs.py`` checks them against the installed timm with ``inspect.signature``.
Nothing here imports timm: ``lrlab.libs`` does, when a curve is asked for. Row ``t`` of a
curve is the lr timm sets with ``step(t)`` (``step_update(t)`` when ``t_in_epochs`` is false).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from lrlab.catalog.schedulers import SCHEDULERS as TORCH
from lrlab.catalog.spec import REQUIRED, Param, SchedulerSpec
from lrlab.core.errors import ConfigError

DOCS = "https://huggingface.co/docs/timm/reference/schedulers"
SOURCE = "https://github.com/huggingface/pytorch-image-models/blob/main/timm/scheduler"
# timm resamples Gaussian noise until |noise| < noise_pct: a tiny ratio would spin for long.
MIN_NOISE_RATIO = 0.1
# Parameters of timm's signatures that lrlab does not expose, and why.
OMITTED_TIMM_PARAMS = {
    "optimizer": "built by lrlab from the config's optimizer section",
    "initialize": "a fresh optimizer always needs its initial_lr set",
}

_T_INITIAL = Param(
    "t_initial",
    "int",
    REQUIRED,
    "Length of the first cycle, in epochs (updates when t_in_epochs is false).",
    ge=1,
    example=100,
    fit=1.0,
)
_LR_MIN = Param("lr_min", "float", 0.0, "Lowest lr, reached at the end of a cycle.", ge=0, log=True)
_CYCLES = (
    Param("cycle_mul", "float", 1.0, "Each cycle is this many times longer.", ge=1),
    Param("cycle_decay", "float", 1.0, "Each cycle's peak is this fraction of the last.", gt=0),
    Param("cycle_limit", "int", 1, "Cycles before the lr stays at lr_min.", ge=1),
)
_WARMUP_T = Param("warmup_t", "int", 0, "Steps of linear warmup.", ge=0, span=True)
_WARMUP_INIT = Param("warmup_lr_init", "float", 0.0, "The lr warmup starts from.", ge=0, log=True)


def _prefix(default: bool) -> Param:
    return Param(
        "warmup_prefix",
        "bool",
        default,
        "True: the schedule starts after warmup; false: warmup overlays its first steps, so "
        "the lr after warmup is already past the peak.",
    )


_T_IN_EPOCHS = Param(
    "t_in_epochs",
    "bool",
    True,
    "True: stepped with step(epoch); false: with step_update(number of updates), per batch.",
)
_NOISE = (
    Param(
        "noise_range_t",
        "int_or_range",
        None,
        "Add seeded noise from this step on, or within [start, end); not set: no noise.",
        ge=0,
        nullable=True,
    ),
    Param("noise_pct", "float", 0.67, "Noise is kept within this fraction of the lr.", gt=0),
    Param("noise_std", "float", 1.0, "Standard deviation of the Gaussian noise.", ge=0),
    Param("noise_seed", "int", 42, "Seed of the noise (plus the step number).", ge=0),
)
_K_DECAY = Param("k_decay", "float", 1.0, "Shape: t is raised to k in the decay.", gt=0)


def _noise_bounded(kwargs: dict[str, Any], ctx: Any) -> None:
    if kwargs.get("noise_range_t") is None or kwargs.get("noise_type", "normal") != "normal":
        return
    pct, std = kwargs.get("noise_pct", 0.67), kwargs.get("noise_std", 1.0)
    if pct < MIN_NOISE_RATIO * std:
        raise ConfigError(
            f"{ctx.path}.noise_pct",
            f"must be at least {MIN_NOISE_RATIO:g} x noise_std ({std:g}): timm redraws the "
            "noise until it falls within noise_pct",
        )


def _tanh_bounds(kwargs: dict[str, Any], ctx: Any) -> None:
    if kwargs.get("lb", -7.0) >= kwargs.get("ub", 3.0):
        raise ConfigError(f"{ctx.path}.ub", "must be above lb")


def _wsd_phases(kwargs: dict[str, Any], ctx: Any) -> None:
    if kwargs["decay_t"] > kwargs["t_initial"]:
        raise ConfigError(
            f"{ctx.path}.decay_t",
            f"the decay is the last part of t_initial ({kwargs['t_initial']}), so it must not "
            "be longer",
        )
    stable = kwargs.get("stable_fn", "constant")
    if stable != "constant" and not kwargs.get("stable_timescale") and not kwargs.get("warmup_t"):
        raise ConfigError(
            f"{ctx.path}.stable_timescale",
            f"stable_fn {stable} needs a timescale: set it, or warmup_t (its default)",
        )


def _spec(
    cls: str, params: tuple[Param, ...], formula: str, explain: str, **kw: Any
) -> SchedulerSpec:
    checks = (*kw.pop("checks", ()), _noise_bounded)
    source = kw.pop("source", None)
    return SchedulerSpec(
        f"timm:{cls}",
        params,
        "epoch",  # timm's default: t_in_epochs
        formula,
        explain,
        checks=checks,
        library="timm",
        url=f"{SOURCE}/{source}" if source else f"{DOCS}#timm.scheduler.{cls}",
        **kw,
    )


def _warmup_tail(warmup_prefix: bool) -> tuple[Param, ...]:
    """The warmup, stepping and noise arguments every timm scheduler ends with."""
    return (_WARMUP_T, _WARMUP_INIT, _prefix(warmup_prefix), _T_IN_EPOCHS, *_NOISE)


# The tail of the cyclic schedulers (cosine, poly, tanh): cycles, then warmup and noise.
_CYCLIC_TAIL = (*_CYCLES, *_warmup_tail(warmup_prefix=False))
_WARM = r"\eta_{init} + t\,\tfrac{\eta_0 - \eta_{init}}{w}\ (t < w)"

TIMM: dict[str, SchedulerSpec] = {
    s.name: s
    for s in [
        _spec(
            "CosineLRScheduler",
            (
                _T_INITIAL,
                _LR_MIN,
                *_CYCLIC_TAIL,
                _K_DECAY,
            ),
            r"\eta_t = \eta_{min} + \tfrac12 (\gamma^i \eta_0 - \eta_{min})\left(1 + "
            r"\cos\tfrac{\pi\, t_{cur}^k}{T_i^k}\right);\ " + _WARM,
            "SGDR-style cosine with optional warmup, restarts (cycle_limit > 1), longer cycles "
            "(cycle_mul) and lower peaks (cycle_decay): timm's ImageNet default. After "
            "cycle_limit cycles it stays at lr_min.",
        ),
        _spec(
            "StepLRScheduler",
            (
                Param(
                    "decay_t",
                    "float",
                    REQUIRED,
                    "Decay every decay_t steps.",
                    gt=0,
                    example=30,
                    fit=0.3,
                ),
                Param(
                    "decay_rate",
                    "float",
                    1.0,
                    "Factor per decay (timm's default 1.0 never decays).",
                    gt=0,
                    example=0.1,
                ),
                *_warmup_tail(warmup_prefix=True),
            ),
            r"\eta_t = \eta_0 \cdot r^{\lfloor t / d \rfloor};\ " + _WARM,
            "A staircase like torch's StepLR, with warmup and noise. With warmup_prefix (the "
            "default here) the staircase starts counting after warmup.",
        ),
        _spec(
            "MultiStepLRScheduler",
            (
                Param(
                    "decay_t",
                    "milestones",
                    REQUIRED,
                    "Increasing milestones. timm decays at step m - 1, one step before torch's "
                    "MultiStepLR.",
                    example=[30, 60, 90],
                    fit=(0.3, 0.6, 0.9),
                ),
                Param("decay_rate", "float", 1.0, "Factor per milestone.", gt=0, example=0.1),
                *_warmup_tail(warmup_prefix=True),
            ),
            r"\eta_t = \eta_0 \cdot r^{\,|\{m : m \le t + 1\}|};\ " + _WARM,
            "Drops by decay_rate at each milestone. timm compares milestones with t + 1, so "
            "milestone 30 already applies at step 29: one step earlier than torch's "
            "MultiStepLR with the same numbers.",
        ),
        _spec(
            "PlateauLRScheduler",
            (
                Param("decay_rate", "float", 0.1, "Factor of each reduction.", gt=0, lt=1),
                Param("patience_t", "int", 10, "Steps without improvement tolerated.", ge=0),
                Param("threshold", "float", 1e-4, "Smallest relative improvement.", ge=0),
                Param("cooldown_t", "int", 0, "Steps to wait after a reduction.", ge=0),
                _WARMUP_T,
                _WARMUP_INIT,
                replace(_LR_MIN, help="Lower bound on the lr."),
                Param(
                    "mode",
                    "choice",
                    "max",
                    "max (timm's default: an accuracy) or min (a loss).",
                    choices=("min", "max"),
                ),
                _NOISE[0],
                Param(
                    "noise_type",
                    "choice",
                    "normal",
                    "Gaussian or uniform noise.",
                    choices=("normal", "uniform"),
                ),
                *_NOISE[1:3],
                replace(_NOISE[3], default=None, nullable=True, help="Seed; not set: 42."),
                TORCH["ReduceLROnPlateau"].param("metrics"),
            ),
            r"\eta \leftarrow \max(r\,\eta,\ \eta_{min}) \ \text{after patience\_t steps "
            r"without improvement};\ " + _WARM,
            "torch's ReduceLROnPlateau wrapped with warmup and noise; stepped with "
            "step(epoch, metric) after each epoch. timm's default mode is max (it watches top-1 "
            "accuracy): with a loss set mode to min. timm has deprecated it.",
            needs_metric=True,
        ),
        _spec(
            "PolyLRScheduler",
            (
                _T_INITIAL,
                Param("power", "float", 0.5, "Power of the polynomial.", ge=0),
                _LR_MIN,
                *_CYCLIC_TAIL,
                _K_DECAY,
            ),
            r"\eta_t = \eta_{min} + (\gamma^i \eta_0 - \eta_{min})\left(1 - "
            r"\tfrac{t_{cur}^k}{T_i^k}\right)^{power};\ " + _WARM,
            "Polynomial decay to lr_min over t_initial, with timm's cycles and warmup. "
            "timm's default power 0.5 is a square root, not torch's PolynomialLR's 1.",
        ),
        _spec(
            "TanhLRScheduler",
            (
                _T_INITIAL,
                Param("lb", "float", -7.0, "Lower bound of the tanh argument."),
                Param("ub", "float", 3.0, "Upper bound of the tanh argument."),
                _LR_MIN,
                *_CYCLIC_TAIL,
            ),
            r"\eta_t = \eta_{min} + \tfrac12 (\gamma^i \eta_0 - \eta_{min})\left(1 - "
            r"\tanh\left(lb (1 - \tfrac{t_{cur}}{T_i}) + ub \tfrac{t_{cur}}{T_i}\right)\right)",
            "A hyperbolic-tangent decay (Hsueh et al. 2019): a long plateau near the peak, a "
            "fall, and a tail near lr_min. It starts a hair below the peak (tanh(-7) is not -1).",
            checks=(_tanh_bounds,),
        ),
        _spec(
            "WSDLRScheduler",
            (
                replace(_T_INITIAL, help="Length of the stable and decay phases (after warmup)."),
                Param(
                    "decay_t",
                    "int",
                    REQUIRED,
                    "Length of the decay: the last decay_t steps of t_initial.",
                    ge=1,
                    example=20,
                    fit=0.2,
                ),
                _LR_MIN,
                Param(
                    "stable_fn",
                    "choice",
                    "constant",
                    "Stable phase: constant (WSD), rsqrt or power (a slowly falling plateau).",
                    choices=("constant", "rsqrt", "power"),
                ),
                Param(
                    "stable_timescale",
                    "float",
                    None,
                    "Timescale of rsqrt/power; not set: warmup_t.",
                    gt=0,
                    nullable=True,
                ),
                Param("stable_power", "float", 0.5, "Exponent of the power stable phase.", gt=0),
                Param(
                    "decay_fn",
                    "choice",
                    "1-sqrt",
                    "Shape of the decay (timm's default 1-sqrt, the best cooldown in Hägele "
                    "et al. 2024).",
                    choices=("1-sqrt", "linear", "cosine", "power", "exp"),
                ),
                Param("decay_power", "float", 0.5, "Exponent of the power decay.", gt=0),
                Param("decay_ratio", "float", 0.1, "Final fraction of the exp decay.", gt=0, lt=1),
                _WARMUP_T,
                _WARMUP_INIT,
                _T_IN_EPOCHS,
                *_NOISE,
            ),
            r"\eta_t = \eta_{min} + (\eta_0\, s(t - w) - \eta_{min})\, "
            r"f\left(\tfrac{t - w - (T - d)}{d}\right);\ " + _WARM,
            "Warmup-stable-decay: warmup_t steps of warmup (always a prefix), then t_initial "
            "steps of which the last decay_t decay to lr_min. lr_min is reached one step "
            "after the last scheduled step, so a short per-epoch decay ends well above it.",
            checks=(_wsd_phases,),
            source="wsd_lr.py",
        ),
    ]
}
