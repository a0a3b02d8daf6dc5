"""The job runner: training and LR range tests happen here, outside any Streamlit script run.

One process-wide :class:`JobManager` per run database owns a worker thread per device and a
FIFO queue, so one job trains at a time on each device. Pages only submit, cancel and watch;
reruns, refreshes and several browser tabs never kill or duplicate a job.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lrlab.rangetest.curve import RangeOptions, parse_options
from lrlab.rangetest.run import find_lr, range_config
from lrlab.train.config import RunConfig, parse_run
from lrlab.train.devices import DeviceUnavailable, resolve_device
from lrlab.train.engine import RunResult, train
from lrlab.train.slots import default_lock_dir
from lrlab.train.store import RunStore, default_db_path


@dataclass
class Job:
    run_id: str
    run: RunConfig
    device_key: str
    status: str = "queued"
    cancel: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    started: float | None = None
    total_steps: int = 0
    steps_done: int = 0
    epochs_done: int = 0
    images_per_s: float | None = None
    result: Any = None  # a RunResult, or a RangeResult for a range test
    kind: str = "train"  # or "range_test"
    options: RangeOptions | None = None  # a range test's
    epochs: int = 0  # from the start event (a range test's repeats)
    waiting: str = ""  # why a dequeued job still waits: the device is busy in another process

    def on_event(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind == "waiting":
            self.status, self.waiting = "queued", event["message"]
        elif kind == "acquired":
            self.status, self.waiting = "running", ""
        elif kind == "start":
            self.status, self.started, self.total_steps = "running", time.time(), event["steps"]
            self.epochs = event["epochs"]
        elif kind == "step":
            self.steps_done = event["step"] + 1
        elif kind == "epoch":
            self.epochs_done, self.images_per_s = event["epoch"] + 1, event["images_per_s"]

    def progress(self) -> dict[str, Any]:
        """Fraction done, seconds left and throughput, for a progress bar."""
        fraction = self.steps_done / self.total_steps if self.total_steps else 0.0
        elapsed = time.time() - self.started if self.started else 0.0
        eta = elapsed * (1 - fraction) / fraction if fraction > 0 else None
        return {
            "status": self.status,
            "fraction": fraction,
            "steps_done": self.steps_done,
            "total_steps": self.total_steps,
            "epochs_done": self.epochs_done,
            "epochs": self.epochs or self.run.train["epochs"],
            "seconds_left": eta,
            "elapsed": elapsed,
            "images_per_s": self.images_per_s,
        }


class JobManager:
    def __init__(self, store: RunStore, data_dir: str | Path | None = None) -> None:
        self.store, self.data_dir = store, data_dir
        self._lock = threading.Condition()
        self._queues: dict[str, deque[Job]] = {}
        self._workers: dict[str, threading.Thread] = {}
        self._jobs: dict[str, Job] = {}

    def submit(self, config: RunConfig | Mapping[str, Any], name: str | None = None) -> str:
        """Queue a run; returns its id. A dict is parsed first (ConfigError when invalid); the
        store saves the normalised config."""
        run = parse_run(config)
        return self._enqueue(run, run, name, "train", None)

    def submit_range_test(
        self,
        config: RunConfig | Mapping[str, Any],
        options: RangeOptions | Mapping[str, Any] | None = None,
        name: str | None = None,
    ) -> str:
        """Validate and queue an LR range test (stored with kind 'range_test', its config with
        a ``range_test`` section holding the options); returns its id."""
        opts = options if isinstance(options, RangeOptions) else parse_options(options)
        run = range_config(config)
        given = config.to_json() if isinstance(config, RunConfig) else dict(config)
        stored = {**given, "range_test": opts.as_dict()}
        name = name or f"range test · {run.train['model']} · {run.train['dataset']}"
        return self._enqueue(run, stored, name, "range_test", opts)

    def _enqueue(
        self,
        run: RunConfig,
        stored: RunConfig | dict[str, Any],
        name: str | None,
        kind: str,
        options: RangeOptions | None,
    ) -> str:
        try:
            key = str(resolve_device(run.train["device"]))
        except DeviceUnavailable:
            key = run.train["device"]  # the engine fails it at once, with the reason
        run_id = self.store.create_run(stored, name)
        if kind != "train":
            self.store.update_run(run_id, kind=kind)
        job = Job(run_id, run, key, kind=kind, options=options)
        with self._lock:
            self._jobs[run_id] = job
            self._queues.setdefault(key, deque()).append(job)
            worker = self._workers.get(key)
            if worker is None or not worker.is_alive():
                worker = threading.Thread(
                    target=self._work, args=(key,), daemon=True, name=f"lrlab-train-{key}"
                )
                self._workers[key] = worker
                worker.start()
            self._lock.notify_all()
        return run_id

    def cancel(self, run_id: str) -> bool:
        """Stop a running job (within a training step) or drop a queued one."""
        with self._lock:
            job = self._jobs.get(run_id)
            if job is None or job.done.is_set():
                return False
            job.cancel.set()
            queue = self._queues.get(job.device_key)
            if queue is not None and job in queue:
                queue.remove(job)
                self._finish(job, RunResult("cancelled", "cancelled before it started"))
        return True

    def job(self, run_id: str) -> Job | None:
        return self._jobs.get(run_id)

    def active(self) -> list[Job]:
        """Running and queued jobs, oldest first."""
        return [j for j in self._jobs.values() if not j.done.is_set()]

    def queue_position(self, run_id: str) -> int | None:
        """0 for the running job of its device, 1 for the next in line, None if not waiting."""
        job = self._jobs.get(run_id)
        if job is None or job.done.is_set():
            return None
        if job.status == "running":
            return 0
        queue = self._queues.get(job.device_key, deque())
        return list(queue).index(job) + 1 if job in queue else None

    def wait(self, run_id: str, timeout: float | None = None) -> bool:
        job = self._jobs.get(run_id)
        return job.done.wait(timeout) if job else True

    def _work(self, key: str) -> None:
        while True:
            with self._lock:
                queue = self._queues[key]
                while not queue:
                    if not self._lock.wait(timeout=60) and not queue:
                        self._workers.pop(key, None)  # idle for a minute: let the thread go
                        return
                job = queue.popleft()
                job.status = "running"
            sink = self.store.recorder(job.run_id, then=job.on_event)
            try:
                locks = default_lock_dir(self.store.path)
                if job.kind == "range_test":
                    result = find_lr(job.run, job.options, sink, job.cancel, self.data_dir, locks)
                else:
                    result = train(job.run, sink, job.cancel, self.data_dir, locks)
            except Exception as exc:  # a config that went bad after submit, or a store error
                result = RunResult("failed", f"{type(exc).__name__}: {exc}")
                self.store.finish_run(job.run_id, "failed", result.message)
            with self._lock:
                self._finish(job, result, record=False)

    def _finish(self, job: Job, result: RunResult, record: bool = True) -> None:
        job.status, job.result = result.status, result
        if record:
            self.store.finish_run(job.run_id, result.status, result.message)
        job.done.set()


_managers: dict[str, JobManager] = {}
_managers_lock = threading.Lock()


def get_manager(
    db_path: str | Path | None = None, data_dir: str | Path | None = None
) -> JobManager:
    """The process-wide manager for a run database (created on first use)."""
    path = Path(db_path) if db_path else default_db_path()
    key = str(path.expanduser().resolve())
    with _managers_lock:
        if key not in _managers:
            _managers[key] = JobManager(RunStore(path), data_dir)
        return _managers[key]
