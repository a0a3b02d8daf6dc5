"""Pure functions from trajectories (DataFrames) to Plotly figures."""

from __future__ import annotations

import functools
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
# A teaching ghost may stretch a log axis at most this many decades below the real curve:
# stepped the wrong way a schedule can reach 1e-294, which would flatten the curve it explains.
GHOST_LOG_DECADES = 2
NORMALIZE = {"off": "off", "initial": "by initial lr", "peak": "by peak lr"}


def decimate(x: np.ndarray, y: np.ndarray, max_points: int = MAX_DRAWN_POINTS) -> np.ndarray:
    """Indices of the points worth drawing: per bucket the first, lowest, highest and last.

    Keeps every peak, drop and restart of a curve (unlike striding), so a 100k-step schedule
    draws with ~2k points and looks the same. Vectorised over equal buckets (the last one
    padded with the final value, which argmin/argmax then never pick over a real point).
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


def _groups(df: pd.DataFrame, columns: Sequence[str]) -> list[tuple[int, dict[str, np.ndarray]]]:
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


def marks_for(config: Mapping[str, Any], df: pd.DataFrame) -> list[tuple[int, str]]:
    """Scheduler steps worth a vertical marker: milestones, restarts, drops and reductions."""
    sched = config["scheduler"]
    spec = SCHEDULERS[sched["name"]]
    marks: dict[int, str] = {}
    for param in spec.marks:
        for m in sched.get(param) or []:
            marks[int(m)] = "switch" if spec.composite else "milestone"
    lr = df.loc[df["group"] == 0, "lr"].to_numpy()
    start = int(df["step"].iloc[0]) if len(df) else 0  # a resumed schedule's first step
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
            marks.setdefault(start + int(t) + 1, "restart")
        for t in drops[:MAX_MARKS]:
            marks.setdefault(start + int(t) + 1, "reduction" if spec.needs_metric else "drop")
    n = int(df["step"].max()) + 1 if len(df) else 0
    return sorted((s, label) for s, label in marks.items() if start < s < n)[:MAX_MARKS]


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


def _axis(kind: str, index: int) -> str:
    """Trace reference ('x', 'x2') or layout key ('xaxis', 'xaxis2') of subplot ``index``."""
    suffix = "" if index == 1 else str(index)
    return f"{kind}{suffix}"


@functools.lru_cache(maxsize=64)
def _base_layout(
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
    starts from this (copied where it changes, never mutated).
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


def _layout(base: dict[str, Any], height: int, title: str | None) -> dict[str, Any]:
    layout = dict(base, height=height, annotations=list(base.get("annotations", ())))
    if title:
        layout["title"] = {"text": title}
        layout["margin"] = {**base["margin"], "t": 60}
    return layout


def _set_axis(layout: dict[str, Any], key: str, **props: Any) -> None:
    layout[key] = {**layout.get(key, {}), **props}


def _figure(data: list[dict[str, Any]], layout: dict[str, Any]) -> go.Figure:
    # The traces and layout are built here from known-good values: skipping Plotly's
    # per-property validation is what makes a 16-group figure fast.
    return go.Figure(data=data, layout=layout, _validate=False)


def _line(x: np.ndarray, y: np.ndarray, shape: str, cell: int = 1, **kw: Any) -> dict[str, Any]:
    idx = decimate(x, y)
    line = {"shape": shape, **kw.pop("line", {})}
    return {
        "type": "scatter",
        "x": np.asarray(x)[idx],
        "y": np.asarray(y)[idx],
        "mode": "lines",
        "line": line,
        "xaxis": _axis("x", cell),
        "yaxis": _axis("y", cell),
        **kw,
    }


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
    heights = (0.6, *([0.4 / (rows - 1)] * (rows - 1))) if rows > 1 else (1.0,)
    names = ("learning rate", *(["momentum / beta1"] * show_mom), *(["metric"] * show_metric))
    base = _base_layout(rows, 1, heights, names if rows > 1 else None, 0.06, False, False)
    layout = _layout(base, 420 + 160 * (rows - 1), title)
    data: list[dict[str, Any]] = []
    shape = "hv" if view["step_per"] == "epoch" else "linear"
    hover = "%{y:.12~g}"  # exact to 12 significant digits, trailing zeros trimmed
    for g, part in _groups(df, ("step", "lr", "momentum")):
        x = x_values(part["step"], view)
        color = PALETTE[int(g) % len(PALETTE)]
        name = f"group {g}"
        data.append(
            _line(
                x,
                part["lr"],
                shape,
                name=f"lr {name}",
                line={"color": color, "width": 3},
                hovertemplate=hover,
            )
        )
        if show_mom:
            data.append(
                _line(
                    x,
                    part["momentum"],
                    shape,
                    2,
                    name=f"momentum {name}",
                    line={"color": color, "width": 2, "dash": "dot"},
                    hovertemplate=hover,
                )
            )
    if show_metric:
        part = df[df["group"] == 0]
        data.append(
            _line(
                x_values(part["step"], view),
                part["metric"].to_numpy(),
                "linear",
                rows,
                name="metric",
                line={"color": "#555555", "width": 2},
                hovertemplate=hover,
            )
        )
    if ghost is not None:
        gv = ghost_view or view
        for g, part in ghost.groupby("group", sort=True):
            data.append(
                _line(
                    x_values(part["step"], gv),
                    part["lr"].to_numpy(),
                    "hv" if gv["step_per"] == "epoch" else "linear",
                    name=f"{ghost_name} (group {g})",
                    line={"color": ghost_color(int(g)), "width": 2, "dash": "dash"},
                    hovertemplate=hover,
                )
            )
    _marks(layout, marks, view, rows)
    _set_axis(layout, _axis("xaxis", rows), title={"text": x_label(view)})
    _set_axis(
        layout,
        "yaxis",
        title={"text": "lr"},
        type="log" if view["log_y"] else "linear",
        exponentformat="power",
    )
    if view["log_y"] and ghost is not None:
        log_range = ghost_log_range(df["lr"].to_numpy(), ghost["lr"].to_numpy())
        if log_range:
            _set_axis(layout, "yaxis", range=log_range)
    return _figure(data, layout)


def _marks(
    layout: dict[str, Any], marks: Sequence[tuple[int, str]], view: Mapping[str, Any], rows: int
) -> None:
    """Dotted vertical lines through every panel, labelled in the top one."""
    if not marks:
        return
    xs = x_values(np.array([step for step, _ in marks]), view)
    shapes = list(layout.get("shapes", ()))
    for x, (_, label) in zip(xs, marks, strict=True):
        x = float(x)
        for r in range(1, rows + 1):
            shapes.append(
                {
                    "type": "line",
                    "x0": x,
                    "x1": x,
                    "xref": _axis("x", r),
                    "y0": 0,
                    "y1": 1,
                    "yref": f"{_axis('y', r)} domain",
                    "line": {"color": "#999999", "width": 1, "dash": "dot"},
                }
            )
        layout["annotations"].append(
            {
                "x": x,
                "y": 1,
                "xref": "x",
                "yref": "y domain",
                "text": label,
                "showarrow": False,
                "font": {"size": 11, "color": "#666666"},
                "textangle": -90,
                "xanchor": "right",
            }
        )
    layout["shapes"] = shapes


def ghost_color(group: int) -> str:
    """A teaching ghost's colour: vermillion for group 0, then colours no lr line of the
    first groups uses, so two groups' ghosts never look alike."""
    order = (5, 6, 3, 7, 4, 2, 1, 0)  # vermillion, black, pink, yellow, sky, green, ...
    return PALETTE[order[group % len(order)]]


def ghost_log_range(lr: np.ndarray, ghost: np.ndarray) -> list[float] | None:
    """The log10 y range for a curve and its ghost: the ghost may extend it by at most
    GHOST_LOG_DECADES decades, so a ghost at 1e-294 cannot squash the real curve."""
    real = lr[np.isfinite(lr) & (lr > 0)]
    if not len(real):
        return None
    both = np.concatenate([real, ghost[np.isfinite(ghost) & (ghost > 0)]])
    lo = max(both.min(), real.min() / 10**GHOST_LOG_DECADES)
    hi = min(both.max(), real.max() * 10**GHOST_LOG_DECADES)
    pad = 0.05 * max(math.log10(hi / lo), 1.0)
    return [math.log10(lo) - pad, math.log10(hi) + pad]


def _short(name: str, limit: int = 30) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def normalize_mode(value: Any) -> str:
    """A normalisation setting from a link: older links said true/false (by initial lr)."""
    if value is True:
        return "initial"
    return value if value in NORMALIZE else "off"


def _normalized(y: np.ndarray, mode: str) -> np.ndarray:
    base = {"initial": y[0] if len(y) else 0.0, "peak": y.max() if len(y) else 0.0}.get(mode)
    return y / base if base else y


def compare_figure(
    items: Sequence[Mapping[str, Any]],
    *,
    layout: str = "overlay",
    log_y: bool = False,
    normalize: str | bool = "off",
    momentum: bool = False,
) -> go.Figure:
    """Several schedules (dicts with name, color, df, view): overlaid or as small multiples.

    ``normalize``: "off", "initial" (divide by the first lr) or "peak" (by the highest)."""
    normalize = normalize_mode(normalize)
    show_mom = momentum and any(
        "momentum" in it["df"] and it["df"]["momentum"].nunique() > 1 for it in items
    )
    grid = layout == "grid"
    if grid:
        cols = 2 if len(items) > 1 else 1
        rows = max(1, math.ceil(len(items) / cols))
        # Beside each other in half a page, long names would run into each other.
        titles = tuple(_short(it["name"]) for it in items)
        base = _base_layout(rows, cols, None, titles or None, 0.12, True, True)
        cells = [(i // cols) * cols + i % cols + 1 for i in range(len(items))]
        height = 300 * rows + 80
    else:
        cols = 1
        rows = 2 if show_mom else 1
        heights = (0.65, 0.35) if show_mom else (1.0,)
        base = _base_layout(rows, 1, heights, None, 0.08, False, False)
        cells = [1] * len(items)
        height = 520 + 180 * show_mom
    fig_layout = _layout(base, height, None)
    data: list[dict[str, Any]] = []
    for it, cell in zip(items, cells, strict=True):
        data.extend(_compare_traces(it, cell, normalize, show_mom and not grid))
    for i in range(1, rows * cols + 1):
        _set_axis(fig_layout, _axis("yaxis", i), type="log" if log_y else "linear")
        _set_axis(fig_layout, _axis("yaxis", i), exponentformat="power")
    y_title = {"initial": "lr / initial lr", "peak": "lr / peak lr"}.get(normalize, "lr")
    _set_axis(fig_layout, "yaxis", title={"text": y_title})
    if show_mom and not grid:
        _set_axis(fig_layout, "yaxis2", type="linear", title={"text": "momentum"})
    if items:
        _set_axis(
            fig_layout,
            _axis("xaxis", (rows - 1) * cols + 1),
            title={"text": x_label(items[0]["view"])},
        )
    if grid:
        # Small multiples: each panel's title names its schedule, so a legend above would only
        # cover the first title. It is needed (below the panels) only to tell groups apart.
        several_groups = any(it["df"]["group"].nunique() > 1 for it in items)
        fig_layout["height"] = height + 40
        fig_layout["showlegend"] = several_groups
        fig_layout["margin"] = {**fig_layout["margin"], "b": 90 if several_groups else 50}
        fig_layout["annotations"] = [
            {**a, "font": {**a.get("font", {}), "size": 13}} for a in fig_layout["annotations"]
        ]
    return _figure(data, fig_layout)


def _compare_traces(
    it: Mapping[str, Any], cell: int, normalize: str, momentum: bool
) -> list[dict[str, Any]]:
    df, view = it["df"], it["view"]
    shape = "hv" if view["step_per"] == "epoch" else "linear"
    out = []
    for g, part in _groups(df, ("step", "lr", "momentum")):
        y = _normalized(part["lr"], normalize)
        dash = ("solid", "dash", "dot", "dashdot")[int(g) % 4]
        label = it["name"] if g == 0 else f"{it['name']} · group {g}"
        x = x_values(part["step"], view)
        out.append(
            _line(
                x,
                y,
                shape,
                cell,
                name=label,
                legendgroup=it["name"],
                line={"color": it["color"], "width": 3, "dash": dash},
                hovertemplate="%{y:.12~g}",
            )
        )
        if momentum and "momentum" in part and g == 0:
            out.append(
                _line(
                    x,
                    part["momentum"],
                    shape,
                    2,
                    name=f"{it['name']} momentum",
                    legendgroup=it["name"],
                    showlegend=False,
                    line={"color": it["color"], "width": 2, "dash": "dot"},
                )
            )
    return out
