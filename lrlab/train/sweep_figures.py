"""Figures of a sweep: pure functions from its per-epoch bands, summary and lr curves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lrlab.present.plotting import PALETTE, apply_layout, decimate

PANEL_TITLES = [
    "test accuracy (mean ± std)",
    "test loss (mean ± std)",
    "final accuracy (95% CI)",
    "learning rate",
]


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
        rows=1,
        cols=4,
        horizontal_spacing=0.06,
        column_widths=[0.28, 0.28, 0.2, 0.24],
        subplot_titles=PANEL_TITLES,
    )
    stats = {s["label"]: s for s in summary}
    for i, label in enumerate(labels):
        color = PALETTE[i % len(PALETTE)]
        part = bands[bands["label"] == label].sort_values("epoch")
        if len(part):
            _band(fig, part, "test_acc", color, label, 1)
            _band(fig, part, "test_loss", color, label, 2)
        s = stats.get(label)
        if s and s["mean_test_accuracy"] is not None:
            fig.add_trace(_final_accuracy(s, label, color), 1, 3)
        curve = lr[lr["label"] == label]
        if len(curve):
            fig.add_trace(_lr_line(curve, label, color), 1, 4)
    for col in (1, 2, 4):
        fig.update_xaxes(title_text="epoch", row=1, col=col)
    fig.update_yaxes(tickformat=".0%", row=1, col=1)
    fig.update_yaxes(tickformat=".0%", row=1, col=3, range=_accuracy_range(summary))
    return apply_layout(fig, 460, None, legend_below=True)


def _band(fig: go.Figure, part: pd.DataFrame, metric: str, color: str, label: str, col: int):
    x = part["epoch"].to_numpy() + 1
    mean = part[f"{metric}_mean"].to_numpy(dtype=float)
    std = np.nan_to_num(part[f"{metric}_std"].to_numpy(dtype=float))  # one seed: no band
    fig.add_trace(
        go.Scatter(
            x=np.concatenate([x, x[::-1]]),
            y=np.concatenate([mean + std, (mean - std)[::-1]]),
            mode="lines",
            fill="toself",
            fillcolor=_rgba(color, 0.18),
            line={"width": 0},
            hoverinfo="skip",
            legendgroup=label,
            showlegend=False,
            name=f"{label} ± std",
        ),
        1,
        col,
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=mean,
            mode="lines+markers",
            name=label,
            legendgroup=label,
            showlegend=col == 1,
            line={"color": color, "width": 3},
            hovertemplate="%{y:.4g}",
        ),
        1,
        col,
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
        legendgroup=label,
        showlegend=False,
        name=label,
        hovertemplate=f"{label}: %{{y:.2%}} (n={s['n']})<extra></extra>",
    )


def _lr_line(curve: pd.DataFrame, label: str, color: str) -> go.Scatter:
    """The recorded lr per epoch, decimated so a per-batch curve stays light to draw."""
    x, y = curve["epoch"].to_numpy(dtype=float), curve["lr"].to_numpy(dtype=float)
    idx = decimate(x, y)
    return go.Scatter(
        x=x[idx],
        y=y[idx],
        mode="lines",
        legendgroup=label,
        showlegend=False,
        name=label,
        line={"color": color, "width": 3},
        hovertemplate="%{y:.4g}",
    )


def _accuracy_range(summary: Sequence[Mapping[str, Any]]) -> list[float]:
    """The intervals' span, clipped to [0, 1]: with two seeds a Student-t interval can reach
    past 100%, which no accuracy can."""
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
