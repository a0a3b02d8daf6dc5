"""In the real browser: share boxes follow edits (and copy), Home's pages, a run's state after
Stop, and a job that only its own session (or its link) can stop."""

import time
from urllib.parse import parse_qs, urlparse

import pytest
from e2e import CEILING_MS, eventually, screenshot, set_number, wait_for_app

from lrlab.io.share import decode
from lrlab.present.guide import GUIDE

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app(server, browser):
    return server, browser


def open_app(browser, url, path="", height=900, live=False):
    """A new browser (context) on ``path``. A page that watches a live job reruns its watcher
    every second, and on a loaded machine each rerun can take longer than that, so it may
    never read "not running": for ``live`` pages the caller waits for their content instead."""
    context = browser.new_context(viewport={"width": 1280, "height": height})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    page = context.new_page()
    page.goto(url)  # the home page registers the navigation first
    wait_for_app(page)
    if path:
        page.goto(f"{url}/{path}")
        if live:
            return page
        wait_for_app(page)
    if path.startswith("train"):  # its first run imports the training stack: slow under load
        page.get_by_role("button", name="Start training").wait_for(timeout=CEILING_MS)
    return page


def share_box(page, key, param):
    """The link in a page's share box, decoded, and the link text itself."""
    text = page.locator(f".st-key-{key} code").inner_text().strip()
    return decode(parse_qs(urlparse(text).query)[param][0]), text


def copied(page, key):
    box = page.locator(f".st-key-{key} [data-testid='stCode']")
    box.hover()
    page.evaluate("navigator.clipboard.writeText('')")
    box.locator("button").first.click()
    return eventually(
        lambda: page.evaluate("navigator.clipboard.readText()").strip(), "nothing was copied"
    )


def test_explore_share_box_follows_an_edit_and_copies(app):
    url, browser = app
    page = open_app(browser, url, "explore")
    page.get_by_role("tab", name="Config & share").click()
    before, _ = share_box(page, "ex_share", "c")
    assert before["optimizer"]["lr"] == 0.1
    set_number(page, "lr", 0.5)
    after, text = share_box(page, "ex_share", "c")
    assert after["optimizer"]["lr"] == 0.5
    assert after == decode(parse_qs(urlparse(page.url).query)["c"][0])  # same as the address
    assert copied(page, "ex_share") == text
    page.locator(".st-key-ex_share").scroll_into_view_if_needed()
    screenshot(page, "explore-share-box")
    page.context.close()


def test_compare_share_box_follows_an_edit(app):
    url, browser = app
    page = open_app(browser, url, "compare")
    page.wait_for_selector(".js-plotly-plot", timeout=CEILING_MS)
    first = page.locator("[data-testid='stExpander']").first
    first.locator("summary").click()
    box = first.get_by_label("lr", exact=True)
    box.fill("0.25")
    box.press("Enter")
    wait_for_app(page)
    state, text = share_box(page, "cmp_share", "s")
    assert state["items"][0]["config"]["optimizer"]["lr"] == 0.25
    assert copied(page, "cmp_share") == text
    # The chart stays in view beside the open editor.
    chart = page.locator(".js-plotly-plot").first.bounding_box()
    assert chart["y"] < 900 and chart["y"] + chart["height"] > 0
    screenshot(page, "compare-editing")
    # The link (hundreds of characters, thousands for eight schedules) takes one line.
    code = page.locator(".st-key-cmp_share [data-testid='stCode']")
    assert len(text) > 500 and code.bounding_box()["height"] < 100
    code.scroll_into_view_if_needed()
    screenshot(page, "compare-share-box")
    page.context.close()


def test_home_offers_every_page_with_a_first_step(app):
    url, browser = app
    page = open_app(browser, url)
    page.get_by_role("link", name="Open Explore").wait_for(timeout=CEILING_MS)
    for guide in GUIDE:
        assert page.get_by_role("link", name=f"Open {guide.title}").is_visible(), guide.title
        assert page.get_by_text(guide.first_step).is_visible()
    screenshot(page, "home")
    page.get_by_role("link", name="Open Train").click()
    page.get_by_role("button", name="Start training").wait_for(timeout=CEILING_MS)
    assert page.url.endswith("/train")
    page.context.close()


def test_stop_shows_the_real_state_and_only_the_owner_may_stop(app):
    url, browser = app
    owner = open_app(browser, url, "train")
    set_number(owner, "epochs", 200)
    set_number(owner, "batch_size", 16)
    owner.get_by_role("button", name="Start training").click()
    owner.get_by_role("button", name="Stop").wait_for(timeout=CEILING_MS)
    run_id = parse_qs(urlparse(owner.url).query)["run"][0]

    stranger = open_app(browser, url, "train", live=True)  # another browser, same server
    stranger.get_by_text("Another session's run").wait_for(timeout=CEILING_MS)
    assert stranger.get_by_text("watch only").first.is_visible()
    assert stranger.get_by_role("button", name="Stop").count() == 0
    screenshot(stranger, "train-other-session")
    holder = open_app(browser, url, f"train?run={run_id}", live=True)  # the run's link
    holder.get_by_role("button", name="Stop").wait_for(timeout=CEILING_MS)
    holder.context.close()

    owner.get_by_role("button", name="Stop").click()
    owner.get_by_text("epochs done").wait_for(timeout=CEILING_MS)
    wait_for_app(owner)
    time.sleep(1.5)  # a live page would redraw within a second: it must stay as it is
    assert owner.get_by_text("epochs done").is_visible()
    assert owner.get_by_text("(live)").count() == 0
    assert owner.get_by_text("A job is running").count() == 0
    assert owner.get_by_text("already training").count() == 0
    assert owner.get_by_role("button", name="Stop").count() == 0
    banner = owner.get_by_text("epochs done").bounding_box()
    chart = owner.locator(".js-plotly-plot").last.bounding_box()
    assert banner["y"] < chart["y"]  # the outcome sits at the top of the run panel
    owner.get_by_text("epochs done").scroll_into_view_if_needed()
    screenshot(owner, "train-stopped")
    owner.context.close()
    stranger.context.close()


def _overlap(a, b):
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_small_multiples_titles_stay_readable(app):
    url, browser = app
    page = open_app(browser, url, "compare")
    page.wait_for_selector(".js-plotly-plot", timeout=CEILING_MS)
    page.get_by_text("small multiples").click()
    wait_for_app(page)
    page.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot .annotation').length >= 2",
        timeout=CEILING_MS,
    )
    title = page.locator(".js-plotly-plot .annotation").first.bounding_box()
    legend = page.locator(".js-plotly-plot .legend")
    assert legend.count() == 0 or not _overlap(legend.first.bounding_box(), title)
    screenshot(page, "compare-small-multiples")
    page.context.close()
