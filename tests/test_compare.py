"""Compare tables: the summary numbers and the curves table."""

import pytest

from lrlab import simulate
from lrlab.core.view import with_view_steps
from lrlab.present.compare import curves_table, summarize
from lrlab.present.presets import preset


def test_summary_numbers():
    cfg = with_view_steps(preset("ResNet step decay (StepLR 30/60/90)"))
    s = summarize(simulate(cfg), cfg["view"])
    assert s["lr start"] == 0.1 and s["lr peak"] == 0.1 and s["lr end"] == pytest.approx(1e-4)
    assert s["iters to ≤10% of peak"] == 30 * 100
    assert s["changes"] == 3
    assert s["lr budget (Σ over iters)"] == pytest.approx(
        100 * (30 * 0.1 + 30 * 0.01 + 30 * 0.001 + 10 * 0.0001)
    )


def test_curves_table_has_both_x_units():
    items = []
    for name in ("One-cycle (fastai)", "Exponential decay"):
        cfg = with_view_steps(preset(name))
        items.append({"name": name, "df": simulate(cfg), "view": cfg["view"]})
    table = curves_table(items)
    assert list(table.columns[:6]) == ["schedule", "step", "epoch", "iteration", "group", "lr"]
    one = table[table.schedule == "One-cycle (fastai)"]
    assert one["iteration"].max() == 999 and one["epoch"].max() == pytest.approx(9.99)
    assert len(table) == 1000 + 60
