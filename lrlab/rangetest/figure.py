"""The range test's figure and help text: pure functions of its JSON result."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

from lrlab.present.plotting import PALETTE, apply_layout
from lrlab.rangetest.curve import DIVERGE_FACTOR, MEASURED_FACTOR

HEADROOM = 1.15  # the y range ends this much above the starting loss
LEGEND_ROOM = 70  # pixels below the x axis for the legend's rows
METHOD_COLORS = {
    "minimum7": PALETTE[1],
    "valley": PALETTE[2],
    "steepest": PALETTE[5],
    "minimum": PALETTE[3],
}
METHOD_NAMES = {
    "minimum7": "minimum/7 (measured best)",
    "valley": "valley (fastai)",
    "steepest": "steepest (torch-lr-finder)",
    "minimum": "minimum/10 (fastai)",
}
MINIMUM_FACTORS = {"minimum7": MEASURED_FACTOR, "minimum": 10.0}  # suggestion = lr at min ÷ f
METHOD_LABELS = {  # the method box's labels: short enough for its column at 1280 px
    "minimum7": "minimum/7",
    "valley": "valley",
    "steepest": "steepest",
    "minimum": "minimum/10",
}
HOW_TO_READ = {  # what the suggestion of each method reads, and where it sits on the chart
    "minimum7": (
        "The suggestion (minimum/7) does not read the curve's shape: it is the lr at the "
        "lowest smoothed loss (the dot) divided by 7, so on the log axis it sits 0.85 decades "
        "to the left of the minimum, often where the curve still looks flat. That is on "
        "purpose: one-cycle spends much of its run near max_lr, and the lr at the minimum is "
        "already close to where the loss turns up. On Digits/LeNet a seventh of it trained "
        "best of the four methods (bench/lrfind.py); valley and steepest, which read the "
        "falling part of the curve, trained worse."
    ),
    "minimum": (
        "The suggestion (minimum/10, fastai) does not read the curve's shape: it is the lr at "
        "the lowest smoothed loss (the dot) divided by 10, one decade to its left on the log "
        "axis, often where the curve still looks flat. At batch 64 on Digits/LeNet it was a "
        "little low for one-cycle (minimum/7 trained better)."
    ),
    "valley": (
        "The suggestion (valley, fastai) reads the falling part: the longest stretch where "
        "the smoothed loss keeps falling, and the lr about half-way down it. On Digits/LeNet "
        "it was too low and the most seed-dependent of the four methods."
    ),
    "steepest": (
        "The suggestion (steepest, torch-lr-finder) is where the smoothed loss falls fastest. "
        "On Digits/LeNet it was too high for one-cycle, near the edge of divergence."
    ),
}
SHAPE = (
    " Where the loss turns up and shoots off, the lr is too high (triangles mark losses above "
    "the chart). With several seeds, the shaded band shows how far the suggestion moves."
)


def how_to_read(method: str) -> str:
    """The caption under the chart: what the picked method's suggestion is and where it sits
    (the minimum methods are a fixed fraction of the minimum's lr, not a point of the valley)."""
    return HOW_TO_READ.get(method, "") + SHAPE


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
    mark = _minimum_mark(result)
    if mark is not None:
        fig.add_trace(mark)
    if result.get("diverged_at"):
        fig.add_trace(_divergence_line(result["diverged_at"], lo, hi))
    off = _off_the_chart(repeats, hi)
    if off is not None:
        fig.add_trace(off)
    fig.update_xaxes(type="log", title="learning rate (group 0)", exponentformat="power")
    fig.update_yaxes(title="training loss", range=[lo, hi])
    title = "LR range test"
    if result.get("suggested_lr"):
        title += f": suggested lr {result['suggested_lr']:.3g}"
    apply_layout(fig, height + LEGEND_ROOM, title, legend_below=True)
    # Below the x axis's title, not on it: the legend takes two rows.
    fig.update_layout(legend={"y": -0.3, "yanchor": "top"}, margin={"b": 50 + LEGEND_ROOM})
    return fig


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
    """The y range: from a little under the lowest loss to a little above the starting loss
    (the smoothed loss of the first steps), so the valley fills the chart and the blow-up at
    the end does not flatten it; losses above are marked (see :func:`_off_the_chart`)."""
    best = min(smoothed)
    raw = _finite([v for rep in repeats for v in rep["losses"]])
    start = max(
        _finite(rep["smoothed_losses"])[0] for rep in repeats if _finite(rep["smoothed_losses"])
    )
    hi = min(max(raw + smoothed), DIVERGE_FACTOR * best * 1.15, start * HEADROOM)
    hi = max(hi, best * 1.05)  # a flat curve still gets a range
    lo = min(best, min(raw)) * 0.95
    return lo, hi


def _off_the_chart(repeats: list[Mapping[str, Any]], hi: float) -> go.Scatter | None:
    """Past the valley, the steps whose loss (raw or smoothed) is above the chart's range, as
    triangles on its top edge: the divergence is marked, not drawn to scale. Hover says the
    loss; an overflowed loss (null) counts as off the chart too."""
    xs, losses = [], []
    for rep in repeats:
        sm = [math.inf if v is None else v for v in rep["smoothed_losses"]]
        if not sm:
            continue
        bottom = min(range(len(sm)), key=sm.__getitem__)
        for i in range(bottom, len(sm)):
            raw = rep["losses"][i] if i < len(rep["losses"]) else None
            worst = max(math.inf if raw is None else raw, sm[i])
            if worst > hi:
                xs.append(rep["lrs"][i])
                losses.append(worst)
    if not xs:
        return None
    return go.Scatter(
        x=xs,
        y=[hi] * len(xs),
        mode="markers",
        marker={"symbol": "triangle-up", "size": 10, "color": PALETTE[6]},
        name=f"loss above {hi:.3g} (off the chart, up to {_worst(losses)})",
        customdata=[_worst([v]) for v in losses],
        hovertemplate="lr %{x:.3g}: loss %{customdata}<extra></extra>",
        cliponaxis=False,
    )


def _minimum_mark(result: Mapping[str, Any]) -> go.Scatter | None:
    """For a minimum method picked now: a dot at the lr of the lowest smoothed loss (the
    suggestion times the method's factor: the median over seeds) on the first seed's curve,
    and a dotted segment from it to the suggestion, so the chart shows where the suggestion
    comes from rather than a point of the valley."""
    method, lr = result.get("method"), (result.get("suggested_lr_spread") or {}).get("median")
    factor = MINIMUM_FACTORS.get(method)
    repeats = result.get("repeats") or []
    if factor is None or not lr or not repeats:
        return None
    at_min = lr * factor
    rep = repeats[0]
    curve = [(x, y) for x, y in zip(rep["lrs"], rep["smoothed_losses"], strict=True) if y]
    if not curve:
        return None
    y = min(curve, key=lambda p: abs(math.log(p[0] / at_min)))[1]
    return go.Scatter(
        x=[at_min, lr],
        y=[y, y],
        mode="lines+markers",
        marker={"size": [11, 0], "color": METHOD_COLORS[method]},
        line={"color": METHOD_COLORS[method], "width": 1.5, "dash": "dot"},
        name=f"lowest smoothed loss at lr {at_min:.3g}; ÷{factor:g} = {lr:.3g}",
        hovertemplate="lr %{x:.3g}<extra></extra>",
    )


def _worst(losses: list[float]) -> str:
    top = max(losses)
    return "inf/nan" if not math.isfinite(top) else f"{top:.3g}"


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
    from lrlab.rangetest.curve import smooth

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
