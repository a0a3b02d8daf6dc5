"""transformers and timm schedules: lrlab against the real libraries, row for row.

Each oracle builds the optimizer with plain torch and the scheduler straight from the library
(``get_scheduler``; a ``timm.scheduler`` class), then steps it the library's way: for
transformers ``optimizer.step()`` then ``scheduler.step()``; for timm ``step(t)`` (or
``step_update(t)``) before reading row ``t``. Parameters are drawn by hypothesis.
"""

import ast
import json
import subprocess
import sys
import warnings

import pytest
import timm.scheduler
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from transformers import get_scheduler

from lrlab import ConfigError, simulate, to_code
from lrlab.catalog import SCHEDULERS, TIMM, TRANSFORMERS, scheduler_example
from lrlab.core.metrics import synthetic_metric

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LR = st.floats(1e-3, 1.0)


def optimizer_of(cfg):
    opt = dict(cfg["optimizer"])
    name = opt.pop("name")
    groups = [
        {"params": [torch.zeros(1, requires_grad=True)], **g}
        for g in cfg.get("param_groups") or [{}]
    ]
    return getattr(torch.optim, name)(groups, **opt)


def lrs(optimizer):
    return [g["lr"] for g in optimizer.param_groups]


def hf_oracle(cfg, metrics=None):
    sched = {k: v for k, v in cfg["scheduler"].items() if k not in ("name", "metrics")}
    kind = cfg["scheduler"]["name"].split(":")[1]
    optimizer = optimizer_of(cfg)
    warmup = sched.pop("num_warmup_steps", 0)
    total = sched.pop("num_training_steps", None)
    if total is None and not (kind == "warmup_stable_decay" and "num_stable_steps" in sched):
        total = cfg["steps"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scheduler = get_scheduler(kind, optimizer, warmup, total, sched)
        rows = []
        for t in range(cfg["steps"]):
            rows.extend(lrs(optimizer))
            optimizer.step()
            scheduler.step(metrics[t]) if metrics else scheduler.step()
    return rows


def timm_oracle(cfg, metrics=None):
    kwargs = {k: v for k, v in cfg["scheduler"].items() if k not in ("name", "metrics")}
    cls = getattr(timm.scheduler, cfg["scheduler"]["name"].split(":")[1])
    optimizer = optimizer_of(cfg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scheduler = cls(optimizer, **kwargs)
        rows = []
        for t in range(cfg["steps"]):
            if metrics is not None:  # the plateau: after each epoch, with its metric
                if t:
                    scheduler.step(t, metrics[t - 1])
            elif kwargs.get("t_in_epochs", True):
                scheduler.step(t)
            else:
                scheduler.step_update(t)
            rows.extend(lrs(optimizer))
    return rows


def config(name, sched, lr, groups, steps, optimizer="SGD"):
    return {
        "optimizer": {"name": optimizer, "lr": lr},
        "param_groups": [{"lr": g} if g else {} for g in groups],
        "scheduler": {"name": name, **sched},
        "steps": steps,
    }


GROUPS = st.lists(st.one_of(st.none(), st.floats(1e-3, 2.0)), min_size=1, max_size=3)
MIN_FLOOR = st.one_of(
    st.fixed_dictionaries({"min_lr_rate": st.floats(0, 1)}),
    st.fixed_dictionaries({"min_lr": st.floats(0, 1e-3)}),
)


@st.composite
def hf_case(draw):
    steps = draw(st.integers(2, 150))
    kind = draw(st.sampled_from(sorted(k for k in TRANSFORMERS if "plateau" not in k)))
    kind = kind.split(":")[1]
    warmup = draw(st.integers(0, steps + 5))
    total = draw(st.one_of(st.none(), st.integers(1, 2 * steps)))
    sched = {"num_warmup_steps": warmup}
    if total is not None:
        sched["num_training_steps"] = total
    lr = draw(LR)
    if kind == "cosine":
        sched["num_cycles"] = draw(st.floats(0, 3))
    elif kind == "cosine_with_restarts":
        sched["num_cycles"] = draw(st.integers(1, 5))
    elif kind == "polynomial":
        sched.update(lr_end=draw(st.floats(0, lr / 2)), power=draw(st.floats(0, 3)))
        sched["num_training_steps"] = warmup + draw(st.integers(1, steps))
    elif kind == "inverse_sqrt":
        sched["timescale"] = draw(st.one_of(st.none(), st.integers(1, 100)))
    elif kind in ("cosine_with_min_lr", "cosine_warmup_with_min_lr"):
        sched.update(draw(MIN_FLOOR), num_cycles=draw(st.floats(0, 2)))
        if kind == "cosine_warmup_with_min_lr":
            sched["warmup_lr_rate"] = draw(st.one_of(st.none(), st.floats(0, 1)))
    elif kind == "warmup_stable_decay":
        sched["num_decay_steps"] = draw(st.integers(0, steps))
        sched["num_stable_steps"] = draw(st.one_of(st.none(), st.integers(0, steps)))
        sched["warmup_type"] = draw(st.sampled_from(["linear", "cosine", "1-sqrt"]))
        sched["decay_type"] = draw(st.sampled_from(["linear", "cosine", "1-sqrt"]))
        sched["min_lr_ratio"] = draw(st.floats(0, 1))
        sched["num_cycles"] = draw(st.floats(0, 1))
    sched = {k: v for k, v in sched.items() if v is not None}
    return config(f"transformers:{kind}", sched, lr, draw(GROUPS), steps)


@SETTINGS
@given(hf_case())
def test_transformers_types_equal_get_scheduler_row_for_row(cfg):
    assert simulate(cfg)["lr"].tolist() == hf_oracle(cfg)


NOISE = st.one_of(
    st.none(),
    st.integers(0, 30),
    st.tuples(st.integers(0, 20), st.integers(1, 20)).map(lambda p: [p[0], p[0] + p[1]]),
)


@st.composite
def timm_case(draw):
    steps = draw(st.integers(2, 120))
    cls = draw(st.sampled_from(sorted(k for k in TIMM if "Plateau" not in k))).split(":")[1]
    k = {
        "warmup_t": draw(st.integers(0, 12)),
        "warmup_lr_init": draw(st.floats(0, 1e-3)),
        "t_in_epochs": draw(st.booleans()),
        "noise_range_t": draw(NOISE),
        "noise_pct": draw(st.floats(0.2, 1.0)),
        "noise_std": draw(st.floats(0.0, 1.5)),
        "noise_seed": draw(st.integers(0, 1000)),
    }
    if cls != "WSDLRScheduler":
        k["warmup_prefix"] = draw(st.booleans())
    if cls in ("CosineLRScheduler", "PolyLRScheduler", "TanhLRScheduler", "WSDLRScheduler"):
        k["t_initial"] = draw(st.integers(1, 80))
        k["lr_min"] = draw(st.floats(0, 1e-3))
    if cls in ("CosineLRScheduler", "PolyLRScheduler", "TanhLRScheduler"):
        k["cycle_mul"] = draw(st.sampled_from([1.0, 1.5, 2.0]))
        k["cycle_decay"] = draw(st.floats(0.3, 1.0))
        k["cycle_limit"] = draw(st.integers(1, 4))
    if cls in ("CosineLRScheduler", "PolyLRScheduler"):
        k["k_decay"] = draw(st.floats(0.5, 2.0))
    if cls == "PolyLRScheduler":
        k["power"] = draw(st.floats(0.0, 3.0))
    if cls == "TanhLRScheduler":
        k["lb"] = draw(st.floats(-10, -1))
        k["ub"] = draw(st.floats(0, 6))
    if cls == "StepLRScheduler":
        k["decay_t"] = draw(st.floats(0.5, 30))
        k["decay_rate"] = draw(st.floats(0.1, 1.0))
    if cls == "MultiStepLRScheduler":
        k["decay_t"] = sorted(draw(st.sets(st.integers(1, steps + 5), min_size=1, max_size=4)))
        k["decay_rate"] = draw(st.floats(0.1, 1.0))
    if cls == "WSDLRScheduler":
        k["decay_t"] = draw(st.integers(1, k["t_initial"]))
        k["stable_fn"] = draw(st.sampled_from(["constant", "rsqrt", "power"]))
        k["stable_timescale"] = draw(st.floats(1, 50))
        k["stable_power"] = draw(st.floats(0.1, 1.0))
        k["decay_fn"] = draw(st.sampled_from(["1-sqrt", "linear", "cosine", "power", "exp"]))
        k["decay_power"] = draw(st.floats(0.2, 3))
        k["decay_ratio"] = draw(st.floats(0.01, 0.9))
    if k["noise_range_t"] is None or k["noise_pct"] < 0.1 * k["noise_std"]:
        k["noise_range_t"] = None
    k = {key: v for key, v in k.items() if v is not None}
    return config(
        f"timm:{cls}", k, draw(LR), draw(GROUPS), steps, draw(st.sampled_from(["SGD", "AdamW"]))
    )


@SETTINGS
@given(timm_case())
def test_timm_classes_equal_their_own_stepping_row_for_row(cfg):
    assert simulate(cfg)["lr"].tolist() == timm_oracle(cfg)


@pytest.mark.parametrize(
    "name, sched",
    [
        ("transformers:reduce_lr_on_plateau", {"patience": 2, "factor": 0.5, "cooldown": 1}),
        ("timm:PlateauLRScheduler", {"patience_t": 2, "decay_rate": 0.5, "mode": "min"}),
        ("timm:PlateauLRScheduler", {"patience_t": 1, "warmup_t": 3, "noise_range_t": 10}),
    ],
)
def test_plateau_schedulers_step_on_the_metric_like_their_library(name, sched):
    metric = {"start": 2.3, "floor": 0.5, "decay": 8.0, "noise": 0.05, "seed": 3}
    cfg = config(name, {**sched, "metrics": metric}, 0.1, [None, 0.3], 60)
    metrics = synthetic_metric(metric, 60)
    oracle = hf_oracle if name.startswith("transformers") else timm_oracle
    df = simulate(cfg)
    assert df["lr"].tolist() == oracle(cfg, metrics)
    assert df["lr"].min() < 0.1  # it did reduce


def test_validation_names_the_field_and_library_errors_are_config_errors():
    def bad(sched, steps=20):
        with pytest.raises(ConfigError) as err:
            simulate(
                config(
                    sched["name"],
                    {k: v for k, v in sched.items() if k != "name"},
                    0.1,
                    [None],
                    steps,
                )
            )
        return err.value

    assert bad({"name": "transformers:cosine_with_min_lr"}).field == "scheduler.min_lr_rate"
    both = {"name": "transformers:cosine_with_min_lr", "min_lr": 0.0, "min_lr_rate": 0.1}
    assert "exactly one" in str(bad(both))
    assert bad({"name": "transformers:linear", "num_cycles": 2}).field == "scheduler.num_cycles"
    err = bad({"name": "transformers:polynomial", "lr_end": 0.5})  # above the optimizer's lr
    assert err.field == "scheduler" and "transformers rejected it" in str(err)
    assert bad({"name": "timm:CosineLRScheduler"}).field == "scheduler.t_initial"
    err = bad({"name": "timm:WSDLRScheduler", "t_initial": 5, "decay_t": 9})
    assert err.field == "scheduler.decay_t"
    tiny = {"name": "timm:StepLRScheduler", "decay_t": 3, "noise_range_t": 0, "noise_pct": 1e-9}
    assert bad(tiny).field == "scheduler.noise_pct"  # timm would redraw ~1e9 times a step
    err = bad({"name": "timm:StepLRScheduler", "decay_t": 3, "noise_range_t": [5, 5]})
    assert err.field == "scheduler.noise_range_t[1]"
    nested = {
        "name": "SequentialLR",
        "schedulers": [
            {"name": "timm:CosineLRScheduler", "t_initial": 5},
            {"name": "StepLR", "step_size": 2},
        ],
        "milestones": [5],
    }
    assert bad(nested).field == "scheduler.schedulers[0].name"


def test_num_training_steps_defaults_to_the_run_length():
    cfg = config("transformers:linear", {"num_warmup_steps": 2}, 0.1, [None], 12)
    assert simulate(cfg)["lr"].tolist()[-1] == pytest.approx(0.1 / 10)
    assert "num_training_steps=12" in to_code(cfg)


LIBRARY = sorted(TRANSFORMERS) + sorted(TIMM)
EXAMPLES = {
    "transformers:cosine_with_min_lr": {"min_lr_rate": 0.1, "num_warmup_steps": 4},
    "transformers:cosine_warmup_with_min_lr": {"min_lr": 0.001, "warmup_lr_rate": 0.2},
    "transformers:cosine_with_restarts": {"num_cycles": 3, "num_warmup_steps": 3},
    "transformers:warmup_stable_decay": {"num_warmup_steps": 5, "decay_type": "1-sqrt"},
    "timm:CosineLRScheduler": {
        "t_initial": 10,
        "cycle_limit": 3,
        "warmup_t": 3,
        "noise_range_t": 15,
    },
    "timm:StepLRScheduler": {"decay_t": 4, "decay_rate": 0.5, "warmup_t": 2, "t_in_epochs": False},
    "timm:TanhLRScheduler": {"t_initial": 30},
}


def example(name):
    sched = {**scheduler_example(name), **EXAMPLES.get(name, {})}
    return config(name, sched, 0.1, [None, 0.02], 40, optimizer="AdamW")


PLAIN = [n for n in LIBRARY if not SCHEDULERS[n].needs_metric]
RESUME_AT = 15  # inside every example's warmup, cycles or decay


def resumed(cfg):
    return {**cfg, "start_step": RESUME_AT, "steps": cfg["steps"] - RESUME_AT}


# One interpreter runs every generated script (each import of transformers or timm takes
# seconds), each as __main__ with its own captured stdout.
RUNNER = """
import contextlib, io, json, runpy, sys, warnings
warnings.simplefilter("ignore")
out = {}
for path in sys.argv[1:]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        runpy.run_path(path, run_name="__main__")
    out[path] = buf.getvalue()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def generated_output(tmp_path_factory):
    folder = tmp_path_factory.mktemp("generated")
    paths = {}
    for name in PLAIN:
        paths[name] = folder / f"{name.replace(':', '_')}.py"
        paths[name].write_text(to_code(example(name)))
        paths[f"{name} resumed"] = folder / f"{name.replace(':', '_')}_resumed.py"
        paths[f"{name} resumed"].write_text(to_code(resumed(example(name))))
    cmd = [sys.executable, "-c", RUNNER, *map(str, paths.values())]
    out = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    return {name: out[str(path)] for name, path in paths.items()}


@pytest.mark.parametrize("name", PLAIN)
def test_generated_code_runs_and_prints_simulates_lrs(name, generated_output):
    cfg = example(name)
    code = to_code(cfg)
    assert "lrlab" not in code
    assert ("from transformers import get_scheduler" in code) == name.startswith("transformers")
    assert (f"from timm.scheduler import {SCHEDULERS[name].lib_name}" in code) == (
        name.startswith("timm")
    )
    lines = generated_output[name].splitlines()
    printed = [ast.literal_eval(line.split(" ", 1)[1]) for line in lines]
    expected = simulate(cfg).pivot(index="step", columns="group", values="lr").values.tolist()
    assert printed == expected


@pytest.mark.parametrize("name", PLAIN)
def test_resumed_mid_run_the_rows_and_the_code_are_the_full_runs_rest(name, generated_output):
    cfg, full = resumed(example(name)), simulate(example(name))
    df = simulate(cfg)
    assert df.equals(full.iloc[2 * RESUME_AT :].reset_index(drop=True))  # two groups
    assert full["lr"].iloc[2 * RESUME_AT :].nunique() > 1
    lines = generated_output[f"{name} resumed"].splitlines()
    assert [int(line.split(" ", 1)[0]) for line in lines] == list(range(RESUME_AT, 40))
    printed = [ast.literal_eval(line.split(" ", 1)[1]) for line in lines]
    assert printed == df.pivot(index="step", columns="group", values="lr").values.tolist()


@pytest.mark.parametrize("name", [n for n in LIBRARY if SCHEDULERS[n].needs_metric])
def test_a_library_plateau_schedule_cannot_start_mid_run(name):
    # Its generated code watches the user's live metric: no script could resume it exactly.
    with pytest.raises(ConfigError) as err:
        simulate(resumed(example(name)))
    assert err.value.field == "start_step" and "set start_step to 0" in str(err.value)


@pytest.mark.parametrize("name", [n for n in LIBRARY if SCHEDULERS[n].needs_metric])
def test_generated_plateau_code_builds_the_same_scheduler(name):
    cfg = example(name)
    cfg["scheduler"]["metrics"] = {
        "start": 2.0,
        "floor": 0.2,
        "decay": 5.0,
        "noise": 0.0,
        "seed": 0,
    }
    if name.startswith("timm"):
        cfg["scheduler"]["mode"] = "min"
    code = to_code(cfg)
    head, loop = code.split("# Training loop")
    ns: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(head, "<generated>", "exec"), ns)
    optimizer, scheduler = ns["optimizer"], ns["scheduler"]
    metrics = synthetic_metric(cfg["scheduler"]["metrics"], cfg["steps"])
    rows = []
    for t in range(cfg["steps"]):
        rows.extend(lrs(optimizer))
        if name.startswith("timm"):
            assert "scheduler.step(epoch + 1, loss.item())" in loop
            scheduler.step(t + 1, metrics[t])
        else:
            assert "scheduler.step(loss.item())" in loop
            scheduler.step(metrics[t])
    assert rows == simulate(cfg)["lr"].tolist()


def test_import_lrlab_does_not_import_transformers_or_timm():
    code = (
        "import sys, lrlab, lrlab.catalog, lrlab.present.presets, lrlab.present.docs, lrlab.libs;"
        "lrlab.validate({'optimizer': {'name': 'SGD', 'lr': 0.1}, 'steps': 5,"
        " 'scheduler': {'name': 'timm:CosineLRScheduler', 't_initial': 5}});"
        "lrlab.to_code({'optimizer': {'name': 'SGD', 'lr': 0.1}, 'steps': 5,"
        " 'scheduler': {'name': 'transformers:linear'}});"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('transformers', 'timm')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cli_simulates_a_timm_schedule_and_rejects_a_bad_one(tmp_path):
    from test_cli import lrlab as cli

    cfg = config(
        "timm:MultiStepLRScheduler", {"decay_t": [3, 5], "decay_rate": 0.5}, 0.1, [None], 6
    )
    path = tmp_path / "timm.json"
    path.write_text(json.dumps(cfg))
    out = cli("simulate", path, "--format", "json")
    assert out.returncode == 0, out.stderr
    assert [row["lr"] for row in json.loads(out.stdout)] == simulate(cfg)["lr"].tolist()
    cfg["scheduler"]["decay_rate"] = "fast"
    path.write_text(json.dumps(cfg))
    out = cli("code", path)
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    assert "scheduler.decay_rate" in out.stderr
