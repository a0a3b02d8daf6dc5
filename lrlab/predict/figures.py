"""Figures of predicted loss curves, and a designed schedule as a run Train can start.

Pure functions: predictions in, Plotly figures or plain configs out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go

from lrlab.predict.design import Design, design
from lrlab.predict.fit import predict, tail_mean
from lrlab.predict.view import LossModel, SchedulePrediction, drawn_high, own_warnings
from lrlab.present.plotting import apply_layout, decimate
from lrlab.train.config import RunConfig, parse_run


def _rgba(color: str, alpha: float) -> str:
    h = color.lstrip("#")
    if len(h) != 6:
        return f"rgba(0,0,0,{alpha})"
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def band_traces(
    x: np.ndarray,
    loss: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    name: str,
    color: str,
    dash: str | None = None,
) -> list[go.Scatter]:
    """The band (low..high, shaded in ``color``) and the predicted line over it."""
    idx = decimate(np.asarray(x), np.asarray(loss))
    xs = np.asarray(x)[idx]
    band = go.Scatter(
        x=np.concatenate([xs, xs[::-1]]),
        y=np.concatenate([np.asarray(high)[idx], np.asarray(low)[idx][::-1]]),
        fill="toself",
        fillcolor=_rgba(color, 0.15),
        line={"width": 0},
        hoverinfo="skip",
        name=f"{name} band",
        legendgroup=name,
        showlegend=False,
    )
    line = go.Scatter(
        x=xs,
        y=np.asarray(loss)[idx],
        mode="lines",
        name=f"{name} (predicted)",
        legendgroup=name,
        line={"color": color, "width": 2, **({"dash": dash} if dash else {})},
        hovertemplate="%{y:.4g}",
    )
    return [band, line]


def predicted_figure(
    preds: Sequence[SchedulePrediction], x_title: str, height: int = 420
) -> go.Figure:
    """Every schedule's predicted train loss in its colour, each with its band."""
    fig = go.Figure()
    for p in preds:
        for trace in band_traces(p.x, p.loss, p.low, p.high, p.name, p.color):
            fig.add_trace(trace)
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text="predicted train loss", rangemode="tozero")
    return apply_layout(fig, height, None)


def overlay_prediction(
    fig: go.Figure, curve: Mapping[str, Sequence[float]], batches_per_epoch: int
) -> go.Figure:
    """Draw a predicted curve (``loss``, ``low``, ``high`` per optimizer step) over a live
    run's train loss (the run figure's top left panel, x in epochs)."""
    loss = np.asarray(curve["loss"], dtype=float)
    x = np.arange(len(loss)) / max(1, batches_per_epoch)
    low, high = np.asarray(curve["low"], float), np.asarray(curve["high"], float)
    for trace in band_traces(x, loss, low, high, "loss", "#D55E00", dash="dash"):
        fig.add_trace(trace, row=1, col=1)
    return fig


# -- designing from a drawn schedule -------------------------------------------------------
def design_base(lm: LossModel, config: Mapping[str, Any]) -> tuple[dict | None, str | None]:
    """The run a design starts from: the drawn schedule's optimizer and groups, trained as the
    fitted runs were, over the drawn epochs. None and why when the drawn schedule's batches
    per epoch are not the fitted runs' (a designed run could not have its length)."""
    view = config["view"]
    if view["steps_per_epoch"] != lm.batches_per_epoch:
        return None, (
            f"Designing needs the fitted runs' {lm.batches_per_epoch:,} batches per epoch "
            f"(this schedule is drawn over {view['steps_per_epoch']:,}): set them, and the "
            "design trains exactly as predicted."
        )
    train = {**lm.family["train"], "epochs": int(view["epochs"]), "step_per": "batch"}
    base: dict[str, Any] = {"optimizer": dict(config["optimizer"]), "train": train}
    if config.get("param_groups"):
        base["param_groups"] = [dict(g) for g in config["param_groups"]]
    return base, None


@dataclass(frozen=True)
class Handoff:
    """A designed schedule as Train takes it, with the prediction to draw over the run."""

    schedule: dict[str, Any]  # an Explore-style schedule config (its view: the run's length)
    train: dict[str, Any]  # the run's train section
    run: RunConfig
    prediction: dict[str, list[float]]  # loss, low, high per optimizer step
    # The pages' "predicted final loss": the mean over the last 10% of steps (tail_mean), as
    # Compare's table and Explore say it (`lrlab design` prints the last step's).
    predicted_final_loss: float
    baseline_final_loss: float  # the base schedule's
    warnings: tuple[str, ...]  # the designed schedule's own and the design's (not the fit's)


def design_handoff(lm: LossModel, base: Mapping[str, Any], base_lrs: np.ndarray) -> Handoff:
    """Design a schedule from ``base`` and make it a run Train can start as it is."""
    found: Design = design(lm.model, base, base_lrs)
    return handoff(lm, found, base, base_lrs)


def handoff(lm: LossModel, found: Design, base: Mapping[str, Any], base_lrs: np.ndarray) -> Handoff:
    run_cfg = {k: v for k, v in found.schedule.items() if k != "steps"}
    run_cfg["train"] = {**base["train"], "step_per": "batch"}
    run = parse_run(run_cfg)
    pred = predict(lm.model, found.lrs)
    high = drawn_high(lm, pred.high)  # drawn as the pages draw a band
    curve = {"loss": pred.loss.tolist(), "low": pred.low.tolist(), "high": high.tolist()}
    return Handoff(
        run.explore_config(),
        dict(run.train),
        run,
        curve,
        tail_mean(pred.loss),
        tail_mean(predict(lm.model, np.asarray(base_lrs, float)).loss),
        tuple(own_warnings(lm, found.warnings)),
    )


# Settings that do not change what a run computes per step: a run started with the handed
# config on another device or seed still gets its prediction drawn.
IGNORED_TRAIN_KEYS = ("device", "seed")


def prediction_key(run_config: Mapping[str, Any]) -> str:
    """What identifies a run that came with a prediction: its normalised config, less the
    settings in :data:`IGNORED_TRAIN_KEYS`, the optimizer's defaults written out (a form
    writes them, a file may not) and every number as a float (``0`` is ``0.0``)."""
    import json

    from lrlab.catalog import OPTIMIZERS

    cfg = parse_run(run_config).to_json()
    cfg["train"] = {k: v for k, v in cfg["train"].items() if k not in IGNORED_TRAIN_KEYS}
    opt = cfg["optimizer"]
    defaults = {p.name: p.default for p in OPTIMIZERS[opt["name"]].params}
    cfg["optimizer"] = {**defaults, **opt}
    return json.dumps(_floats(cfg), sort_keys=True)


def _floats(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _floats(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_floats(v) for v in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value
