"""What training and the LR range test share: device, data, seeded model and optimizer, batches.

Both the engine (:mod:`lrlab.train.engine`) and the range test (:mod:`lrlab.rangetest.run`)
build their world here, so a range test sees exactly the model, data, augmentation and device
that a run of the same config trains on.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from lrlab.core.build import build_optimizer
from lrlab.train.config import RunConfig
from lrlab.train.data import Dataset, DatasetUnavailable, augment, load_dataset
from lrlab.train.devices import DeviceUnavailable, device_name, resolve_device
from lrlab.train.models import build_model, param_groups


@dataclass
class Setup:
    """The device, resident data, model and optimizer of one run (or one range-test repeat)."""

    train: Mapping[str, Any]  # the validated train section
    device: torch.device
    data: Dataset
    gen: torch.Generator  # data order and augmentation
    model: torch.nn.Module
    optimizer: Any
    autocast: AbstractContextManager

    @property
    def cuda(self) -> bool:
        return self.device.type == "cuda"

    def batch(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The (augmented, normalised) training images at ``idx`` and their labels."""
        x = self.data.normalize(self.data.train_x[idx])
        if self.train["augment"]:
            x = augment(x, self.data.pad, self.data.flip, self.gen)
        if self.cuda:
            x = x.contiguous(memory_format=torch.channels_last)
        return x, self.data.train_y[idx]

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The training loss of a batch (under autocast on CUDA) and the model's outputs."""
        with self.autocast:
            out = self.model(x)
            loss = F.cross_entropy(out, y, label_smoothing=self.train["label_smoothing"])
        return loss, out


def prepare(
    cfg: RunConfig,
    data_dir: str | Path | None = None,
    data: Dataset | None = None,
) -> Setup:
    """Device, data (``data`` reuses a loaded CPU dataset), the seeded model and the optimizer.

    Seeds torch's global generator with ``train.seed`` (the model's initialisation).
    """
    t = cfg.train
    device = resolve_device(t["device"])
    if data is None:
        data = load_dataset(t["dataset"], data_dir, t["subset"], t["seed"])
    data = data.to(device)
    torch.manual_seed(t["seed"])
    gen = torch.Generator(device=device).manual_seed(t["seed"])
    model = build_model(t["model"]).to(device)
    cuda = device.type == "cuda"
    if cuda:
        model = model.to(memory_format=torch.channels_last)
    groups = param_groups(model, len(cfg.schedule.param_groups))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        optimizer = build_optimizer(cfg.schedule, groups)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if cuda else nullcontext()
    return Setup(t, device, data, gen, model, optimizer, autocast)


def describe(device: torch.device) -> tuple[str, str]:
    """The device as text and its human name, for results and events."""
    return str(device), device_name(device)


def failure_message(exc: BaseException, batch_size: int, what: str = "training") -> str:
    """One line saying why a run could not go on (no dataset, no device, OOM, a bug)."""
    if isinstance(exc, DatasetUnavailable | DeviceUnavailable):
        return str(exc)
    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return (
            f"the GPU ran out of memory at batch size {batch_size}: lower the batch size "
            "or use a smaller model"
        )
    return f"{what} failed: {type(exc).__name__}: {exc}"
