"""The training engine on CPU, seeded: it learns, records the simulated lr, and fails well."""

import threading

import pytest
import torch

from lrlab import ConfigError, simulate
from lrlab.train.config import validate_run
from lrlab.train.engine import train
from lrlab.train.models import LeNet, ResNet, build_model, param_groups


def digits_config(scheduler, optimizer=None, groups=None, **train_kw):
    cfg = {
        "optimizer": optimizer or {"name": "SGD", "lr": 0.05, "momentum": 0.9},
        "scheduler": scheduler,
        "train": {
            "dataset": "digits",
            "model": "lenet",
            "epochs": 8,
            "batch_size": 64,
            "device": "cpu",
            "seed": 0,
            **train_kw,
        },
    }
    if groups:
        cfg["param_groups"] = groups
    return cfg


def run(cfg, **kw):
    events = []
    result = train(cfg, events.append, **kw)
    return result, events


def test_lenet_learns_digits():
    result, events = run(digits_config({"name": "CosineAnnealingLR", "T_max": 8}))
    assert result.status == "completed", result.message
    assert result.test_accuracy >= 0.90
    assert result.epochs == 8 and result.steps == 8 * 23
    epochs = [e for e in events if e["type"] == "epoch"]
    assert epochs[-1]["train_loss"] < epochs[0]["train_loss"] / 3
    assert next(e["type"] for e in events) == "start" and events[-1]["type"] == "end"


def test_recorded_lr_per_batch_equals_simulate_with_two_groups():
    cfg = digits_config(
        {"name": "OneCycleLR", "max_lr": [0.05, 0.1]}, groups=[{}, {"lr": 0.01}], epochs=2
    )
    result, events = run(cfg)
    assert result.status == "completed", result.message
    steps = [e for e in events if e["type"] == "step"]
    sim = simulate({k: v for k, v in cfg.items() if k != "train"}, steps=len(steps))
    assert [lr for e in steps for lr in e["lr"]] == sim["lr"].tolist()
    assert [m for e in steps for m in e["momentum"]] == sim["momentum"].tolist()


def test_recorded_lr_per_epoch_equals_simulate():
    cfg = digits_config({"name": "StepLR", "step_size": 2, "gamma": 0.5}, epochs=5, subset=256)
    _, events = run(cfg)
    steps = [e for e in events if e["type"] == "step"]
    sim = simulate({k: v for k, v in cfg.items() if k != "train"}, steps=5)["lr"].tolist()
    assert [e["lr"][0] for e in steps] == [sim[e["epoch"]] for e in steps]


def test_plateau_steps_on_the_test_loss_each_epoch():
    sched = {"name": "ReduceLROnPlateau", "patience": 0, "factor": 0.5, "threshold": 0.2}
    cfg = digits_config(sched, epochs=6, subset=256)
    result, events = run(cfg)
    assert result.status == "completed", result.message
    test_losses = [e["test_loss"] for e in events if e["type"] == "epoch"]
    per_epoch = [e["lr"][0] for e in events if e["type"] == "epoch"]
    schedule = {k: v for k, v in cfg.items() if k != "train"}
    schedule["scheduler"] = {**sched, "metrics": test_losses}
    assert per_epoch == simulate(schedule, steps=6)["lr"].tolist()
    assert min(per_epoch) < per_epoch[0]  # a 20% threshold makes later epochs "plateau"


def test_seeded_runs_are_reproducible_on_cpu():
    cfg = digits_config({"name": "ExponentialLR", "gamma": 0.9}, epochs=2, subset=256)
    losses = [[e["loss"] for e in run(cfg)[1] if e["type"] == "step"] for _ in range(2)]
    assert losses[0] == losses[1]


def test_cancel_stops_at_the_next_step():
    cancel = threading.Event()
    seen = []

    def on_event(event):
        seen.append(event)
        if event["type"] == "step" and event["step"] == 5:
            cancel.set()

    result = train(digits_config({"name": "ConstantLR"}), on_event, cancel)
    assert result.status == "cancelled"
    assert result.steps == 6
    assert seen[-1]["type"] == "end" and seen[-1]["status"] == "cancelled"


def test_divergence_stops_the_run_with_a_message_about_the_lr():
    cfg = digits_config({"name": "ConstantLR"}, optimizer={"name": "SGD", "lr": 1e12})
    result, events = run(cfg)
    assert result.status == "diverged"
    assert "learning rate" in result.message
    assert result.steps < 8 * 23
    assert not any(e["type"] == "epoch" for e in events)


def test_device_and_oom_failures_leave_the_process_healthy(monkeypatch):
    result, _ = run(digits_config({"name": "ConstantLR"}, device="mps"))
    assert result.status == "failed" and "MPS is not available" in result.message
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    result, _ = run(digits_config({"name": "ConstantLR"}, device="cuda"))
    assert result.status == "failed" and "CUDA is not available" in result.message

    def oom(self, x):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    with monkeypatch.context() as m:
        m.setattr(LeNet, "forward", oom)
        result, _ = run(digits_config({"name": "ConstantLR"}, batch_size=512))
    assert result.status == "failed"
    assert "out of memory at batch size 512" in result.message
    result, _ = run(digits_config({"name": "ConstantLR"}, epochs=1))
    assert result.status == "completed"


def test_bad_run_config_raises_before_any_work():
    for train_kw, field in [
        ({"epochs": 0}, "train.epochs"),
        ({"dataset": "mnist"}, "train.dataset"),
        ({"batch_size": "64"}, "train.batch_size"),
        ({"gpu": 1}, "train.gpu"),
    ]:
        with pytest.raises(ConfigError) as err:
            train(digits_config({"name": "ConstantLR"}, **train_kw))
        assert err.value.field == field
    with pytest.raises(ConfigError, match="step_per"):
        validate_run(digits_config({"name": "ReduceLROnPlateau"}, step_per="batch"))
    with pytest.raises(ConfigError, match="parameter groups"):
        validate_run(digits_config({"name": "LambdaLR", "lr_lambda": ["1", "1"]}))
    # A schedule resumed mid-run would need the checkpoint's weights too: refused, not ignored.
    with pytest.raises(ConfigError, match="start_step: training starts at step 0"):
        validate_run({**digits_config({"name": "ConstantLR"}), "start_step": 3})


def test_steps_are_derived_from_epochs_and_batches():
    per_epoch = validate_run(digits_config({"name": "StepLR", "step_size": 3}, epochs=7))
    assert per_epoch["steps"] == 7 and per_epoch["train"]["step_per"] == "epoch"
    per_batch = validate_run(
        digits_config(
            {"name": "CyclicLR", "base_lr": 0.01, "max_lr": 0.1},
            epochs=3,
            subset=1000,
            batch_size=100,
        )
    )
    assert per_batch["steps"] == 30 and per_batch["train"]["step_per"] == "batch"


@pytest.mark.parametrize("model", [LeNet(), ResNet()])
def test_param_groups_cover_the_model_and_end_with_the_head(model):
    total = sum(p.numel() for p in model.parameters())
    for n in range(1, 6):
        groups = param_groups(model, n)
        assert len(groups) == n
        assert sum(p.numel() for g in groups for p in g) == total
        assert all(groups)
    _features, head = param_groups(model, 2)
    assert {id(p) for p in head} == {id(p) for p in model.stages[-1].parameters()}
    with pytest.raises(ValueError, match="1 to 5"):
        param_groups(model, 6)


def test_resnet_forward_shape_and_size():
    model = build_model("resnet")
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    assert 1_000_000 < sum(p.numel() for p in model.parameters()) < 3_000_000


def test_a_batch_size_left_out_is_the_dataset_s():
    """Digits at 128 is 12 steps an epoch: one-cycle for 4 epochs reached 33% there, 89% at 64
    (bench/lrfind.py --settings), so a Digits config without batch_size trains at 64."""
    from lrlab.train.config import validate_run

    def batch(train):
        cfg = {
            "optimizer": {"name": "SGD", "lr": 0.1},
            "scheduler": {"name": "StepLR", "step_size": 3},
        }
        return validate_run({**cfg, "train": train})["train"]["batch_size"]

    assert batch({"dataset": "digits"}) == 64
    assert batch({"dataset": "cifar10"}) == 128
    assert batch({"dataset": "digits", "batch_size": 128}) == 128  # a given one is kept
