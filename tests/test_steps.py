"""Steps and stepping: one home for epochs x batches and for how a schedule is stepped."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrlab.core.steps import (
    batches_per_epoch,
    batches_per_step,
    scheduler_steps,
    step_per_of,
    step_positions,
    training_step_per,
    usual_step_per,
)
from lrlab.core.view import view_of, with_view_steps
from lrlab.present.presets import PRESETS, preset
from lrlab.train.config import parse_run

PLATEAU = {"name": "ReduceLROnPlateau"}


def test_a_scheduler_is_stepped_as_its_catalog_entry_says():
    assert usual_step_per({"name": "StepLR", "step_size": 3}) == "epoch"
    assert usual_step_per({"name": "OneCycleLR", "max_lr": 0.1}) == "batch"
    timm = {"name": "timm:CosineLRScheduler", "t_initial": 10}
    assert usual_step_per(timm) == "epoch"
    assert usual_step_per({**timm, "t_in_epochs": False}) == "batch"  # every update
    for unknown in (None, {}, {"name": "NoSuchLR"}, {"name": ["StepLR"]}):
        assert usual_step_per(unknown) == "epoch"


def test_a_config_s_own_stepping_wins_except_for_plateau_when_it_trains():
    cyclic = {"scheduler": {"name": "CyclicLR", "base_lr": 0.01, "max_lr": 0.1}}
    assert step_per_of(cyclic) == training_step_per(cyclic) == "batch"
    per_epoch = {**cyclic, "view": {"step_per": "epoch"}}
    assert step_per_of(per_epoch) == training_step_per(per_epoch) == "epoch"
    plateau = {"scheduler": PLATEAU, "view": {"step_per": "batch"}}
    assert step_per_of(plateau) == "batch"  # Explore may show it per batch
    assert training_step_per(plateau) == "epoch"  # training steps it on each epoch's loss
    assert step_per_of(None) == training_step_per(None) == "epoch"


def test_counting_batches_and_scheduler_steps():
    assert batches_per_epoch(1437, 64) == 23  # the last batch is short
    assert batches_per_epoch(1000, 100) == 10
    assert scheduler_steps(7, 23, "epoch") == 7
    assert scheduler_steps(3, 10, "batch") == 30
    assert batches_per_step(23, "epoch") == 23 and batches_per_step(23, "batch") == 1


def test_step_positions_in_epochs_and_iterations():
    assert step_positions([0, 25, 100], 50, "batch", "epoch").tolist() == [0, 0.5, 2]
    assert step_positions([0, 25], 50, "batch", "iteration").tolist() == [0, 25]
    assert step_positions([0, 2], 50, "epoch", "epoch").tolist() == [0, 2]
    assert step_positions([0, 2], 50, "epoch", "iteration").tolist() == [0, 100]


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_s_view_counts_its_steps_here(name):
    cfg = preset(name)
    view = view_of(cfg)
    assert view["step_per"] == step_per_of(cfg)
    expected = scheduler_steps(view["epochs"], view["steps_per_epoch"], view["step_per"])
    assert with_view_steps(cfg)["steps"] == expected


@pytest.mark.parametrize(
    ("scheduler", "train", "steps"),
    [
        ({"name": "StepLR", "step_size": 3}, {"epochs": 7}, 7),
        ({"name": "OneCycleLR", "max_lr": 0.1}, {"epochs": 2, "batch_size": 64}, 2 * 23),
        ({"name": "OneCycleLR", "max_lr": 0.1}, {"epochs": 2, "subset": 100, "batch_size": 32}, 8),
    ],
)
def test_a_run_s_steps_and_its_view_agree(scheduler, train, steps):
    sgd = {"name": "SGD", "lr": 0.1}
    run = parse_run(
        {"optimizer": sgd, "scheduler": scheduler, "train": {"dataset": "digits", **train}}
    )
    assert run.schedule.steps == steps
    view = run.view
    assert scheduler_steps(view["epochs"], view["steps_per_epoch"], view["step_per"]) == steps


@given(st.integers(0, 10_000), st.integers(1, 500))
def test_restepping_keeps_the_moment_of_the_run(step, batches):
    from lrlab.core.steps import restepped

    per_batch = restepped(step, batches, "batch")  # an epoch count as batches
    assert per_batch == step * batches and restepped(per_batch, batches, "epoch") == step
    assert restepped(per_batch + batches - 1, batches, "epoch") == step  # within that epoch
