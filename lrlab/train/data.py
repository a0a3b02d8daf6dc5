"""Datasets as resident uint8 tensors, with batched normalisation and augmentation on device.

No per-sample PIL transforms and no worker processes: the whole dataset lives on the training
device as one tensor, and a batch is an index into it (the airbench approach).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

CIFAR10_TARBALL = "cifar-10-python.tar.gz"
DATASET_SIZES = {"cifar10": (50_000, 10_000), "digits": (1_437, 360)}  # (train, test)
NUM_CLASSES = {"cifar10": 10, "digits": 10}


class DatasetUnavailable(RuntimeError):
    """The dataset is not on disk and cannot be downloaded; the message says what to do."""


@dataclass
class Dataset:
    name: str
    train_x: torch.Tensor  # uint8, (N, 3, 32, 32)
    train_y: torch.Tensor  # int64, (N,)
    test_x: torch.Tensor
    test_y: torch.Tensor
    mean: torch.Tensor  # float32, (1, 3, 1, 1), in uint8 units
    std: torch.Tensor
    flip: bool  # horizontal flips are label-preserving (not for digits)
    pad: int  # random-crop padding

    def to(self, device: torch.device) -> Dataset:
        move = {
            k: getattr(self, k).to(device)
            for k in ("train_x", "train_y", "test_x", "test_y", "mean", "std")
        }
        return Dataset(self.name, **move, flip=self.flip, pad=self.pad)

    def normalize(self, x: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        return ((x.to(dtype) - self.mean.to(dtype)) / self.std.to(dtype)).contiguous()


def default_data_dir() -> Path:
    """``$LRLAB_DATA_DIR``, else the user's cache directory (e.g. ~/.cache/lrlab/data)."""
    env = os.environ.get("LRLAB_DATA_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("lrlab")) / "data"


def load_dataset(
    name: str, data_dir: str | Path | None = None, subset: int | None = None, seed: int = 0
) -> Dataset:
    """Load ``cifar10`` or ``digits`` on the CPU; ``subset`` keeps that many training images."""
    if name == "cifar10":
        ds = _cifar10(Path(data_dir) if data_dir else default_data_dir())
    elif name == "digits":
        ds = _digits()
    else:
        raise ValueError(f"unknown dataset {name!r}")
    if subset is not None and subset < len(ds.train_y):
        keep = torch.randperm(len(ds.train_y), generator=torch.Generator().manual_seed(seed))
        keep = keep[:subset].sort().values
        ds.train_x, ds.train_y = ds.train_x[keep], ds.train_y[keep]
    return ds


def _stats(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    flat = x.float().transpose(0, 1).reshape(3, -1)
    return flat.mean(1).view(1, 3, 1, 1), flat.std(1).clamp_min(1.0).view(1, 3, 1, 1)


def _cifar10(root: Path) -> Dataset:
    from torchvision.datasets import CIFAR10

    allow_download = os.environ.get("LRLAB_OFFLINE", "") not in ("1", "true", "yes")
    try:
        train = CIFAR10(str(root), train=True, download=False)
        test = CIFAR10(str(root), train=False, download=False)
    except RuntimeError:
        # torchvision extracts a tarball placed in root without any network access.
        if not (root / CIFAR10_TARBALL).exists() and not allow_download:
            raise DatasetUnavailable(_missing_message(root)) from None
        try:
            train = CIFAR10(str(root), train=True, download=True)
            test = CIFAR10(str(root), train=False, download=True)
        except Exception as exc:  # network errors come in many types
            raise DatasetUnavailable(f"{_missing_message(root)} ({exc})") from None

    def tensors(ds: CIFAR10) -> tuple[torch.Tensor, torch.Tensor]:
        x = torch.from_numpy(np.ascontiguousarray(ds.data)).permute(0, 3, 1, 2).contiguous()
        return x, torch.tensor(ds.targets, dtype=torch.int64)

    train_x, train_y = tensors(train)
    test_x, test_y = tensors(test)
    mean, std = _stats(train_x)
    return Dataset("cifar10", train_x, train_y, test_x, test_y, mean, std, flip=True, pad=4)


def _missing_message(root: Path) -> str:
    return (
        f"CIFAR-10 is not in {root} and cannot be downloaded here. Put {CIFAR10_TARBALL} "
        f"(from https://www.cs.toronto.edu/~kriz/cifar.html) in {root}, or set "
        "LRLAB_DATA_DIR; or train on the offline Digits dataset"
    )


def _digits() -> Dataset:
    """scikit-learn's 1,797 bundled 8x8 digits, scaled to 3x32x32 uint8, fixed 80/20 split."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = torch.from_numpy(digits.images).float().unsqueeze(1) * (255.0 / 16.0)
    x = F.interpolate(x, size=(32, 32), mode="bilinear", align_corners=False)
    x = x.clamp(0, 255).round().to(torch.uint8).expand(-1, 3, -1, -1).contiguous()
    y = torch.from_numpy(digits.target).long()
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
    n_train = DATASET_SIZES["digits"][0]
    tr, te = order[:n_train].sort().values, order[n_train:].sort().values
    mean, std = _stats(x[tr])
    return Dataset("digits", x[tr], y[tr], x[te], y[te], mean, std, flip=False, pad=2)


def augment(x: torch.Tensor, pad: int, flip: bool, generator: torch.Generator) -> torch.Tensor:
    """Random crop with padding and random horizontal flip, for a whole batch at once."""
    n, _, h, w = x.shape
    device = x.device
    if pad:
        padded = F.pad(x, (pad, pad, pad, pad), mode="reflect")
        oy = torch.randint(0, 2 * pad + 1, (n,), device=device, generator=generator)
        ox = torch.randint(0, 2 * pad + 1, (n,), device=device, generator=generator)
        rows = (oy[:, None] + torch.arange(h, device=device))[:, None, :, None]
        cols = (ox[:, None] + torch.arange(w, device=device))[:, None, None, :]
        batch = torch.arange(n, device=device)[:, None, None, None]
        chans = torch.arange(x.shape[1], device=device)[None, :, None, None]
        x = padded[batch, chans, rows, cols]
    if flip:
        mask = torch.rand(n, device=device, generator=generator) < 0.5
        x = torch.where(mask[:, None, None, None], x.flip(3), x)
    return x
