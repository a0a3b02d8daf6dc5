"""timm: its scheduler classes on the real optimizer, stepped with timm's own API.

timm's schedulers are stateless functions of a count the training loop passes in:
``step(epoch)`` or, when ``t_in_epochs`` is false, ``step_update(num_updates)``.
:class:`TimmStepper` gives them torch's ``step()`` so the simulator and the training engine
drive them unchanged, while timm sees exactly the calls its own loop makes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lrlab.catalog import SchedulerSpec
from lrlab.core.errors import ConfigError
from lrlab.libs import library_kwargs


class TimmStepper:
    """A timm scheduler behind torch's stepping interface.

    Row ``t`` is the lr after ``step(t)`` (or ``step_update(t)``), ``t = 0`` included. The
    plateau scheduler is the exception: timm's ``step(0)`` would set its warmup start (0 by
    default) and never recover, so row 0 is the lr as constructed and ``step(t, metric)``
    follows each step, as in timm's train.py.
    """

    def __init__(self, scheduler: Any, per_epoch: bool, plateau: bool) -> None:
        self.scheduler = scheduler
        self.optimizer = scheduler.optimizer
        self.t = 0
        self._step = scheduler.step if per_epoch else scheduler.step_update
        if not plateau:
            self._step(0)

    def step(self, metric: float | None = None) -> None:
        self.t += 1
        self._step(self.t, metric)

    def get_last_lr(self) -> list[float]:
        return [g["lr"] for g in self.optimizer.param_groups]

    def get_lr(self) -> list[float]:
        raise ConfigError(
            "scheduler", "timm schedulers have no get_lr(): they compute the lr from the count"
        )


def build(spec: SchedulerSpec, sched: Mapping[str, Any], optimizer: Any) -> TimmStepper:
    import timm.scheduler

    kwargs = library_kwargs(spec, sched)
    scheduler = getattr(timm.scheduler, spec.lib_name)(optimizer, **kwargs)
    per_epoch = kwargs.get("t_in_epochs", True) or spec.needs_metric
    return TimmStepper(scheduler, per_epoch, spec.needs_metric)
