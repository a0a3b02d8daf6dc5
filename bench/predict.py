"""Loss-curve prediction on Digits/LeNet: fit each law on three schedules, predict three it
never saw, then design a schedule and train it over 3 seeds against cosine.

LeNet, SGD momentum 0.9 (weight decay 5e-4), peak lr 0.05, batch 64, augmentation, per-batch
stepping, 6 epochs (138 optimizer steps), seed 0 (or --seed). Fitted: constant, cosine to 0,
step decay (x0.1 at 50% and 75%). Predicted: linear decay to 0, WSD (80% stable, 20% linear decay),
exponential decay to 1% of the peak. "final" is the mean train loss over the last 10% of
steps; R² is the whole predicted curve against the raw per-step train loss (R²raw: one batch
per step, so its noise caps it well below 1) and against its centred 9-step moving average.

    .venv/bin/python bench/predict.py                       # temp database
    .venv/bin/python bench/predict.py --db /tmp/p.sqlite    # keeps (and reuses) the runs
    .venv/bin/python bench/predict.py --db /tmp/p.sqlite --seed 1 --no-design  # seed 1's runs

The designed-vs-cosine part fits the runs of ``--seed`` and trains seeds 0..``--seeds``-1.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from lrlab.predict.design import design
from lrlab.predict.fit import Curve, fit_model, predict, r_squared, rel_error, tail_mean
from lrlab.predict.runs import load_fit_runs, schedule_lrs
from lrlab.train.engine import train
from lrlab.train.store import RunStore

PEAK, EPOCHS, BATCHES = 0.05, 6, 23
STEPS = EPOCHS * BATCHES
SCHEDULES = {
    "constant": {"name": "ConstantLR", "factor": 1.0, "total_iters": 0},
    "cosine": {"name": "CosineAnnealingLR", "T_max": STEPS, "eta_min": 0.0},
    "step": {"name": "MultiStepLR", "milestones": [STEPS // 2, (3 * STEPS) // 4], "gamma": 0.1},
    "linear": {"name": "LinearLR", "start_factor": 1.0, "end_factor": 0.0, "total_iters": STEPS},
    "wsd": {"name": "LambdaLR", "lr_lambda": f"min(1,({STEPS}-epoch)/{0.2 * STEPS:.1f})"},
    "exponential": {"name": "ExponentialLR", "gamma": round(0.01 ** (1 / (STEPS - 1)), 8)},
}
FITTED, HELD_OUT = ("constant", "cosine", "step"), ("linear", "wsd", "exponential")


def run_config(scheduler: dict, seed: int = 0) -> dict:
    return {
        "optimizer": {"name": "SGD", "lr": PEAK, "momentum": 0.9, "weight_decay": 0.0005},
        "scheduler": scheduler,
        "train": {
            "dataset": "digits",
            "model": "lenet",
            "epochs": EPOCHS,
            "batch_size": 64,
            "device": "cpu",
            "seed": seed,
            "step_per": "batch",
            "augment": True,
        },
    }


def trained(store: RunStore, name: str, config: dict) -> str:
    """The completed run called ``name`` in the store, trained now if it is not there."""
    runs = store.list_runs()
    done = runs[(runs["name"] == name) & (runs["status"] == "completed")]
    if len(done):
        return str(done["id"].iloc[0])
    run_id = store.create_run(config, name)
    started = time.perf_counter()
    result = train(config, store.recorder(run_id))
    print(f"  trained {name}: {result.status}, {time.perf_counter() - started:.0f}s", flush=True)
    if result.status != "completed":
        raise SystemExit(f"{name}: {result.status} {result.message}")
    return run_id


def moving_average(x: np.ndarray, window: int = 9) -> np.ndarray:
    """The measured curve with its batch-to-batch noise averaged (centred, 9 steps)."""
    k = np.ones(window)
    return np.convolve(x, k, "same") / np.convolve(np.ones_like(x), k, "same")


def measured(store: RunStore, run_id: str) -> Curve:
    steps = store.steps(run_id)
    return Curve(steps["lr_0"].to_numpy(float), steps["loss"].to_numpy(float), run_id)


def table(store: RunStore, ids: dict[str, str]) -> dict:
    """Fit each law on the FITTED runs, predict the HELD_OUT ones; print the table."""
    curves, _, _ = load_fit_runs(store, [ids[n] for n in FITTED])
    models = {}
    print("\nlaw          schedule     predicted  measured  rel.error  R²raw  R²ma9  band (final)")
    for law in ("multi-power", "momentum"):
        started = time.perf_counter()
        model = fit_model(curves, law)
        models[law] = model
        seconds = time.perf_counter() - started
        for name in HELD_OUT:
            lrs, _, _ = schedule_lrs(run_config(SCHEDULES[name]))
            pred, truth = predict(model, lrs), measured(store, ids[name])
            assert np.allclose(lrs, truth.lrs), name  # simulate == what the run applied
            print(
                f"{law:12} {name:12} {tail_mean(pred.loss):9.4f} {tail_mean(truth.loss):9.4f}"
                f" {rel_error(pred.loss, truth.loss):9.1%} {r_squared(pred.loss, truth.loss):6.3f}"
                f" {r_squared(pred.loss, moving_average(truth.loss)):6.3f}"
                f"  [{tail_mean(pred.low):.3f}, {tail_mean(pred.high):.3f}]"
            )
        held = ", ".join(f"{h.rel_error:.1%}/R² {h.r2:.2f}" for h in model.heldout)
        cv = ", ".join(f"p={p:g}: {e:.0%}" for p, e in model.cross_validation)
        print(f"{law:12} worst held-out error per lr exponent: {cv}")
        print(
            f"{law:12} fit {seconds:.1f}s, in-sample R² {model.fit.r2:.3f}, "
            f"leave-one-run-out (constant, cosine, step): {held}"
        )
        print(f"{'':12} params { ({k: round(v, 4) for k, v in model.fit.params.items()}) }")
    return models


def designed(store: RunStore, ids: dict[str, str], models: dict, seeds: int) -> None:
    base = run_config(SCHEDULES["cosine"])
    lrs, _, base_run = schedule_lrs(base)
    result = design(models["multi-power"], base_run, lrs)
    print(f"worst-case predicted final loss over the fits {result.worst_final_loss:.4f}")
    for note in result.warnings:
        print(f"  warning: {note}")
    sched = {k: v for k, v in result.schedule.items() if k != "steps"}
    print(f"\ndesigned ({result.family}): {sched['scheduler']['lr_lambda']}")
    print(
        f"predicted final loss {result.predicted_final_loss:.4f} vs cosine "
        f"{result.baseline_final_loss:.4f} (last step)"
    )
    finals: dict[str, list[float]] = {"designed": [], "cosine": []}
    for seed in range(seeds):
        for label, cfg in (("designed", sched), ("cosine", base)):
            config = {**cfg, "train": {**base["train"], "seed": seed}}
            # A designed run is named by its schedule, so a rerun that designs another one
            # trains it instead of reusing the old runs.
            tag = cfg["scheduler"].get("lr_lambda", "") if label == "designed" else ""
            name = f"{label} {tag} seed {seed}"
            if label == "cosine":
                name = seeded("cosine", seed)
            run_id = trained(store, name, config)
            finals[label].append(tail_mean(measured(store, run_id).loss))
    for label, values in finals.items():
        print(
            f"{label:9} final train loss per seed {[round(v, 4) for v in values]}, "
            f"mean {np.mean(values):.4f} ± {np.std(values, ddof=1):.4f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="run database (default: a temporary one)")
    ap.add_argument("--seeds", type=int, default=3, help="seeds of the designed vs cosine runs")
    ap.add_argument("--seed", type=int, default=0, help="seed of the fitted and predicted runs")
    ap.add_argument("--no-design", action="store_true", help="the table only")
    args = ap.parse_args()
    db = args.db or str(Path(tempfile.mkdtemp()) / "predict.sqlite")
    store = RunStore(db)
    print(f"runs in {db}", flush=True)
    ids = {
        name: trained(store, seeded(name, args.seed), run_config(s, args.seed))
        for name, s in SCHEDULES.items()
    }
    models = table(store, ids)
    if not args.no_design:
        designed(store, ids, models, args.seeds)


def seeded(name: str, seed: int) -> str:
    """A run's name in the store: seed 0 is the plain name (earlier runs are reused)."""
    return name if seed == 0 else f"{name}  seed {seed}"


if __name__ == "__main__":
    main()
