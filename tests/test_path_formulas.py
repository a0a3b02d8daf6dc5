"""The catalog's update formulas, written by hand as seed 004 writes its optimizers, equal the
path lrlab draws with torch's own optimizer, over generated settings (hypothesis).

Each hand-written update below is the catalog formula (lrlab/catalog/optimizer_formulas.py)
line by line, in seed 004's style (a function over the parameters and their state, called
after ``loss.backward()``), with the lr of each step taken from the schedule. torch fuses some
operations (``lerp``, ``addcdiv``), so the comparison allows float64 rounding (rtol 1e-9).
"""

from __future__ import annotations

import math

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from path_oracle import bare_loss, bare_params
from test_differential import SLOW_DRAWS

from lrlab.catalog import OPTIMIZERS
from lrlab.paths import run_path

STEPS = 25


# --- the hand-written updates (one call per step; t counts from 1) -------------------------


def sgd(params, bufs, lr, t, momentum=0, dampening=0, weight_decay=0, nesterov=False):
    for i, param in enumerate(params):
        g = param.grad + weight_decay * param.data  # g_t <- g_t + lambda theta
        if momentum != 0:
            # b_t = mu b_{t-1} + (1 - tau) g_t, b_1 = g_t
            bufs[i] = g.clone() if t == 1 else momentum * bufs[i] + (1 - dampening) * g
            g = g + momentum * bufs[i] if nesterov else bufs[i]  # d_t
        param.data = param.data - lr * g  # theta_t = theta_{t-1} - eta_t d_t


def adagrad(params, sums, lr, t, lr_decay=0, weight_decay=0, eps=1e-10):
    clr = lr / (1 + (t - 1) * lr_decay)  # eta~_t
    for i, param in enumerate(params):
        g = param.grad + weight_decay * param.data
        sums[i] = sums[i] + g**2  # s_t = s_{t-1} + g_t^2
        param.data = param.data - clr * g / (torch.sqrt(sums[i]) + eps)


def rmsprop(params, sqrs, avgs, bufs, lr, t, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
            centered=False):  # fmt: skip
    for i, param in enumerate(params):
        g = param.grad + weight_decay * param.data
        sqrs[i] = alpha * sqrs[i] + (1 - alpha) * g**2  # v_t
        v = sqrs[i]
        if centered:
            avgs[i] = alpha * avgs[i] + (1 - alpha) * g  # g-bar_t
            v = v - avgs[i] ** 2  # v~_t
        if momentum > 0:
            bufs[i] = momentum * bufs[i] + g / (torch.sqrt(v) + eps)  # b_t
            param.data = param.data - lr * bufs[i]
        else:
            param.data = param.data - lr * g / (torch.sqrt(v) + eps)


def adam(params, vs, sqrs, maxs, lr, t, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
         amsgrad=False, decoupled=False):  # fmt: skip
    beta1, beta2 = betas
    for i, param in enumerate(params):
        g = param.grad
        if decoupled:
            param.data = (1 - lr * weight_decay) * param.data
        else:
            g = g + weight_decay * param.data
        vs[i] = beta1 * vs[i] + (1 - beta1) * g  # m_t
        sqrs[i] = beta2 * sqrs[i] + (1 - beta2) * g**2  # v_t
        maxs[i] = torch.maximum(maxs[i], sqrs[i]) if amsgrad else sqrs[i]  # v^_t
        denom = torch.sqrt(maxs[i]) / math.sqrt(1 - beta2**t) + eps
        param.data = param.data - lr / (1 - beta1**t) * vs[i] / denom


# --- the comparison ---------------------------------------------------------------------------

SCHEDULERS = st.sampled_from(
    [
        {"name": "ConstantLR", "factor": 1.0},
        {"name": "StepLR", "step_size": 7, "gamma": 0.5},
        {"name": "LinearLR", "start_factor": 0.1, "total_iters": 10},  # a warmup
        {"name": "ExponentialLR", "gamma": 0.9},
        {"name": "CosineAnnealingLR", "T_max": STEPS},
    ]
)
PROBLEMS = st.sampled_from(["quadratic", "logistic", "saddle"])
LRS = st.floats(1e-4, 0.15)
MOMENTA = st.sampled_from([0.0, 0.5, 0.9])
DECAYS = st.sampled_from([0.0, 1e-3, 0.1])


def _hand_path(problem, name, kwargs, lrs, hand):
    """Rows of the hand-written loop: parameters after each step, the lr of the schedule."""
    start = {"logistic": [2.0, 2.0, 1.0], "saddle": [1.5, 0.3]}.get(problem, [-4.0, 1.5])
    params = bare_params(problem, start)
    state = [[torch.zeros_like(p) for p in params] for _ in range(3)]
    if name == "Adagrad":
        state[0] = [
            torch.full_like(p, kwargs.get("initial_accumulator_value", 0.0)) for p in params
        ]
        kwargs = {k: v for k, v in kwargs.items() if k != "initial_accumulator_value"}
    rows = [[v for p in params for v in p.detach().reshape(-1).tolist()]]
    for t, lr in enumerate(lrs, start=1):
        for p in params:
            p.grad = None
        bare_loss(problem, params).backward()
        hand(params, *state[: _STATES[name]], lr, t, **kwargs)
        rows.append([v for p in params for v in p.detach().reshape(-1).tolist()])
    return start, rows


_STATES = {"SGD": 1, "Adagrad": 1, "RMSprop": 3, "Adam": 3, "AdamW": 3}


def _check(name, optimizer_kwargs, hand_kwargs, hand, scheduler, problem):
    cfg = {
        "optimizer": {"name": name, **optimizer_kwargs},
        "scheduler": scheduler,
        "steps": STEPS,
    }
    start = {"logistic": [2.0, 2.0, 1.0], "saddle": [1.5, 0.3]}.get(problem, [-4.0, 1.5])
    df = run_path(cfg, problem, start)
    lrs = df["lr"].tolist()[:-1]
    _, rows = _hand_path(problem, name, hand_kwargs, lrs, hand)
    cols = ["x", "y", *df.columns[5:]]
    got = torch.tensor(df[cols].to_numpy())
    want = torch.tensor(rows[: len(df)], dtype=torch.float64)
    torch.testing.assert_close(got, want, rtol=1e-9, atol=1e-12)
    assert "\\eta_t" in OPTIMIZERS[name].formula  # the formula the panel shows uses the lr


@settings(max_examples=40, suppress_health_check=SLOW_DRAWS, deadline=None)
@given(LRS, MOMENTA, st.sampled_from([0.0, 0.3]), DECAYS, st.booleans(), SCHEDULERS, PROBLEMS)
def test_sgd_is_its_formula(lr, momentum, dampening, wd, nesterov, scheduler, problem):
    nesterov = nesterov and momentum > 0
    dampening = 0.0 if nesterov else dampening
    kw = {"momentum": momentum, "dampening": dampening, "weight_decay": wd, "nesterov": nesterov}
    _check("SGD", {"lr": lr, **kw}, kw, sgd, scheduler, problem)


@settings(max_examples=30, suppress_health_check=SLOW_DRAWS, deadline=None)
@given(
    st.floats(1e-3, 1.0),
    st.sampled_from([0.0, 0.01]),
    DECAYS,
    st.sampled_from([0.0, 0.1]),
    SCHEDULERS,
    PROBLEMS,
)
def test_adagrad_is_its_formula(lr, lr_decay, wd, initial, scheduler, problem):
    kw = {"lr_decay": lr_decay, "weight_decay": wd, "initial_accumulator_value": initial}
    _check("Adagrad", {"lr": lr, **kw}, kw, adagrad, scheduler, problem)


@settings(max_examples=30, suppress_health_check=SLOW_DRAWS, deadline=None)
@given(
    st.floats(1e-4, 0.05),
    st.sampled_from([0.9, 0.99]),
    DECAYS,
    MOMENTA,
    st.booleans(),
    SCHEDULERS,
    PROBLEMS,
)
def test_rmsprop_is_its_formula(lr, alpha, wd, momentum, centered, scheduler, problem):
    kw = {"alpha": alpha, "weight_decay": wd, "momentum": momentum, "centered": centered}
    _check("RMSprop", {"lr": lr, **kw}, kw, rmsprop, scheduler, problem)


@settings(max_examples=40, suppress_health_check=SLOW_DRAWS, deadline=None)
@given(
    st.sampled_from(["Adam", "AdamW"]),
    st.floats(1e-4, 0.3),
    st.tuples(st.sampled_from([0.0, 0.5, 0.9]), st.sampled_from([0.9, 0.999])),
    DECAYS,
    st.booleans(),
    st.booleans(),
    SCHEDULERS,
    PROBLEMS,
)
def test_adam_and_adamw_are_their_formula(name, lr, betas, wd, amsgrad, decoupled, sched, problem):
    opt = {"lr": lr, "betas": list(betas), "weight_decay": wd, "amsgrad": amsgrad}
    if name == "Adam":
        opt["decoupled_weight_decay"] = decoupled
    hand = {"betas": betas, "weight_decay": wd, "amsgrad": amsgrad}
    hand["decoupled"] = decoupled or name == "AdamW"
    _check(name, opt, hand, adam, sched, problem)
