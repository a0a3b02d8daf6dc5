"""lrlab against torch itself, over configs drawn from the whole catalog (hypothesis).

For every drawn config: ``simulate`` equals a bare torch loop exactly, or both refuse (lrlab
with a ConfigError, never another exception); and the script ``to_code`` generates, run as is,
prints exactly simulate's rows, every column for every group. About a third of the drawn
configs start mid-schedule (``start_step``); a resumed one also equals a torch run resumed
from a checkpoint.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import bare_loop
from script_runner import printed_rows, run_scripts, simulated_rows
from strategies import configs

from lrlab import ConfigError, simulate, to_code
from lrlab.core.config import SYNTHETIC_METRIC
from lrlab.core.metrics import synthetic_metric

MAX_TRAINABLE_LR = 2.0
SLOW_DRAWS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def _metrics(cfg):
    sched = cfg["scheduler"]
    if sched["name"] != "ReduceLROnPlateau":
        return None
    m = sched["metrics"]
    total = cfg.get("start_step", 0) + cfg["steps"]  # a resumed run's series goes on
    return m if isinstance(m, list) else synthetic_metric({**SYNTHETIC_METRIC, **m}, total)


def _torch(cfg, resume=False):
    try:
        return bare_loop(cfg, _metrics(cfg), resume=resume)
    except Exception:  # torch refuses: any exception, at construction or at any step
        return None


@settings(max_examples=200, suppress_health_check=SLOW_DRAWS, deadline=None)
@given(configs())
def test_simulate_equals_a_bare_torch_loop_or_both_refuse(cfg):
    expected = _torch(cfg)
    try:
        got = simulated_rows(simulate(cfg))
    except ConfigError as exc:
        # lrlab refuses a run whose lr becomes NaN or infinite (documented); torch runs it.
        non_finite = expected is not None and not all(math.isfinite(r[2]) for r in expected)
        assert expected is None or (non_finite and "not finite" in str(exc)), (
            f"lrlab refuses what torch runs: {exc}"
        )
        return
    assert expected is not None, "lrlab simulates what torch refuses"
    assert got == expected  # exact, not approximate


@settings(max_examples=200, suppress_health_check=SLOW_DRAWS, deadline=None)
@given(configs(resumed=True))
def test_a_resumed_run_is_the_full_runs_rows_and_a_loaded_checkpoints(cfg):
    """start_step k: rows k on of the run from 0, and what a fresh optimizer and scheduler
    that load_state_dict() a checkpoint taken at k print (torch.save/torch.load)."""
    expected = _torch(cfg, resume=True)
    full = {**cfg, "start_step": 0, "steps": cfg["start_step"] + cfg["steps"]}
    try:
        got = simulated_rows(simulate(cfg))
    except ConfigError as exc:
        assert expected is None, f"lrlab refuses what torch resumes: {exc}"
        assert _torch(full) is None, f"lrlab refuses a resumed run it runs whole: {exc}"
        return
    assert expected is not None, "lrlab simulates what torch refuses"
    assert got == expected
    n = len(cfg["param_groups"])
    assert got == simulated_rows(simulate(full))[cfg["start_step"] * n :]
    assert got[0][0] == cfg["start_step"]


@settings(max_examples=3, suppress_health_check=SLOW_DRAWS, deadline=None)
@given(st.lists(configs(), min_size=15, max_size=15))
def test_generated_scripts_print_exactly_the_simulated_rows(batch):
    accepted = []
    for cfg in batch:
        try:
            df = simulate(cfg)
        except ConfigError:
            continue
        # The script's stand-in loop really trains on random data: with an lr far above 1 the
        # weights overflow and some optimizers (ASGD) raise, as real training would. The
        # schedule's own correctness at such rates is the test above.
        if df["lr"].abs().max() <= MAX_TRAINABLE_LR:
            accepted.append((df, to_code(cfg)))
    results = run_scripts([code for _, code in accepted])
    for (df, code), result in zip(accepted, results, strict=True):
        assert "error" not in result, f"{result['error']}\n{code}"
        assert printed_rows(result["stdout"]) == simulated_rows(df), code


# Found by hypothesis (run under pytest-xdist): lrlab filled total_steps over a OneCycleLR
# whose epochs and steps_per_epoch were given as 0 (torch refuses them); and a first lr that
# torch computes as NaN, which lrlab refuses by design.
MUON = {"name": "Muon", "lr": 0, "ns_steps": 0, "adjust_lr_fn": "original"}
MUON_GROUPS = [{"lr": 0, "momentum": 0, "nesterov": False}]


@pytest.mark.parametrize(
    "scheduler",
    [
        {"name": "OneCycleLR", "max_lr": 0.0, "epochs": 0, "steps_per_epoch": 0},
        {"name": "OneCycleLR", "max_lr": 0.5, "div_factor": 2.2250738585072014e-308},
    ],
)
def test_one_cycle_edges_found_by_hypothesis(scheduler):
    cfg = {"optimizer": MUON, "param_groups": MUON_GROUPS, "scheduler": scheduler, "steps": 1}
    test_simulate_equals_a_bare_torch_loop_or_both_refuse.hypothesis.inner_test(cfg)
