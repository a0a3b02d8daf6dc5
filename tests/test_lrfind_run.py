"""The range test on lrlab's engine: Digits/LeNet, every catalog optimizer, the CLI, the run
store and the job manager."""

import json
from pathlib import Path

import pytest
import torch
from cli_runner import lrlab

from lrlab.catalog import OPTIMIZERS
from lrlab.jobs.manager import JobManager
from lrlab.rangetest.curve import ramp
from lrlab.rangetest.run import find_lr
from lrlab.train.engine import train
from lrlab.train.store import RunStore

ROOT = Path(__file__).resolve().parent.parent


def config(optimizer=None, groups=None, **train_kw):
    cfg = {
        "optimizer": optimizer or {"name": "SGD", "lr": 0.05, "momentum": 0.9},
        "scheduler": {"name": "OneCycleLR", "max_lr": 0.05},
        "train": {"dataset": "digits", "model": "lenet", "batch_size": 64, "device": "cpu"}
        | train_kw,
    }
    if groups:
        cfg["param_groups"] = groups
    return cfg


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_catalog_optimizer_runs_a_range_test_with_two_groups(name):
    events = []
    result = find_lr(
        config({"name": name}, groups=[{}, {}], subset=96, batch_size=32),
        {"iters": 4, "start_lr": 1e-5, "end_lr": 1e-1},
        events.append,
    )
    if name == "Muon":  # torch's Muon takes matrices only: LeNet's convolutions are 4-D
        assert result.status == "failed" and "Muon only supports 2D parameters" in result.message
        return
    assert result.status == "completed", result.message
    assert result.curves[0].lrs == ramp(1e-5, 1e-1, 4)
    steps = [e for e in events if e["type"] == "step"]
    assert [e["lr"][0] for e in steps] == ramp(1e-5, 1e-1, 4)
    assert all(e["lr"][1] == e["lr"][0] for e in steps)  # equal groups stay equal


def test_global_rng_is_left_alone_and_repeats_use_their_own_seeds():
    rng = torch.get_rng_state()
    result = find_lr(config(subset=128, seed=3), {"iters": 6, "repeats": 2})
    assert torch.equal(torch.get_rng_state(), rng)
    assert result.seeds == [3, 4]
    out = result.summary("x")
    assert [r["seed"] for r in out["repeats"]] == [3, 4]
    assert out["repeats"][0]["losses"] != out["repeats"][1]["losses"]
    assert out["losses"] == out["repeats"][0]["losses"]


def test_cli_prints_one_json_line_and_stores_a_range_test(tmp_path):
    db = tmp_path / "runs.sqlite"
    cfg = json.dumps(config(subset=128))
    out = lrlab("find-lr", "-", "--iters", 15, "--end-lr", 1.0, "--db", db, stdin=cfg, timeout=600)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout.strip().splitlines()[-1])
    n = len(data["lrs"])
    assert n == len(data["losses"]) == len(data["smoothed_losses"]) >= 2
    assert data["lrs"] == ramp(1e-7, 1.0, 15)[:n]
    for key in ("suggested_lr", "valley_lr", "steepest_lr", "diverged_at", "run_id"):
        assert key in data
    assert set(data["suggestions"]) == {"minimum7", "valley", "steepest", "minimum"}
    assert data["method"] == "minimum7"  # the default: it trained best (bench/lrfind.py)
    assert data["suggested_lr"] == data["suggestions"]["minimum7"]
    assert data["suggestions"]["minimum7"] == pytest.approx(data["suggestions"]["minimum"] * 10 / 7)
    run = RunStore(db).get_run(data["run_id"])
    assert run["kind"] == "range_test" and run["status"] == "completed"
    assert run["result"]["lrs"] == data["lrs"]
    assert run["config"]["range_test"]["iters"] == 15
    assert len(RunStore(db).steps(data["run_id"])) == n


@pytest.mark.parametrize(
    "args",
    [
        ["--start-lr", "0"],
        ["--start-lr", "nan"],
        ["--end-lr", "1e-8"],
        ["--iters", "1"],
        ["--mode", "log"],
        ["--repeats", "0"],
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, args):
    db = tmp_path / "runs.sqlite"
    out = lrlab("find-lr", "-", *args, "--db", db, stdin=json.dumps(config()))
    assert out.returncode == 2
    assert out.stdout == "" and len(out.stderr.strip().splitlines()) == 1
    assert not db.exists() or RunStore(db).list_runs().empty


def test_cli_bad_config_is_exit_2(tmp_path):
    out = lrlab("find-lr", "-", stdin='{"optimizer": {"name": "SGD"}, "train": {"epochs": 0}}')
    assert out.returncode == 2 and "train.epochs" in out.stderr


def test_job_manager_runs_a_range_test_and_cancels_one(tmp_path):
    jobs = JobManager(RunStore(tmp_path / "runs.sqlite"))
    run_id = jobs.submit_range_test(config(subset=128), {"iters": 8})
    assert jobs.wait(run_id, timeout=300)
    run = jobs.store.get_run(run_id)
    assert run["kind"] == "range_test" and run["status"] == "completed", run["message"]
    assert run["result"]["run_id"] == run_id and len(run["result"]["lrs"]) == 8
    assert jobs.job(run_id).progress()["epochs"] == 1
    long = jobs.submit_range_test(config(), {"iters": 5000})
    jobs.cancel(long)
    assert jobs.wait(long, timeout=300)
    assert jobs.store.get_run(long)["status"] == "cancelled"


@pytest.mark.slow
def test_one_cycle_at_the_cli_default_suggestion_reaches_95_percent(tmp_path):
    """The README's example run, at batch 32: the CLI's default suggestion as one-cycle's
    max_lr for 4 epochs reaches 95% test accuracy (the old default, valley, did not)."""
    out = lrlab(
        "find-lr",
        str(ROOT / "examples/train_digits.json"),
        "--batch-size",
        "32",
        "--no-progress",
        "--db",
        str(tmp_path / "r.sqlite"),
    )
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["method"] == "minimum7"
    cfg = json.loads((ROOT / "examples/train_digits.json").read_text())
    one_cycle = {"name": "OneCycleLR", "max_lr": found["suggested_lr"]}
    trained = train(
        {**cfg, "scheduler": one_cycle, "train": {**cfg["train"], "epochs": 4, "batch_size": 32}}
    )
    assert trained.status == "completed", trained.message
    assert trained.test_accuracy >= 0.95, (found["suggested_lr"], trained.test_accuracy)
