"""The vocabulary of the catalog: what a parameter, a scheduler and an optimizer entry are.

Everything downstream (validation, widgets, code generation, docs) reads these records, so a
new scheduler is one entry in ``schedulers.py`` and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal


class _Required:
    """Marks a parameter torch requires (it has no default in the signature)."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()

Kind = Literal[
    "float",  # a finite float, within bounds
    "int",  # an integer, within bounds
    "bool",
    "choice",  # one of ``choices``
    "milestones",  # strictly increasing positive integers
    "float_or_list",  # one float, or one per parameter group
    "float_pair",  # two floats, like Adam's betas
    "lambda",  # a safe expression in ``epoch``, or one per parameter group
    "schedulers",  # a list of nested scheduler configs (SequentialLR, ChainedScheduler)
    "metrics",  # lrlab's own: the metric fed to ReduceLROnPlateau
    "int_or_range",  # one step number, or a [start, end) pair (timm's noise_range_t)
]
Library = Literal["torch", "transformers", "timm"]


@dataclass(frozen=True)
class Param:
    """One keyword argument of a torch class."""

    name: str
    kind: Kind
    default: Any
    help: str
    gt: float | None = None  # exclusive lower bound
    ge: float | None = None  # inclusive lower bound
    lt: float | None = None  # exclusive upper bound
    le: float | None = None  # inclusive upper bound
    choices: tuple[Any, ...] = ()
    nullable: bool = False  # None is a valid value (torch's "not set")
    example: Any = None  # what a UI proposes for a required parameter
    log: bool = False  # best edited on a log scale (learning rates)
    torch: bool = True  # False for lrlab's own keys that are not passed to torch
    # A period the form fits to the run when the scheduler is picked: this fraction of the
    # run's scheduler steps (T_max 1.0: one half cosine over the whole run), or one fraction
    # per milestone.
    fit: float | tuple[float, ...] | None = None
    # A length counted in scheduler steps (a warmup, a milestone, a cycle): fitting a schedule
    # to a run of another length scales it. Every ``fit`` period is one too.
    span: bool = False

    @property
    def scales(self) -> bool:
        return self.span or self.fit is not None

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def bounds_text(self) -> str:
        parts = []
        for op, value in (("> ", self.gt), (">= ", self.ge), ("< ", self.lt), ("<= ", self.le)):
            if value is not None:
                parts.append(f"{op}{number_text(value)}")
        return " and ".join(parts)

    def initial(self) -> Any:
        """The value a fresh form proposes: the example where there is one (torch's default
        may be a no-op, like timm's decay_rate 1.0), else the default."""
        return self.default if self.example is None else self.example


def number_text(value: Any) -> str:
    """A bound or a value as the user wrote it, never rounded (2147483647, not 2.14748e+09)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


# A cross-field rule: gets the scheduler's kwargs and the validation context, raises ConfigError.
Check = Callable[[dict[str, Any], Any], None]


@dataclass(frozen=True)
class SchedulerSpec:
    name: str
    params: tuple[Param, ...]
    step_per: Literal["epoch", "batch"]
    formula: str  # LaTeX, shown with st.latex and in the docs
    explain: str  # plain language, for teaching
    checks: tuple[Check, ...] = ()
    composite: bool = False  # holds child schedulers
    needs_metric: bool = False  # step(metric), i.e. ReduceLROnPlateau
    takes_optimizer: bool = True  # ChainedScheduler infers it from its children
    module: str = "lr_scheduler"  # where torch.optim keeps the class (SWALR: swa_utils)
    marks: tuple[str, ...] = ()  # params whose values are step indices worth marking on a chart
    # Where the peak lr lives when the scheduler sets the rate itself (OneCycleLR's max_lr),
    # then the params that keep their ratio to it (CyclicLR's base_lr); () is the optimizer's lr.
    peak: tuple[str, ...] = ()
    # Who builds and steps it: torch here; "transformers"/"timm" entries are named
    # "<library>:<name>" and built, stepped and written as code by lrlab.libs.
    library: Library = "torch"
    url: str = ""  # the library's documentation, for non-torch entries

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)

    @property
    def lib_name(self) -> str:
        """The name the library knows: the class, or transformers' lr_scheduler_type."""
        return self.name.split(":", 1)[-1]

    @property
    def docs_url(self) -> str:
        if self.url:
            return self.url
        return f"https://docs.pytorch.org/docs/stable/generated/torch.optim.{self.module}.{self.name}.html"

    def fitted(self, run_steps: int) -> dict[str, int | list[int]]:
        """The periods the form sets when this scheduler is picked for a run of ``run_steps``
        scheduler steps, so a fresh pick shows its whole shape instead of a flat start."""

        def steps(fraction: float) -> int:
            return max(1, round(fraction * run_steps))

        return {
            p.name: [steps(f) for f in p.fit] if isinstance(p.fit, tuple) else steps(p.fit)
            for p in self.params
            if p.fit
        }

    def usual_step_per(self, sched: dict[str, Any] | None = None) -> str:
        """How often it is usually stepped; timm's t_in_epochs=False means every update."""
        if self.library == "timm" and sched is not None and sched.get("t_in_epochs") is False:
            return "batch"
        return self.step_per


@dataclass(frozen=True)
class OptimizerSpec:
    name: str
    params: tuple[Param, ...]
    explain: str
    momentum_key: Literal["momentum", "betas"] | None = None
    omitted: dict[str, str] = field(default_factory=dict)  # torch kwargs left out, and why
    matrices_only: bool = False  # takes 2-D parameters only (Muon): no biases in generated code
    # The update of one step as torch computes it (LaTeX, an aligned block), with
    # g_t the gradient, eta_t the lr in effect (the schedule's), theta the parameters. The
    # hand-written updates of tests/test_path_formulas.py follow these lines one by one.
    formula: str = ""

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)

    @property
    def docs_url(self) -> str:
        return f"https://docs.pytorch.org/docs/stable/generated/torch.optim.{self.name}.html"
