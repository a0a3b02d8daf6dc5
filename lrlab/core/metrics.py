"""Synthetic metrics, so ReduceLROnPlateau can be shown without any training data."""

from __future__ import annotations

from typing import Any

import numpy as np


def synthetic_metric(spec: dict[str, Any], steps: int) -> list[float]:
    """A seeded, noisy loss curve that falls from ``start`` towards ``floor`` and plateaus.

    ``decay`` is the time constant in steps; ``noise`` the standard deviation of Gaussian
    noise added to each value. The same spec always gives the same curve.
    """
    t = np.arange(steps, dtype=np.float64)
    clean = spec["floor"] + (spec["start"] - spec["floor"]) * np.exp(-t / spec["decay"])
    noise = np.random.default_rng(spec["seed"]).normal(0.0, spec["noise"], steps)
    return (clean + noise).tolist()
