"""Wall time of one sweep on each backend, measured in the same run.

The same sweep (schedules × seeds on Digits, LeNet, CPU) runs in-process one run after another
(the floor: no pool, no transfer), then on the local pool with 1 and 2 workers, then as Ray
tasks on a local Ray cluster started once (its start-up time is printed apart). Prints the
minimum wall time of ``--repeats`` and ratios against the in-process baseline.

    .venv/bin/python bench/sweep.py
    .venv/bin/python bench/sweep.py --seeds 4 --epochs 3 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from lrlab.sweep import Sweep, parse_sweep, run_sweep
from lrlab.sweep.backends import LocalBackend, RayBackend, init_ray
from lrlab.train.engine import train
from lrlab.train.store import RunStore


def spec(seeds: int, epochs: int, subset: int) -> dict:
    return {
        "base": {
            "optimizer": {"name": "SGD", "lr": 0.05, "momentum": 0.9},
            "train": {
                "dataset": "digits",
                "model": "lenet",
                "epochs": epochs,
                "batch_size": 32,
                "subset": subset,
                "device": "cpu",
            },
        },
        "variants": [
            {"label": "onecycle", "scheduler": {"name": "OneCycleLR", "max_lr": 0.2}},
            {"label": "cosine", "scheduler": {"name": "CosineAnnealingLR", "T_max": epochs}},
        ],
        "seeds": list(range(seeds)),
    }


def main() -> None:
    args = _arguments()
    sweep = parse_sweep(spec(args.seeds, args.epochs, args.subset))
    tmp = Path(tempfile.mkdtemp(prefix="lrlab-bench-sweep-"))
    os.environ.setdefault("RAY_TMPDIR", str(tmp / "ray"))
    store = RunStore(tmp / "runs.sqlite")
    print(
        f"{len(sweep.runs)} runs ({args.epochs} epochs, {args.subset} images),"
        f" {os.cpu_count()} cores"
    )
    t = time.perf_counter()
    init_ray(num_cpus=os.cpu_count())
    ray_start = time.perf_counter() - t
    first, best = _first_and_best(_cases(sweep, store), args.repeats)
    _print_table(first, best, ray_start)
    import ray

    ray.shutdown()


def _arguments() -> argparse.Namespace:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--subset", type=int, default=512)
    ap.add_argument("--repeats", type=int, default=2)
    return ap.parse_args()


def _cases(sweep: Sweep, store: RunStore) -> dict[str, Callable[[], float]]:
    """Each way of running the sweep, as a call that returns its wall time in seconds."""
    return {
        "in-process, serial, 1 thread": lambda: _in_process(sweep, 1),
        "in-process, serial, all cores": lambda: _in_process(sweep, os.cpu_count() or 1),
        "local, 1 worker": lambda: _on_backend(sweep, store, lambda: LocalBackend(1)),
        "local, 2 workers": lambda: _on_backend(sweep, store, lambda: LocalBackend(2)),
        "ray, 1 run at a time": lambda: _on_backend(sweep, store, lambda: RayBackend(workers=1)),
        "ray, 2 at a time": lambda: _on_backend(sweep, store, lambda: RayBackend(workers=2)),
    }


def _in_process(sweep: Sweep, threads: int) -> float:
    """The floor: every run trained here, one after another, with no pool and no transfer."""
    import torch

    torch.set_num_threads(threads)
    t = time.perf_counter()
    for run in sweep.runs:
        train(run.config)
    return time.perf_counter() - t


def _on_backend(
    sweep: Sweep, store: RunStore, backend_factory: Callable[[], LocalBackend | RayBackend]
) -> float:
    """The sweep through run_sweep on a fresh backend: a time counts only if every run
    completed."""
    t = time.perf_counter()
    report = run_sweep(sweep, store, backend_factory())
    assert all(r["status"] == "completed" for r in report["runs"]), report["runs"]
    return time.perf_counter() - t


def _first_and_best(
    cases: dict[str, Callable[[], float]], repeats: int
) -> tuple[dict[str, float], dict[str, float]]:
    first: dict[str, float] = {}
    best: dict[str, float] = {}
    for _ in range(repeats):  # interleaved, so load changes hit every case alike
        for name, case in cases.items():
            seconds = case()
            first.setdefault(name, seconds)
            best[name] = min(best.get(name, float("inf")), seconds)
    return first, best


def _print_table(first: dict[str, float], best: dict[str, float], ray_start: float) -> None:
    base = best["in-process, serial, 1 thread"]
    local1 = best["local, 1 worker"]
    print(f"ray cluster start (once): {ray_start:.1f} s")
    print("first: the first repeat (a local pool spawns its workers in every sweep; Ray's")
    print("workers start in the first sweep and are reused); best: the minimum of the repeats")
    print(f"{'case':32} {'first s':>8} {'best s':>8} {'vs serial-1':>12} {'vs local-1':>11}")
    for name, seconds in best.items():
        print(
            f"{name:32} {first[name]:8.1f} {seconds:8.1f} {seconds / base:12.2f}"
            f" {seconds / local1:11.2f}"
        )


if __name__ == "__main__":
    main()
