"""Figures of a path: pure functions from path DataFrames to plotly figures.

``surface_figure``: the problem's contours with one or more paths (each in its colour), a
marker at the chosen step, the minimum and the start. ``loss_lr_figure``: the loss per step
above the lr curve, on one shared step axis, with the chosen step marked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lrlab.paths.problems import Problem

PATH_COLOUR = "#1f77b4"
GHOST_COLOUR = "#7f7f7f"


@dataclass(frozen=True)
class PathTrace:
    """One path to draw: its rows, its name in the legend, its colour; dashed for ghosts."""

    df: pd.DataFrame
    name: str
    colour: str = PATH_COLOUR
    dashed: bool = False


def step_caption(df: pd.DataFrame, step: int) -> str:
    """What the marker at ``step`` shows, in words (the last row when the path ended before)."""
    row = df.iloc[min(step, len(df) - 1)]
    extra = "".join(f", {c}={row[c]:.4g}" for c in df.columns[5:])
    return (
        f"step {int(row['step'])}: x={row['x']:.4g}, y={row['y']:.4g}{extra}, "
        f"loss={row['loss']:.4g}, lr={row['lr']:.3g}"
    )


def surface_figure(problem: Problem, paths: Sequence[PathTrace], step: int) -> go.Figure:
    """Contours of ``problem`` (logistic: at the first path's b at ``step``) and the paths.

    The axes keep the problem's plot range, so a diverging path is seen leaving it."""
    fig = go.Figure(_contours(problem, paths, step))
    for p in paths:
        _add_path(fig, p, step)
    if paths and len(paths[0].df):
        s = paths[0].df.iloc[0]
        fig.add_scatter(
            x=[s["x"]],
            y=[s["y"]],
            mode="markers",
            marker={"symbol": "x", "size": 9, "color": "black"},
            name="start",
        )
    if problem.minimum is not None:
        mx, my = problem.minimum
        fig.add_scatter(
            x=[mx],
            y=[my],
            mode="markers",
            marker={"symbol": "star", "size": 13, "color": "#d62728"},
            name="minimum",
        )
    logistic = problem.name == "logistic"
    fig.update_layout(
        xaxis={"range": list(problem.x_range), "title": "w1" if logistic else "x"},
        yaxis={"range": list(problem.y_range), "title": "w2" if logistic else "y"},
        height=420,
        # the legend hangs below the x axis title (at y=-0.15 it sat on the title)
        margin={"l": 40, "r": 10, "t": 30, "b": 80},
        legend={"orientation": "h", "yanchor": "top", "y": -0.18},
        title={"text": problem.title, "font": {"size": 13}},
    )
    return fig


def _contours(problem: Problem, paths: Sequence[PathTrace], step: int) -> go.Contour:
    """The loss surface over the plot range; a problem with more than two parameters is cut
    at the first path's other values at ``step`` (else at its start)."""
    extra: list[float] = []
    if paths and len(problem.names) > 2:
        first = paths[0].df
        extra = [float(first[c].iloc[min(step, len(first) - 1)]) for c in problem.names[2:]]
    elif len(problem.names) > 2:
        extra = list(problem.start[2:])
    xs, ys, z = problem.grid(extra=extra)
    # log-spaced levels: Rosenbrock's valley and a bowl's rim both show (lowest value -> 0)
    shown = np.log10(z - np.nanmin(z) + 1e-3)
    return go.Contour(
        x=xs,
        y=ys,
        z=shown,
        colorscale="Greys",
        reversescale=True,
        showscale=False,
        ncontours=25,
        contours={"coloring": "lines"},
        hoverinfo="skip",
        name="loss contours",
    )


def _add_path(fig: go.Figure, p: PathTrace, step: int) -> None:
    """One path as a line, and a marker where it is at ``step`` (hollow for a ghost)."""
    line = {"color": p.colour, "width": 1.5, "dash": "dash" if p.dashed else "solid"}
    fig.add_scatter(
        x=p.df["x"], y=p.df["y"], mode="lines", line=line, name=p.name, legendgroup=p.name
    )
    if len(p.df):
        at = p.df.iloc[min(step, len(p.df) - 1)]
        fig.add_scatter(
            x=[at["x"]],
            y=[at["y"]],
            mode="markers",
            marker={
                "color": p.colour,
                "size": 11,
                "symbol": "circle-open" if p.dashed else "circle",
            },
            name=f"{p.name} at step {int(at['step'])}",
            legendgroup=p.name,
            showlegend=False,
        )


def loss_lr_figure(paths: Sequence[PathTrace], step: int, log_loss: bool = True) -> go.Figure:
    """The loss per step above the lr per step, sharing the step axis; ``step`` marked."""
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06, row_heights=[0.6, 0.4]
    )
    positive = all((p.df["loss"] > 0).all() for p in paths if len(p.df))
    for p in paths:
        line = {"color": p.colour, "dash": "dash" if p.dashed else "solid", "width": 1.5}
        for row, column in enumerate(("loss", "lr"), start=1):
            fig.add_scatter(
                x=p.df["step"],
                y=p.df[column],
                mode="lines",
                line=line,
                name=f"{column} ({p.name})",
                row=row,
                col=1,
            )
    fig.add_vline(x=step, line={"color": "#d62728", "width": 1})
    fig.update_yaxes(title="loss", type="log" if log_loss and positive else "linear", row=1, col=1)
    fig.update_yaxes(title="lr", row=2, col=1)
    fig.update_xaxes(title="step", row=2, col=1)
    fig.update_layout(height=420, margin={"l": 50, "r": 10, "t": 30, "b": 40}, showlegend=False)
    return fig
