"""Design a schedule: minimise the predicted loss at the last step over schedules a user can
train, written as an lrlab ``LambdaLR`` expression (parsed by lrlab's allow-list, no eval).

Two families, both from the base schedule's peak lr, over the base run's optimizer steps:

- warmup-stable-decay without warmup: the peak until the last ``f`` of the run, then a
  ``linear``, ``cosine`` or ``1-sqrt`` decay to 0 at the end of the run (a grid over ``f``);
- a free monotone decay: the peak until a step, then at most :data:`PIECES` linear pieces down
  to 0 at the end (differential evolution over where they start and how much each drops).

The winner is simulated by lrlab (the real torch LambdaLR) and predicted from those lrs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import differential_evolution

from lrlab.predict.fit import Model, predict
from lrlab.predict.laws import evaluate

PIECES = 3
SHAPES = {
    "linear": "1-{u}",
    "cosine": "0.5+0.5*cos(pi*{u})",
    "1-sqrt": "1-sqrt({u})",
}
FRACTIONS = np.round(np.linspace(0.05, 1.0, 20), 2)
BIG = 1e9  # differential evolution's stand-in for a refused candidate (it needs a number)


@dataclass(frozen=True)
class Design:
    schedule: dict[str, Any]  # an lrlab schedule config: one step per optimizer step
    lrs: np.ndarray  # what lrlab simulates for it (group 0)
    predicted_final_loss: float
    baseline_final_loss: float
    family: str
    warnings: tuple[str, ...] = ()  # the prediction's, for the designed schedule
    worst_final_loss: float = float("nan")  # the highest of every fit's prediction (the goal)


def ramp(start: int, length: int, last: bool = False) -> str:
    """0 before ``start``, rising linearly to 1 over ``length`` steps, 1 after (``last``: a
    ramp that ends with the run needs no ``min``, which keeps 3 pieces within the 64 parts
    lrlab allows an expression)."""
    rise = f"max(0,(epoch-{start})/{length})"
    return rise if last else f"min(1,{rise})"


def _ramp(t: np.ndarray, start: int, length: int) -> np.ndarray:
    return np.clip((t - start) / length, 0.0, 1.0)


Candidate = tuple[str, np.ndarray]  # the LambdaLR expression and its factors (numpy, for search)


def wsd(steps: int, fraction: float, shape: str) -> Candidate:
    length = max(1, round(fraction * steps))
    u = _ramp(np.arange(steps, dtype=float), steps - length, length)
    factors = {"linear": 1 - u, "cosine": 0.5 + 0.5 * np.cos(np.pi * u), "1-sqrt": 1 - np.sqrt(u)}
    return SHAPES[shape].format(u=ramp(steps - length, length)), factors[shape]


def free(steps: int, z: np.ndarray) -> Candidate:
    """Pieces from ``z`` in [0, 1]^(2 * PIECES - 1): where the decay starts, where each piece
    ends, and the share of the remaining lr each piece drops (the last drops the rest)."""
    t = np.arange(steps, dtype=float)
    start = round(z[0] * (steps - PIECES))
    ends, at = [], start
    for i in range(PIECES - 1):
        at = at + round(z[1 + i] * (steps - at))
        ends.append(at)
    ends.append(steps)
    left, text, factors, begin = 1.0, "1", np.ones(steps), start
    for i, end in enumerate(ends):
        drop = left if i == PIECES - 1 else round(float(z[PIECES + i]) * left, 4)
        if end > begin and drop > 0:
            text += f"-{drop:.4g}*{ramp(begin, end - begin, last=end == steps)}"
            factors = factors - float(f"{drop:.4g}") * _ramp(t, begin, end - begin)
            left = round(left - float(f"{drop:.4g}"), 4)
        begin = max(begin, end)
    return text, factors


GUARD_POINTS = 32  # steps of a candidate's curve the guard checks (evenly spaced, and the last)


def guarded_final(model: Model, lrs: np.ndarray, ceiling: float = np.inf) -> float:
    """The worst predicted loss at the last step over every fit of ``model`` (the full fit,
    each leave-one-out fit and the neighbouring lr exponents' fits), or infinity when the
    candidate leaves what the fits can vouch for: its lr area outside the fitted runs', or
    any fit's curve not finite, negative, or below that fit's floor ``L0`` (the annealing
    term then outweighs the whole power law: the law extrapolates), or a final loss under
    half the lowest any fitted run reached divided by the worst held-out ratio (the
    prediction's own extrapolation warning), or the full fit's final loss above ``ceiling``
    (the base schedule's: a design is never predicted worse than its base)."""
    area = float(np.sum(lrs))
    low, high = model.area_range
    if not low * (1 - 1e-9) <= area <= high * (1 + 1e-9):
        return np.inf
    steps = len(lrs)
    at = np.unique(np.r_[np.linspace(0, steps - 1, min(steps, GUARD_POINTS)).round(), steps - 1])
    at = at.astype(int)
    floor = model.lowest_final / (2 * model.heldout_ratio)
    worst = -np.inf
    for f in (model.fit, *model.loo_fits, *model.neighbour_fits):
        curve = evaluate(f.law, lrs, f.params, at)
        if not np.all(np.isfinite(curve)) or np.any(curve < max(f.params["L0"], 0.0)):
            return np.inf
        if curve[-1] < floor:
            return np.inf
        if f is model.fit and curve[-1] > ceiling + 1e-9 * abs(ceiling):
            return np.inf
        worst = max(worst, float(curve[-1]))
    return worst


def lr_distance(model: Model, lrs: np.ndarray) -> float:
    """How far ``lrs`` is from the nearest fitted run's lrs: the mean absolute difference
    over the run (both on the fraction of the run done), in units of the peak lr."""
    x = (np.arange(len(lrs)) + 0.5) / len(lrs)
    scale = max(float(np.max(lrs)), 1e-300)
    out = np.inf
    for seen in model.fitted_lrs:
        theirs = np.interp(x, (np.arange(len(seen)) + 0.5) / len(seen), seen)
        out = min(out, float(np.mean(np.abs(theirs - lrs))) / scale)
    return out


def _search(objective: Callable[[Candidate], float], steps: int) -> Candidate:
    """The free-decay candidate differential evolution finds for ``objective``."""
    found = differential_evolution(
        lambda z: min(objective(free(steps, z)), BIG),
        [(0.0, 1.0)] * (2 * PIECES - 1),
        seed=0,
        maxiter=40,
        popsize=12,
        tol=1e-8,
        polish=False,
    )
    return free(steps, found.x)


def design(model: Model, base_run: Mapping[str, Any], base_lrs: np.ndarray) -> Design:
    """A schedule of the two families the fit vouches for, in two stages.

    1. The lowest worst-case predicted loss at the last step (:func:`guarded_final`: every
       fit's prediction, candidates the guard refuses left out).
    2. Among the candidates within the held-out error of that (a difference the fit cannot
       tell apart), the one closest to a fitted run's lrs (:func:`lr_distance`): a design
       that trusts the law only as far as its error allows. On LeNet/Digits the first stage
       alone gave a schedule that trained worse than cosine (README)."""
    from lrlab.predict.runs import schedule_lrs

    steps, peak = len(base_lrs), float(np.max(base_lrs))
    law, params = model.fit.law, model.fit.params
    baseline = float(evaluate(law, base_lrs, params, np.array([steps - 1]))[0])

    def lrs_of(candidate: Candidate) -> np.ndarray:
        return peak * np.maximum(candidate[1], 0.0)

    def final(candidate: Candidate) -> float:
        return guarded_final(model, lrs_of(candidate), baseline)

    pool = [(wsd(steps, f, shape), f"wsd {shape} {f}") for shape in SHAPES for f in FRACTIONS]
    pool.append((_search(final, steps), "free"))
    best_worst = min(final(c) for c, _ in pool)
    vouched = bool(np.isfinite(best_worst))
    if vouched:
        within = best_worst * (1 + model.heldout_rel_error)

        def close(candidate: Candidate) -> float:
            worst = final(candidate)
            return lr_distance(model, lrs_of(candidate)) if worst <= within else BIG + worst

        pool.append((_search(close, steps), "free"))
        chosen, family = min(pool, key=lambda c: close(c[0]))
    else:
        # Nothing passes the guard: the lowest unguarded prediction, said to be a guess.
        chosen, family = min(pool, key=lambda c: _unguarded(model, lrs_of(c[0])))
    schedule = schedule_config(base_run, chosen[0], peak, steps)
    run = {k: v for k, v in schedule.items() if k != "steps"}
    run["train"] = {**base_run["train"], "step_per": "batch"}
    lrs, _, _ = schedule_lrs(run)  # the real torch LambdaLR, as training will apply it
    designed = predict(model, lrs)
    baseline = float(predict(model, base_lrs).loss[-1])  # as above, clipped at 0
    gain = 1 - float(designed.loss[-1]) / baseline if baseline > 0 else 0.0
    gain = 0.0 if abs(gain) < 5e-4 else gain  # never print "-0.0%"
    note = design_note(model, vouched, family, gain)
    notes = [note] if note else []
    return Design(
        schedule,
        lrs,
        float(designed.loss[-1]),
        baseline,
        family,
        (*designed.warnings, *notes),
        worst_final_loss=float(final(chosen)),
    )


def design_note(model: Model, vouched: bool, family: str, gain: float) -> str | None:
    """One sentence, when there is a caveat: what was chosen, and why it is not trusted
    (``gain``: how much lower the designed schedule's predicted loss at the last step is than
    the base's). None: every fit vouches for it and the gain exceeds the held-out error."""
    error = model.heldout_rel_error
    said = f"predicted {gain:.1%} lower than the base's at the last step"
    if not vouched:
        return (
            f"no candidate stays within what the fit can vouch for (the fitted runs' lr area, "
            f"a loss above every fit's floor, not above the base's prediction): the design is "
            f"the full fit's lowest prediction ({family}), {said}; it extrapolates, so do not "
            "trust that number"
        )
    if gain < error:
        return (
            f"the design ({family}) is {said}, less than the fit's held-out error "
            f"({error:.0%}): the fit cannot vouch for a gain, so among the candidates it "
            "cannot tell apart it took the one closest to a fitted run's schedule"
        )
    return None


def _unguarded(model: Model, lrs: np.ndarray) -> float:
    value = float(evaluate(model.fit.law, lrs, model.fit.params, np.array([len(lrs) - 1]))[0])
    return value if np.isfinite(value) else np.inf


def schedule_config(
    base_run: Mapping[str, Any], expr: str, peak: float, steps: int
) -> dict[str, Any]:
    """The base's optimizer and groups with group 0 starting at ``peak`` (other groups keep
    their ratio to it), the decay as a LambdaLR, one scheduler step per optimizer step."""
    optimizer = dict(base_run["optimizer"])
    groups = [dict(g) for g in base_run.get("param_groups") or []]
    first = groups[0].get("lr", optimizer["lr"]) if groups else optimizer["lr"]
    ratio = peak / first
    optimizer["lr"] = optimizer["lr"] * ratio
    for g in groups:
        if "lr" in g:
            g["lr"] = g["lr"] * ratio
    out: dict[str, Any] = {"optimizer": optimizer}
    if groups:
        out["param_groups"] = groups
    out["scheduler"] = {"name": "LambdaLR", "lr_lambda": expr}
    out["steps"] = steps
    return out
