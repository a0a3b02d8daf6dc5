"""One schedule's figure: the lr of every group, momentum and plateau-metric panels, markers
where the schedule changes, and a teaching ghost. Pure functions from DataFrames to Plotly.

Shared plumbing (palette, decimation, layouts, trace dicts) is in :mod:`lrlab.present.plotting`;
the comparison of several schedules in :mod:`lrlab.present.compare_chart`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lrlab.catalog import SCHEDULERS
from lrlab.core.view import x_label, x_values
from lrlab.present.plotting import (
    HOVER,
    PALETTE,
    axis_ref,
    base_layout,
    figure,
    flat_range,
    group_arrays,
    line_trace,
    set_axis,
    sized_layout,
    step_shape,
)

MAX_MARKS = 40
# A teaching ghost may stretch a log axis at most this many decades below the real curve:
# stepped the wrong way a schedule can reach 1e-294, which would flatten the curve it explains.
GHOST_LOG_DECADES = 2


def marks_for(config: Mapping[str, Any], df: pd.DataFrame) -> list[tuple[int, str]]:
    """Scheduler steps worth a vertical marker: milestones, restarts, drops and reductions
    (the first ``MAX_MARKS``: :func:`marks_note` says when there are more)."""
    return all_marks(config, df)[:MAX_MARKS]


def marks_note(config: Mapping[str, Any], df: pd.DataFrame) -> str | None:
    """A sentence when the chart's markers stop before the curve's events do (warm restarts
    stepped per batch restart hundreds of times), so a missing marker is never taken for a
    missing restart."""
    every = all_marks(config, df)
    if len(every) <= MAX_MARKS:
        return None
    last = every[MAX_MARKS - 1][0]
    kinds = " and ".join(sorted({label for _, label in every}))
    return (
        f"Markers ({kinds}) are drawn for the first {MAX_MARKS} of {len(every):,}, up to "
        f"scheduler step {last:,}; the curve itself shows every step."
    )


def all_marks(config: Mapping[str, Any], df: pd.DataFrame) -> list[tuple[int, str]]:
    """Every marker of :func:`marks_for`, uncapped, in step order."""
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
        for t in restarts:
            marks.setdefault(start + int(t) + 1, "restart")
        for t in drops:
            marks.setdefault(start + int(t) + 1, "reduction" if spec.needs_metric else "drop")
    n = int(df["step"].max()) + 1 if len(df) else 0
    return sorted((s, label) for s, label in marks.items() if start < s < n)


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
    """The lr of every group; momentum and the plateau metric in panels below when present.

    ``ghost`` (a trajectory stepped another way, ``ghost_view`` its view) is drawn dashed over
    the lr panel under the name ``ghost_name``."""
    show_mom = "momentum" in df and df["momentum"].nunique() > 1
    show_metric = "metric" in df
    rows = 1 + show_mom + show_metric
    layout = _panels_layout(show_mom, show_metric, title)
    data = _group_traces(df, view, show_mom)
    if show_metric:
        data.append(_metric_trace(df, view, rows))
    if ghost is not None:
        data.extend(_ghost_traces(ghost, ghost_view or view, ghost_name))
    _marks(layout, marks, view, rows)
    _lr_axes(layout, view, rows)
    if view["log_y"] and ghost is not None:
        log_range = ghost_log_range(df["lr"].to_numpy(), ghost["lr"].to_numpy())
        if log_range:
            set_axis(layout, "yaxis", range=log_range)
    drawn = [df["lr"].to_numpy()] + ([ghost["lr"].to_numpy()] if ghost is not None else [])
    if flat := flat_range(drawn, view["log_y"]):
        set_axis(layout, "yaxis", range=flat)
    return figure(data, layout)


def _panels_layout(show_mom: bool, show_metric: bool, title: str | None) -> dict[str, Any]:
    """The lr panel on top (60% of the height), then momentum and metric panels if shown."""
    rows = 1 + show_mom + show_metric
    heights = (0.6, *([0.4 / (rows - 1)] * (rows - 1))) if rows > 1 else (1.0,)
    names = ("learning rate", *(["momentum / beta1"] * show_mom), *(["metric"] * show_metric))
    base = base_layout(rows, 1, heights, names if rows > 1 else None, 0.06, False, False)
    return sized_layout(base, 420 + 160 * (rows - 1), title)


def _group_traces(df: pd.DataFrame, view: Mapping[str, Any], momentum: bool) -> list[dict]:
    """Each group's lr in its palette colour, and its momentum dotted in panel 2."""
    shape = step_shape(view)
    data = []
    for g, part in group_arrays(df, ("step", "lr", "momentum")):
        x = x_values(part["step"], view)
        color = PALETTE[g % len(PALETTE)]
        line = {"color": color, "width": 3}
        data.append(
            line_trace(x, part["lr"], shape, name=f"lr group {g}", line=line, hovertemplate=HOVER)
        )
        if momentum:
            data.append(
                line_trace(
                    x,
                    part["momentum"],
                    shape,
                    2,
                    name=f"momentum group {g}",
                    line={"color": color, "width": 2, "dash": "dot"},
                    hovertemplate=HOVER,
                )
            )
    return data


def _metric_trace(df: pd.DataFrame, view: Mapping[str, Any], row: int) -> dict[str, Any]:
    """The plateau metric ReduceLROnPlateau saw (the same for every group: group 0's rows)."""
    part = df[df["group"] == 0]
    return line_trace(
        x_values(part["step"], view),
        part["metric"].to_numpy(),
        "linear",
        row,
        name="metric",
        line={"color": "#555555", "width": 2},
        hovertemplate=HOVER,
    )


def _ghost_traces(ghost: pd.DataFrame, view: Mapping[str, Any], name: str) -> list[dict]:
    shape = step_shape(view)
    return [
        line_trace(
            x_values(part["step"], view),
            part["lr"].to_numpy(),
            shape,
            name=f"{name} (group {g})",
            line={"color": ghost_color(int(g)), "width": 2, "dash": "dash"},
            hovertemplate=HOVER,
        )
        for g, part in ghost.groupby("group", sort=True)
    ]


def _lr_axes(layout: dict[str, Any], view: Mapping[str, Any], rows: int) -> None:
    """The x title under the bottom panel; the lr axis linear or log, in powers of ten."""
    set_axis(layout, axis_ref("xaxis", rows), title={"text": x_label(view)})
    set_axis(
        layout,
        "yaxis",
        title={"text": "lr"},
        type="log" if view["log_y"] else "linear",
        exponentformat="power",
    )


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
        shapes.extend(_mark_line(x, r) for r in range(1, rows + 1))
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


def _mark_line(x: float, row: int) -> dict[str, Any]:
    return {
        "type": "line",
        "x0": x,
        "x1": x,
        "xref": axis_ref("x", row),
        "y0": 0,
        "y1": 1,
        "yref": f"{axis_ref('y', row)} domain",
        "line": {"color": "#999999", "width": 1, "dash": "dot"},
    }


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
