"""The LR range test (Smith 2015, fastai's ``lr_find``) on lrlab's own engine.

:func:`range_test_on` ramps the lr of any model and optimizer, one batch per step, and puts
both back as they were afterwards. :func:`find_lr` runs it on a run config (the same device,
data, model and optimizer that :func:`lrlab.train.engine.train` uses; the config's scheduler is
ignored), ``repeats`` times with seeds ``seed, seed+1, ...``, emitting the engine's events.
Like ``train`` it never raises for problems of the run itself: the result says what happened.
"""

from __future__ import annotations

import copy
import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

from lrlab.core.build import momenta, momentum_key
from lrlab.rangetest.curve import (
    METHODS,
    RangeOptions,
    Smoother,
    parse_options,
    ramp,
    spread,
    suggestions,
)
from lrlab.train.config import RunConfig, parse_run
from lrlab.train.data import load_dataset
from lrlab.train.devices import resolve_device
from lrlab.train.setup import Setup, describe, failure_message, prepare
from lrlab.train.slots import SlotWaitCancelled, device_slot

Event = dict[str, Any]
EventSink = Callable[[Event], None]
StepSink = Callable[[int, float, float, list[float]], None]  # step, loss, smoothed, group lrs
NEUTRAL_SCHEDULER = {"name": "ConstantLR", "factor": 1.0, "total_iters": 1}


@dataclass
class Curve:
    """One range test: the lr (group 0's) and raw and smoothed loss of each step taken."""

    lrs: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    smoothed: list[float] = field(default_factory=list)
    diverged_step: int | None = None
    cancelled: bool = False


def range_test_on(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    batches: Iterator[tuple[torch.Tensor, torch.Tensor]],
    forward_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    lrs: Sequence[float],
    on_step: StepSink | None = None,
    cancel: threading.Event | None = None,
    stop_div: bool = True,
) -> Curve:
    """Train one batch per lr in ``lrs`` and record the loss; stop early on divergence.

    Every parameter group's lr is its own lr times ``lrs[i] / lr of group 0``, so the groups
    keep their ratios and ``lrs`` is group 0's lr. The model's weights, buffers and train/eval
    mode and the optimizer's state and lrs are restored afterwards, even on an error.
    """
    groups = optimizer.param_groups
    base = [float(g["lr"]) for g in groups]
    ratios = [b / base[0] for b in base] if base[0] else [1.0] * len(base)
    saved_model = copy.deepcopy(model.state_dict())
    saved_opt = copy.deepcopy(optimizer.state_dict())
    was_training = model.training
    curve, smoother = Curve(), Smoother()
    try:
        model.train()
        for i, lr in enumerate(lrs):
            if cancel is not None and cancel.is_set():
                curve.cancelled = True
                break
            for g, r in zip(groups, ratios, strict=True):
                g["lr"] = lr * r
            x, y = next(batches)
            loss = forward_loss(x, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            raw = float(loss.detach().float().item())  # the divergence rule needs it now
            smoothed = smoother.add(raw)
            curve.lrs.append(float(lr))
            curve.losses.append(raw)
            curve.smoothed.append(smoothed)
            if on_step is not None:
                on_step(i, raw, smoothed, [lr * r for r in ratios])
            if stop_div and smoother.diverged(smoothed):
                curve.diverged_step = i
                break
    finally:
        model.load_state_dict(saved_model)
        optimizer.load_state_dict(saved_opt)
        model.train(was_training)
    return curve


def epoch_batches(setup: Setup) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Endless shuffled batches of the training set, a fresh order each pass. A short last
    batch is dropped (as fastai's training loader does): its loss would be noisier."""
    n, size = len(setup.data.train_y), setup.train["batch_size"]
    full = n // size if n >= size else 1
    while True:
        perm = torch.randperm(n, device=setup.device, generator=setup.gen)
        for b in range(full):
            yield setup.batch(perm[b * size : (b + 1) * size])


def range_config(config: RunConfig | Mapping[str, Any]) -> RunConfig:
    """The parsed run config, its scheduler replaced: a range test ignores it. A stored
    range test's own ``range_test`` section (its options) is left out."""
    if isinstance(config, RunConfig):
        if config.schedule.scheduler.get("name") == NEUTRAL_SCHEDULER["name"]:
            return config  # already a range test's
        config = config.to_json()
    schedule = {k: v for k, v in config.items() if k not in ("range_test", "steps")}
    return parse_run({**schedule, "scheduler": NEUTRAL_SCHEDULER})


@dataclass
class RangeResult:
    status: str = "failed"  # completed (diverging early is a normal end) | cancelled | failed
    message: str = ""
    options: RangeOptions = field(default_factory=RangeOptions)
    curves: list[Curve] = field(default_factory=list)
    seeds: list[int] = field(default_factory=list)
    group_lrs: list[float] = field(default_factory=list)
    seconds: float = 0.0  # the range test itself, after it holds the device slot
    wait_seconds: float = 0.0  # waiting for the device slot
    device: str = ""
    device_name: str = ""
    dataset: str = ""

    def summary(self, run_id: str | None = None) -> dict[str, Any]:
        """The JSON result (CLI's last line, stored in ``runs.result``)."""
        return summarize(self, run_id)


def find_lr(
    config: RunConfig | Mapping[str, Any],
    options: RangeOptions | Mapping[str, Any] | None = None,
    on_event: EventSink | None = None,
    cancel: threading.Event | None = None,
    data_dir: str | Path | None = None,
    lock_dir: str | Path | None = None,
) -> RangeResult:
    """Run the range test of a run config; ConfigError for a bad config or options.

    Holds a device slot (:mod:`lrlab.train.slots`) like a training run, until its end is sent.
    """
    opts = options if isinstance(options, RangeOptions) else parse_options(options)
    cfg = range_config(config)
    t = cfg.train
    emit = on_event or (lambda _event: None)
    cancel = cancel or threading.Event()
    result = RangeResult(options=opts, dataset=t["dataset"])
    started, acquired = time.perf_counter(), None
    slot = ExitStack()
    try:
        device = str(resolve_device(t["device"]))
        slot.enter_context(device_slot(device, lock_dir, emit, cancel))
        acquired = time.perf_counter()
        with torch.random.fork_rng():  # leave the caller's global generator as it was
            _repeats(cfg, opts, result, emit, cancel, data_dir)
    except SlotWaitCancelled as exc:
        result.status, result.message = "cancelled", str(exc)
    except Exception as exc:  # no data, no device, OOM or a bug: report it, keep the process
        result.status, result.message = (
            "failed",
            failure_message(exc, t["batch_size"], "range test"),
        )
    if acquired is None:  # never got the slot (cancelled while waiting): all was waiting
        acquired = time.perf_counter()
    result.wait_seconds = acquired - started
    result.seconds = time.perf_counter() - acquired
    steps = sum(len(c.lrs) for c in result.curves)
    with slot:  # released even if reporting the end fails: a held slot would stall every run
        _emit_end(emit, result, steps)
    return result


def _emit_end(emit: EventSink, result: RangeResult, steps: int) -> None:
    emit(
        {
            "type": "end",
            "status": result.status,
            "message": result.message,
            "seconds": result.seconds,
            "wait_seconds": result.wait_seconds,
            "steps": steps,
            "epochs": len(result.curves),
            "test_accuracy": None,
            "test_loss": None,
            "best_test_accuracy": None,
            "device": result.device,
            "device_name": result.device_name,
            "result": result.summary(),
        }
    )


def _repeats(
    cfg: RunConfig,
    opts: RangeOptions,
    result: RangeResult,
    emit: EventSink,
    cancel: threading.Event,
    data_dir: str | Path | None,
) -> None:
    t = cfg.train
    lrs = ramp(opts.start_lr, opts.end_lr, opts.iters, opts.mode)
    data = load_dataset(t["dataset"], data_dir, t["subset"], t["seed"])  # once, for all seeds
    for k in range(opts.repeats):
        seed = t["seed"] + k
        setup = prepare(replace(cfg, train={**t, "seed": seed}), data=data)
        if k == 0:
            result.device, result.device_name = describe(setup.device)
            result.group_lrs = [float(g["lr"]) for g in setup.optimizer.param_groups]
            emit(_start_event(setup, opts, result))
        curve = range_test_on(
            setup.model,
            setup.optimizer,
            epoch_batches(setup),
            lambda x, y, s=setup: s.loss(x, y)[0],
            lrs,
            _step_sink(emit, setup, k, k * opts.iters),
            cancel,
        )
        result.curves.append(curve)
        result.seeds.append(seed)
        emit({"type": "repeat", "repeat": k, "seed": seed, "steps": len(curve.lrs)})
        if curve.cancelled:
            result.status = "cancelled"
            result.message = f"cancelled in repeat {k + 1} of {opts.repeats}"
            return
    result.status = "completed"


def _step_sink(emit: EventSink, setup: Setup, repeat: int, offset: int) -> StepSink:
    """Step events numbered across repeats (the store keys steps by number); epoch = repeat."""
    key = momentum_key(setup.optimizer)

    def on_step(i: int, loss: float, smoothed: float, group_lrs: list[float]) -> None:
        emit(
            {
                "type": "step",
                "step": offset + i,
                "epoch": repeat,
                "loss": loss if math.isfinite(loss) else math.inf,  # NaN cannot be stored
                "smoothed": smoothed,
                "lr": group_lrs,
                "momentum": momenta(setup.optimizer.param_groups, key),
            }
        )

    return on_step


def _start_event(setup: Setup, opts: RangeOptions, result: RangeResult) -> Event:
    return {
        "type": "start",
        "kind": "range_test",
        "epochs": opts.repeats,
        "batches_per_epoch": opts.iters,
        "steps": opts.iters * opts.repeats,
        "train_size": len(setup.data.train_y),
        "test_size": len(setup.data.test_y),
        "device": result.device,
        "device_name": result.device_name,
        "groups": len(setup.optimizer.param_groups),
    }


def _finite(values: Sequence[float]) -> list[float | None]:
    """JSON has no NaN or infinity: a loss that overflowed is written as null."""
    return [v if math.isfinite(v) else None for v in values]


def summarize(result: RangeResult, run_id: str | None = None) -> dict[str, Any]:
    opts = result.options
    repeats = []
    for seed, c in zip(result.seeds, result.curves, strict=True):
        s = suggestions(c.lrs, c.smoothed, opts.iters)
        repeats.append(
            {
                "seed": seed,
                "lrs": c.lrs,
                "losses": _finite(c.losses),
                "smoothed_losses": _finite(c.smoothed),
                "suggestions": s,
                "suggested_lr": s[opts.method],
                "diverged_at": c.lrs[c.diverged_step] if c.diverged_step is not None else None,
                "diverged_step": c.diverged_step,
            }
        )
    first = repeats[0] if repeats else {}
    per_method = {m: spread([r["suggestions"][m] for r in repeats]) for m in METHODS}
    chosen = per_method[opts.method]
    return {
        "run_id": run_id,
        "status": result.status,
        "message": result.message,
        "suggested_lr": chosen["median"] if chosen else None,
        "method": opts.method,
        "lrs": first.get("lrs", []),
        "losses": first.get("losses", []),
        "smoothed_losses": first.get("smoothed_losses", []),
        "suggestions": {m: (v["median"] if v else None) for m, v in per_method.items()},
        "valley_lr": per_method["valley"]["median"] if per_method["valley"] else None,
        "steepest_lr": per_method["steepest"]["median"] if per_method["steepest"] else None,
        "minimum_lr": per_method["minimum"]["median"] if per_method["minimum"] else None,
        "diverged_at": first.get("diverged_at"),
        "diverged_step": first.get("diverged_step"),
        "median_suggested_lr": chosen["median"] if chosen else None,
        "suggested_lr_spread": chosen,
        "suggestion_spread": per_method,
        "repeats": repeats,
        "options": opts.as_dict(),
        "group_lrs": result.group_lrs,
        "device": result.device,
        "dataset": result.dataset,
        "seconds": result.seconds,
        "wait_seconds": result.wait_seconds,
    }
