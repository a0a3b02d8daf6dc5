"""Run generated scripts as they are, many per subprocess, and read back what they print."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tempfile
from pathlib import Path

# Each script runs with runpy in a fresh namespace, as `python script.py` would run it; its
# stdout is captured, and an exception is reported as text instead of ending the batch.
DRIVER = r"""
import contextlib, io, json, runpy, sys, traceback, warnings
warnings.simplefilter("ignore")
out = []
for path in sys.argv[1:]:
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            runpy.run_path(path, run_name="__main__")
        out.append({"stdout": buf.getvalue()})
    except BaseException as exc:
        out.append({"stdout": buf.getvalue(), "error": f"{type(exc).__name__}: {exc}"})
print(json.dumps(out))
"""


def run_scripts(scripts: list[str], timeout: float = 300) -> list[dict]:
    """[{"stdout": ..., "error"?: ...}] for each script, from one Python subprocess."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, code in enumerate(scripts):
            path = Path(tmp) / f"generated_{i}.py"
            path.write_text(code)
            paths.append(str(path))
        driver = Path(tmp) / "driver.py"
        driver.write_text(DRIVER)
        proc = subprocess.run(
            [sys.executable, str(driver), *paths],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=tmp,
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.splitlines()[-1])


def printed_rows(stdout: str) -> list[tuple]:
    """The script's lines ``step [lr, ...] [momentum, ...]`` as (step, group, lr, momentum)."""
    rows = []
    for line in stdout.splitlines():
        step, rest = line.split(" ", 1)
        values = ast.literal_eval("(" + rest.replace("] [", "], [") + ",)")
        lrs, momenta = values[0], values[1] if len(values) > 1 else [None] * len(values[0])
        rows += [(int(step), g, lr, m) for g, (lr, m) in enumerate(zip(lrs, momenta, strict=True))]
    return rows


def simulated_rows(df) -> list[tuple]:
    """simulate()'s DataFrame as (step, group, lr, momentum) rows, momentum None without one."""
    mom = df["momentum"].tolist() if "momentum" in df else [None] * len(df)
    return list(zip(df["step"].tolist(), df["group"].tolist(), df["lr"].tolist(), mom, strict=True))
