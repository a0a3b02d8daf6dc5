"""Every documented exit status of the CLI has a test: 0 done, 1 a run that did not complete
(failed, diverged, cancelled), 2 bad input; warnings are one stderr line each."""

import json
import signal

import pytest
from cli_runner import lrlab, lrlab_process
from test_train import digits_config

from lrlab.train.store import RunStore


def _train(path, db, **kw):
    return lrlab_process("train", path, "--db", db, "--no-progress", **kw)


@pytest.mark.slow
def test_train_exits_1_after_a_divergence(tmp_path):
    path = tmp_path / "diverge.json"
    cfg = digits_config({"name": "ConstantLR"}, optimizer={"name": "SGD", "lr": 1e12}, epochs=2)
    path.write_text(json.dumps(cfg))
    proc = _train(path, tmp_path / "d.sqlite")
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["status"] == "diverged"
    assert "lrlab: diverged:" in err
    assert RunStore(tmp_path / "d.sqlite").get_run(summary["run_id"])["status"] == "diverged"


@pytest.mark.slow
def test_train_exits_1_after_ctrl_c_and_stores_the_run_cancelled(tmp_path):
    path = tmp_path / "long.json"
    path.write_text(json.dumps(digits_config({"name": "ConstantLR"}, epochs=200)))
    proc = _train(path, tmp_path / "c.sqlite")
    for line in proc.stderr:  # the first epoch line: the run is under way
        if line.startswith("epoch 1"):
            break
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 1
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["status"] == "cancelled" and summary["epochs"] < 200
    assert RunStore(tmp_path / "c.sqlite").get_run(summary["run_id"])["status"] == "cancelled"


def test_simulate_prints_warnings_on_stderr_one_line_each(tmp_path):
    path = tmp_path / "negative.json"
    cfg = {
        "optimizer": {"name": "SGD", "lr": 1.0},
        "scheduler": {"name": "LambdaLR", "lr_lambda": "cos(pi * epoch)"},
        "steps": 3,
    }
    path.write_text(json.dumps(cfg))
    out = lrlab("simulate", path)
    assert out.returncode == 0
    assert out.stderr == (
        "lrlab: warning: the lr of group 0 is negative from step 1: the optimizer would climb\n"
    )
    lrs = [line.split(",")[2] for line in out.stdout.splitlines()]
    assert lrs == ["lr", "1.0", "-1.0", "1.0"]


def test_a_torch_failure_mid_run_is_exit_2_not_a_traceback(tmp_path):
    path = tmp_path / "fails.json"
    cfg = {
        "optimizer": {"name": "SGD"},
        "scheduler": {
            "name": "SequentialLR",
            "schedulers": [
                {"name": "ConstantLR"},
                {"name": "ChainedScheduler", "schedulers": [{"name": "ConstantLR"}]},
            ],
            "milestones": [2],
        },
        "steps": 5,
    }
    path.write_text(json.dumps(cfg))
    for command in ("simulate", "code"):
        out = lrlab(command, path)
        assert out.returncode == 2 and out.stdout == ""
        assert out.stderr.startswith("lrlab: scheduler.schedulers[1]: torch cannot switch")
        assert out.stderr.count("\n") == 1
