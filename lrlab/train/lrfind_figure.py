"""The range test's figure and help text: pure functions of its JSON result."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

from lrlab.present.plotting import PALETTE, apply_layout
from lrlab.train.lrcurve import DIVERGE_FACTOR

METHOD_COLORS = {"valley": PALETTE[2], "steepest": PALETTE[5], "minimum": PALETTE[3]}
METHOD_NAMES = {
    "valley": "valley (fastai)",
    "steepest": "steepest (torch-lr-finder)",
    "minimum": "minimum/10 (fastai)",
}
HOW_TO_READ = (
    "Read the smoothed curve from left to right: where the loss falls fastest the lr is "
    "large enough to learn, and where it turns up and shoots off the lr is too high. Pick a "
    "max_lr a little before the bottom of the valley (the valley mark); where several seeds "
    "disagree, the shaded band shows how far the suggestion moves with the seed."
)


def range_test_figure(result: Mapping[str, Any], height: int = 440) -> go.Figure:
    """Loss against lr (log axis): every repeat's raw and smoothed loss, each method's median
    suggestion as a vertical line, and with several repeats the min-max band of each."""
    fig = go.Figure()
    repeats = result.get("repeats") or []
    for k, rep in enumerate(repeats):
        fig.add_traces(_repeat_traces(k, rep))
    smoothed = [v for rep in repeats for v in _finite(rep["smoothed_losses"])]
    if not smoothed:
        return apply_layout(fig, height, "LR range test: no loss recorded yet")
    lo, hi = _loss_range(repeats, smoothed)
    for method, sp in (result.get("suggestion_spread") or {}).items():
        if not sp:
            continue
        if sp["n"] > 1 and sp["max"] > sp["min"]:
            fig.add_trace(_spread_band(method, sp, lo, hi))
        fig.add_trace(_suggestion_line(method, sp, method == result.get("method"), lo, hi))
    if result.get("diverged_at"):
        fig.add_trace(_divergence_line(result["diverged_at"], lo, hi))
    fig.update_xaxes(type="log", title="learning rate (group 0)", exponentformat="power")
    fig.update_yaxes(title="training loss", range=[lo, hi])
    title = "LR range test"
    if result.get("suggested_lr"):
        title += f": suggested lr {result['suggested_lr']:.3g}"
    return apply_layout(fig, height, title, legend_below=True)


def _repeat_traces(k: int, rep: Mapping[str, Any]) -> list[go.Scatter]:
    """One repeat's raw and smoothed loss. The first repeat is drawn strongest; of the other
    seeds only the second's smoothed curve enters the legend, so many repeats do not crowd it."""
    first = k == 0
    tag = "" if first else f" (seed {rep['seed']})"
    raw = go.Scatter(
        x=rep["lrs"],
        y=rep["losses"],
        mode="lines",
        name="loss (raw)" + tag,
        line={"color": PALETTE[0], "width": 1},
        opacity=0.25 if first else 0.12,
        legendgroup="raw",
        showlegend=first,
    )
    smoothed = go.Scatter(
        x=rep["lrs"],
        y=rep["smoothed_losses"],
        mode="lines",
        name="loss (smoothed)" + tag,
        line={"color": PALETTE[0] if first else PALETTE[4], "width": 2.5 if first else 1.5},
        legendgroup="smoothed" if first else "seeds",
        showlegend=k <= 1,
    )
    return [raw, smoothed]


def _finite(values: list[Any]) -> list[float]:
    """The losses that can set an axis range: a loss that overflowed is stored as null."""
    return [v for v in values if v is not None and math.isfinite(v)]


def _loss_range(repeats: list[Mapping[str, Any]], smoothed: list[float]) -> tuple[float, float]:
    """The y range: from a little under the lowest loss up to where the range test calls a
    loss diverged (plus a margin), so the blow-up at the end does not flatten the valley."""
    best = min(smoothed)
    raw = _finite([v for rep in repeats for v in rep["losses"]])
    hi = min(max(raw + smoothed), DIVERGE_FACTOR * best * 1.15)
    lo = min(best, min(raw)) * 0.95
    return lo, hi


def _method_name(method: str) -> str:
    return METHOD_NAMES.get(method, method)


def _spread_band(method: str, sp: Mapping[str, Any], lo: float, hi: float) -> go.Scatter:
    """A shaded box from the lowest to the highest suggestion over the seeds."""
    return go.Scatter(
        x=[sp["min"], sp["max"], sp["max"], sp["min"], sp["min"]],
        y=[lo, lo, hi, hi, lo],
        fill="toself",
        mode="none",
        fillcolor=METHOD_COLORS.get(method, PALETTE[6]),
        opacity=0.15,
        name=f"{_method_name(method)}: spread over {sp['n']} seeds",
        hoverinfo="skip",
    )


def _suggestion_line(
    method: str, sp: Mapping[str, Any], chosen: bool, lo: float, hi: float
) -> go.Scatter:
    """The median suggestion as a vertical line; the chosen method's solid and thicker."""
    return go.Scatter(
        x=[sp["median"], sp["median"]],
        y=[lo, hi],
        mode="lines",
        name=f"{_method_name(method)}: {sp['median']:.3g}",
        line={
            "color": METHOD_COLORS.get(method, PALETTE[6]),
            "width": 3 if chosen else 2,
            "dash": None if chosen else "dot",
        },
    )


def _divergence_line(lr: float, lo: float, hi: float) -> go.Scatter:
    return go.Scatter(
        x=[lr] * 2,
        y=[lo, hi],
        mode="lines",
        name=f"diverged at {lr:.3g}",
        line={"color": PALETTE[6], "width": 1, "dash": "dash"},
    )


def live_result(steps: Any) -> dict[str, Any]:
    """A result-shaped dict from the stored steps of a range test still running (one repeat
    per ``epoch``), so the live figure and the final one are drawn by the same function."""
    from lrlab.train.lrcurve import smooth

    repeats = []
    for k, part in steps.groupby("epoch", sort=True) if len(steps) else []:
        losses = [float(v) for v in part["loss"]]
        repeats.append(
            {
                "seed": int(k),
                "lrs": [float(v) for v in part["lr_0"]],
                "losses": losses,
                "smoothed_losses": smooth(losses),
            }
        )
    return {"repeats": repeats}
