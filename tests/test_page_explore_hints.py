"""Explore says what a reader could miss: stale periods after a warmup's length changes,
capped markers, the lesson on a composite, presets opened from links, the whole link."""

import pytest
from apptest_helpers import no_exception, page, traces
from streamlit.testing.v1 import AppTest

from lrlab.io.share import encode
from lrlab.present.presets import preset

WARMUP = "ex.sch.SequentialLR.schedulers.0.LinearLR.total_iters"
MILESTONES = "ex.sch.SequentialLR.milestones"
T_MAX = "ex.sch.SequentialLR.schedulers.1.CosineAnnealingLR.T_max"


@pytest.fixture
def at() -> AppTest:
    at = page("pages/explore.py")
    no_exception(at)
    return at


def lr(at):
    return next(t for t in traces(at) if t["name"].startswith("lr"))["y"]


def test_a_longer_warmup_names_the_stale_milestone_and_period_and_links_them(at):
    assert not [w for w in at.warning if "line up" in w.value]
    at.number_input(key=WARMUP).set_value(10).run()
    no_exception(at)
    (hint,) = [w.value for w in at.warning if "line up" in w.value]
    assert "SequentialLR milestones [5] → [10]" in hint
    assert "CosineAnnealingLR T_max 95 → 90" in hint
    y = lr(at)
    assert max(y[:5]) < 0.06 and y[5] == pytest.approx(0.1)  # cut at 0.05, then a jump
    at.button(key="ex.link").click().run()
    no_exception(at)
    assert at.text_input(key=MILESTONES).value == "10"
    assert at.number_input(key=T_MAX).value == 90
    assert at.number_input(key=WARMUP).value == 10  # the user's warmup is kept
    y = lr(at)
    assert y.index(max(y)) == 10 and y[9] < y[10]  # one rise to 0.1 at 10, then the cosine
    assert not [w for w in at.warning if "line up" in w.value]


def test_capped_restart_markers_are_said_to_be_capped():
    config = preset("SGDR warm restarts")
    config["scheduler"]["T_mult"] = 1
    config["view"] = {**config["view"], "step_per": "batch", "steps_per_epoch": 100}
    at = page("pages/explore.py", c=encode(config))
    no_exception(at)
    notes = [c.value for c in at.caption if c.value.startswith("Markers")]
    assert notes == [
        "Markers (restart) are drawn for the first 40 of 699, up to scheduler step 400; the "
        "curve itself shows every step."
    ]


def test_the_get_lr_lesson_is_shown_on_a_composite_s_child(at):
    at.selectbox(key="ex.teach").set_value("get_lr").run()
    no_exception(at)
    lesson = at.info[0].value
    assert "torch would refuse" not in lesson
    assert "shown on its scheduler 1. LinearLR on its own" in lesson
    assert at.dataframe[0].value["get_last_lr()"].iloc[0] == pytest.approx(0.001)
    at.selectbox(key="ex.teach_child").set_value(1).run()
    assert "2. CosineAnnealingLR" in at.info[0].value
    assert at.dataframe[0].value["get_last_lr()"].iloc[0] == pytest.approx(0.1)


def test_the_share_box_holds_what_the_address_bar_holds(at):
    at.selectbox(key="ex.teach").set_value("order").run()
    links = [c.value for c in at.code if "explore?" in c.value]
    assert len(links) == 1
    query = links[0].split("?", 1)[1]
    assert query == f"c={at.query_params['c']}&teach=order"


@pytest.mark.parametrize("name", ["SGDR warm restarts", "Cosine with linear warmup"])
def test_an_unedited_preset_opened_from_a_link_is_named_as_that_preset(name):
    at = page("pages/explore.py", c=encode(preset(name)))
    no_exception(at)
    assert at.selectbox(key="ex.preset").value == name
    edited = preset(name)
    edited["optimizer"]["lr"] = 0.3
    at = page("pages/explore.py", c=encode(edited))
    assert at.selectbox(key="ex.preset").value == "(your own)"
