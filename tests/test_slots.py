"""Device slots across real processes: runs take turns, a dead holder frees its slot."""

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

from lrlab.train.jobs import JobManager
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


@pytest.fixture
def holder(tmp_path):
    """A separate process holding the only cpu slot until the test says release()."""
    release = tmp_path / "release"
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / "locks"), str(release)],
        cwd=ROOT,
        env=env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "holding"
    yield proc, lambda: release.touch()
    release.touch()
    proc.wait(timeout=30)


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
        "train": {"dataset": "digits", "epochs": epochs, "batch_size": 64, "device": "cpu"},
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
        subprocess.Popen(
            [sys.executable, "-m", "lrlab", "train", config, "--db", db, "--no-progress"],
            cwd=ROOT,
            env=env(LRLAB_LOCK_DIR=str(tmp_path / "locks")),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
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
