"""An independent bare-torch loop, the reference every lrlab trajectory must equal exactly.

It builds the optimizer and scheduler straight from the JSON config with plain Python lambdas
(no lrlab code) and runs the plainest training loop: for each of ``steps`` epochs, read every
group's lr and momentum, ``optimizer.step()``, then ``scheduler.step()`` (with the metric for
ReduceLROnPlateau). Any exception torch raises, at construction or at any step, is "torch
refuses". Two conveniences of lrlab are mirrored because they are documented: ``metrics``
(lrlab's key for the plateau metric) and OneCycleLR's run-length fill-in at the top level
(``start_step`` + ``steps``).
"""

from __future__ import annotations

import io
import math
import warnings

import torch
from torch.optim import lr_scheduler, swa_utils

from lrlab.catalog import SCHEDULERS

# The lambda texts the tests draw, with the Python functions they mean.
LAMBDAS = {
    "epoch // 3": lambda epoch: epoch // 3,
    "0.95 ** epoch": lambda epoch: 0.95**epoch,
    "0.95": lambda epoch: 0.95,
    "1.05": lambda epoch: 1.05,
    "min(1, (epoch + 1) / 10) * cos(pi * epoch / 300)": lambda epoch: (
        min(1, (epoch + 1) / 10) * math.cos(math.pi * epoch / 300)
    ),
    "1 - epoch / 10": lambda epoch: 1 - epoch / 10,
    "1 / (epoch - 3)": lambda epoch: 1 / (epoch - 3),
    "exp(-epoch / 5)": lambda epoch: math.exp(-epoch / 5),
    "cos(pi * epoch / 8)": lambda epoch: math.cos(math.pi * epoch / 8),
    "0": lambda epoch: 0,
}
LRLAB_KEYS = {"metrics"}  # keys of lrlab's own, never passed to torch


def scheduler_class(name):
    return getattr(lr_scheduler, name, None) or getattr(swa_utils, name)


def _as_floats(params, kwargs):
    """JSON has one kind of number; a Python user writes 0.0 where torch wants a float (torch
    refuses OneCycleLR's pct_start=0 but takes 0.0). The catalog only says which are floats."""
    kinds = {p.name: p.kind for p in params}

    def conv(v):
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    for k, v in kwargs.items():
        if kinds.get(k) in ("float", "float_or_list"):
            kwargs[k] = [conv(x) for x in v] if isinstance(v, list) else conv(v)
    return kwargs


def _scheduler(cfg, optimizer, budget):
    kwargs = {k: v for k, v in cfg.items() if k != "name" and k not in LRLAB_KEYS}
    _as_floats(SCHEDULERS[cfg["name"]].params, kwargs)
    if "lr_lambda" in kwargs:
        lam = kwargs["lr_lambda"]
        kwargs["lr_lambda"] = [LAMBDAS[x] for x in lam] if isinstance(lam, list) else LAMBDAS[lam]
    if "schedulers" in kwargs:
        kwargs["schedulers"] = [_scheduler(c, optimizer, None) for c in kwargs["schedulers"]]
    lengths = (kwargs.get("total_steps"), kwargs.get("epochs"), kwargs.get("steps_per_epoch"))
    top_level_one_cycle = cfg["name"] == "OneCycleLR" and budget is not None
    if top_level_one_cycle and lengths[0] is None and None in lengths[1:]:
        kwargs["total_steps"] = budget  # lrlab fills the run length (documented)
    cls = scheduler_class(cfg["name"])
    if cfg["name"] == "ChainedScheduler":
        return cls(optimizer=optimizer, **kwargs)
    return cls(optimizer, **kwargs)


def bare_loop(config, metrics=None, *, resume=False):
    """[(step, group, lr, momentum)] from the plainest torch loop; raises what torch raises.

    With ``start_step`` k the loop runs k steps unrecorded first. ``resume=True`` does what a
    user resuming does instead: it saves the optimizer's and scheduler's ``state_dict()`` after
    those k steps (``torch.save``), builds a fresh optimizer and scheduler, loads the
    checkpoint (``torch.load(weights_only=True)``, torch's default) and goes on from there."""
    start, steps = config.get("start_step", 0), config["steps"]
    optimizer, scheduler = _build(config, start + steps)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = []
        for t in range(start + steps):
            if t == start and resume:
                optimizer, scheduler = _resumed(config, start + steps, optimizer, scheduler)
            if t >= start:
                for g, group in enumerate(optimizer.param_groups):
                    mom = group.get("momentum", group.get("betas", (None,))[0])
                    rows.append((t, g, group["lr"], mom))
            optimizer.step()
            if metrics is None:
                scheduler.step()
            else:
                scheduler.step(metrics[t])
    return rows


def _resumed(config, total, optimizer, scheduler):
    buffer = io.BytesIO()
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}, buffer)
    buffer.seek(0)
    checkpoint = torch.load(buffer, weights_only=True)
    optimizer, scheduler = _build(config, total)
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    return optimizer, scheduler


def _build(config, total):
    opt = dict(config["optimizer"])
    name = opt.pop("name")

    def plain(d):
        return {k: tuple(map(float, v)) if isinstance(v, list) else v for k, v in d.items()}

    cls = getattr(torch.optim, name)
    overrides = config.get("param_groups") or [{}]
    # lrlab's documented safety bound: torch checks the constructor's values only, lrlab
    # checks each group's the same way. So "torch refuses" a group it would refuse as defaults.
    for g in overrides:
        cls([torch.zeros(1, 1, requires_grad=True)], **{**plain(opt), **plain(g)})
    groups = [{"params": [torch.zeros(1, 1, requires_grad=True)], **plain(g)} for g in overrides]
    optimizer = cls(groups, **plain(opt))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return optimizer, _scheduler(config["scheduler"], optimizer, total)
