"""An independent bare-torch loop, the reference every lrlab trajectory must equal exactly.

It builds the optimizer and scheduler straight from the config with plain Python lambdas and
steps them the documented way: ``optimizer.step()`` then ``scheduler.step()``.
"""

from __future__ import annotations

import math
import warnings

import torch
from torch.optim import lr_scheduler

# The Python functions the lambda strings in the tests mean.
LAMBDAS = {
    "epoch // 3": lambda epoch: epoch // 3,
    "0.95 ** epoch": lambda epoch: 0.95**epoch,
    "0.95": lambda epoch: 0.95,
    "min(1, (epoch + 1) / 10) * cos(pi * epoch / 300)": lambda epoch: (
        min(1, (epoch + 1) / 10) * math.cos(math.pi * epoch / 300)
    ),
}


def _scheduler(cfg, optimizer):
    kwargs = {k: v for k, v in cfg.items() if k not in ("name", "metrics")}
    if "lr_lambda" in kwargs:
        lam = kwargs["lr_lambda"]
        kwargs["lr_lambda"] = [LAMBDAS[x] for x in lam] if isinstance(lam, list) else LAMBDAS[lam]
    if "schedulers" in kwargs:
        kwargs["schedulers"] = [_scheduler(c, optimizer) for c in kwargs["schedulers"]]
    if cfg["name"] == "OneCycleLR" and "total_steps" not in kwargs and "epochs" not in kwargs:
        kwargs["total_steps"] = _steps
    cls = getattr(lr_scheduler, cfg["name"])
    if cfg["name"] == "ChainedScheduler":
        return cls(optimizer=optimizer, **kwargs)
    return cls(optimizer, **kwargs)


_steps = 0


def bare_loop(config, metrics=None):
    """[(step, group, lr, momentum)] from the plainest possible torch loop."""
    global _steps
    _steps = config["steps"]
    opt = dict(config["optimizer"])
    name = opt.pop("name")
    opt = {k: tuple(v) if isinstance(v, list) else v for k, v in opt.items()}
    groups = [
        {"params": [torch.zeros(1, requires_grad=True)], **g}
        for g in (config.get("param_groups") or [{}])
    ]
    optimizer = getattr(torch.optim, name)(groups, **opt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scheduler = _scheduler(config["scheduler"], optimizer)
        rows = []
        for t in range(config["steps"]):
            for g, group in enumerate(optimizer.param_groups):
                mom = group.get("momentum", group.get("betas", (None,))[0])
                rows.append((t, g, group["lr"], mom))
            if t == config["steps"] - 1:
                break  # stepping past the end would make OneCycleLR raise
            optimizer.step()
            if metrics is None:
                scheduler.step()
            else:
                scheduler.step(metrics[t])
    return rows
