import copy

import pytest

from lrlab import MAX_GROUPS, MAX_STEPS, ConfigError, simulate, validate

BASE = {
    "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
    "scheduler": {"name": "StepLR", "step_size": 10},
    "steps": 50,
}


def with_(path, value, base=BASE):
    cfg = copy.deepcopy(base)
    *parents, last = path
    node = cfg
    for key in parents:
        node = node[key]
    node[last] = value
    return cfg


def sched(**kwargs):
    return with_(("scheduler",), kwargs)


START = {**BASE, "start_step": 10}  # a run resumed at step 10: 60 steps in all

BAD = [
    (with_(("optimizer", "name"), "Adamm"), "optimizer.name", "unknown name"),
    (with_(("optimizer", "lrr"), 0.1), "optimizer.lrr", "unknown keyword"),
    (with_(("optimizer", "lr"), -0.1), "optimizer.lr", ">= 0"),
    (with_(("optimizer", "lr"), float("nan")), "optimizer.lr", "finite"),
    (with_(("optimizer", "lr"), float("inf")), "optimizer.lr", "finite"),
    (with_(("optimizer", "lr"), "0.1"), "optimizer.lr", "must be a number"),
    (with_(("optimizer", "nesterov"), "yes"), "optimizer.nesterov", "true or false"),
    (with_(("param_groups",), [{}, {"lr": -1}]), "param_groups[1].lr", ">= 0"),
    (with_(("param_groups",), [{}] * (MAX_GROUPS + 1)), "param_groups", "at most"),
    (with_(("param_groups",), "two"), "param_groups", "list"),
    (with_(("steps",), 0), "steps", "between 1"),
    (with_(("steps",), MAX_STEPS + 1), "steps", "between 1"),
    (with_(("steps",), 2.5), "steps", "whole number"),
    (with_(("stepz",), 5), "stepz", "unknown key"),
    (with_(("start_step",), -1), "start_step", "between 0 and 199950"),
    (with_(("start_step",), 2.5), "start_step", "whole number"),
    (with_(("start_step",), True), "start_step", "whole number"),
    (with_(("start_step",), "3"), "start_step", "whole number"),
    (
        with_(("scheduler",), {"name": "OneCycleLR", "max_lr": 0.1, "total_steps": 50}, START),
        "scheduler.total_steps",
        "stepped 60 times here but total_steps is 50",
    ),
    (sched(name="StepLR"), "scheduler.step_size", "missing"),
    (sched(name="StepLR", step_size=5, last_epoch=3), "scheduler.last_epoch", "unknown keyword"),
    (sched(name="CosineAnnealingWarmRestarts", T_0=-1), "scheduler.T_0", ">= 1"),
    (sched(name="LinearLR", start_factor=0), "scheduler.start_factor", "> 0"),
    (with_(("optimizer", "momentum"), -0.5), "optimizer.momentum", ">= 0"),
    (with_(("param_groups",), [{}, {"momentum": -0.5}]), "param_groups[1].momentum", ">= 0"),
    (
        with_(("optimizer",), {"name": "Rprop"}, with_(("param_groups",), [{"etas": [1.5, 2]}])),
        "param_groups[0]",
        "Invalid eta values",
    ),
    (sched(name="StepLR", step_size=0), "scheduler.step_size", "torch fails at step 1"),
    (sched(name="CosineAnnealingLR", T_max=0), "scheduler.T_max", "modulo by zero"),
    (sched(name="MultiStepLR", milestones=[1.5]), "scheduler.milestones[0]", "whole number"),
    (sched(name="ReduceLROnPlateau", metrics=[1.0] * 50, factor=1.0), "scheduler.factor", "< 1"),
    (sched(name="ExponentialLR", gamma=1e10), "scheduler", "not finite at step"),
    (
        sched(
            name="SequentialLR",
            schedulers=[{"name": "ConstantLR"}, {"name": "ConstantLR"}, {"name": "ConstantLR"}],
            milestones=[5],
        ),
        "scheduler.milestones",
        "needs exactly 2 milestone(s) for 3 schedulers, got 1",
    ),
    (sched(name="MultiStepLR", milestones=30), "scheduler.milestones", "list"),
    (sched(name="LambdaLR", lr_lambda="epoch +"), "scheduler.lr_lambda", "syntax"),
    (sched(name="LambdaLR", lr_lambda=["1", "1"]), "scheduler.lr_lambda", "1 parameter groups"),
    (sched(name="LambdaLR", lr_lambda=7), "scheduler.lr_lambda", "as text"),
    (sched(name="ReduceLROnPlateau"), "scheduler.metrics", "missing"),
    (sched(name="ReduceLROnPlateau", metrics=[1.0] * 49), "scheduler.metrics", "49 values"),
    (sched(name="ReduceLROnPlateau", metrics={"decay": 0}), "scheduler.metrics.decay", "> 0"),
    (sched(name="ReduceLROnPlateau", metrics={"slope": 1}), "scheduler.metrics.slope", "unknown"),
    (sched(name="ReduceLROnPlateau", mode="up", metrics={}), "scheduler.mode", "one of"),
    (sched(name="OneCycleLR", max_lr=0.1, total_steps=20), "scheduler.total_steps", "raises"),
    (sched(name="CyclicLR", base_lr=0.1, max_lr=[0.1, 0.2]), "scheduler.max_lr", "groups"),
    (
        with_(("optimizer",), {"name": "Adagrad"}, sched(name="CyclicLR", base_lr=0.1, max_lr=1)),
        "scheduler.cycle_momentum",
        "no momentum",
    ),
    (
        sched(name="SequentialLR", schedulers=[{"name": "ConstantLR"}], milestones=[5]),
        "scheduler.milestones",
        "exactly 0",
    ),
    (
        sched(
            name="SequentialLR",
            schedulers=[{"name": "Nope"}, {"name": "ConstantLR"}],
            milestones=[5],
        ),
        "scheduler.schedulers[0].name",
        "unknown name",
    ),
    (
        sched(name="ChainedScheduler", schedulers=[{"name": "ReduceLROnPlateau", "metrics": {}}]),
        "scheduler.schedulers[0].name",
        "cannot be nested",
    ),
    (sched(name="ChainedScheduler", schedulers=[]), "scheduler.schedulers", "non-empty"),
    (
        sched(
            name="SequentialLR",
            schedulers=[{"name": "ConstantLR"}, {"name": "CosineAnnealingWarmRestarts", "T_0": 0}],
            milestones=[5],
        ),
        "scheduler.schedulers[1].T_0",
        ">= 1",
    ),
    ({"optimizer": {"name": "SGD"}, "steps": 5}, "scheduler", "missing"),
    ({"optimizer": {"name": "SGD"}, "scheduler": {"name": "ConstantLR"}}, "steps", "missing"),
    ([1, 2], "", "JSON object"),
]


@pytest.mark.parametrize(("config", "field", "words"), BAD, ids=[b[1] + ":" + b[2] for b in BAD])
def test_invalid_config_names_the_field(config, field, words):
    with pytest.raises(ConfigError) as err:
        simulate(config)
    assert err.value.field == field
    assert words in str(err.value)
    assert isinstance(err.value, ValueError)
    assert "\n" not in str(err.value)


def test_torch_construction_errors_become_config_errors():
    cfg = with_(("optimizer",), {"name": "SGD", "lr": 0.1, "nesterov": True})  # momentum 0
    with pytest.raises(ConfigError) as err:
        simulate(cfg)
    assert err.value.field == "optimizer" and "Nesterov" in str(err.value)


def test_validate_does_not_mutate_and_normalises():
    cfg = {
        "optimizer": {"name": "Adam", "betas": (0.8, 0.9)},
        "scheduler": {"name": "OneCycleLR", "max_lr": 1},
        "steps": 30,
    }
    before = copy.deepcopy(cfg)
    out = validate(cfg)
    assert cfg == before
    assert out["optimizer"]["betas"] == [0.8, 0.9]
    assert out["scheduler"]["max_lr"] == 1.0 and isinstance(out["scheduler"]["max_lr"], float)
    assert out["scheduler"]["total_steps"] == 30  # filled with the run length
    assert out["param_groups"] == [{}]


def test_sequential_children_get_their_segment_as_budget():
    cfg = sched(
        name="SequentialLR",
        schedulers=[{"name": "LinearLR"}, {"name": "OneCycleLR", "max_lr": 0.1}],
        milestones=[10],
    )
    out = validate(cfg)
    assert out["scheduler"]["schedulers"][1]["total_steps"] == 40


def _nested(depth):
    """A ChainedScheduler tree ``depth`` composite levels deep around a ConstantLR."""
    sched = {"name": "ConstantLR"}
    for _ in range(depth):
        sched = {"name": "ChainedScheduler", "schedulers": [sched]}
    return sched


def test_the_documented_limits_hold_exactly():
    # README: steps <= 200,000, at most 16 groups, composites 3 levels deep with 8 children.
    # Literal numbers on purpose: a test derived from the constants would follow a lifted limit.
    assert validate(with_(("steps",), 200_000))["steps"] == 200_000
    with pytest.raises(ConfigError, match="between 1 and 200000"):
        validate(with_(("steps",), 200_001))
    assert len(validate(with_(("param_groups",), [{}] * 16))["param_groups"]) == 16
    with pytest.raises(ConfigError, match="at most 16 groups"):
        validate(with_(("param_groups",), [{}] * 17))
    assert validate(with_(("scheduler",), _nested(3)))
    with pytest.raises(ConfigError, match="nest at most 3 levels deep"):
        validate(with_(("scheduler",), _nested(4)))
    chain = {"name": "ChainedScheduler", "schedulers": [{"name": "ConstantLR"}] * 8}
    assert len(validate(with_(("scheduler",), chain))["scheduler"]["schedulers"]) == 8
    chain["schedulers"] = [{"name": "ConstantLR"}] * 9
    with pytest.raises(ConfigError, match="at most 8 schedulers"):
        validate(with_(("scheduler",), chain))
    # start_step + steps <= 200,000: the steps before the start cost as much as the rows.
    assert validate(with_(("start_step",), 199_950))["start_step"] == 199_950
    with pytest.raises(ConfigError, match=r"between 0 and 199950 \(start_step \+ steps is at"):
        validate(with_(("start_step",), 199_951))


def test_a_resumed_run_is_validated_as_the_whole_run():
    out = validate(with_(("scheduler",), {"name": "OneCycleLR", "max_lr": 0.1}, START))
    assert out["scheduler"]["total_steps"] == 60  # the run length fill-in: start + steps
    assert out["start_step"] == 10
    assert validate({**START, "start_step": 10.0})["start_step"] == 10
    assert "start_step" not in validate(BASE)
