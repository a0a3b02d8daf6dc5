"""``to_code(config)``: the config as a short, idiomatic, runnable PyTorch snippet."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lrlab.catalog import OPTIMIZERS, SCHEDULERS
from lrlab.core.kinds import KINDS
from lrlab.core.schedule import Schedule, parse
from lrlab.core.snippets import LOOP_MARKER, resume_lines


def to_code(config: Mapping[str, Any] | Schedule) -> str:
    """Generate the PyTorch code that reproduces ``simulate(config)``'s trajectory.

    Run as is, the script prints one line per step: the step, every group's lr and (when the
    optimizer has one) every group's momentum, exactly the values of ``simulate(config)``.
    With ``start_step`` k it resumes: it steps through the k steps a checkpoint would have
    behind it, then prints steps k on.
    A dict is parsed first (:func:`lrlab.parse`), a Schedule is taken as is."""
    schedule = parse(config)
    setup = _model_and_optimizer(schedule)
    sched = schedule.scheduler
    if SCHEDULERS[sched["name"]].library != "torch":  # transformers or timm
        from lrlab.libs.code import library_code

        return library_code(sched, schedule.steps, setup, LOOP_MARKER, schedule.start_step)
    lines: list[str] = []
    sched_expr = _scheduler(sched, lines, set())
    end = schedule.start_step + schedule.steps
    metric_lines = _metric_lines(sched, end) if SCHEDULERS[sched["name"]].needs_metric else []
    head = [
        *(["import math", ""] if "math." in sched_expr + "".join(lines) else []),
        *(["import numpy as np"] if any("np." in line for line in metric_lines) else []),
        "import torch",
        "from torch import nn, optim",
        "from torch.optim import " + ", ".join(sorted(_modules(sched))),
        "",
        *setup,
        *lines,
        f"scheduler = {sched_expr}",
        *metric_lines,
        "",
    ]
    return "\n".join([*head, *_loop(schedule)]) + "\n"


def _model_and_optimizer(schedule: Schedule) -> list[str]:
    """A stand-in model with one layer per parameter group, and the optimizer over it."""
    groups = schedule.param_groups
    opt = dict(schedule.optimizer)
    opt_spec = OPTIMIZERS[opt.pop("name")]
    code = {p.name: KINDS[p.kind].to_code for p in opt_spec.params}  # value -> Python
    bias = ", bias=False" if opt_spec.matrices_only else ""  # Muon takes matrices only
    if len(groups) == 1 and not groups[0]:
        model = f"nn.Linear(8, 1{bias})"
        params = "model.parameters()"
    else:
        layers = [f"nn.Linear(8, 8{bias})"] * (len(groups) - 1) + [f"nn.Linear(8, 1{bias})"]
        model = f"nn.Sequential({', '.join(layers)})"
        entries = [
            ", ".join(
                [f'"params": model[{i}].parameters()']
                + [f'"{k}": {code[k](v, None)}' for k, v in g.items()]
            )
            for i, g in enumerate(groups)
        ]
        params = "[\n" + "".join(f"        {{{e}}},\n" for e in entries) + "    ]"
    opt_args = "".join(f"\n    {k}={code[k](v, None)}," for k, v in opt.items())
    return [
        "# A stand-in model with one layer per parameter group: use your own.",
        f"model = {model}",
        f"optimizer = optim.{opt_spec.name}(\n    {params},{opt_args}\n)",
    ]


def _loop(schedule: Schedule) -> list[str]:
    """The training loop: print what simulate() records, then step as torch documents."""
    spec = SCHEDULERS[schedule.scheduler_name]
    unit = "epoch" if spec.step_per == "epoch" else "batch"
    start, end = schedule.start_step, schedule.start_step + schedule.steps
    call = f"scheduler.step(metrics[{unit}])" if spec.needs_metric else "scheduler.step()"
    return [
        *(resume_lines(unit, start, call) if start else []),
        f"{LOOP_MARKER}: one scheduler step per {unit}.",
        f"for {unit} in range({f'{start}, {end}' if start else end}):",
        *_print_lines(unit, OPTIMIZERS[schedule.optimizer_name].momentum_key),
        "    inputs, targets = torch.randn(32, 8), torch.randn(32, 1)  # your data",
        "    loss = nn.functional.mse_loss(model(inputs), targets)",
        "    optimizer.zero_grad()",
        "    loss.backward()",
        "    optimizer.step()  # update the weights first,",
        f"    {call}  # then the lr (pass your validation metric)"
        if spec.needs_metric
        else f"    {call}  # then the learning rate",
    ]


def _modules(sched: Mapping[str, Any]) -> set[str]:
    """The torch.optim modules the scheduler tree's classes live in."""
    out = {SCHEDULERS[sched["name"]].module}
    for child in sched.get("schedulers") or ():
        out |= _modules(child)
    return out


def _print_lines(unit: str, momentum_key: str | None) -> list[str]:
    """What the loop prints: the values in effect for this step, as simulate() records them."""
    out = ['    lrs = [group["lr"] for group in optimizer.param_groups]']
    if momentum_key == "momentum":
        out.append('    momenta = [group["momentum"] for group in optimizer.param_groups]')
    elif momentum_key == "betas":
        out.append('    momenta = [group["betas"][0] for group in optimizer.param_groups]')
    out.append(f"    print({unit}, lrs{', momenta' if momentum_key else ''})")
    return out


def _metric_lines(sched: Mapping[str, Any], steps: int) -> list[str]:
    """The metric series simulate() fed ReduceLROnPlateau, so the script prints the same lrs."""
    metrics = sched["metrics"]
    if isinstance(metrics, list):
        return [
            "# The metric after each step, as simulated: pass your validation loss instead.",
            f"metrics = {metrics[:steps]!r}",
        ]
    m = metrics  # lrlab.core.metrics.synthetic_metric, written out
    return [
        "# A synthetic loss curve (as simulated): pass your validation loss instead.",
        f"t = np.arange({steps}, dtype=np.float64)",
        f"clean = {m['floor']!r} + ({m['start']!r} - {m['floor']!r}) * np.exp(-t / {m['decay']!r})",
        f"noise = np.random.default_rng({m['seed']!r}).normal(0.0, {m['noise']!r}, {steps})",
        "metrics = (clean + noise).tolist()",
    ]


def _scheduler(sched: Mapping[str, Any], lines: list[str], used: set[str]) -> str:
    """Return the constructor expression; child schedulers go into ``lines`` as variables."""
    spec = SCHEDULERS[sched["name"]]
    args = ["optimizer"] if spec.takes_optimizer else []

    def child(cfg: Mapping[str, Any]) -> str:
        """Write a nested scheduler as its own variable, before the line that uses it."""
        name = _fresh(_snake(cfg["name"]), used)
        lines.append(f"{name} = {_scheduler(cfg, lines, used)}")
        return name

    for p in spec.params:
        if p.name in sched and p.torch:
            args.append(f"{p.name}={KINDS[p.kind].to_code(sched[p.name], child)}")
    if not spec.takes_optimizer:
        args.append("optimizer=optimizer")
    call = f"{spec.module}.{spec.name}(" + ", ".join(args) + ")"
    if len(call) > 90:
        call = f"{spec.module}.{spec.name}(\n" + "".join(f"    {a},\n" for a in args) + ")"
    return call


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def _fresh(name: str, used: set[str]) -> str:
    candidate, i = name, 2
    while candidate in used:
        candidate, i = f"{name}_{i}", i + 1
    used.add(candidate)
    return candidate
