"""Many users at once: N headless Chromium sessions editing Explore on one server.

Each session opens /explore (its own Streamlit session), waits for the chart, then changes
the lr EDITS times; the change-to-chart time is from pressing Enter until that session's chart
holds the new lr. Every session must get its chart and no session may show an exception.
Prints the median and worst change-to-chart time, and the time to the first chart.

Bounded: at most MAX_SESSIONS sessions, a wall-clock limit (--timeout), loopback only (it
starts its own server on 127.0.0.1 with serve.py and waits for its warm-up, unless --url
names one on this machine).

    .venv/bin/python bench/load.py                  # 20 sessions, 2 edits each
    .venv/bin/python bench/load.py --sessions 4 --edits 1
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

MAX_SESSIONS = 50
LOOPBACK = ("127.0.0.1", "localhost", "::1")
CHART_HOLDS_LR = """(lr) => {
    const el = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
    const y = el && el._fullData && el._fullData[0] && el._fullData[0].y;
    return !!y && Math.abs(Math.max(...y) - lr) < 1e-9;
}"""
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


@dataclass
class Session:
    index: int
    first_chart: float | None = None
    changes: list[float] = field(default_factory=list)
    error: str | None = None


async def drive(browser, url: str, session: Session, edits: int, timeout_ms: float) -> None:
    """One user: open Explore, wait for the chart, change the lr ``edits`` times."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    try:
        start = time.perf_counter()
        await page.goto(f"{url}/explore", timeout=timeout_ms)
        await page.wait_for_selector(".js-plotly-plot", timeout=timeout_ms)
        session.first_chart = time.perf_counter() - start
        for i in range(edits):
            lr = round(0.2 + 0.01 * session.index + 0.001 * (i + 1), 6)
            await page.wait_for_selector(IDLE, timeout=timeout_ms)
            box = page.get_by_label("lr", exact=True)
            await box.fill(str(lr))
            start = time.perf_counter()
            await box.press("Enter")
            await page.wait_for_function(CHART_HOLDS_LR, arg=lr, timeout=timeout_ms)
            session.changes.append(time.perf_counter() - start)
        await page.wait_for_selector(IDLE, timeout=timeout_ms)
        if await page.locator("[data-testid='stException']").count():
            session.error = "the page shows an exception"
    except Exception as exc:  # a timeout or a crash: count it, let the others finish
        session.error = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    finally:
        await context.close()


async def run_load(url: str, sessions: int, edits: int, timeout_s: float) -> list[Session]:
    from e2e import CHROMIUM, CHROMIUM_ARGS
    from playwright.async_api import async_playwright

    results = [Session(i) for i in range(sessions)]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            await asyncio.wait_for(
                asyncio.gather(*(drive(browser, url, s, edits, timeout_s * 1000) for s in results)),
                timeout_s,
            )
        except TimeoutError:
            for s in results:
                if s.error is None and len(s.changes) < edits:
                    s.error = f"not done within {timeout_s:.0f} s"
        finally:
            await browser.close()
    return results


def load(
    sessions: int = 20, edits: int = 2, timeout_s: float = 600, url: str | None = None
) -> list[Session]:
    """Drive ``sessions`` concurrent Explore sessions; starts a loopback server if no url."""
    if not 1 <= sessions <= MAX_SESSIONS:
        raise ValueError(f"sessions must be 1..{MAX_SESSIONS}")
    if url is not None:
        if urlparse(url).hostname not in LOOPBACK:
            raise ValueError("only a server on this machine (loopback) may be loaded")
        return asyncio.run(run_load(url, sessions, edits, timeout_s))
    from e2e import server_log, streamlit_server

    # A server as `make run` starts it (serve.py); the load starts once its warm-up is done.
    with streamlit_server(serve=True) as local:
        deadline = time.monotonic() + timeout_s
        while "warm-up done" not in server_log(local).read_text():
            if time.monotonic() > deadline:
                raise TimeoutError("the server's warm-up did not finish")
            time.sleep(0.2)
        return asyncio.run(run_load(local, sessions, edits, timeout_s))


def report(results: list[Session], edits: int) -> int:
    changes = [t for s in results for t in s.changes]
    firsts = [s.first_chart for s in results if s.first_chart is not None]
    errors = [s for s in results if s.error or len(s.changes) < edits]
    print(f"{len(results)} sessions x {edits} edits: {len(results) - len(errors)} complete")
    if firsts:
        print(f"first chart   median {statistics.median(firsts):.3f} s, worst {max(firsts):.3f} s")
    if changes:
        print(
            f"change-to-chart median {statistics.median(changes):.3f} s, "
            f"worst {max(changes):.3f} s ({len(changes)} changes)"
        )
    for s in errors:
        print(f"session {s.index}: {s.error or 'incomplete'}")
    return 1 if errors else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--edits", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=600, help="wall-clock limit, seconds")
    parser.add_argument("--url", help="a running server on this machine (default: start one)")
    args = parser.parse_args()
    results = load(args.sessions, args.edits, args.timeout, args.url)
    return report(results, args.edits)


if __name__ == "__main__":
    sys.exit(main())
