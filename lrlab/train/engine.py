"""The training loop: any lrlab schedule on LeNet or the residual net, emitting events.

``train(config, on_event, cancel)`` never raises for problems of the run itself (no dataset, no
device, out of memory, divergence, cancellation): it returns a :class:`RunResult` whose status
and message say what happened, so the process that hosts it stays healthy. An invalid config
raises :class:`lrlab.ConfigError` before anything is loaded.
"""

from __future__ import annotations

import math
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from lrlab.catalog import SCHEDULERS
from lrlab.core.build import build_scheduler, momenta, momentum_key
from lrlab.core.steps import batches_per_epoch
from lrlab.train.config import RunConfig, parse_run
from lrlab.train.devices import resolve_device
from lrlab.train.setup import describe, failure_message, prepare
from lrlab.train.slots import SlotWaitCancelled, device_slot

Event = dict[str, Any]
EventSink = Callable[[Event], None]
EVAL_BATCH = 1000


@dataclass
class RunResult:
    status: str  # completed | cancelled | diverged | failed
    message: str = ""
    test_accuracy: float | None = None
    best_test_accuracy: float | None = None
    test_loss: float | None = None
    epochs: int = 0  # epochs completed
    steps: int = 0  # optimizer steps taken
    seconds: float = 0.0  # training: from holding the device slot to the end
    wait_seconds: float = 0.0  # waiting for the device slot before that
    device: str = ""
    device_name: str = ""
    dataset: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Stop(Exception):
    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def train(
    config: RunConfig | Mapping[str, Any],
    on_event: EventSink | None = None,
    cancel: threading.Event | None = None,
    data_dir: str | Path | None = None,
    lock_dir: str | Path | None = None,
) -> RunResult:
    """Run one training job to the end (or until cancelled) and return how it ended.

    A RunConfig is taken as is; a dict is parsed first (ConfigError when it is invalid).
    The run holds a device slot (:mod:`lrlab.train.slots`, in ``lock_dir``) from before its
    data is loaded until it ends, so runs from every process on this machine take turns;
    while it waits it emits ``waiting`` (and then ``acquired``) events.
    """
    cfg = parse_run(config)
    t = cfg.train
    emit = on_event or (lambda _event: None)
    cancel = cancel or threading.Event()
    result = RunResult("failed", dataset=t["dataset"])
    run = _Run(cfg, emit, cancel, result)
    started = time.perf_counter()
    try:
        run.setup(data_dir, lock_dir)
        run.loop()
        result.status = "completed"
    except _Stop as stop:
        result.status, result.message = stop.status, stop.message
    except SlotWaitCancelled as exc:
        result.status, result.message = "cancelled", str(exc)
    except Exception as exc:  # no data, no device, OOM or a bug: report it, keep the process
        result.message = failure_message(exc, t["batch_size"])
    finally:
        run.release()
        if run.acquired is None:  # never got the slot: the whole time was waiting
            run.acquired = time.perf_counter()
    result.wait_seconds = run.acquired - started
    result.seconds = time.perf_counter() - run.acquired
    try:
        emit({"type": "end", **result.as_dict()})
    finally:
        run.slot.close()  # after the end is stored, so the next run starts after it
    return result


class _Run:
    """The state of one run; methods are the phases of :func:`train`."""

    def __init__(
        self, cfg: RunConfig, emit: EventSink, cancel: threading.Event, result: RunResult
    ) -> None:
        self.cfg, self.schedule, self.t = cfg, cfg.schedule, cfg.train
        self.emit, self.cancel, self.result = emit, cancel, result
        self.needs_metric = SCHEDULERS[self.schedule.scheduler_name].needs_metric
        self.slot = ExitStack()  # the device slot, held from setup to release
        self.acquired: float | None = None  # perf_counter when the slot was taken

    def setup(self, data_dir: str | Path | None, lock_dir: str | Path | None) -> None:
        device = str(resolve_device(self.t["device"]))
        self.slot.enter_context(device_slot(device, lock_dir, self.emit, self.cancel))
        self.acquired = time.perf_counter()
        setup = prepare(self.cfg, data_dir)
        self.setup_ = setup
        self.device, self.data, self.gen = setup.device, setup.data, setup.gen
        self.model, self.optimizer, self.autocast = setup.model, setup.optimizer, setup.autocast
        self.result.device, self.result.device_name = describe(self.device)
        groups = self.optimizer.param_groups
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.scheduler = build_scheduler(self.schedule.scheduler, self.optimizer)
        self.flush_every = 1 if self.device.type == "cpu" else 50  # .item() syncs a GPU
        t, n = self.t, len(self.data.train_y)
        self.batches = batches_per_epoch(n, t["batch_size"])
        self.total_steps = self.batches * t["epochs"]
        self.emit(
            {
                "type": "start",
                "epochs": t["epochs"],
                "batches_per_epoch": self.batches,
                "steps": self.total_steps,
                "train_size": n,
                "test_size": len(self.data.test_y),
                "device": self.result.device,
                "device_name": self.result.device_name,
                "groups": len(groups),
            }
        )

    def loop(self) -> None:
        t, opt, sched = self.t, self.optimizer, self.scheduler
        per_batch = t["step_per"] == "batch"
        key = momentum_key(opt)
        groups = opt.param_groups
        step = 0
        for epoch in range(t["epochs"]):
            started = time.perf_counter()
            self.model.train()
            perm = torch.randperm(len(self.data.train_y), device=self.device, generator=self.gen)
            pending: list[tuple[int, list[float], list[float] | None, torch.Tensor]] = []
            loss_sum = torch.zeros((), device=self.device)
            correct = torch.zeros((), device=self.device, dtype=torch.int64)
            for b in range(self.batches):
                idx = perm[b * t["batch_size"] : (b + 1) * t["batch_size"]]
                x, y = self.setup_.batch(idx)
                lrs = [g["lr"] for g in groups]
                moms = momenta(groups, key)
                loss, out = self.setup_.loss(x, y)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                detached = loss.detach()
                loss_sum += detached * len(y)
                correct += (out.argmax(1) == y).sum()
                pending.append((step, lrs, moms, detached))
                step += 1
                self.result.steps = step
                if per_batch and step < self.total_steps:
                    sched.step()
                if len(pending) >= self.flush_every or self.cancel.is_set():
                    self._flush(pending, epoch)
                if self.cancel.is_set():
                    raise _Stop("cancelled", f"cancelled at step {step} (epoch {epoch + 1})")
            self._flush(pending, epoch)
            self._end_epoch(epoch, started, loss_sum, correct)
            if not per_batch and epoch < t["epochs"] - 1:
                if self.needs_metric:
                    sched.step(self.result.test_loss)
                else:
                    sched.step()

    def _flush(self, pending: list, epoch: int) -> None:
        if not pending:
            return
        losses = torch.stack([p[3] for p in pending]).float().tolist()
        for (step, lrs, moms, _), loss in zip(pending, losses, strict=True):
            if not math.isfinite(loss):
                rates = ", ".join(f"{x:.3g}" for x in lrs)
                raise _Stop(
                    "diverged",
                    f"the loss became {loss} at step {step} (lr {rates}): the learning rate "
                    "is too high for this model; lower it or add warmup",
                )
            self.emit(
                {
                    "type": "step",
                    "step": step,
                    "epoch": epoch,
                    "loss": loss,
                    "lr": lrs,
                    "momentum": moms,
                }
            )
        pending.clear()

    @torch.no_grad()
    def _end_epoch(
        self, epoch: int, started: float, loss_sum: torch.Tensor, correct: torch.Tensor
    ) -> None:
        self.model.eval()
        data, n_test = self.data, len(self.data.test_y)
        test_loss = torch.zeros((), device=self.device)
        test_correct = torch.zeros((), device=self.device, dtype=torch.int64)
        for i in range(0, n_test, EVAL_BATCH):
            x = data.normalize(data.test_x[i : i + EVAL_BATCH])
            if self.device.type == "cuda":
                x = x.contiguous(memory_format=torch.channels_last)
            y = data.test_y[i : i + EVAL_BATCH]
            with self.autocast:
                out = self.model(x)
            test_loss += F.cross_entropy(out.float(), y, reduction="sum")
            test_correct += (out.argmax(1) == y).sum()
        n_train = len(data.train_y)
        values = torch.stack(
            [loss_sum / n_train, correct / n_train, test_loss / n_test, test_correct / n_test]
        ).tolist()
        train_loss, train_acc, loss, acc = values
        if not math.isfinite(loss):
            raise _Stop(
                "diverged",
                f"the test loss became {loss} in epoch {epoch + 1}: the "
                "learning rate is too high; lower it or add warmup",
            )
        seconds = time.perf_counter() - started
        r = self.result
        r.epochs, r.test_accuracy, r.test_loss = epoch + 1, acc, loss
        r.best_test_accuracy = max(acc, r.best_test_accuracy or 0.0)
        self.emit(
            {
                "type": "epoch",
                "epoch": epoch,
                "train_loss": train_loss,
                "train_acc": train_acc,
                "test_loss": loss,
                "test_acc": acc,
                "seconds": seconds,
                "images_per_s": n_train / seconds if seconds > 0 else None,
                "lr": [g["lr"] for g in self.optimizer.param_groups],
            }
        )

    def release(self) -> None:
        for name in ("model", "optimizer", "scheduler", "data", "setup_"):
            self.__dict__.pop(name, None)
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
