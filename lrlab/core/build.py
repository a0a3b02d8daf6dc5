"""Turn a validated config into real ``torch.optim`` objects.

Shared by the simulator (one 1-element tensor per group) and the training engine (the model's
parameter groups), so both step exactly the same optimizer and scheduler.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import torch

from lrlab.catalog import OPTIMIZERS, SCHEDULERS, Param
from lrlab.core.errors import ConfigError
from lrlab.core.kinds import KINDS
from lrlab.core.metrics import synthetic_metric

if TYPE_CHECKING:
    from lrlab.core.schedule import Schedule


def build_optimizer(schedule: Schedule, params: Sequence[Sequence[torch.Tensor]]) -> Any:
    """The schedule's optimizer over ``params``, one list of tensors per parameter group."""
    opt = dict(schedule.optimizer)
    name = opt.pop("name")
    spec = OPTIMIZERS[name]
    groups = [
        {"params": list(p), **_torch_kwargs(spec.params, g)}
        for p, g in zip(params, schedule.param_groups, strict=True)
    ]
    cls = getattr(torch.optim, name)
    try:
        optimizer = cls(groups, **_torch_kwargs(spec.params, opt))
    except (ValueError, TypeError, RuntimeError) as exc:
        raise ConfigError("optimizer", f"torch rejected it: {exc}") from None
    # torch checks only the constructor's defaults; a group's own values get the same checks
    # (lrlab's safety bound: a group with lr < 0 would climb the loss).
    for i, (p, g) in enumerate(zip(params, schedule.param_groups, strict=True)):
        if g:
            own = {**_torch_kwargs(spec.params, opt), **_torch_kwargs(spec.params, g)}
            try:
                cls([torch.zeros_like(t) for t in p], **own)
            except (ValueError, TypeError, RuntimeError) as exc:
                raise ConfigError(f"param_groups[{i}]", f"torch rejects it: {exc}") from None
    return optimizer


def build_scheduler(spec_cfg: Mapping[str, Any], optimizer: Any, path: str = "scheduler") -> Any:
    """The (possibly composite) scheduler of a validated scheduler section."""
    spec = SCHEDULERS[spec_cfg["name"]]
    if spec.library != "torch":  # transformers and timm: built (lazily) by lrlab.libs
        from lrlab.libs import build

        return build(spec, spec_cfg, optimizer, path)

    def child(cfg: Mapping[str, Any], at: str) -> Any:
        return build_scheduler(cfg, optimizer, at)

    kwargs = {
        p.name: KINDS[p.kind].to_torch(spec_cfg[p.name], f"{path}.{p.name}", child)
        for p in spec.params
        if p.name in spec_cfg and p.torch
    }
    cls = getattr(getattr(torch.optim, spec.module), spec.name)
    try:
        if spec.takes_optimizer:
            return cls(optimizer, **kwargs)
        return cls(optimizer=optimizer, **kwargs)
    except ConfigError:
        raise
    except (ValueError, TypeError, RuntimeError, ArithmeticError) as exc:
        raise ConfigError(path, f"torch rejected it: {exc}") from None


def metric_values(sched_cfg: Mapping[str, Any], steps: int) -> list[float] | None:
    """The metric ReduceLROnPlateau sees after each step, or None for other schedulers."""
    if not SCHEDULERS[sched_cfg["name"]].needs_metric:
        return None
    metrics = sched_cfg["metrics"]
    return metrics[:steps] if isinstance(metrics, list) else synthetic_metric(metrics, steps)


def momentum_key(optimizer: Any) -> str | None:
    group = optimizer.param_groups[0]
    return "momentum" if "momentum" in group else "betas" if "betas" in group else None


def momenta(groups: list[dict], key: str | None) -> list[float] | None:
    """Each group's momentum (beta1 for the Adam family), or None without one."""
    if key is None:
        return None
    return [g[key] if key == "momentum" else g[key][0] for g in groups]


def _torch_kwargs(params: Sequence[Param], given: Mapping[str, Any]) -> dict[str, Any]:
    kinds = {p.name: KINDS[p.kind] for p in params}
    return {k: kinds[k].to_torch(v, k, None) for k, v in given.items()}
