"""Warm a fresh server in the background: the first visit should not pay for imports.

Importing torch, building the first optimizer and scheduler (which imports torch._dynamo),
loading Plotly's templates and serialising a first figure take seconds on a cold process.
:func:`start_warmup` does all of it once per process in a daemon thread, and opens the run
store, which marks runs whose process died as interrupted right at server start.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_lock = threading.Lock()
_thread: threading.Thread | None = None
_state: dict[str, Any] = {"done": False, "seconds": None, "error": None, "interrupted": 0}
WARM_CONFIG = {
    "optimizer": {"name": "AdamW", "lr": 0.001},
    "param_groups": [{}, {"lr": 0.01}],
    "scheduler": {"name": "LambdaLR", "lr_lambda": "0.95 ** epoch"},
    "steps": 50,
}


def warm(db_path: str | Path | None = None, modules: Sequence[str] = ()) -> dict[str, Any]:
    """Do the work of a first visit once (imports, first simulate and figure, run store)."""
    started = time.perf_counter()
    import torch

    with contextlib.suppress(ImportError):  # builds without dynamo
        importlib.import_module("torch._dynamo")
    from lrlab import simulate, to_code
    from lrlab.core.view import VIEW_DEFAULTS
    from lrlab.present.figures import lr_figure, marks_for
    from lrlab.train.store import RunStore

    df = simulate(WARM_CONFIG)
    to_code(WARM_CONFIG)
    for name in ("SGD", "Adam"):  # the first build of each optimizer class imports more
        getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], lr=0.1).step()
    view = {**VIEW_DEFAULTS, "step_per": "batch"}
    lr_figure(df, view, marks=marks_for(WARM_CONFIG, df)).to_json()
    interrupted = RunStore(db_path).interrupted_at_open
    for module in modules:
        importlib.import_module(module)
    return {"seconds": time.perf_counter() - started, "interrupted": interrupted}


def start_warmup(
    db_path: str | Path | None = None, modules: Sequence[str] = (), log: bool = False
) -> threading.Thread:
    """Start :func:`warm` in a daemon thread, once per process; later calls return it."""
    global _thread
    with _lock:
        if _thread is not None:
            return _thread

        def run() -> None:
            try:
                _state.update(warm(db_path, modules))
            except Exception as exc:  # warming is an optimisation: never take the server down
                _state["error"] = f"{type(exc).__name__}: {exc}"
            _state["done"] = True
            if log:
                print(f"lrlab: warm-up done {warm_status()}", file=sys.stderr, flush=True)

        _thread = threading.Thread(target=run, daemon=True, name="lrlab-warmup")
        _thread.start()
        return _thread


def warm_status() -> dict[str, Any]:
    """Whether the warm-up finished, how long it took and how many runs it marked interrupted."""
    return dict(_state)
