"""Generated code: every script, run as is, prints exactly simulate()'s rows (every column,
every group). Scripts run in one subprocess per test (tests/scripts.py) to keep the suite fast."""

import pytest
from script_runner import printed_rows, run_scripts, simulated_rows
from test_simulate import RESUME_AT, STEPS, scheduler_config

from lrlab import simulate, to_code
from lrlab.catalog import OPTIMIZERS, TORCH_SCHEDULERS


def assert_scripts_reproduce(configs):
    codes = [to_code(cfg) for cfg in configs]
    for cfg, code, result in zip(configs, codes, run_scripts(codes), strict=True):
        assert "error" not in result, f"{result['error']}\n{code}"
        assert printed_rows(result["stdout"]) == simulated_rows(simulate(cfg)), code
        assert code.index("optimizer.step()") < code.index("scheduler.step(")
        assert "lrlab" not in code


def test_every_scheduler_with_groups_of_different_lrs_and_momenta():
    configs = []
    for name in sorted(TORCH_SCHEDULERS):
        opt = {"name": "SGD", "lr": 0.1, "momentum": 0.9}
        cfg = scheduler_config(name, opt, [{}, {"lr": 0.01, "momentum": 0.5}])
        configs.append(cfg)
    # ReduceLROnPlateau with a metric list as well as the synthetic curve.
    plateau = scheduler_config("ReduceLROnPlateau", {"name": "Adam", "lr": 0.1})
    plateau["scheduler"]["metrics"] = [1.0 / (1 + t % 7) for t in range(plateau["steps"])]
    assert_scripts_reproduce([*configs, plateau])


def resumed(cfg):
    return {**cfg, "start_step": RESUME_AT, "steps": cfg["steps"] - RESUME_AT}


def test_every_scheduler_resumed_mid_run_prints_the_rest_of_the_run():
    configs = []
    for name in sorted(TORCH_SCHEDULERS):
        opt = {"name": "SGD", "lr": 0.1, "momentum": 0.9}
        configs.append(resumed(scheduler_config(name, opt, [{}, {"lr": 0.01, "momentum": 0.5}])))
    plateau = scheduler_config("ReduceLROnPlateau", {"name": "Adam", "lr": 0.1})
    plateau["scheduler"]["metrics"] = [1.0 / (1 + t % 7) for t in range(STEPS)]
    configs.append(resumed(plateau))  # the synthetic metric is in the list above
    assert_scripts_reproduce(configs)
    code = to_code(configs[0])
    assert f"for epoch in range({RESUME_AT}, {STEPS}):" in code
    assert 'scheduler.load_state_dict(checkpoint["scheduler"])' in code


def test_every_optimizer_with_groups_of_different_momenta():
    configs = []
    for name, spec in sorted(OPTIMIZERS.items()):
        opt = {"name": name, "lr": 0.02}
        groups = [{}, {"lr": 0.2}]
        if spec.momentum_key == "betas":
            opt["betas"] = [0.8, 0.99]
            groups[1]["betas"] = [0.5, 0.9]
        elif spec.momentum_key == "momentum":
            groups[1]["momentum"] = 0.3
        sched = "OneCycleLR" if spec.momentum_key else "StepLR"  # OneCycleLR cycles momentum
        configs.append(scheduler_config(sched, opt, groups))
    assert_scripts_reproduce(configs)


def test_code_names_every_setting():
    cfg = {
        "optimizer": {"name": "SGD", "lr": 0.001, "momentum": 0.9, "nesterov": True},
        "param_groups": [{}, {"lr": 0.1, "momentum": 0.5}],
        "scheduler": {"name": "LambdaLR", "lr_lambda": ["epoch // 3", "exp(-epoch)"]},
        "steps": 10,
    }
    code = to_code(cfg)
    assert "lr_lambda=[lambda epoch: epoch // 3, lambda epoch: math.exp(-epoch)]" in code
    assert code.startswith("import math")
    assert '{"params": model[1].parameters(), "lr": 0.1, "momentum": 0.5}' in code
    assert "momentum=0.9," in code and "nesterov=True," in code


@pytest.mark.parametrize("metrics", [{"seed": 3, "noise": 0.1}, [2.0, 1.0, 1.0, 1.0, 1.0, 1.0]])
def test_plateau_code_feeds_the_simulated_metric(metrics):
    cfg = {
        "optimizer": {"name": "SGD", "lr": 1.0},
        "scheduler": {"name": "ReduceLROnPlateau", "patience": 1, "metrics": metrics},
        "steps": 6,
    }
    code = to_code(cfg)
    assert "scheduler.step(metrics[epoch])" in code and "loss.item()" not in code
    assert_scripts_reproduce([cfg])
