"""Decimation for drawing keeps what a reader looks for: every dip and every spike."""

import numpy as np

from lrlab.present.plotting import decimate


def test_every_isolated_dip_and_spike_survives_decimation():
    rng = np.random.default_rng(0)
    n = 100_000
    y = np.ones(n)
    # 150 dips and 150 spikes, far apart (more than a bucket of ~200 points), anywhere in
    # their bucket: a decimation that keeps only each bucket's ends or maximum loses them.
    where = np.sort(rng.choice(np.arange(0, n, 300), size=300, replace=False))
    where = where + rng.integers(1, 250, size=300)
    dips, spikes = where[::2], where[1::2]
    y[dips], y[spikes] = 0.5, 2.0
    idx = decimate(np.arange(n), y)
    assert len(idx) <= 2000 and np.all(np.diff(idx) > 0)
    assert set(dips) <= set(idx.tolist())
    assert set(spikes) <= set(idx.tolist())
    assert idx[0] == 0 and idx[-1] == n - 1
