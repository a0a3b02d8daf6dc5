"""Every concrete class of ``torch.optim.lr_scheduler``, described once.

Names and defaults are torch's own; ``tests/test_catalog.py`` checks them against the installed
torch with ``inspect.signature`` so an upgrade cannot drift silently. Formulas are for display:
curves always come from stepping the real torch classes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from lrlab.catalog.spec import REQUIRED, Param, SchedulerSpec
from lrlab.core.errors import ConfigError

_GAMMA = Param("gamma", "float", 0.1, "Multiplicative factor of decay.", example=0.1)
_LAMBDA = Param(
    "lr_lambda",
    "lambda",
    REQUIRED,
    "Expression in epoch (the step count) giving the factor; one per parameter group, or one "
    "for all.",
    example="0.95 ** epoch",
)
_ETA_MIN = Param("eta_min", "float", 0.0, "Minimum learning rate.", log=True)
_TOTAL_ITERS = Param(
    "total_iters", "int", 5, "Number of steps over which the factor applies.", span=True
)


def _composite_switch(kwargs: dict[str, Any], ctx: Any) -> None:
    """SequentialLR switches to a child with ``child._update_lr(0)``, which SequentialLR and
    ChainedScheduler do not implement: torch raises NotImplementedError at that milestone."""
    children, milestones = kwargs.get("schedulers", []), kwargs.get("milestones", [])
    for i, (child, m) in enumerate(zip(children[1:], milestones, strict=False), start=1):
        if SCHEDULERS[child["name"]].composite and 1 <= m <= ctx.budget:
            raise ConfigError(
                f"{ctx.path}.schedulers[{i}]",
                f"torch cannot switch to a {child['name']} at milestone {m} (it raises "
                "NotImplementedError there); put it first, or flatten it into this "
                "SequentialLR",
            )


def _cyclic_momentum(kwargs: dict[str, Any], ctx: Any) -> None:
    if kwargs.get("cycle_momentum", True) and ctx.momentum_key is None:
        raise ConfigError(
            f"{ctx.path}.cycle_momentum",
            f"{ctx.optimizer_name} has no momentum or betas to cycle; set cycle_momentum to "
            "false or pick an optimizer with momentum",
        )


def _one_cycle_total(kwargs: dict[str, Any], ctx: Any) -> None:
    # torch raises in the middle of a run when stepped past its total; catch it up front.
    total, field = kwargs.get("total_steps"), "total_steps"
    both = kwargs.get("epochs") is not None and kwargs.get("steps_per_epoch") is not None
    if total is None and both:  # as torch: epochs x steps_per_epoch, zeros included
        total, field = kwargs["epochs"] * kwargs["steps_per_epoch"], "epochs"
    if total is None:
        kwargs["total_steps"] = total = ctx.budget  # lrlab's convenience: fill the run length
    if total < ctx.budget:
        raise ConfigError(
            f"{ctx.path}.{field}",
            f"OneCycleLR is stepped {ctx.budget} times here but total_steps is {total}; torch "
            "raises past total_steps",
        )


SCHEDULERS: dict[str, SchedulerSpec] = {
    s.name: s
    for s in [
        SchedulerSpec(
            "LambdaLR",
            (_LAMBDA,),
            "epoch",
            r"\eta_t = \eta_0 \cdot \lambda(t)",
            "The learning rate is the initial one times any factor you write as a function of "
            "the step count. Each parameter group can have its own function, e.g. to keep a "
            "pretrained backbone frozen for a few epochs while the new head trains.",
        ),
        SchedulerSpec(
            "MultiplicativeLR",
            (replace(_LAMBDA, example="0.95"),),
            "epoch",
            r"\eta_t = \eta_{t-1} \cdot \lambda(t)",
            "Each step multiplies the current learning rate by your factor, so effects compound: "
            "a constant 0.95 gives exponential decay.",
        ),
        SchedulerSpec(
            "StepLR",
            (
                Param(
                    "step_size",
                    "int",
                    REQUIRED,
                    "Period of learning rate decay.",
                    example=30,
                    fit=0.3,
                ),
                _GAMMA,
            ),
            "epoch",
            r"\eta_t = \eta_0 \cdot \gamma^{\lfloor t / \text{step\_size} \rfloor}",
            "Every step_size steps the learning rate is multiplied by gamma: a staircase. "
            "The classic recipe for training ResNets from scratch.",
        ),
        SchedulerSpec(
            "MultiStepLR",
            (
                Param(
                    "milestones",
                    "milestones",
                    REQUIRED,
                    "Increasing step indices at which to decay.",
                    example=[30, 60, 90],
                    fit=(0.3, 0.6, 0.9),
                ),
                _GAMMA,
            ),
            "epoch",
            r"\eta_t = \eta_0 \cdot \gamma^{\,|\{m \in \text{milestones} : m \le t\}|}",
            "Like StepLR, but you pick the steps where the learning rate drops by gamma, e.g. "
            "epochs 30, 60 and 90 of a 100-epoch ImageNet run.",
            marks=("milestones",),
        ),
        SchedulerSpec(
            "ConstantLR",
            (
                Param("factor", "float", 1 / 3, "Factor applied until total_iters.", ge=0, le=1),
                _TOTAL_ITERS,
            ),
            "epoch",
            r"\eta_t = \eta_0 \cdot \begin{cases} \text{factor} & t < T \\ 1 & t \ge T "
            r"\end{cases}",
            "Holds the learning rate at a fraction of its value for the first total_iters "
            "steps, then restores it: the simplest warmup.",
        ),
        SchedulerSpec(
            "LinearLR",
            (
                Param("start_factor", "float", 1 / 3, "Factor at the first step.", gt=0, le=1),
                Param("end_factor", "float", 1.0, "Factor after total_iters.", ge=0, le=1),
                _TOTAL_ITERS,
            ),
            "epoch",
            r"\eta_t = \eta_0 \left(s + (e - s)\,\frac{\min(t, T)}{T}\right)",
            "Moves the factor in a straight line from start_factor to end_factor over "
            "total_iters steps, then holds it. A linear warmup (start small, end at 1) or a "
            "linear decay (start at 1, end small).",
        ),
        SchedulerSpec(
            "ExponentialLR",
            (
                Param(
                    "gamma",
                    "float",
                    REQUIRED,
                    "Multiplicative factor per step.",
                    example=0.95,
                ),
            ),
            "epoch",
            r"\eta_t = \eta_0 \cdot \gamma^{t}",
            "Multiplies the learning rate by gamma every step: a smooth exponential decay.",
        ),
        SchedulerSpec(
            "SequentialLR",
            (
                Param(
                    "schedulers",
                    "schedulers",
                    REQUIRED,
                    "Schedulers to run one after another.",
                    example=[
                        {"name": "LinearLR", "start_factor": 0.1, "total_iters": 5},
                        {"name": "CosineAnnealingLR", "T_max": 95},
                    ],
                ),
                Param(
                    "milestones",
                    "milestones",
                    REQUIRED,
                    "Steps at which to switch to the next scheduler.",
                    example=[5],
                    span=True,
                ),
            ),
            "epoch",
            r"\eta_t = \text{sched}_i(t - m_{i-1}) \quad \text{for } m_{i-1} \le t < m_i",
            "Runs one scheduler until the first milestone, then the next, and so on. This is "
            "how warmup followed by cosine decay is built.",
            checks=(_composite_switch,),
            composite=True,
            marks=("milestones",),
        ),
        SchedulerSpec(
            "CosineAnnealingLR",
            (
                Param(
                    "T_max",
                    "int",
                    REQUIRED,
                    "Number of steps for one half cosine.",
                    example=100,
                    fit=1.0,
                ),
                _ETA_MIN,
            ),
            "epoch",
            r"\eta_t = \eta_{min} + \tfrac{1}{2}(\eta_0 - \eta_{min})"
            r"\left(1 + \cos\tfrac{t\pi}{T_{max}}\right)",
            "Follows half a cosine from the initial learning rate down to eta_min over T_max "
            "steps: slow at first, fast in the middle, gentle at the end. Past T_max it climbs "
            "back up, so T_max is usually the length of training.",
        ),
        SchedulerSpec(
            "ChainedScheduler",
            (
                Param(
                    "schedulers",
                    "schedulers",
                    REQUIRED,
                    "Schedulers stepped together; their factors multiply.",
                    example=[
                        {"name": "ConstantLR", "factor": 0.5, "total_iters": 10},
                        {"name": "ExponentialLR", "gamma": 0.97},
                    ],
                ),
            ),
            "epoch",
            r"\eta_t = \eta_0 \prod_i f_i(t)",
            "Steps every scheduler at once, so their effects combine, e.g. a constant warmup "
            "on top of an exponential decay.",
            composite=True,
            takes_optimizer=False,
        ),
        SchedulerSpec(
            "ReduceLROnPlateau",
            (
                Param(
                    "mode",
                    "choice",
                    "min",
                    "min: the metric should fall (a loss); max: it should rise (accuracy).",
                    choices=("min", "max"),
                ),
                Param("factor", "float", 0.1, "Factor by which the rate is reduced.", lt=1),
                Param(
                    "patience",
                    "int",
                    10,
                    "Steps without improvement tolerated before reducing.",
                ),
                Param("threshold", "float", 1e-4, "Smallest change that counts as improvement."),
                Param(
                    "threshold_mode",
                    "choice",
                    "rel",
                    "rel: relative to the best value; abs: absolute.",
                    choices=("rel", "abs"),
                ),
                Param("cooldown", "int", 0, "Steps to wait after a reduction."),
                Param(
                    "min_lr",
                    "float_or_list",
                    0,
                    "Lower bound on the learning rate.",
                    log=True,
                ),
                Param("eps", "float", 1e-8, "Reductions smaller than this are ignored."),
                Param(
                    "metrics",
                    "metrics",
                    REQUIRED,
                    "The metric after each step: a list of numbers, or a synthetic loss "
                    "curve {start, floor, decay, noise, seed}.",
                    example={"start": 2.3, "floor": 0.4, "decay": 20.0, "noise": 0.02, "seed": 0},
                    torch=False,
                ),
            ),
            "epoch",
            r"\eta \leftarrow \max(\eta \cdot \text{factor},\ \eta_{min}) \ \text{after "
            r"patience steps without improvement}",
            "Watches a metric such as the validation loss and cuts the learning rate when it "
            "stops improving for patience steps. It reacts to training instead of following a "
            "plan, so its curve depends on the metric.",
            needs_metric=True,
        ),
        SchedulerSpec(
            "CyclicLR",
            (
                Param(
                    "base_lr",
                    "float_or_list",
                    REQUIRED,
                    "Lower boundary of the cycle.",
                    example=0.001,
                    log=True,
                ),
                Param(
                    "max_lr",
                    "float_or_list",
                    REQUIRED,
                    "Upper boundary of the cycle.",
                    example=0.01,
                    log=True,
                ),
                Param(
                    "step_size_up",
                    "int",
                    2000,
                    "Steps in the increasing half of a cycle.",
                    span=True,
                ),
                Param(
                    "step_size_down",
                    "int",
                    None,
                    "Steps in the decreasing half (default: step_size_up).",
                    nullable=True,
                    span=True,
                ),
                Param(
                    "mode",
                    "choice",
                    "triangular",
                    "Amplitude policy across cycles.",
                    choices=("triangular", "triangular2", "exp_range"),
                ),
                Param("gamma", "float", 1.0, "Decay constant for exp_range."),
                Param(
                    "scale_mode",
                    "choice",
                    "cycle",
                    "Whether the scaling is evaluated per cycle or per iteration.",
                    choices=("cycle", "iterations"),
                ),
                Param("cycle_momentum", "bool", True, "Cycle momentum inversely to the rate."),
                Param("base_momentum", "float_or_list", 0.8, "Lower momentum boundary."),
                Param("max_momentum", "float_or_list", 0.9, "Upper momentum boundary."),
            ),
            "batch",
            r"x = \left|\tfrac{t}{s} - 2\left\lfloor 1 + \tfrac{t}{2s} \right\rfloor + 1\right|,"
            r"\quad \eta_t = \eta_{base} + (\eta_{max} - \eta_{base})\max(0, 1 - x)\,"
            r"\text{scale}",
            "Bounces the learning rate between base_lr and max_lr in triangles (Smith, 2017). "
            "Stepped every batch. Momentum moves the opposite way. It sets the rate itself, "
            "overriding the optimizer's lr.",
            checks=(_cyclic_momentum,),
            peak=("max_lr", "base_lr"),
        ),
        SchedulerSpec(
            "CosineAnnealingWarmRestarts",
            (
                Param(
                    "T_0",
                    "int",
                    REQUIRED,
                    "Steps until the first restart.",
                    ge=1,
                    example=10,
                    span=True,
                ),
                Param("T_mult", "int", 1, "Factor by which each period grows.", ge=1),
                _ETA_MIN,
            ),
            "epoch",
            r"\eta_t = \eta_{min} + \tfrac{1}{2}(\eta_0 - \eta_{min})"
            r"\left(1 + \cos\tfrac{T_{cur}\pi}{T_i}\right)",
            "Cosine decay that restarts at the initial rate after T_0 steps, each period "
            "T_mult times longer than the last (SGDR, Loshchilov & Hutter 2017).",
        ),
        SchedulerSpec(
            "OneCycleLR",
            (
                Param(
                    "max_lr",
                    "float_or_list",
                    REQUIRED,
                    "Peak learning rate.",
                    example=0.1,
                    log=True,
                ),
                Param(
                    "total_steps",
                    "int",
                    None,
                    "Length of the cycle (lrlab fills in the run length when unset).",
                    ge=1,
                    nullable=True,
                    span=True,
                ),
                Param(
                    "epochs",
                    "int",
                    None,
                    "With steps_per_epoch, another way to give the length.",
                    nullable=True,
                ),
                Param(
                    "steps_per_epoch",
                    "int",
                    None,
                    "Batches per epoch, with epochs.",
                    nullable=True,
                ),
                Param(
                    "pct_start", "float", 0.3, "Fraction of the cycle spent warming up.", ge=0, le=1
                ),
                Param(
                    "anneal_strategy",
                    "choice",
                    "cos",
                    "Shape of the annealing.",
                    choices=("cos", "linear"),
                ),
                Param("cycle_momentum", "bool", True, "Cycle momentum inversely to the rate."),
                Param("base_momentum", "float_or_list", 0.85, "Lowest momentum."),
                Param("max_momentum", "float_or_list", 0.95, "Highest momentum."),
                Param("div_factor", "float", 25.0, "Initial lr = max_lr / div_factor."),
                Param(
                    "final_div_factor",
                    "float",
                    1e4,
                    "Final lr = initial lr / final_div_factor.",
                ),
                Param(
                    "three_phase",
                    "bool",
                    False,
                    "Add a third phase that anneals below the initial rate.",
                ),
            ),
            "batch",
            r"\eta: \tfrac{\eta_{max}}{d} \nearrow \eta_{max} \searrow "
            r"\tfrac{\eta_{max}}{d \cdot d_{final}}",
            "One warmup to max_lr and one long anneal far below the start (Smith's 1cycle "
            "policy, fastai's default). Stepped every batch; it sets the rate itself, "
            "overriding the optimizer's lr.",
            checks=(_cyclic_momentum, _one_cycle_total),
            peak=("max_lr",),
        ),
        SchedulerSpec(
            "PolynomialLR",
            (
                Param("total_iters", "int", 5, "Steps over which the rate decays to 0.", span=True),
                Param("power", "float", 1.0, "Power of the polynomial."),
            ),
            "epoch",
            r"\eta_t = \eta_0 \left(1 - \tfrac{\min(t, T)}{T}\right)^{p}",
            "Decays the learning rate to zero along a polynomial over total_iters steps; "
            "power 1 is a straight line, as in BERT-style linear decay.",
        ),
        SchedulerSpec(
            "SWALR",
            (
                Param(
                    "swa_lr",
                    "float_or_list",
                    REQUIRED,
                    "The learning rate SWA settles at; one per parameter group, or one for all.",
                    example=0.05,
                    log=True,
                ),
                Param(
                    "anneal_epochs",
                    "int",
                    10,
                    "Steps over which the rate anneals from its current value to swa_lr.",
                    ge=0,
                    span=True,
                ),
                Param(
                    "anneal_strategy",
                    "choice",
                    "cos",
                    "Shape of the anneal.",
                    choices=("cos", "linear"),
                ),
            ),
            "epoch",
            r"\eta_t = \eta_{swa}\,\alpha_t + \eta_{t-1}(1 - \alpha_t), \quad "
            r"\alpha_t = \text{anneal}(\min(1, t / T_{anneal}))",
            "Stochastic weight averaging's schedule (torch.optim.swa_utils): anneals from "
            "whatever the rate is when it starts to a constant swa_lr, then holds it while the "
            "weights are averaged. The usual recipe runs a main schedule first: put both in a "
            "SequentialLR with SWALR last and the milestone at the step where SWA starts (torch's "
            "switch starts the anneal one step later than the docs' if/else loop does).",
            module="swa_utils",
        ),
    ]
}

# Parameters of torch's signatures that lrlab does not expose, and why.
OMITTED_SCHEDULER_PARAMS: dict[str, str] = {
    "optimizer": "built by lrlab from the config's optimizer section",
    "last_epoch": "torch's resume argument, for a scheduler rebuilt after loading a "
    "checkpoint; a fresh simulation starts at step 0",
    "scale_fn": "a Python callable; CyclicLR's mode covers the published policies",
}
# Members of lr_scheduler.__all__ that are not concrete schedulers.
ABSTRACT_SCHEDULERS = {"LRScheduler": "the base class"}
