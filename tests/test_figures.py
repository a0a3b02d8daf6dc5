"""Figures: decimation, change marks, the lr and compare figures."""

import numpy as np

from lrlab import simulate
from lrlab.core.view import with_view_steps
from lrlab.present.compare_chart import compare_figure
from lrlab.present.figures import lr_figure, marks_for
from lrlab.present.plotting import decimate
from lrlab.present.presets import PRESETS, preset


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


def test_a_resumed_schedule_is_marked_where_its_changes_are_in_the_run():
    def marks(name, start):
        cfg = with_view_steps({**preset(name), "start_step": start})
        return marks_for(cfg, simulate(cfg))

    # Only what happens after the first step shown, at the run's own step numbers.
    assert marks("ResNet step decay (StepLR 30/60/90)", 45) == [(60, "drop"), (90, "drop")]
    assert marks("SGDR warm restarts", 20) == [(30, "restart")]
    assert marks("Cosine with linear warmup", 5) == []  # the switch is the first step shown


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


def _ghost(name, view_change):
    cfg = with_view_steps(preset(name))
    df = simulate(cfg)
    ghost_view = {**cfg["view"], **view_change}
    ghost = simulate(with_view_steps({**cfg, "view": ghost_view}))
    return cfg, df, ghost, ghost_view


def test_ghosts_of_two_groups_have_distinct_colours():
    cfg, df, ghost, gv = _ghost("Seeds: two-group LambdaLR", {"step_per": "batch"})
    fig = lr_figure(df, cfg["view"], ghost=ghost, ghost_name="per batch", ghost_view=gv)
    colours = [t.line.color for t in fig.data if t.line.dash == "dash"]
    assert len(colours) == 2 and len(set(colours)) == 2
    solid = {t.line.color for t in fig.data if t.line.dash != "dash"}
    assert not solid & set(colours)


def test_a_per_batch_ghost_does_not_stretch_the_log_axis():
    cfg, df, ghost, gv = _ghost("ResNet step decay (StepLR 30/60/90)", {"step_per": "batch"})
    positive = ghost.loc[ghost["lr"] > 0, "lr"]
    assert positive.min() < 1e-200  # the mistake really reaches absurd values
    fig = lr_figure(df, cfg["view"], ghost=ghost, ghost_view=gv)
    lo, hi = fig.layout.yaxis.range
    assert np.log10(df["lr"].min()) - 2.5 <= lo <= np.log10(df["lr"].min())
    assert hi >= np.log10(df["lr"].max())


def test_normalise_by_initial_or_by_peak():
    cfg = with_view_steps(preset("Cosine with linear warmup"))
    items = [{"name": "w", "color": "#000000", "df": simulate(cfg), "view": cfg["view"]}]
    initial = compare_figure(items, normalize="initial").data[0].y
    peak = compare_figure(items, normalize="peak").data[0].y
    assert initial[0] == 1.0 and max(initial) > 99  # a warmup from 1%: 100x its first lr
    assert max(peak) == 1.0 and peak[0] == 0.01
    assert compare_figure(items, normalize=True).data[0].y[0] == 1.0  # older links: initial
    assert max(compare_figure(items, normalize="off").data[0].y) == 0.1


def test_small_multiples_keep_the_legend_off_the_panel_titles():
    items = []
    for name in ("Cosine with linear warmup", "SGDR warm restarts"):
        cfg = with_view_steps(preset(name))
        items.append({"name": name, "color": "#000000", "df": simulate(cfg), "view": cfg["view"]})
    fig = compare_figure(items, layout="grid")
    assert fig.layout.showlegend is False  # one group each: the titles name the panels
    titles = [a.text for a in fig.layout.annotations]
    assert titles[1] == "SGDR warm restarts" and len(titles[0]) <= 30  # side by side: short
    cfg = with_view_steps(preset("Seeds: two-group LambdaLR"))
    items.append({"name": "seeds", "color": "#000000", "df": simulate(cfg), "view": cfg["view"]})
    fig = compare_figure(items, layout="grid")
    assert fig.layout.showlegend and fig.layout.legend.y < 0  # below the panels


def test_figures_from_the_cached_layout_are_independent_and_match_plotly():
    # Figures start from one cached layout per shape; changing one must not leak into the next.
    cfg = with_view_steps(
        {
            "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
            "param_groups": [{}, {"lr": 0.01}],
            "scheduler": {"name": "OneCycleLR", "max_lr": 0.1},
            "view": {"epochs": 100, "steps_per_epoch": 1, "step_per": "batch"},
        }
    )
    df = simulate(cfg)
    marks = [(30, "drop"), (60, "drop"), (90, "drop")]
    first = lr_figure(df, cfg["view"], marks=marks, title="first")
    first.update_layout(height=999, title_text="changed")
    first.layout.annotations[0].text = "changed"
    second = lr_figure(df, cfg["view"], marks=marks)
    assert second.layout.height == 580 and second.layout.title.text is None
    assert "changed" not in {a.text for a in second.layout.annotations}
    # One dotted line per mark in each of the two panels (lr, momentum), one label each.
    assert len(second.layout.shapes) == 3 * 2
    assert [a.text for a in second.layout.annotations][-3:] == ["drop"] * 3
    assert {t.yaxis for t in second.data} == {"y", "y2"}
    assert second.layout.template.layout.paper_bgcolor == "white"  # plotly_white
    colors = [t.line.color for t in second.data]  # lr then momentum of each group
    assert len(colors) == 4 and colors[0] == colors[1] != colors[2] == colors[3]
    # Plotly accepts the built figure as valid (Streamlit validates dicts the same way).
    import plotly.graph_objects as go

    go.Figure(second.to_dict())


def flat_df(lr=0.05, steps=20):
    return simulate(
        {
            "optimizer": {"name": "SGD", "lr": lr},
            "scheduler": {"name": "ConstantLR", "factor": 1.0, "total_iters": 0},
            "steps": steps,
        }
    )


def test_a_flat_lr_gets_a_range_around_its_value_in_every_lr_chart():
    df = flat_df()
    view = {
        "epochs": 20,
        "steps_per_epoch": 1,
        "step_per": "epoch",
        "x_axis": "epoch",
        "log_y": False,
    }
    assert list(lr_figure(df, view).layout.yaxis.range) == [0.0, 0.1]
    lo, hi = lr_figure(df, {**view, "log_y": True}).layout.yaxis.range
    assert lo < np.log10(0.05) < hi
    items = [{"name": n, "color": "#000000", "df": df, "view": view} for n in ("a", "b")]
    for layout in ("overlay", "grid"):
        fig = compare_figure(items, layout=layout)
        assert list(fig.layout.yaxis.range) == [0.0, 0.1]
    assert list(compare_figure(items, normalize="peak").layout.yaxis.range) == [0.0, 2.0]


def test_a_changing_lr_keeps_plotlys_autorange():
    cfg = with_view_steps(preset("Cosine with linear warmup"))
    df = simulate(cfg)
    assert lr_figure(df, cfg["view"]).layout.yaxis.range is None
    item = {"name": "a", "color": "#000000", "df": df, "view": cfg["view"]}
    assert compare_figure([item]).layout.yaxis.range is None
