"""How fast is run_path()? 1,000 steps of each problem with every catalog optimizer.

Baseline, measured in the same run: the bare torch loop a user would write on the same
problem (the same float64 tensors and loss; zero_grad, backward, the gradient noise as
``grad.add_(noise * torch.randn(...))``, optimizer.step, scheduler.step; nothing recorded).
run_path also parses the config, builds the torch objects, records every row and builds the
DataFrame. Targets (issue 19): <= 50 ms and <= 1.5x the bare loop.

On a shared machine the wall time swings with the load, so each cell is the minimum over
--repeats, lrlab and the bare loop interleaved (a burst of load hits both alike), and the
thread's CPU time (``time.thread_time``, which a waiting thread does not accumulate) is
printed beside it. The load average is printed with the table.
Run: .venv/bin/python bench/paths.py [--steps N] [--repeats R] [--optimizers A,B]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lrlab.catalog import OPTIMIZERS
from lrlab.paths import PROBLEM_NAMES, get_problem, run_path

# SGD with momentum (the usual teaching case) beside every catalog optimizer at lr 1e-3 (its
# own default may diverge on Rosenbrock: ASGD's 0.01 does, at step 3), Adadelta at its lr 1
SETTINGS = {"SGD+momentum": {"name": "SGD", "lr": 1e-3, "momentum": 0.9}} | {
    name: {"name": name, "lr": 1.0 if name == "Adadelta" else 1e-3} for name in OPTIMIZERS
}
SCHEDULER = {"name": "CosineAnnealingLR", "T_max": 1000}


def bare(problem: str, opt: dict, steps: int) -> None:
    prob = get_problem(problem)
    params = prob.tensors(prob.start, matrices=OPTIMIZERS[opt["name"]].matrices_only)
    kwargs = {k: v for k, v in opt.items() if k != "name"}
    optimizer = getattr(torch.optim, opt["name"])(params, **kwargs)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=1000)
    gen = prob.noise_generator()
    for _ in range(steps):
        loss = prob.loss(params)
        optimizer.zero_grad()
        loss.backward()
        prob.perturb(params, gen)
        optimizer.step()
        scheduler.step()


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall, thread CPU) seconds of one call."""
    wall, cpu = time.perf_counter(), time.thread_time()
    fn()
    return time.perf_counter() - wall, time.thread_time() - cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--optimizers", help="comma-separated labels (default: all)")
    ap.add_argument("--problems", help="comma-separated problems (default: all)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    labels = args.optimizers.split(",") if args.optimizers else list(SETTINGS)
    problems = args.problems.split(",") if args.problems else list(PROBLEM_NAMES)
    print(f"load average before: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    head = f"{'problem':16} {'optimizer':13} {'lrlab ms':>9} {'bare ms':>8} {'ratio':>6}"
    print(f"{head}   {'CPU: lrlab ms':>13} {'bare ms':>8} {'ratio':>6}")
    worst = {"ms": 0.0, "ratio": 0.0, "cpu ms": 0.0, "cpu ratio": 0.0}
    for problem in problems:
        for label in labels:
            opt = SETTINGS[label]
            cfg = {"optimizer": opt, "scheduler": SCHEDULER, "steps": args.steps}
            # imports and first builds outside the measurement; a path that diverges ends
            # early (lrlab stops, the bare loop goes on with NaN): its row says so
            rows = len(run_path(cfg, problem)) - 1
            ended = "" if rows == args.steps else f"  (path ends at step {rows})"
            bare(problem, opt, 10)
            ours, base = [float("inf")] * 2, [float("inf")] * 2
            for _ in range(args.repeats):
                got = _timed(lambda c=cfg, p=problem: run_path(c, p))
                ours = [min(a, b) for a, b in zip(ours, got, strict=True)]
                got = _timed(lambda o=opt, p=problem: bare(p, o, args.steps))
                base = [min(a, b) for a, b in zip(base, got, strict=True)]
            row = {
                "ms": ours[0] * 1e3,
                "ratio": ours[0] / base[0],
                "cpu ms": ours[1] * 1e3,
                "cpu ratio": ours[1] / base[1],
            }
            if not ended:  # an early end is not a like-for-like time
                worst = {k: max(v, row[k]) for k, v in worst.items()}
            print(
                f"{problem:16} {label:13} {row['ms']:9.1f} {base[0] * 1e3:8.1f} "
                f"{row['ratio']:6.2f}   {row['cpu ms']:13.1f} {base[1] * 1e3:8.1f} "
                f"{row['cpu ratio']:6.2f}{ended}",
                flush=True,
            )
    print(
        f"worst: {worst['ms']:.1f} ms, ratio {worst['ratio']:.2f}; CPU {worst['cpu ms']:.1f} ms,"
        f" ratio {worst['cpu ratio']:.2f} (targets 50 ms, 1.5x)"
    )
    print(f"load average after: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
