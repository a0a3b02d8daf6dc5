"""A path's settings in a config file (Explore's download): the ``path`` section round-trips
exactly, is refused naming the key when bad, is ignored by the schedule's other readers, and
gives ``python -m lrlab path`` its defaults."""

from __future__ import annotations

import json

import pytest
from cli_runner import lrlab
from hypothesis import given
from hypothesis import strategies as st

from lrlab import ConfigError, parse, simulate, to_code
from lrlab.io.uploads import open_upload
from lrlab.paths import PROBLEM_NAMES, get_problem, run_path
from lrlab.paths.link import (
    CONDITIONED,
    PathSettings,
    path_from_config,
    path_from_link,
    path_to_config,
    path_to_link,
)
from lrlab.train.config import parse_run

SGD = {
    "optimizer": {"name": "SGD", "lr": 0.05, "momentum": 0.9},
    "scheduler": {"name": "StepLR", "step_size": 10, "gamma": 0.5},
    "steps": 30,
}
RUN = {
    "optimizer": {"name": "SGD", "lr": 0.05},
    "scheduler": {"name": "StepLR", "step_size": 3},
    "train": {"dataset": "digits", "model": "lenet", "epochs": 1, "device": "cpu"},
}
COORD = st.floats(-1e6, 1e6, allow_nan=False)


@st.composite
def path_settings(draw):
    name = draw(st.sampled_from(PROBLEM_NAMES))
    start = tuple(draw(st.lists(COORD, min_size=2, max_size=2)))
    if name == "logistic":
        start += (draw(COORD),)
    kappa = draw(st.floats(1.0, 1e4)) if name in CONDITIONED else None
    return PathSettings(name, start, kappa)


@given(path_settings())
def test_the_section_and_the_link_keys_give_back_the_same_settings(path):
    section = json.loads(json.dumps(path_to_config(path)))  # through a file
    assert path_from_config({"path": section}) == path
    assert path_from_link(path_to_link(path)) == path
    assert (path.condition is None) == ("condition" not in section)


def test_left_out_parts_are_the_problems_own():
    assert path_from_config({}) is None
    found = path_from_config({"path": {"problem": "logistic", "start": [0.5, -1]}})
    assert found == PathSettings("logistic", (0.5, -1.0, 1.0))  # b: seed 003's 1
    found = path_from_config({"path": {"problem": "noisy-quadratic"}})
    assert found == PathSettings("noisy-quadratic", get_problem("noisy-quadratic").start, 10.0)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("quadratic", "path: must be an object"),
        ({}, "path.problem: missing"),
        ({"problem": 3}, "path.problem: must be a problem's name, got 3"),
        ({"problem": "moon"}, "path.problem: unknown problem 'moon'"),
        ({"problem": "saddle", "start": "1,2"}, "path.start: must be a list of numbers"),
        ({"problem": "saddle", "start": {"x": 1}}, "path.start: must be a list of numbers"),
        ({"problem": "saddle", "start": [1, 2, 3]}, "path.start: [1.0, 2.0, 3.0]: expected X,Y"),
        ({"problem": "saddle", "start": [1, True]}, "path.start: True is not a number"),
        ({"problem": "saddle", "start": [1, "2"]}, "path.start: '2' is not a number"),
        ({"problem": "saddle", "start": [1, 10**400]}, "path.start: an integer of 401 digits"),
        ({"problem": "saddle", "start": [1, 2e6]}, "path.start: 2000000.0 is not a finite"),
        ({"problem": "saddle", "condition": 3}, "path.condition: not a setting of saddle"),
        ({"problem": "quadratic", "condition": 1e5}, "path.condition: 100000.0 is outside"),
        ({"problem": "quadratic", "condition": None, "seed": 1}, "path.seed: unknown key"),
    ],
)
def test_a_bad_section_is_refused_naming_the_key(section, message):
    with pytest.raises(ConfigError) as err:
        path_from_config({**SGD, "path": section})
    assert str(err.value).startswith(message), str(err.value)
    with pytest.raises(ConfigError, match="^" + message.split(":")[0]):
        open_upload(json.dumps({**SGD, "path": section}).encode())  # a file is refused whole


def test_the_schedules_other_readers_ignore_the_section():
    path = {"problem": "saddle", "start": [1.0, 0.5]}
    assert simulate({**SGD, "path": path}).equals(simulate(SGD))
    assert to_code({**SGD, "path": path}) == to_code(SGD)
    assert parse({**SGD, "path": path}) == parse(SGD)
    assert parse_run({**RUN, "path": path}) == parse_run(RUN)


def test_the_cli_takes_the_files_path_and_its_options_override_it(tmp_path):
    section = {"problem": "quadratic", "start": [-2.0, 1.0], "condition": 25.0}
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({**SGD, "path": section}))
    out = lrlab("path", cfg, "--steps", "5")
    assert out.returncode == 0, out.stderr
    expected = run_path(SGD, get_problem("quadratic", condition=25.0), (-2.0, 1.0), 5)
    assert out.stdout == expected.to_csv(index=False, lineterminator="\n")
    # another problem: the file's start and kappa belong to its own problem, not this one
    other = lrlab("path", cfg, "--problem", "saddle", "--steps", "2")
    assert other.stdout == run_path(SGD, "saddle", None, 2).to_csv(index=False, lineterminator="\n")
    start = lrlab("path", cfg, "--start", "1,1", "--condition", "2", "--steps", "2")
    expected = run_path(SGD, get_problem("quadratic", condition=2.0), "1,1", 2)
    assert start.stdout == expected.to_csv(index=False, lineterminator="\n")
    cfg.write_text(json.dumps({**SGD, "path": {**section, "start": [1]}}))
    bad = lrlab("path", cfg)
    assert bad.returncode == 2 and bad.stderr == "lrlab: path.start: [1.0]: expected X,Y\n"
