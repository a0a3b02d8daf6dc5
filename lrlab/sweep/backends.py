"""Where a sweep's runs train: worker processes on this machine, or tasks on a Ray cluster.

A backend trains run configs and hands back what happened (the engine's events); the driver
(:func:`drive`) keeps at most ``slots`` runs in flight, writes every outcome to the store once,
and on cancellation stops what runs and marks what never started. Workers never touch the
store, so the same code serves one laptop and a cluster whose nodes share no file system.
"""

from __future__ import annotations

import concurrent.futures as cf
import ctypes
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lrlab.sweep.ray_backend import RayBackend, init_ray, ray_connect_timeout
from lrlab.sweep.records import record_outcome
from lrlab.sweep.worker import Outcome, execute
from lrlab.train.store import RunStore

CANCEL_GRACE_SECONDS = 60  # a cancelled run stops within one training step
PR_SET_PDEATHSIG = 1  # <sys/prctl.h>

__all__ = [
    "LocalBackend",
    "RayBackend",
    "drive",
    "execute",
    "init_ray",
    "make_backend",
    "plan_workers",
    "ray_connect_timeout",
]


def plan_workers(workers: int | None, cores: int | None = None) -> tuple[int, int]:
    """(worker processes, torch threads per worker): workers × threads never exceeds the
    cores unless more workers than cores are asked for (then one thread each)."""
    cores = max(1, cores or os.cpu_count() or 1)
    workers = max(1, workers or cores)
    return workers, max(1, cores // workers)


# -- local: a pool of processes ------------------------------------------------------------
_worker_cancel: Any = None


def _die_with(parent: int, kernel: bool) -> None:
    """End this worker when the driver ``parent`` dies, even by SIGKILL (which no handler
    sees): a worker holds a core and hundreds of MB, and keeps multiprocessing's resource
    tracker alive. Linux: the kernel sends SIGKILL (PR_SET_PDEATHSIG); everywhere: a thread
    that polls the parent pid. ``kernel``: the pool was started from the driver's main thread
    (the kernel's signal follows the thread that spawned the worker, not the process)."""
    if kernel and sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # it died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="lrlab-parent-watch", daemon=True).start()


def _init_worker(
    threads: int, cancel: Any, parent: int | None = None, kernel: bool = False
) -> None:
    global _worker_cancel
    if parent is not None:
        _die_with(parent, kernel)
    # Ctrl-C reaches the whole process group: the driver alone decides what stops, and tells
    # the workers through ``cancel`` so a running run ends as "cancelled", not as a crash.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import torch

    torch.set_num_threads(threads)
    _worker_cancel = cancel


def _execute_local(config: dict[str, Any], data_dir: str | None, lock_dir: str | None) -> Outcome:
    return execute(config, data_dir, None, _worker_cancel, lock_dir)


class LocalBackend:
    """Worker processes (spawned: a forked torch can deadlock) with threads split evenly."""

    name = "local"

    def __init__(
        self,
        workers: int | None = None,
        data_dir: str | Path | None = None,
        threads: int | None = None,
        lock_dir: str | Path | None = None,
    ) -> None:
        self.slots, self.threads = plan_workers(workers)
        self.threads = threads or self.threads  # fixed threads: bitwise-comparable results
        self.data_dir = str(data_dir) if data_dir else None
        self.lock_dir = str(lock_dir) if lock_dir else None
        self._futures: dict[cf.Future, int] = {}
        self._pool: cf.ProcessPoolExecutor | None = None

    def start(self, sizes: list[dict[str, Any]]) -> None:
        ctx = mp.get_context("spawn")
        # Workers are spawned by whichever thread submits: ours, which starts and submits.
        main_thread = threading.current_thread() is threading.main_thread()
        self._cancel = ctx.Event()
        self.slots = min(self.slots, max(1, len(sizes)))
        self._pool = cf.ProcessPoolExecutor(
            self.slots,
            ctx,
            initializer=_init_worker,
            initargs=(self.threads, self._cancel, os.getpid(), main_thread),
        )

    def submit(self, key: int, config: dict[str, Any]) -> None:
        assert self._pool is not None
        future = self._pool.submit(_execute_local, config, self.data_dir, self.lock_dir)
        self._futures[future] = key

    def wait(self, timeout: float) -> list[tuple[int, Outcome]]:
        done, _ = cf.wait(list(self._futures), timeout, cf.FIRST_COMPLETED)
        out = []
        for fut in done:
            key = self._futures.pop(fut)
            try:
                out.append((key, fut.result()))
            except Exception as exc:  # the worker process died (killed, out of memory)
                out.append((key, {"status": "failed", "message": f"worker failed: {exc}"}))
        return out

    def outstanding(self) -> int:
        return len(self._futures)

    def cancel(self) -> None:
        self._cancel.set()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def make_backend(
    name: str,
    workers: int | None = None,
    address: str | None = None,
    data_dir: str | Path | None = None,
    lock_dir: str | Path | None = None,
) -> LocalBackend | RayBackend:
    """The backend ``name``; its runs take device slots in ``lock_dir`` (see :func:`execute`)."""
    if name == "ray":
        return RayBackend(address, workers, data_dir, lock_dir=lock_dir)
    return LocalBackend(workers, data_dir, lock_dir=lock_dir)


# -- the driver ----------------------------------------------------------------------------
def drive(
    sweep: Any,
    ids: list[str],
    store: RunStore,
    backend: Any,
    on_progress: Callable[[dict[str, Any]], None],
    cancel: threading.Event | None = None,
) -> None:
    """Keep ``backend.slots`` runs in flight, record each outcome once, stop on cancel/Ctrl-C."""
    cancel = cancel or threading.Event()
    driver = _Driver(sweep, ids, store, backend, on_progress)
    try:
        backend.start([r.config for r in sweep.runs])
    except Exception as exc:  # e.g. no Ray cluster at --address: every run says why
        text = str(exc).strip().splitlines()
        reason = text[0] if text else type(exc).__name__
        driver.fail_all(f"the {backend.name} backend could not start: {reason}")
        backend.close()
        return
    try:
        driver.run(cancel)
    except KeyboardInterrupt:
        cancel.set()
    try:
        if cancel.is_set():
            driver.stop()
    finally:
        backend.close()


class _Driver:
    """One sweep in flight: which runs wait, run and came back; each ends recorded once."""

    def __init__(
        self,
        sweep: Any,
        ids: list[str],
        store: RunStore,
        backend: Any,
        on_progress: Callable[[dict[str, Any]], None],
    ) -> None:
        self.sweep, self.ids, self.store, self.backend = sweep, ids, store, backend
        self.on_progress = on_progress
        self.todo: deque[int] = deque(range(len(ids)))
        self.inflight: set[int] = set()
        self.received: dict[int, Outcome] = {}
        self.unrecorded = set(range(len(ids)))  # whatever interrupts us, these end recorded
        self.done = 0

    def run(self, cancel: threading.Event) -> None:
        while (self.todo or self.inflight) and not cancel.is_set():
            while self.todo and len(self.inflight) < self.backend.slots:
                key = self.todo[0]
                self.inflight.add(key)  # before submit: a Ctrl-C in between still cancels it
                self.todo.popleft()
                self.backend.submit(key, self.sweep.runs[key].config)
                self.store.update_run(self.ids[key], status="running", started=time.time())
            self.received.update(self.backend.wait(0.2))
            for key in list(self.received):
                self.record(key, self.received[key])

    def fail_all(self, message: str) -> None:
        for key in range(len(self.ids)):
            self.record(key, {"status": "failed", "message": message})

    def record(self, key: int, outcome: Outcome) -> None:
        run_id = self.ids[key]
        status = record_outcome(self.store, run_id, outcome)
        if "started" in outcome:  # the worker's wall clock, not the replay's
            self.store.update_run(run_id, started=outcome["started"], finished=outcome["finished"])
        self.inflight.discard(key)
        self.received.pop(key, None)
        self.unrecorded.discard(key)
        self.done += 1
        run = self.store.get_run(run_id) or {}
        run_def = self.sweep.runs[key]
        self.on_progress(
            {
                "done": self.done,
                "total": len(self.ids),
                "run_id": run_id,
                "label": run_def.label,
                "seed": run_def.seed,
                "status": status,
                "test_accuracy": run.get("test_accuracy"),
                "seconds": run.get("seconds"),
                "message": run.get("message", ""),
            }
        )

    def stop(self) -> None:
        """Cancel what runs, record what comes back, mark the rest: every run ends recorded."""
        for key in list(self.received):
            self.record(key, self.received[key])
        if self.inflight:
            self.backend.cancel()
        deadline = time.monotonic() + CANCEL_GRACE_SECONDS
        try:
            while self.inflight and self.backend.outstanding() and time.monotonic() < deadline:
                for key, outcome in self.backend.wait(0.2):
                    if key in self.inflight:
                        self.record(key, outcome)
        except KeyboardInterrupt:  # a second Ctrl-C: stop waiting, still mark every run
            pass
        for key in sorted(self.unrecorded):
            ran = key in self.inflight
            message = "cancelled while it ran" if ran else "the sweep was cancelled before it ran"
            self.store.finish_run(self.ids[key], "cancelled", message)
