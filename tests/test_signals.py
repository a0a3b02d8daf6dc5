"""Signals with real processes (issue 21.9): SIGINT (even when the shell started the command
with SIGINT ignored, as `cmd &` does) and SIGTERM both cancel train, find-lr and sweep, store
the runs as cancelled and exit 1; a sweep driver killed with SIGKILL leaves no worker behind."""

import json
import os
import signal
import time
from pathlib import Path

import pytest
from cli_runner import lrlab_process
from tiny_runs import TINY_TRAIN

from lrlab.train.store import RunStore

TRAIN = {**TINY_TRAIN, "epochs": 300}  # long: it is stopped long before its end
RUN = {
    "optimizer": {"name": "SGD", "lr": 0.05},
    "scheduler": {"name": "ConstantLR", "factor": 1.0},
    "train": TRAIN,
}
SWEEP = {
    "base": {"optimizer": {"name": "SGD", "lr": 0.05}, "train": TRAIN},
    "variants": [
        {"label": "long", "scheduler": {"name": "ConstantLR", "factor": 1.0}},
        {"label": "next", "scheduler": {"name": "ExponentialLR", "gamma": 0.9}},
    ],
    "seeds": [0],
}


def ignore_sigint() -> None:
    """What a non-interactive shell does for `cmd &`: the child starts with SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def start(tmp_path, command, spec, *args):
    path = tmp_path / "in.json"
    path.write_text(json.dumps(spec))
    db = tmp_path / "r.sqlite"
    proc = lrlab_process(command, path, "--db", db, *args, preexec_fn=ignore_sigint)
    return proc, db


def wait_for_line(proc, text: str) -> None:
    for line in proc.stderr:
        if text in line:
            return
    raise AssertionError(f"the command ended before printing {text!r}")


def assert_cancelled(proc, db) -> None:
    """The command exits 1 without a traceback, and says and stores its run as cancelled."""
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["status"] == "cancelled"
    assert RunStore(db).get_run(summary["run_id"])["status"] == "cancelled"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_train_cancels_on_a_signal_stores_it_and_exits_1(tmp_path, sig):
    proc, db = start(tmp_path, "train", RUN)
    wait_for_line(proc, "epoch 1:")  # training, past its first epoch
    proc.send_signal(sig)
    assert_cancelled(proc, db)


def test_find_lr_cancels_on_sigterm_stores_it_and_exits_1(tmp_path):
    proc, db = start(tmp_path, "find-lr", RUN, "--iters", "10000")
    wait_for_line(proc, "range test cpu")  # the progress bar: it is ramping
    proc.send_signal(signal.SIGTERM)
    assert_cancelled(proc, db)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_sweep_cancels_on_a_signal_to_the_driver_alone(tmp_path, sig):
    proc, db = start(tmp_path, "sweep", SWEEP, "--workers", "1")
    wait_for_line(proc, "lrlab: sweep of")
    time.sleep(3)  # the first run is submitted; it may or may not have started training
    proc.send_signal(sig)  # the driver only, not its process group
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    report = json.loads(out.strip().splitlines()[-1])
    assert [r["status"] for r in report["runs"]] == ["cancelled", "cancelled"]
    runs = RunStore(db).list_runs()
    assert len(runs) == 2 and set(runs["status"]) == {"cancelled"}


def children(pid: int) -> set[int]:
    """Every live descendant of ``pid`` (from /proc)."""
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                child = int(stat.parent.name)
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its new parent to reap it is dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_workers_and_resource_tracker_die_with_a_killed_sweep_driver(tmp_path):
    proc, _ = start(tmp_path, "sweep", SWEEP, "--workers", "2")
    wait_for_line(proc, "lrlab: sweep of")
    deadline = time.monotonic() + 300
    workers: set[int] = set()
    while len(workers) < 3:  # the resource tracker and 2 spawned workers
        assert time.monotonic() < deadline, f"workers did not start: {workers}"
        workers = {p for p in children(proc.pid) if alive(p)}
        time.sleep(0.5)
    time.sleep(2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 60
    while left := [p for p in workers if alive(p)]:
        assert time.monotonic() < deadline, f"left running after the driver died: {left}"
        time.sleep(0.5)
