"""The optimizer's path (lrlab.paths): a bare torch loop over generated configs and problems,
the CLI contract, seed 003's numbers, divergence and bad input."""

from __future__ import annotations

import json

import pytest
import torch
from cli_runner import lrlab
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from path_oracle import bare_path
from strategies import configs
from test_differential import SLOW_DRAWS

from lrlab import ConfigError, simulate
from lrlab.paths import PROBLEM_NAMES, get_problem, run_path

SGD = {
    "optimizer": {"name": "SGD", "lr": 0.01},
    "scheduler": {"name": "ConstantLR", "factor": 1.0},
    "steps": 5,
}


@st.composite
def starts(draw, problem):
    p = get_problem(problem)
    x = draw(st.floats(*p.x_range))
    y = draw(st.floats(*p.y_range))
    return (x, y, *p.start[2:])


def _rows(df):
    cols = ["step", "x", "y", *df.columns[5:], "loss", "lr"]
    return [tuple(r) for r in df[cols].itertuples(index=False)]


@settings(max_examples=50, suppress_health_check=SLOW_DRAWS, deadline=None)
@given(configs(max_steps=30), st.sampled_from(PROBLEM_NAMES), st.data())
def test_the_path_equals_a_bare_torch_loop(cfg, problem, data):
    try:
        df = run_path(cfg, problem)
    except ConfigError:
        assume(False)  # refusals are simulate's (tested there) or below
    start = data.draw(starts(problem))
    df = run_path(cfg, problem, start)
    expected = bare_path(cfg, problem, list(start), cfg["steps"])
    got = [(int(r[0]), *map(float, r[1:])) for r in _rows(df)]
    assert got == expected  # exact, every column
    if len(df) == cfg["steps"] + 1:  # a path that did not diverge
        assert not any("diverged" in w for w in df.attrs["warnings"])


@settings(max_examples=40, suppress_health_check=SLOW_DRAWS, deadline=None)
@given(configs(max_steps=30))
def test_row_t_has_simulates_lr_of_group_0(cfg):
    assume(cfg["scheduler"]["name"] != "ReduceLROnPlateau")  # its metric is the path's loss
    try:
        sim = simulate(cfg)
    except ConfigError:
        assume(False)
    df = run_path(cfg, "quadratic", (0.0, 0.0))  # at the minimum (0/0 may still be NaN)
    ended = any(w.startswith("the path diverged") for w in df.attrs["warnings"])
    n = len(df)
    assert n == cfg["steps"] + 1 or (ended and n <= cfg["steps"])
    assert df["lr"].tolist()[: cfg["steps"]] == sim[sim["group"] == 0]["lr"].tolist()[:n]
    assert df["step"].tolist() == list(range(n))


def test_seed_003_logistic_prints_its_losses():
    cfg = {**SGD, "steps": 1000}
    df = run_path(cfg, "logistic")
    # the losses seed 003 prints at rounds 0, 1, 2, 997, 998, 999
    assert [round(v, 4) for v in df["loss"].iloc[[0, 1, 2, 997, 998, 999]]] == [
        23.8272,
        23.2013,
        22.5759,
        0.4918,
        0.4913,
        0.4908,
    ]
    assert list(df.columns) == ["step", "x", "y", "loss", "lr", "b"]
    assert df.iloc[0][["x", "y", "b"]].tolist() == [2.0, 2.0, 1.0]


@pytest.mark.parametrize("name", ["rosenbrock", "quadratic", "saddle"])
def test_the_documented_minimum_has_zero_gradient_and_value(name):
    p = get_problem(name)
    t = p.tensors(p.minimum)
    loss = p.loss(t)
    loss.backward()
    assert loss.item() == p.min_value
    assert torch.count_nonzero(t[0].grad) == 0
    assert p.loss(p.tensors(p.start)).item() > p.min_value


def test_noisy_quadratic_noise_is_in_the_gradient_and_seeded():
    cfg = {**SGD, "optimizer": {"name": "SGD", "lr": 0.1}, "steps": 20}
    quiet = run_path(cfg, "quadratic")
    noisy = run_path(cfg, "noisy-quadratic")
    again = run_path(cfg, get_problem("noisy-quadratic", seed=0))
    other = run_path(cfg, get_problem("noisy-quadratic", seed=1))
    assert noisy.equals(again) and not noisy.equals(other)
    assert noisy.iloc[0].equals(quiet.iloc[0]) and not noisy.iloc[1].equals(quiet.iloc[1])
    # the loss column is the noiseless loss at the row's parameters
    x, y = noisy["x"].iloc[5], noisy["y"].iloc[5]
    assert noisy["loss"].iloc[5] == 0.5 * (x**2 + 10.0 * y**2)


def test_plateau_is_given_the_paths_loss():
    cfg = {
        "optimizer": {"name": "SGD", "lr": 0.5},
        "scheduler": {"name": "ReduceLROnPlateau", "patience": 0, "factor": 0.5},
        "steps": 6,
    }
    # lr 0.5 on the y-curvature 10 oscillates with a growing loss, then the cuts calm it
    df = run_path(cfg, "quadratic", (0.0, 1.0))
    expected, best, lr = [0.5], float("inf"), 0.5
    for loss in df["loss"].iloc[:-1]:  # torch's rule for mode min, patience 0, rel 1e-4
        if loss < best * (1 - 1e-4):
            best = loss
        else:
            lr *= 0.5
        expected.append(lr)
    assert df["lr"].tolist() == expected
    assert expected[1] == 0.5 and expected[-1] < 0.5  # kept after the first, cut later


def test_divergence_ends_the_path_with_a_note():
    df = run_path({**SGD, "steps": 100}, "rosenbrock")
    assert 1 < len(df) < 101
    assert df.attrs["warnings"][-1].startswith("the path diverged")
    assert df[["x", "y", "loss"]].abs().max().max() < float("inf")


def test_cli_csv_is_the_path(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps(SGD))
    out = lrlab("path", path, "--problem", "saddle", "--start", "-1.5,0.25", "--steps", "3")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "step,x,y,loss,lr" and len(lines) == 5
    df = run_path(SGD, "saddle", "-1.5,0.25", 3)
    assert [float(v) for v in lines[3].split(",")] == df.iloc[2].tolist()
    js = lrlab("path", path, "--problem", "logistic", "--format", "json")
    rows = json.loads(js.stdout)
    assert len(rows) == 6 and list(rows[0]) == ["step", "x", "y", "loss", "lr", "b"]


def test_cli_json_is_strict_after_a_divergence(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({**SGD, "steps": 50}))
    out = lrlab("path", path, "--problem", "rosenbrock", "--format", "json")
    assert out.returncode == 0
    assert "NaN" not in out.stdout and "Infinity" not in out.stdout
    assert len(json.loads(out.stdout)) < 51
    assert out.stderr.startswith("lrlab: warning: the path diverged")
    assert len(out.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--problem", "nope"], "lrlab: problem: unknown problem 'nope'"),
        (["--problem", "saddle", "--start", "1"], "lrlab: start: '1': expected X,Y"),
        (["--problem", "saddle", "--start", "a,1"], "lrlab: start: 'a,1' is not X,Y"),
        (["--problem", "saddle", "--start", "nan,1"], "lrlab: start: nan is not a finite"),
        (["--problem", "saddle", "--steps", "0"], "lrlab: steps: 0 is outside [1, 20000]"),
        (["--problem", "saddle", "--steps", "20001"], "lrlab: steps: 20001 is outside"),
        (["--problem", "saddle", "--steps", "x"], "lrlab: argument --steps"),
        (["--problem", "saddle", "--noise", "2"], "lrlab: noise: not a setting of saddle"),
        (["--start", "1,2"], "lrlab: problem: missing: pass --problem NAME"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(tmp_path, args, message):
    path = tmp_path / "c.json"
    path.write_text(json.dumps(SGD))
    out = lrlab("path", path, *args)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.startswith(message) and len(out.stderr.splitlines()) == 1


def test_cli_bad_config_exits_2(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({**SGD, "optimizer": {"name": "SGD", "lr": -1}}))
    out = lrlab("path", path, "--problem", "saddle")
    assert out.returncode == 2 and out.stderr.startswith("lrlab: optimizer.lr")
