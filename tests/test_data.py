import pytest
import torch
from cifar_fixture import patch_md5, write_tiny_cifar10

from lrlab.train.data import DatasetUnavailable, augment, load_dataset
from lrlab.train.engine import train


def test_cifar10_loads_through_torchvision_from_the_real_format(tmp_path, monkeypatch):
    patch_md5(monkeypatch, write_tiny_cifar10(tmp_path))
    ds = load_dataset("cifar10", tmp_path)
    assert ds.train_x.shape == (100, 3, 32, 32) and ds.train_x.dtype == torch.uint8
    assert ds.test_x.shape == (30, 3, 32, 32)
    assert ds.train_y.dtype == torch.int64 and set(ds.train_y.tolist()) <= set(range(10))
    assert ds.flip and ds.pad == 4
    assert load_dataset("cifar10", tmp_path, subset=40).train_x.shape[0] == 40


def test_cifar10_tarball_is_extracted_without_network(tmp_path, monkeypatch):
    monkeypatch.setenv("LRLAB_OFFLINE", "1")
    patch_md5(monkeypatch, write_tiny_cifar10(tmp_path, tarball=True))
    assert not (tmp_path / "cifar-10-batches-py").exists()
    ds = load_dataset("cifar10", tmp_path)
    assert ds.train_x.shape[0] == 100


def test_missing_cifar10_says_where_to_put_the_tarball(tmp_path, monkeypatch):
    monkeypatch.setenv("LRLAB_OFFLINE", "1")
    with pytest.raises(DatasetUnavailable) as err:
        load_dataset("cifar10", tmp_path / "empty")
    assert "cifar-10-python.tar.gz" in str(err.value) and str(tmp_path / "empty") in str(err.value)
    result = train(
        {
            "optimizer": {"name": "SGD", "lr": 0.01},
            "scheduler": {"name": "ConstantLR"},
            "train": {"dataset": "cifar10", "epochs": 1, "device": "cpu"},
        },
        data_dir=tmp_path / "empty",
    )
    assert result.status == "failed" and "cifar-10-python.tar.gz" in result.message


def test_engine_trains_on_the_tiny_cifar10(tmp_path, monkeypatch):
    patch_md5(monkeypatch, write_tiny_cifar10(tmp_path))
    monkeypatch.setenv("LRLAB_DATA_DIR", str(tmp_path))
    cfg = {
        "optimizer": {"name": "Adam", "lr": 0.003},
        "scheduler": {"name": "ConstantLR"},
        "train": {
            "dataset": "cifar10",
            "model": "resnet",
            "epochs": 2,
            "batch_size": 50,
            "device": "cpu",
        },
    }
    events = []
    result = train(cfg, events.append)
    assert result.status == "completed", result.message
    assert result.dataset == "cifar10" and result.epochs == 2
    assert sum(e["type"] == "step" for e in events) == 4


def test_digits_is_fixed_scaled_and_split():
    a, b = load_dataset("digits"), load_dataset("digits")
    assert a.train_x.shape == (1437, 3, 32, 32) and a.test_x.shape == (360, 3, 32, 32)
    assert torch.equal(a.train_x, b.train_x) and torch.equal(a.test_y, b.test_y)
    assert a.train_x.max() > 200 and not a.flip  # a flipped digit is another digit
    assert torch.equal(a.train_x[:, 0], a.train_x[:, 2])  # grey in three channels


def test_augment_is_a_batched_crop_and_flip():
    x = torch.arange(2 * 3 * 8 * 8, dtype=torch.float32).view(2, 3, 8, 8)
    gen = torch.Generator().manual_seed(0)
    out = augment(x, pad=2, flip=True, generator=gen)
    assert out.shape == x.shape
    same = augment(x, pad=0, flip=False, generator=gen)
    assert torch.equal(same, x)
    flips = augment(x.repeat(50, 1, 1, 1), pad=0, flip=True, generator=gen)
    flipped = (flips == x.repeat(50, 1, 1, 1).flip(3)).flatten(1).all(1)
    assert 0 < flipped.sum() < 100
