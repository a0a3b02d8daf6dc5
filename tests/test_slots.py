"""Device slots across real processes: runs take turns, a dead holder frees its slot."""

import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cli_runner import lrlab_process

from lrlab.jobs.manager import JobManager
from lrlab.train.slots import SlotWaitCancelled, busy_slots, device_slot, slot_count
from lrlab.train.store import RunStore

ROOT = Path(__file__).resolve().parent.parent
HOLDER = """
import sys, time
from pathlib import Path
from lrlab.train.slots import device_slot
with device_slot("cpu", sys.argv[1]):
    print("holding", flush=True)
    while not Path(sys.argv[2]).exists():
        time.sleep(0.05)
"""


def env(**extra):
    return {**os.environ, "LRLAB_CPU_SLOTS": "1", **extra}


@contextlib.contextmanager
def holding(lock_dir, release):
    """A separate process holding the only cpu slot of ``lock_dir`` until ``release`` exists."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock_dir), str(release)],
        cwd=ROOT,
        env=env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "holding"
    try:
        yield proc, lambda: release.touch()
    finally:
        release.touch()
        proc.wait(timeout=30)


@pytest.fixture
def holder(tmp_path):
    """A separate process holding the only cpu slot until the test says release()."""
    with holding(tmp_path / "locks", tmp_path / "release") as held:
        yield held


def test_cpu_slots_keep_slots_times_threads_within_the_cores(monkeypatch):
    import torch

    monkeypatch.delenv("LRLAB_CPU_SLOTS", raising=False)
    cores = len(os.sched_getaffinity(0))
    assert slot_count("cpu") * torch.get_num_threads() <= max(cores, torch.get_num_threads())
    assert slot_count("cuda:0") == 1
    monkeypatch.setenv("LRLAB_CPU_SLOTS", "3")
    assert slot_count("cpu") == 3


def test_waits_for_another_process_and_says_so(tmp_path, holder, monkeypatch):
    monkeypatch.setenv("LRLAB_CPU_SLOTS", "1")
    _, release = holder
    locks = tmp_path / "locks"
    assert busy_slots("cpu", locks) == 1
    events = []
    threading.Timer(0.8, release).start()
    with device_slot("cpu", locks, events.append) as waited:
        assert waited >= 0.5
        assert busy_slots("cpu", locks) == 1
    assert [e["type"] for e in events] == ["waiting", "acquired"]
    assert "cpu" in events[0]["message"] and "busy" in events[0]["message"]
    assert busy_slots("cpu", locks) == 0


def test_a_killed_holder_frees_its_slot_at_once(tmp_path, holder, monkeypatch):
    monkeypatch.setenv("LRLAB_CPU_SLOTS", "1")
    proc, _ = holder
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    events = []
    with device_slot("cpu", tmp_path / "locks", events.append):
        pass
    assert events == []


def test_waiting_can_be_cancelled(tmp_path, holder, monkeypatch):
    monkeypatch.setenv("LRLAB_CPU_SLOTS", "1")
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    with pytest.raises(SlotWaitCancelled), device_slot("cpu", tmp_path / "locks", None, cancel):
        pass


def digits(epochs=1):
    return {
        "optimizer": {"name": "SGD", "lr": 0.05, "momentum": 0.9},
        "scheduler": {"name": "CosineAnnealingLR", "T_max": epochs},
        "train": {
            "dataset": "digits",
            "epochs": epochs,
            "batch_size": 64,
            "subset": 256,  # these tests are about taking turns, not about learning
            "device": "cpu",
        },
    }


@pytest.mark.slow
def test_a_page_job_waits_for_a_run_of_another_process(tmp_path, holder, monkeypatch):
    monkeypatch.setenv("LRLAB_CPU_SLOTS", "1")
    monkeypatch.setenv("LRLAB_LOCK_DIR", str(tmp_path / "locks"))
    _, release = holder
    manager = JobManager(RunStore(tmp_path / "runs.sqlite"))
    run_id = manager.submit(digits())
    job = manager.job(run_id)
    deadline = time.monotonic() + 60
    while not job.waiting and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job.status == "queued" and "waiting for the cpu device" in job.waiting
    assert "waiting" in manager.store.get_run(run_id)["message"]
    assert not manager.wait(run_id, timeout=1.0)  # still held by the other process
    release()
    assert manager.wait(run_id, timeout=120)
    assert job.result.status == "completed" and job.waiting == ""


@pytest.mark.slow
def test_concurrent_cli_runs_take_turns(tmp_path):
    db = tmp_path / "runs.sqlite"
    config = tmp_path / "run.json"
    config.write_text(json.dumps(digits()))
    procs = [
        lrlab_process(
            "train",
            config,
            "--db",
            db,
            "--no-progress",
            env=env(LRLAB_LOCK_DIR=str(tmp_path / "locks")),
        )
        for _ in range(3)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outs]
    runs = [RunStore(db).get_run(json.loads(o[0].splitlines()[-1])["run_id"]) for o in outs]
    spans = sorted((r["started"], r["finished"]) for r in runs)
    # One slot: each run starts training only after the previous one finished (and stored
    # its end: the slot is released after the end event).
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start >= end, spans
    assert sum("waiting for the cpu device" in o[1] for o in outs) >= 1


# -- the CLIs take their slots next to --db, as `lrlab train --db` does ----------------------
def held_databases(tmp_path):
    """Database ``a`` whose only cpu slot another process holds, and the default database
    (``$LRLAB_DB``, also held: a CLI that ignored --db would wait for it forever)."""
    a, default = tmp_path / "a", tmp_path / "default"
    stack = contextlib.ExitStack()
    _, release_a = stack.enter_context(holding(a / "device-locks", tmp_path / "release-a"))
    stack.enter_context(holding(default / "device-locks", tmp_path / "release-default"))
    return stack, a / "runs.sqlite", release_a, default / "runs.sqlite"


def cli(default_db, *args):
    """``python -m lrlab ARGS`` with no $LRLAB_LOCK_DIR: its slots follow its database."""
    cli_env = {k: v for k, v in env(LRLAB_DB=str(default_db)).items() if k != "LRLAB_LOCK_DIR"}
    return lrlab_process(*args, env=cli_env)


def find_lr(tmp_path, default_db, db):
    """A 10-step range test on Digits into ``db``."""
    return cli(
        default_db, "find-lr", range_test_file(tmp_path), "--iters", 10, "--db", db, "--no-progress"
    )


def range_test_file(tmp_path):
    path = tmp_path / "range.json"
    path.write_text(json.dumps(digits()))
    return path


def sweep_file(tmp_path):
    path = tmp_path / "sweep.json"
    spec = {"base": digits(), "variants": [{"label": "cosine"}], "seeds": [0]}
    path.write_text(json.dumps(spec))
    return path


@pytest.mark.slow
def test_find_lr_and_sweep_on_another_database_do_not_wait(tmp_path):
    stack, _db_a, _release_a, default = held_databases(tmp_path)
    with stack:
        find = find_lr(tmp_path, default, tmp_path / "b" / "runs.sqlite")
        sweep = cli(
            default,
            "sweep",
            sweep_file(tmp_path),
            "--workers",
            1,
            "--db",
            tmp_path / "c" / "runs.sqlite",
        )
        for proc in (find, sweep):
            _, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err
            assert "waiting for the cpu device" not in err
    assert (tmp_path / "b" / "device-locks").is_dir() and (tmp_path / "c" / "device-locks").is_dir()


@pytest.mark.slow
def test_find_lr_waits_for_a_run_of_its_database(tmp_path):
    stack, db_a, release_a, default = held_databases(tmp_path)
    with stack:
        find = find_lr(tmp_path, default, db_a)
        lines = []
        while not lines or "waiting for the cpu device" not in lines[-1]:
            lines.append(find.stderr.readline())
            assert lines[-1], "".join(lines)  # ended without waiting for database a's slot
        release_a()
        out, err = find.communicate(timeout=300)
    assert find.returncode == 0, err
    assert (
        RunStore(db_a).get_run(json.loads(out.splitlines()[-1])["run_id"])["kind"] == "range_test"
    )


@pytest.mark.slow
def test_sweep_workers_wait_for_a_run_of_its_database(tmp_path):
    stack, db_a, release_a, default = held_databases(tmp_path)
    with stack:
        sweep = cli(default, "sweep", sweep_file(tmp_path), "--workers", 1, "--db", db_a)
        deadline = time.monotonic() + 120
        while not db_a.exists() or RunStore(db_a).list_runs()["status"].tolist() != ["running"]:
            assert time.monotonic() < deadline and sweep.poll() is None, sweep.stderr.read()
            time.sleep(0.2)
        time.sleep(1.0)  # the worker is starting: it must wait for database a's slot
        released = time.time()
        release_a()
        out, err = sweep.communicate(timeout=300)
    assert sweep.returncode == 0, err
    run = RunStore(db_a).get_run(json.loads(out.splitlines()[-1])["runs"][0]["run_id"])
    assert run["started"] >= released  # training began only once a's slot was free
