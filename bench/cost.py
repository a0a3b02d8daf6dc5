"""The cost budget (lrlab.core.config.MAX_COST): how long do the costliest accepted schedules
take? Each shape is simulated at the most steps the budget lets it run (capped at MAX_STEPS);
prints seconds and the ratio to the budget's own reference, one plain StepLR over MAX_STEPS
steps and MAX_GROUPS groups, measured in the same run (best of --repeats).

Run: .venv/bin/python bench/cost.py [--repeats 2] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lrlab import parse, simulate
from lrlab.core.config import MAX_COST, MAX_GROUPS, MAX_STEPS, schedule_cost

SGD = {"name": "SGD", "lr": 0.1, "momentum": 0.9}
# 61 parts, the kind of lambda the issue built (nested min)
LAMBDA = (
    "min(1.0, 0.999 + min(epoch, 0.001) * 0 + min(epoch, 1) * 0 + min(epoch, 2) * 0"
    " + min(epoch, 3) * 0 + min(epoch, 5) * 0)"
)
LEAF = {"name": "MultiplicativeLR", "lr_lambda": LAMBDA}
STEP = {"name": "StepLR", "step_size": 3}


def chain(children: list) -> dict:
    return {"name": "ChainedScheduler", "schedulers": children}


SHAPES = {
    "reference: StepLR, 16 groups": (STEP, MAX_GROUPS),
    "8x8 chained 61-part lambdas, 16 groups (the issue's)": (chain([chain([LEAF] * 8)] * 8), 16),
    "8x8 chained 61-part lambdas, 1 group": (chain([chain([LEAF] * 8)] * 8), 1),
    "8x8 chained StepLR, 1 group": (chain([chain([STEP] * 8)] * 8), 1),
    "61-part lambda, 16 groups": (LEAF, 16),
    "61-part lambda, 1 group": (LEAF, 1),
    "8 chained StepLR, 16 groups": (chain([STEP] * 8), 16),
    "OneCycleLR, 16 groups": ({"name": "OneCycleLR", "max_lr": 0.1}, 16),
    "CyclicLR, 16 groups": ({"name": "CyclicLR", "base_lr": 0.01, "max_lr": 0.1}, 16),
    "ReduceLROnPlateau, 16 groups": ({"name": "ReduceLROnPlateau", "metrics": {}}, 16),
    "timm CosineLRScheduler, 16 groups": ({"name": "timm:CosineLRScheduler", "t_initial": 50}, 16),
}


def most_steps(scheduler: dict, groups: int) -> int:
    per_step = schedule_cost(scheduler, groups, 1)
    return min(MAX_STEPS, int(MAX_COST // per_step))


def seconds(scheduler: dict, groups: int, steps: int, repeats: int) -> float:
    config = {"optimizer": SGD, "param_groups": [{}] * groups, "scheduler": scheduler}
    schedule = parse(config, steps)  # accepted: the budget admits it
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        simulate(schedule)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="a tenth of each run (ratios hold)")
    args = ap.parse_args()
    scale = 10 if args.quick else 1
    seconds(STEP, 1, 100, 1)  # warm-up: the first simulate() pays torch's lazy set-up
    ref = None
    print(f"budget {MAX_COST:,} units; {'a tenth of ' if args.quick else ''}the most steps each")
    for name, (scheduler, groups) in SHAPES.items():
        steps = most_steps(scheduler, groups)
        s = seconds(scheduler, groups, max(1, steps // scale), args.repeats) * scale
        ref = ref or s
        print(f"{name:58s} {steps:>7} steps {s:7.2f} s  {s / ref:5.2f}x reference")


if __name__ == "__main__":
    main()
