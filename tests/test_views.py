"""Pure helpers behind the pages: decimation, marks, summaries, links, uploads, teaching."""

import base64
import zlib

import numpy as np
import pytest

from lrlab import ConfigError, simulate
from lrlab.compare import curves_table, summarize
from lrlab.figures import compare_figure, decimate, lr_figure, marks_for
from lrlab.presets import PRESETS, preset
from lrlab.share import decode, encode
from lrlab.teaching import get_lr_vs_last_lr, wrong_order
from lrlab.uploads import read_config_json, read_metric_csv
from lrlab.view import view_of, with_view_steps, x_values


def test_decimate_keeps_every_peak_and_drop():
    cfg = with_view_steps(preset("SGDR warm restarts"))
    cfg["view"].update(step_per="batch", steps_per_epoch=1000)
    cfg["scheduler"]["T_0"] = 10_000
    df = simulate(with_view_steps(cfg))
    y = df["lr"].to_numpy()
    idx = decimate(np.arange(len(y)), y)
    assert len(y) == 70_000 and len(idx) <= 2000
    assert y[idx].max() == y.max() and y[idx].min() == y.min()
    restarts = np.flatnonzero(np.diff(y) > 0) + 1
    for r in restarts:  # each restart's first point and the lowest point before it survive
        assert r in idx or r - 1 in idx
    assert idx[0] == 0 and idx[-1] == len(y) - 1 and np.all(np.diff(idx) > 0)


def test_marks_find_milestones_restarts_and_reductions():
    def marks(name):
        cfg = with_view_steps(preset(name))
        return marks_for(cfg, simulate(cfg))

    assert marks("ResNet step decay (StepLR 30/60/90)") == [
        (30, "drop"),
        (60, "drop"),
        (90, "drop"),
    ]
    assert marks("SGDR warm restarts") == [(10, "restart"), (30, "restart")]
    assert marks("Cosine with linear warmup") == [(5, "switch")]
    assert all(label == "reduction" for _, label in marks("ReduceLROnPlateau on a noisy loss"))


def test_x_axis_mapping():
    view = {"steps_per_epoch": 50, "step_per": "batch", "x_axis": "epoch"}
    assert x_values([0, 25, 100], view).tolist() == [0, 0.5, 2]
    assert x_values([0, 2], {**view, "step_per": "epoch", "x_axis": "iteration"}).tolist() == [
        0,
        100,
    ]
    with pytest.raises(ConfigError, match=r"view\.epochs"):
        view_of(
            {"scheduler": {"name": "OneCycleLR"}, "view": {"epochs": 1000, "steps_per_epoch": 1000}}
        )


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


def test_figures_build_for_every_preset():
    items = []
    for name in PRESETS:
        cfg = with_view_steps(preset(name))
        df = simulate(cfg)
        fig = lr_figure(df, cfg["view"], marks=marks_for(cfg, df))
        assert fig.data and fig.layout.yaxis.title.text == "lr"
        items.append({"name": name, "color": "#000000", "df": df, "view": cfg["view"]})
    assert len(compare_figure(items).data) >= len(PRESETS)
    assert len(compare_figure(items, layout="grid").layout.annotations) == len(PRESETS)


def test_share_links_round_trip_and_refuse_garbage():
    cfg = preset("Seeds: two-group LambdaLR")
    assert decode(encode(cfg)) == cfg
    for bad in ("", "!!!", encode(cfg)[:-5], "x" * 40_000):
        with pytest.raises(ConfigError) as err:
            decode(bad)
        assert err.value.field == "link"
    bomb = base64.urlsafe_b64encode(zlib.compress(b"[" + b"0," * 10_000_000 + b"0]")).decode()
    with pytest.raises(ConfigError, match="too much data"):
        decode(bomb)


def test_uploads():
    assert read_metric_csv(b"loss\n1.0\n0.5\n0.25\n") == [1.0, 0.5, 0.25]
    assert read_metric_csv(b"epoch,loss\n0,2.0\n1,1.0\n") == [0.0, 1.0]
    with pytest.raises(ValueError, match="only numbers"):
        read_metric_csv(b"a,b\nx,y\n")
    assert read_config_json(b'{"steps": 3}') == {"steps": 3}
    for bad in (b"[1]", b"{", b"\xff"):
        with pytest.raises(ConfigError):
            read_config_json(bad)


def test_teaching_wrong_order_and_get_lr():
    cfg = with_view_steps(preset("ResNet step decay (StepLR 30/60/90)"))
    wrong, warning = wrong_order(cfg)
    right = simulate(cfg)["lr"].tolist()
    assert wrong["lr"].tolist() == right[1:]
    assert "before `optimizer.step()`" in warning
    table, warning = get_lr_vs_last_lr(cfg, steps=40)
    assert table.loc[30, "get_last_lr()"] == pytest.approx(0.01)
    assert table.loc[30, "get_lr()"] == pytest.approx(0.001)  # applies gamma again
    assert "get_last_lr" in warning
    with pytest.raises(ConfigError):
        wrong_order(with_view_steps(preset("ReduceLROnPlateau on a noisy loss")))
