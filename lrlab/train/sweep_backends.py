"""Where a sweep's runs train: worker processes on this machine, or tasks on a Ray cluster.

A backend trains run configs and hands back what happened (the engine's events); the driver
(:func:`drive`) keeps at most ``slots`` runs in flight, writes every outcome to the store once,
and on cancellation stops what runs and marks what never started. Workers never touch the
store, so the same code serves one laptop and a cluster whose nodes share no file system.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import os
import signal
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lrlab.train.store import RunStore

Outcome = dict[str, Any]
CANCEL_GRACE_SECONDS = 60  # a cancelled run stops within one training step


def execute(
    config: dict[str, Any],
    data_dir: str | None = None,
    threads: int | None = None,
    cancel: Any = None,
    lock_dir: str | None = None,
    lock_host: str | None = None,
) -> Outcome:
    """Train one run where this is called (a pool process or a Ray worker); return its events.

    The run takes its device slot in ``lock_dir`` (the driver's, next to its run database) on
    the machine ``lock_host`` (None: this one); on any other machine of a cluster the path means
    nothing, so a run there uses that machine's default lock dir."""
    import torch

    from lrlab.train.engine import train

    if threads:
        torch.set_num_threads(threads)
    if lock_host is not None and lock_host != _host():
        lock_dir = None
    events: list[dict[str, Any]] = []
    at: dict[str, float] = {}

    def collect(event: dict[str, Any]) -> None:
        if event["type"] in ("start", "end"):
            at.setdefault(event["type"], time.time())
        events.append(event)

    before = time.time()
    train(config, collect, cancel, data_dir, lock_dir)
    # A run's span is its training, as for page and CLI runs: from its start event (after any
    # wait for a device slot) to its end event.
    started, finished = at.get("start", before), at.get("end", time.time())
    return {"events": events, "started": started, "finished": finished, "host": _host()}


def _host() -> str:
    return socket.gethostname()


def plan_workers(workers: int | None, cores: int | None = None) -> tuple[int, int]:
    """(worker processes, torch threads per worker): workers × threads never exceeds the
    cores unless more workers than cores are asked for (then one thread each)."""
    cores = max(1, cores or os.cpu_count() or 1)
    workers = max(1, workers or cores)
    return workers, max(1, cores // workers)


# -- local: a pool of processes ------------------------------------------------------------
_worker_cancel: Any = None


def _init_worker(threads: int, cancel: Any) -> None:
    global _worker_cancel
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
        self._cancel = ctx.Event()
        self.slots = min(self.slots, max(1, len(sizes)))
        self._pool = cf.ProcessPoolExecutor(
            self.slots, ctx, initializer=_init_worker, initargs=(self.threads, self._cancel)
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


# -- ray: one task per run -----------------------------------------------------------------
def init_ray(address: str | None = None, num_cpus: int | None = None) -> None:
    """Join the cluster at ``address``, or start a local one (``num_cpus`` cores)."""
    import ray

    # Workers import lrlab: point them at this checkout (on a cluster, every node needs
    # lrlab at the same path or installed; see the README).
    root = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    ray.init(
        address=address,
        num_cpus=None if address else num_cpus,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": path}},
    )


def _wants_gpu(config: dict[str, Any], cluster_gpus: float) -> bool:
    device = (config.get("train") or {}).get("device", "auto")
    return device == "cuda" or (device == "auto" and cluster_gpus > 0)


class RayBackend:
    """Each run is a Ray task: CPU runs take ``cpus_per_run`` cores (and as many torch
    threads); cuda runs ask for ``gpus_per_run`` GPUs (a fraction packs several runs on one
    GPU). ``address`` joins a running cluster; without it a local one is started and shut
    down afterwards."""

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        workers: int | None = None,
        data_dir: str | Path | None = None,
        cpus_per_run: int = 1,
        gpus_per_run: float = 1.0,
        num_cpus: int | None = None,
        lock_dir: str | Path | None = None,
    ) -> None:
        self.address, self.workers, self.num_cpus = address, workers, num_cpus
        self.data_dir = str(data_dir) if data_dir else None
        self.lock_dir = str(lock_dir) if lock_dir else None
        self.cpus_per_run, self.gpus_per_run = cpus_per_run, gpus_per_run
        self.slots = workers or 1
        self._refs: dict[Any, int] = {}
        self._owns = False

    def start(self, configs: list[dict[str, Any]]) -> None:
        import ray

        if not ray.is_initialized():
            init_ray(self.address, self.num_cpus)
            self._owns = True
        resources = ray.cluster_resources()
        gpus = resources.get("GPU", 0)
        self._task = ray.remote(execute)
        gpu = bool(configs) and _wants_gpu(configs[0], gpus)
        capacity = gpus / self.gpus_per_run if gpu else resources.get("CPU", 1) / self.cpus_per_run
        self.slots = max(1, min(self.workers or int(capacity), len(configs) or 1))
        self._gpus = gpus

    def submit(self, key: int, config: dict[str, Any]) -> None:
        gpu = _wants_gpu(config, self._gpus)
        task = self._task.options(
            num_cpus=self.cpus_per_run, num_gpus=self.gpus_per_run if gpu else 0
        )
        ref = task.remote(
            config, self.data_dir, self.cpus_per_run, None, self.lock_dir, self.lock_dir and _host()
        )
        self._refs[ref] = key

    def wait(self, timeout: float) -> list[tuple[int, Outcome]]:
        import ray

        refs = list(self._refs)
        if not refs:
            time.sleep(timeout)
            return []
        ready, _ = ray.wait(refs, num_returns=1, timeout=timeout)
        if ready:
            ready, _ = ray.wait(refs, num_returns=len(refs), timeout=0)
        out = []
        for ref in ready:
            key = self._refs.pop(ref)
            try:
                out.append((key, ray.get(ref)))
            except ray.exceptions.TaskCancelledError:
                out.append((key, {"status": "cancelled", "message": "cancelled while it ran"}))
            except ray.exceptions.RayError as exc:  # a node or worker died
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc)
                out.append((key, {"status": "failed", "message": f"ray: {first}"}))
        return out

    def outstanding(self) -> int:
        return len(self._refs)

    def cancel(self) -> None:
        import ray

        for ref in list(self._refs):
            ray.cancel(ref)  # KeyboardInterrupt inside a running task; a queued one is dropped

    def close(self) -> None:
        if self._owns:
            import ray

            ray.shutdown()
            self._owns = False


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
        from lrlab.train.sweep import record_outcome

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
