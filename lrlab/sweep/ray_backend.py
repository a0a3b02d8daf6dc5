"""The Ray backend of a sweep: each run is a Ray task; joining a cluster that answers nothing
fails in bounded time (see :func:`init_ray`)."""

from __future__ import annotations

import math
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

from lrlab.sweep.worker import Outcome, _host, execute

RAY_CONNECT_TIMEOUT = 60.0  # seconds for a cluster at --address to answer


def ray_connect_timeout() -> float:
    """Seconds to wait for a Ray cluster to answer (``LRLAB_RAY_CONNECT_TIMEOUT``, default 60)."""
    try:
        value = float(os.environ.get("LRLAB_RAY_CONNECT_TIMEOUT", ""))
    except ValueError:
        return RAY_CONNECT_TIMEOUT
    return value if 0 < value < math.inf else RAY_CONNECT_TIMEOUT


def _probe(address: str, timeout: float) -> None:
    """A ``HOST:PORT`` that refuses or drops a TCP connection is no cluster: say so at once
    (``ray.init`` would retry it for minutes). ``auto`` and ``ray://`` are Ray's to resolve."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or "://" in address:
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise ConnectionError(f"no Ray cluster answers at {address}: {exc}") from None


def init_ray(address: str | None = None, num_cpus: int | None = None) -> None:
    """Join the cluster at ``address``, or start a local one (``num_cpus`` cores).

    Joining fails within :func:`ray_connect_timeout` seconds when nothing answers there
    (``ray.init`` alone retries an address that answers nothing for as long as it runs)."""
    if not address:
        _init_ray(address, num_cpus)
        return
    timeout = ray_connect_timeout()
    _probe(address, timeout)
    done, box = threading.Event(), {}

    def connect() -> None:
        try:
            _init_ray(address, num_cpus)
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc
        finally:
            done.set()

    # A daemon thread: if the cluster never answers, it is left behind, not waited for.
    threading.Thread(target=connect, name="lrlab-ray-connect", daemon=True).start()
    if not done.wait(timeout):
        raise TimeoutError(f"no Ray cluster answered at {address} within {timeout:g} s")
    if "error" in box:
        raise box["error"]


def _init_ray(address: str | None, num_cpus: int | None) -> None:
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
