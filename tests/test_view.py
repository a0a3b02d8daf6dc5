"""How a schedule is shown: the x axis in epochs or iterations."""

import pytest

from lrlab import ConfigError
from lrlab.core.view import view_of, x_values


def test_x_axis_mapping():
    view = {"steps_per_epoch": 50, "step_per": "batch", "x_axis": "epoch"}
    assert x_values([0, 25, 100], view).tolist() == [0, 0.5, 2]
    assert x_values([0, 2], {**view, "step_per": "epoch", "x_axis": "iteration"}).tolist() == [
        0,
        100,
    ]
    with pytest.raises(ConfigError, match=r"view\.epochs"):
        view_of(
            {"scheduler": {"name": "OneCycleLR"}, "view": {"epochs": 1000, "steps_per_epoch": 1000}}
        )
