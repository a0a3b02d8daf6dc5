"""A bare torch loop that draws an optimizer's path, the reference ``run_path`` must equal.

Built straight from the JSON config with oracle.py's scheduler builder (no lrlab code), the
losses written out here again, and the plainest loop of the documented contract: record the
row (parameters, loss, group 0's lr), ``zero_grad``, ``backward``, ``step``, then
``scheduler.step()`` (``scheduler.step(loss.item())`` for ReduceLROnPlateau).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import torch
from oracle import _scheduler

F64 = torch.float64
# Seed 003's data, built as it builds them (a transposed numpy array copied by torch.tensor).
X = torch.tensor(
    np.array([[2.5, 1.3, 6.2, 1.3, 5.4, 6, 4.3, 8.2], [-1.2, 2.5, 3.6, 4, 3.4, 2.3, 7.2, 3.9]]).T
)
Y = torch.tensor([0, 0, 1, 0, 1, 1, 1, 1])


def bare_loss(problem, params, condition=10.0):
    if problem == "logistic":  # seed 003, as written there
        w, b = params[0].reshape(2), params[1].reshape(1)
        return (torch.log(1 + torch.exp(X @ w + b)) - Y * (X @ w + b)).sum()
    p = params[0].reshape(2)
    x, y = p[0], p[1]
    if problem == "rosenbrock":
        return (1 - x) ** 2 + 100 * (y - x**2) ** 2
    if problem == "saddle":
        return 0.5 * x**2 + 0.25 * y**4 - 0.5 * y**2
    return 0.5 * (x**2 + condition * y**2)


def bare_params(problem, start, matrices=False):
    if problem == "logistic":
        w = torch.tensor(start[:2], dtype=F64)
        b = torch.tensor(start[2:], dtype=F64)
        out = [w.reshape(1, 2), b.reshape(1, 1)] if matrices else [w, b]
    else:
        p = torch.tensor(start, dtype=F64)
        out = [p.reshape(1, 2) if matrices else p]
    return [t.requires_grad_() for t in out]


def bare_path(config, problem, start, steps, noise=1.0, seed=0):
    """[(step, *coords, loss, lr)] up to the first non-finite row; raises what torch raises."""
    opt = dict(config["optimizer"])
    name = opt.pop("name")
    plain = {k: tuple(map(float, v)) if isinstance(v, list) else v for k, v in opt.items()}
    params = bare_params(problem, start, matrices=name == "Muon")
    overrides = config.get("param_groups") or [{}]
    groups = [{"params": params, **overrides[0]}] + [
        {"params": [torch.zeros(1, 1, dtype=F64, requires_grad=True)], **g} for g in overrides[1:]
    ]
    for g in groups:
        g.update(
            {k: tuple(map(float, v)) for k, v in g.items() if k != "params" and isinstance(v, list)}
        )
    optimizer = getattr(torch.optim, name)(groups, **plain)
    start_step = config.get("start_step", 0)
    plateau = config["scheduler"]["name"] == "ReduceLROnPlateau"
    gen = torch.Generator().manual_seed(seed) if problem == "noisy-quadratic" else None
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scheduler = _scheduler(config["scheduler"], optimizer, start_step + config["steps"])
        if start_step:
            optimizer.step()
            for _ in range(start_step):
                scheduler.step()
        for t in range(steps + 1):
            loss = bare_loss(problem, params)
            coords = [v for p in params for v in p.detach().reshape(-1).tolist()]
            if not all(math.isfinite(v) for v in [loss.item(), *coords]):
                break
            rows.append((t, *coords, loss.item(), optimizer.param_groups[0]["lr"]))
            if t == steps:
                break
            optimizer.zero_grad()
            loss.backward()
            if gen is not None:
                params[0].grad.add_(noise * torch.randn(2, generator=gen, dtype=F64))
            optimizer.step()
            scheduler.step(loss.item()) if plateau else scheduler.step()
    return rows
