"""Pure functions from trajectories (DataFrames) to Plotly figures."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lrlab.catalog import SCHEDULERS
from lrlab.core.view import x_label, x_values

# Okabe & Ito's palette: distinguishable with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")
MAX_DRAWN_POINTS = 2000
FONT = {"size": 15}
MAX_MARKS = 40


def decimate(x: np.ndarray, y: np.ndarray, max_points: int = MAX_DRAWN_POINTS) -> np.ndarray:
    """Indices of the points worth drawing: per bucket the first, lowest, highest and last.

    Keeps every peak, drop and restart of a curve (unlike striding), so a 100k-step schedule
    draws with ~2k points and looks the same.
    """
    n = len(y)
    if n <= max_points:
        return np.arange(n)
    buckets = max_points // 4
    edges = np.linspace(0, n, buckets + 1).astype(np.int64)
    keep = []
    for lo, hi in itertools.pairwise(edges):
        seg = y[lo:hi]
        keep.extend((lo, lo + int(np.argmin(seg)), lo + int(np.argmax(seg)), hi - 1))
    return np.unique(np.asarray(keep))


def marks_for(config: Mapping[str, Any], df: pd.DataFrame) -> list[tuple[int, str]]:
    """Scheduler steps worth a vertical marker: milestones, restarts, drops and reductions."""
    sched = config["scheduler"]
    spec = SCHEDULERS[sched["name"]]
    marks: dict[int, str] = {}
    for param in spec.marks:
        for m in sched.get(param) or []:
            marks[int(m)] = "switch" if spec.composite else "milestone"
    lr = df.loc[df["group"] == 0, "lr"].to_numpy()
    if len(lr) > 2:
        # Discontinuities only: a jump up right after a fall is a restart; a big fall after a
        # flat stretch is a drop. Smooth ramps and cosine tails are not marked.
        d = np.diff(lr)
        before = np.concatenate([[0.0], d[:-1]])
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(lr[:-1] > 0, lr[1:] / lr[:-1], np.inf)
        restarts = np.flatnonzero((ratio >= 1.5) & (before < 0))
        if spec.needs_metric:
            drops = np.flatnonzero(d < 0)
        else:
            drops = np.flatnonzero((ratio <= 2 / 3) & (before == 0))
        for t in restarts[:MAX_MARKS]:
            marks.setdefault(int(t) + 1, "restart")
        for t in drops[:MAX_MARKS]:
            marks.setdefault(int(t) + 1, "reduction" if spec.needs_metric else "drop")
    n = int(df["step"].max()) + 1 if len(df) else 0
    return sorted((s, label) for s, label in marks.items() if 0 < s < n)[:MAX_MARKS]


def apply_layout(
    fig: go.Figure, height: int, title: str | None, legend_below: bool = False
) -> go.Figure:
    """The house style: white, large type for projectors, one legend row."""
    if legend_below:  # figures with subplot titles: keep the legend off them
        legend = {"orientation": "h", "yanchor": "top", "y": -0.14, "x": 0}
    else:
        legend = {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0}
    fig.update_layout(
        template="plotly_white",
        height=height,
        font=FONT,
        hovermode="x unified",
        margin={"l": 70, "r": 20, "t": 60 if title else 30, "b": 50},
        legend=legend,
        title={"text": title} if title else None,
    )
    return fig


def _line(x: np.ndarray, y: np.ndarray, shape: str, **kw: Any) -> go.Scatter:
    idx = decimate(x, y)
    return go.Scatter(x=x[idx], y=y[idx], mode="lines", line_shape=shape, **kw)


def lr_figure(
    df: pd.DataFrame,
    view: Mapping[str, Any],
    *,
    marks: Sequence[tuple[int, str]] = (),
    ghost: pd.DataFrame | None = None,
    ghost_name: str = "",
    ghost_view: Mapping[str, Any] | None = None,
    title: str | None = None,
) -> go.Figure:
    """The lr of every group; momentum and the plateau metric in panels below when present."""
    show_mom = "momentum" in df and df["momentum"].nunique() > 1
    show_metric = "metric" in df
    rows = 1 + show_mom + show_metric
    heights = [0.6, *([0.4 / (rows - 1)] * (rows - 1))] if rows > 1 else [1.0]
    names = ["learning rate", *(["momentum / beta1"] * show_mom), *(["metric"] * show_metric)]
    fig = make_subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        row_heights=heights,
        subplot_titles=names if rows > 1 else None,
    )
    shape = "hv" if view["step_per"] == "epoch" else "linear"
    hover = "%{y:.12~g}"  # exact to 12 significant digits, trailing zeros trimmed
    for g, part in df.groupby("group", sort=True):
        x = x_values(part["step"], view)
        color = PALETTE[int(g) % len(PALETTE)]
        name = f"group {g}"
        fig.add_trace(
            _line(
                x,
                part["lr"].to_numpy(),
                shape,
                name=f"lr {name}",
                line={"color": color, "width": 3},
                hovertemplate=hover,
            ),
            1,
            1,
        )
        if show_mom:
            fig.add_trace(
                _line(
                    x,
                    part["momentum"].to_numpy(),
                    shape,
                    name=f"momentum {name}",
                    line={"color": color, "width": 2, "dash": "dot"},
                    hovertemplate=hover,
                ),
                2,
                1,
            )
    if show_metric:
        part = df[df["group"] == 0]
        fig.add_trace(
            _line(
                x_values(part["step"], view),
                part["metric"].to_numpy(),
                "linear",
                name="metric",
                line={"color": "#555555", "width": 2},
                hovertemplate=hover,
            ),
            rows,
            1,
        )
    if ghost is not None:
        gv = ghost_view or view
        for g, part in ghost.groupby("group", sort=True):
            fig.add_trace(
                _line(
                    x_values(part["step"], gv),
                    part["lr"].to_numpy(),
                    "hv" if gv["step_per"] == "epoch" else "linear",
                    name=f"{ghost_name} (group {g})",
                    line={"color": "#D55E00", "width": 2, "dash": "dash"},
                    hovertemplate=hover,
                ),
                1,
                1,
            )
    for step, label in marks:
        x = float(x_values(np.array([step]), view)[0])
        fig.add_vline(x=x, line={"color": "#999999", "width": 1, "dash": "dot"}, row="all")
        fig.add_annotation(
            x=x,
            y=1,
            yref="y domain",
            text=label,
            showarrow=False,
            font={"size": 11, "color": "#666666"},
            textangle=-90,
            xanchor="right",
        )
    fig.update_xaxes(title_text=x_label(view), row=rows, col=1)
    fig.update_yaxes(
        title_text="lr",
        type="log" if view["log_y"] else "linear",
        row=1,
        col=1,
        exponentformat="power",
    )
    return apply_layout(fig, 420 + 160 * (rows - 1), title)


def compare_figure(
    items: Sequence[Mapping[str, Any]],
    *,
    layout: str = "overlay",
    log_y: bool = False,
    normalize: bool = False,
    momentum: bool = False,
) -> go.Figure:
    """Several schedules (dicts with name, color, df, view): overlaid or as small multiples."""
    show_mom = momentum and any(
        "momentum" in it["df"] and it["df"]["momentum"].nunique() > 1 for it in items
    )
    if layout == "grid":
        cols = 2 if len(items) > 1 else 1
        rows = max(1, math.ceil(len(items) / cols))
        fig = make_subplots(
            rows=rows,
            cols=cols,
            shared_xaxes=True,
            shared_yaxes=True,
            subplot_titles=[it["name"] for it in items],
            vertical_spacing=0.12,
        )
        cells = [(i // cols + 1, i % cols + 1) for i in range(len(items))]
        height = 300 * rows + 80
    else:
        rows = 2 if show_mom else 1
        fig = make_subplots(
            rows=rows,
            cols=1,
            shared_xaxes=True,
            vertical_spacing=0.08,
            row_heights=[0.65, 0.35] if show_mom else [1.0],
        )
        cells = [(1, 1)] * len(items)
        height = 520 + 180 * show_mom
    for it, (r, c) in zip(items, cells, strict=True):
        df, view = it["df"], it["view"]
        shape = "hv" if view["step_per"] == "epoch" else "linear"
        for g, part in df.groupby("group", sort=True):
            y = part["lr"].to_numpy()
            if normalize and y[0] > 0:
                y = y / y[0]
            dash = ("solid", "dash", "dot", "dashdot")[int(g) % 4]
            label = it["name"] if g == 0 else f"{it['name']} · group {g}"
            x = x_values(part["step"], view)
            fig.add_trace(
                _line(
                    x,
                    y,
                    shape,
                    name=label,
                    legendgroup=it["name"],
                    line={"color": it["color"], "width": 3, "dash": dash},
                    hovertemplate="%{y:.12~g}",
                ),
                r,
                c,
            )
            if show_mom and layout != "grid" and "momentum" in part and g == 0:
                fig.add_trace(
                    _line(
                        x,
                        part["momentum"].to_numpy(),
                        shape,
                        name=f"{it['name']} momentum",
                        legendgroup=it["name"],
                        showlegend=False,
                        line={"color": it["color"], "width": 2, "dash": "dot"},
                    ),
                    2,
                    1,
                )
    fig.update_yaxes(type="log" if log_y else "linear", exponentformat="power")
    fig.update_yaxes(title_text="lr / initial lr" if normalize else "lr", row=1, col=1)
    if show_mom and layout != "grid":
        fig.update_yaxes(type="linear", title_text="momentum", row=2, col=1)
    if items:
        fig.update_xaxes(title_text=x_label(items[0]["view"]), row=rows, col=1)
    return apply_layout(fig, height, None)
