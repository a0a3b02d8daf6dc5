"""One device queue across processes: OS file locks, one per device slot, next to the run DB.

Every trainer (the page's job runner, ``python -m lrlab train``, range tests, local sweep
workers) runs its work inside :func:`device_slot`, which :func:`lrlab.train.engine.train` calls
itself, so no caller can bypass it. The policy:

- a GPU (``cuda:N``, ``mps``) has one slot: runs on it take turns;
- the CPU has ``max(1, cores // torch threads)`` slots (``$LRLAB_CPU_SLOTS`` overrides), so
  slots x threads <= cores and concurrent runs never oversubscribe the cores (four runs on two
  cores with two threads each took 10x one run; one at a time they take 4x).

A slot is an exclusive ``flock`` on ``<lock dir>/<device>.<i>.lock``; the OS drops it when the
holder's process dies, so a killed run never blocks the device. Waiters poll every
``POLL_SECONDS`` (no strict FIFO across processes) and can be cancelled while they wait. On
platforms without ``fcntl`` (Windows) runs are not serialised across processes.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

POLL_SECONDS = 0.2


class SlotWaitCancelled(Exception):
    """Cancelled while waiting for a device slot."""


def default_lock_dir(db_path: str | Path | None = None) -> Path:
    """``$LRLAB_LOCK_DIR``, else ``device-locks`` next to the run database (default or given)."""
    env = os.environ.get("LRLAB_LOCK_DIR")
    if env:
        return Path(env).expanduser()
    from lrlab.train.store import default_db_path

    return Path(db_path or default_db_path()).expanduser().parent / "device-locks"


def slot_count(device: str) -> int:
    """How many runs may use ``device`` at once (see the module docstring for the policy)."""
    if not device.startswith("cpu"):
        return 1
    env = os.environ.get("LRLAB_CPU_SLOTS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    import torch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, (cores or 1) // max(1, torch.get_num_threads()))


def _lock_path(lock_dir: Path, device: str, slot: int) -> Path:
    safe = "".join(c if c.isalnum() else "_" for c in device)
    return lock_dir / f"{safe}.{slot}.lock"


def _try_take(lock_dir: Path, device: str, slots: int) -> int | None:
    """An open file descriptor holding a free slot's lock, or None when all are taken."""
    for slot in range(slots):
        fd = os.open(_lock_path(lock_dir, device, slot), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # who holds it, for people reading the dir
        return fd
    return None


def busy_slots(device: str, lock_dir: Path | None = None) -> int:
    """How many of ``device``'s slots are held right now (by any process)."""
    if fcntl is None:
        return 0
    lock_dir = lock_dir or default_lock_dir()
    held = 0
    for slot in range(slot_count(device)):
        path = _lock_path(lock_dir, device, slot)
        if not path.exists():
            continue
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
        except OSError:
            held += 1
        finally:
            os.close(fd)
    return held


@contextlib.contextmanager
def device_slot(
    device: str,
    lock_dir: str | Path | None = None,
    on_wait: Callable[[dict], None] | None = None,
    cancel: threading.Event | None = None,
) -> Iterator[float]:
    """Hold one of ``device``'s slots for the block; waits (polling) while all are taken.

    ``on_wait`` gets one ``{"type": "waiting", ...}`` event when the caller has to wait, and
    ``{"type": "acquired", ...}`` once it holds the slot after waiting. Raises
    :class:`SlotWaitCancelled` if ``cancel`` is set while waiting. Yields seconds waited.
    """
    if fcntl is None:  # pragma: no cover - Windows
        yield 0
        return
    directory = Path(lock_dir) if lock_dir else default_lock_dir()
    directory.mkdir(parents=True, exist_ok=True)
    slots = slot_count(device)
    started = time.monotonic()
    fd = _try_take(directory, device, slots)
    had_to_wait = fd is None
    if had_to_wait and on_wait:
        on_wait(
            {
                "type": "waiting",
                "device": device,
                "slots": slots,
                "message": f"waiting for the {device} device: {slots} of {slots} slot(s) are "
                "busy with other runs on this machine",
            }
        )
    while fd is None:
        if cancel is not None and cancel.wait(POLL_SECONDS):
            raise SlotWaitCancelled(f"cancelled while waiting for the {device} device")
        if cancel is None:
            time.sleep(POLL_SECONDS)
        fd = _try_take(directory, device, slots)
    waited = time.monotonic() - started
    if had_to_wait and on_wait:
        on_wait({"type": "acquired", "device": device, "waited": waited})
    try:
        yield waited
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
