"""The Train page's range-test section through AppTest: it runs as a job, draws the curve with
each method's suggestion, and "use as max_lr" puts the suggestion into the schedule."""

import pytest
from apptest_helpers import no_exception, page, traces

from lrlab.jobs.manager import get_manager
from lrlab.rangetest.figure import METHOD_NAMES, how_to_read


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
    assert any(n.startswith("minimum/7 (measured best)") for n in names)
    assert any(n.startswith("steepest (torch-lr-finder)") for n in names)
    assert any("spread over 2 seeds" in n for n in names)
    assert sum(n.startswith("loss (smoothed)") for n in names) == 2
    assert how_to_read("minimum7") in [c.value for c in at.caption]
    assert not any(b.label == "Stop" for b in at.button)

    # The starter schedule is one-cycle: "use as max_lr" sets its max_lr, and the planned
    # curve peaks there.
    assert not [b for b in at.button if b.key == "tr.rt.use_lr"]  # its lr would do nothing
    at.button(key="tr.rt.use_peak").click().run()
    no_exception(at)
    assert any(f"max_lr set to {lr:.3g}" in i.value for i in at.info)
    # said where the user clicked too (the note above is out of view): the button gives way
    assert not [b for b in at.button if b.key == "tr.rt.use_peak"]
    assert any(f"now trains with max_lr {lr:.3g}" in s.value for s in at.success)
    planned = traces(at, 0)
    peak = max(max(t["y"]) for t in planned if t["name"].startswith("lr"))
    assert peak == pytest.approx(lr, rel=1e-3)  # the peak step falls just off the top
    assert at.session_state["tr.lr_patch"]["lr"] == float(f"{lr:.3g}")  # stored as shown
    at.button(key="tr.rt.undo").click().run()
    assert not any("max_lr set to" in i.value for i in at.info)
    assert [b for b in at.button if b.key == "tr.rt.use_peak"]  # offered again

    # Another method: the sentence, the chart's solid line and the button follow it.
    result = run["result"]
    assert at.selectbox(key="tr.rt.method").value == "minimum7"  # the measured default
    for method in ("steepest", "valley", "minimum", "minimum7"):
        at.selectbox(key="tr.rt.method").set_value(method).run()
        no_exception(at)
        median = result["suggestion_spread"][method]["median"]
        shown = float(f"{median:.3g}")
        assert any(f"Suggested learning rate: **{shown:.3g}**" in s.value for s in at.success)
        assert at.button(key="tr.rt.use_peak").label == f"use {shown:.3g} as max_lr"
        chart = next(
            traces(at, i)
            for i in range(len(at.get("plotly_chart")))
            if any(t["name"] == "loss (smoothed)" for t in traces(at, i))
        )
        solid = [t for t in chart if t.get("line", {}).get("width") == 3]
        assert [t["name"] for t in solid] == [f"{METHOD_NAMES[method]}: {median:.3g}"]
        # the caption and the chart's mark say what this method's suggestion is
        assert how_to_read(method) in [c.value for c in at.caption]
        marks = [t for t in chart if t["name"].startswith("lowest smoothed loss")]
        assert len(marks) == (method in ("minimum", "minimum7"))
    at.button(key="tr.rt.use_peak").click().run()
    assert at.session_state["tr.lr_patch"]["lr"] == shown
    assert any(f"max_lr set to {shown:.3g}" in i.value for i in at.info)


def test_bad_range_options_say_why(db):
    at = page("pages/train.py")
    at.number_input(key="tr.rt.end_lr").set_value(1e-9)
    at.button(key="tr.rt.start").click().run()
    no_exception(at)
    assert any("end_lr" in e.value for e in at.error)
    assert "tr.rt" not in at.session_state


def test_a_suggestion_stays_with_the_schedule_it_was_made_for(db):
    from apptest_helpers import ROOT, TIMEOUT
    from streamlit.testing.v1 import AppTest

    from lrlab.present.presets import STARTER

    at = AppTest.from_file(str(ROOT / "pages/train.py"), default_timeout=TIMEOUT)
    # As "use as max_lr" leaves it after a range test on the starter schedule.
    at.session_state["tr.lr_patch"] = {"lr": 0.5, "target": "peak", "schedule": STARTER}
    at.run()
    no_exception(at)

    def peak():
        return max(max(t["y"]) for t in traces(at, 0) if t["name"].startswith("lr"))

    assert any("max_lr set to 0.5" in i.value for i in at.info)
    assert peak() == pytest.approx(0.5, rel=1e-3)
    at.radio(key="tr.source").set_value("Preset").run()
    at.selectbox(key="tr.preset").set_value("One-cycle (fastai)").run()
    no_exception(at)
    assert not any("set to" in i.value for i in at.info)  # another schedule: its own max_lr
    assert peak() == pytest.approx(0.4, rel=1e-3)
