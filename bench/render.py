"""How responsive is the Explore page? Server-side rerun time and browser change-to-chart time.

For schedules of 1k, 10k and 100k scheduler steps (CosineAnnealingLR stepped per batch):
  simulate  - bare lrlab.simulate() of that config: the baseline, measured in the same run
  cold      - a full page rerun after changing the lr (a new config: simulate + figure + page)
  warm      - a rerun after toggling the log axis (the simulation comes from st.cache_data)
  browser   - in headless Chromium: from typing a new lr to the chart holding the new data
Compare (issue 11): 8 schedules of 10k steps; the rerun after editing one schedule's lr
  (target: under 0.3 s on a quiet machine) against two baselines of the same run: one bare
  simulate() and a rerun that changes nothing (the page's own floor: eight editors' widgets,
  figure, table). An edit that simulates only the edited schedule costs about floor + one
  simulate.
First visit (issue 11): a fresh `python serve.py` server; once its warm-up has finished, the
  first Explore visit's time to chart against a later (warm) visit in a new tab (target 1.5x).
Path panel (issue 19): Explore's cold and warm rerun with the "what it does" panel switched
  on (its default problem, the path and its ghost), against the same reruns with it off;
  minimum and median of the repeats.
Run: .venv/bin/python bench/render.py [--no-browser] [--only compare|first-visit|path]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from streamlit.testing.v1 import AppTest  # noqa: E402

from lrlab import simulate  # noqa: E402
from lrlab.core.view import with_view_steps  # noqa: E402
from lrlab.io.share import encode  # noqa: E402

SIZES = (1_000, 10_000, 100_000)
CHART_SHOWS_LR = """(lr) => {
    const el = document.querySelector('.js-plotly-plot');
    const y = el && el._fullData && el._fullData[0] && el._fullData[0].y;
    return !!y && Math.abs(Math.max(...y) - lr) < 1e-9;
}"""


def config(steps: int) -> dict:
    return {
        "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
        "scheduler": {"name": "CosineAnnealingLR", "T_max": steps},
        "view": {"epochs": steps // 100, "steps_per_epoch": 100, "step_per": "batch"},
    }


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def server_side(steps: int, repeats: int) -> tuple[float, float, float]:
    cfg = config(steps)
    t_sim = min(timed(lambda: simulate(with_view_steps(cfg))) for _ in range(repeats))
    at = AppTest.from_file(str(ROOT / "pages" / "explore.py"), default_timeout=120)
    at.query_params["c"] = encode(cfg)
    at.run()
    cold, warm = [], []
    for i in range(repeats):
        lr = at.number_input(key="ex.opt.SGD.lr").set_value(0.2 + 0.01 * i)
        cold.append(timed(at.run))
        at.toggle(key="ex.view.log_y").set_value(i % 2 == 0)
        warm.append(timed(at.run))
    assert not at.exception, at.exception
    del lr
    return t_sim, statistics.median(cold), statistics.median(warm)


def path_panel(steps: int, repeats: int) -> list[tuple[str, list[float], list[float]]]:
    """(panel, cold reruns, warm reruns) with the path panel off and on, in seconds."""
    out = []
    for on in (False, True):
        at = AppTest.from_file(str(ROOT / "pages" / "explore.py"), default_timeout=120)
        at.query_params["c"] = encode(config(steps))
        at.run()
        at.toggle(key="ex.path.on").set_value(on).run()
        cold, warm = [], []
        for i in range(repeats):
            at.number_input(key="ex.opt.SGD.lr").set_value(0.002 + 0.0001 * i)
            cold.append(timed(at.run))
            at.toggle(key="ex.view.log_y").set_value(i % 2 == 0)
            warm.append(timed(at.run))
        assert not at.exception, at.exception
        out.append(("on" if on else "off", cold, warm))
    return out


def report_path(repeats: int) -> None:
    print(f"Explore rerun with the path panel, {repeats} repeats; seconds, min / median")
    print(f"load average: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(f"{'steps':>8}{'panel':>7}{'cold min':>10}{'median':>8}{'warm min':>10}{'median':>8}")
    for steps in (1_000, 10_000):
        for panel, cold, warm in path_panel(steps, repeats):
            print(
                f"{steps:>8}{panel:>7}{min(cold):>10.3f}{statistics.median(cold):>8.3f}"
                f"{min(warm):>10.3f}{statistics.median(warm):>8.3f}"
            )


def compare_state(steps: int = 10_000, count: int = 8) -> dict:
    item = {
        "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
        "scheduler": {"name": "CosineAnnealingLR", "T_max": steps},
        "view": {"step_per": "batch"},
    }
    return {
        "items": [
            {
                "name": f"s{i}",
                "color": "blue",
                "config": {**item, "optimizer": {**item["optimizer"], "lr": 0.1 + 0.01 * i}},
            }
            for i in range(count)
        ],
        "view": {"epochs": steps // 100, "steps_per_epoch": 100},
    }


def compare_rerun(repeats: int) -> tuple[float, float, float]:
    state = compare_state()
    one = {
        **state["items"][0]["config"],
        "view": {"epochs": 100, "steps_per_epoch": 100, "step_per": "batch"},
    }
    t_sim = min(timed(lambda: simulate(with_view_steps(one))) for _ in range(repeats))
    at = AppTest.from_file(str(ROOT / "pages" / "compare.py"), default_timeout=300)
    at.query_params["s"] = encode(state)
    at.run()
    assert not at.exception, at.exception
    edits, unchanged = [], []
    for i in range(repeats):
        at.number_input(key="cmp3.opt.SGD.lr").set_value(0.5 + 0.01 * i)
        edits.append(timed(at.run))
        unchanged.append(timed(at.run))
    assert not at.exception, at.exception
    return t_sim, min(unchanged), min(edits)


def first_visit(repeats: int) -> tuple[float, float]:
    """Seconds to the chart for the first Explore visit of a fresh, warmed-up server, and the
    best of later visits in new tabs."""
    from e2e import launch_browser, server_log, streamlit_server, wait_for_app
    from playwright.sync_api import sync_playwright

    def visit(browser, url: str) -> float:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        start = time.perf_counter()
        page.goto(f"{url}/explore")
        page.wait_for_selector(".js-plotly-plot", timeout=300_000)
        wait_for_app(page)
        took = time.perf_counter() - start
        page.close()
        return took

    with streamlit_server(serve=True) as url, sync_playwright() as p:
        deadline = time.monotonic() + 300
        while "warm-up done" not in server_log(url).read_text():
            if time.monotonic() > deadline:
                raise RuntimeError("the warm-up did not finish")
            time.sleep(0.2)
        browser = launch_browser(p)
        first = visit(browser, url)
        warm = min(visit(browser, url) for _ in range(repeats))
        browser.close()
    return first, warm


def report_compare(repeats: int) -> None:
    t_sim, floor, edit = compare_rerun(repeats)
    print(
        f"Compare, 8 x 10k steps (best of {repeats}): edit one schedule {edit:.3f} s = "
        f"{edit / t_sim:.1f}x one simulate ({t_sim:.3f} s), {edit / floor:.2f}x a rerun "
        f"changing nothing ({floor:.3f} s), {edit / (floor + t_sim):.2f}x the two summed; "
        f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


def report_first_visit(repeats: int) -> None:
    first, warm = first_visit(repeats)
    print(
        f"first Explore visit after start {first:.3f} s, warm visit {warm:.3f} s: "
        f"{first / warm:.2f}x"
    )


def browser_times(repeats: int) -> dict[int, float]:
    from e2e import launch_browser, streamlit_server, wait_for_app
    from playwright.sync_api import sync_playwright

    (ROOT / "artifacts").mkdir(exist_ok=True)
    out = {}
    with streamlit_server() as url, sync_playwright() as p:
        browser = launch_browser(p)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(url)
        wait_for_app(page)
        for steps in SIZES:
            page.goto(f"{url}/explore?c={encode(config(steps))}")
            wait_for_app(page)
            page.wait_for_selector(".js-plotly-plot")
            times = []
            for i in range(repeats):
                lr = round(0.3 + 0.01 * i, 2)
                box = page.get_by_label("lr", exact=True)
                box.fill(str(lr))
                start = time.perf_counter()
                box.press("Enter")
                page.wait_for_function(
                    "(lr) => Math.abs(Math.max(...document.querySelector('.js-plotly-plot')"
                    "._fullData[0].y) - lr) < 1e-12",
                    arg=lr,
                    timeout=120_000,
                )
                times.append(time.perf_counter() - start)
            out[steps] = statistics.median(times)
        browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--only", choices=("compare", "first-visit", "path"))
    args = parser.parse_args()
    if args.only == "path":
        report_path(args.repeats)
        return
    if args.only != "compare" and not args.no_browser:
        report_first_visit(args.repeats)
    if args.only != "first-visit":
        report_compare(args.repeats)
    if args.only:
        return
    browser = {} if args.no_browser else browser_times(args.repeats)
    print(f"median of {args.repeats}; seconds (ratio to the bare simulate of the same config)")
    print(f"{'steps':>8}{'simulate':>10}{'cold rerun':>16}{'warm rerun':>16}{'browser':>16}")
    for steps in SIZES:
        t_sim, cold, warm = server_side(steps, args.repeats)
        b = browser.get(steps)
        b_text = f"{b:.3f} ({b / t_sim:.1f}x)" if b else "-"
        print(
            f"{steps:>8}{t_sim:>10.3f}{cold:>8.3f} ({cold / t_sim:>4.1f}x)"
            f"{warm:>8.3f} ({warm / t_sim:>4.1f}x){b_text:>16}"
        )


if __name__ == "__main__":
    main()
