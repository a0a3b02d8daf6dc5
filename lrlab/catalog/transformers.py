"""Every ``lr_scheduler_type`` of Hugging Face ``transformers.get_scheduler``, described once.

An entry is named ``transformers:<lr_scheduler_type>``; its parameters are get_scheduler's
``num_warmup_steps`` and ``num_training_steps`` plus that type's ``scheduler_specific_kwargs``,
flat. ``tests/test_catalog_libs.py`` checks them against the installed transformers with
``inspect.signature``. Nothing here imports transformers: ``lrlab.libs`` does, when a curve is
asked for. ``greedy`` is left out (see ``OMITTED_TRANSFORMERS``).
"""

from __future__ import annotations

from typing import Any

from lrlab.catalog.schedulers import SCHEDULERS as TORCH
from lrlab.catalog.spec import REQUIRED, Param, SchedulerSpec
from lrlab.core.errors import ConfigError

DOCS = "https://huggingface.co/docs/transformers/main_classes/optimizer_schedules"
# The schedule functions behind each type, for the docs anchors and the signature test.
FUNCTIONS = {
    "linear": "get_linear_schedule_with_warmup",
    "cosine": "get_cosine_schedule_with_warmup",
    "cosine_with_restarts": "get_cosine_with_hard_restarts_schedule_with_warmup",
    "polynomial": "get_polynomial_decay_schedule_with_warmup",
    "constant": "get_constant_schedule",
    "constant_with_warmup": "get_constant_schedule_with_warmup",
    "inverse_sqrt": "get_inverse_sqrt_schedule",
    "reduce_lr_on_plateau": "get_reduce_on_plateau_schedule",
    "cosine_with_min_lr": "get_cosine_with_min_lr_schedule_with_warmup",
    "cosine_warmup_with_min_lr": "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
    "warmup_stable_decay": "get_wsd_schedule",
}
# Types for which get_scheduler drops an argument it is given (it does so silently).
IGNORES_WARMUP = ("constant", "reduce_lr_on_plateau")
IGNORES_TOTAL = ("constant", "constant_with_warmup", "inverse_sqrt", "reduce_lr_on_plateau")
OMITTED_TRANSFORMERS = {
    "greedy": "GreedyLR is driven step by step by the live training loss (smoothing window, "
    "reset_start, raising the rate on improvement): without a real loss there is no curve to "
    "show, and a synthetic one would only show the synthetic loss back",
}


def _warmup(kind: str) -> Param:
    ignored = " Ignored by get_scheduler for this type." if kind in IGNORES_WARMUP else ""
    return Param(
        "num_warmup_steps",
        "int",
        0,  # TrainingArguments.warmup_steps; get_scheduler itself has None and then raises
        "Steps of linear warmup from 0 to the optimizer's lr (the Trainer's warmup_steps)."
        + ignored,
        ge=0,
        span=True,
    )


def _total(kind: str) -> Param:
    ignored = " Ignored by get_scheduler for this type." if kind in IGNORES_TOTAL else ""
    return Param(
        "num_training_steps",
        "int",
        None,
        "Total optimizer steps; not set: the run's length (the Trainer's max_steps)." + ignored,
        ge=1,
        nullable=True,
        span=True,
    )


def _cycles(default: float, kind: str = "float", help_text: str = "") -> Param:
    return Param(
        "num_cycles",
        kind,  # type: ignore[arg-type]
        default,
        help_text or "Waves of the cosine after warmup: 0.5 is one half-cosine down to the floor.",
        ge=1 if kind == "int" else 0,
    )


_MIN_LR = Param(
    "min_lr",
    "float",
    None,
    "Floor in absolute lr (divided by the optimizer's default lr: a ratio for every group). "
    "Set this or min_lr_rate.",
    ge=0,
    nullable=True,
    log=True,
)
_MIN_LR_RATE = Param(
    "min_lr_rate",
    "float",
    None,
    "Floor as a fraction of each group's initial lr. Set this or min_lr.",
    ge=0,
    le=1,
    nullable=True,
)


def _defaults(uses_total: bool) -> Any:
    def check(kwargs: dict[str, Any], ctx: Any) -> None:
        kwargs.setdefault("num_warmup_steps", 0)  # get_scheduler raises on None
        if uses_total and kwargs.get("num_training_steps") is None:
            kwargs["num_training_steps"] = ctx.budget  # lrlab's convenience: the run's length

    return check


def _one_floor(kwargs: dict[str, Any], ctx: Any) -> None:
    given = [k for k in ("min_lr", "min_lr_rate") if kwargs.get(k) is not None]
    if len(given) != 1:
        raise ConfigError(
            f"{ctx.path}.min_lr_rate",
            "set exactly one of min_lr and min_lr_rate"
            + (" (both are set)" if given else " (transformers raises without a floor)"),
        )


def _decay_room(kwargs: dict[str, Any], ctx: Any) -> None:
    # transformers divides by num_training_steps - num_warmup_steps at the end of warmup.
    if kwargs["num_training_steps"] <= kwargs["num_warmup_steps"]:
        raise ConfigError(
            f"{ctx.path}.num_warmup_steps",
            f"must be below num_training_steps ({kwargs['num_training_steps']}): polynomial "
            "decay divides by their difference",
        )


def _spec(kind: str, params: tuple[Param, ...], formula: str, explain: str, **kw: Any) -> Any:
    fill = _wsd_fill if kind == "warmup_stable_decay" else _defaults(kind not in IGNORES_TOTAL)
    checks = (fill, *kw.pop("checks", ()))
    return SchedulerSpec(
        f"transformers:{kind}",
        (_warmup(kind), _total(kind), *params),
        "batch",  # the Trainer steps its scheduler after every optimizer step
        formula,
        explain,
        checks=checks,
        library="transformers",
        url=f"{DOCS}#transformers.{FUNCTIONS[kind]}",
        **kw,
    )


def _wsd_fill(kwargs: dict[str, Any], ctx: Any) -> None:
    kwargs.setdefault("num_warmup_steps", 0)
    if kwargs.get("num_stable_steps") is None and kwargs.get("num_training_steps") is None:
        kwargs["num_training_steps"] = ctx.budget
    elif kwargs.get("num_training_steps") is None:
        kwargs.pop("num_training_steps", None)  # num_stable_steps given: not needed


_WARM = r"\tfrac{t}{w}\ (t < w)"
_P = r"p = \tfrac{t - w}{T - w}"

TRANSFORMERS: dict[str, SchedulerSpec] = {
    s.name: s
    for s in [
        _spec(
            "linear",
            (),
            rf"\eta_t = \eta_0 \cdot \begin{{cases}} {_WARM} \\ \max\left(0, \tfrac{{T - t}}"
            r"{T - w}\right) \end{cases}",
            "The Hugging Face Trainer's default: a straight warmup from 0 over "
            "num_warmup_steps, then a straight line down to 0 at num_training_steps. Unlike "
            "torch's LinearLR warmup it really starts at 0, so the first step does not train.",
        ),
        _spec(
            "cosine",
            (_cycles(0.5),),
            rf"\eta_t = \eta_0 \cdot \tfrac12\left(1 + \cos(2\pi c\, p)\right),\ {_P};\ {_WARM}",
            "Linear warmup from 0, then a half-cosine from the optimizer's lr down to 0 at "
            "num_training_steps (num_cycles 0.5). More cycles make it go back up.",
        ),
        _spec(
            "cosine_with_restarts",
            (
                _cycles(
                    1,
                    "int",
                    "Hard restarts: the cosine drops to 0 and jumps back this many times.",
                ),
            ),
            rf"\eta_t = \eta_0 \cdot \tfrac12\left(1 + \cos(\pi\, ((c\, p) \bmod 1))\right),"
            rf"\ {_P};\ {_WARM}",
            "Linear warmup, then num_cycles equal cosine cycles that each fall to 0 and jump "
            "back to the full lr (hard restarts, SGDR-like but with equal cycle lengths).",
        ),
        _spec(
            "polynomial",
            (
                Param("lr_end", "float", 1e-7, "The lr reached at num_training_steps.", ge=0),
                Param("power", "float", 1.0, "Power of the polynomial (1: linear).", ge=0),
            ),
            rf"\eta_t = (\eta_0 - \eta_{{end}})(1 - p)^{{power}} + \eta_{{end}},\ {_P};\ {_WARM}",
            "Linear warmup, then polynomial decay to lr_end (BERT's recipe with power 1). "
            "lr_end is absolute and measured against the optimizer's default lr, so groups "
            "with their own lr end at their share of it.",
            checks=(_decay_room,),
        ),
        _spec(
            "constant",
            (),
            r"\eta_t = \eta_0",
            "The optimizer's lr throughout. get_scheduler ignores num_warmup_steps for this "
            "type: a Trainer run with lr_scheduler_type constant and warmup_steps gets no "
            "warmup at all (use constant_with_warmup).",
        ),
        _spec(
            "constant_with_warmup",
            (),
            r"\eta_t = \eta_0 \cdot \min\left(1, \tfrac{t}{w}\right)",
            "Linear warmup from 0 over num_warmup_steps, then the optimizer's lr for good.",
        ),
        _spec(
            "inverse_sqrt",
            (
                Param(
                    "timescale",
                    "int",
                    None,
                    "Time scale s of the decay; not set: num_warmup_steps (or 10,000 without "
                    "warmup).",
                    ge=1,
                    nullable=True,
                ),
            ),
            r"\eta_t = \eta_0 \Big/ \sqrt{\tfrac{t + s - w}{s}}\ (t \ge w);\ " + _WARM,
            "Linear warmup, then decay with the inverse square root of the step, as in the "
            "original Transformer paper and big_vision. It never reaches 0.",
        ),
        _spec(
            "reduce_lr_on_plateau",
            TORCH["ReduceLROnPlateau"].params,
            TORCH["ReduceLROnPlateau"].formula,
            "torch's ReduceLROnPlateau through get_scheduler: its keyword arguments are the "
            "scheduler_specific_kwargs. The Trainer steps it with the evaluation metric after "
            "each evaluation; warmup and training steps are ignored.",
            needs_metric=True,
        ),
        _spec(
            "cosine_with_min_lr",
            (_cycles(0.5), _MIN_LR, _MIN_LR_RATE),
            rf"\eta_t = \eta_0 \left(r + (1 - r)\tfrac12(1 + \cos(2\pi c\, p))\right),\ {_P};"
            rf"\ {_WARM}",
            "The cosine schedule, but it ends at a floor: min_lr_rate of each group's lr, or "
            "min_lr (an absolute lr, turned into a ratio of the optimizer's default lr).",
            checks=(_one_floor,),
        ),
        _spec(
            "cosine_warmup_with_min_lr",
            (
                _cycles(0.5),
                _MIN_LR,
                _MIN_LR_RATE,
                Param(
                    "warmup_lr_rate",
                    "float",
                    None,
                    "Warmup starts at this fraction of the lr; not set: it starts at 1/w, not 0.",
                    ge=0,
                    le=1,
                    nullable=True,
                ),
            ),
            r"\eta_t = \eta_0 \left(r + (1 - r)\tfrac12(1 + \cos(2\pi c\, p'))\right),\ "
            r"p' = \tfrac{t - w + 1}{T - w};\ \tfrac{t + 1}{w}\ (t < w)",
            "Cosine to a floor like cosine_with_min_lr, but shifted by one step: the warmup "
            "starts at 1/w instead of 0 (or at warmup_lr_rate) and the cosine is one step "
            "further along.",
            checks=(_one_floor,),
        ),
        _spec(
            "warmup_stable_decay",
            (
                Param(
                    "num_decay_steps",
                    "int",
                    REQUIRED,
                    "Steps of the final decay.",
                    ge=0,
                    example=20,
                    fit=0.2,
                ),
                Param(
                    "num_stable_steps",
                    "int",
                    None,
                    "Steps at the full lr; not set: what warmup and decay leave of "
                    "num_training_steps. Once past all three phases the lr stays at the floor.",
                    ge=0,
                    nullable=True,
                    span=True,
                ),
                Param(
                    "warmup_type",
                    "choice",
                    "linear",
                    "Shape of the warmup.",
                    choices=("linear", "cosine", "1-sqrt"),
                ),
                Param(
                    "decay_type",
                    "choice",
                    "cosine",
                    "Shape of the decay.",
                    choices=("linear", "cosine", "1-sqrt"),
                ),
                Param(
                    "min_lr_ratio",
                    "float",
                    0,
                    "Floor (and warmup start) as a fraction of the lr.",
                    ge=0,
                    le=1,
                ),
                _cycles(0.5, help_text="Waves of a cosine decay (0.5: one half-cosine)."),
            ),
            r"\eta_t = \eta_0 \cdot \begin{cases} r + (1-r)\,f_{warm}(t / w) & t < w \\ 1 & "
            r"t < w + s \\ r + (1 - r)\,f_{decay}\left(\tfrac{t - w - s}{d}\right) & "
            r"t < w + s + d \\ r \end{cases}",
            "Warmup, a long stable phase at the full lr, and a short decay at the end: the "
            "schedule of many recent LLMs (MiniCPM, DeepSeek). The model can be "
            "checkpointed before the decay and the decay started from any checkpoint.",
        ),
    ]
}
