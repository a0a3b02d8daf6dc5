"""Hugging Face transformers: ``get_scheduler`` on the real optimizer.

Every type returns a torch scheduler (a ``LambdaLR``, or ``ReduceLROnPlateau``), stepped like
any torch one: once per optimizer step, as the Trainer does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lrlab.catalog import SchedulerSpec
from lrlab.libs import library_kwargs

COMMON = ("num_warmup_steps", "num_training_steps")


def split(spec: SchedulerSpec, sched: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """get_scheduler's own arguments, and the scheduler_specific_kwargs."""
    kwargs = library_kwargs(spec, sched)
    common = {k: kwargs.pop(k) for k in COMMON if k in kwargs}
    return common, kwargs


def build(spec: SchedulerSpec, sched: Mapping[str, Any], optimizer: Any) -> Any:
    from transformers import get_scheduler

    common, specific = split(spec, sched)
    return get_scheduler(
        spec.lib_name, optimizer, **common, scheduler_specific_kwargs=specific or None
    )
