"""How fast is simulate()? Prints ratios against baselines measured in the same run.

Baselines, for 100,000 steps of each scheduler:
  bare  - the loop a user would write: optimizer.step(); scheduler.step(); read every lr
  floor - one optimizer.step(), then scheduler.step() alone each step (nothing recorded)
Target: simulate() at most 2x the floor. Run: .venv/bin/python bench/simulate.py [--steps N]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import torch
from torch.optim import lr_scheduler

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from lrlab import simulate

CASES = {
    "CosineAnnealingLR": ({"name": "CosineAnnealingLR", "T_max": 1000}, {"T_max": 1000}),
    "CyclicLR": (
        {"name": "CyclicLR", "base_lr": 0.001, "max_lr": 0.1, "step_size_up": 500},
        {"base_lr": 0.001, "max_lr": 0.1, "step_size_up": 500},
    ),
}


def torch_pair(name: str, kwargs: dict):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    return opt, getattr(lr_scheduler, name)(opt, **kwargs)


def bare(name: str, kwargs: dict, steps: int) -> None:
    opt, sched = torch_pair(name, kwargs)
    lrs = []
    for _ in range(steps):
        lrs.append([g["lr"] for g in opt.param_groups])
        opt.step()
        sched.step()


def floor(name: str, kwargs: dict, steps: int) -> None:
    opt, sched = torch_pair(name, kwargs)
    opt.step()
    for _ in range(steps):
        sched.step()


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"{args.steps} steps, best of {args.repeats}; torch {torch.__version__}")
    print(
        f"{'scheduler':<20}{'floor s':>9}{'bare s':>9}{'simulate s':>12}"
        f"{'sim/floor':>11}{'sim/bare':>10}"
    )
    for name, (sched_cfg, kwargs) in CASES.items():
        cfg = {
            "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
            "scheduler": sched_cfg,
            "steps": args.steps,
        }
        t_floor = best_of(lambda: floor(name, kwargs, args.steps), args.repeats)  # noqa: B023
        t_bare = best_of(lambda: bare(name, kwargs, args.steps), args.repeats)  # noqa: B023
        t_sim = best_of(lambda: simulate(cfg), args.repeats)  # noqa: B023
        print(
            f"{name:<20}{t_floor:>9.3f}{t_bare:>9.3f}{t_sim:>12.3f}"
            f"{t_sim / t_floor:>10.2f}x{t_sim / t_bare:>9.2f}x"
        )


if __name__ == "__main__":
    main()
