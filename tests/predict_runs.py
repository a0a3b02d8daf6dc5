"""Three tiny real Digits runs to fit a loss model to, trained once per test session.

LeNet with Adam (it leaves the initial plateau within a few steps, so 46 steps have a curve),
2 epochs of 23 batches, per-batch stepping: constant, cosine to 0 and step decay, the issue's
three fitted shapes. Trained in this process through the engine and the store's recorder,
exactly as the app's job runner records a run.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from lrlab.train.config import parse_run
from lrlab.train.engine import train
from lrlab.train.store import RunStore

TINY = {"epochs": 2, "batch_size": 64, "step_per": "batch", "subset": 960}
ADAM = {"name": "Adam", "lr": 0.002}
BATCHES = 15  # 960 of Digits' training images in batches of 64
N = TINY["epochs"] * BATCHES
FITTED = {
    "constant": {"name": "ConstantLR", "factor": 1.0, "total_iters": 0},
    "cosine": {"name": "CosineAnnealingLR", "T_max": N},
    "step": {"name": "MultiStepLR", "milestones": [N // 2, 3 * N // 4], "gamma": 0.1},
}


def digits_run(scheduler: dict, **train_kw) -> dict:
    return {
        "optimizer": dict(ADAM),
        "scheduler": scheduler,
        "train": {"dataset": "digits", "model": "lenet", "device": "cpu", "seed": 0,
                  **TINY, **train_kw},
    }  # fmt: skip


def make_fit_db(db: Path) -> list[str]:
    """Train the three runs into ``db``; their ids, in FITTED's order."""
    store, ids = RunStore(db), []
    for name, sched in FITTED.items():
        run = parse_run(digits_run(sched))
        run_id = store.create_run(run, name=f"fit {name}")
        result = train(run, on_event=store.recorder(run_id))
        assert result.status == "completed", result.message
        ids.append(run_id)
    return ids


def copy_db(src: Path, dst: Path) -> Path:
    """A copy of a run database, its write-ahead log included (SQLite's backup)."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return dst
