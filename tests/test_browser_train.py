"""Training in the real browser: live chart, refresh and reattach, stop, compare runs."""

import itertools
import json
import statistics
import time

import pytest
from e2e import CEILING_MS, ROOT, RUN_CEILING_S, eventually, screenshot, set_number, wait_for_app

from lrlab.train.store import RunStore

pytestmark = pytest.mark.browser
LOSS_POINTS = """() => {
    const plots = document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot');
    for (const el of plots) {
        const t = (el._fullData || []).find(t => t.name === 'loss');
        if (t) return t.x.length;
    }
    return 0;
}"""


@pytest.fixture(scope="module")
def app(server, browser, app_db):
    return server, browser, RunStore(app_db)


def new_page(browser, url, path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url)
    wait_for_app(page)
    page.goto(f"{url}/{path}")
    wait_for_app(page)
    return page


def test_live_run_reattach_and_stop(app):
    url, browser, _ = app
    page = new_page(browser, url, "train")
    set_number(page, "epochs", 60)
    set_number(page, "batch_size", 16)
    page.get_by_role("button", name="Start training").click()
    page.wait_for_function(f"() => ({LOSS_POINTS})() > 0", timeout=CEILING_MS)
    assert "run=" in page.url

    # The chart gains points while the job runs; record when the drawn data changes until it
    # has changed 3 times (a loaded machine redraws less often: the ceiling is generous).
    changes, last, start = [], page.evaluate(LOSS_POINTS), time.perf_counter()
    while len(changes) < 3 and time.perf_counter() - start < CEILING_MS / 1000:
        n = page.evaluate(LOSS_POINTS)
        if n != last:
            changes.append(time.perf_counter())
            last = n
        page.wait_for_timeout(50)
    assert len(changes) >= 3, f"the live chart did not keep updating: {len(changes)} updates"
    interval = statistics.median(b - a for a, b in itertools.pairwise(changes))
    (ROOT / "artifacts" / "live-update.json").write_text(
        json.dumps({"median_update_interval_s": interval, "updates": len(changes)})
    )
    screenshot(page, "train-live")

    # A refresh is a new session: the link's run id reattaches to the same running job.
    before = page.evaluate(LOSS_POINTS)
    page.reload()
    wait_for_app(page)
    page.wait_for_function(f"() => ({LOSS_POINTS})() > {before}", timeout=CEILING_MS)
    assert page.get_by_role("button", name="Stop").is_visible()

    page.get_by_role("button", name="Stop").click()
    page.get_by_text("Cancelled").first.wait_for(timeout=CEILING_MS)
    screenshot(page, "train-cancelled")
    page.close()


def test_compare_two_finished_runs(app):
    url, browser, store = app
    page = new_page(browser, url, "train")
    set_number(page, "epochs", 3)
    for name in ("first", "second"):
        page.get_by_label("run name (optional)").fill(name)
        page.get_by_label("run name (optional)").press("Enter")
        wait_for_app(page)
        page.get_by_role("button", name="Start training").click()
        wait_for_app(page)
        eventually(
            lambda n=name: any(
                r["name"] == n and r["status"] == "completed"
                for r in store.list_runs().to_dict("records")
            ),
            f"run {name} did not complete",
            RUN_CEILING_S,
        )
        if name == "first":
            set_number(page, "seed", 1)
    screenshot(page, "train-completed")
    runs = new_page(browser, url, "runs")
    runs.wait_for_selector(".js-plotly-plot", timeout=CEILING_MS)
    names = runs.evaluate("""() => document.querySelector('.js-plotly-plot')._fullData
        .filter(t => t.showlegend !== false).map(t => t.name)""")
    assert any(n.startswith("first") for n in names)
    assert any(n.startswith("second") for n in names)
    screenshot(runs, "runs")
    runs.close()
