"""Running a sweep: the driver creates its rows, drives a backend and reports."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from lrlab.sweep.backends import drive
from lrlab.sweep.records import create_runs, new_sweep_id, sweep_report
from lrlab.sweep.spec import Sweep
from lrlab.train.store import RunStore

Progress = Callable[[dict[str, Any]], None]


def run_sweep(
    sweep: Sweep,
    store: RunStore,
    backend: Any,
    on_progress: Progress | None = None,
    cancel: threading.Event | None = None,
    sweep_id: str | None = None,
    ids: list[str] | None = None,
) -> dict[str, Any]:
    """Run every (variant, seed) on ``backend`` (see sweep_backends) and return the report:
    ``sweep_id``, ``backend``, ``runs`` and ``summary``. Ctrl-C (KeyboardInterrupt) or
    ``cancel`` stops the rest: running runs are cancelled, queued ones marked cancelled.
    ``ids``: rows already made by :func:`create_runs` (with this ``sweep_id``)."""
    sweep_id = sweep_id or new_sweep_id()
    ids = ids or create_runs(store, sweep, sweep_id)
    started = time.perf_counter()
    drive(sweep, ids, store, backend, on_progress or (lambda _p: None), cancel)
    report = sweep_report(store, sweep_id, backend.name, sweep.labels)
    report["seconds"] = time.perf_counter() - started
    report["workers"] = backend.slots
    return report
