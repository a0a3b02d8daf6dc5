"""Explore's "what it does" panel through AppTest: it renders, its settings change the
figures, and its problem and start go through a link and back."""

import json

import pytest
from apptest_helpers import no_exception, page, traces

from lrlab import simulate, to_code
from lrlab.catalog import OPTIMIZERS
from lrlab.io.share import encode
from lrlab.paths import run_path
from lrlab.paths.link import PathSettings, path_from_link, path_to_link
from lrlab.present.presets import preset

P = "ex.path"


def _panel_traces(at, name):
    """The traces of the panel's chart ``name`` (surface or loss), by their position."""
    keys = [c.proto.id for c in at.get("plotly_chart")]
    index = next(i for i, k in enumerate(keys) if f"{P}.{name}" in k)
    return traces(at, index)


def _path(at):
    return next(t for t in _panel_traces(at, "surface") if t["name"].endswith("this schedule"))


@pytest.fixture
def at():
    at = page("pages/explore.py")
    at.toggle(key=f"{P}.on").set_value(True).run()
    no_exception(at)
    return at


def test_the_panel_is_off_until_switched_on():
    at = page("pages/explore.py")
    no_exception(at)
    assert len(at.get("plotly_chart")) == 1  # only the lr chart: no path is computed


def test_the_panel_opens_on_a_problem_where_the_default_schedule_is_stable(at):
    # Rosenbrock was the default, and the default schedule (SGD lr 0.1, momentum 0.9) diverged
    # there at step 7: a teacher's first view was a divergence.
    assert at.selectbox(key=f"{P}.problem").value == "quadratic"
    path = _path(at)
    assert (path["x"][0], path["y"][0]) == (-4.0, 1.5)  # the bowl's documented start
    assert len(path["x"]) == 101  # every step of the 100-epoch default: no divergence
    assert not [w.value for w in at.warning]
    loss = next(t for t in _panel_traces(at, "loss") if t["name"].startswith("loss (SGD"))
    assert loss["y"][-1] < 1e-2 * loss["y"][0]  # it reaches the bottom of the bowl
    assert max(loss["y"][:20]) > loss["y"][0]  # and momentum's overshoot is there to see


def test_the_panel_shows_the_path_its_ghost_and_the_update(at):
    names = [t["name"] for t in _panel_traces(at, "surface")]
    assert any("constant lr" in n for n in names) and "minimum" in names
    loss = _panel_traces(at, "loss")
    assert {t["name"] for t in loss} >= {"loss (SGD, this schedule)", "lr (SGD, this schedule)"}
    shown = [e.value for e in [*at.markdown, *at.latex]]
    assert any(OPTIMIZERS["SGD"].formula in v for v in shown)  # the catalog's update
    caption = [c.value for c in at.caption if c.value.startswith("step ")]
    assert caption and "loss=" in caption[0]


def test_changing_the_problem_and_start_changes_the_figure(at):
    before = _path(at)
    at.selectbox(key=f"{P}.problem").set_value("saddle").run()
    no_exception(at)
    saddle = _path(at)
    assert (saddle["x"][0], saddle["y"][0]) == (1.5, 0.01) and saddle != before
    at.number_input(key=f"{P}.x.saddle").set_value(-1.0).run()
    no_exception(at)
    moved = _path(at)
    assert moved["x"][0] == -1.0
    assert at.query_params["problem"] == ["saddle"] or at.query_params["problem"] == "saddle"


def test_the_step_slider_moves_the_marker_and_the_caption(at):
    slider = next(s for s in at.slider if s.label == "Step")
    assert slider.value == slider.max  # opens on the last step
    slider.set_value(3).run()
    no_exception(at)
    marker = next(t for t in _panel_traces(at, "surface") if t["name"].endswith("at step 3"))
    caption = next(c.value for c in at.caption if c.value.startswith("step 3:"))
    assert f"x={marker['x'][0]:.4g}" in caption


def test_a_link_opens_the_panel_on_its_problem_and_start():
    at = page("pages/explore.py", problem="quadratic", start="-3,1")
    no_exception(at)
    assert at.toggle(key=f"{P}.on").value
    path = _path(at)
    assert (path["x"][0], path["y"][0]) == (-3.0, 1.0)


def test_a_broken_link_key_is_named_and_changes_nothing():
    at = page("pages/explore.py", problem="moon")
    no_exception(at)
    assert any("problem" in w.value and "moon" in w.value for w in at.warning)
    assert not at.toggle(key=f"{P}.on").value


def test_link_keys_round_trip():
    logistic = PathSettings("logistic", (0.1, -0.7, 1.0))
    assert path_from_link(path_to_link(logistic)) == logistic
    bowl = PathSettings("quadratic", (-3.0, 0.1 + 0.2), 33.3)
    assert path_from_link(path_to_link(bowl)) == bowl  # repr floats: bit for bit
    assert path_from_link({}) is None
    assert path_from_link({"start": "1,2"}).problem == "quadratic"  # the pages' default
    with pytest.raises(ValueError, match=r"^start:"):
        path_from_link({"problem": "saddle", "start": "1,inf"})
    with pytest.raises(ValueError, match=r"^condition: not a setting of saddle"):
        path_from_link({"problem": "saddle", "condition": "3"})
    with pytest.raises(ValueError, match=r"^condition: 'lots' is not a number"):
        path_from_link({"problem": "quadratic", "condition": "lots"})
    cfg = {
        "optimizer": {"name": "SGD", "lr": 0.01},
        "scheduler": {"name": "ConstantLR"},
        "steps": 3,
    }
    found = path_from_link(path_to_link(PathSettings("saddle", (0.3, 0.2))))
    assert run_path(cfg, found.problem, found.start).iloc[0][["x", "y"]].tolist() == [0.3, 0.2]


def _download(at):
    """The config the page offers as "Download config JSON": the tab shows the same value
    (``st.json(shared)`` beside ``download_button(json.dumps(shared))``); AppTest keeps no
    download's bytes."""
    assert any(d.proto.label == "Download config JSON" for d in at.get("download_button"))
    return json.loads(at.json[0].value)


def _query(at):
    return {k: at.query_params[k] for k in ("problem", "start", "condition")}


def test_link_page_download_link_round_trip():
    link = {"problem": "quadratic", "start": "-3.0,0.75", "condition": "30.0"}
    at = page("pages/explore.py", **link)
    no_exception(at)
    assert at.number_input(key=f"{P}.condition").value == 30.0
    assert {k: v if isinstance(v, str) else v[0] for k, v in _query(at).items()} == link
    share = next(c.value for c in at.code if "c=" in c.value)
    assert "problem=quadratic" in share and "start=-3.0%2C0.75" in share and "condition=30" in share
    config = _download(at)
    assert config["path"] == {"problem": "quadratic", "start": [-3.0, 0.75], "condition": 30.0}
    # the schedule's readers accept the section and ignore it: the same curve, the same code
    plain = {k: v for k, v in config.items() if k != "path"}
    assert simulate(config).equals(simulate(plain)) and to_code(config) == to_code(plain)
    # the download as a link of its own (c= only) opens the panel on the same path
    again = page("pages/explore.py", c=encode(config))
    no_exception(again)
    assert again.toggle(key=f"{P}.on").value
    assert _query(again) == _query(at)
    assert _path(again) == _path(at)
    assert _download(again) == config


def test_an_uploaded_download_opens_the_panel_on_its_path():
    at = page("pages/explore.py", problem="saddle", start="-1.0,0.25")
    config = _download(at)
    fresh = page("pages/explore.py")
    assert not fresh.toggle(key=f"{P}.on").value
    fresh.file_uploader(key="ex.upload").upload("c.json", json.dumps(config).encode()).run()
    no_exception(fresh)
    assert fresh.toggle(key=f"{P}.on").value
    assert (_path(fresh)["x"][0], _path(fresh)["y"][0]) == (-1.0, 0.25)
    assert _download(fresh)["path"] == {"problem": "saddle", "start": [-1.0, 0.25]}


BAD_PATHS = [
    ({"problem": "moon"}, "path.problem: unknown problem 'moon'"),
    ({"problem": "saddle", "start": [1]}, "path.start: [1.0]: expected X,Y"),
    ({"problem": "saddle", "start": "1,2"}, "path.start: must be a list of numbers"),
    ({"problem": "saddle", "condition": 3}, "path.condition: not a setting of saddle"),
    ({"problem": "quadratic", "condition": 0}, "path.condition: 0.0 is outside [1, 10000]"),
    ({"problem": "quadratic", "noise": 2}, "path.noise: unknown key"),
]


@pytest.mark.parametrize(("section", "words"), BAD_PATHS[:3])
def test_a_link_with_a_bad_path_section_is_refused_whole(section, words):
    config = {**preset("ResNet step decay (StepLR 30/60/90)"), "path": section}
    at = page("pages/explore.py", c=encode(config))
    no_exception(at)
    shown = [e.value for e in [*at.error, *at.warning]]
    assert any(words in v for v in shown), shown
    assert not at.toggle(key=f"{P}.on").value  # the panel keeps its own (off)
    assert _download(at)["scheduler"]["name"] != "StepLR"  # nor the schedule


@pytest.mark.parametrize(("section", "words"), BAD_PATHS[3:])
def test_an_upload_with_a_bad_path_section_is_refused_whole(section, words):
    at = page("pages/explore.py", problem="saddle", start="0.5,0.5")
    before = _download(at)
    config = {**preset("ResNet step decay (StepLR 30/60/90)"), "path": section}
    at.file_uploader(key="ex.upload").upload("c.json", json.dumps(config).encode()).run()
    no_exception(at)
    assert any(words in e.value for e in at.error), [e.value for e in at.error]
    assert _download(at) == before  # nothing changed: schedule, panel and path


def test_compare_overlays_every_schedules_path_in_its_colour():
    at = page("pages/compare.py", problem="saddle", start="1.5,0.2")
    no_exception(at)
    assert at.toggle(key="cmp.path.on").value
    keys = [c.proto.id for c in at.get("plotly_chart")]
    index = next(i for i, k in enumerate(keys) if "cmp.path.surface" in k)
    lines = [t for t in traces(at, index) if t.get("mode") == "lines"]
    assert len(lines) >= 2  # the page opens with two schedules
    assert len({t["line"]["color"] for t in lines}) == len(lines)
    assert all((t["x"][0], t["y"][0]) == (1.5, 0.2) for t in lines)
    assert lines[0]["x"] != lines[1]["x"]  # different schedules, different paths
    share = next(c.value for c in at.code if "s=" in c.value)
    assert share.endswith("&problem=saddle&start=1.5%2C0.2")  # the share box carries them
    other = page("pages/compare.py", s=at.query_params["s"], problem="saddle", start="1.5,0.2")
    again = next(t for t in traces(other, index) if t.get("mode") == "lines")
    assert (again["x"], again["y"]) == (lines[0]["x"], lines[0]["y"])


def test_the_panel_says_when_the_schedule_does_not_move_the_path():
    # Rprop takes the lr of step 1 as its first step size and never reads it again
    cfg = {
        "optimizer": {"name": "Rprop", "lr": 0.01},
        "scheduler": {"name": "StepLR", "step_size": 5, "gamma": 0.1},
        "steps": 30,
    }
    at = page("pages/explore.py", c=encode(cfg), problem="rosenbrock")
    no_exception(at)
    assert any("changes the lr but not Rprop's path" in i.value for i in at.info)


def _one(at, key):
    value = at.query_params.get(key)
    return value[0] if isinstance(value, list) else value


def test_the_step_goes_into_the_link_and_a_link_opens_at_its_step(at):
    # a teacher shares the lesson at step 3: the address (and so the share box) holds it
    next(s for s in at.slider if s.label == "Step").set_value(3).run()
    assert _one(at, "path_step") == "3"
    share = next(c.value for c in at.code if "explore?" in c.value)
    assert "path_step=3" in share
    query = {k: _one(at, k) for k in ("c", "problem", "start", "path_step")}
    other = page("pages/explore.py", **query)  # a new session opens the link
    no_exception(other)
    assert next(s for s in other.slider if s.label == "Step").value == 3
    assert any(c.value.startswith("step 3:") for c in other.caption)
    # back at the end (the default), the key leaves the address
    slider = next(s for s in other.slider if s.label == "Step")
    slider.set_value(slider.max).run()
    assert _one(other, "path_step") is None


@pytest.mark.parametrize("raw", ["999999", "-1", "three"])
def test_a_link_step_that_is_not_a_step_of_the_path_is_said(raw):
    at = page("pages/explore.py", problem="quadratic", start="-3,1", path_step=raw)
    no_exception(at)
    slider = next(s for s in at.slider if s.label == "Step")
    assert slider.value == slider.max
    assert any(
        "path_step" in w.value and "is not a step of this path" in w.value for w in at.warning
    )


def test_compare_s_share_link_carries_the_step():
    at = page("pages/compare.py", problem="saddle", start="1.5,0.2", path_step="4")
    no_exception(at)
    assert next(s for s in at.slider if s.label == "Step").value == 4
    share = next(c.value for c in at.code if "s=" in c.value)
    assert share.endswith("&problem=saddle&start=1.5%2C0.2&path_step=4")
