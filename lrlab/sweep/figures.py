"""Figures of a sweep: pure functions from its per-epoch bands, summary and lr curves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lrlab.present.plotting import PALETTE, apply_layout, decimate, flat_range

PANEL_TITLES = [
    "test accuracy (mean ± std)",
    "test loss (mean ± std)",
    "final accuracy (95% CI)",
    "learning rate",
]
# Two by two: at 1280 px four panels in a row were ~170 px each. (row, col) of each panel.
CELLS = {"acc": (1, 1), "loss": (1, 2), "final": (2, 1), "lr": (2, 2)}
EPOCH_AXIS = "epochs trained"  # one x convention: epoch k ends at k, its lr spans k-1..k
HEIGHT = 760
TOP = 80  # room for Plotly's toolbar above the top-right panel's title


def sweep_figure(
    bands: pd.DataFrame,
    summary: Sequence[Mapping[str, Any]],
    lr: pd.DataFrame,
    labels: Sequence[str],
) -> go.Figure:
    """Four panels, one colour per schedule: test accuracy and test loss per epoch (mean ±
    sample std over seeds), final test accuracy (mean with its 95% interval), and the lr each
    schedule applied (group 0, as recorded in its first run)."""
    fig = make_subplots(
        rows=2,
        cols=2,
        horizontal_spacing=0.12,
        vertical_spacing=0.2,
        subplot_titles=PANEL_TITLES,
    )
    stats = {s["label"]: s for s in summary}
    for i, label in enumerate(labels):
        color = PALETTE[i % len(PALETTE)]
        part = bands[bands["label"] == label].sort_values("epoch")
        if len(part):
            _band(fig, part, "test_acc", color, label, CELLS["acc"])
            _band(fig, part, "test_loss", color, label, CELLS["loss"])
        s = stats.get(label)
        if s and s["mean_test_accuracy"] is not None:
            fig.add_trace(_final_accuracy(s, label, color), *CELLS["final"])
        curve = lr[lr["label"] == label]
        if len(curve):
            fig.add_trace(_lr_line(curve, label, color), *CELLS["lr"])
    # The same epoch axis on the three panels over time: 0 to the last epoch drawn.
    last = max([float(bands["epoch"].max()) + 1 if len(bands) else 0.0, *_lr_ends(lr)])
    for cell in ("acc", "loss", "lr"):
        row, col = CELLS[cell]
        fig.update_xaxes(title_text=EPOCH_AXIS, range=[0, max(last, 1)], row=row, col=col)
    row, col = CELLS["lr"]
    if flat := flat_range([np.asarray(t.y, dtype=float) for t in fig.data if t.xaxis == "x4"]):
        fig.update_yaxes(range=flat, row=row, col=col)  # constant lrs: around their value
    fig.update_yaxes(tickformat=".0%", row=1, col=1)
    row, col = CELLS["final"]
    fig.update_yaxes(tickformat=".0%", row=row, col=col, range=_accuracy_range(summary))
    fig = apply_layout(fig, HEIGHT, None, legend_below=True)
    fig.update_layout(margin={"t": TOP}, legend={"y": -0.1})
    return fig


def _lr_ends(lr: pd.DataFrame) -> list[float]:
    """Where each lr curve ends on the epoch axis: the last step's epoch plus one step."""
    ends = []
    for _, curve in lr.groupby("label", sort=False):
        x = np.sort(curve["epoch"].to_numpy(dtype=float))
        ends.append(float(x[-1] + (x[-1] - x[-2] if len(x) > 1 else 1.0)))
    return ends


def _band(
    fig: go.Figure,
    part: pd.DataFrame,
    metric: str,
    color: str,
    label: str,
    cell: tuple[int, int],
):
    x = part["epoch"].to_numpy() + 1
    mean = part[f"{metric}_mean"].to_numpy(dtype=float)
    std = np.nan_to_num(part[f"{metric}_std"].to_numpy(dtype=float))  # one seed: no band
    upper, lower = mean + std, mean - std
    if metric == "test_acc":  # an accuracy band never reads past 0% or 100%
        upper, lower = np.clip(upper, 0, 1), np.clip(lower, 0, 1)
    else:  # nor a loss band below 0 (mean - std of a seed that blew up reached -1)
        lower = np.maximum(lower, 0.0)
    fig.add_trace(
        go.Scatter(
            x=np.concatenate([x, x[::-1]]),
            y=np.concatenate([upper, lower[::-1]]),
            mode="lines",
            fill="toself",
            fillcolor=_rgba(color, 0.18),
            line={"width": 0},
            hoverinfo="skip",
            legendgroup=label,
            showlegend=False,
            name=f"{label} ± std",
        ),
        *cell,
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=mean,
            mode="lines+markers",
            name=label,
            legendgroup=label,
            showlegend=cell == CELLS["acc"],
            line={"color": color, "width": 3},
            hovertemplate="%{y:.4g}",
        ),
        *cell,
    )


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _final_accuracy(s: Mapping[str, Any], label: str, color: str) -> go.Scatter:
    """The mean final accuracy as a point, with its 95% interval as an error bar when there
    is one (a single run has none)."""
    mean = s["mean_test_accuracy"]
    low, high = s["ci95_low"], s["ci95_high"]
    error = (
        {
            "type": "data",
            "symmetric": False,
            "array": [high - mean],
            "arrayminus": [mean - low],
        }
        if low is not None
        else None
    )
    return go.Scatter(
        x=[label],
        y=[mean],
        mode="markers",
        marker={"color": color, "size": 12},
        error_y=error,
        cliponaxis=False,  # a mean or interval end at 100% is drawn whole on the axis' edge
        legendgroup=label,
        showlegend=False,
        name=label,
        hovertemplate=f"{label}: %{{y:.2%}} (n={s['n']})<extra></extra>",
    )


def _lr_line(curve: pd.DataFrame, label: str, color: str) -> go.Scatter:
    """The recorded lr per step on the epoch axis, decimated so a per-batch curve stays light
    to draw. A step's lr holds until the next step (``hv``), and the last one until the end of
    its step, so the lr of epoch k spans k-1..k, where that epoch's accuracy is drawn at k."""
    x, y = curve["epoch"].to_numpy(dtype=float), curve["lr"].to_numpy(dtype=float)
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    idx = decimate(x, y)
    end = x[-1] + (x[-1] - x[-2] if len(x) > 1 else 1.0)
    return go.Scatter(
        x=np.append(x[idx], end),
        y=np.append(y[idx], y[-1]),
        mode="lines",
        line_shape="hv",
        legendgroup=label,
        showlegend=False,
        name=label,
        line={"color": color, "width": 3},
        hovertemplate="%{y:.4g}",
    )


def _accuracy_range(summary: Sequence[Mapping[str, Any]]) -> list[float]:
    """The intervals' span with a margin, within [0, 1] (the intervals are on the logit scale
    and stay inside it; the margin must not push the axis past 0% or 100%)."""
    values = [
        v
        for s in summary
        for v in (s["ci95_low"], s["ci95_high"], s["mean_test_accuracy"])
        if v is not None
    ]
    if not values:  # nothing finished yet: the whole scale, not plotly's empty -1..4
        return [0.0, 1.0]
    low, high = max(0.0, min(values)), min(1.0, max(values))
    pad = max(0.01, (high - low) * 0.1)
    return [max(0.0, low - pad), min(1.0, high + pad)]
