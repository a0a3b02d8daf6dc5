"""One source of truth for every scheduler and optimizer lrlab knows."""

from lrlab.catalog.optimizers import IMPLEMENTATION_FLAGS, OMITTED_OPTIMIZERS, OPTIMIZERS
from lrlab.catalog.schedulers import ABSTRACT_SCHEDULERS, OMITTED_SCHEDULER_PARAMS, SCHEDULERS
from lrlab.catalog.spec import REQUIRED, OptimizerSpec, Param, SchedulerSpec

__all__ = [
    "ABSTRACT_SCHEDULERS",
    "IMPLEMENTATION_FLAGS",
    "OMITTED_OPTIMIZERS",
    "OMITTED_SCHEDULER_PARAMS",
    "OPTIMIZERS",
    "REQUIRED",
    "SCHEDULERS",
    "OptimizerSpec",
    "Param",
    "SchedulerSpec",
]
