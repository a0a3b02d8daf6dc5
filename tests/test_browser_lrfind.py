"""The range test in the real browser: run it from the Train page, see the curve, and put the
suggestion into the schedule with "use as max_lr"."""

import re

import pytest
from e2e import CEILING_MS, screenshot, set_number, wait_for_app

from lrlab.train.store import RunStore

pytestmark = pytest.mark.browser
TRACE_NAMES = """() => [...document.querySelectorAll(
    '[data-testid="stPlotlyChart"] .js-plotly-plot')].flatMap(el => (el._fullData || [])
    .map(t => t.name))"""
VIEWPORT = {"width": 1280, "height": 1400}


def test_find_a_learning_rate_and_use_it_as_max_lr(server, page, app_db):
    page.goto(server)
    wait_for_app(page)
    page.goto(f"{server}/train")
    wait_for_app(page)
    set_number(page, "iterations", 12)
    set_number(page, "seeds", 2)
    page.get_by_role("button", name="Find a learning rate").click()
    use = page.get_by_role("button", name=re.compile(r"^use .* as max_lr$"))
    try:
        use.wait_for(timeout=900_000)  # a loaded 2-core CI box is slow
    finally:
        screenshot(page, "train-range-test-waiting")
    wait_for_app(page)
    assert "rt=" in page.url
    names = page.evaluate(TRACE_NAMES)
    assert "loss (smoothed)" in names and "loss (raw)" in names
    assert any(n.startswith("valley (fastai)") for n in names)
    assert any(n.startswith("minimum/7 (measured best)") for n in names)
    assert any("spread over 2 seeds" in n for n in names)
    run = next(r for r in RunStore(app_db).list_runs().to_dict("records"))
    assert run["kind"] == "range_test" and run["status"] == "completed"
    lr = RunStore(app_db).get_run(run["id"])["result"]["suggested_lr"]
    page.get_by_text("Suggested learning rate").scroll_into_view_if_needed()
    screenshot(page, "train-range-test")
    assert use.inner_text() == f"use {lr:.3g} as max_lr"
    use.click()
    page.get_by_text(f"max_lr set to {lr:.3g}").wait_for(timeout=CEILING_MS)
    wait_for_app(page)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "train-range-test-used")
