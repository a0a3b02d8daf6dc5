"""Helpers for driving the real app in Debian's headless Chromium with Playwright.

The app is started with `streamlit run` on a free loopback port. A missing browser is a
failure, never a skip: CI must run these tests.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("LRLAB_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def server_log(url: str) -> Path:
    return ROOT / "artifacts" / f"streamlit-{url.rsplit(':', 1)[1]}.log"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(env: dict[str, str] | None = None, serve: bool = False) -> Iterator[str]:
    """Run `streamlit run app.py` (or, with ``serve``, `python serve.py`, which warms up at
    server start) on loopback; yields the base URL. The log is ``server_log(url)``."""
    port = free_port()
    (ROOT / "artifacts").mkdir(exist_ok=True)
    log = open(ROOT / "artifacts" / f"streamlit-{port}.log", "w")  # noqa: SIM115
    launch = ["serve.py"] if serve else ["-m", "streamlit", "run", "app.py"]
    proc = subprocess.Popen(
        [
            sys.executable,
            *launch,
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 240  # streamlit imports slowly on a loaded machine
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"streamlit did not start; see {log.name}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def launch_browser(playwright):
    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"Chromium is missing at {CHROMIUM}: run scripts/ensure-chromium "
            "(the browser tests must run, not skip)"
        )
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


# Ceilings for waits on a condition, sized for a loaded 2-core machine (load average 10-18,
# two CPU-bound processes beside the suite: scripts/loaded-browser-tests). A wait returns as
# soon as its condition holds, so a generous ceiling costs nothing on a quiet machine.
CEILING_MS = int(float(os.environ.get("LRLAB_E2E_CEILING_S", "180")) * 1000)
RUN_CEILING_S = float(os.environ.get("LRLAB_E2E_RUN_CEILING_S", "900"))  # a short training run
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def wait_for_app(page, timeout: float = CEILING_MS, settle_ms: int = 700) -> None:
    """Wait until the script run triggered by the last action has finished.

    The app reads "not running" both before a rerun starts and after it ends; on a loaded
    machine a rerun can start well after the action. So the idle state must hold for
    ``settle_ms`` (re-checked) before this returns; waits for the page's content go on top.
    """
    deadline = time.monotonic() + timeout / 1000
    page.wait_for_timeout(400)  # let the rerun start before waiting for its end
    while True:
        left = max(1.0, (deadline - time.monotonic()) * 1000)
        page.wait_for_selector(IDLE, timeout=left)
        page.wait_for_timeout(settle_ms)
        if page.query_selector(IDLE) is not None or time.monotonic() > deadline:
            break
    page.wait_for_timeout(200)


def eventually(check, what: str, timeout_s: float = CEILING_MS / 1000, every: float = 0.3):
    """Poll ``check()`` until it returns something truthy (returned); fail naming ``what``."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what} (waited {timeout_s:.0f} s)"
        time.sleep(every)


def set_number(page, label: str, value: float) -> None:
    """Type into a Streamlit number input found by its label, and wait for the rerun."""
    box = page.get_by_label(label, exact=True)
    box.fill(str(value))
    box.press("Enter")
    wait_for_app(page)


def chart_traces(page, index: int = 0) -> list[dict]:
    """Names and y values of the Plotly chart as the browser has drawn it."""
    return page.evaluate(
        """(i) => {
            const charts = '[data-testid="stPlotlyChart"] .js-plotly-plot';
            const el = document.querySelectorAll(charts)[i];
            return el._fullData.map(t => ({name: t.name, y: Array.from(t.y)}));
        }""",
        index,
    )


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
