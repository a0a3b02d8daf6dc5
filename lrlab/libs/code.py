"""Generated code for transformers and timm schedules: the library's own API, runnable."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lrlab.catalog import SCHEDULERS, SchedulerSpec
from lrlab.core.snippets import resume_lines
from lrlab.libs import library_kwargs

_TRAIN = [
    "    inputs, targets = torch.randn(32, 8), torch.randn(32, 1)  # your data",
    "    loss = nn.functional.mse_loss(model(inputs), targets)",
    "    optimizer.zero_grad()",
    "    loss.backward()",
    "    optimizer.step()",
]
_PRINT = '    print({unit}, [group["lr"] for group in optimizer.param_groups])'


def library_code(
    sched: Mapping[str, Any], steps: int, setup: list[str], marker: str, start: int = 0
) -> str:
    """The whole snippet for a validated transformers/timm scheduler section; from step
    ``start`` on (validation leaves the plateau schedulers at 0)."""
    spec = SCHEDULERS[sched["name"]]
    make = _transformers if spec.library == "transformers" else _timm
    imports, construct, loop = make(spec, sched, steps, marker, start)
    lines = ["import torch", "from torch import nn, optim", *imports, "", *setup, *construct]
    return "\n".join([*lines, "", *loop]) + "\n"


def _lit(value: Any) -> str:
    """A Python literal, in the house style (double quotes)."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_lit(k)}: {_lit(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_lit(v) for v in value) + "]"
    return repr(value)


def _call(func: str, args: list[str]) -> list[str]:
    call = f"scheduler = {func}(" + ", ".join(args) + ")"
    if len(call) <= 90:
        return [call]
    return [f"scheduler = {func}(", *(f"    {a}," for a in args), ")"]


def _steps(start: int, steps: int) -> str:
    """The loop's range: ``range(steps)``, or ``range(start, start + steps)`` resumed."""
    return f"{start}, {start + steps}" if start else str(steps)


def _transformers(
    spec: SchedulerSpec, sched: Mapping[str, Any], steps: int, marker: str, start: int
) -> tuple[list[str], list[str], list[str]]:
    from lrlab.libs.hf import split  # no transformers import: only the argument split

    common, specific = split(spec, sched)
    args = [_lit(spec.lib_name), "optimizer", *(f"{k}={_lit(v)}" for k, v in common.items())]
    if specific:
        args.append(f"scheduler_specific_kwargs={_lit(specific)}")
    if spec.needs_metric:
        tail = [
            _PRINT.format(unit="epoch"),
            "    scheduler.step(loss.item())  # then the lr (pass your evaluation metric)",
        ]
        head = f"{marker}: ReduceLROnPlateau steps after each evaluation, with its metric."
        unit = "epoch"
    else:
        tail = [
            _PRINT.format(unit="step") + "  # the lr this step used",
            "    scheduler.step()  # then the next one, as the Trainer does",
        ]
        head = f"{marker}: one scheduler step per optimizer step, as the Trainer does."
        unit = "step"
    resume = resume_lines(unit, start, "scheduler.step()") if start else []
    loop = [*resume, head, f"for {unit} in range({_steps(start, steps)}):", *_TRAIN, *tail]
    return ["from transformers import get_scheduler"], _call("get_scheduler", args), loop


def _timm(
    spec: SchedulerSpec, sched: Mapping[str, Any], steps: int, marker: str, start: int
) -> tuple[list[str], list[str], list[str]]:
    kwargs = library_kwargs(spec, sched)
    args = ["optimizer", *(f"{k}={_lit(v)}" for k, v in kwargs.items())]
    cls = spec.lib_name
    if spec.needs_metric:
        loop = [
            f"{marker}: timm steps it after each epoch with the epoch count and a metric.",
            f"for epoch in range({steps}):",
            *_TRAIN,
            _PRINT.format(unit="epoch"),
            "    scheduler.step(epoch + 1, loss.item())  # your eval metric (mode: min or max)",
        ]
    else:
        per_epoch = kwargs.get("t_in_epochs", True)
        unit, call = ("epoch", "step") if per_epoch else ("update", "step_update")
        resume = [
            f"# Resuming at {unit} {start}: timm's lr depends on the count alone, so the loop",
            "# just starts there (with a checkpoint, load its state_dicts as usual).",
        ]
        loop = [
            *(resume if start else []),
            f"{marker}: timm sets each {unit}'s lr from the count you pass.",
            f"for {unit} in range({_steps(start, steps)}):",
            f"    scheduler.{call}({unit})  # timm: {call}(count), not step()",
            *_TRAIN,
            _PRINT.format(unit=unit),
        ]
    return [f"from timm.scheduler import {cls}"], _call(cls, args), loop
