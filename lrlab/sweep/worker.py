"""One sweep run where it trains (a local worker process or a Ray task): its events back."""

from __future__ import annotations

import socket
import time
from typing import Any

Outcome = dict[str, Any]


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
