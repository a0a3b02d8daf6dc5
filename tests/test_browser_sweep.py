"""The Sweep page in the real browser: start presets × seeds, watch the table fill in live,
see one band and one interval per schedule, reopen by link after a refresh."""

from urllib.parse import parse_qs, urlparse

import pytest
from e2e import CEILING_MS, RUN_CEILING_S, eventually, screenshot, set_number, wait_for_app

from lrlab.sweep import list_sweeps, sweep_runs
from lrlab.train.status import FINAL
from lrlab.train.store import RunStore

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
VIEWPORT = {"width": 1280, "height": 1000}


def test_start_a_sweep_watch_it_and_reopen_it(server, page, app_db):
    page.goto(f"{server}/sweep")
    wait_for_app(page)
    set_number(page, "seeds", 2)
    set_number(page, "epochs", 2)
    set_number(page, "subset", 300)
    wait_for_app(page)
    # the cosine's 5-epoch warmup of 100 epochs, scaled down to the sweep's 2 epochs
    page.get_by_text("fitted to 2 epochs (set up for 100)").wait_for(timeout=30_000)
    screenshot(page, "sweep-new")
    page.get_by_role("button", name="Start sweep").click()
    wait_for_app(page)
    assert "sweep=" in page.url
    store = RunStore(app_db)
    page.wait_for_function(
        "() => document.body.innerText.includes('runs finished')", timeout=CEILING_MS
    )
    sweep_id = list_sweeps(store)["sweep_id"].iloc[0]
    # live: the progress text counts up while runs finish, without touching the page
    page.wait_for_function(
        "() => document.body.innerText.includes('4/4 runs finished')", timeout=240_000
    )
    wait_for_app(page)
    assert set(sweep_runs(store, sweep_id)["status"]) == {"completed"}
    # the link is the sweep's id alone, however its live label changed meanwhile
    assert parse_qs(urlparse(page.url).query)["sweep"] == [sweep_id]
    page.wait_for_function(f"() => ({INTERVALS})() === 2", timeout=CEILING_MS)
    legend = page.evaluate(LEGEND)
    assert legend == ["Digits starter (one-cycle, SGD)", "Cosine with linear warmup"]
    body = page.inner_text("body")
    assert "Which is better" in body
    verdict = "Digits starter (one-cycle, SGD) beats" in body or "cannot be told apart" in body
    assert verdict or "Cosine with linear warmup beats" in body
    page.get_by_text("Which is better").scroll_into_view_if_needed()
    screenshot(page, "sweep-done")

    page.reload()  # a new session: the link in the address bar reopens the same sweep
    wait_for_app(page)
    page.wait_for_function(f"() => ({INTERVALS})() === 2", timeout=CEILING_MS)
    assert f"Sweep {sweep_id}" in page.inner_text("body")

    # a second sweep, started while the first is shown: the page switches to it, live
    page.get_by_text("New sweep").click()  # the panel is folded while a sweep is shown
    set_number(page, "seeds", 2)
    set_number(page, "epochs", 2)
    set_number(page, "subset", 300)
    page.get_by_role("button", name="Start sweep").click()
    page.wait_for_url(lambda url: "sweep=" in url and sweep_id not in url, timeout=CEILING_MS)
    second = page.url.split("sweep=")[1].split("&")[0]
    page.wait_for_function(
        f"() => document.body.innerText.includes('Sweep {second} (live)')", timeout=CEILING_MS
    )
    page.get_by_role("button", name="Stop sweep").wait_for(timeout=CEILING_MS)
    # The first sweep's "4/4 runs finished" can linger in the page while the second starts:
    # wait for the second's own runs in the store, then for the page to say they finished.
    eventually(
        lambda: (
            second in list(list_sweeps(store)["sweep_id"])
            and sweep_runs(store, second)["status"].isin(FINAL).all()
        ),
        "the second sweep's runs did not finish",
        RUN_CEILING_S,
    )
    page.wait_for_function(
        "() => document.body.innerText.includes('4/4 runs finished')", timeout=CEILING_MS
    )
    wait_for_app(page)
    assert f"Sweep {second}" in page.inner_text("body")


def test_an_unknown_sweep_link_says_so(server, page, app_db):
    page.goto(f"{server}/sweep?sweep=doesnotexist")
    wait_for_app(page)
    page.get_by_text("There is no sweep doesnotexist").wait_for(timeout=60_000)
    assert "Sweep sw" not in page.inner_text("body")
    screenshot(page, "sweep-unknown")
