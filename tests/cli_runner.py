"""Run ``python -m lrlab`` in a subprocess, as a user's shell does: the tests of every command
read its real stdout, stderr and exit status."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def command(*args: Any) -> list[str]:
    return [sys.executable, "-m", "lrlab", *map(str, args)]


def lrlab(
    *args: Any, stdin: str | None = None, timeout: float = 300, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run the command to its end, text output captured (``env``: the whole environment)."""
    return subprocess.run(
        command(*args),
        cwd=ROOT,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=timeout,
        env=env,
    )


def lrlab_process(*args: Any, **kw: Any) -> subprocess.Popen:
    """Start the command and return at once (to signal it, or to read it as it goes)."""
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    return subprocess.Popen(command(*args), cwd=ROOT, **(pipes | kw))


def train(*args: Any, db: Any, **kw: Any) -> subprocess.CompletedProcess:
    """``lrlab train`` into the run database ``db``, without the progress bar."""
    return lrlab("train", *args, "--db", db, "--no-progress", **kw)
