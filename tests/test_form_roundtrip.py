"""The form is the exact inverse of a config: what a link or file holds is what the form shows."""

import json

import pytest
from apptest_helpers import TIMEOUT, no_exception
from streamlit.testing.v1 import AppTest

from lrlab.io.links import schedule_difference
from lrlab.present.presets import PRESETS, preset


def _script():
    import json

    import streamlit as st

    from ui.form import load_state, schedule_form

    if "loaded" not in st.session_state:
        load_state("f", st.session_state["want"])
        st.session_state["loaded"] = True
    form = schedule_form("f", st.sidebar)
    st.session_state["got"] = json.dumps(form.config)
    st.session_state["errors"] = [str(e) for e in form.errors]


def shown(config):
    at = AppTest.from_function(_script, default_timeout=TIMEOUT)
    at.session_state["want"] = config
    at.run()
    no_exception(at)
    assert at.session_state["errors"] == []
    return json.loads(at.session_state["got"])


NESTED = {
    "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
    "scheduler": {
        "name": "SequentialLR",
        "schedulers": [
            {
                "name": "SequentialLR",
                # The composite comes first: torch cannot switch *to* one at a milestone.
                "schedulers": [
                    {
                        "name": "ChainedScheduler",
                        "schedulers": [
                            {"name": "ExponentialLR", "gamma": 0.9},
                            {"name": "StepLR", "step_size": 2, "gamma": 0.5},
                        ],
                    },
                    {"name": "LinearLR", "start_factor": 0.1, "total_iters": 3},
                ],
                "milestones": [3],
            },
            {"name": "CosineAnnealingLR", "T_max": 20},
        ],
        "milestones": [8],
    },
    "view": {"epochs": 30, "step_per": "epoch"},
}
SIX_CHILDREN = {
    "optimizer": {"name": "Adam", "lr": 0.001},
    "param_groups": [{}, {"lr": 0.01}, {"lr": 0.0001}],
    "scheduler": {
        "name": "SequentialLR",
        "schedulers": [{"name": "ConstantLR", "factor": 0.1 * (i + 1)} for i in range(6)],
        "milestones": [2, 4, 6, 8, 10],
    },
    "view": {"epochs": 20, "step_per": "epoch"},
}
# decay_rate is left out: timm's default 1.0, not the 0.1 a fresh form proposes.
TIMM_DEFAULTS = {
    "optimizer": {"name": "SGD", "lr": 0.1},
    "scheduler": {"name": "timm:StepLRScheduler", "decay_t": 30},
    "view": {"epochs": 100, "step_per": "epoch"},
}


@pytest.mark.parametrize(
    "config",
    [*map(preset, PRESETS), NESTED, SIX_CHILDREN, TIMM_DEFAULTS],
    ids=[*PRESETS, "nested", "six", "timm-defaults"],
)
def test_the_form_shows_exactly_the_schedule_it_was_given(config):
    assert schedule_difference(shown(config), config) is None


def test_schedule_difference_names_what_changed():
    edited = json.loads(json.dumps(NESTED))
    edited["scheduler"]["schedulers"][0]["schedulers"][1] = {"name": "StepLR", "step_size": 3}
    found = schedule_difference(edited, NESTED)
    assert found and found.startswith("scheduler.schedulers[0].schedulers[1].name")
    # Defaults written out or left implicit are the same schedule.
    explicit = preset("Exponential decay")
    explicit["optimizer"]["betas"] = [0.9, 0.999]
    assert schedule_difference(explicit, preset("Exponential decay")) is None
    assert "61" in schedule_difference({**explicit, "view": {"epochs": 61}}, explicit)


def _chained(depth):
    """ChainedScheduler nested ``depth`` levels deep around one StepLR."""
    sched = {"name": "StepLR", "step_size": 2, "gamma": 0.5}
    for _ in range(depth):
        sched = {"name": "ChainedScheduler", "schedulers": [sched]}
    return {"optimizer": {"name": "SGD", "lr": 0.1}, "scheduler": sched}


def test_the_form_offers_every_nesting_the_validator_accepts_and_no_deeper():
    from lrlab import ConfigError, validate
    from lrlab.core.kinds import MAX_NESTING

    at = AppTest.from_function(_script, default_timeout=TIMEOUT)
    at.session_state["want"] = _chained(1)
    at.run()
    key, levels = "f.sch.ChainedScheduler.schedulers.0.name", 1
    while "ChainedScheduler" in at.selectbox(key=key).options:
        at.selectbox(key=key).set_value("ChainedScheduler").run()
        no_exception(at)
        levels += 1
        # Whatever the form offers, the validator takes: no error, and the config it built.
        assert at.session_state["errors"] == [], levels
        got = json.loads(at.session_state["got"])
        validate(got, steps=20)
        sched, depth = got["scheduler"], 0
        while sched["name"] == "ChainedScheduler":
            sched, depth = sched["schedulers"][0], depth + 1
        assert depth == levels  # the form built the nesting it shows
        key = key.removesuffix(".name") + ".ChainedScheduler.schedulers.0.name"
    assert levels == MAX_NESTING  # every depth the validator accepts is offered, no deeper
    assert at.selectbox(key=key).options  # the deepest level still offers plain schedulers
    with pytest.raises(ConfigError, match="nest at most"):
        validate(_chained(MAX_NESTING + 1), steps=20)
