"""Writes a tiny CIFAR-10 in the real on-disk format (python pickles, optionally as the
tarball), so the real torchvision loading code runs in tests without the 170 MB download."""

from __future__ import annotations

import hashlib
import pickle
import tarfile
from pathlib import Path

import numpy as np
from torchvision.datasets import CIFAR10

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def write_tiny_cifar10(
    root: Path, per_batch: int = 20, test: int = 30, tarball: bool = False, seed: int = 0
) -> dict:
    """Write the dataset under root; returns the md5 table to patch into CIFAR10."""
    rng = np.random.default_rng(seed)
    folder = root / CIFAR10.base_folder
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for name in names:
        n = test if name == "test_batch" else per_batch
        labels = rng.integers(0, 10, n)
        # Class-dependent brightness so a model can learn something from it.
        data = (rng.integers(0, 64, (n, 3072)) + labels[:, None] * 19).astype(np.uint8)
        entry = {
            "batch_label": name,
            "labels": labels.tolist(),
            "data": data,
            "filenames": [f"{name}_{i}.png" for i in range(n)],
        }
        (folder / name).write_bytes(pickle.dumps(entry))
    (folder / "batches.meta").write_bytes(pickle.dumps({"label_names": CLASSES}))
    md5 = {name: _md5(folder / name) for name in [*names, "batches.meta"]}
    if tarball:
        with tarfile.open(root / CIFAR10.filename, "w:gz") as tar:
            tar.add(folder, arcname=CIFAR10.base_folder)
        md5["tgz"] = _md5(root / CIFAR10.filename)
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    return md5


def patch_md5(monkeypatch, md5: dict) -> None:
    """Point torchvision's integrity checks at the tiny files (the loading code is unchanged)."""
    monkeypatch.setattr(
        CIFAR10, "train_list", [[f"data_batch_{i}", md5[f"data_batch_{i}"]] for i in range(1, 6)]
    )
    monkeypatch.setattr(CIFAR10, "test_list", [["test_batch", md5["test_batch"]]])
    monkeypatch.setattr(CIFAR10, "meta", {**CIFAR10.meta, "md5": md5["batches.meta"]})
    if "tgz" in md5:
        monkeypatch.setattr(CIFAR10, "tgz_md5", md5["tgz"])
