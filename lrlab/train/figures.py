"""Figures of training runs: pure functions from the run store's DataFrames."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lrlab.catalog import SCHEDULERS
from lrlab.core.errors import ConfigError
from lrlab.core.simulate import simulate
from lrlab.core.steps import step_positions
from lrlab.core.view import x_values
from lrlab.present.plotting import PALETTE, apply_layout, decimate, flat_range
from lrlab.train.config import RunConfig, parse_run

SMOOTHING = 0.9  # TensorBoard's default exponential smoothing of the loss


def smooth(values: np.ndarray, weight: float = SMOOTHING) -> np.ndarray:
    """TensorBoard-style debiased exponential moving average."""
    out = np.empty(len(values))
    avg = 0.0
    for i, v in enumerate(values):
        avg = weight * avg + (1 - weight) * v
        out[i] = avg / (1 - weight ** (i + 1))
    return out


def recorded_batches_per_epoch(steps: pd.DataFrame) -> int:
    """Batches per epoch as a run's recorded steps show it: the steps of its first epoch."""
    return max(1, int((steps["epoch"] == steps["epoch"].min()).sum())) if len(steps) else 1


def _trace(x: np.ndarray, y: np.ndarray, **kw: Any) -> go.Scatter:
    idx = decimate(x, y)
    return go.Scatter(x=x[idx], y=y[idx], mode="lines", hovertemplate="%{y:.5g}", **kw)


def run_figure(
    steps: pd.DataFrame,
    epochs: pd.DataFrame,
    planned: pd.DataFrame | None = None,
    planned_x: np.ndarray | None = None,
    mark_reductions: bool = False,
    total_epochs: int | None = None,
) -> go.Figure:
    """One run, live: train loss per step (raw and smoothed), lr per group over the planned
    (simulated) curve, test loss and accuracy per epoch. x is in epochs: a step's values sit
    at the start of its batch, an epoch's test metrics at its end."""
    fig = make_subplots(
        rows=2,
        cols=2,
        vertical_spacing=0.16,
        horizontal_spacing=0.1,
        subplot_titles=["train loss", "learning rate", "test loss", "test accuracy"],
    )
    if len(steps):
        _add_steps(fig, steps)
    if planned is not None and planned_x is not None:
        _add_planned(fig, planned, planned_x)
    if len(epochs):
        _add_epochs(fig, epochs)
        for e in reductions(epochs) if mark_reductions else []:
            fig.add_vline(x=e + 1, line={"color": "#999999", "dash": "dot"}, row=1, col=2)
    lrs = [np.asarray(t.y, dtype=float) for t in fig.data if t.xaxis == "x2" and t.y is not None]
    if flat := flat_range(lrs):  # a constant lr: around its value, never a negative axis
        fig.update_yaxes(range=flat, row=1, col=2)
    fig.update_xaxes(title_text="epoch")
    if total_epochs:  # the whole run's length from the start, so the curves grow into it
        fig.update_xaxes(range=[0, total_epochs])
    fig.update_yaxes(tickformat=".0%", row=2, col=2)
    return apply_layout(fig, 680, None, legend_below=True)


def _add_steps(fig: go.Figure, steps: pd.DataFrame) -> None:
    """Train loss (raw and smoothed) top left, each group's recorded lr top right."""
    x = step_positions(steps["step"], recorded_batches_per_epoch(steps), "batch", "epoch")
    loss = steps["loss"].to_numpy()
    fig.add_trace(_trace(x, loss, name="loss", line={"color": "#BBBBBB", "width": 1}), 1, 1)
    smoothed = _trace(
        x, smooth(loss), name="loss (smoothed)", line={"color": PALETTE[0], "width": 3}
    )
    fig.add_trace(smoothed, 1, 1)
    groups = sorted(c for c in steps.columns if c.startswith("lr_"))
    for g, col in enumerate(groups):
        line = {"color": PALETTE[g % len(PALETTE)], "width": 3}
        fig.add_trace(_trace(x, steps[col].to_numpy(), name=f"lr group {g}", line=line), 1, 2)


def _add_planned(fig: go.Figure, planned: pd.DataFrame, planned_x: np.ndarray) -> None:
    """The simulated lr of each group, dashed under the recorded one."""
    line = {"color": "#555555", "width": 1.5, "dash": "dash"}
    for g, part in planned.groupby("group", sort=True):
        trace = _trace(planned_x, part["lr"].to_numpy(), name=f"planned (group {g})", line=line)
        fig.add_trace(trace, 1, 2)


# Per-epoch panels: column, name, line style, (row, col).
EPOCH_TRACES = (
    ("test_loss", "test loss", {"color": PALETTE[5], "width": 3}, (2, 1)),
    ("train_loss", "train loss (epoch)", {"color": "#999999", "width": 2, "dash": "dot"}, (2, 1)),
    ("test_acc", "test accuracy", {"color": PALETTE[2], "width": 3}, (2, 2)),
)


def _add_epochs(fig: go.Figure, epochs: pd.DataFrame) -> None:
    """Test loss (with the epoch's train loss) bottom left, test accuracy bottom right."""
    ex = epochs["epoch"].to_numpy() + 1  # at the end of the epoch
    for column, name, line, (row, col) in EPOCH_TRACES:
        trace = go.Scatter(x=ex, y=epochs[column], mode="lines+markers", name=name, line=line)
        fig.add_trace(trace, row, col)


def reductions(epochs: pd.DataFrame) -> list[int]:
    """Epochs after which the lr of group 0 went down (e.g. ReduceLROnPlateau's cuts)."""
    if "lr_0" not in epochs or len(epochs) < 2:
        return []
    lr = epochs["lr_0"].to_numpy()
    return [int(epochs["epoch"].iloc[i]) for i in np.flatnonzero(lr[1:] < lr[:-1])]


def runs_figure(runs: Sequence[Mapping[str, Any]], x_axis: str = "epoch") -> go.Figure:
    """Several runs overlaid: lr, smoothed train loss and test accuracy."""
    fig = make_subplots(
        rows=1,
        cols=3,
        horizontal_spacing=0.07,
        subplot_titles=["learning rate (group 0)", "train loss (smoothed)", "test accuracy"],
    )
    for i, run in enumerate(runs):
        color = PALETTE[i % len(PALETTE)]
        steps, epochs = run["steps"], run["epochs"]
        common = {"legendgroup": run["name"], "line": {"color": color, "width": 3}}
        bpe = recorded_batches_per_epoch(steps)
        if len(steps):
            x = step_positions(steps["step"], bpe, "batch", x_axis)
            fig.add_trace(_trace(x, steps["lr_0"].to_numpy(), name=run["name"], **common), 1, 1)
            fig.add_trace(
                _trace(
                    x,
                    smooth(steps["loss"].to_numpy()),
                    name=run["name"],
                    showlegend=False,
                    **common,
                ),
                1,
                2,
            )
        if len(epochs):
            ex = step_positions(epochs["epoch"] + 1, bpe, "epoch", x_axis)
            fig.add_trace(
                go.Scatter(
                    x=ex,
                    y=epochs["test_acc"],
                    mode="lines+markers",
                    name=run["name"],
                    showlegend=False,
                    **common,
                ),
                1,
                3,
            )
    fig.update_xaxes(title_text=x_axis)
    fig.update_yaxes(type="log", row=1, col=1, exponentformat="power")
    fig.update_yaxes(tickformat=".0%", row=1, col=3)
    return apply_layout(fig, 480, None, legend_below=True)


def planned_lr(config: RunConfig | Mapping[str, Any]) -> tuple[pd.DataFrame, np.ndarray] | None:
    """The simulated lr of a run's schedule and its x in epochs, to draw under the recorded
    one; None when the config is invalid or the curve depends on the run's test losses."""
    try:
        run = parse_run(config)
    except ConfigError:
        return None
    if SCHEDULERS[run.schedule.scheduler_name].needs_metric:
        return None  # it depends on the test losses, known only as the run goes
    df = simulate(run.schedule)
    return df, x_values(df["step"], {**run.view, "x_axis": "epoch"})
