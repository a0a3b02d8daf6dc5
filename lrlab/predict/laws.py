"""The two loss laws, vectorised over a curve's steps.

Both take ``lrs``, the lr of every optimizer step (``lrs[t]`` is used by update ``t``), and
return the loss after update ``t``: the loss a run records at step ``t`` is modelled one
update ahead, so the lr area ``S1(t) = lrs[0] + ... + lrs[t]`` is never 0 (a law with
``S1 = 0`` would be infinite at step 0).

Warmup (the steps before the lr first reaches its peak) counts in ``S1`` only: the annealing
terms start at the peak, as in both papers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

Array = np.ndarray
# Above this many lr changes the multi-power sum merges neighbouring changes (see _changes):
# the sum costs (evaluated steps) x (changes), so a 10k-step cosine stays cheap to fit.
MAX_CHANGES = 512
CHUNK = 2048  # evaluated steps per block of the (steps x changes) matrix


@dataclass(frozen=True)
class Law:
    """A law's name, its parameter names and its bounds (in the fit's coordinates)."""

    name: str
    params: tuple[str, ...]
    log_params: frozenset[str]  # fitted as log(value): positive scales


MULTI_POWER = Law(
    "multi-power",
    ("L0", "A", "alpha", "B", "C", "beta", "gamma"),
    frozenset({"A", "B", "C"}),
)
MOMENTUM = Law("momentum", ("L0", "A", "alpha", "C", "lam"), frozenset({"A", "C"}))
LAWS = {law.name: law for law in (MULTI_POWER, MOMENTUM)}
# Both laws grow without bound as S1 -> 0, while a real run starts at its initial loss and
# often stays there for a while (LeNet on Digits sits near ln 10 for its first ~30 steps).
# A fit may cap the law at the fitted runs' initial loss (not a fitted parameter: the mean
# loss of their first steps), which also models that plateau.
CEILING = "L_init"
# An optional extension of both laws (not fitted unless a fit fixes it): the lr exponent
# ``p``. ``S1`` becomes ``sum_t lr_ref * (lrs[t] / lr_ref) ** p`` (``lr_ref``: the fitted runs'
# peak lr, so the units stay an lr area): ``p = 1`` (or absent) is the papers' law, ``p = 0``
# counts steps whatever their lr. On LeNet/Digits the six measured runs are fitted best with
# ``p`` near 0.1 (a small lr slows training far less than the papers' ``S1`` says), while
# constant, cosine and step runs alone cannot tell ``p = 0`` from ``p = 1`` (README).
EXPONENT, LR_REF = "p", "lr_ref"


def lr_area(lrs: Sequence[float] | Array) -> Array:
    """``S1(t)``: the sum of the lrs of updates ``0..t``."""
    return np.cumsum(np.asarray(lrs, dtype=float))


def _area(lrs: Sequence[float] | Array, p: dict[str, float]) -> Array:
    """``S1``, or with the lr exponent (:data:`EXPONENT`) the area of ``lr_ref * (lr /
    lr_ref) ** p`` (a zero lr stays 0: no update, no progress, even at ``p = 0``)."""
    eta = np.asarray(lrs, dtype=float)
    power = p.get(EXPONENT, 1.0)
    if power == 1.0:
        return lr_area(eta)
    ref = p[LR_REF]
    safe = np.where(eta > 0, eta, ref)
    return np.cumsum(np.where(eta > 0, ref * np.power(safe / ref, power), 0.0))


def _trained(cum: Array) -> Array:
    """``S1`` with the steps before the first non-zero lr given the first non-zero area: no
    update has moved the weights yet, so the loss stays where it starts (not infinite)."""
    positive = cum[cum > 0]
    return np.maximum(cum, positive[0] if len(positive) else 1e-300)


def drops(lrs: Sequence[float] | Array) -> Array:
    """``d[k] = lrs[k-1] - lrs[k]`` from the step after the first peak on, 0 before (and at 0)."""
    eta = np.asarray(lrs, dtype=float)
    d = np.zeros_like(eta)
    if len(eta) > 1:
        peak = int(np.argmax(eta))
        d[peak + 1 :] = eta[peak:-1] - eta[peak + 1 :]
    return d


def annealing_area(lrs: Sequence[float] | Array, lam: float = 0.999) -> Array:
    """``S2(t)`` of the momentum law: the sum over steps of ``m_k = lam * m_{k-1} + d_k``."""
    m = lfilter([1.0], [1.0, -lam], drops(lrs))
    return np.cumsum(m)


def momentum_law(
    lrs: Sequence[float] | Array, p: dict[str, float], at: Array | None = None
) -> Array:
    """``L(t) = L0 + A * S1(t)^-alpha - C * S2(t)`` (Tissue et al. 2024), at steps ``at``."""
    s1 = _area(lrs, p)
    s2 = annealing_area(lrs, p["lam"])
    idx = np.arange(len(s1)) if at is None else np.asarray(at)
    s1, s2 = _trained(s1)[idx], s2[idx]
    return p["L0"] + p["A"] * np.power(s1, -p["alpha"]) - p["C"] * s2


def multi_power_law(
    lrs: Sequence[float] | Array, p: dict[str, float], at: Array | None = None
) -> Array:
    """``L(t) = L0 + A * S1(t)^-alpha - LD(t)`` (Luo et al. 2025), at steps ``at``.

    ``LD(t) = B * sum_k d_k * G(lrs[k]^-gamma * S_k(t))``, ``S_k(t) = lrs[k] + ... + lrs[t]``,
    ``G(x) = 1 - (C x + 1)^-beta``. With the cumulative sum ``P``, ``S_k(t) = P[t] - P[k-1]``,
    so the sum is one (steps x lr changes) matrix: only steps whose lr changed contribute.
    """
    eta = np.asarray(lrs, dtype=float)
    cum = np.cumsum(eta)
    idx = np.arange(len(eta)) if at is None else np.asarray(at)
    s1 = _trained(_area(eta, p))[idx]
    loss = p["L0"] + p["A"] * np.power(s1, -p["alpha"])
    ks, d, eta_k, before_k = _changes(eta, cum)
    if len(ks) == 0:
        return loss
    # G is 0 while S_k(t) is 0 (no lr since the drop, or k after t) and 1 once some lr
    # follows a drop to lrs[k] = 0 (x infinite): the whole drop has been realised.
    zero = eta_k <= 0
    scale = p["C"] * np.power(np.where(zero, 1.0, eta_k), -p["gamma"])
    ld = np.empty(len(idx))
    for lo in range(0, len(idx), CHUNK):
        s_kt = np.maximum(cum[idx[lo : lo + CHUNK], None] - before_k[None, :], 0.0)
        g = 1.0 - np.power(scale[None, :] * s_kt + 1.0, -p["beta"])
        g = np.where(zero[None, :] & (s_kt > 0), 1.0, g)
        ld[lo : lo + CHUNK] = g @ d
    return loss - p["B"] * ld


def _changes(eta: Array, cum: Array) -> tuple[Array, Array, Array, Array]:
    """The steps ``k`` where the lr changed after its peak: ``(k, d_k, lrs[k], P[k-1])``.

    Past :data:`MAX_CHANGES` changes, consecutive ones are merged into that many bins, each
    placed at the change where half of its drop is reached (exact for step schedules, a close
    approximation for smooth ones: neighbouring changes see nearly the same ``S_k(t)``)."""
    d = drops(eta)
    ks = np.flatnonzero(d)
    if len(ks) > MAX_CHANGES:
        bins = np.array_split(ks, MAX_CHANGES)
        merged_d = np.array([d[b].sum() for b in bins])
        mid = np.array([_median_change(b, np.abs(d[b])) for b in bins])
        ks, dk = mid, merged_d
    else:
        dk = d[ks]
    return ks, dk, eta[ks], cum[ks - 1]


def _median_change(ks: Array, weights: Array) -> int:
    """The change in ``ks`` where half of the bin's (absolute) drop has been reached."""
    share = np.cumsum(weights) / weights.sum()
    return int(ks[min(int(np.searchsorted(share, 0.5)), len(ks) - 1)])


def evaluate(
    law: str, lrs: Sequence[float] | Array, p: dict[str, float], at: Array | None = None
) -> Array:
    """The loss curve ``law`` gives for ``lrs`` with parameters ``p`` (at steps ``at``),
    never above ``p["L_init"]`` when it is given (see :data:`CEILING`)."""
    fn = multi_power_law if law == MULTI_POWER.name else momentum_law
    loss = fn(lrs, p, at)
    return np.minimum(loss, p[CEILING]) if CEILING in p else loss
