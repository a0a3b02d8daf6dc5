"""What a user sees at 1280 px: the Sweep page's four charts with room (two by two), titles
clear of Plotly's toolbar, one epoch axis, a 100% result drawn whole, a seed at chance level
flagged; select boxes that show their whole label on every page."""

import pytest
from e2e import CEILING_MS, screenshot, wait_for_app

from lrlab.sweep import create_runs, new_sweep_id, parse_sweep, sweep_runs
from lrlab.train.store import RunStore

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1280, "height": 1000}
EPOCHS, BATCHES = 4, 5
ACCURACY = {"one-cycle": [1.0, 1.0, 0.99], "constant": [0.95, 0.103, 0.94]}

CHART = "document.querySelector('[data-testid=\"stPlotlyChart\"] .js-plotly-plot')"
PANELS = f"""() => {{
    const el = {CHART};
    if (!el || !el._fullLayout) return null;
    const L = el._fullLayout;
    const box = name => ({{x: L[name]._offset, len: L[name]._length}});
    return {{
        x: ['xaxis', 'xaxis2', 'xaxis3', 'xaxis4'].map(box),
        y: ['yaxis', 'yaxis2', 'yaxis3', 'yaxis4'].map(box),
        ranges: ['xaxis', 'xaxis2', 'xaxis4'].map(a => L[a].range),
        unclipped: el._fullData.filter(t => t.error_y && t.error_y.visible)
            .map(t => t.cliponaxis === false),
    }};
}}"""
# Every subplot title's box against the toolbar's (shown while the pointer is on the chart).
OVERLAPS = f"""() => {{
    const el = {CHART};
    const bar = el.querySelector('.modebar');
    if (!bar) return null;
    const b = bar.getBoundingClientRect();
    return Array.from(el.querySelectorAll('.annotation-text')).filter(t => {{
        const r = t.getBoundingClientRect();
        return r.right > b.left && r.left < b.right && r.bottom > b.top && r.top < b.bottom;
    }}).map(t => t.textContent);
}}"""
# Per select box: its label, the text shown, and whether it fits the box (canvas-measured
# with the input's own font against its inner width).
SELECT_BOXES = """() => Array.from(document.querySelectorAll('[data-testid="stSelectbox"] input'))
    .map(i => {
        const st = getComputedStyle(i);
        const ctx = document.createElement('canvas').getContext('2d');
        ctx.font = st.font;
        const room = i.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight);
        return {label: i.getAttribute('aria-label'), text: i.value,
                fits: ctx.measureText(i.value).width <= room + 0.5};
    })"""


def finished_sweep(store: RunStore) -> str:
    """A sweep of two schedules x 3 seeds as the driver leaves it: per-epoch metrics, per-step
    lrs and final accuracies (one-cycle at 100% on two seeds; constant at chance on seed 1)."""
    spec = {
        "base": {"train": {"dataset": "digits", "epochs": EPOCHS, "subset": 320}},
        "variants": [
            {
                "label": label,
                "optimizer": {"name": "SGD", "lr": 0.1},
                "scheduler": {"name": "ExponentialLR", "gamma": 0.9},
            }
            for label in ACCURACY
        ],
        "seeds": [0, 1, 2],
    }
    sweep_id = new_sweep_id()
    create_runs(store, parse_sweep(spec), sweep_id)
    for run in sweep_runs(store, sweep_id).to_dict("records"):
        final = ACCURACY[run["label"]][int(run["seed"])]
        steps = [
            (e * BATCHES + b, e, 2.0 - 0.3 * e, [0.1 * 0.9**e], None)
            for e in range(EPOCHS)
            for b in range(BATCHES)
        ]
        store.add_steps(run["id"], steps)
        for e in range(EPOCHS):
            acc = final * (e + 1) / EPOCHS if final > 0.2 else final
            store.add_epoch(
                run["id"],
                {
                    "epoch": e,
                    "train_loss": 1.0,
                    "train_acc": acc,
                    "test_loss": 2.0 - 0.3 * e,
                    "test_acc": acc,
                    "seconds": 1.0,
                    "images_per_s": 100.0,
                    "lr": [0.1],
                },
            )
        store.finish_run(run["id"], "completed", "", test_accuracy=final)
    return sweep_id


def test_sweep_charts_have_room_one_epoch_axis_and_a_flagged_seed(server, page, app_db):
    sweep_id = finished_sweep(RunStore(app_db))
    page.goto(f"{server}/sweep?sweep={sweep_id}")
    wait_for_app(page)
    page.wait_for_function(f"() => ({PANELS})() !== null", timeout=CEILING_MS)
    panels = page.evaluate(PANELS)
    x, y = panels["x"], panels["y"]
    # two by two: each panel at least 300 px wide (four in a row gave ~170 px)
    assert all(p["len"] >= 300 for p in x), x
    assert x[0]["x"] == x[2]["x"] and x[1]["x"] == x[3]["x"] and x[1]["x"] > x[0]["x"]
    assert y[0]["x"] == y[1]["x"] and y[2]["x"] > y[0]["x"] + y[0]["len"]  # row 2 below row 1
    # one epoch convention: accuracy, loss and lr share 0..4 (epoch k's lr spans k-1..k)
    assert panels["ranges"] == [[0, EPOCHS]] * 3
    assert panels["unclipped"] == [True, True]  # one-cycle's 100% is drawn whole
    page.locator('[data-testid="stPlotlyChart"]').hover()  # shows the toolbar
    page.wait_for_function(f"() => ({OVERLAPS})() !== null", timeout=CEILING_MS)
    assert page.evaluate(OVERLAPS) == []
    body = page.inner_text("body")
    assert "1 of 3 seeds of constant stayed at chance level (seed 1: 10.3%)" in body
    page.locator('[data-testid="stPlotlyChart"]').scroll_into_view_if_needed()
    screenshot(page, "sweep-layout-1280")
    page.get_by_text("Which is better").scroll_into_view_if_needed()
    screenshot(page, "sweep-tables-1280")


@pytest.mark.parametrize("path", ["explore", "compare", "train", "sweep"])
def test_every_select_box_shows_its_whole_label(server, page, path):
    page.goto(server)  # the home page registers the navigation first
    wait_for_app(page)
    page.goto(f"{server}/{path}")
    wait_for_app(page)
    page.wait_for_selector('[data-testid="stSelectbox"] input', timeout=CEILING_MS)
    boxes = page.evaluate(SELECT_BOXES)
    if path == "train":  # the device box and the range test's method box were cut here
        assert {"device", "method"} <= {b["label"] for b in boxes}
    assert [b for b in boxes if not b["fits"]] == []
    screenshot(page, f"select-boxes-{path}")


def test_a_long_preset_name_fits_its_box_and_is_said_whole(server, page):
    from test_browser_libs import choose

    from lrlab.present.presets import PRESETS
    from ui.labels import fit

    longest = max(PRESETS, key=len)
    page.goto(server)
    wait_for_app(page)
    page.goto(f"{server}/explore")
    wait_for_app(page)
    choose(page, "preset", fit(longest))
    boxes = page.evaluate(SELECT_BOXES)
    assert [b for b in boxes if not b["fits"]] == []
    assert fit(longest) in [b["text"] for b in boxes]
    page.get_by_text(longest, exact=True).wait_for(timeout=CEILING_MS)  # the caption
    screenshot(page, "explore-long-preset")
