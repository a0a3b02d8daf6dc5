"""Several schedules in one figure: overlaid (with an optional momentum panel) or as small
multiples, optionally normalised by each curve's initial or peak lr."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import plotly.graph_objects as go

from lrlab.core.view import x_label, x_values
from lrlab.present.plotting import (
    HOVER,
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

NORMALIZE = {"off": "off", "initial": "by initial lr", "peak": "by peak lr"}
DASHES = ("solid", "dash", "dot", "dashdot")  # parameter groups of one schedule


class _Panels(NamedTuple):
    base: dict[str, Any]  # the cached subplot layout
    cells: list[int]  # each schedule's subplot
    rows: int
    cols: int
    height: int


def normalize_mode(value: Any) -> str:
    """A normalisation setting from a link: older links said true/false (by initial lr)."""
    if value is True:
        return "initial"
    return value if value in NORMALIZE else "off"


def compare_figure(
    items: Sequence[Mapping[str, Any]],
    *,
    layout: str = "overlay",
    log_y: bool = False,
    normalize: str | bool = "off",
    momentum: bool = False,
) -> go.Figure:
    """Several schedules (dicts with name, color, df, view): overlaid or as small multiples.

    ``normalize``: "off", "initial" (divide by the first lr) or "peak" (by the highest).
    ``momentum`` adds a momentum panel under an overlay when some schedule's momentum moves."""
    normalize = normalize_mode(normalize)
    grid = layout == "grid"
    show_mom = (
        not grid
        and momentum
        and any("momentum" in it["df"] and it["df"]["momentum"].nunique() > 1 for it in items)
    )
    panels = _grid_panels(items) if grid else _overlay_panels(len(items), show_mom)
    fig_layout = sized_layout(panels.base, panels.height, None)
    data = [
        trace
        for it, cell in zip(items, panels.cells, strict=True)
        for trace in _schedule_traces(it, cell, normalize, show_mom)
    ]
    _axes(fig_layout, panels, log_y, normalize, show_mom)
    lrs = [t["y"] for t in data if not (show_mom and t["yaxis"] == "y2")]
    if flat := flat_range(lrs, log_y):  # one range for every lr panel (grids share y)
        for i in range(1, (1 if show_mom else panels.rows * panels.cols) + 1):
            set_axis(fig_layout, axis_ref("yaxis", i), range=flat)
    if items:
        bottom_left = (panels.rows - 1) * panels.cols + 1
        set_axis(
            fig_layout, axis_ref("xaxis", bottom_left), title={"text": x_label(items[0]["view"])}
        )
    if grid:
        _small_multiples_style(fig_layout, items, panels.height)
    return figure(data, fig_layout)


def _overlay_panels(count: int, momentum: bool) -> _Panels:
    heights = (0.65, 0.35) if momentum else (1.0,)
    base = base_layout(1 + momentum, 1, heights, None, 0.08, False, False)
    return _Panels(base, [1] * count, 1 + momentum, 1, 520 + 180 * momentum)


def _grid_panels(items: Sequence[Mapping[str, Any]]) -> _Panels:
    """Two columns (one for a single schedule), a panel per schedule titled with its name."""
    cols = 2 if len(items) > 1 else 1
    rows = max(1, math.ceil(len(items) / cols))
    # Beside each other in half a page, long names would run into each other.
    titles = tuple(_short(it["name"]) for it in items)
    base = base_layout(rows, cols, None, titles or None, 0.12, True, True)
    return _Panels(base, list(range(1, len(items) + 1)), rows, cols, 300 * rows + 80)


def _axes(
    layout: dict[str, Any], panels: _Panels, log_y: bool, normalize: str, momentum: bool
) -> None:
    for i in range(1, panels.rows * panels.cols + 1):
        set_axis(layout, axis_ref("yaxis", i), type="log" if log_y else "linear")
        set_axis(layout, axis_ref("yaxis", i), exponentformat="power")
    y_title = {"initial": "lr / initial lr", "peak": "lr / peak lr"}.get(normalize, "lr")
    set_axis(layout, "yaxis", title={"text": y_title})
    if momentum:
        set_axis(layout, "yaxis2", type="linear", title={"text": "momentum"})


def _small_multiples_style(
    layout: dict[str, Any], items: Sequence[Mapping[str, Any]], height: int
) -> None:
    """Each panel's title names its schedule, so a legend above would only cover the first
    title: the legend is shown (below the panels) only to tell groups apart."""
    several_groups = any(it["df"]["group"].nunique() > 1 for it in items)
    layout["height"] = height + 40
    layout["showlegend"] = several_groups
    layout["margin"] = {**layout["margin"], "b": 90 if several_groups else 50}
    layout["annotations"] = [
        {**a, "font": {**a.get("font", {}), "size": 13}} for a in layout["annotations"]
    ]


def _schedule_traces(
    it: Mapping[str, Any], cell: int, normalize: str, momentum: bool
) -> list[dict[str, Any]]:
    """One schedule's groups in its colour (a dash per group), and group 0's momentum."""
    df, view = it["df"], it["view"]
    shape = step_shape(view)
    out = []
    for g, part in group_arrays(df, ("step", "lr", "momentum")):
        label = it["name"] if g == 0 else f"{it['name']} · group {g}"
        x = x_values(part["step"], view)
        out.append(
            line_trace(
                x,
                _normalized(part["lr"], normalize),
                shape,
                cell,
                name=label,
                legendgroup=it["name"],
                line={"color": it["color"], "width": 3, "dash": DASHES[g % len(DASHES)]},
                hovertemplate=HOVER,
            )
        )
        if momentum and "momentum" in part and g == 0:
            out.append(
                line_trace(
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


def _normalized(y: np.ndarray, mode: str) -> np.ndarray:
    base = {"initial": y[0] if len(y) else 0.0, "peak": y.max() if len(y) else 0.0}.get(mode)
    return y / base if base else y


def _short(name: str, limit: int = 30) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"
