"""The train section of the tests' short runs, shared: one epoch of 256 Digits images at batch
32, unaugmented, on the CPU (seconds per run, even on a loaded machine)."""

TINY_TRAIN = {
    "dataset": "digits",
    "model": "lenet",
    "epochs": 1,
    "batch_size": 32,
    "subset": 256,
    "device": "cpu",
    "augment": False,
}
