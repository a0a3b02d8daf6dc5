"""The Sweep page in the real browser: start presets × seeds, watch the table fill in live,
see one band and one interval per schedule, reopen by link after a refresh."""

import pytest
from e2e import screenshot, set_number, wait_for_app

from lrlab.train.store import RunStore
from lrlab.train.sweep import list_sweeps, sweep_runs

pytestmark = pytest.mark.browser
LEGEND = """() => {
    const el = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
    if (!el || !el._fullData) return [];
    return el._fullData.filter(t => t.showlegend).map(t => t.name);
}"""
INTERVALS = """() => {
    const el = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
    if (!el || !el._fullData) return 0;
    return el._fullData.filter(t => t.error_y && t.error_y.visible).length;
}"""
VIEWPORT = {"width": 1400, "height": 1000}


def test_start_a_sweep_watch_it_and_reopen_it(server, page, app_db):
    page.goto(f"{server}/sweep")
    wait_for_app(page)
    set_number(page, "seeds", 2)
    set_number(page, "epochs", 2)
    set_number(page, "subset", 300)
    page.get_by_role("button", name="Start sweep").click()
    wait_for_app(page)
    assert "sweep=" in page.url
    store = RunStore(app_db)
    page.wait_for_function(
        "() => document.body.innerText.includes('runs finished')", timeout=90_000
    )
    sweep_id = list_sweeps(store)["sweep_id"].iloc[0]
    # live: the progress text counts up while runs finish, without touching the page
    page.wait_for_function(
        "() => document.body.innerText.includes('4/4 runs finished')", timeout=240_000
    )
    wait_for_app(page)
    assert set(sweep_runs(store, sweep_id)["status"]) == {"completed"}
    page.wait_for_function(f"() => ({INTERVALS})() === 2", timeout=30_000)
    legend = page.evaluate(LEGEND)
    assert legend == ["Digits starter (one-cycle, SGD)", "Exponential decay"]
    screenshot(page, "sweep-done")

    page.reload()  # a new session: the link in the address bar reopens the same sweep
    wait_for_app(page)
    page.wait_for_function(f"() => ({INTERVALS})() === 2", timeout=60_000)
    assert f"Sweep {sweep_id}" in page.inner_text("body")

    # a second sweep, started while the first is shown: the page switches to it, live
    page.get_by_text("New sweep").click()  # the panel is folded while a sweep is shown
    set_number(page, "seeds", 2)
    set_number(page, "epochs", 2)
    set_number(page, "subset", 300)
    page.get_by_role("button", name="Start sweep").click()
    page.wait_for_url(lambda url: "sweep=" in url and sweep_id not in url, timeout=30_000)
    second = page.url.split("sweep=")[1].split("&")[0]
    page.wait_for_function(
        f"() => document.body.innerText.includes('Sweep {second} (live)')", timeout=30_000
    )
    page.get_by_role("button", name="Stop sweep").wait_for(timeout=30_000)
    page.wait_for_function(
        "() => document.body.innerText.includes('4/4 runs finished')", timeout=240_000
    )
    wait_for_app(page)
    assert f"Sweep {second}" in page.inner_text("body") and second in list(
        list_sweeps(store)["sweep_id"]
    )
