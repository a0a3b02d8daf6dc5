"""The parsed value: parse once, then simulate, to_code and teaching take it without checks."""

import dataclasses

import pytest

import lrlab
import lrlab.core.schedule as schedule_module
from lrlab import ConfigError, Schedule, parse, simulate, to_code
from lrlab.catalog import SCHEDULERS
from lrlab.core.view import with_view_steps
from lrlab.io.share import decode
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
