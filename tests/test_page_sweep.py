"""The Sweep page through AppTest: start a sweep of presets × seeds, watch it fill in, see the
bands and intervals, reopen it by link and from Runs."""

import pytest
from apptest_helpers import no_exception, page, traces

from lrlab.train.store import RunStore
from lrlab.train.sweep import sweep_runs
from lrlab.train.sweep_jobs import get_sweep_jobs


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "runs.sqlite"
    monkeypatch.setenv("LRLAB_DB", str(path))
    return path


@pytest.mark.slow
def test_start_watch_and_reopen_a_sweep(db):
    at = page("pages/sweep.py")
    no_exception(at)
    assert at.multiselect(key="sw.schedules").value == [
        "Digits starter (one-cycle, SGD)",
        "Exponential decay",
    ]
    at.number_input(key="sw.seeds").set_value(2)
    at.number_input(key="sw.train.epochs").set_value(1)
    at.number_input(key="sw.train.subset").set_value(256)
    at.run()
    assert at.metric[0].value == "4"
    at.button(key="sw.start").click().run()
    no_exception(at)
    sweep_id = at.session_state["sw.sweep"]
    store = RunStore(db)
    assert get_sweep_jobs(store).running(sweep_id)  # outside the script run
    assert get_sweep_jobs(store).wait(sweep_id, timeout=300)
    assert get_sweep_jobs(store).spec(sweep_id)["seeds"] == [0, 1]
    runs = sweep_runs(store, sweep_id)
    assert set(runs["status"]) == {"completed"} and sorted(runs["seed"]) == [0, 0, 1, 1]

    again = page("pages/sweep.py", sweep=sweep_id)  # a new session: the link reopens it
    no_exception(again)
    shown = {t["name"] for t in traces(again) if t.get("showlegend") is not False}
    assert shown == {"Digits starter (one-cycle, SGD)", "Exponential decay"}
    mean = {
        t["name"]: t["y"]
        for t in traces(again)
        if t.get("error_y") and t["error_y"].get("array") is not None
    }
    runs = runs.set_index(["label", "seed"])
    for label, y in mean.items():
        assert y == pytest.approx([runs.loc[label, "test_accuracy"].mean()])
    assert len(mean) == 2
    summary, table = again.dataframe[0].value, again.dataframe[1].value  # summary first
    assert list(summary["label"]) == ["Digits starter (one-cycle, SGD)", "Exponential decay"]
    assert list(summary["n"]) == [2, 2]
    assert len(table) == 4 and set(table["status"]) == {"completed"}

    listing = page("pages/runs.py")
    no_exception(listing)
    assert any(f"sweep?sweep={sweep_id}" in m.value for m in listing.markdown)
    listed = listing.dataframe[0].value  # a sweep's runs are stored normalised: no gaps
    assert set(listed["model"]) == {"lenet"} and set(listed["dataset"]) == {"digits"}


def test_a_sweep_that_cannot_run_says_why_and_starts_nothing(db):
    from apptest_helpers import ROOT, TIMEOUT
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages/sweep.py"), default_timeout=TIMEOUT)
    broken = {"optimizer": {"name": "SGD", "lr": 0.1}, "scheduler": {"name": "StepLR"}}
    at.session_state["cmp.items"] = [{"name": "no step size", "config": broken}]
    at.run()
    assert at.multiselect(key="sw.schedules").value == ["Compare: no step size"]
    at.button(key="sw.start").click().run()
    no_exception(at)
    assert "variants[0].scheduler.step_size" in at.error[0].value
    assert RunStore(db).list_runs().empty
