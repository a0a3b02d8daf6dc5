"""One source of truth for every scheduler and optimizer lrlab knows."""

from lrlab.catalog.optimizers import IMPLEMENTATION_FLAGS, OMITTED_OPTIMIZERS, OPTIMIZERS
from lrlab.catalog.schedulers import ABSTRACT_SCHEDULERS, OMITTED_SCHEDULER_PARAMS
from lrlab.catalog.schedulers import SCHEDULERS as TORCH_SCHEDULERS
from lrlab.catalog.spec import REQUIRED, OptimizerSpec, Param, SchedulerSpec
from lrlab.catalog.timm import TIMM
from lrlab.catalog.transformers import TRANSFORMERS

# torch's classes, then transformers' types and timm's classes ("<library>:<name>").
SCHEDULERS: dict[str, SchedulerSpec] = {**TORCH_SCHEDULERS, **TRANSFORMERS, **TIMM}

__all__ = [
    "ABSTRACT_SCHEDULERS",
    "IMPLEMENTATION_FLAGS",
    "OMITTED_OPTIMIZERS",
    "OMITTED_SCHEDULER_PARAMS",
    "OPTIMIZERS",
    "REQUIRED",
    "SCHEDULERS",
    "TIMM",
    "TORCH_SCHEDULERS",
    "TRANSFORMERS",
    "OptimizerSpec",
    "Param",
    "SchedulerSpec",
    "scheduler_example",
]


def scheduler_example(name: str) -> dict:
    """A scheduler section with torch's defaults and an example for each required parameter."""
    spec = SCHEDULERS[name]
    return {"name": name, **{p.name: p.example for p in spec.params if p.required}}
