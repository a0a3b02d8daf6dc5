"""The server warms torch and lrlab at start and marks runs of dead processes interrupted."""

import time

import pytest
from e2e import launch_browser, server_log, streamlit_server, wait_for_app
from playwright.sync_api import sync_playwright

from lrlab.train.store import RunStore
from lrlab.warmup import start_warmup, warm


def dead_run(path):
    store = RunStore(path)
    run_id = store.create_run({"scheduler": {"name": "StepLR"}, "train": {}})
    store.update_run(run_id, status="running", pid=2**22 + 4321)  # no such process
    return store, run_id


def test_warm_builds_the_first_objects_and_recovers_dead_runs(tmp_path):
    path = tmp_path / "runs.sqlite"
    RunStore(path)
    store, run_id = dead_run(path)
    out = warm(path, modules=("lrlab.present.compare",))
    assert out["interrupted"] == 1 and out["seconds"] > 0
    assert store.get_run(run_id)["status"] == "interrupted"


def test_started_once_per_process(tmp_path):
    first = start_warmup(tmp_path / "a.sqlite")
    assert start_warmup(tmp_path / "b.sqlite") is first
    first.join(timeout=300)
    assert not first.is_alive()


@pytest.mark.slow
def test_server_start_marks_dead_runs_interrupted_before_any_visit(tmp_path):
    path = tmp_path / "runs.sqlite"
    store, run_id = dead_run(path)
    assert store.get_run(run_id)["status"] == "running"
    with streamlit_server({"LRLAB_DB": str(path)}, serve=True) as url:
        deadline = time.monotonic() + 240
        while "warm-up done" not in server_log(url).read_text():
            assert time.monotonic() < deadline, server_log(url).read_text()
            time.sleep(0.5)
        assert store.get_run(run_id)["status"] == "interrupted"
        assert "'error': None" in server_log(url).read_text()


def warm_up_log(url, timeout=240):
    """The server log once the warm-up has said it is done."""
    deadline = time.monotonic() + timeout
    while "warm-up done" not in server_log(url).read_text():
        assert time.monotonic() < deadline, server_log(url).read_text()
        time.sleep(0.5)
    return server_log(url).read_text()


@pytest.mark.browser
def test_plain_streamlit_run_warms_up_once_from_the_first_visit(tmp_path):
    path = tmp_path / "runs.sqlite"
    store, run_id = dead_run(path)
    with streamlit_server({"LRLAB_DB": str(path)}) as url, sync_playwright() as p:
        browser = launch_browser(p)
        for _ in range(3):  # three sessions, each running app.py more than once
            page = browser.new_page()
            page.goto(url)
            wait_for_app(page)
            page.get_by_role("link", name="Open Explore").click()
            wait_for_app(page)
            page.close()
        browser.close()
        log = warm_up_log(url)
        assert log.count("lrlab: warm-up done") == 1 and "'error': None" in log
        assert store.get_run(run_id)["status"] == "interrupted"  # Train was never opened
