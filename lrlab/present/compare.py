"""Numbers that tell schedules apart, and all curves in one table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from lrlab.core.steps import batches_per_step
from lrlab.core.view import x_values

TO_10PCT, BUDGET = "iters to ≤10% of peak", "lr budget (Σ over iters)"
DIFFERS = "first iter ≠ #1"
SUMMARY_COLUMNS = [
    "schedule",
    "lr start",
    "lr peak",
    "lr end",
    TO_10PCT,
    BUDGET,
    "changes",
    DIFFERS,
]


def summarize(df: pd.DataFrame, view: Mapping[str, Any]) -> dict[str, Any]:
    """Group 0's lr: start, peak, end, when it falls to 10% of the peak (counted in
    optimizer iterations), the sum of lr over every iteration (the total "step budget"), and
    how many scheduler steps changed it."""
    lr = df.loc[df["group"] == 0, "lr"].to_numpy()
    repeat = batches_per_step(view["steps_per_epoch"], view["step_per"])
    peak_at = int(np.argmax(lr))
    # "Reaches 10%": a tolerance so that 0.1 * 0.1 counts however the float rounds.
    below = np.flatnonzero(lr[peak_at:] <= 0.1 * lr[peak_at] * (1 + 1e-9))
    return {
        "lr start": float(lr[0]),
        "lr peak": float(lr[peak_at]),
        "lr end": float(lr[-1]),
        TO_10PCT: int((peak_at + below[0]) * repeat) if len(below) else None,
        BUDGET: float(lr.sum() * repeat),
        "changes": int(np.count_nonzero(np.diff(lr))),
    }


def per_iteration(df: pd.DataFrame, view: Mapping[str, Any]) -> np.ndarray:
    """Group 0's lr at every optimizer iteration (a per-epoch value holds for its epoch)."""
    lr = df.loc[df["group"] == 0, "lr"].to_numpy()
    return np.repeat(lr, batches_per_step(view["steps_per_epoch"], view["step_per"]))


def first_difference(a: np.ndarray, b: np.ndarray) -> int | None:
    """The first iteration where two lr curves differ beyond float rounding, or None."""
    n = min(len(a), len(b))
    apart = ~np.isclose(a[:n], b[:n], rtol=1e-9, atol=1e-15)
    return int(np.argmax(apart)) if apart.any() else None


def summary_table(items: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per schedule; the last column says where each first parts from the first
    schedule (e.g. a timm schedule and its torch look-alike)."""
    rows = [{"schedule": it["name"], **summarize(it["df"], it["view"])} for it in items]
    if items:
        first = per_iteration(items[0]["df"], items[0]["view"])
        for row, it in zip(rows[1:], items[1:], strict=True):
            row[DIFFERS] = first_difference(first, per_iteration(it["df"], it["view"]))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def curves_table(items: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Every schedule's trajectory in one long table, with x in epochs and iterations."""
    frames = []
    for it in items:
        df, view = it["df"], it["view"]
        frames.append(
            df.assign(
                schedule=it["name"],
                epoch=x_values(df["step"], {**view, "x_axis": "epoch"}),
                iteration=x_values(df["step"], {**view, "x_axis": "iteration"}),
            )
        )
    if not frames:
        return pd.DataFrame(columns=["schedule", "step", "epoch", "iteration", "group", "lr"])
    out = pd.concat(frames, ignore_index=True)
    first = ["schedule", "step", "epoch", "iteration", "group", "lr"]
    return out[first + [c for c in out.columns if c not in first]]
