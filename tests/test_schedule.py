"""The parsed value: parse once, then simulate, to_code and teaching take it without checks."""

import dataclasses

import pytest

import lrlab
import lrlab.core.schedule as schedule_module
from lrlab import ConfigError, Schedule, parse, simulate, to_code
from lrlab.catalog import SCHEDULERS
from lrlab.core.view import with_view_steps
from lrlab.io.share import decode, encode
from lrlab.present.presets import PRESETS, preset
from lrlab.present.teaching import get_lr_vs_last_lr, wrong_order

# A share link the Explore page published before Schedule existed (main at 2207121): links
# made then must still open.
OLD_LINK = (
    "eNo9jj0LwjAURf9KuaMETREHOwsuTjqKhNg-20DShKb1q-S_m7Tq8obLufe8Edb1yqg3dShG6Hj5kvOcwVhDbT-YFGwZ"
    "WmkIBU77HRgepOqmFxWV8jUXeB4YnOykEXVnB-dRnMfAfot5uDD4sqFq0D-T0NJcKxlBkLNlk61W2TqOR90mWyyyKcTl"
    "rz5M-OGIaPI9JUXOGe6KHmlwwr-ZtrWIj92k9jTDwiXtDOHbT5mYk9iKtaeQT-X_WAgfRL5avw"
)

STEP_LR = {"scheduler": {"name": "StepLR", "step_size": 3}, "steps": 7}


@pytest.fixture
def count_validations(monkeypatch):
    calls = []
    real = schedule_module.validate

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(schedule_module, "validate", counting)
    return calls


def test_parse_returns_a_frozen_normalised_value():
    s = parse(
        {
            "optimizer": {"name": "SGD", "lr": 1},
            "scheduler": {"name": "StepLR", "step_size": 3},
            "steps": 7,
        }
    )
    assert isinstance(s, Schedule) and s.steps == 7
    assert s.optimizer["lr"] == 1.0 and isinstance(s.optimizer["lr"], float)
    assert s.param_groups == ({},) and s.scheduler_name == "StepLR" and s.step_per == "epoch"
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.steps = 8
    assert parse(s.to_json()) == s  # the normalised form parses back to an equal value


@pytest.mark.parametrize("name", list(PRESETS))
def test_a_schedule_is_validated_once_and_then_passes_through(name, count_validations):
    s = parse(preset(name), view=True)
    assert len(count_validations) == 1
    df = simulate(s)
    to_code(s)
    if not SCHEDULERS[s.scheduler_name].needs_metric:
        wrong_order(s)
    assert len(count_validations) == 1
    assert df.equals(simulate(with_view_steps(preset(name))))  # the dict path gives the same
    assert to_code(s) == to_code(s.to_json())


def test_steps_override_reparses_and_view_sets_steps():
    cfg = preset("ResNet step decay (StepLR 30/60/90)")
    s = parse(cfg, view=True)
    assert s.steps == with_view_steps(cfg)["steps"] and s.view["step_per"] == "epoch"
    assert parse(s, steps=5).steps == 5 and parse(s, steps=s.steps) is s
    table, _ = get_lr_vs_last_lr(s, steps=40)
    assert len(table) == 40


def test_bad_input_is_a_config_error_naming_the_field():
    with pytest.raises(ConfigError) as err:
        parse(
            {
                "optimizer": {"name": "SGD", "lr": -1},
                "scheduler": {"name": "StepLR", "step_size": 3},
                "steps": 7,
            }
        )
    assert err.value.field == "optimizer.lr"


def test_a_link_made_before_the_change_still_opens():
    s = parse(decode(OLD_LINK), view=True)
    assert s.scheduler_name == "LambdaLR" and len(s.param_groups) == 2
    assert simulate(s)["group"].nunique() == 2
    assert lrlab.parse is parse


RESUMED = {
    "optimizer": {"name": "SGD", "lr": 1.0},
    "scheduler": {"name": "StepLR", "step_size": 3, "gamma": 0.5},
    "steps": 4,
}


def test_start_step_round_trips_and_is_left_out_at_zero():
    s = parse({**RESUMED, "start_step": 5})
    assert s.start_step == 5 and s.to_json()["start_step"] == 5
    assert parse(s.to_json()) == s
    assert s.simulation_key() != parse(RESUMED).simulation_key()
    # 0 is the default: the normalised config, its link and its code are those of before.
    zero = parse({**RESUMED, "start_step": 0})
    assert "start_step" not in zero.to_json() and zero == parse(RESUMED)
    assert encode(zero.to_json()) == encode(parse(RESUMED).to_json())
    assert to_code(zero) == to_code(RESUMED) and "Resuming" not in to_code(RESUMED)
    assert parse(decode(OLD_LINK), view=True).start_step == 0
    assert simulate(s)["lr"].tolist() == [0.5, 0.25, 0.25, 0.25]  # steps 5 to 8


def test_the_view_is_the_whole_run_and_start_step_shows_its_rest():
    cfg = {**RESUMED, "view": {"epochs": 10, "step_per": "epoch"}}
    assert with_view_steps(cfg)["steps"] == 10
    s = parse({**cfg, "start_step": 4}, view=True)
    assert (s.start_step, s.steps) == (4, 6)
    assert simulate(s)["step"].tolist() == list(range(4, 10))
    assert parse(s.to_json(), view=True) == s  # the download reopens as it was
    for start in (10, 11):
        with pytest.raises(ConfigError, match="must be below the run's 10 scheduler steps"):
            parse({**cfg, "start_step": start}, view=True)
    with pytest.raises(ConfigError, match="start_step: must be a whole number"):
        parse({**cfg, "start_step": 2.5}, view=True)
    per_batch = {**cfg, "view": {"epochs": 3, "steps_per_epoch": 5, "step_per": "batch"}}
    assert parse({**per_batch, "start_step": 14}, view=True).steps == 1  # the last batch
