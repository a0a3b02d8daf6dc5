"""What every lrlab figure shares: the palette and house style, decimation for drawing, a
subplot layout built once per shape, and traces as plain dicts.

Figures are assembled from plain dicts and handed to Plotly without its per-property
validation (:func:`figure`): the values are built here from known-good inputs, and validating
them was most of the cost of a 16-group figure.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

# Okabe & Ito's palette: distinguishable with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")
MAX_DRAWN_POINTS = 2000
FONT = {"size": 15}
HOVER = "%{y:.12~g}"  # exact to 12 significant digits, trailing zeros trimmed


def decimate(x: np.ndarray, y: np.ndarray, max_points: int = MAX_DRAWN_POINTS) -> np.ndarray:
    """Indices of the points worth drawing: per bucket the first, lowest, highest and last.

    Keeps every peak, drop and restart of a curve (unlike striding), so a 100k-step schedule
    draws with ~2k points and looks the same. Vectorised over equal buckets (the last one
    padded with the final value, which argmin/argmax then never pick over a real point).
    Only what is drawn is decimated: tables and exports keep every point.
    """
    n = len(y)
    if n <= max_points:
        return np.arange(n)
    y = np.asarray(y)
    size = math.ceil(n / (max_points // 4))
    buckets = math.ceil(n / size)
    padded = np.concatenate([y, np.full(buckets * size - n, y[-1])]).reshape(buckets, size)
    lo = np.arange(buckets) * size
    hi = np.minimum(lo + size, n) - 1
    keep = np.stack([lo, lo + padded.argmin(axis=1), lo + padded.argmax(axis=1), hi], axis=1)
    keep = np.sort(keep, axis=1).ravel()  # buckets are in order, so this is sorted
    return keep[np.concatenate([[True], keep[1:] != keep[:-1]])]


def group_arrays(
    df: pd.DataFrame, columns: Sequence[str]
) -> list[tuple[int, dict[str, np.ndarray]]]:
    """Per parameter group (ascending), its rows' columns as arrays, in row order.

    One stable sort instead of a pandas groupby: cheaper for 16 groups of 10k rows.
    """
    groups = df["group"].to_numpy()
    order = np.argsort(groups, kind="stable")
    ids, starts = np.unique(groups[order], return_index=True)
    arrays = {c: df[c].to_numpy()[order] for c in columns if c in df}
    bounds = [*starts[1:], len(order)]
    return [
        (int(g), {c: a[lo:hi] for c, a in arrays.items()})
        for g, lo, hi in zip(ids, starts, bounds, strict=True)
    ]


def step_shape(view: Mapping[str, Any]) -> str:
    """Line shape: a value set once per epoch holds for the epoch (a step), per batch it ramps."""
    return "hv" if view["step_per"] == "epoch" else "linear"


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


def axis_ref(kind: str, index: int) -> str:
    """Trace reference ('x', 'x2') or layout key ('xaxis', 'xaxis2') of subplot ``index``."""
    suffix = "" if index == 1 else str(index)
    return f"{kind}{suffix}"


@functools.lru_cache(maxsize=64)
def base_layout(
    rows: int,
    cols: int,
    row_heights: tuple[float, ...] | None,
    titles: tuple[str, ...] | None,
    spacing: float,
    shared_y: bool,
    legend_below: bool,
) -> dict[str, Any]:
    """The subplot grid and house style as a plain dict, built by Plotly once per shape.

    make_subplots and the template cost tens of ms per figure; every figure of the same shape
    starts from this (copied where it changes, never mutated: see :func:`sized_layout`).
    """
    fig = make_subplots(
        rows=rows,
        cols=cols,
        shared_xaxes=True,
        shared_yaxes=shared_y,
        vertical_spacing=spacing,
        row_heights=list(row_heights) if row_heights else None,
        subplot_titles=list(titles) if titles else None,
    )
    return apply_layout(fig, 400, None, legend_below).to_dict()["layout"]


def sized_layout(base: dict[str, Any], height: int, title: str | None) -> dict[str, Any]:
    """A figure's own copy of a cached base layout, at its height and with its title."""
    layout = dict(base, height=height, annotations=list(base.get("annotations", ())))
    if title:
        layout["title"] = {"text": title}
        layout["margin"] = {**base["margin"], "t": 60}
    return layout


def set_axis(layout: dict[str, Any], key: str, **props: Any) -> None:
    """Merge ``props`` into one axis of a layout (a new dict: the cached base stays as is)."""
    layout[key] = {**layout.get(key, {}), **props}


def figure(data: list[dict[str, Any]], layout: dict[str, Any]) -> go.Figure:
    """The figure of traces and a layout built by this package, without re-validating them."""
    return go.Figure(data=data, layout=layout, _validate=False)


def line_trace(
    x: np.ndarray, y: np.ndarray, shape: str, cell: int = 1, **kw: Any
) -> dict[str, Any]:
    """A line in subplot ``cell``, decimated for drawing; ``kw`` are Plotly trace properties
    (``line`` is merged with the shape)."""
    idx = decimate(x, y)
    line = {"shape": shape, **kw.pop("line", {})}
    return {
        "type": "scatter",
        "x": np.asarray(x)[idx],
        "y": np.asarray(y)[idx],
        "mode": "lines",
        "line": line,
        "xaxis": axis_ref("x", cell),
        "yaxis": axis_ref("y", cell),
        **kw,
    }


def flat_range(values: Sequence[np.ndarray], log: bool = False) -> list[float] | None:
    """The y range for a curve that never changes, or None when it does (Plotly's autorange
    then fits it). Plotly draws a flat line on an axis around -1..1, so a constant lr of 0.05
    was unreadable and the axis showed negative lrs: a flat curve gets 0..2x its value on a
    linear axis (never below 0 for a positive value) and one decade either side on a log one."""
    finite = [a[np.isfinite(a)] for a in (np.asarray(v, dtype=float) for v in values)]
    finite = [a for a in finite if a.size]
    if not finite:
        return None
    lo = min(float(a.min()) for a in finite)
    hi = max(float(a.max()) for a in finite)
    if hi - lo > 1e-9 * max(abs(hi), abs(lo)):
        return None
    if log:
        return [math.log10(hi) - 1, math.log10(hi) + 1] if hi > 0 else None
    if hi > 0:
        return [0.0, 2 * hi]
    return [2 * hi, 0.0] if hi < 0 else [0.0, 1.0]
