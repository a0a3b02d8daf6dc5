"""Faults of issue 21 the CLI and the sweep driver must survive: a sweep variant torch fails
on while stepping (refused up front), a range-test ramp past float range, strict JSON on every
CLI's stdout, seconds apart from the wait for a device slot, and a Ray address that answers
nothing (a bounded failure, every run stored as failed)."""

import json
import math
import time

import pytest
from cli_runner import lrlab
from tiny_runs import TINY_TRAIN

from lrlab import ConfigError
from lrlab.sweep import parse_sweep
from lrlab.train.store import RunStore

TRAIN = {**TINY_TRAIN, "subset": 128}


def five_variants(bad: dict) -> dict:
    """A sweep whose 5th variant is ``bad``; the first four are fine."""
    good = [
        {"label": f"exp {g}", "scheduler": {"name": "ExponentialLR", "gamma": g}}
        for g in (0.9, 0.8, 0.7, 0.6)
    ]
    return {
        "base": {"optimizer": {"name": "SGD", "lr": 0.05}, "train": TRAIN},
        "variants": [*good, {"label": "broken", "scheduler": bad}],
        "seeds": [0],
    }


def strict_json(line: str):
    """json.loads that refuses NaN and Infinity, as every JSON parser but Python's does."""

    def refuse(token: str):
        raise ValueError(f"not JSON: {token}")

    return json.loads(line, parse_constant=refuse)


# -- 6: a variant torch fails on while stepping is refused before anything trains ----------
@pytest.mark.parametrize(
    "bad",
    [
        {"name": "StepLR", "step_size": 0},
        {"name": "CosineAnnealingLR", "T_max": 0},
    ],
)
def test_a_variant_torch_fails_on_while_stepping_is_refused_up_front(bad):
    with pytest.raises(ConfigError) as err:
        parse_sweep(five_variants(bad))
    assert err.value.field.startswith("variants[4].scheduler"), err.value


def test_cli_refuses_such_a_sweep_with_exit_2_and_trains_nothing(tmp_path):
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps(five_variants({"name": "StepLR", "step_size": 0})))
    db = tmp_path / "r.sqlite"
    out = lrlab("sweep", path, "--db", db, timeout=120)
    assert out.returncode == 2, out.stderr
    assert out.stdout == "" and "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lrlab: variants[4].scheduler"), lines
    assert not db.exists()


# -- 7: a ramp beyond float range, and strict JSON on every CLI's stdout -------------------
def run_config(tmp_path, lr: float = 0.05, **train) -> str:
    path = tmp_path / "run.json"
    config = {
        "optimizer": {"name": "SGD", "lr": lr},
        "scheduler": {"name": "ConstantLR", "factor": 1.0},
        "train": {**TRAIN, **train},
    }
    path.write_text(json.dumps(config))
    return str(path)


def test_ramp_stays_finite_up_to_the_largest_float():
    from lrlab.rangetest.curve import ramp

    for mode in ("exp", "linear"):
        lrs = ramp(1e-7, 1e308, 5, mode)
        assert all(math.isfinite(v) and v > 0 for v in lrs), lrs
        assert lrs[0] == 1e-7 and lrs[-1] == pytest.approx(1e308)
        assert lrs == sorted(lrs)
    assert ramp(1e-7, 10.0, 100) == [1e-7 * (10.0 / 1e-7) ** (i / 99) for i in range(100)]


def test_find_lr_to_1e308_is_refused_in_one_line_before_anything_trains(tmp_path):
    db = tmp_path / "r.sqlite"
    args = ("--iters", "5", "--db", db, "--no-progress")
    out = lrlab("find-lr", run_config(tmp_path), "--end-lr", "1e308", *args, timeout=240)
    assert out.returncode == 2 and out.stdout == "", out.stderr
    assert out.stderr.startswith("lrlab: end_lr: must be at most 1e+06")
    assert len(out.stderr.strip().splitlines()) == 1 and not db.exists()


def test_find_lr_at_its_bound_prints_finite_lrs_as_strict_json(tmp_path):
    args = ("--iters", "5", "--db", tmp_path / "r.sqlite", "--no-progress")
    out = lrlab("find-lr", run_config(tmp_path), "--end-lr", "1e6", *args, timeout=240)
    assert out.returncode == 0, out.stderr
    result = strict_json(out.stdout.strip().splitlines()[-1])
    assert all(math.isfinite(v) and v <= 1e6 for v in result["lrs"]) and result["lrs"]


def test_train_that_diverges_prints_strict_json(tmp_path):
    out = lrlab(
        "train", run_config(tmp_path, lr=1e30), "--db", tmp_path / "r.sqlite", "--no-progress"
    )
    assert out.returncode == 1, out.stderr
    summary = strict_json(out.stdout.strip().splitlines()[-1])
    assert summary["status"] == "diverged"


def test_strict_json_lines_replace_what_json_cannot_hold():
    import numpy as np

    from lrlab.core.jsonline import json_line

    value = {"a": [1.0, math.inf, -math.inf, math.nan], "b": np.float64("nan"), "c": (2, "x")}
    line = json_line(value)
    assert "\n" not in line
    assert strict_json(line) == {"a": [1.0, None, None, None], "b": None, "c": [2, "x"]}
    assert json_line({"x": 0.1 + 0.2}) == json.dumps({"x": 0.1 + 0.2})  # repr: exact floats


# -- 12: seconds is the training; the wait for a device slot is wait_seconds apart ---------
HOLDER = """
import sys, time
from pathlib import Path
from lrlab.train.slots import device_slot
with device_slot("cpu", sys.argv[1]):
    print("holding", flush=True)
    while not Path(sys.argv[2]).exists():
        time.sleep(0.05)
"""


@pytest.mark.parametrize("command", ["train", "find-lr"])
def test_seconds_leave_out_the_wait_for_a_device_slot(tmp_path, command):
    import os
    import subprocess
    import sys

    from cli_runner import ROOT, lrlab_process

    locks = tmp_path / "locks"
    env = {**os.environ, "LRLAB_CPU_SLOTS": "1", "LRLAB_LOCK_DIR": str(locks)}
    db, release, held = tmp_path / "r.sqlite", tmp_path / "release", 4.0
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(locks), str(release)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        extra = ("--iters", "10") if command == "find-lr" else ()
        began = time.monotonic()
        proc = lrlab_process(command, run_config(tmp_path), "--db", db, *extra, env=env)
        for line in proc.stderr:
            if "waiting for the cpu device" in line:
                break
        else:
            raise AssertionError("the run never waited for the held slot")
        time.sleep(held)  # the run waits at least this long after saying so
        release.touch()
        out, err = proc.communicate(timeout=300)
        wall = time.monotonic() - began
    finally:
        release.touch()
        holder.wait(timeout=30)
    assert proc.returncode == 0, err
    summary = strict_json(out.strip().splitlines()[-1])
    assert summary["wait_seconds"] >= held
    assert summary["seconds"] > 0 and summary["seconds"] + summary["wait_seconds"] <= wall
    row = RunStore(db).get_run(summary["run_id"])
    assert row["seconds"] == pytest.approx(summary["seconds"])
    assert row["wait_seconds"] == pytest.approx(summary["wait_seconds"])


# -- 10: a Ray address that answers nothing fails in bounded time, every run stored -------
@pytest.mark.parametrize("listener", [False, True], ids=["refused", "silent"])
def test_ray_address_that_answers_nothing_fails_every_run_in_bounded_time(tmp_path, listener):
    import os
    import socket

    spec = five_variants({"name": "ConstantLR", "factor": 1.0})
    spec["variants"] = spec["variants"][:2]
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps(spec))
    db = tmp_path / "r.sqlite"
    env = {
        **os.environ,
        "RAY_TMPDIR": str(tmp_path / "ray"),
        "LRLAB_RAY_CONNECT_TIMEOUT": "20",
    }
    with socket.socket() as silent:  # accepts connections and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        address = f"127.0.0.1:{silent.getsockname()[1]}" if listener else "127.0.0.1:1"
        began = time.monotonic()
        out = lrlab(
            "sweep", path, "--backend", "ray", "--address", address, "--db", db,
            timeout=240, env=env,
        )  # fmt: skip
        took = time.monotonic() - began
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr and took < 240
    report = strict_json(out.stdout.strip().splitlines()[-1])
    assert [r["status"] for r in report["runs"]] == ["failed", "failed"]
    for r in report["runs"]:
        assert "ray backend could not start" in r["message"] and address in r["message"]
    runs = RunStore(db).list_runs()
    assert len(runs) == 2 and set(runs["status"]) == {"failed"}
