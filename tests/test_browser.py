"""End to end in Debian's headless Chromium: the real server, the real browser."""

import csv
import io
import re
from pathlib import Path

import pytest
from e2e import (
    CEILING_MS,
    chart_traces,
    screenshot,
    set_number,
    streamlit_server,
    wait_for_app,
)

from lrlab.io.share import encode
from lrlab.present.presets import preset

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1280, "height": 720}  # the page fixture's (tests/conftest.py)


def open_page(page, url):
    page.goto(url)
    wait_for_app(page)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .js-plotly-plot', timeout=CEILING_MS)


def choose(page, label, option):
    """Pick an option of a Streamlit selectbox by its label."""
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    box.press("ArrowDown")  # react-aria's combobox opens its list from the keyboard
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_app(page)


def test_home_page(page, server):
    page.goto(server)
    wait_for_app(page)
    assert page.get_by_text("See what a learning-rate schedule really does").is_visible()
    screenshot(page, "home")


def test_explore_change_a_parameter_and_share_the_link(page, browser, server):
    page.goto(server)  # the home page registers the navigation first
    wait_for_app(page)
    open_page(page, f"{server}/explore")
    before = chart_traces(page)
    assert max(before[0]["y"]) == pytest.approx(0.1)
    screenshot(page, "explore")
    set_number(page, "lr", 0.5)
    page.wait_for_function(
        """() => Math.max(...document.querySelector('.js-plotly-plot')._fullData[0].y) > 0.4""",
        timeout=CEILING_MS,
    )
    after = chart_traces(page)
    assert max(after[0]["y"]) == pytest.approx(0.5)
    link = page.url
    assert "c=" in link
    # A new browser context is a new user: the link alone must restore the page.
    other = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    open_page(other, link)
    assert chart_traces(other) == after
    assert other.get_by_label("lr", exact=True).input_value() == "0.5"
    screenshot(other, "explore-from-link")
    other.context.close()


def test_explore_bad_input_shows_a_message_not_a_traceback(page, server):
    page.goto(server)
    wait_for_app(page)
    open_page(page, f"{server}/explore")
    good = chart_traces(page)
    set_number(page, "lr", -0.1)  # torch refuses a negative lr, and so does lrlab, in words
    text = page.locator('[data-testid="stAlert"]').first.inner_text()
    assert re.search(r"lr.*must be (>=|≥) 0, got -0.1", page.content()) or "≥ 0" in text
    assert "Traceback" not in page.content()
    assert chart_traces(page) == good
    screenshot(page, "explore-error")


def test_compare_three_schedules_and_download_the_csv(page, server):
    page.goto(server)
    wait_for_app(page)
    open_page(page, f"{server}/compare")
    assert len(chart_traces(page)) == 2
    choose(page, "from", "One-cycle (fastai)")
    page.get_by_role("button", name="Add", exact=True).click()
    wait_for_app(page)
    page.wait_for_function(
        "() => document.querySelector('.js-plotly-plot').data.length === 3", timeout=CEILING_MS
    )
    names = [t["name"] for t in chart_traces(page)]
    assert names[2] == "One-cycle (fastai)"
    screenshot(page, "compare")
    wait_for_app(page)  # a click during a rerun can be lost with the button it re-renders
    with page.expect_download(timeout=CEILING_MS) as info:  # the CSV is built on the click
        page.get_by_role("button", name="Download all curves (CSV)").click()
    text = Path(info.value.path()).read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0])[:6] == ["schedule", "step", "epoch", "iteration", "group", "lr"]
    assert {r["schedule"] for r in rows} == set(names)
    # A preset keeps its own length: one-cycle's 10 epochs of 100 batches, stepped per batch.
    assert sum(r["schedule"] == "One-cycle (fastai)" for r in rows) == 10 * 100


def test_a_shared_link_is_the_first_request_of_a_fresh_server(browser, tmp_path):
    # Streamlit runs pages/ files on their own until app.py has run once; the link must
    # still open inside the app's navigation, with its state.
    link = encode(preset("SGDR warm restarts"))
    with streamlit_server({"LRLAB_DB": str(tmp_path / "runs.sqlite")}) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        open_page(page, f"{url}/explore?c={link}")
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Explore" in nav and "Train" in nav and "app" not in nav.split()
        y = chart_traces(page)[0]["y"]
        assert y.index(max(y[1:]), 1) == 10  # the first warm restart, at epoch 10
        page.close()
