"""Sweeps started from the app run as ``python -m lrlab sweep`` in a process of their own,
never inside a Streamlit script run: reruns, refreshes and even a server restart only watch
the store, and Stop is a Ctrl-C (SIGINT) to that process, which cancels the rest cleanly.

A process of its own also keeps the worker pool clear of Streamlit: spawned workers re-run
the parent's ``__main__``, which inside a server is the page script being run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from lrlab.sweep import new_sweep_id, parse_sweep
from lrlab.train.store import RunStore

ROOT = Path(__file__).resolve().parents[2]


class SweepJobs:
    def __init__(self, store: RunStore, data_dir: str | Path | None = None) -> None:
        self.store, self.data_dir = store, data_dir
        self.folder = store.path.parent / "sweeps"
        self._procs: dict[str, subprocess.Popen] = {}

    def start(self, spec: Any, workers: int | None = None, backend: str = "local") -> str:
        """Validate (ConfigError for bad input), then start the sweep; returns its id."""
        parse_sweep(spec)
        sweep_id = new_sweep_id()
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.spec_path(sweep_id)
        path.write_text(json.dumps(spec, indent=2), encoding="utf-8")
        cmd = [sys.executable, "-m", "lrlab", "sweep", str(path), "--backend", backend]
        cmd += ["--db", str(self.store.path), "--sweep-id", sweep_id]
        if workers:
            cmd += ["--workers", str(workers)]
        if self.data_dir:
            cmd += ["--data-dir", str(self.data_dir)]
        env = {**os.environ}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
        with open(self.folder / f"{sweep_id}.log", "wb") as log:
            self._procs[sweep_id] = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        return sweep_id

    def spec_path(self, sweep_id: str) -> Path:
        return self.folder / f"{sweep_id}.json"

    def spec(self, sweep_id: str) -> dict[str, Any] | None:
        """The sweep file a sweep was started from (None if not started from here)."""
        try:
            return json.loads(self.spec_path(sweep_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def cancel(self, sweep_id: str) -> bool:
        proc = self._procs.get(sweep_id)
        if proc is None or proc.poll() is not None:
            return False
        proc.send_signal(signal.SIGINT)  # the CLI's Ctrl-C path: cancel the rest, record all
        return True

    def running(self, sweep_id: str) -> bool:
        proc = self._procs.get(sweep_id)
        return proc is not None and proc.poll() is None

    def error(self, sweep_id: str) -> str | None:
        """The last line the sweep process wrote, when it exited with an error before any
        run could say so itself (exit status 2: bad input; anything else but 0/1: a crash)."""
        proc = self._procs.get(sweep_id)
        if proc is None or proc.poll() in (None, 0, 1):
            return None
        try:
            lines = (self.folder / f"{sweep_id}.log").read_text(errors="replace").splitlines()
        except OSError:
            lines = []
        return lines[-1] if lines else f"the sweep process exited with status {proc.returncode}"

    def wait(self, sweep_id: str, timeout: float | None = None) -> bool:
        proc = self._procs.get(sweep_id)
        if proc is not None:
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                return False
        return True


_jobs: dict[str, SweepJobs] = {}
_lock = threading.Lock()


def get_sweep_jobs(store: RunStore) -> SweepJobs:
    """The process-wide sweep runner for a run database."""
    key = str(store.path.expanduser().resolve())
    with _lock:
        if key not in _jobs:
            _jobs[key] = SweepJobs(store)
        return _jobs[key]
