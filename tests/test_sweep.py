"""Sweeps: the sweep file, the summary statistics, and real sweeps on worker processes and on
a real local Ray cluster (same results on both, every run stored once, failures alone)."""

import json
import math
import os
import shutil
import signal
import tempfile
import threading

import numpy as np
import pytest
from cli_runner import lrlab, lrlab_process
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.special import expit, logit
from tiny_runs import TINY_TRAIN

from lrlab import ConfigError
from lrlab.sweep import (
    epoch_bands,
    list_sweeps,
    parse_sweep,
    run_sweep,
    summarize,
    sweep_epochs,
    sweep_runs,
)
from lrlab.sweep.backends import LocalBackend, RayBackend, init_ray, plan_workers
from lrlab.train.store import RunStore

TRAIN = TINY_TRAIN


def sweep_spec(seeds=(0, 1), **train):
    return {
        "base": {
            "optimizer": {"name": "SGD", "lr": 0.05, "momentum": 0.9},
            "train": {**TRAIN, **train},
        },
        "variants": [
            {"label": "onecycle", "scheduler": {"name": "OneCycleLR", "max_lr": 0.2}},
            {"label": "constant", "scheduler": {"name": "ConstantLR", "factor": 1.0}},
            {
                "label": "too hot",
                "scheduler": {"name": "ConstantLR", "factor": 1.0},
                "optimizer": {"lr": 1e6},
            },
        ],
        "seeds": list(seeds),
    }


# -- the sweep file ------------------------------------------------------------------------
def test_parse_sweep_expands_variants_times_seeds_with_overrides():
    sweep = parse_sweep(sweep_spec(seeds=[3, 7]))
    assert sweep.labels == ("onecycle", "constant", "too hot")
    assert [(r.label, r.seed) for r in sweep.runs][:3] == [
        ("onecycle", 3),
        ("onecycle", 7),
        ("constant", 3),
    ]
    assert all(r.config["train"]["seed"] == r.seed for r in sweep.runs)
    # Stored as Train stores a run: normalised, the train section's defaults filled.
    assert sweep.runs[0].config["train"]["step_per"] == "batch"  # OneCycleLR's usual
    assert sweep.runs[0].config["train"]["label_smoothing"] == 0.0  # not in the file
    assert [r.config["train"]["step_per"] for r in sweep.runs[2:4]] == ["epoch", "epoch"]
    hot = sweep.runs[-1].config["optimizer"]
    assert hot == {"name": "SGD", "lr": 1e6, "momentum": 0.9}  # same optimizer: merged
    spec = sweep_spec()
    spec["variants"][0]["optimizer"] = {"name": "Adam", "lr": 0.001}
    assert parse_sweep(spec).runs[0].config["optimizer"] == {"name": "Adam", "lr": 0.001}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: s.update(seeds=[]), "seeds"),
        (lambda s: s.update(seeds=[1, 1]), "seeds"),
        (lambda s: s.update(seeds=[True]), "seeds[0]"),
        (lambda s: s.update(variants=[]), "variants"),
        (lambda s: s["variants"][1].update(label="onecycle"), "variants[1].label"),
        (lambda s: s["variants"][0].update(colour="red"), "variants[0].colour"),
        (lambda s: s["variants"][2]["scheduler"].update(factor=-1), "variants[2].scheduler"),
        (lambda s: s["base"]["train"].update(epochs=0), "variants[0].train.epochs"),
        (lambda s: s.update(extra=1), "extra"),
    ],
)
def test_bad_sweep_files_name_the_field(change, field):
    spec = sweep_spec()
    change(spec)
    with pytest.raises(ConfigError) as err:
        parse_sweep(spec)
    assert err.value.field.startswith(field)


def test_workers_times_threads_never_oversubscribes():
    for cores in range(1, 33):
        for workers in range(1, cores + 1):
            w, t = plan_workers(workers, cores)
            assert w == workers and 1 <= w * t <= cores and w * (t + 1) > cores
    assert plan_workers(None, 8) == (8, 1)
    assert plan_workers(16, 8) == (16, 1)


# -- statistics ----------------------------------------------------------------------------
accuracies = st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=12)


def test_runs_still_going_are_pending_not_failed():
    rows = [
        {"label": "a", "status": s, "test_accuracy": acc}
        for s, acc in [
            ("completed", 0.9),
            ("running", None),
            ("queued", None),
            ("diverged", 0.1),
            ("cancelled", None),
        ]
    ]
    (a,) = summarize(rows)
    assert (a["n"], a["runs"], a["failed"], a["pending"]) == (1, 5, 2, 2)


@settings(max_examples=200, deadline=None)
@given(accuracies, st.integers(0, 3))
def test_summary_matches_numpy_and_scipy(acc, n_failed):
    rows = [{"label": "a", "status": "completed", "test_accuracy": x} for x in acc]
    rows += [{"label": "a", "status": "diverged", "test_accuracy": 0.1}] * n_failed
    rows += [{"label": "b", "status": "completed", "test_accuracy": 0.5}]
    a, b = summarize(rows, ["a", "b"])
    assert (a["label"], a["n"], a["runs"], a["failed"]) == ("a", len(acc), len(rows) - 1, n_failed)
    assert math.isclose(a["mean_test_accuracy"], np.mean(acc), abs_tol=1e-12)
    if len(acc) < 2:
        assert a["std_test_accuracy"] is None and a["ci95_low"] is None
    else:
        std = np.std(acc, ddof=1)
        assert math.isclose(a["std_test_accuracy"], std, abs_tol=1e-12)
        mean = np.mean(acc)
        if std > 0 and 0 < mean < 1:  # the t-interval on the logit scale (delta method)
            sem = stats.sem(acc) / (mean * (1 - mean))
            low, high = stats.t.interval(0.95, len(acc) - 1, loc=logit(mean), scale=sem)
            assert math.isclose(a["ci95_low"], min(expit(low), mean), abs_tol=1e-9)
            assert math.isclose(a["ci95_high"], max(expit(high), mean), abs_tol=1e-9)
            assert 0 <= a["ci95_low"] <= a["mean_test_accuracy"] <= a["ci95_high"] <= 1
        else:
            assert a["ci95_low"] == a["ci95_high"] == a["mean_test_accuracy"]
    assert b["n"] == 1 and b["mean_test_accuracy"] == 0.5 and b["std_test_accuracy"] is None


def test_epoch_bands_are_mean_and_sample_std_per_label_and_epoch():
    import pandas as pd

    df = pd.DataFrame(
        {
            "label": ["a"] * 4 + ["b"] * 2,
            "epoch": [0, 1, 0, 1, 0, 1],
            "test_acc": [0.1, 0.5, 0.3, 0.7, 0.9, 0.95],
            "test_loss": [2.0, 1.0, 1.0, 0.5, 0.3, 0.2],
        }
    )
    bands = epoch_bands(df).set_index(["label", "epoch"])
    assert bands.loc[("a", 1), "test_acc_mean"] == pytest.approx(0.6)
    assert bands.loc[("a", 1), "test_acc_std"] == pytest.approx(np.std([0.5, 0.7], ddof=1))
    assert bands.loc[("a", 0), "test_loss_mean"] == pytest.approx(1.5)
    assert bands.loc[("b", 0), "n"] == 1 and math.isnan(bands.loc[("b", 0), "test_acc_std"])


# -- real sweeps ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory):
    import ray

    # Short: Ray's socket paths have a length limit that pytest's (and xdist's) folders pass.
    tmp = tempfile.mkdtemp(prefix="ray")
    os.environ["RAY_TMPDIR"] = tmp
    init_ray(num_cpus=2)
    yield ray
    ray.shutdown()
    os.environ.pop("RAY_TMPDIR", None)
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def both(tmp_path_factory, ray_cluster):
    store = RunStore(tmp_path_factory.mktemp("db") / "runs.sqlite")
    sweep = parse_sweep(sweep_spec())
    seen = {"local": [], "ray": []}
    local = run_sweep(sweep, store, LocalBackend(2, threads=1), seen["local"].append)
    ray_report = run_sweep(sweep, store, RayBackend(), seen["ray"].append)
    return store, sweep, local, ray_report, seen


@pytest.mark.slow
def test_local_and_ray_give_the_same_runs_each_stored_once(both):
    store, sweep, local, ray_report, seen = both
    assert (local["backend"], ray_report["backend"]) == ("local", "ray")
    for report in (local, ray_report):
        runs = sweep_runs(store, report["sweep_id"])
        assert len(runs) == len(sweep.runs) == 6
        assert len(set(zip(runs["label"], runs["seed"], strict=True))) == 6  # each pair once
        assert sorted(runs["id"]) == sorted(r["run_id"] for r in report["runs"])
    assert [p["done"] for p in seen["local"]] == list(range(1, 7))
    assert sorted((p["label"], p["seed"]) for p in seen["ray"]) == sorted(
        (r.label, r.seed) for r in sweep.runs
    )
    key = {(r["label"], r["seed"]): r for r in local["runs"]}
    for r in ray_report["runs"]:
        twin = key[(r["label"], r["seed"])]
        assert r["status"] == twin["status"]
        assert r["test_accuracy"] == twin["test_accuracy"]  # bitwise, on one thread each
    epochs_l = sweep_epochs(store, local["sweep_id"]).sort_values(["label", "seed", "epoch"])
    epochs_r = sweep_epochs(store, ray_report["sweep_id"]).sort_values(["label", "seed", "epoch"])
    np.testing.assert_array_equal(epochs_l["test_loss"], epochs_r["test_loss"])
    steps_l = store.steps(key[("onecycle", 1)]["run_id"])
    assert len(steps_l) == 8 and steps_l["lr_0"].iloc[0] < steps_l["lr_0"].max()
    sweeps = list_sweeps(store).set_index("sweep_id")
    assert sweeps.loc[local["sweep_id"], "runs"] == 6 and sweeps.loc[local["sweep_id"], "done"] == 6


@pytest.mark.slow
def test_a_failing_variant_fails_alone_and_the_summary_counts_it(both):
    _, _, local, ray_report, _ = both
    for report in (local, ray_report):
        status = {(r["label"], r["seed"]): r["status"] for r in report["runs"]}
        assert status[("too hot", 0)] == status[("too hot", 1)] == "diverged"
        assert {s for (label, _), s in status.items() if label != "too hot"} == {"completed"}
        summary = {s["label"]: s for s in report["summary"]}
        assert summary["too hot"]["n"] == 0 and summary["too hot"]["failed"] == 2
        good = [r["test_accuracy"] for r in report["runs"] if r["label"] == "onecycle"]
        assert summary["onecycle"]["mean_test_accuracy"] == pytest.approx(np.mean(good))
        assert summary["onecycle"]["std_test_accuracy"] == pytest.approx(np.std(good, ddof=1))


@pytest.mark.slow
def test_cancel_stops_the_rest_and_every_run_ends_recorded(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    spec = sweep_spec(seeds=[0])
    spec["variants"][1]["train"] = {"epochs": 300}  # long enough to be cancelled mid-run
    sweep = parse_sweep(spec)
    cancel = threading.Event()
    report = run_sweep(sweep, store, LocalBackend(1), lambda _p: cancel.set(), cancel)
    status = [(r["label"], r["status"]) for r in report["runs"]]
    assert status == [
        ("onecycle", "completed"),
        ("constant", "cancelled"),
        ("too hot", "cancelled"),
    ]
    assert "before it ran" in report["runs"][2]["message"]
    assert len(sweep_runs(store, report["sweep_id"])) == 3


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.json"
    spec = sweep_spec()
    spec["seeds"] = "three"
    bad.write_text(json.dumps(spec))
    for args in (
        [str(bad)],
        [str(tmp_path / "missing.json")],
        [str(bad), "--backend", "spark"],
    ):
        out = lrlab("sweep", *args, "--db", str(tmp_path / "r.sqlite"))
        assert out.returncode == 2 and out.stdout == ""
        assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    assert "seeds" in lrlab("sweep", str(bad)).stderr
    assert not (tmp_path / "r.sqlite").exists()


@pytest.mark.slow
def test_cli_ctrl_c_cancels_the_rest_and_prints_the_report(tmp_path):
    spec = sweep_spec(seeds=[0])
    spec["variants"][1]["train"] = {"epochs": 300}
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps(spec))
    db = tmp_path / "r.sqlite"
    proc = lrlab_process(
        "sweep",
        path,
        "--workers",
        "1",
        "--db",
        db,
        start_new_session=True,  # Ctrl-C reaches the whole group, like a terminal's
    )
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if line.startswith("[1/3]"):
            break
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    report = json.loads(out.strip().splitlines()[-1])
    assert set(report) >= {"sweep_id", "backend", "runs", "summary"}
    assert [r["status"] for r in report["runs"]] == ["completed", "cancelled", "cancelled"]
    assert {"run_id", "label", "seed", "status", "test_accuracy"} <= set(report["runs"][0])
    assert {
        "label",
        "n",
        "mean_test_accuracy",
        "std_test_accuracy",
        "ci95_low",
        "ci95_high",
    } <= set(report["summary"][0])
    assert "Traceback" not in err
    runs = RunStore(db).list_runs()
    assert len(runs) == 3 and set(runs["status"]) == {"completed", "cancelled"}


def test_sweep_figure_draws_bands_intervals_and_lr_per_schedule():
    import pandas as pd

    from lrlab.sweep.figures import sweep_figure

    epochs = pd.DataFrame(
        {
            "label": ["a", "a", "a", "a", "b", "b"],
            "epoch": [0, 1, 0, 1, 0, 1],
            "test_acc": [0.5, 0.8, 0.6, 0.9, 0.7, 0.75],
            "test_loss": [1.0, 0.5, 0.8, 0.4, 0.9, 0.85],
        }
    )
    rows = [
        {"label": "a", "status": "completed", "test_accuracy": 0.8},
        {"label": "a", "status": "completed", "test_accuracy": 0.9},
        {"label": "b", "status": "completed", "test_accuracy": 0.75},
    ]
    summary = summarize(rows, ["a", "b"])
    lr = pd.DataFrame({"label": ["a", "a", "b"], "epoch": [0, 1, 0], "lr": [0.1, 0.01, 0.05]})
    fig = sweep_figure(epoch_bands(epochs), summary, lr, ["a", "b"])
    legend = [t.name for t in fig.data if t.showlegend is not False]
    assert legend == ["a", "b"]
    band = next(t for t in fig.data if t.name == "a ± std" and t.xaxis == "x")
    std = np.std([0.8, 0.9], ddof=1)
    assert band.y[1] == pytest.approx(0.85 + std) and band.y[2] == pytest.approx(0.85 - std)
    point = next(t for t in fig.data if t.name == "a" and t.error_y.array is not None)
    assert point.y[0] == pytest.approx(0.85)
    assert point.y[0] + point.error_y.array[0] == pytest.approx(summary[0]["ci95_high"])
    single = next(t for t in fig.data if t.name == "b" and t.xaxis == "x3")
    assert single.error_y.array is None  # one run: no interval
    assert fig.layout.yaxis3.range[0] >= 0 and fig.layout.yaxis3.range[1] <= 1
    # one epoch convention: epoch k's lr spans k-1..k, its accuracy is drawn at k
    assert [list(t.y) for t in fig.data if t.xaxis == "x4"] == [[0.1, 0.01, 0.01], [0.05, 0.05]]
    assert [list(t.x) for t in fig.data if t.xaxis == "x4"] == [[0, 1, 2], [0, 1]]
    assert list(band.x[:2]) == [1, 2]
    ranges = {tuple(fig.layout[f"xaxis{i}"].range) for i in ("", "2", "4")}
    assert ranges == {(0, 2)}
    assert {fig.layout[f"xaxis{i}"].title.text for i in ("", "2", "4")} == {"epochs trained"}
    # two by two, the top-right title clear of Plotly's toolbar, a 100% mean drawn whole
    assert fig.layout.xaxis.domain[1] < fig.layout.xaxis2.domain[0]
    assert fig.layout.yaxis3.domain[1] < fig.layout.yaxis.domain[0]
    assert fig.layout.margin.t >= 70 and point.cliponaxis is False
    diverged = summarize([{"label": "a", "status": "diverged", "test_accuracy": None}])
    empty = sweep_figure(epoch_bands(epochs), diverged, lr, ["a"])
    assert list(empty.layout.yaxis3.range) == [0, 1]  # no mean yet: 0..100%, not -100..400%
    assert fig.layout.yaxis4.range is None  # lrs that change: Plotly's autorange
    constant = pd.DataFrame({"label": ["a", "a", "b"], "epoch": [0, 1, 0], "lr": [0.05] * 3})
    flat = sweep_figure(epoch_bands(epochs), summary, constant, ["a", "b"])
    assert list(flat.layout.yaxis4.range) == [0.0, 0.1]  # around 0.05, never a negative lr


@pytest.mark.slow
def test_cli_reports_paired_comparisons_for_every_pair(tmp_path):
    spec = sweep_spec(seeds=[0, 1])
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps(spec))
    out = lrlab("sweep", str(path), "--workers", "2", "--db", str(tmp_path / "r.sqlite"))
    assert out.returncode == 1, out.stderr  # "too hot" diverges
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(report) >= {"sweep_id", "backend", "runs", "summary", "comparisons"}
    comparisons = report["comparisons"]
    assert [(c["a"], c["b"]) for c in comparisons] == [
        ("onecycle", "constant"),
        ("onecycle", "too hot"),
        ("constant", "too hot"),
    ]
    keys = {"a", "b", "n_pairs", "diff_mean", "ci95_low", "ci95_high", "verdict"}
    assert all(set(c) == keys for c in comparisons)
    acc = {(r["label"], r["seed"]): r["test_accuracy"] for r in report["runs"]}
    first = comparisons[0]
    diff = [acc[("onecycle", s)] - acc[("constant", s)] for s in (0, 1)]
    low, high = stats.ttest_rel(
        [acc[("onecycle", s)] for s in (0, 1)], [acc[("constant", s)] for s in (0, 1)]
    ).confidence_interval(0.95)
    assert first["n_pairs"] == 2 and first["diff_mean"] == pytest.approx(np.mean(diff))
    assert first["ci95_low"] == pytest.approx(low) and first["ci95_high"] == pytest.approx(high)
    assert first["verdict"] in {"a_better", "b_better", "not_distinguishable"}
    for c in comparisons[1:]:  # "too hot" completed no seed: nothing to pair
        assert c["n_pairs"] == 0 and c["verdict"] == "not_distinguishable"
        assert c["diff_mean"] is None and c["ci95_low"] is None and c["ci95_high"] is None
    assert "onecycle and too hot cannot be compared yet" in out.stderr
    for s in report["summary"]:
        if s["ci95_low"] is not None:
            assert 0 <= s["ci95_low"] <= s["mean_test_accuracy"] <= s["ci95_high"] <= 1


def test_a_loss_band_never_reads_below_zero():
    import pandas as pd

    from lrlab.sweep.figures import sweep_figure

    # a seed that blew up: mean - std of the test loss is far below 0, which no loss can be
    epochs = pd.DataFrame(
        {
            "label": ["a"] * 4,
            "epoch": [0, 1, 0, 1],
            "test_acc": [0.1, 0.1, 0.9, 0.95],
            "test_loss": [2.3, 2.3, 0.3, 0.1],
        }
    )
    rows = [{"label": "a", "status": "completed", "test_accuracy": a} for a in (0.1, 0.95)]
    lr = pd.DataFrame({"label": ["a", "a"], "epoch": [0, 1], "lr": [0.1, 0.01]})
    fig = sweep_figure(epoch_bands(epochs), summarize(rows, ["a"]), lr, ["a"])
    loss = next(t for t in fig.data if t.name == "a ± std" and t.xaxis == "x2")
    assert min(loss.y) == 0 and max(loss.y) == pytest.approx(1.2 + np.std([2.3, 0.1], ddof=1))
