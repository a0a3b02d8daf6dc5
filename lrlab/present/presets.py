"""Common recipes, each a full config with its view: what practitioners actually use."""

from __future__ import annotations

import copy
import functools
from typing import Any

from lrlab.core.schedule import Schedule, parse
from lrlab.io.links import schedule_difference

_SGD = {"name": "SGD", "lr": 0.1, "momentum": 0.9, "weight_decay": 0.0001}

PRESETS: dict[str, dict[str, Any]] = {
    "ResNet step decay (StepLR 30/60/90)": {
        "description": "He et al. 2015: SGD at 0.1, divided by 10 every 30 epochs.",
        "config": {
            "optimizer": _SGD,
            "scheduler": {"name": "StepLR", "step_size": 30, "gamma": 0.1},
            "view": {"epochs": 100, "step_per": "epoch", "log_y": True},
        },
    },
    "Cosine with linear warmup": {
        "description": "5 epochs of linear warmup from 1% of the rate, then cosine decay.",
        "config": {
            "optimizer": _SGD,
            "scheduler": {
                "name": "SequentialLR",
                "schedulers": [
                    {"name": "LinearLR", "start_factor": 0.01, "total_iters": 5},
                    {"name": "CosineAnnealingLR", "T_max": 95},
                ],
                "milestones": [5],
            },
            "view": {"epochs": 100, "step_per": "epoch"},
        },
    },
    "One-cycle (fastai)": {
        "description": "Smith's 1cycle: warm up to max_lr for 30%, anneal far below the start; "
        "momentum cycles the other way. Stepped every batch.",
        "config": {
            "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9, "weight_decay": 0.0005},
            "scheduler": {"name": "OneCycleLR", "max_lr": 0.4},
            "view": {"epochs": 10, "steps_per_epoch": 100, "step_per": "batch"},
        },
    },
    "Transformer: linear warmup + linear decay": {
        "description": "Hugging Face's get_linear_schedule_with_warmup as a LambdaLR: 10% "
        "warmup, then linear decay to zero. AdamW, stepped every batch.",
        "config": {
            "optimizer": {"name": "AdamW", "lr": 0.0005, "weight_decay": 0.01},
            "scheduler": {
                "name": "LambdaLR",
                "lr_lambda": "max(0, min(epoch / 300, (3000 - epoch) / 2700))",
            },
            "view": {"epochs": 3, "steps_per_epoch": 1000, "step_per": "batch"},
        },
    },
    "SGDR warm restarts": {
        "description": "Loshchilov & Hutter 2017: cosine cycles of 10, 20, 40 epochs.",
        "config": {
            "optimizer": _SGD,
            "scheduler": {
                "name": "CosineAnnealingWarmRestarts",
                "T_0": 10,
                "T_mult": 2,
                "eta_min": 0.0001,
            },
            "view": {"epochs": 70, "step_per": "epoch"},
        },
    },
    "ReduceLROnPlateau on a noisy loss": {
        "description": "Halve the rate after 5 epochs without improvement of a synthetic "
        "validation loss.",
        "config": {
            "optimizer": _SGD,
            "scheduler": {
                "name": "ReduceLROnPlateau",
                "factor": 0.5,
                "patience": 5,
                "metrics": {"start": 2.3, "floor": 0.3, "decay": 15.0, "noise": 0.03, "seed": 0},
            },
            "view": {"epochs": 100, "step_per": "epoch"},
        },
    },
    "Seeds: two-group LambdaLR": {
        "description": "The seed article's example: group 0 grows every 3 epochs, group 1 "
        "decays by 5% per epoch.",
        "config": {
            "optimizer": {"name": "SGD", "lr": 0.001, "momentum": 0.9, "weight_decay": 0.0001},
            "param_groups": [{}, {"lr": 0.1}],
            "scheduler": {"name": "LambdaLR", "lr_lambda": ["epoch // 3", "0.95 ** epoch"]},
            "view": {"epochs": 10, "step_per": "epoch"},
        },
    },
    "Cyclical (triangular2)": {
        "description": "Smith 2017: triangles between 0.001 and 0.1 whose height halves "
        "every cycle.",
        "config": {
            "optimizer": {"name": "SGD", "lr": 0.01, "momentum": 0.9},
            "scheduler": {
                "name": "CyclicLR",
                "base_lr": 0.001,
                "max_lr": 0.1,
                "step_size_up": 200,
                "mode": "triangular2",
            },
            "view": {"epochs": 8, "steps_per_epoch": 100, "step_per": "batch"},
        },
    },
    "Digits starter (one-cycle, SGD)": {
        "description": "A gentle one-cycle that trains LeNet on Digits to ~97% in seconds "
        "on a CPU: the Train page's first schedule.",
        "config": {
            "optimizer": {"name": "SGD", "lr": 0.05, "momentum": 0.9, "weight_decay": 0.0005},
            "scheduler": {"name": "OneCycleLR", "max_lr": 0.05},
            "view": {"epochs": 8, "steps_per_epoch": 23, "step_per": "batch"},
        },
    },
    "Exponential decay": {
        "description": "Multiply the rate by 0.95 every epoch.",
        "config": {
            "optimizer": {"name": "Adam", "lr": 0.001},
            "scheduler": {"name": "ExponentialLR", "gamma": 0.95},
            "view": {"epochs": 60, "step_per": "epoch"},
        },
    },
    "Hugging Face Trainer default (transformers:linear)": {
        "description": "What TrainingArguments gives you untouched: AdamW at 5e-5, no weight "
        "decay, lr_scheduler_type linear with warmup_steps 0, stepped every optimizer step "
        "over 3 epochs.",
        "config": {
            "optimizer": {"name": "AdamW", "lr": 5e-5, "weight_decay": 0.0},
            "scheduler": {"name": "transformers:linear", "num_warmup_steps": 0},
            "view": {"epochs": 3, "steps_per_epoch": 500, "step_per": "batch"},
        },
    },
    "LLM warmup-stable-decay (transformers:warmup_stable_decay)": {
        "description": "Pretraining-style WSD: 200 warmup steps, a long stable phase at 3e-4 "
        "and a 1-sqrt cooldown over the last 20% to a 10% floor. AdamW with betas "
        "(0.9, 0.95) and weight decay 0.1.",
        "config": {
            "optimizer": {
                "name": "AdamW",
                "lr": 3e-4,
                "betas": [0.9, 0.95],
                "weight_decay": 0.1,
            },
            "scheduler": {
                "name": "transformers:warmup_stable_decay",
                "num_warmup_steps": 200,
                "num_decay_steps": 400,
                "decay_type": "1-sqrt",
                "min_lr_ratio": 0.1,
            },
            "view": {"epochs": 2, "steps_per_epoch": 1000, "step_per": "batch"},
        },
    },
    "timm ImageNet cosine (timm:CosineLRScheduler)": {
        "description": "timm's train.py defaults: SGD at 0.1 (batch 256) with momentum 0.9 "
        "and weight decay 2e-5, cosine over 300 epochs after 5 warmup epochs from 1e-5 "
        "(warmup_prefix off: the cosine clock runs during warmup), stepped per epoch.",
        "config": {
            "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9, "weight_decay": 2e-5},
            "scheduler": {
                "name": "timm:CosineLRScheduler",
                "t_initial": 300,
                "warmup_t": 5,
                "warmup_lr_init": 1e-5,
            },
            "view": {"epochs": 300, "step_per": "epoch"},
        },
    },
    "timm's ImageNet cosine as torch users write it (SequentialLR)": {
        "description": "The torch look-alike of timm's recipe: LinearLR from 1e-5 over 5 "
        "epochs, then CosineAnnealingLR over the remaining 295. Compare it with the timm "
        "preset: they agree through warmup and part at epoch 5.",
        "config": {
            "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9, "weight_decay": 2e-5},
            "scheduler": {
                "name": "SequentialLR",
                "schedulers": [
                    {"name": "LinearLR", "start_factor": 1e-4, "total_iters": 5},
                    {"name": "CosineAnnealingLR", "T_max": 295},
                ],
                "milestones": [5],
            },
            "view": {"epochs": 300, "step_per": "epoch"},
        },
    },
    "Linear decay to zero (LinearLR, the Trainer default in torch)": {
        "description": "torch's LinearLR from the full lr to 0 over the run: the look-alike "
        "of the Hugging Face Trainer default (they agree to float rounding).",
        "config": {
            "optimizer": {"name": "AdamW", "lr": 5e-5, "weight_decay": 0.0},
            "scheduler": {
                "name": "LinearLR",
                "start_factor": 1.0,
                "end_factor": 0.0,
                "total_iters": 1500,
            },
            "view": {"epochs": 3, "steps_per_epoch": 500, "step_per": "batch"},
        },
    },
}
# Library presets and the torch schedule a user would write for each: Compare overlays them.
LOOKALIKES = {
    "timm ImageNet cosine (timm:CosineLRScheduler)": (
        "timm's ImageNet cosine as torch users write it (SequentialLR)"
    ),
    "Hugging Face Trainer default (transformers:linear)": (
        "Linear decay to zero (LinearLR, the Trainer default in torch)"
    ),
}
DEFAULT_PRESET = "Cosine with linear warmup"
STARTER = "Digits starter (one-cycle, SGD)"


def preset(name: str) -> dict[str, Any]:
    """A deep copy of the preset's config, safe to modify."""
    return copy.deepcopy(PRESETS[name]["config"])


def preset_label(shown: Schedule, name: str | None) -> str | None:
    """What the preset box should say: the preset's name while ``shown`` is that preset, else
    ``custom (edited from <name>)`` (None when there is no preset to name)."""
    if name not in PRESETS:
        return None
    if schedule_difference(shown, _parsed_preset(name)) is None:
        return name
    return f"custom (edited from {name})"


@functools.cache
def _parsed_preset(name: str) -> Schedule:
    """A preset parsed once per process: a page comparing against it on every rerun does not
    validate it again (the Schedule is frozen and never modified)."""
    return parse(preset(name), view=True)


def matching_preset(shown: Schedule) -> str | None:
    """The preset ``shown`` is exactly (as the preset box compares: torch's defaults filled
    in, the same length and stepping), so an unedited preset opened from a link or a file is
    named as that preset, not as a schedule of one's own."""
    return next(
        (name for name in PRESETS if schedule_difference(shown, _parsed_preset(name)) is None),
        None,
    )
