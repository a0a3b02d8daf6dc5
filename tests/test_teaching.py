"""Teaching overlays: scheduler.step() before optimizer.step(), get_lr() vs get_last_lr()."""

import pytest

from lrlab import ConfigError, simulate
from lrlab.core.view import with_view_steps
from lrlab.present.presets import preset
from lrlab.present.teaching import get_lr_vs_last_lr, wrong_order


def test_teaching_wrong_order_and_get_lr():
    cfg = with_view_steps(preset("ResNet step decay (StepLR 30/60/90)"))
    wrong, warning = wrong_order(cfg)
    right = simulate(cfg)["lr"].tolist()
    assert wrong["lr"].tolist() == right[1:]
    assert "before `optimizer.step()`" in warning
    table, warning = get_lr_vs_last_lr(cfg, steps=40)
    assert table.loc[30, "get_last_lr()"] == pytest.approx(0.01)
    assert table.loc[30, "get_lr()"] == pytest.approx(0.001)  # applies gamma again
    assert "get_last_lr" in warning
    with pytest.raises(ConfigError):
        wrong_order(with_view_steps(preset("ReduceLROnPlateau on a noisy loss")))
