"""A loss model as the pages use it: named by plain data (run ids and a law), fitted from the
run store, and applied to the schedule a page draws.

The pages hold no decisions: a link's ``fit``/``law`` parameters become one :class:`FitSpec`
here (or a one-line :class:`ConfigError`), the spec becomes a :class:`LossModel`, and a drawn
schedule becomes a :class:`SchedulePrediction` whose warnings say where it extrapolates.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from lrlab.core.errors import ConfigError
from lrlab.predict.fit import (
    POOR_R2,
    POOR_REL_ERROR,
    Model,
    fit_model,
    predict,
    tail_mean,
    warnings_for,
    worst_r2_clause,
)
from lrlab.predict.laws import CEILING, LAWS, annealing_area, lr_area
from lrlab.predict.runs import load_fit_runs, mismatch_notes
from lrlab.train.config import parse_run
from lrlab.train.store import RunStore

DEFAULT_LAW = "multi-power"
MAX_FIT_RUNS = 16
# What the store's ids look like (12 hex digits), with room for older or hand-made ones; a
# link's text is checked before it reaches a query.
RUN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# The momentum law's usual decay of its annealing momentum (Tissue et al. 2024 use 0.999):
# the annealing area shown beside a schedule is S2 with it.
SUMMARY_LAM = 0.999


@dataclass(frozen=True)
class FitSpec:
    """Which runs a loss model is fitted to, and with which law: all a link needs to hold."""

    run_ids: tuple[str, ...]
    law: str = DEFAULT_LAW

    def query(self) -> dict[str, str]:
        """The URL query parameters that name this model."""
        return {"fit": ",".join(self.run_ids), "law": self.law}


def parse_fit_spec(fit: str | None, law: str | None = None) -> FitSpec:
    """A link's ``fit=ID,ID,...`` and ``law=`` as a :class:`FitSpec`; ConfigError otherwise."""
    law = law or DEFAULT_LAW
    if law not in LAWS:
        raise ConfigError("law", f"unknown law {law[:40]!r}; use one of {', '.join(LAWS)}")
    ids = tuple(s.strip() for s in (fit or "").split(","))
    if not fit or any(not s for s in ids):
        raise ConfigError("fit", "give run ids separated by commas, e.g. fit=ab12,cd34")
    if len(ids) > MAX_FIT_RUNS:
        raise ConfigError("fit", f"at most {MAX_FIT_RUNS} runs, got {len(ids)}")
    bad = next((s for s in ids if not RUN_ID.fullmatch(s)), None)
    if bad is not None:
        raise ConfigError("fit", f"{bad[:40]!r} is not a run id")
    if len(ids) < 2:
        raise ConfigError("fit", "give at least two runs: the fit is scored on one left out")
    if len(set(ids)) != len(ids):
        raise ConfigError("fit", "a run is given twice")
    return FitSpec(ids, law)


@dataclass(frozen=True)
class LossModel:
    """A fitted law and what the fitted runs had in common."""

    spec: FitSpec
    model: Model
    family: dict[str, Any]  # model, dataset, optimizer name and the first run's train section
    names: dict[str, str]  # run id -> the run's name in the store
    batches_per_epoch: int  # of the first fitted run (differences are in the model's notes)
    epochs: int


def fit_loss_model(store: RunStore, spec: FitSpec) -> LossModel:
    """Fit ``spec`` to the stored runs (ConfigError: unknown id, range test, mixed setups)."""
    curves, family, notes = load_fit_runs(store, list(spec.run_ids))
    model = replace(fit_model(curves, spec.law), notes=tuple(notes))
    runs = [store.get_run(r) for r in spec.run_ids]
    first = parse_run(runs[0]["config"])
    names = {r["id"]: r["name"] for r in runs}
    return LossModel(spec, model, family, names, first.batches_per_epoch, first.train["epochs"])


def fit_level_warnings(lm: LossModel) -> list[str]:
    """What is said of the fit itself, whatever the schedule (poor held-out error, the law not
    the papers', the fitted runs' differences), never a schedule's: they are the warnings of a
    fitted run's own lrs, which is within every range the schedule warnings check."""
    seen = lm.model.fitted_lrs
    lrs = seen[0] if seen else np.full(lm.model.max_steps, lm.model.max_lr)
    return warnings_for(lm.model, lrs)


def fit_is_poor(model: Model) -> bool:
    """The held-out error above 10%, or a held-out or in-sample R² below 0.9."""
    return (
        model.heldout_rel_error > POOR_REL_ERROR
        or model.heldout_r2 < POOR_R2
        or model.fit.r2 < POOR_R2
    )


def starting_loss(lm: LossModel) -> float:
    """The fitted runs' starting loss: the law's cap, and the top of a drawn band."""
    return float(lm.model.fit.params.get(CEILING, np.inf))


def drawn_high(lm: LossModel, high: np.ndarray) -> np.ndarray:
    """A band's top as every page draws it: capped at the fitted runs' starting loss (the
    law's own cap; ``ceiling_note`` says so under the chart)."""
    return np.minimum(high, starting_loss(lm))


def ceiling_note(lm: LossModel, preds: list[SchedulePrediction]) -> str:
    """What a reader of the chart must know of its top: the band is drawn up to the fitted
    runs' starting loss, and a line flat at it is the law's cap (a small lr area so far puts
    the law above the loss the runs started at), not a measured plateau."""
    top = starting_loss(lm)
    if not np.isfinite(top):
        return ""
    flat = []
    for p in preds:
        capped = np.isclose(p.loss, top, rtol=1e-9, atol=0)
        if np.any(capped):  # where the cap holds: a few steps of a long run are invisible
            n = int(capped.sum())
            flat.append(f"{p.name}: {n:,} of its {len(p.loss):,} iterations")
    text = f"Bands are drawn up to the fitted runs' starting loss {top:.4g}."
    if flat:
        text += (
            f" Flat at {top:.4g} ({'; '.join(flat)}): while a schedule's lr area is still "
            "small the law is above the loss the fitted runs started at, and is capped there: "
            "the law's honest output, not a plateau it saw."
        )
    return text


def ranking_note(lm: LossModel, preds: list[SchedulePrediction]) -> str:
    """Whether the model can say which schedule trains to the lowest loss: the gap between
    the lowest predicted final loss and the next, against the fit's held-out error. Two very
    different schedules can get the same prediction (a fit whose lr area ignores the lr's
    size, p = 0, ranks them by their decay alone); a reader must not take a ranking from
    differences the fit cannot vouch for. "" for fewer than two schedules."""
    if len(preds) < 2:
        return ""
    err = lm.model.heldout_rel_error
    ranked = sorted(preds, key=lambda p: p.final)
    best = ranked[0]

    def gap(p: SchedulePrediction) -> float:  # how much higher than the lowest, relatively
        if p.final <= best.final:
            return 0.0
        return (p.final - best.final) / best.final if best.final > 0 else math.inf

    close = [p.name for p in ranked if gap(p) <= err]
    if len(close) == 1:  # both losses, not a percentage: a lowest loss of 0 has none
        runner = ranked[1]
        return (
            f"{best.name} is predicted to train to the lowest loss ({best.final:.4g} against "
            f"{runner.final:.4g} for the next, {runner.name}): a gap larger than the fit's "
            f"held-out error ({err:.0%})."
        )
    widest = gap(ranked[len(close) - 1])
    same = (
        "the same predicted final loss"
        if widest < 1e-9
        else f"predicted final losses within {widest:.0%} of each other"
    )
    return (
        f"{', '.join(close)}: {same}, less than the fit's held-out error ({err:.0%}). This "
        "model cannot tell which of them trains to the lower loss."
    )


def fit_headline(lm: LossModel) -> tuple[str, str]:
    """``(level, sentence)`` for the top of a page: the held-out error, said plainly."""
    m = lm.model
    worst = max(m.heldout, key=lambda h: h.rel_error)
    name = lm.names.get(worst.name, worst.name)
    law = f"{m.fit.law} law fitted to {len(m.heldout)} runs"
    held = (
        f"held-out error {m.heldout_rel_error:.0%} (the final loss of run '{name}', "
        f"predicted by the fit on the others), {worst_r2_clause(m.heldout, worst.name, lm.names)}"
    )
    if fit_is_poor(m):
        return "warning", f"The fit is poor: {held}. Read its predictions as rough ({law})."
    return "success", f"Loss model: {law}; {held}."


def heldout_table(lm: LossModel) -> pd.DataFrame:
    """One row per fitted run: how the fit on the other runs predicted it."""
    return pd.DataFrame(
        [
            {
                "run": lm.names.get(h.name, h.name),
                "id": h.name,
                "held-out final-loss error": f"{h.rel_error:.1%}",
                "held-out R²": f"{h.r2:.3f}",
            }
            for h in lm.model.heldout
        ]
    )


# -- a drawn schedule ----------------------------------------------------------------------
def iteration_lrs(df: pd.DataFrame, view: Mapping[str, Any]) -> np.ndarray:
    """Group 0's lr at every optimizer iteration of a simulated schedule (a per-epoch value
    holds for its epoch's batches), as a training run applies it."""
    lr = df.loc[df["group"] == 0, "lr"].to_numpy(float)
    return np.repeat(lr, view["steps_per_epoch"] if view["step_per"] == "epoch" else 1)


def areas(df: pd.DataFrame, view: Mapping[str, Any]) -> tuple[float, float]:
    """The lr area ``S1`` (sum of the lr over iterations) and the annealing area ``S2`` (the
    momentum law's, with ``lam`` :data:`SUMMARY_LAM`) at the end of the schedule."""
    lrs = iteration_lrs(df, view)
    return float(lr_area(lrs)[-1]), float(annealing_area(lrs, SUMMARY_LAM)[-1])


@dataclass(frozen=True)
class SchedulePrediction:
    name: str
    color: str
    x: np.ndarray  # one per optimizer iteration, on the page's x axis
    lrs: np.ndarray
    loss: np.ndarray
    low: np.ndarray
    high: np.ndarray
    warnings: tuple[str, ...]  # this schedule's, beyond the fit's own (fit_level_warnings)

    @property
    def final(self) -> float:
        return tail_mean(self.loss)


def setup_notes(lm: LossModel, config: Mapping[str, Any], df: pd.DataFrame) -> list[str]:
    """Where a drawn schedule is not what the fitted runs trained: optimizer, batches per
    epoch, groups, a plateau metric."""
    view = config["view"]
    # A drawn schedule has no train section: it is predicted as the fitted runs trained, so
    # only its optimizer can differ from theirs.
    as_trained = {"optimizer": config["optimizer"], "train": lm.family["train"]}
    notes = mismatch_notes(lm.family, as_trained)
    if view["steps_per_epoch"] != lm.batches_per_epoch:
        notes.append(
            f"the schedule is drawn over {view['steps_per_epoch']:,} batches per epoch; the "
            f"fitted runs trained {lm.batches_per_epoch:,}: the loss per step is theirs"
        )
    if df["group"].max() > 0:
        notes.append("the schedule has several parameter groups: predicted from group 0's lr")
    if "metric" in df:
        notes.append("the schedule reacts to a metric: predicted with its placeholder metric")
    return notes


def predict_drawn(
    lm: LossModel, name: str, color: str, config: Mapping[str, Any], df: pd.DataFrame
) -> SchedulePrediction:
    """The predicted train loss of the schedule drawn on a page (its own epochs × batches),
    with the band, and the warnings that are this schedule's."""
    from lrlab.core.view import x_values

    view = config["view"]
    lrs = iteration_lrs(df, view)
    pred = predict(lm.model, lrs)
    own = own_warnings(lm, pred.warnings) + setup_notes(lm, config, df)
    iters = np.arange(len(lrs))
    x = x_values(iters, {**view, "step_per": "batch"})
    high = drawn_high(lm, pred.high)
    return SchedulePrediction(name, color, x, lrs, pred.loss, pred.low, high, tuple(own))


def own_warnings(lm: LossModel, warnings: tuple[str, ...] | list[str]) -> list[str]:
    """A prediction's warnings less the fit's own (said once, in the fit's panel)."""
    shared = set(fit_level_warnings(lm))
    return [w for w in warnings if w not in shared]


def prediction_table(preds: list[SchedulePrediction]) -> pd.DataFrame:
    """Each schedule's predicted final loss (mean over its last 10% of steps) and band (up
    to the fitted runs' starting loss)."""
    return pd.DataFrame(
        [
            {
                "schedule": p.name,
                "predicted final loss": f"{p.final:.3g}",
                "band": f"{tail_mean(p.low):.3g} – {tail_mean(p.high):.3g}",
                "warnings": len(p.warnings),
            }
            for p in preds
        ]
    )


def sweep_fit_ids(runs: pd.DataFrame) -> list[str]:
    """The runs of a sweep a loss model is fitted to: its completed ones, or, past
    :data:`MAX_FIT_RUNS`, each schedule's lowest seed (seeds repeat a schedule's lrs)."""
    done = runs[runs["status"] == "completed"]
    if len(done) > MAX_FIT_RUNS:
        done = done.sort_values("seed", kind="stable").drop_duplicates("label")
    return done["id"].tolist()[:MAX_FIT_RUNS]
