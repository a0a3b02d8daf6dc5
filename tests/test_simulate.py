import math

import pytest
from oracle import bare_loop

from lrlab import ConfigError, simulate
from lrlab.catalog import OPTIMIZERS, TORCH_SCHEDULERS, scheduler_example
from lrlab.core.metrics import synthetic_metric

SEED_CONFIG = {
    "optimizer": {"name": "SGD", "lr": 0.001, "momentum": 0.9, "weight_decay": 0.0001},
    "param_groups": [{}, {"lr": 0.1}],
    "scheduler": {"name": "LambdaLR", "lr_lambda": ["epoch // 3", "0.95 ** epoch"]},
    "steps": 10,
}
# Printed by the seed article 004 (scheduler.get_lr() after each epoch's step).
SEED_TABLE = [
    [0.0, 0.1],
    [0.0, 0.095],
    [0.0, 0.09025],
    [0.001, 0.0857375],
    [0.001, 0.081450625],
    [0.001, 0.07737809374999999],
    [0.002, 0.07350918906249998],
    [0.002, 0.06983372960937498],
    [0.002, 0.06634204312890622],
    [0.003, 0.0630249409724609],
]

# Settings that make each scheduler's curve interesting within STEPS steps.
STEPS = 120
SCHEDULER_OVERRIDES = {
    "StepLR": {"step_size": 7, "gamma": 0.5},
    "MultiStepLR": {"milestones": [10, 40, 41, 90]},
    "ConstantLR": {"factor": 0.25, "total_iters": 13},
    "LinearLR": {"start_factor": 0.05, "total_iters": 17},
    "CosineAnnealingLR": {"T_max": 50, "eta_min": 1e-4},
    "CyclicLR": {"step_size_up": 9, "step_size_down": 14, "mode": "triangular2"},
    "CosineAnnealingWarmRestarts": {"T_0": 7, "T_mult": 2, "eta_min": 1e-5},
    "OneCycleLR": {"pct_start": 0.25, "three_phase": True},
    "PolynomialLR": {"total_iters": 80, "power": 2.0},
    "LambdaLR": {"lr_lambda": "min(1, (epoch + 1) / 10) * cos(pi * epoch / 300)"},
    "SequentialLR": {
        "schedulers": [
            {"name": "LinearLR", "start_factor": 0.1, "total_iters": 10},
            {"name": "CosineAnnealingWarmRestarts", "T_0": 20},
            {"name": "OneCycleLR", "max_lr": 0.3, "total_steps": 50},
        ],
        "milestones": [10, 70],
    },
    "ReduceLROnPlateau": {"patience": 3, "cooldown": 2, "factor": 0.5},
}


def scheduler_config(name, optimizer=None, groups=None):
    sched = {**scheduler_example(name), **SCHEDULER_OVERRIDES.get(name, {})}
    return {
        "optimizer": optimizer or {"name": "SGD", "lr": 0.1, "momentum": 0.9},
        "param_groups": groups or [{}],
        "scheduler": sched,
        "steps": STEPS,
    }


def as_rows(df):
    mom = df["momentum"] if "momentum" in df else [None] * len(df)
    return list(zip(df["step"], df["group"], df["lr"], mom, strict=True))


def assert_matches_bare_loop(config, resume=False):
    df = simulate(config)
    sched = config["scheduler"]
    metrics = None
    if sched["name"] == "ReduceLROnPlateau":
        m = sched["metrics"]
        total = config.get("start_step", 0) + config["steps"]
        metrics = m if isinstance(m, list) else synthetic_metric({**m}, total)
    expected = bare_loop(config, metrics, resume=resume)
    assert as_rows(df) == expected  # exact, not approximate


def test_seed_article_two_group_lambda_table():
    df = simulate(SEED_CONFIG)
    table = df.pivot(index="step", columns="group", values="lr").values.tolist()
    assert table == SEED_TABLE
    assert list(df.columns) == ["step", "group", "lr", "momentum"]


@pytest.mark.parametrize("name", sorted(TORCH_SCHEDULERS))
def test_every_scheduler_equals_a_bare_torch_loop(name):
    assert_matches_bare_loop(scheduler_config(name))


@pytest.mark.parametrize("name", sorted(TORCH_SCHEDULERS))
def test_every_scheduler_with_two_groups_and_adam(name):
    config = scheduler_config(name, {"name": "Adam", "lr": 0.01}, [{}, {"lr": 0.001}])
    assert_matches_bare_loop(config)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_equals_a_bare_torch_loop(name):
    for sched in ("StepLR", "OneCycleLR"):
        opt = {"name": name, "lr": 0.05}
        cfg = scheduler_config(sched, opt, [{}, {"lr": 0.2}])
        if sched == "OneCycleLR" and OPTIMIZERS[name].momentum_key is None:
            cfg["scheduler"]["cycle_momentum"] = False
        assert_matches_bare_loop(cfg)


def test_row_t_is_the_lr_after_t_scheduler_steps():
    df = simulate(
        {
            "optimizer": {"name": "SGD", "lr": 1.0},
            "scheduler": {"name": "StepLR", "step_size": 3, "gamma": 0.5},
            "steps": 8,
        }
    )
    assert df["step"].tolist() == list(range(8))
    assert df["lr"].tolist() == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25]


def test_plateau_metric_t_is_fed_after_step_t():
    metrics = [1.0, 0.5, 0.5, 0.5, 0.5, 0.5]
    df = simulate(
        {
            "optimizer": {"name": "SGD", "lr": 1.0},
            "scheduler": {"name": "ReduceLROnPlateau", "patience": 1, "metrics": metrics},
            "steps": 6,
        }
    )
    # best is 0.5 after step 1; steps 2 and 3 do not improve, so the cut follows step 3.
    assert df["lr"].tolist() == [1.0, 1.0, 1.0, 1.0, 0.1, 0.1]
    assert df["metric"].tolist() == metrics
    assert_matches_bare_loop(
        {
            "optimizer": {"name": "SGD", "lr": 1.0},
            "scheduler": {
                "name": "ReduceLROnPlateau",
                "patience": 2,
                "metrics": {"start": 1.0, "floor": 0.2, "decay": 5, "noise": 0.05, "seed": 3},
            },
            "steps": 80,
        }
    )


def test_momentum_column_follows_the_optimizer():
    cyc = {"name": "OneCycleLR", "max_lr": 0.1}
    adam = simulate({"optimizer": {"name": "Adam"}, "scheduler": cyc, "steps": 50})
    assert adam["momentum"].iloc[0] == 0.95 and adam["momentum"].min() == pytest.approx(0.85)
    sgd = simulate({"optimizer": {"name": "SGD", "momentum": 0.9}, "scheduler": cyc, "steps": 50})
    assert sgd["momentum"].iloc[0] == 0.95
    ada = simulate(
        {"optimizer": {"name": "Adagrad"}, "scheduler": scheduler_example("StepLR"), "steps": 5}
    )
    assert list(ada.columns) == ["step", "group", "lr"]


def test_synthetic_metric_is_seeded_and_plateaus():
    spec = {"start": 2.0, "floor": 0.5, "decay": 10.0, "noise": 0.01, "seed": 7}
    a, b = synthetic_metric(spec, 200), synthetic_metric(spec, 200)
    assert a == b
    assert a[0] == pytest.approx(2.0, abs=0.05) and a[-1] == pytest.approx(0.5, abs=0.05)
    assert synthetic_metric({**spec, "seed": 8}, 200) != a


RESUME_AT = 37  # mid-run for every scheduler_config: past warmups, inside cycles and plateaus


@pytest.mark.parametrize("name", sorted(TORCH_SCHEDULERS))
def test_a_run_resumed_at_step_k_is_the_full_runs_rows_from_k(name):
    full = scheduler_config(name, None, [{}, {"lr": 0.01, "momentum": 0.5}])
    resumed = {**full, "start_step": RESUME_AT, "steps": STEPS - RESUME_AT}
    df, whole = simulate(resumed), simulate(full)
    assert df["step"].tolist() == [t for t in range(RESUME_AT, STEPS) for _ in range(2)]
    tail = whole.iloc[2 * RESUME_AT :].reset_index(drop=True)
    assert df.equals(tail), name  # every column: lr, momentum, the plateau metric goes on
    assert df["lr"].nunique() > 1 or whole["lr"].iloc[: 2 * RESUME_AT].nunique() > 1
    # What a user resuming does: a fresh optimizer and scheduler load a checkpoint taken at k.
    assert_matches_bare_loop(resumed, resume=True)


def test_a_resumed_plateau_run_goes_on_with_the_same_metric_series():
    metrics = [1.0, 0.5, 0.5, 0.5, 0.5, 0.5]
    cfg = {
        "optimizer": {"name": "SGD", "lr": 1.0},
        "scheduler": {"name": "ReduceLROnPlateau", "patience": 1, "metrics": metrics},
        "steps": 3,
        "start_step": 3,
    }
    df = simulate(cfg)
    assert df["lr"].tolist() == [1.0, 0.1, 0.1]  # the cut after step 3, as in the run from 0
    assert df["metric"].tolist() == metrics[3:]
    with pytest.raises(ConfigError, match="has 6 values but the schedule has 7 steps"):
        simulate({**cfg, "start_step": 4})


def test_notes_of_a_resumed_run_name_the_runs_own_steps():
    cfg = {
        "optimizer": {"name": "SGD", "lr": 1.0},
        "param_groups": [{}, {}],
        "scheduler": {"name": "LambdaLR", "lr_lambda": ["1", "cos(pi * epoch)"]},
        "steps": 3,
        "start_step": 4,
    }
    df = simulate(cfg)
    assert df.loc[df["group"] == 1, "lr"].tolist() == [1.0, -1.0, 1.0]
    assert df.attrs["warnings"] == [
        "the lr of group 1 is negative from step 5: the optimizer would climb"
    ]
    cfg["scheduler"] = {"name": "LambdaLR", "lr_lambda": "1 / (6 - epoch)"}
    with pytest.raises(ConfigError, match="epoch=6"):  # torch fails past the resume point
        simulate(cfg)


def test_steps_argument_overrides_config():
    assert len(simulate(SEED_CONFIG, steps=3)) == 6


def test_lambda_runtime_error_names_the_field():
    cfg = {
        "optimizer": {"name": "SGD"},
        "param_groups": [{}, {}],
        "scheduler": {"name": "LambdaLR", "lr_lambda": ["1", "1 / abs(epoch - 4)"]},
        "steps": 10,
    }
    with pytest.raises(ConfigError) as err:
        simulate(cfg)
    assert err.value.field == "scheduler.lr_lambda[1]"
    assert "division by zero" in str(err.value) and "epoch=4" in str(err.value)


def test_a_negative_lr_is_simulated_as_torch_does_with_a_warning():
    cfg = {
        "optimizer": {"name": "SGD", "lr": 1.0},
        "param_groups": [{}, {}],
        "scheduler": {"name": "LambdaLR", "lr_lambda": ["1", "cos(pi * epoch)"]},
        "steps": 4,
    }
    df = simulate(cfg)
    assert df.loc[df["group"] == 1, "lr"].tolist() == [1.0, -1.0, 1.0, -1.0]
    assert df.attrs["warnings"] == [
        "the lr of group 1 is negative from step 1: the optimizer would climb"
    ]
    assert simulate(SEED_CONFIG).attrs["warnings"] == []


# Item 4 of issue 13: schedules torch runs that lrlab used to refuse with bounds of its own.
TORCH_RUNS_THESE = [
    {"name": "ConstantLR", "factor": 0.5, "total_iters": 0},
    {"name": "LinearLR", "start_factor": 0.5, "total_iters": 0},
    {"name": "ExponentialLR", "gamma": 1.1},  # what an LR range test uses
    {"name": "StepLR", "step_size": 3, "gamma": 2.0},
    {"name": "MultiStepLR", "milestones": [0, 9, 4, 4], "gamma": 0.5},  # torch counts repeats
    {"name": "PolynomialLR", "total_iters": 0},
    {"name": "CyclicLR", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "gamma": 2.0},
    {"name": "OneCycleLR", "max_lr": 0.1, "pct_start": 0.0, "div_factor": 0.5},
    {"name": "ReduceLROnPlateau", "factor": 0.0, "patience": 0, "metrics": [1.0] * 12},
]


@pytest.mark.parametrize("sched", TORCH_RUNS_THESE, ids=lambda s: s["name"])
def test_what_torch_runs_lrlab_runs(sched):
    cfg = {
        "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 1.5},  # torch takes momentum >= 1
        "param_groups": [{}, {"lr": 0.05, "momentum": 0.5}],
        "scheduler": sched,
        "steps": 12,
    }
    assert_matches_bare_loop(cfg)


def test_values_are_finite_floats():
    df = simulate(scheduler_config("CyclicLR"))
    assert df["lr"].dtype == "float64"
    assert all(math.isfinite(x) for x in df["lr"])


SWA_RECIPE = {
    "name": "SequentialLR",
    "schedulers": [{"name": "CosineAnnealingLR", "T_max": 30}, {"name": "SWALR", "swa_lr": 0.05}],
    "milestones": [20],
}


@pytest.mark.parametrize(
    "sched",
    [{"name": "SWALR", "swa_lr": [0.05, 0.01], "anneal_epochs": 4}, SWA_RECIPE],
    ids=["SWALR", "cosine-then-SWALR"],
)
def test_swalr_alone_and_after_a_main_schedule(sched):
    cfg = {
        "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
        "param_groups": [{}, {"lr": 0.2, "momentum": 0.5}],
        "scheduler": sched,
        "steps": 40,
    }
    assert_matches_bare_loop(cfg)
    lrs = simulate(cfg).query("group == 0")["lr"].tolist()
    assert lrs[-1] == 0.05 and lrs[0] == 0.1  # anneals to swa_lr and holds it


def test_muon_is_simulated_on_matrices():
    cfg = {
        "optimizer": {"name": "Muon", "lr": 0.02, "momentum": 0.9},
        "param_groups": [{}, {"lr": 0.01, "momentum": 0.8}],
        "scheduler": {"name": "OneCycleLR", "max_lr": 0.05},
        "steps": 30,
    }
    assert_matches_bare_loop(cfg)
    df = simulate(cfg)
    assert df.loc[df["step"] == 0, "momentum"].tolist() == [0.95, 0.95]  # OneCycleLR cycles it


def test_peak_memory_stays_near_the_result_size():
    # The trajectory goes into preallocated arrays that become the frame's columns; a list of
    # Python tuples first (the old way) peaked at ~4x the DataFrame.
    import tracemalloc

    cfg = {
        "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
        "param_groups": [{"lr": 0.1 / (i + 1)} for i in range(16)],
        "scheduler": {"name": "CosineAnnealingLR", "T_max": 100},
        "steps": 5000,
    }
    simulate(dict(cfg, steps=5))
    tracemalloc.start()
    try:
        df = simulate(cfg)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    size = df.memory_usage(index=True, deep=True).sum()
    assert len(df) == 5000 * 16
    assert peak <= 1.5 * size, (peak, size)
