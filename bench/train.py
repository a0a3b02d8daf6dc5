"""Training throughput: lrlab's engine against a bare torch loop, measured in the same run.

Both loops train the same model at the same batch size on the same resident CIFAR-shaped
synthetic data (uint8 on the device, normalised and augmented there), step the same scheduler
per batch and evaluate once per epoch. The engine also emits every event into a SQLite run
store (the Train page's consumer). Prints images/s for each, their ratio (target >= 0.95) and
the projected seconds for a full 50,000-image CIFAR-10 epoch.

    .venv/bin/python bench/train.py                      # CPU, both models, batch 128 and 512
    .venv/bin/python bench/train.py --device cuda --images 50000 --epochs 3
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import lrlab.train.engine as engine
from lrlab.train.data import Dataset, augment
from lrlab.train.devices import resolve_device
from lrlab.train.models import build_model
from lrlab.train.store import RunStore


def synthetic(n_train: int, n_test: int = 1000, seed: int = 0) -> Dataset:
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 256, (n_train + n_test, 3, 32, 32), dtype=torch.uint8, generator=g)
    y = torch.randint(0, 10, (n_train + n_test,), generator=g)
    mean = torch.full((1, 3, 1, 1), 127.5)
    std = torch.full((1, 3, 1, 1), 73.9)
    return Dataset(
        "synthetic", x[:n_train], y[:n_train], x[n_train:], y[n_train:], mean, std, flip=True, pad=4
    )


def bare_loop(
    model_name: str, data: Dataset, batch: int, epochs: int, device: torch.device, seed: int = 0
) -> float:
    """The loop a practitioner would write; returns seconds for all epochs."""
    data = data.to(device)
    cuda = device.type == "cuda"
    torch.manual_seed(seed)
    model = build_model(model_name).to(device)
    if cuda:
        model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)
    steps = epochs * math.ceil(len(data.train_y) / batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=steps)
    gen = torch.Generator(device=device).manual_seed(seed)
    autocast = (
        torch.autocast("cuda", dtype=torch.bfloat16)
        if cuda
        else torch.autocast("cpu", enabled=False)
    )
    _sync(device)
    start = time.perf_counter()
    step = 0
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(data.train_y), device=device, generator=gen)
        for b in range(0, len(perm), batch):
            idx = perm[b : b + batch]
            x = augment(data.normalize(data.train_x[idx]), data.pad, data.flip, gen)
            if cuda:
                x = x.contiguous(memory_format=torch.channels_last)
            with autocast:
                loss = F.cross_entropy(model(x), data.train_y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            if step < steps:
                sched.step()
        model.eval()
        with torch.no_grad(), autocast:
            for i in range(0, len(data.test_y), 1000):
                x = data.normalize(data.test_x[i : i + 1000])
                model(x.contiguous(memory_format=torch.channels_last) if cuda else x)
    _sync(device)
    return time.perf_counter() - start


def engine_loop(
    model_name: str, data: Dataset, batch: int, epochs: int, device: str, db: Path
) -> float:
    """lrlab's engine with events recorded to SQLite; returns seconds from start to end."""
    engine.load_dataset = lambda *a, **k: data  # the engine's own loader, bypassed for the bench
    cfg = {
        "optimizer": {"name": "SGD", "lr": 0.05, "momentum": 0.9, "nesterov": True},
        "scheduler": {"name": "OneCycleLR", "max_lr": 0.1},
        "train": {
            "dataset": "cifar10",
            "model": model_name,
            "epochs": epochs,
            "batch_size": batch,
            "device": device,
            "step_per": "batch",
            "subset": len(data.train_y),
        },
    }
    store = RunStore(db)
    recorder = store.recorder(store.create_run(cfg))
    marks: dict[str, float] = {}

    def on_event(event: dict) -> None:
        if event["type"] in ("start", "end"):
            marks[event["type"]] = time.perf_counter()
        recorder(event)

    result = engine.train(cfg, on_event)
    if result.status != "completed":
        raise SystemExit(f"engine run {result.status}: {result.message}")
    return marks["end"] - marks["start"]


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--images",
        type=int,
        default=0,
        help="training images (default: 4096 for lenet, 1024 for resnet on cpu)",
    )
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--models", default="lenet,resnet")
    parser.add_argument("--batch-sizes", default="128,512")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    device = resolve_device(args.device)
    print(
        f"device {device} ({engine.device_name(device)}), torch {torch.__version__}, "
        f"{args.epochs} epochs, best of {args.repeats}"
    )
    print(
        f"{'model':<8}{'batch':>6}{'images':>8}{'bare img/s':>12}{'engine img/s':>14}"
        f"{'ratio':>7}{'50k epoch s (engine)':>22}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.models.split(","):
            default_n = 4096 if model == "lenet" else 1024
            n = args.images or (default_n if device.type == "cpu" else 50_000)
            data = synthetic(n)
            for batch in map(int, args.batch_sizes.split(",")):
                bare_loop(model, data, batch, 1, device)  # warm-up (cudnn autotune, caches)
                t_bare = min(
                    bare_loop(model, data, batch, args.epochs, device) for _ in range(args.repeats)
                )
                t_eng = min(
                    engine_loop(
                        model,
                        data,
                        batch,
                        args.epochs,
                        args.device,
                        Path(tmp) / f"{model}{batch}{r}.sqlite",
                    )
                    for r in range(args.repeats)
                )
                ips_bare, ips_eng = n * args.epochs / t_bare, n * args.epochs / t_eng
                print(
                    f"{model:<8}{batch:>6}{n:>8}{ips_bare:>12.0f}{ips_eng:>14.0f}"
                    f"{ips_eng / ips_bare:>7.2f}{50_000 / ips_eng:>22.2f}"
                )


if __name__ == "__main__":
    main()
