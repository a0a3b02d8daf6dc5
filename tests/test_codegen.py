import ast

import pytest
from test_simulate import SCHEDULER_OVERRIDES, scheduler_config

from lrlab import simulate, to_code
from lrlab.catalog import OPTIMIZERS, TORCH_SCHEDULERS
from lrlab.core.codegen import LOOP_MARKER


def run_schedule_part(code, steps, metrics=None):
    """Execute the snippet above the loop, then step its optimizer and scheduler."""
    head = code.split(LOOP_MARKER)[0]
    ns: dict = {}
    exec(compile(head, "<generated>", "exec"), ns)
    optimizer, scheduler = ns["optimizer"], ns["scheduler"]
    lrs = []
    for t in range(steps):
        lrs.extend(g["lr"] for g in optimizer.param_groups)
        if t < steps - 1:
            optimizer.step()
            scheduler.step(metrics[t]) if metrics is not None else scheduler.step()
    return lrs


@pytest.mark.parametrize("name", sorted(TORCH_SCHEDULERS))
def test_generated_code_reproduces_simulate_for_every_scheduler(name):
    cfg = scheduler_config(name, {"name": "SGD", "lr": 0.1, "momentum": 0.9}, [{}, {"lr": 0.01}])
    df = simulate(cfg)
    code = to_code(cfg)
    ast.parse(code)
    metrics = df.loc[df["group"] == 0, "metric"].tolist() if "metric" in df else None
    assert run_schedule_part(code, cfg["steps"], metrics) == df["lr"].tolist()
    assert code.index("optimizer.step()") < code.index("scheduler.step(")
    assert "lrlab" not in code


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_generated_code_for_every_optimizer(name):
    opt = {"name": name, "lr": 0.02}
    if OPTIMIZERS[name].momentum_key == "betas":
        opt["betas"] = [0.8, 0.99]
    cfg = scheduler_config("StepLR", opt)
    code = to_code(cfg)
    if "betas" in opt:
        assert "betas=(0.8, 0.99)" in code
    assert run_schedule_part(code, cfg["steps"]) == simulate(cfg)["lr"].tolist()


def test_whole_snippet_runs_as_a_script(capsys):
    cfg = scheduler_config("SequentialLR")
    cfg["steps"] = 12
    cfg["scheduler"]["milestones"] = [3, 6]
    exec(compile(to_code(cfg), "<generated>", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 12


def test_lambda_code_reads_like_pytorch():
    cfg = {
        "optimizer": {"name": "SGD", "lr": 0.001, "momentum": 0.9},
        "param_groups": [{}, {"lr": 0.1}],
        "scheduler": {"name": "LambdaLR", "lr_lambda": ["epoch // 3", "exp(-epoch)"]},
        "steps": 10,
    }
    code = to_code(cfg)
    assert "lr_lambda=[lambda epoch: epoch // 3, lambda epoch: math.exp(-epoch)]" in code
    assert code.startswith("import math")
    assert '{"params": model[1].parameters(), "lr": 0.1}' in code
    assert SCHEDULER_OVERRIDES  # the per-scheduler settings above are shared with simulate
