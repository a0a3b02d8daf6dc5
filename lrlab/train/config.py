"""The run config: a schedule config plus a ``train`` section, validated with the catalog's
own machinery. The schedule's ``steps`` is derived from epochs (and batches per epoch when the
scheduler is stepped per batch), so a user never computes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lrlab.catalog import SCHEDULERS, Param
from lrlab.core.config import MAX_STEPS, Context, check_kwargs, validate
from lrlab.core.errors import ConfigError
from lrlab.core.schedule import Schedule, from_validated
from lrlab.core.steps import STEPPINGS, batches_per_epoch, scheduler_steps, usual_step_per
from lrlab.train.data import DATASET_SIZES
from lrlab.train.models import MODELS

TRAIN_PARAMS: tuple[Param, ...] = (
    Param(
        "dataset",
        "choice",
        "cifar10",
        "CIFAR-10, or the offline Digits dataset.",
        choices=tuple(DATASET_SIZES),
    ),
    Param(
        "model",
        "choice",
        "lenet",
        "lenet (the seeds' network) or resnet (fast, accurate).",
        choices=MODELS,
    ),
    Param("epochs", "int", 10, "Passes over the training set.", ge=1, le=500),
    Param(
        "batch_size",
        "int",
        128,
        "Images per optimizer step (default: 64 on Digits, 128 on CIFAR-10).",
        ge=1,
        le=8192,
    ),
    Param(
        "subset", "int", None, "Train on this many images only (null: all).", ge=1, nullable=True
    ),
    Param(
        "device",
        "choice",
        "auto",
        "Where to train; auto picks cuda, then mps, then cpu.",
        choices=("auto", "cuda", "mps", "cpu"),
    ),
    Param(
        "seed",
        "int",
        0,
        "Seed for initialisation, data order and augmentation.",
        ge=0,
        le=2**31 - 1,
    ),
    Param(
        "step_per",
        "choice",
        None,
        "Step the scheduler per epoch or per batch (default: the scheduler's usual).",
        choices=STEPPINGS,
        nullable=True,
    ),
    Param("augment", "bool", True, "Random crops (and flips for CIFAR-10) while training."),
    Param(
        "label_smoothing", "float", 0.0, "Label smoothing of the cross-entropy loss.", ge=0, lt=1
    ),
)
TRAIN_DEFAULTS = {p.name: p.default for p in TRAIN_PARAMS}
# A batch size left out is the dataset's: Digits has 1,437 training images, so at 128 an epoch
# is 12 steps, and one-cycle for 4 epochs reached 33% test accuracy (8 epochs: 91%) where 64
# reached 89% (8 epochs: 99%) (bench/lrfind.py --settings, 3 seeds). The Train and Sweep pages
# already start Digits at 64.
DATASET_BATCH = {"digits": 64, "cifar10": 128}


def fill_train(given: Mapping[str, Any]) -> dict[str, Any]:
    """A (checked) train section with the defaults filled, the batch size the dataset's."""
    train = {**TRAIN_DEFAULTS, **given}
    if given.get("batch_size") is None:
        train["batch_size"] = DATASET_BATCH.get(train["dataset"], TRAIN_DEFAULTS["batch_size"])
    return train


def validate_run(config: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a run config; returns it normalised with ``steps`` and the train defaults filled.

    Raises :class:`ConfigError` naming the field, before any data is loaded.
    """
    if not isinstance(config, Mapping):
        raise ConfigError("", "the config must be a JSON object")
    given = config.get("train", {})
    if not isinstance(given, Mapping):  # false, 0 or [] are not "no settings": say so
        raise ConfigError("train", f"must be an object of training settings, got {given!r:.40}")
    ctx = Context("train", 1, "", None, 1)
    train = fill_train(check_kwargs(TRAIN_PARAMS, dict(given), "train", ctx))
    sched = config.get("scheduler")
    spec = SCHEDULERS.get(sched.get("name")) if isinstance(sched, Mapping) else None
    if train["step_per"] is None:
        train["step_per"] = usual_step_per(sched)
    steps = scheduler_steps(train["epochs"], train_batches(train), train["step_per"])
    if steps > MAX_STEPS:
        raise ConfigError("train.epochs", f"{steps} scheduler steps is more than {MAX_STEPS}")
    if config.get("start_step"):  # a resumed schedule needs the checkpoint's weights too
        raise ConfigError("start_step", "training starts at step 0; set start_step to 0")
    schedule = {k: v for k, v in config.items() if k != "train"}
    if spec is not None and spec.needs_metric:
        if train["step_per"] != "epoch":
            raise ConfigError(
                "train.step_per",
                "ReduceLROnPlateau steps on the test loss, once per epoch; set step_per to epoch",
            )
        # The real metric is the test loss; a placeholder lets the schedule validate.
        schedule["scheduler"] = {**sched, "metrics": sched.get("metrics", {})}
    cfg = validate(schedule, steps=steps)
    cfg["train"] = train
    return cfg


@dataclass(frozen=True)
class RunConfig:
    """A validated run: the schedule (steps already set from the train section) and the train
    section with its defaults filled. Treat the mapping as read-only."""

    schedule: Schedule
    train: Mapping[str, Any]

    @property
    def batches_per_epoch(self) -> int:
        return train_batches(self.train)

    @property
    def view(self) -> dict[str, Any]:
        """The run laid out as Explore shows a schedule: epochs, batches and stepping."""
        return {
            "epochs": self.train["epochs"],
            "steps_per_epoch": self.batches_per_epoch,
            "step_per": self.train["step_per"],
        }

    def to_json(self) -> dict[str, Any]:
        """The normalised run config (what the store saves); parse_run() takes it back."""
        return {**self.schedule.to_json(), "train": dict(self.train)}

    def explore_config(self, test_losses: list[float] | None = None) -> dict[str, Any]:
        """The run's schedule as an Explore config over the run's epochs and batches.

        ``test_losses`` (one per epoch, what ReduceLROnPlateau really saw) replace the
        placeholder metric when the run has them all."""
        cfg = {k: v for k, v in self.schedule.to_json().items() if k != "steps"}
        cfg["view"] = self.view
        needs_metric = SCHEDULERS[self.schedule.scheduler_name].needs_metric
        if needs_metric and test_losses is not None and len(test_losses) == self.train["epochs"]:
            cfg["scheduler"]["metrics"] = list(test_losses)
        return cfg


def parse_run(config: Mapping[str, Any] | RunConfig) -> RunConfig:
    """Validate a run config once and return its :class:`RunConfig` (a RunConfig passes
    through). Raises :class:`ConfigError` naming the field, before any data is loaded."""
    if isinstance(config, RunConfig):
        return config
    cfg = validate_run(config)
    train = cfg.pop("train")
    return RunConfig(from_validated(cfg), train)


def train_batches(train: Mapping[str, Any]) -> int:
    """Batches per epoch of a (filled) train section: its dataset, subset and batch size."""
    n_train = DATASET_SIZES[train["dataset"]][0]
    if train.get("subset") is not None:
        n_train = min(n_train, train["subset"])
    return batches_per_epoch(n_train, train["batch_size"])
