"""The Compare page (and the home page) through Streamlit's AppTest."""

import itertools

import pytest
from apptest_helpers import messages, no_exception, page, traces

from lrlab.io.share import decode, encode
from lrlab.present.presets import preset


@pytest.fixture
def at():
    at = page("pages/compare.py")
    no_exception(at)
    return at


def names(at):
    return [t["name"] for t in traces(at)]


def test_two_schedules_by_default_with_a_summary(at):
    assert names(at) == ["ResNet step decay (StepLR 30/60/90)", "Cosine with linear warmup"]
    summary = at.table[0].value  # the text the page shows, cell by cell
    assert summary["schedule"].tolist() == names(at)
    assert summary["lr peak"].tolist() == ["0.1", "0.1"]
    assert summary["iters to ≤10% of peak"].tolist() == ["3,000", "8,100"]
    assert summary["lr end"].tolist() == ["1.00e-04", "2.73e-05"]  # significant digits
    assert summary["length (epochs × batches)"].tolist() == ["100 × 100, own"] * 2
    assert summary["first iter ≠ #1"].tolist() == ["— (the reference)", "0 (of iters 0–9,999)"]


def test_add_a_third_schedule_from_a_preset(at):
    at.selectbox(key="cmp.source").set_value("One-cycle (fastai)").run()
    at.button(key="cmp.add").click().run()
    no_exception(at)
    assert len(names(at)) == 3 and names(at)[2] == "One-cycle (fastai)"
    one_cycle = traces(at)[2]
    assert max(one_cycle["y"]) == pytest.approx(0.4)  # per batch: many points, decimated shape
    assert len(one_cycle["x"]) <= 2000


def test_edit_in_place_duplicate_and_remove(at):
    at.number_input(key="cmp0.opt.SGD.lr").set_value(0.2).run()
    assert max(traces(at)[0]["y"]) == pytest.approx(0.2)
    at.button(key="cmp0.dup").click().run()
    assert names(at)[2] == "ResNet step decay (StepLR 30/60/90) (copy)"
    assert max(traces(at)[2]["y"]) == pytest.approx(0.2)
    at.button(key="cmp1.rm").click().run()
    no_exception(at)
    assert len(names(at)) == 2 and "Cosine with linear warmup" not in names(at)


def test_an_invalid_schedule_is_reported_and_the_rest_still_drawn(at):
    at.number_input(key="cmp0.opt.SGD.lr").set_value(-1.0).run()  # torch refuses it too
    no_exception(at)
    assert "lr: must be >= 0" in messages(at)
    assert names(at) == ["Cosine with linear warmup"]


def test_normalise_grid_and_log(at):
    at.radio(key="cmp.normalize").set_value("initial").run()
    assert traces(at)[1]["y"][0] == pytest.approx(1.0)  # warmup starts at 1% -> 1.0 normalised
    at.radio(key="cmp.layout").set_value("grid").run()
    no_exception(at)
    assert {t.get("xaxis", "x") for t in traces(at)} == {"x", "x2"}


def test_a_shared_comparison_link_restores_every_schedule():
    state = {
        "items": [
            {
                "name": "warm cosine",
                "color": "green",
                "config": preset("Cosine with linear warmup"),
            },
            {"name": "sgdr", "color": "pink", "config": preset("SGDR warm restarts")},
            {
                "name": "plateau",
                "color": "black",
                "config": preset("ReduceLROnPlateau on a noisy loss"),
            },
        ],
        "view": {"epochs": 70, "steps_per_epoch": 20, "x_axis": "epoch", "log_y": True},
        "layout": "overlay",
    }
    at = page("pages/compare.py", s=encode(state))
    no_exception(at)
    assert names(at) == ["warm cosine", "sgdr", "plateau"]
    assert traces(at)[0]["line"]["color"] == "#009E73"
    assert at.toggle(key="cmp.view.log_y").value is True
    assert decode(at.query_params["s"])["items"][1]["name"] == "sgdr"


def test_home_page_links_to_every_page():
    at = page("app.py")
    no_exception(at)
    assert "lrlab" in at.title[0].value
    assert len(at.get("page_link")) >= 2


def test_items_survive_a_visit_to_another_page():
    at = page("app.py")
    at.switch_page("pages/compare.py").run()
    at.text_input(key="cmp0.name").input("mine").run()
    at.number_input(key="cmp0.opt.SGD.lr").set_value(0.3).run()
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/compare.py").run()
    no_exception(at)
    assert names(at)[0] == "mine"
    assert max(traces(at)[0]["y"]) == pytest.approx(0.3)


def test_copy_the_explore_schedule_into_the_comparison():
    at = page("app.py")
    at.switch_page("pages/explore.py").run()
    at.selectbox(key="ex.preset").set_value("SGDR warm restarts").run()
    at.switch_page("pages/compare.py").run()
    at.selectbox(key="cmp.source").set_value("Current Explore schedule").run()
    at.button(key="cmp.add").click().run()
    no_exception(at)
    assert names(at)[-1] == "from Explore"


def test_compare_holds_eight_schedules_and_offers_no_ninth():
    # Literal numbers on purpose: a test derived from MAX_ITEMS would follow a lifted limit.
    eight = {"items": [{"name": f"s{i}", "config": preset("Exponential decay")} for i in range(8)]}
    at = page("pages/compare.py", s=encode(eight))
    no_exception(at)
    assert not at.error, messages(at)
    assert len(names(at)) == 8
    assert at.button(key="cmp.add").disabled
    assert all(at.button(key=f"cmp{i}.dup").disabled for i in range(8))
    at.button(key="cmp0.rm").click().run()
    assert len(names(at)) == 7 and not at.button(key="cmp.add").disabled
    nine = {"items": eight["items"] + [{"name": "s8", "config": preset("Exponential decay")}]}
    at = page("pages/compare.py", s=encode(nine))
    no_exception(at)
    assert "it holds 9 schedules and Compare shows at most 8" in messages(at)
    assert len(names(at)) == 2  # the page kept its own two schedules


def test_a_picked_scheduler_fits_its_own_length(at):
    at.number_input(key="cmp0.view.epochs").set_value(40).run()
    at.selectbox(key="cmp0.sch.name").set_value("CosineAnnealingLR").run()
    no_exception(at)
    assert at.number_input(key="cmp0.sch.CosineAnnealingLR.T_max").value == 40
    y = traces(at)[0]["y"]
    assert len(y) == 40 and min(y) < 0.002  # a whole half cosine: 0.1 down to near 0


TIMM = "timm ImageNet cosine (timm:CosineLRScheduler)"
TORCH = "timm's ImageNet cosine as torch users write it (SequentialLR)"


def add_preset(at, name):
    at.selectbox(key="cmp.source").set_value(name).run()
    at.button(key="cmp.add").click().run()
    no_exception(at)


def test_presets_bring_their_length_and_the_page_says_so(at):
    add_preset(at, TIMM)  # 300 epochs, in a comparison of 100
    summary = at.table[0].value
    assert summary["length (epochs × batches)"].tolist()[2] == "300 × 100, own"
    timm = traces(at)[2]
    assert max(timm["x"]) == 299  # its whole 300 epochs, not cut at the comparison's 100
    assert min(timm["y"]) < 1e-5  # so the cosine reaches its floor
    notes = [c.value for c in at.caption]
    assert any(n.startswith(f"{TIMM}: its own length, 300 epochs × 100 batches") for n in notes), (
        notes
    )


def test_the_timm_preset_and_its_lookalike_part_after_the_warmup():
    state = {
        "items": [{"name": n, "config": preset(n)} for n in (TORCH, TIMM)],
        "view": {"epochs": 3, "steps_per_epoch": 500},  # the short comparison of the issue
    }
    at = page("pages/compare.py", s=encode(state))
    no_exception(at)
    y = [t["y"] for t in traces(at)]
    assert len(y[0]) == len(y[1]) == 300  # both keep their 300 epochs, not 3
    summary = at.table[0].value
    # timm's cosine runs during warmup: they part at epoch 5 (iteration 5 × 100, their own).
    assert summary["first iter ≠ #1"].tolist()[1] == "500 (of iters 0–29,999)"
    assert summary["lr end"].tolist() == ["2.84e-06", "2.74e-06"]


def test_a_fitted_schedule_is_scaled_to_the_comparison_and_says_how(at):
    at.number_input(key="cmp.view.epochs").set_value(300).run()
    at.radio(key="cmp1.length").set_value("fit").run()
    no_exception(at)
    cosine = traces(at)[1]["y"]
    assert len(cosine) == 300
    # One warmup and one cosine over 300 epochs: it rises, then only falls (no second hump).
    peak = cosine.index(max(cosine))
    falling = cosine[peak:]
    assert peak == 15 and all(b <= a for a, b in itertools.pairwise(falling))
    summary = at.table[0].value
    assert summary["length (epochs × batches)"].tolist() == ["100 × 100, own", "300 × 100, fitted"]
    notes = [c.value for c in at.caption]
    assert (
        "Cosine with linear warmup: fitted from its own 100 epochs × 100 batches to the "
        "comparison's 300 × 100: "
        "SequentialLR milestones [5] → [15], LinearLR total_iters 5 → 15, "
        "CosineAnnealingLR T_max 95 → 285."
    ) in notes
    # The link keeps it as set up, and fitted: it opens the same.
    shared = decode(at.query_params["s"])["items"][1]
    assert shared["length"] == "fit" and shared["config"]["scheduler"]["milestones"] == [5]
    again = page("pages/compare.py", s=at.query_params["s"])
    no_exception(again)
    assert traces(again)[1]["y"] == cosine


def test_a_schedule_that_keeps_its_length_in_a_longer_comparison_draws_one_hump(at):
    at.number_input(key="cmp.view.epochs").set_value(300).run()
    cosine = traces(at)[1]["y"]
    assert len(cosine) == 100  # its own 100 epochs: never run on into a second cosine
    assert "Cosine with linear warmup: its own length, 100 epochs × 100 batches" in " ".join(
        c.value for c in at.caption
    )


def test_first_iter_differs_compares_with_the_schedule_picked_as_reference(at):
    add_preset(at, TIMM)
    add_preset(at, TORCH)
    at.selectbox(key="cmp.reference").set_value(f"#3 {TIMM}").run()
    no_exception(at)
    summary = at.table[0].value
    assert "first iter ≠ #1" not in summary.columns
    assert summary["first iter ≠ #3"].tolist()[2:] == [
        "— (the reference)",
        "500 (of iters 0–29,999)",  # the look-alike parts from timm at epoch 5
    ]
    shared = decode(at.query_params["s"])
    assert shared["reference"] == 2
    again = page("pages/compare.py", s=encode({**shared, "reference": "x"}))
    no_exception(again)  # a bad reference in a link: compared with the first, as before
    assert "first iter ≠ #1" in again.table[0].value.columns
