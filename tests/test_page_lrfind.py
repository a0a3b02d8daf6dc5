"""The Train page's range-test section through AppTest: it runs as a job, draws the curve with
each method's suggestion, and "use as max_lr" puts the suggestion into the schedule."""

import pytest
from apptest_helpers import no_exception, page, traces

from lrlab.train.jobs import get_manager


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "runs.sqlite"
    monkeypatch.setenv("LRLAB_DB", str(path))
    return path


def test_find_a_learning_rate_and_use_it_as_max_lr(db):
    at = page("pages/train.py")
    no_exception(at)
    assert at.button(key="tr.rt.start").label == "Find a learning rate"
    at.number_input(key="tr.rt.iters").set_value(30)
    at.number_input(key="tr.rt.repeats").set_value(2)
    at.button(key="tr.rt.start").click().run()
    no_exception(at)
    run_id = at.session_state["tr.rt"]
    jobs = get_manager(db)
    assert jobs.wait(run_id, timeout=300)
    at.run()
    no_exception(at)
    run = jobs.store.get_run(run_id)
    assert run["kind"] == "range_test" and run["status"] == "completed", run["message"]
    lr = run["result"]["suggested_lr"]
    assert any(f"{lr:.3g}" in s.value for s in at.success)
    chart = next(
        traces(at, i)
        for i in range(len(at.get("plotly_chart")))
        if any(t["name"] == "loss (smoothed)" for t in traces(at, i))
    )
    names = [t["name"] for t in chart]
    assert any(n.startswith("valley (fastai)") for n in names)
    assert any(n.startswith("steepest (torch-lr-finder)") for n in names)
    assert any("spread over 2 seeds" in n for n in names)
    assert sum(n.startswith("loss (smoothed)") for n in names) == 2
    assert "Read the smoothed curve" in " ".join(c.value for c in at.caption)
    assert not any(b.label == "Stop" for b in at.button)

    # The starter schedule is one-cycle: "use as max_lr" sets its max_lr, and the planned
    # curve peaks there.
    assert not [b for b in at.button if b.key == "tr.rt.use_lr"]  # its lr would do nothing
    at.button(key="tr.rt.use_peak").click().run()
    no_exception(at)
    assert any(f"max_lr set to {lr:.3g}" in i.value for i in at.info)
    planned = traces(at, 0)
    peak = max(max(t["y"]) for t in planned if t["name"].startswith("lr"))
    assert peak == pytest.approx(lr, rel=1e-3)  # the peak step falls just off the top
    at.button(key="tr.rt.undo").click().run()
    assert not any("max_lr set to" in i.value for i in at.info)


def test_bad_range_options_say_why(db):
    at = page("pages/train.py")
    at.number_input(key="tr.rt.end_lr").set_value(1e-9)
    at.button(key="tr.rt.start").click().run()
    no_exception(at)
    assert any("end_lr" in e.value for e in at.error)
    assert "tr.rt" not in at.session_state
