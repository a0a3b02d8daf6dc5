"""N training runs started at once take about N times one run (issue 11): one device queue.

Starts ``python -m lrlab train`` on Digits (LeNet, CPU) once alone, then N of them at the same
moment sharing one run database, so they take turns through the device slots next to it
(lrlab/train/slots.py). Prints the wall time of N at once against N x the wall time of one
alone, measured in the same run (target: about 1x, not the 10x of runs thrashing the cores).
``--unqueued`` also starts N at once on N separate databases: no shared slots, the old
behaviour, as a second baseline. Each time is the minimum of ``--repeats``, the modes
taking turns within each repeat.

    .venv/bin/python bench/device_queue.py                  # 4 runs of 2 epochs
    .venv/bin/python bench/device_queue.py -n 3 --epochs 3 --unqueued
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from lrlab.train.slots import slot_count  # noqa: E402


def run_config(epochs: int, subset: int) -> dict:
    return {
        "optimizer": {"name": "SGD", "lr": 0.05, "momentum": 0.9},
        "scheduler": {"name": "CosineAnnealingLR", "T_max": epochs},
        "train": {
            "dataset": "digits",
            "model": "lenet",
            "epochs": epochs,
            "batch_size": 64,
            "subset": subset,
            "device": "cpu",
        },
    }


def start_together(config: Path, dbs: list[Path]) -> tuple[float, list[dict], int]:
    """Start one CLI run per database path at once; wall seconds until the last one ended,
    their JSON summaries, and how many said they waited for the device."""
    # The lock dir follows --db (as for a user's shell): no $LRLAB_LOCK_DIR from outside.
    env = {k: v for k, v in os.environ.items() if k != "LRLAB_LOCK_DIR"}
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "lrlab", "train", str(config), "--db", str(db), "--no-progress"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for db in dbs
    ]
    outs = [p.communicate() for p in procs]
    wall = time.perf_counter() - start
    for p, (_, err) in zip(procs, outs, strict=True):
        if p.returncode != 0:
            raise SystemExit(f"a run failed: {err.strip()[-500:]}")
    summaries = [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]
    waited = sum("waiting for the cpu device" in err for _, err in outs)
    return wall, summaries, waited


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--runs", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--subset", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--unqueued", action="store_true", help="also N runs on N databases")
    args = parser.parse_args()
    n = args.runs
    tmp = Path(tempfile.mkdtemp(prefix="lrlab-bench-queue-"))
    config = tmp / "run.json"
    config.write_text(json.dumps(run_config(args.epochs, args.subset)))
    print(
        f"{n} x `lrlab train` (Digits, LeNet, {args.epochs} epochs, {args.subset} images, cpu); "
        f"{slot_count('cpu')} cpu slot(s); {os.cpu_count()} cores; load "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; best of {args.repeats}"
    )
    modes = {
        "one run alone": lambda r: [tmp / f"one{r}" / "runs.sqlite"],
        f"{n} at once, one database": lambda r: [tmp / f"shared{r}" / "runs.sqlite"] * n,
    }
    if args.unqueued:
        modes[f"{n} at once, {n} databases (no queue)"] = lambda r: [
            tmp / f"apart{r}-{i}" / "runs.sqlite" for i in range(n)
        ]
    # Modes take turns within each repeat, so a change in the machine's load hits them alike.
    best: dict[str, tuple[float, list[dict], int]] = {}
    for r in range(args.repeats):
        for mode, dbs in modes.items():
            measured = start_together(config, dbs(r))
            if mode not in best or measured[0] < best[mode][0]:
                best[mode] = measured
    one = best["one run alone"][0]
    for mode, (wall, runs, waited) in best.items():
        each = sorted(s["seconds"] for s in runs)
        if len(runs) == 1:
            print(f"{mode:<34}{wall:>8.1f} s (the run itself {each[0]:.1f} s)")
            continue
        print(
            f"{mode:<34}{wall:>8.1f} s = {wall / (n * one):.2f} x {n} x one run; {waited} waited "
            f"for the device; {each[0]:.1f}-{each[-1]:.1f} s each (waits included)"
        )
    print(f"load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
