"""Train and Runs pages: usual stepping, a run's real state after Stop, and who controls a job."""

import time

import pytest
from apptest_helpers import no_exception, page

from lrlab.jobs.manager import get_manager
from lrlab.train.status import (
    deletable,
    headline,
    links_to_offer,
    may_control,
    progress_line,
    shown_run,
)

LONG = {
    "optimizer": {"name": "SGD", "lr": 0.01},
    "scheduler": {"name": "ConstantLR"},
    "train": {"dataset": "digits", "epochs": 200, "batch_size": 16, "device": "cpu"},
}


def pick_preset(at, name):
    at.radio(key="tr.source").set_value("Preset").run()
    at.selectbox(key="tr.preset").set_value(name).run()
    no_exception(at)
    return at.selectbox(key="tr.train.step_per").value


def test_a_picked_preset_brings_its_usual_stepping(db):
    at = page("pages/train.py")
    assert at.selectbox(key="tr.train.step_per").value == "batch"  # the one-cycle starter
    assert pick_preset(at, "ResNet step decay (StepLR 30/60/90)") == "epoch"
    assert pick_preset(at, "One-cycle (fastai)") == "batch"
    assert pick_preset(at, "SGDR warm restarts") == "epoch"
    assert pick_preset(at, "Cyclical (triangular2)") == "batch"
    assert pick_preset(at, "Exponential decay") == "epoch"
    assert pick_preset(at, "Cosine with linear warmup") == "epoch"
    assert pick_preset(at, "ReduceLROnPlateau on a noisy loss") == "epoch"
    assert not at.error and not at.button(key="tr.start").disabled
    # The user's own choice for the same schedule stays.
    at.selectbox(key="tr.train.step_per").set_value("batch").run()
    assert at.selectbox(key="tr.train.step_per").value == "batch"
    assert not at.error  # a plateau stepped per batch: a proposal, not an error
    assert any("stepped once per epoch" in w.value for w in at.warning)
    assert at.button(key="tr.start").disabled
    at.button(key="tr.usual").click().run()
    assert at.selectbox(key="tr.train.step_per").value == "epoch"
    assert not at.button(key="tr.start").disabled


@pytest.mark.slow
def test_after_stop_the_panel_says_cancelled_at_its_top(db):
    at = page("pages/train.py")
    at.number_input(key="tr.train.epochs").set_value(200)
    at.number_input(key="tr.train.batch_size").set_value(16)
    at.button(key="tr.start").click().run()
    run_id = at.session_state["tr.run"]
    jobs = get_manager(db)
    heads = [h.value for h in at.subheader]  # the run, right under Start, before the range test
    assert heads.index("Run") < heads.index("Find a learning rate")
    deadline = time.time() + 30
    while not any("already training" in c.value for c in at.caption):
        assert time.time() < deadline
        at.run()
    assert at.button(key="tr.start").disabled  # a second click would train it twice
    at.button(key="tr.stop").click().run()
    assert jobs.wait(run_id, timeout=60)
    at.run()
    no_exception(at)
    assert jobs.store.get_run(run_id)["status"] == "cancelled"
    assert not any("already training" in c.value for c in at.caption)
    assert not at.button(key="tr.start").disabled
    assert not any("live" in s.value for s in at.subheader)
    assert at.warning[0].value.startswith("Cancelled at step")  # the panel's first message
    assert "tr.stop" not in [b.key for b in at.button]


@pytest.mark.slow
def test_only_the_starting_session_or_the_link_holder_may_stop(db):
    jobs = get_manager(db)
    owner = page("pages/train.py")
    owner.number_input(key="tr.train.epochs").set_value(200)
    owner.number_input(key="tr.train.batch_size").set_value(16)
    owner.button(key="tr.start").click().run()
    run_id = owner.session_state["tr.run"]
    try:
        assert "tr.stop" in [b.key for b in owner.button]
        stranger = page("pages/train.py")  # another browser session, no link
        no_exception(stranger)
        assert "tr.stop" not in [b.key for b in stranger.button]
        assert any("another session" in s.value.lower() for s in stranger.subheader)
        assert not any(run_id in c.value for c in stranger.caption if "Open another" in c.value)
        holder = page("pages/train.py", run=run_id)  # the run's link: a refresh, or shared
        assert "tr.stop" in [b.key for b in holder.button]
        runs = page("pages/runs.py")
        runs.multiselect(key="runs.selected").set_value([run_id]).run()
        assert runs.checkbox(key="runs.confirm").disabled  # a live job cannot be deleted
        assert runs.button(key="runs.delete").disabled
        assert jobs.store.get_run(run_id) is not None
    finally:
        jobs.cancel(run_id)
        jobs.wait(run_id, timeout=60)


def test_deleting_needs_confirmation(db):
    jobs = get_manager(db)
    run_id = jobs.submit({**LONG, "train": {**LONG["train"], "epochs": 1}})
    assert jobs.wait(run_id, timeout=120)
    runs = page("pages/runs.py")
    runs.multiselect(key="runs.selected").set_value([run_id]).run()
    assert runs.button(key="runs.delete").disabled  # not before the box is ticked
    runs.checkbox(key="runs.confirm").check().run()
    runs.button(key="runs.delete").click().run()
    no_exception(runs)
    assert jobs.store.get_run(run_id) is None


def test_status_rules():
    assert may_control("a", ["a"], None) and may_control("b", [], "b")
    assert not may_control("c", ["a"], "b")
    assert shown_run("l", "s", ["x"]) == ("l", False)
    assert shown_run(None, "s", ["x"]) == ("s", False)
    assert shown_run(None, None, iter(["x"])) == ("x", True)
    assert shown_run(None, None, []) == (None, False)
    assert deletable(["a", "b", "c"], {"a": "running", "b": "completed", "c": "queued"}) == (
        ["b"],
        ["a", "c"],
    )
    runs = [{"id": "a", "status": "running"}, {"id": "b", "status": "completed"}]
    assert [r["id"] for r in links_to_offer(runs, None, [])] == ["b"]
    assert [r["id"] for r in links_to_offer(runs, "b", ["a"])] == ["a"]
    run = {"epochs": 10, "epochs_done": 3, "message": "cancelled at step 40 (epoch 4)"}
    assert headline(run, "cancelled") == (
        "warning",
        "Cancelled at step 40 (epoch 4): 3 of 10 epochs done.",
    )
    assert headline({**run, "message": "by the user"}, "cancelled")[1] == (
        "Cancelled (by the user): 3 of 10 epochs done."
    )
    assert headline(run, "running", stopping=True)[1].startswith("Stopping")
    done = {"test_accuracy": 0.9, "best_test_accuracy": 0.95, "seconds": 2.0}
    assert headline(done, "completed") == (
        "success",
        "Completed: test accuracy 90.00% (best 95.00%) in 2.0 s.",
    )
    assert headline({"message": "loss is nan"}, "diverged")[0] == "error"


def test_a_starting_job_says_starting_not_step_0_of_0():
    assert headline({}, "running", starting=True) == (
        "info",
        "Starting: loading the data and building the model…",
    )
    progress = {"total_steps": 0, "steps_done": 0, "epochs_done": 0, "epochs": 8, "fraction": 0.0}
    for kind in ("train", "range_test"):
        fraction, text = progress_line(progress, kind)
        assert fraction == 0.0 and text.startswith("Starting") and "0/0" not in text
    going = {**progress, "total_steps": 184, "steps_done": 46, "epochs_done": 2, "fraction": 0.25}
    going |= {"images_per_s": 1234.5, "seconds_left": 12.0}
    assert progress_line(going) == (0.25, "epoch 3/8 · step 46/184 · 1,234 images/s · 12 s left")
    assert progress_line(going, "range_test")[1].startswith("range test · step 46/184")
    at_end = {**going, "epochs_done": 8, "steps_done": 184, "fraction": 1.0}
    assert progress_line(at_end)[1].startswith("epoch 8/8")  # never "epoch 9/8"
