"""The LR range test: lrlab against torch-lr-finder on the same model and batches, and which
suggestion method trains well, over several seeds, on Digits/LeNet.

1. Same LeNet initialisation, same optimizer (SGD, momentum 0.9), the same 100 batches: lrlab's
   range test and torch-lr-finder's ``range_test`` (its defaults: smoothing 0.05, stop at 5x).
   Prints both suggestions, their curves' lengths and the time ratio.
2. For each seed: lrlab's range test, then one-cycle training at each method's suggestion
   (max_lr); and a grid of fixed max_lr values for reference. Prints test accuracies.

    .venv/bin/python bench/lrfind.py                  # 3 seeds, 4 epochs
    .venv/bin/python bench/lrfind.py --seeds 5 --epochs 6
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import numpy as np
import torch

from lrlab.rangetest.curve import ramp, steepest, suggestions
from lrlab.rangetest.run import epoch_batches, find_lr, range_config, range_test_on
from lrlab.train.engine import train
from lrlab.train.setup import prepare

ITERS = 100


BATCH = {"size": 64}


def config(seed: int = 0, epochs: int = 4) -> dict:
    return {
        "optimizer": {"name": "SGD", "lr": 0.05, "momentum": 0.9, "weight_decay": 0.0005},
        "scheduler": {"name": "OneCycleLR", "max_lr": 0.05},
        "train": {
            "dataset": "digits",
            "model": "lenet",
            "batch_size": BATCH["size"],
            "device": "cpu",
            "seed": seed,
            "epochs": epochs,
        },
    }


def versus_torch_lr_finder() -> None:
    from torch_lr_finder import LRFinder

    cfg = range_config(config())
    setup = prepare(cfg)
    it = epoch_batches(setup)
    batches = [next(it) for _ in range(ITERS)]
    init = {k: v.clone() for k, v in setup.model.state_dict().items()}
    lrs = ramp(1e-7, 10.0, ITERS)

    start = time.perf_counter()
    mine = range_test_on(
        setup.model, setup.optimizer, iter(batches), lambda x, y: setup.loss(x, y)[0], lrs
    )
    t_mine = time.perf_counter() - start
    ours = suggestions(mine.lrs, mine.smoothed, ITERS)

    setup.model.load_state_dict(init)
    loader = torch.utils.data.DataLoader(batches, batch_size=None)
    finder = LRFinder(setup.model, setup.optimizer, torch.nn.CrossEntropyLoss(), device="cpu")
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        finder.range_test(loader, start_lr=1e-7, end_lr=10, num_iter=ITERS, step_mode="exp")
        fig = matplotlib.figure.Figure()
        _, theirs = finder.plot(suggest_lr=True, ax=fig.add_subplot())
    t_theirs = time.perf_counter() - start
    finder.reset()
    h = finder.history
    same_start = h["lr"][: len(mine.lrs)] == mine.lrs[: len(h["lr"])]
    print("same model, optimizer and 100 batches, 1e-7 -> 10 exp")
    print(
        f"  lrlab:           {len(mine.lrs)} steps (stop at 4x, fastai smoothing 0.98); "
        + ", ".join(f"{m} {v:.3g}" for m, v in ours.items() if v)
    )
    print(
        f"  torch-lr-finder: {len(h['lr'])} steps (stop at 5x, smoothing 0.05); "
        f"steepest {theirs:.3g}"
    )
    print(f"  lrlab's steepest on torch-lr-finder's curve: {steepest(h['lr'], h['loss']):.3g}")
    print(f"  same lr at every shared step: {same_start}")
    print(f"  time lrlab / torch-lr-finder: {t_mine / t_theirs:.2f}")


def accuracy(max_lr: float, seed: int, epochs: int) -> float:
    cfg = config(seed, epochs)
    cfg["scheduler"] = {"name": "OneCycleLR", "max_lr": max_lr}
    result = train(cfg)
    return result.test_accuracy if result.status == "completed" else float("nan")


def candidates(res: dict) -> dict[str, float | None]:
    """Each method's suggestion, plus candidate rules measured before choosing a default:
    the lr at the minimum divided by 3 and by 5 (fastai's rule with other factors)."""
    out = dict(res["suggestions"])
    lrs, sm = res["lrs"], [math.inf if v is None else v for v in res["smoothed_losses"]]
    lrs, sm = lrs[ITERS // 10 : len(sm) - 5], sm[ITERS // 10 : len(sm) - 5]
    if sm:
        at_min = lrs[int(np.argmin(sm))]
        out["min/3"], out["min/5"] = at_min / 3, at_min / 5
    return out


def methods_over_seeds(seeds: int, epochs: int, grid: list[float], extra: bool) -> None:
    print(f"\none-cycle, {epochs} epochs, at each method's suggestion (Digits/LeNet, SGD 0.9)")
    rows: dict[str, list[tuple[float, float]]] = {}
    for seed in range(seeds):
        res = find_lr(config(seed), {"iters": ITERS}).summary()
        for method, lr in (candidates(res) if extra else res["suggestions"]).items():
            acc = accuracy(lr, seed, epochs)
            rows.setdefault(method, []).append((lr, acc))
            print(f"  seed {seed} {method:9s} max_lr {lr:.3g}: test acc {acc:.3f}", flush=True)
    for method, vals in rows.items():
        lrs, accs = [v[0] for v in vals], [v[1] for v in vals]
        print(
            f"  {method:9s} median max_lr {statistics.median(lrs):.3g} "
            f"(range {min(lrs):.3g}-{max(lrs):.3g}), mean acc {statistics.mean(accs):.3f}, "
            f"min acc {min(accs):.3f}"
        )
    print(f"\nreference grid, {epochs} epochs")
    for lr in grid:
        accs = [accuracy(lr, seed, epochs) for seed in range(seeds)]
        each = " ".join(f"{a:.3f}" for a in accs)
        print(
            f"  max_lr {lr:g}: test acc {each}; mean {statistics.mean(accs):.3f}, "
            f"min {min(accs):.3f}",
            flush=True,
        )


# Which setting decides whether one-cycle for 4 epochs at find-lr's default suggestion reaches
# 95% on Digits/LeNet (issue #18, item 2): each row changes one thing from the example config.
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "train_digits.json"
SETTINGS = {
    "example (batch 64, nesterov)": {},
    "example, batch 128 (the old default)": {"train": {"batch_size": 128}},
    "example, batch 32": {"train": {"batch_size": 32}},
    "example, no nesterov (bench)": {"optimizer": {"nesterov": False}},
    "example, no augmentation": {"train": {"augment": False}},
    "example, weight decay 0": {"optimizer": {"weight_decay": 0.0}},
    "example, batch 32, no nesterov": {
        "optimizer": {"nesterov": False},
        "train": {"batch_size": 32},
    },
}


def setting_config(change: dict, seed: int, epochs: int) -> dict:
    import json

    cfg = json.loads(EXAMPLE.read_text())
    for section, values in change.items():
        cfg[section] = {**cfg[section], **values}
    cfg["train"] = {**cfg["train"], "seed": seed, "epochs": epochs}
    return cfg


def settings_matrix(seeds: int, epochs: int, grid: list[float], rows: str = "") -> None:
    """Per setting: find-lr's default suggestion (its CLI defaults: 100 steps, 1e-7..10),
    one-cycle for ``epochs`` at it, and at a few fixed max_lr values; test accuracy per seed."""
    print(f"\none-cycle, {epochs} epochs: find-lr's default suggestion and fixed max_lr")
    picked = [int(i) for i in rows.split(",") if i] or range(len(SETTINGS))
    for name, change in [list(SETTINGS.items())[i] for i in picked]:
        accs, lrs, fixed = [], [], {lr: [] for lr in grid}
        for seed in range(seeds):
            cfg = setting_config(change, seed, epochs)
            lr = find_lr(cfg, {"iters": ITERS}).summary()["suggested_lr"]
            for max_lr, out in [(lr, accs), *((g, fixed[g]) for g in grid)]:
                run = {**cfg, "scheduler": {"name": "OneCycleLR", "max_lr": max_lr}}
                result = train(run)
                out.append(result.test_accuracy if result.status == "completed" else math.nan)
            lrs.append(lr)
        grid_text = ", ".join(f"{g:g}: {statistics.mean(v):.3f}" for g, v in fixed.items())
        print(
            f"  {name:36s} suggested {'/'.join(f'{v:.3g}' for v in lrs)} -> acc "
            f"{' '.join(f'{a:.3f}' for a in accs)} (mean {statistics.mean(accs):.3f}); "
            f"fixed max_lr mean {grid_text}",
            flush=True,
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--grid", default="0.003,0.01,0.03,0.1,0.3,1")
    ap.add_argument("--skip-compare", action="store_true")
    ap.add_argument("--candidates", action="store_true", help="also min/3 and min/5")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--settings", action="store_true", help="the example config, one change a row")
    ap.add_argument("--rows", default="", help="with --settings: only these rows (0,2)")
    args = ap.parse_args()
    BATCH["size"] = args.batch_size
    torch.set_num_threads(1)  # the machine is shared; ratios, not absolute times
    if not args.skip_compare:
        versus_torch_lr_finder()
    grid = [float(v) for v in args.grid.split(",") if v]
    if args.settings:
        settings_matrix(args.seeds, args.epochs, grid, args.rows)
        return
    methods_over_seeds(args.seeds, args.epochs, grid, args.candidates)


if __name__ == "__main__":
    main()
