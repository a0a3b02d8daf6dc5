"""``python -m lrlab predict`` and ``design``: the JSON contract, and bad input as exit 2 with
one line.

The contract checks fit runs stored through the run store's own API (real run configs, the
steps in the format ``lrlab train`` records, the lrs lrlab simulates for each schedule) whose
loss a known multi-power law made, so the prediction is checked against the truth. They call
the CLI's ``main`` in-process (what ``python -m lrlab`` runs), without a torch import and a
refit per subprocess; one subprocess per command checks the real process's exit status and
streams, and one end-to-end test trains two tiny real Digits runs with ``lrlab train`` and
predicts from them.
"""

import json
import math

import numpy as np
import pytest
from cli_runner import lrlab, train
from test_train import digits_config

import lrlab as lib
from lrlab.cli import main
from lrlab.predict.fit import tail_mean
from lrlab.predict.laws import evaluate
from lrlab.predict.runs import schedule_lrs
from lrlab.train.config import parse_run
from lrlab.train.engine import train as run_training
from lrlab.train.store import RunStore

# 2 epochs of 23 batches, stepped per batch: 46 optimizer steps per run.
TINY = {"epochs": 2, "batch_size": 64, "step_per": "batch"}
SGD = {"name": "SGD", "lr": 0.05, "momentum": 0.9}
N = 46
KEYS = ["law", "params", "heldout_rel_error", "steps", "loss", "low", "high", "warnings"]
FITTED = {
    "constant": {"name": "ConstantLR", "factor": 1.0, "total_iters": 0},
    "cosine": {"name": "CosineAnnealingLR", "T_max": N},
    "step": {"name": "MultiStepLR", "milestones": [N // 2, 3 * N // 4], "gamma": 0.1},
}
LINEAR = {"name": "LinearLR", "start_factor": 1.0, "end_factor": 0.0, "total_iters": N}
# The law that made the stored losses (multi-power, the papers' S1).
TRUE = {"L0": 0.2, "A": 0.5, "alpha": 0.6, "B": 8.0, "C": 2.0, "beta": 0.6, "gamma": 0.4}


def store_run(store, name, config, loss_of):
    """A completed run in the store, as ``lrlab train`` leaves one: its normalised config and
    one step row per optimizer step (step, epoch, loss, [lr], [momentum])."""
    lrs, _, _ = schedule_lrs(config)
    run_id = store.create_run(parse_run(config), name)
    loss = loss_of(lrs)
    rows = [(t, t // 23, float(loss[t]), [float(lrs[t])], [0.9]) for t in range(len(lrs))]
    store.add_steps(run_id, rows)
    store.finish_run(run_id, "completed", "")
    return run_id


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A database with three runs made by the law ``TRUE`` (plus 1% seeded noise)."""
    tmp = tmp_path_factory.mktemp("predict")
    db = tmp / "runs.sqlite"
    store, rng = RunStore(db), np.random.default_rng(0)

    def loss_of(lrs):
        clean = evaluate("multi-power", lrs, TRUE)
        return clean * (1 + rng.normal(0, 0.01, len(lrs)))

    ids = [
        store_run(store, name, digits_config(s, SGD, **TINY), loss_of) for name, s in FITTED.items()
    ]
    return db, ids, tmp


def schedule_file(tmp, name, scheduler, optimizer=SGD, **train_kw):
    path = tmp / name
    path.write_text(json.dumps(digits_config(scheduler, optimizer, **{**TINY, **train_kw})))
    return path


def cli(capsys, *args):
    """``python -m lrlab ARGS`` in this process: (exit status, stdout, stderr)."""
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def last_json(status, out, err):
    assert status == 0, err
    return json.loads(out.splitlines()[-1], parse_constant=_refuse)


def _refuse(name):
    raise AssertionError(f"not strict JSON: {name}")


@pytest.mark.parametrize("law", [None, "momentum"])
def test_predict_prints_the_curve_with_a_band(runs, capsys, law):
    db, ids, tmp = runs
    path = schedule_file(tmp, "linear.json", LINEAR)
    extra = ["--law", law] if law else []
    out = last_json(*cli(capsys, "predict", "--db", db, "--fit", *ids, "--schedule", path, *extra))
    assert list(out) == KEYS
    assert out["law"] == (law or "multi-power")
    assert out["steps"] == list(range(N))
    loss, low, high = (np.array(out[k]) for k in ("loss", "low", "high"))
    assert len(loss) == len(low) == len(high) == N
    assert np.all(low <= loss) and np.all(loss <= high) and np.all(low >= 0)
    assert 0 < loss[-1] < loss[0]
    assert all(math.isfinite(v) for v in out["params"].values())
    assert out["heldout_rel_error"] >= 0
    assert all(isinstance(w, str) for w in out["warnings"])
    if law is None:
        # The runs came from a multi-power law: it predicts the unseen linear decay's final
        # loss within a few percent, and its held-out error says it is good.
        lrs, _, _ = schedule_lrs(json.loads(path.read_text()))
        truth = tail_mean(evaluate("multi-power", lrs, TRUE))
        assert tail_mean(loss) == pytest.approx(truth, rel=0.05)
        assert out["heldout_rel_error"] < 0.1
        assert tail_mean(low) <= truth <= tail_mean(high)


def test_predict_steps_follow_the_run_and_warn_beyond_the_fitted_runs(runs, capsys):
    db, ids, tmp = runs
    # Per-epoch stepping, 4 epochs of 23 batches: 92 optimizer steps, twice the fitted runs.
    path = schedule_file(
        tmp,
        "long.json",
        {"name": "StepLR", "step_size": 2},
        {**SGD, "lr": 0.08},
        epochs=4,
        step_per="epoch",
    )
    # The momentum law: these warnings do not depend on the law, and it fits 5x faster.
    args = ["--fit", *ids, "--schedule", path, "--law", "momentum"]
    out = last_json(*cli(capsys, "predict", "--db", db, *args))
    assert out["steps"] == list(range(92))
    assert any("92 steps are more than 1.5x" in w for w in out["warnings"])
    assert any("peak lr 0.08 is above" in w for w in out["warnings"])


def test_design_prints_a_schedule_lrlab_accepts_and_simulates(runs, capsys):
    db, ids, tmp = runs
    base = schedule_file(tmp, "base.json", FITTED["cosine"])
    out = last_json(*cli(capsys, "design", "--db", db, "--fit", *ids, "--schedule", base))
    assert list(out) == ["schedule", "predicted_final_loss", "baseline_final_loss"]
    schedule = out["schedule"]
    lrs = lib.simulate(schedule).query("group == 0")["lr"].to_numpy()
    assert len(lrs) == N and lrs[0] == pytest.approx(SGD["lr"])
    assert np.all(np.diff(lrs) <= 1e-12)  # both families decay monotonically
    # Trainable as it is: the run config of the same data, stepped per batch.
    run = {k: v for k, v in schedule.items() if k != "steps"}
    parsed = parse_run({**run, "train": {**json.loads(base.read_text())["train"]}})
    assert parsed.schedule.steps == N
    assert out["predicted_final_loss"] <= out["baseline_final_loss"] + 1e-9


def bad_cases(runs):
    """Each bad input (the words its one line must hold) and its arguments."""
    db, ids, tmp = runs
    good = schedule_file(tmp, "good.json", FITTED["cosine"])
    store = RunStore(db)
    empty = store.create_run(parse_run(digits_config(FITTED["cosine"], SGD, **TINY)), "none")
    resnet = store.create_run(
        parse_run(digits_config(FITTED["cosine"], SGD, **TINY, model="resnet")), "resnet"
    )
    store.add_steps(resnet, [(t, 0, 2.0 - t / 50, [0.05], [0.9]) for t in range(N)])
    bad_json = tmp / "bad.json"
    bad_json.write_text("{not json")
    bad_config = schedule_file(tmp, "badcfg.json", {"name": "NoSuchLR"})
    missing = tmp / "missing.sqlite"
    return {
        "unknown run id": [db, "--fit", ids[0], "nope", "--schedule", good],
        "has 0 steps": [db, "--fit", ids[0], empty, "--schedule", good],
        "differ in model": [db, "--fit", ids[0], resnet, "--schedule", good],
        "bad.json": [db, "--fit", *ids, "--schedule", bad_json],
        "NoSuchLR": [db, "--fit", *ids, "--schedule", bad_config],
        "at least two runs": [db, "--fit", ids[0], "--schedule", good],
        "no run database": [missing, "--fit", *ids, "--schedule", good],
    }


def test_bad_input_exits_2_with_one_line(runs, capsys):
    cases = bad_cases(runs)
    for expected, (db, *args) in cases.items():
        for command in ("predict", "design"):
            status, out, err = cli(capsys, command, "--db", db, *args)
            assert status == 2, (expected, err)
            assert out == "" and len(err.splitlines()) == 1, err
            assert err.startswith("lrlab: ") and expected in err, err
    assert not (runs[2] / "missing.sqlite").exists()
    # The real process: exit status 2, nothing on stdout, one line on stderr.
    db, *args = cases["unknown run id"]
    out = lrlab("design", "--db", db, *args)
    assert out.returncode == 2 and out.stdout == "", out.stderr
    assert len(out.stderr.splitlines()) == 1 and "unknown run id" in out.stderr, out.stderr


@pytest.mark.slow
def test_predict_from_real_training_runs(tmp_path):
    """End to end: two tiny real runs (one trained by ``lrlab train``, one by the same engine
    in this process, to spare a second torch start), then ``lrlab predict`` from them in a
    process of its own."""
    db = tmp_path / "runs.sqlite"
    # 10 batches of 64 once: 10 steps, the fewest a fitted run may have.
    tiny = {"epochs": 1, "batch_size": 64, "subset": 640, "step_per": "batch"}
    adam = {"name": "Adam", "lr": 0.002}
    path = tmp_path / "constant.json"
    path.write_text(json.dumps(digits_config(FITTED["constant"], adam, **tiny)))
    out = train(path, db=db)
    assert out.returncode == 0, out.stderr
    ids = [json.loads(out.stdout.splitlines()[-1])["run_id"]]
    cosine = digits_config({**FITTED["cosine"], "T_max": 10}, adam, **tiny)
    store = RunStore(db)
    ids.append(store.create_run(parse_run(cosine), "cosine"))
    assert run_training(cosine, store.recorder(ids[1])).status == "completed"
    schedule = tmp_path / "linear.json"
    linear = {**LINEAR, "total_iters": 10}
    schedule.write_text(json.dumps(digits_config(linear, adam, **tiny)))
    out = lrlab("predict", "--db", db, "--fit", *ids, "--schedule", schedule)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.splitlines()[-1], parse_constant=_refuse)
    assert list(got) == KEYS and got["steps"] == list(range(10))
    loss, low, high = (np.array(got[k]) for k in ("loss", "low", "high"))
    assert np.all(low <= loss) and np.all(loss <= high) and np.all(loss >= 0)
    # Cross-entropy of 10 classes starts near ln 10 and these runs only begin to learn.
    assert 0 < loss[-1] <= loss[0] <= 2.5
    measured = RunStore(db).steps(ids[0])["loss"].to_numpy()
    assert loss[0] == pytest.approx(measured[:3].mean(), rel=0.1)
