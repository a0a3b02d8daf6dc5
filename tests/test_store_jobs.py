import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from cli_runner import ROOT, lrlab
from cli_runner import train as cli_train

from lrlab import ConfigError
from lrlab.jobs.manager import JobManager, get_manager
from lrlab.train.store import RunStore


def digits(epochs=2, **kw):
    return {
        "optimizer": {"name": "SGD", "lr": 0.05, "momentum": 0.9},
        "param_groups": [{}, {"lr": 0.1}],
        "scheduler": {"name": "CosineAnnealingLR", "T_max": epochs},
        "train": {"dataset": "digits", "epochs": epochs, "batch_size": 64, "device": "cpu", **kw},
    }


@pytest.fixture
def manager(tmp_path):
    return JobManager(RunStore(tmp_path / "runs.sqlite"))


def test_a_run_is_stored_as_it_goes_and_can_be_read_back(manager):
    run_id = manager.submit(digits(), name="first")
    assert manager.wait(run_id, timeout=120)
    store = manager.store
    run = store.get_run(run_id)
    assert run["status"] == "completed" and run["name"] == "first"
    assert run["epochs_done"] == 2 and run["test_accuracy"] > 0.5
    assert run["config"]["train"]["dataset"] == "digits" and run["device"] == "cpu"
    steps = store.steps(run_id)
    assert list(steps.columns) == [
        "step",
        "epoch",
        "loss",
        "lr_0",
        "lr_1",
        "momentum_0",
        "momentum_1",
    ]
    assert len(steps) == 46 and steps["step"].tolist() == list(range(46))
    epochs = store.epochs(run_id)
    assert epochs["epoch"].tolist() == [0, 1] and "test_acc" in epochs
    listing = store.list_runs()
    assert listing.loc[0, "id"] == run_id
    export = store.export([run_id])
    assert {"run_id", "run_name", "step", "loss", "lr_0", "test_acc"} <= set(export.columns)
    store.rename(run_id, "renamed")
    assert store.get_run(run_id)["name"] == "renamed"
    store.delete([run_id])
    assert store.get_run(run_id) is None and store.steps(run_id).empty


def test_one_job_at_a_time_per_device_with_a_queue(manager):
    first = manager.submit(digits(epochs=4))
    second = manager.submit(digits(epochs=1))
    assert manager.job(second).status == "queued"
    assert manager.queue_position(second) in (1, 2)
    assert manager.wait(first, 120) and manager.wait(second, 120)
    a, b = manager.store.get_run(first), manager.store.get_run(second)
    assert a["finished"] <= b["started"]  # never both at once on the cpu
    assert manager.active() == []


def test_cancel_running_and_queued_jobs(manager):
    first = manager.submit(digits(epochs=50))
    second = manager.submit(digits(epochs=1))
    deadline = time.time() + 60
    while manager.job(first).steps_done < 3 and time.time() < deadline:
        time.sleep(0.05)
    assert manager.cancel(second)
    assert manager.cancel(first)
    assert manager.wait(first, 30)
    assert manager.store.get_run(first)["status"] == "cancelled"
    assert manager.store.get_run(second)["status"] == "cancelled"
    assert manager.store.get_run(first)["steps_done"] < 50 * 23
    assert not manager.cancel(first)  # already over


def test_submit_rejects_a_bad_config_and_stores_nothing(manager):
    with pytest.raises(ConfigError):
        manager.submit(digits(epochs=0))
    assert manager.store.list_runs().empty


def test_the_recorder_writes_through_the_store_and_then_passes_each_event_on(tmp_path):
    from lrlab.train.engine import train

    store = RunStore(tmp_path / "runs.sqlite")
    live, replayed = store.create_run(digits(epochs=1)), store.create_run(digits(epochs=1))
    events, seen = [], []

    def then(event):  # what a page watching the job finds in the store by now
        events.append(event)
        if event["type"] == "epoch":
            seen.append(store.get_run(live)["epochs_done"])

    result = train(digits(epochs=1), store.recorder(live, then=then))
    assert result.status == "completed" and seen == [1]
    assert {"start", "step", "epoch"} <= {e["type"] for e in events} and events[-1]["type"] == "end"
    store.recorder(replayed).replay(events)  # a sweep worker's events, recorded afterwards
    a, b = store.get_run(live), store.get_run(replayed)
    for key in ("status", "steps_done", "epochs_done", "test_accuracy", "best_test_accuracy"):
        assert a[key] == b[key]
    assert store.steps(live).equals(store.steps(replayed)) and len(store.steps(live)) == 23
    assert store.epochs(live).equals(store.epochs(replayed))


def test_finish_run_records_the_end(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(digits())
    before = time.time()
    store.finish_run(run_id, "failed", "no data", seconds=1.5)
    run = store.get_run(run_id)
    assert (run["status"], run["message"], run["seconds"]) == ("failed", "no data", 1.5)
    assert run["finished"] >= before


def test_runs_of_a_dead_process_are_marked_interrupted(tmp_path):
    path = tmp_path / "runs.sqlite"
    store = RunStore(path)
    run_id = store.create_run(digits())
    store.update_run(run_id, status="running", pid=2**22 + 12345)  # no such process
    alive = store.create_run(digits())
    store.update_run(alive, status="running")  # this process: still alive
    RunStore(path)
    assert store.get_run(run_id)["status"] == "interrupted"
    assert store.get_run(alive)["status"] == "running"
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_get_manager_is_one_per_database(tmp_path):
    a = get_manager(tmp_path / "x.sqlite")
    assert get_manager(tmp_path / "x.sqlite") is a
    assert get_manager(tmp_path / "y.sqlite") is not a


def test_cli_train_prints_a_json_summary_last(tmp_path):
    db = str(tmp_path / "cli.sqlite")
    out = cli_train(ROOT / "examples" / "train_digits.json", "--epochs", "3", db=db)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert summary["status"] == "completed" and summary["epochs"] == 3
    assert 0 <= summary["test_accuracy"] <= 1 and summary["test_accuracy"] > 0.5
    assert summary["dataset"] == "digits" and summary["device"] == "cpu"
    assert summary["seconds"] > 0
    assert RunStore(db).get_run(summary["run_id"])["status"] == "completed"


def test_cli_train_bad_config_is_one_line_exit_2(tmp_path):
    out = cli_train(ROOT / "examples" / "train_digits.json", "--epochs", "0", db=tmp_path / "c.db")
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip().count("\n") == 0 and "train.epochs" in out.stderr


def test_cli_train_failed_run_exits_1_with_summary(tmp_path):
    out = cli_train(
        ROOT / "examples" / "train_digits.json",
        "--dataset",
        "cifar10",
        "--data-dir",
        tmp_path / "none",
        db=tmp_path / "d.sqlite",
        env={"LRLAB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 1
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert summary["status"] == "failed" and "cifar-10-python.tar.gz" in summary["message"]


def old_database(path):
    """A run database as the first release created it: no kind, sweep or result columns."""
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE runs (id TEXT PRIMARY KEY, name TEXT NOT NULL, created REAL NOT NULL,"
        " started REAL, finished REAL, status TEXT NOT NULL, message TEXT NOT NULL DEFAULT '',"
        " config TEXT NOT NULL, dataset TEXT, model TEXT, device TEXT, device_name TEXT,"
        " epochs INTEGER, epochs_done INTEGER NOT NULL DEFAULT 0,"
        " steps_done INTEGER NOT NULL DEFAULT 0, seconds REAL, test_accuracy REAL,"
        " best_test_accuracy REAL, test_loss REAL, host TEXT, pid INTEGER)"
    )
    db.execute(
        "INSERT INTO runs (id, name, created, status, config) VALUES ('old', 'n', 0, 'completed',"
        " '{}')"
    )
    db.commit()
    db.close()


def test_store_adds_new_columns_to_an_old_database(tmp_path):
    path = tmp_path / "old.sqlite"
    old_database(path)
    store = RunStore(path)
    old = store.get_run("old")
    assert old["kind"] == "train"
    assert old["sweep_id"] is None and old["label"] is None and old["seed"] is None
    run_id = store.create_run(digits())
    store.update_run(run_id, kind="range_test", sweep_id="s1", label="cos", seed=3)
    run = store.get_run(run_id)
    assert (run["kind"], run["sweep_id"], run["label"], run["seed"]) == (
        "range_test",
        "s1",
        "cos",
        3,
    )
    RunStore(path)  # opening again adds nothing twice


def test_a_range_test_is_stored_and_read_back_on_an_old_database(tmp_path):
    db = tmp_path / "old.sqlite"
    old_database(db)
    cfg = digits(subset=128)
    cfg["train"]["model"] = "lenet"
    out = lrlab("find-lr", "-", "--iters", 8, "--end-lr", 1.0, "--db", db, stdin=json.dumps(cfg))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout.strip().splitlines()[-1])
    store = RunStore(db)
    run = store.get_run(data["run_id"])
    assert run["kind"] == "range_test" and run["status"] == "completed"
    assert run["result"]["lrs"] == data["lrs"] and len(data["lrs"]) >= 2
    assert run["result"]["suggested_lr"] == data["suggested_lr"]
    assert store.get_run("old")["result"] is None  # the first release's run: no result


def _open_as_nobody(path, run_id, pid):
    """Open the store in a forked child that drops to user nobody (when we are root) and
    return what it saw: the child is a real unprivileged process, not a mock."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's result travels through the pipe
        code = 1
        try:
            os.close(read)
            if os.getuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            try:
                os.kill(pid, 0)
                signal = "sent"
            except PermissionError:
                signal = "not permitted"
            status = RunStore(path).get_run(run_id)["status"]
            seen = {"uid": os.getuid(), "signal": signal, "status": status}
            os.write(write, json.dumps(seen).encode())
            code = 0
        except BaseException as err:  # whatever it is, the parent reports it
            os.write(write, json.dumps({"error": repr(err)}).encode())
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        text = pipe.read()
    os.waitpid(child, 0)
    return json.loads(text)


def test_a_live_run_of_another_user_is_not_marked_interrupted():
    """A run whose process lives but belongs to another user (os.kill: PermissionError) is
    running, not interrupted. Real processes on both sides: as root, the run is a root-owned
    process and the store is opened by a forked child running as nobody; otherwise the run's
    pid is 1 (root's init) and an unprivileged child opens the store."""
    root = os.getuid() == 0
    owner = subprocess.Popen(["sleep", "300"]) if root else None
    folder = Path(tempfile.mkdtemp(prefix="lrlab-alive-"))
    try:
        folder.chmod(0o777)  # the unprivileged child writes the store's journal there
        path = folder / "runs.sqlite"
        store = RunStore(path)
        run_id = store.create_run(digits())
        pid = owner.pid if owner else 1
        store.update_run(run_id, status="running", pid=pid)
        for f in folder.iterdir():
            f.chmod(0o666)
        seen = _open_as_nobody(path, run_id, pid)
        assert "error" not in seen, seen
        assert seen["uid"] != 0 and seen["signal"] == "not permitted"  # the case itself
        assert seen["status"] == "running"
        assert store.get_run(run_id)["status"] == "running"
    finally:
        if owner:
            owner.kill()
            owner.wait()
        shutil.rmtree(folder)
