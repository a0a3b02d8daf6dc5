"""The Train page through AppTest: where the started run shows, what is kept across pages,
the length hint in the schedule's own units, and unknown run links."""

from apptest_helpers import no_exception, page, traces

from lrlab.jobs.manager import get_manager
from ui.lrfind import PATCH


def captions(at):
    return [c.value for c in at.caption]


def test_an_unknown_run_link_says_the_run_is_unknown(db):
    at = page("pages/train.py", run="doesnotexist")
    no_exception(at)
    assert any("No run `doesnotexist` is known here" in w.value for w in at.warning)
    assert not any(c.startswith("No run yet") for c in captions(at))


def test_the_preset_and_its_range_test_patch_are_kept_across_pages(db):
    at = page("app.py")
    at.switch_page("pages/train.py").run()
    at.radio(key="tr.source").set_value("Preset").run()
    at.selectbox(key="tr.preset").set_value("One-cycle (fastai)").run()
    at.number_input(key="tr.train.epochs").set_value(3).run()
    at.session_state[PATCH] = {"schedule": "One-cycle (fastai)", "lr": 0.0179, "target": "peak"}
    at.run()
    assert any("max_lr set to 0.0179" in i.value for i in at.info)
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/train.py").run()
    no_exception(at)
    assert at.radio(key="tr.source").value == "Preset"
    assert at.selectbox(key="tr.preset").value == "One-cycle (fastai)"
    assert at.number_input(key="tr.train.epochs").value == 3
    assert any("max_lr set to 0.0179" in i.value for i in at.info)  # the patch still applies


def test_the_length_hint_counts_in_the_schedule_s_own_units(db):
    at = page("pages/train.py")
    at.radio(key="tr.source").set_value("Preset").run()
    at.selectbox(key="tr.preset").set_value("Cosine with linear warmup").run()
    at.number_input(key="tr.train.epochs").set_value(8).run()
    assert any(
        "set up for 100 epochs; here it trains for 8 (stepped once per epoch)" in c
        for c in captions(at)
    ), captions(at)
    # One-cycle over 10 epochs of 100 batches, trained 10 epochs of Digits (23 batches of 64):
    # the same epochs, but a quarter of the steps its periods count.
    at.selectbox(key="tr.preset").set_value("One-cycle (fastai)").run()
    at.number_input(key="tr.train.epochs").set_value(10).run()
    assert any(
        "set up for 10 epochs × 100 batches = 1,000 scheduler steps; here it trains 10 epochs "
        "× 23 batches = 230 steps (stepped per batch)" in c
        for c in captions(at)
    ), captions(at)
    # Its total_steps is unset, so the run fills it: the hint says the curve follows the run,
    # and the planned curve agrees (its peak at 30% of the 10 epochs, not of 1,000 steps).
    hint = next(c for c in captions(at) if "This schedule was set up" in c)
    assert "OneCycleLR's total_steps is not set in it, so the run fills it in" in hint
    assert "(OneCycleLR's total_steps = 230 here)" in hint and "follows the run" in hint
    assert "unset" not in hint and ": check" not in hint  # the wording a fresh user tripped on
    assert "keep their values" not in hint
    planned = traces(at)[0]
    peak_at = planned["x"][max(range(len(planned["y"])), key=planned["y"].__getitem__)]
    assert 2.5 < peak_at < 3.5, peak_at
    at.selectbox(key="tr.preset").set_value("Digits starter (one-cycle, SGD)").run()
    at.number_input(key="tr.train.epochs").set_value(8).run()
    assert not any("This schedule was set up" in c for c in captions(at))  # 8 × 23: its own


def test_a_started_run_shows_above_the_range_test_section(db):
    at = page("pages/train.py")
    at.number_input(key="tr.train.epochs").set_value(1)
    at.button(key="tr.start").click().run()
    no_exception(at)
    run_id = at.session_state["tr.run"]
    try:
        assert any(f"Started `{run_id}`" in c for c in captions(at))
        heads = [h.value for h in at.subheader]
        assert heads.index("Run") < heads.index("Find a learning rate")
    finally:
        get_manager(db).cancel(run_id)
