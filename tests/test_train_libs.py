"""The training engine steps transformers and timm schedules the way their library expects."""

import pytest
from test_train import digits_config, run

from lrlab import simulate
from lrlab.train.config import validate_run


def recorded_and_simulated(cfg):
    result, events = run(cfg)
    assert result.status == "completed", result.message
    steps = [e for e in events if e["type"] == "step"]
    schedule = {k: v for k, v in cfg.items() if k != "train"}
    return steps, schedule


@pytest.mark.slow
def test_transformers_schedule_is_stepped_every_batch_like_the_trainer():
    sched = {"name": "transformers:cosine_with_restarts", "num_warmup_steps": 5, "num_cycles": 2}
    cfg = digits_config(sched, groups=[{}, {"lr": 0.01}], epochs=2)
    assert validate_run(cfg)["train"]["step_per"] == "batch"  # the Trainer's way, by default
    steps, schedule = recorded_and_simulated(cfg)
    sim = simulate(schedule, steps=len(steps))
    assert [lr for e in steps for lr in e["lr"]] == sim["lr"].tolist()
    assert steps[0]["lr"] == [0.0, 0.0]  # transformers' warmup starts at 0


@pytest.mark.slow
def test_timm_schedule_is_stepped_per_epoch_with_the_epoch_count():
    sched = {"name": "timm:CosineLRScheduler", "t_initial": 4, "warmup_t": 1, "lr_min": 1e-3}
    cfg = digits_config(sched, epochs=4)
    assert validate_run(cfg)["train"]["step_per"] == "epoch"
    steps, schedule = recorded_and_simulated(cfg)
    sim = simulate(schedule, steps=4)["lr"].tolist()
    assert [e["lr"][0] for e in steps] == [sim[e["epoch"]] for e in steps]
    assert len(set(sim)) == 4


@pytest.mark.slow
def test_timm_schedule_with_t_in_epochs_false_is_stepped_per_update():
    sched = {"name": "timm:StepLRScheduler", "decay_t": 10, "decay_rate": 0.5, "t_in_epochs": False}
    cfg = digits_config(sched, epochs=2)
    assert validate_run(cfg)["train"]["step_per"] == "batch"  # step_update(num_updates)
    steps, schedule = recorded_and_simulated(cfg)
    sim = simulate(schedule, steps=len(steps))
    assert [e["lr"][0] for e in steps] == sim["lr"].tolist()
    assert steps[10]["lr"][0] == 0.025 and steps[9]["lr"][0] == 0.05
