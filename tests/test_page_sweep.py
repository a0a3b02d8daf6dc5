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


def stored_sweep(store: RunStore, seeds: int = 2) -> str:
    """A sweep's queued rows in the store, as its driver writes them before anything trains."""
    from lrlab.train.sweep import create_runs, new_sweep_id, parse_sweep

    spec = {
        "base": {"train": {"dataset": "digits", "epochs": 1, "subset": 128}},
        "variants": [
            {
                "label": "a",
                "optimizer": {"name": "SGD", "lr": 0.1},
                "scheduler": {"name": "ExponentialLR", "gamma": 0.9},
            }
        ],
        "seeds": list(range(seeds)),
    }
    sweep_id = new_sweep_id()
    create_runs(store, parse_sweep(spec), sweep_id)
    return sweep_id


def test_starting_a_sweep_when_another_exists_shows_the_new_one_live(db):
    older = stored_sweep(RunStore(db))
    at = page("pages/sweep.py")
    no_exception(at)
    assert at.selectbox(key="sw.open").value == older
    at.number_input(key="sw.seeds").set_value(1)
    at.number_input(key="sw.train.epochs").set_value(1)
    at.number_input(key="sw.train.subset").set_value(128)
    at.button(key="sw.start").click().run()
    no_exception(at)
    new = at.session_state["sw.sweep"]
    jobs = get_sweep_jobs(RunStore(db))
    try:
        assert new != older and at.query_params["sweep"] == new
        box = at.selectbox(key="sw.open")
        assert box.value == new  # listed, even before its process has stored its runs
        assert [o.split(" · ")[0] for o in box.options] == [new, older]
        assert at.subheader[0].value == f"Sweep {new} (live)"
        assert at.button(key="sw.stop")  # it can be stopped from the first redraw on
        at.run()  # a later rerun (the timer, a widget) keeps showing it
        assert at.selectbox(key="sw.open").value == new
        assert at.subheader[0].value.startswith(f"Sweep {new}")
    finally:
        jobs.cancel(new)
        assert jobs.wait(new, timeout=300)


def test_a_link_opens_its_sweep_and_the_box_switches_to_another(db):
    store = RunStore(db)
    first, second = stored_sweep(store), stored_sweep(store)
    at = page("pages/sweep.py", sweep=first)
    no_exception(at)
    assert at.selectbox(key="sw.open").value == first
    assert at.subheader[0].value == f"Sweep {first}"
    at.selectbox(key="sw.open").select(second).run()
    assert at.subheader[0].value == f"Sweep {second}"


def test_a_sweep_with_no_finished_run_counts_no_failure_and_waits_honestly(db):
    store = RunStore(db)
    sweep_id = stored_sweep(store, seeds=3)
    first = sweep_runs(store, sweep_id)["id"].iloc[0]
    store.update_run(first, status="running")
    at = page("pages/sweep.py", sweep=sweep_id)
    no_exception(at)
    summary = at.dataframe[0].value
    assert list(summary["failed"]) == [0] and list(summary["n"]) == [0]
    assert list(summary["pending"]) == [3]  # one running, two queued
    assert not at.get("plotly_chart")  # no empty axes spanning -100%..400%
    assert any("waiting for the first run to finish" in i.value.lower() for i in at.info)
    store.finish_run(first, "diverged", "loss is nan")
    at.run()
    summary = at.dataframe[0].value
    assert list(summary["failed"]) == [1] and list(summary["pending"]) == [2]
