"""Fit a law to runs, score it on the run it did not see, and predict with a band.

A run's per-step train loss is noisy (one batch each). It is fitted as it is, at most
:data:`FIT_POINTS` evenly spaced steps per run, each run weighing the same, with a robust
(soft-L1) loss: least squares average the noise out, while smoothing first (a moving average)
bends the steep start of the curve and biased the fitted parameters in the tests. Errors are
always measured against the raw per-step loss.

The lr exponent of the laws' area (:data:`lrlab.predict.laws.EXPONENT`) is chosen by
leave-one-run-out over :data:`EXPONENTS`: the fitted runs' own held-out errors decide.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import least_squares

from lrlab.predict.laws import CEILING, EXPONENT, LAWS, LR_REF, Array, evaluate

FIT_POINTS = 400
STARTS = 6  # least-squares starts per fit: a typical point, then seeded draws within bounds
LOO_STARTS = 2  # a leave-one-out fit: from the full fit's parameters, and a typical point
# The lr exponents tried (laws.EXPONENT): 1 is the papers' law; leave-one-run-out picks one.
EXPONENTS = (1.0, 0.5, 0.25, 0.0)
TAIL = 0.1  # the "final loss" is the mean over the last 10% of steps
# Bounds of each parameter in the fit's coordinates (log for scales); L0's upper bound is the
# lowest loss seen, so the floor is never above the data.
BOUNDS = {
    "L0": (0.0, None),
    "A": (math.log(1e-4), math.log(1e3)),
    "alpha": (0.01, 3.0),
    "B": (math.log(1e-3), math.log(1e5)),
    "C": (math.log(1e-6), math.log(1e5)),
    "beta": (0.01, 5.0),
    "gamma": (0.0, 1.5),
    "lam": (0.5, 0.99999),
}
TYPICAL = {"A": 0.5, "alpha": 0.5, "B": 50.0, "C": 1.0, "beta": 0.5, "gamma": 0.5, "lam": 0.99}


@dataclass(frozen=True)
class Curve:
    """One run's recorded lr (group 0) and train loss, one value per optimizer step."""

    lrs: Array
    loss: Array
    name: str = ""

    def fit_points(self) -> tuple[Array, Array]:
        """The steps fitted and the loss there."""
        t = len(self.loss)
        at = np.unique(np.linspace(0, t - 1, min(t, FIT_POINTS)).round().astype(int))
        return at, self.loss[at]


@dataclass(frozen=True)
class Fit:
    law: str
    params: dict[str, float]
    r2: float  # in-sample, against the raw loss of the fitted runs
    rmse: float = 0.0  # in-sample root mean square error against that raw loss


@dataclass(frozen=True)
class HeldOut:
    """How a fit on the other runs predicted this one."""

    name: str
    rel_error: float  # |predicted - measured| / measured, mean loss over the last 10% of steps
    r2: float  # the whole curve, against the raw per-step loss
    ratio: float = 1.0  # max(predicted / measured, measured / predicted) of that mean (>= 1)


@dataclass(frozen=True)
class Model:
    """A law fitted to all the runs, plus one fit per left-out run (for the band)."""

    fit: Fit
    loo_fits: tuple[Fit, ...]
    heldout: tuple[HeldOut, ...]
    max_lr: float
    max_steps: int
    notes: tuple[str, ...] = field(default=())
    lowest_final: float = 0.0  # the lowest final loss (last-10% mean) of the fitted runs
    # The full fits at the lr exponents next to the chosen one (the band spans them: the
    # fitted runs rarely pin the exponent down), and each exponent tried with its worst
    # held-out error (what chose it).
    neighbour_fits: tuple[Fit, ...] = ()
    cross_validation: tuple[tuple[float, float], ...] = ()
    # The smallest and largest lr area (sum of lrs) of the fitted runs.
    area_range: tuple[float, float] = (0.0, math.inf)
    fitted_lrs: tuple[Array, ...] = ()  # each fitted run's lrs (design stays close to them)

    @property
    def heldout_rel_error(self) -> float:
        return max(h.rel_error for h in self.heldout)

    @property
    def heldout_ratio(self) -> float:
        return max(h.ratio for h in self.heldout)

    @property
    def heldout_r2(self) -> float:
        return min(h.r2 for h in self.heldout)


def tail_mean(x: Array) -> float:
    n = max(1, math.ceil(TAIL * len(x)))
    return float(np.mean(np.asarray(x)[-n:]))


def rel_error(predicted: Array, measured: Array) -> float:
    return abs(tail_mean(predicted) - tail_mean(measured)) / abs(tail_mean(measured))


def ratio(predicted: Array, measured: Array) -> float:
    """How many times too high or too low the predicted final loss is (1: exact)."""
    p, m = max(tail_mean(predicted), 1e-12), max(tail_mean(measured), 1e-12)
    return max(p / m, m / p)


def r_squared(predicted: Array, measured: Array) -> float:
    measured = np.asarray(measured, dtype=float)
    total = float(np.sum((measured - measured.mean()) ** 2))
    if total == 0:
        return float("nan")
    return 1.0 - float(np.sum((measured - predicted) ** 2)) / total


INITIAL_STEPS = 3


def fit_law(
    curves: Sequence[Curve],
    law: str,
    seed: int = 0,
    *,
    exponent: float = 1.0,
    starts: int = STARTS,
    start: dict[str, float] | None = None,
) -> Fit:
    """Least squares (soft-L1, bounded, several starts) of ``law`` over all ``curves``,
    capped at their initial loss (:data:`lrlab.predict.laws.CEILING`), with the lr exponent
    fixed at ``exponent`` (1: the papers' law). ``start``: a fit's parameters to start from
    first (a leave-one-out fit starts where the full fit ended)."""
    ceiling = float(np.mean([c.loss[:INITIAL_STEPS].mean() for c in curves]))
    fixed = {CEILING: ceiling, EXPONENT: exponent, LR_REF: max(float(c.lrs.max()) for c in curves)}
    names = LAWS[law].params
    logs = LAWS[law].log_params
    points = [c.fit_points() for c in curves]
    floor = min(float(y.min()) for _, y in points)
    lo = np.array([BOUNDS[n][0] for n in names])
    hi = np.array([floor if n == "L0" else BOUNDS[n][1] for n in names])
    hi = np.maximum(hi, lo + 1e-9)

    def unpack(x: Array) -> dict[str, float]:
        p = {n: float(math.exp(v) if n in logs else v) for n, v in zip(names, x, strict=True)}
        return {**p, **fixed}

    def pack(p: dict[str, float]) -> Array:
        return np.clip([math.log(p[n]) if n in logs else p[n] for n in names], lo, hi)

    def residuals(x: Array) -> Array:
        p = unpack(x)
        parts = []
        for curve, (at, y) in zip(curves, points, strict=True):
            pred = evaluate(law, curve.lrs, p, at)
            r = np.where(np.isfinite(pred), pred - y, 1e3) / math.sqrt(len(y))
            parts.append(r)
        return np.concatenate(parts)

    rng = np.random.default_rng(seed)
    typical = {**TYPICAL, "L0": 0.5 * floor}
    x0s = [pack(start)] if start is not None else []
    x0s += [pack(typical)] + [rng.uniform(lo, hi) for _ in range(starts - 1)]
    best = None
    for x0 in x0s[:starts]:
        res = least_squares(
            residuals, x0, bounds=(lo, hi), loss="soft_l1", f_scale=0.05, max_nfev=400
        )
        if best is None or res.cost < best.cost:
            best = res
    params = unpack(best.x)
    pred = np.concatenate([evaluate(law, c.lrs, params) for c in curves])
    raw = np.concatenate([c.loss for c in curves])
    return Fit(law, params, r_squared(pred, raw), rmse=float(np.sqrt(np.mean((pred - raw) ** 2))))


def _held_out(curves: Sequence[Curve], law: str, full: Fit) -> tuple[list[Fit], list[HeldOut]]:
    """One fit per curve left out, and how it predicted that curve."""
    loo, heldout = [], []
    for i, out in enumerate(curves):
        rest = [c for j, c in enumerate(curves) if j != i]
        f = fit_law(rest, law, exponent=full.params[EXPONENT], starts=LOO_STARTS, start=full.params)
        pred = evaluate(law, out.lrs, f.params)
        loo.append(f)
        heldout.append(
            HeldOut(
                out.name,
                rel_error(pred, out.loss),
                r_squared(pred, out.loss),
                ratio(pred, out.loss),
            )
        )
    return loo, heldout


def fit_model(curves: Sequence[Curve], law: str, exponents: Sequence[float] = EXPONENTS) -> Model:
    """Fit on all curves, and once per curve left out (at least two curves), at each lr
    exponent of ``exponents``; the model keeps the exponent whose worst held-out error is
    lowest (leave-one-run-out cross-validation: only the fitted runs decide), and the full
    fits at its neighbouring exponents for the band."""
    if len(curves) < 2:
        raise ValueError("a held-out error needs at least two runs")
    grid = sorted(set(exponents), reverse=True)
    tried: list[tuple[Fit, list[Fit], list[HeldOut]]] = []
    for exponent in grid:
        # Each exponent after the first starts where the previous one ended (its fit
        # moves little), with fewer fresh starts.
        previous = tried[-1][0].params if tried else None
        starts = LOO_STARTS if tried else STARTS
        full = fit_law(curves, law, exponent=exponent, starts=starts, start=previous)
        loo, heldout = _held_out(curves, law, full)
        tried.append((full, loo, heldout))
    # Ties (within a percent) go to the larger exponent, the papers' law first.
    best_error = min(max(h.rel_error for h in t[2]) for t in tried)
    chosen = next(
        i for i, t in enumerate(tried) if max(h.rel_error for h in t[2]) <= best_error + 0.01
    )
    full, loo, heldout = tried[chosen]
    neighbours = [tried[i][0] for i in (chosen - 1, chosen + 1) if 0 <= i < len(tried)]
    return Model(
        full,
        tuple(loo),
        tuple(heldout),
        max_lr=max(float(np.max(c.lrs)) for c in curves),
        max_steps=max(len(c.lrs) for c in curves),
        lowest_final=min(tail_mean(c.loss) for c in curves),
        area_range=(
            min(float(c.lrs.sum()) for c in curves),
            max(float(c.lrs.sum()) for c in curves),
        ),
        neighbour_fits=tuple(neighbours),
        fitted_lrs=tuple(np.asarray(c.lrs, dtype=float) for c in curves),
        cross_validation=tuple(
            (t[0].params[EXPONENT], max(h.rel_error for h in t[2])) for t in tried
        ),
    )


@dataclass(frozen=True)
class Prediction:
    loss: Array
    low: Array
    high: Array
    warnings: tuple[str, ...]


POOR_REL_ERROR = 0.10
POOR_R2 = 0.9
HORIZON_FACTOR = 1.5


def predict(model: Model, lrs: Array) -> Prediction:
    """The fitted law's curve for ``lrs``, a band and what to beware of.

    The band spans the curves of the full fit, every fit with one run left out and the full
    fits at the neighbouring lr exponents, widened to at least ``loss / r .. loss * r``,
    ``r`` the worst held-out ratio of predicted to measured final loss: never narrower than
    the error the law made on a run it had not seen (a ratio, not ``± rel_error``: a
    prediction 5x too low is 80% off and still needs a band that reaches 5x)."""
    law = model.fit.law
    loss = evaluate(law, lrs, model.fit.params)
    others = [*model.loo_fits, *model.neighbour_fits]
    curves = np.vstack([loss, *[evaluate(law, lrs, f.params) for f in others]])
    curves = np.where(np.isfinite(curves), curves, loss)
    r = model.heldout_ratio
    notes = warnings_for(model, lrs)
    if np.any(curves < 0):
        notes.append("the law gives a negative loss for this schedule: shown as 0")
    curves = np.maximum(curves, 0.0)
    loss = curves[0]
    if tail_mean(loss) < model.lowest_final / (2 * r):
        notes.append(
            f"the predicted final loss {tail_mean(loss):.4g} is less than half the lowest any "
            f"fitted run reached ({model.lowest_final:.4g}), beyond the held-out error: the "
            "law extrapolates"
        )
    low = np.minimum(curves.min(axis=0), loss / r)
    high = np.maximum(curves.max(axis=0), loss * r)
    return Prediction(loss, np.maximum(low, 0.0), high, tuple(notes))


def worst_r2_clause(
    heldout: Sequence[HeldOut], named: str, names: Mapping[str, str] | None = None
) -> str:
    """The worst held-out R², said of the run it belongs to: "and its held-out R² is 0.89"
    when that is the run just named, else "and on run X the held-out R² is 0.13" (a reader
    takes an R² after a run's name to be that run's)."""
    low = min(heldout, key=lambda h: h.r2)
    if low.name == named:
        return f"and its held-out R² is {low.r2:.2f}"
    shown = (names or {}).get(low.name, low.name)
    return f"and on run '{shown}' the held-out R² is {low.r2:.2f}"


def warnings_for(model: Model, lrs: Array) -> list[str]:
    out = list(model.notes)
    worst = max(model.heldout, key=lambda h: h.rel_error)
    if model.heldout_rel_error > POOR_REL_ERROR or model.heldout_r2 < POOR_R2:
        out.append(
            f"the fit is poor: on a run it did not see ({worst.name}) the final loss was off by "
            f"{worst.rel_error:.0%}, {worst_r2_clause(model.heldout, worst.name)}"
        )
    exponent = model.fit.params.get(EXPONENT, 1.0)
    tried = dict(model.cross_validation)
    if exponent != 1.0 and 1.0 in tried:
        out.append(
            f"the law is not the paper's: its lr area sums lr_ref * (lr / lr_ref) ** p with "
            f"p = {exponent:g}, chosen by leave-one-run-out (held-out error {tried[exponent]:.0%};"
            f" {tried[1.0]:.0%} with the paper's p = 1, the plain sum of lrs)"
        )
    if model.fit.r2 < POOR_R2:
        out.append(f"the law fits its own runs poorly (R² {model.fit.r2:.2f})")
    peak = float(np.max(lrs))
    if peak > model.max_lr * (1 + 1e-9):
        out.append(
            f"the schedule's peak lr {peak:.4g} is above the highest the fitted runs saw "
            f"({model.max_lr:.4g}): the prediction extrapolates"
        )
    area, (low, high) = float(np.sum(lrs)), model.area_range
    if not low / HORIZON_FACTOR * (1 - 1e-9) <= area <= high * HORIZON_FACTOR * (1 + 1e-9):
        out.append(
            f"the schedule's lr area (sum of its lrs) {area:.4g} is far outside the fitted runs' "
            f"({low:.4g} to {high:.4g}): the prediction extrapolates"
        )
    if len(lrs) > HORIZON_FACTOR * model.max_steps:
        out.append(
            f"the schedule's {len(lrs)} steps are more than {HORIZON_FACTOR}x the longest "
            f"fitted run ({model.max_steps} steps): the prediction extrapolates"
        )
    return out
