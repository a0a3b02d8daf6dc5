"""A sweep on a Ray cluster with GPUs: a run on device "auto" takes a GPU, so as many run at
once as the cluster has GPUs (a run per GPU), not as many as it has CPUs."""

import shutil
import tempfile

import pytest

from lrlab.sweep import parse_sweep
from lrlab.sweep.backends import RayBackend


def spec(device):
    train = {"dataset": "digits", "model": "lenet", "epochs": 1, "device": device}
    return {
        "base": {"optimizer": {"name": "SGD", "lr": 0.05}, "train": train},
        "variants": [{"label": "c", "scheduler": {"name": "ConstantLR", "factor": 1.0}}],
        "seeds": [0, 1, 2, 3],
    }


@pytest.mark.slow
def test_auto_and_cuda_runs_take_a_gpu_each_and_cpu_runs_a_core(monkeypatch):
    import ray

    # A real local cluster that declares one GPU (Ray trusts the count it is given), two CPUs.
    tmp = tempfile.mkdtemp(prefix="ray")  # short: Ray's socket paths have a length limit
    monkeypatch.setenv("RAY_TMPDIR", tmp)
    ray.init(num_cpus=2, num_gpus=1, include_dashboard=False, log_to_driver=False)
    try:
        slots = {}
        for device in ("auto", "cuda", "cpu"):
            backend = RayBackend()
            backend.start([r.config for r in parse_sweep(spec(device)).runs])
            slots[device] = backend.slots
        assert slots == {"auto": 1, "cuda": 1, "cpu": 2}
    finally:
        ray.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
