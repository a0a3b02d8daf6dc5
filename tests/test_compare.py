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
    assert s["lr area S1 (Σ lr over iters)"] == pytest.approx(
        100 * (30 * 0.1 + 30 * 0.01 + 30 * 0.001 + 10 * 0.0001)
    )
    # S2 = Σ_t m_t, m_t = 0.999 m_{t-1} + drop at t: each drop d at iteration k adds
    # d * Σ_{j=0}^{T-1-k} 0.999^j up to the last iteration T - 1 (T = 10,000 here).
    drops = {3000: 0.09, 6000: 0.009, 9000: 0.0009}
    expected = sum(d * (1 - 0.999 ** (10_000 - k)) / (1 - 0.999) for k, d in drops.items())
    assert s["annealing area S2"] == pytest.approx(expected, rel=1e-9)


def test_a_constant_schedule_has_no_annealing_area():
    cfg = with_view_steps(preset("ResNet step decay (StepLR 30/60/90)"))
    cfg["scheduler"] = {"name": "ConstantLR", "factor": 1.0, "total_iters": 0}
    s = summarize(simulate(cfg), cfg["view"])
    assert s["annealing area S2"] == 0
    assert s["lr area S1 (Σ lr over iters)"] == pytest.approx(0.1 * 10_000)


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
