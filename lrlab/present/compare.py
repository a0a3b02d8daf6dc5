"""Numbers that tell schedules apart, and all curves in one table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from lrlab.core.steps import batches_per_step
from lrlab.core.view import x_values
from lrlab.predict.laws import annealing_area

ANNEALING_LAM = 0.999  # Tissue et al. 2024's usual decay of the annealing momentum

# The lr budget is the loss laws' lr area S1 (lrlab.predict.laws): the sum of the lr over
# every optimizer iteration; beside it the momentum law's annealing area S2, the two
# quantities the laws say drive the loss (issue 20).
TO_10PCT, BUDGET = "iters to ≤10% of peak", "lr area S1 (Σ lr over iters)"
ANNEALING = "annealing area S2"
DIFFERS, COMPARED = "first iter ≠ #1", "iters compared with #1"
LENGTH = "length (epochs × batches)"
SUMMARY_COLUMNS = [
    "schedule",
    LENGTH,
    "lr start",
    "lr peak",
    "lr end",
    TO_10PCT,
    BUDGET,
    ANNEALING,
    "changes",
    DIFFERS,
    COMPARED,
]


def summarize(df: pd.DataFrame, view: Mapping[str, Any]) -> dict[str, Any]:
    """Group 0's lr: start, peak, end, when it falls to 10% of the peak (counted in
    optimizer iterations), the sum of lr over every iteration (the total "step budget"), and
    how many scheduler steps changed it; the annealing area ``S2`` of the momentum law (its
    usual ``lam`` 0.999) over the iterations."""
    lr = df.loc[df["group"] == 0, "lr"].to_numpy()
    repeat = batches_per_step(view["steps_per_epoch"], view["step_per"])
    per_iter = np.repeat(lr, repeat)
    peak_at = int(np.argmax(lr))
    # "Reaches 10%": a tolerance so that 0.1 * 0.1 counts however the float rounds.
    below = np.flatnonzero(lr[peak_at:] <= 0.1 * lr[peak_at] * (1 + 1e-9))
    return {
        "lr start": float(lr[0]),
        "lr peak": float(lr[peak_at]),
        "lr end": float(lr[-1]),
        TO_10PCT: int((peak_at + below[0]) * repeat) if len(below) else None,
        BUDGET: float(lr.sum() * repeat),
        ANNEALING: float(annealing_area(per_iter, ANNEALING_LAM)[-1]),
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


def summary_table(items: Sequence[Mapping[str, Any]], reference: int = 0) -> pd.DataFrame:
    """One row per schedule: its length (its own, or fitted to the comparison's when the item
    says ``"fitted": True``), its numbers, and where it first parts from the first schedule
    (e.g. a timm schedule and its torch look-alike) over how many iterations both have."""
    rows = [
        {"schedule": it["name"], LENGTH: length_text(it), **summarize(it["df"], it["view"])}
        for it in items
    ]
    if items:
        reference = reference if 0 <= reference < len(items) else 0
        first = per_iteration(items[reference]["df"], items[reference]["view"])
        for n, (row, it) in enumerate(zip(rows, items, strict=True)):
            if n == reference:
                continue
            other = per_iteration(it["df"], it["view"])
            row[DIFFERS] = first_difference(first, other)
            row[COMPARED] = min(len(first), len(other))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def length_text(item: Mapping[str, Any]) -> str:
    """``"300 × 100, own"``: the run a schedule is drawn over, and whether it is its own."""
    view = item["view"]
    how = "fitted" if item.get("fitted") else "own"
    return f"{view['epochs']:,} × {view['steps_per_epoch']:,}, {how}"


def length_note(
    label: str,
    own: tuple[int, int],
    shared: tuple[int, int],
    changes: Sequence[str] | None,
) -> str | None:
    """What a schedule is drawn over, where a reader could take it for the comparison's length:
    its own length (a 100-epoch cosine among 300-epoch runs ends at epoch 100), or how it was
    fitted (``changes``: what :func:`lrlab.core.fitting.fit_to_length` scaled; None: not fitted)."""
    own_text = f"{own[0]:,} epochs × {own[1]:,} batches"
    shared_text = f"{shared[0]:,} × {shared[1]:,}"
    if changes is None:
        if own == shared:
            return None
        return (
            f"{label}: its own length, {own_text} (the comparison's is {shared_text}; "
            "choose fitted in its editor to scale it)."
        )
    if own == shared:
        return None
    what = ", ".join(changes) if changes else "nothing to scale (no warmup, milestone or period)"
    return f"{label}: fitted from its own {own_text} to the comparison's {shared_text}: {what}."


def differs_header(reference: int = 0) -> str:
    """The "first iter ≠" column's header, naming the schedule compared with (1-based)."""
    return DIFFERS.replace("#1", f"#{reference + 1}")


def summary_text(table: pd.DataFrame, reference: int = 0) -> pd.DataFrame:
    """The summary as the page shows it: every number with its significant digits (3000, never
    a clipped 300; 1.00e-05, never 0.0000), and "first iter ≠ #1" with the range of iterations
    it compared (the shorter run's), since schedules of different lengths are compared only
    where both run."""
    out = pd.DataFrame({"schedule": table["schedule"], LENGTH: table[LENGTH]})
    for col in SUMMARY_COLUMNS[2:-2]:
        out[col] = [number_text(v) for v in table[col]]
    out[differs_header(reference)] = [
        _differs_text(d, n) for d, n in zip(table[DIFFERS], table[COMPARED], strict=True)
    ]
    return out


def _differs_text(at: Any, compared: Any) -> str:
    if _missing(compared):
        return "— (the reference)"
    span = f"iters 0–{int(compared) - 1:,}"
    return f"none in {span}" if _missing(at) else f"{int(at):,} (of {span})"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def number_text(value: Any) -> str:
    """A number with its significant digits, never wider than it must be: whole numbers with
    thousands separators, lrs with three significant digits (scientific below 0.001)."""
    if _missing(value):
        return "—"
    if isinstance(value, int | np.integer) or (float(value).is_integer() and abs(value) >= 1):
        return f"{int(value):,}"
    v = float(value)
    if v == 0:
        return "0"
    if abs(v) < 1e-3 or abs(v) >= 1e9:
        return f"{v:.2e}"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}"


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
