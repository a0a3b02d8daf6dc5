"""``to_code(config)``: the config as a short, idiomatic, runnable PyTorch snippet."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lrlab.catalog import OPTIMIZERS, SCHEDULERS
from lrlab.core.expr import compile_expression
from lrlab.core.schedule import Schedule, parse

# Everything above this line builds the model, optimizer and scheduler; below is the loop.
LOOP_MARKER = "# Training loop"


def to_code(config: Mapping[str, Any] | Schedule) -> str:
    """Generate the PyTorch code that reproduces ``simulate(config)``'s trajectory.

    A dict is parsed first (:func:`lrlab.parse`), a Schedule is taken as is."""
    schedule = parse(config)
    groups = schedule.param_groups
    opt = dict(schedule.optimizer)
    opt_name = opt.pop("name")
    kinds = {p.name: p.kind for p in OPTIMIZERS[opt_name].params}
    sched = schedule.scheduler
    if len(groups) == 1 and not groups[0]:
        model = "nn.Linear(8, 1)"
        params = "model.parameters()"
    else:
        layers = ", ".join(["nn.Linear(8, 8)"] * (len(groups) - 1) + ["nn.Linear(8, 1)"])
        model = f"nn.Sequential({layers})"
        entries = [
            "{"
            + ", ".join(
                [f'"params": model[{i}].parameters()']
                + [f'"{k}": {_py(v, kinds[k])}' for k, v in g.items()]
            )
            + "},"
            for i, g in enumerate(groups)
        ]
        params = "[\n" + "\n".join(f"        {e}" for e in entries) + "\n    ]"
    opt_args = "".join(f"\n    {k}={_py(v, kinds[k])}," for k, v in opt.items())
    setup = [
        "# A stand-in model with one layer per parameter group: use your own.",
        f"model = {model}",
        f"optimizer = optim.{opt_name}(\n    {params},{opt_args}\n)",
    ]
    if SCHEDULERS[sched["name"]].library != "torch":  # transformers or timm
        from lrlab.libs.code import library_code

        return library_code(sched, schedule.steps, setup, LOOP_MARKER)
    lines: list[str] = []
    used: set[str] = set()
    sched_expr = _scheduler(sched, lines, used)
    needs_metric = SCHEDULERS[sched["name"]].needs_metric
    unit = "epoch" if SCHEDULERS[sched["name"]].step_per == "epoch" else "batch"
    head = [
        *(["import math", ""] if "math." in sched_expr + "".join(lines) else []),
        "import torch",
        "from torch import nn, optim",
        "from torch.optim import lr_scheduler",
        "",
        *setup,
        *lines,
        f"scheduler = {sched_expr}",
        "",
        f"{LOOP_MARKER}: one scheduler step per {unit}.",
        f"for {unit} in range({schedule.steps}):",
        "    inputs, targets = torch.randn(32, 8), torch.randn(32, 1)  # your data",
        "    loss = nn.functional.mse_loss(model(inputs), targets)",
        "    optimizer.zero_grad()",
        "    loss.backward()",
        "    optimizer.step()  # update the weights first,",
        "    scheduler.step(loss.item())  # then the lr (pass your validation metric)"
        if needs_metric
        else "    scheduler.step()  # then the learning rate",
        f"    print({unit}, scheduler.get_last_lr())"
        if not needs_metric
        else f"    print({unit}, [g['lr'] for g in optimizer.param_groups])",
    ]
    return "\n".join(head) + "\n"


def _scheduler(sched: Mapping[str, Any], lines: list[str], used: set[str]) -> str:
    """Return the constructor expression; child schedulers go into ``lines`` as variables."""
    spec = SCHEDULERS[sched["name"]]
    args = ["optimizer"] if spec.takes_optimizer else []
    for p in spec.params:
        if p.name not in sched or not p.torch:
            continue
        value = sched[p.name]
        if p.kind == "lambda":
            text = (
                "[" + ", ".join(_lambda(v) for v in value) + "]"
                if isinstance(value, list)
                else _lambda(value)
            )
        elif p.kind == "schedulers":
            names = []
            for child in value:
                name = _fresh(_snake(child["name"]), used)
                lines.append(f"{name} = {_scheduler(child, lines, used)}")
                names.append(name)
            text = "[" + ", ".join(names) + "]"
        else:
            text = _py(value, p.kind)
        args.append(f"{p.name}={text}")
    if not spec.takes_optimizer:
        args.append("optimizer=optimizer")
    call = f"lr_scheduler.{spec.name}(" + ", ".join(args) + ")"
    if len(call) > 90:
        call = f"lr_scheduler.{spec.name}(\n" + "".join(f"    {a},\n" for a in args) + ")"
    return call


def _lambda(text: str) -> str:
    return f"lambda epoch: {compile_expression(text).to_python()}"


def _py(value: Any, kind: str = "") -> str:
    return repr(tuple(value)) if kind == "float_pair" else repr(value)


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def _fresh(name: str, used: set[str]) -> str:
    candidate, i = name, 2
    while candidate in used:
        candidate, i = f"{name}_{i}", i + 1
    used.add(candidate)
    return candidate
