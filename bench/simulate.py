"""How fast is simulate()? Prints ratios against baselines measured in the same run.

Baselines, for 100,000 steps of each scheduler:
  bare  - the loop a user would write: optimizer.step(); scheduler.step(); read every lr
  floor - one optimizer.step(), then scheduler.step() alone each step (nothing recorded)
Target: simulate() at most 2x the floor.

Also (issue 11, scale):
  lambda  - one call of a compiled lambda string (lrlab.core.expr.safe_lambda) against the
            same expression as a Python lambda; and simulate() of LambdaLR with 16 groups
            against the floor of torch's LambdaLR with those Python lambdas (targets: 3x, 2x)
  memory  - peak traced memory (tracemalloc, fresh subprocess) of simulate() for 200k steps x
            16 groups against the returned DataFrame's size (target: 1.5x)
Run: .venv/bin/python bench/simulate.py [--steps N] [--only lambda|memory|schedulers]
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import warnings
from pathlib import Path

import torch
from torch.optim import lr_scheduler

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from timing import best_of  # bench/ is on sys.path when a bench runs as a script

from lrlab import simulate
from lrlab.core.expr import safe_lambda

GROUPS = 16
# The same expressions as lambda strings and as Python lambdas (written out, never eval'ed).
LAMBDAS = {
    "0.95 ** epoch": lambda epoch: 0.95**epoch,
    "min(1, (epoch + 1) / 100) * 0.5 * (1 + cos(pi * epoch / 1000))": lambda epoch: (
        min(1, (epoch + 1) / 100) * 0.5 * (1 + math.cos(math.pi * epoch / 1000))
    ),
}
MEMORY_SCRIPT = """
import sys, tracemalloc
sys.path.insert(0, {root!r})
from lrlab import simulate
cfg = {{"optimizer": {{"name": "SGD", "lr": 0.1, "momentum": 0.9}},
       "param_groups": [{{"lr": 0.1 / (i + 1)}} for i in range({groups})],
       "scheduler": {{"name": "CosineAnnealingLR", "T_max": 1000}}, "steps": {steps}}}
simulate(dict(cfg, steps=10))  # imports and first builds outside the measurement
tracemalloc.start()
df = simulate(cfg)
current, peak = tracemalloc.get_traced_memory()
print(peak, df.memory_usage(index=True, deep=True).sum(), len(df))
"""

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


def per_call(repeats: int) -> None:
    print(f"lambda per call (1000 epochs, best of {repeats})")
    for text, py in LAMBDAS.items():
        safe = safe_lambda(text, "bench")
        epochs = range(1000)
        t_py = best_of(lambda: [py(e) for e in epochs], repeats)  # noqa: B023
        t_safe = best_of(lambda: [safe(e) for e in epochs], repeats)  # noqa: B023
        print(
            f"  {text[:40]:<42}python {t_py * 1e6:>7.0f} ns  lrlab {t_safe * 1e6:>7.0f} ns"
            f"  {t_safe / t_py:>5.2f}x"
        )


def lambda_groups(steps: int, repeats: int) -> None:
    text, py = next(iter(LAMBDAS.items()))

    def lambda_floor() -> None:
        params = [{"params": [torch.zeros(1, requires_grad=True)]} for _ in range(GROUPS)]
        opt = torch.optim.SGD(params, lr=0.1, momentum=0.9)
        sched = lr_scheduler.LambdaLR(opt, [py] * GROUPS)
        opt.step()
        for _ in range(steps):
            sched.step()

    cfg = {
        "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
        "param_groups": [{} for _ in range(GROUPS)],
        "scheduler": {"name": "LambdaLR", "lr_lambda": [text] * GROUPS},
        "steps": steps,
    }
    t_floor = best_of(lambda_floor, repeats)
    t_sim = best_of(lambda: simulate(cfg), repeats)
    print(
        f"LambdaLR x {GROUPS} groups, {steps} steps: floor (Python lambdas) {t_floor:.3f} s, "
        f"simulate (lambda strings) {t_sim:.3f} s, {t_sim / t_floor:.2f}x"
    )


def memory(steps: int = 200_000, groups: int = GROUPS) -> None:
    script = MEMORY_SCRIPT.format(
        root=str(Path(__file__).resolve().parent.parent), groups=groups, steps=steps
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    peak, size, rows = (int(v) for v in out.stdout.split())
    print(
        f"memory {steps} steps x {groups} groups ({rows} rows): peak {peak / 2**20:.0f} MiB, "
        f"DataFrame {size / 2**20:.0f} MiB, {peak / size:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", choices=("lambda", "memory", "schedulers"))
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"{args.steps} steps, best of {args.repeats}; torch {torch.__version__}")
    if args.only in (None, "memory"):
        memory()
    if args.only in (None, "lambda"):
        per_call(args.repeats * 3)
        lambda_groups(min(args.steps, 20_000), args.repeats)
    if args.only not in (None, "schedulers"):
        return
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
