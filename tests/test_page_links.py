"""Links and files open exactly the schedule they hold, and every share box follows edits."""

import pytest
from apptest_helpers import messages, no_exception, page, traces

from lrlab import simulate
from lrlab.core.view import with_view_steps
from lrlab.io.links import open_comparison, open_schedule, schedule_difference
from lrlab.io.share import decode, encode
from lrlab.present.presets import preset
from ui.labels import fit

NESTED = {
    "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
    "scheduler": {
        "name": "SequentialLR",
        "schedulers": [
            {
                "name": "SequentialLR",
                "schedulers": [
                    {"name": "LinearLR", "start_factor": 0.1, "total_iters": 3},
                    {"name": "ExponentialLR", "gamma": 0.8},
                ],
                "milestones": [3],
            },
            {"name": "StepLR", "step_size": 4, "gamma": 0.5},
        ],
        "milestones": [8],
    },
    "view": {"epochs": 20, "step_per": "epoch"},
}


def shared(at, param):
    """The config encoded in the page's share box (not the address bar)."""
    (box,) = [c.value for c in at.code if f"?{param}=" in c.value]
    return decode(box.split(f"?{param}=", 1)[1])


def lr0(at):
    return next(t for t in traces(at) if t["name"] == "lr group 0")["y"]


def test_explore_share_box_follows_every_edit():
    at = page("pages/explore.py")
    no_exception(at)
    assert shared(at, "c")["optimizer"]["lr"] == 0.1
    at.number_input(key="ex.opt.SGD.lr").set_value(0.5).run()
    assert shared(at, "c")["optimizer"]["lr"] == 0.5
    at.selectbox(key="ex.sch.name").set_value("StepLR").run()
    box = shared(at, "c")
    assert box == decode(at.query_params["c"]) and box["scheduler"]["name"] == "StepLR"


def test_compare_share_box_follows_every_edit():
    at = page("pages/compare.py")
    no_exception(at)
    at.number_input(key="cmp0.opt.SGD.lr").set_value(0.7).run()
    assert shared(at, "s")["items"][0]["config"]["optimizer"]["lr"] == 0.7
    at.text_input(key="cmp1.name").input("mine").run()
    state = shared(at, "s")
    assert state == decode(at.query_params["s"]) and state["items"][1]["name"] == "mine"


def test_a_nested_sequential_link_opens_exactly():
    at = page("pages/explore.py", c=encode(NESTED))
    no_exception(at)
    assert not at.error and not at.warning, messages(at)
    assert at.selectbox(key="ex.sch.SequentialLR.schedulers.0.name").value == "SequentialLR"
    assert schedule_difference(shared(at, "c"), NESTED) is None
    assert lr0(at) == simulate(with_view_steps(NESTED))["lr"].tolist()


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({**preset("Exponential decay"), "param_groups": [{}] * 10_000}, "at most 16 groups"),
        ([1, 2, 3], "holds a list of 3, not a schedule"),
        ({"optimizer": {"name": "SGD"}, "scheduler": {"name": "Nope"}}, "scheduler.name"),
    ],
)
def test_a_link_that_cannot_open_exactly_says_why_and_changes_nothing(config, words):
    at = page("pages/explore.py", c=encode(config))
    no_exception(at)
    text = messages(at)
    assert "could not be opened" in text and words in text, text
    assert "object has no attribute" not in text
    assert at.number_input(key="ex.groups").value == 1  # the page kept its own schedule
    assert lr0(at)


def test_a_compare_link_is_opened_whole_or_refused():
    state = {"items": [{"name": f"s{i}", "config": preset("Exponential decay")} for i in range(9)]}
    at = page("pages/compare.py", s=encode(state))
    no_exception(at)
    assert "holds 9 schedules and Compare shows at most 8" in messages(at)
    at = page("pages/compare.py", s=encode([1, 2]))
    no_exception(at)
    assert "not a comparison" in messages(at)
    state = {
        "items": [{"name": "nested", "color": "green", "config": NESTED}],
        "view": {"epochs": 20},  # Compare shows every schedule over one length
        "normalize": True,
    }
    at = page("pages/compare.py", s=encode(state))
    no_exception(at)
    assert not at.error, messages(at)
    assert at.radio(key="cmp.normalize").value == "initial"  # an older link's true
    assert schedule_difference(shared(at, "s")["items"][0]["config"], NESTED) is None


def test_open_schedule_and_comparison_refuse_instead_of_trimming():
    assert open_schedule(NESTED) == NESTED
    with pytest.raises(ValueError, match=r"nest"):
        open_schedule({"optimizer": {"name": "SGD", "lr": 0.1}, "scheduler": NESTED_DEEP})
    many = {"items": [{"config": NESTED}] * 3}
    with pytest.raises(ValueError, match="at most 2"):
        open_comparison(many, 2)
    assert len(open_comparison(many, 3)["items"]) == 3
    broken = {"items": [{"config": NESTED}, {"config": {**NESTED, "scheduler": {"name": "No"}}}]}
    with pytest.raises(ValueError, match=r"its schedule 2: scheduler\.name: unknown name 'No'"):
        open_comparison(broken, 8)  # refused whole, never opened with the good one alone


NESTED_DEEP: dict = {"name": "ConstantLR"}
for _ in range(4):
    NESTED_DEEP = {"name": "ChainedScheduler", "schedulers": [NESTED_DEEP]}


def test_an_edited_preset_is_named_custom_and_edited_back_named_again():
    at = page("pages/explore.py")
    name = "Cosine with linear warmup"
    assert at.selectbox(key="ex.preset").value == name
    at.number_input(key="ex.opt.SGD.lr").set_value(0.2).run()
    box = at.selectbox(key="ex.preset")
    assert box.value == "(your own)"
    edited = f"custom (edited from {name})"
    assert box.format_func(box.value) == fit(edited)  # the box shows what fits
    assert edited in [c.value for c in at.sidebar.caption]  # and the whole name under it
    at.number_input(key="ex.opt.SGD.lr").set_value(0.1).run()
    assert at.selectbox(key="ex.preset").value == name


def test_compare_keeps_the_chart_beside_the_editors_and_normalises_by_peak():
    at = page("pages/compare.py")
    chart_col, edit_col = at.columns[:2]
    assert chart_col.get("plotly_chart") and not edit_col.get("plotly_chart")
    assert edit_col.get("expander") and not chart_col.get("expander")
    at.radio(key="cmp.normalize").set_value("peak").run()
    no_exception(at)
    warm = traces(at)[1]["y"]
    assert max(warm) == pytest.approx(1.0) and warm[0] == pytest.approx(0.01)


def test_teaching_ghosts_of_two_groups_differ_in_colour():
    at = page("pages/explore.py")
    at.selectbox(key="ex.preset").set_value("Seeds: two-group LambdaLR").run()
    at.selectbox(key="ex.teach").set_value("stepping").run()
    at.toggle(key="ex.view.log_y").set_value(True).run()
    no_exception(at)
    ghosts = [t for t in traces(at) if t["line"].get("dash") == "dash"]
    assert len({t["line"]["color"] for t in ghosts}) == 2


RESUMED = {**NESTED, "start_step": 12}


def test_a_resumed_link_opens_exactly_and_compare_refuses_it_in_words():
    at = page("pages/explore.py", c=encode(RESUMED))
    no_exception(at)
    assert not at.error and not at.warning, messages(at)
    assert at.number_input(key="ex.start_step").value == 12
    assert schedule_difference(shared(at, "c"), RESUMED) is None
    assert lr0(at) == simulate(with_view_steps(RESUMED))["lr"].tolist()
    # The form's start is part of the schedule: a form that lost it would be caught.
    assert schedule_difference(NESTED, RESUMED) == "start_step: 12, shown 0"
    state = {"items": [{"name": "a", "config": NESTED}, {"name": "b", "config": RESUMED}]}
    at = page("pages/compare.py", s=encode(state))
    no_exception(at)
    assert "its schedule 2 starts at step 12; Compare shows every schedule from step 0" in (
        messages(at)
    )


def test_compare_copies_a_resumed_explore_schedule_from_step_0_and_says_so():
    at = page("app.py")
    at.switch_page("pages/explore.py").run()
    at.number_input(key="ex.start_step").set_value(40).run()
    at.switch_page("pages/compare.py").run()
    at.selectbox(key="cmp.source").set_value("Current Explore schedule").run()
    at.button(key="cmp.add").click().run()
    no_exception(at)
    assert "Copied from step 0" in "\n".join(w.value for w in at.warning)
    copied = shared(at, "s")["items"][-1]["config"]
    assert "start_step" not in copied and copied["steps"] == 100
