"""The figures of training runs and range tests, as the pages draw them: where each value sits
on the x axis, and which part of the loss the y axis shows."""

import numpy as np
import pandas as pd
import pytest

from lrlab.rangetest.curve import smooth
from lrlab.rangetest.figure import range_test_figure
from lrlab.train.figures import run_figure, runs_figure


def live_run(batches=10, epochs_done=2, into_next=5):
    """A run caught mid-way: two whole epochs of ``batches`` steps, half of the third, and the
    test metrics of the two finished epochs."""
    n = batches * epochs_done + into_next
    step = np.arange(n)
    steps = pd.DataFrame(
        {
            "step": step,
            "epoch": step // batches,
            "loss": 2.0 / (1 + step),
            "lr_0": 0.1 * np.ones(n),
            "momentum_0": 0.9 * np.ones(n),
        }
    )
    epochs = pd.DataFrame(
        {
            "epoch": np.arange(epochs_done),
            "train_loss": [1.0, 0.5],
            "train_acc": [0.6, 0.8],
            "test_loss": [0.9, 0.6],
            "test_acc": [0.7, 0.85],
            "lr": [0.1, 0.1],
        }
    )
    return steps, epochs


def trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def test_a_live_runs_steps_and_epochs_sit_where_they_happened():
    steps, epochs = live_run()
    fig = run_figure(steps, epochs, total_epochs=5)
    # 10 batches an epoch (the first epoch's, not the unfinished third's 5): step 24 at 2.4.
    assert list(trace(fig, "loss").x) == pytest.approx(np.arange(25) / 10)
    assert list(trace(fig, "lr group 0").x) == pytest.approx(np.arange(25) / 10)
    # An epoch's test metrics at its end: epoch 0 at 1.0, epoch 1 at 2.0.
    assert list(trace(fig, "test accuracy").x) == [1, 2]
    assert list(trace(fig, "test loss").x) == [1, 2]
    assert list(fig.layout.xaxis.range) == [0, 5]


def test_overlaid_runs_put_steps_and_epochs_on_one_axis():
    steps, epochs = live_run()
    fig = runs_figure([{"name": "live", "steps": steps, "epochs": epochs}], "epoch")
    lr, loss, acc = fig.data
    assert list(lr.x) == pytest.approx(np.arange(25) / 10) == list(loss.x)
    assert list(acc.x) == [1, 2] and list(acc.y) == [0.7, 0.85]
    by_step = runs_figure([{"name": "live", "steps": steps, "epochs": epochs}], "step")
    assert list(by_step.data[2].x) == [10, 20]  # the end of epoch 0 is step 10


def range_result(losses):
    lrs = list(np.geomspace(1e-5, 1.0, len(losses)))
    smoothed = smooth(losses)
    return {"repeats": [{"seed": 0, "lrs": lrs, "losses": losses, "smoothed_losses": smoothed}]}


def test_the_range_tests_loss_axis_stops_short_of_the_blow_up():
    # Falls from 2 to 0.2, then shoots off to 1e6: the axis ends at fastai's divergence line
    # (4x the best smoothed loss) plus 15%, or 15% above the starting loss if that is lower,
    # so the valley keeps its height on screen.
    losses = [2.0 - 0.03 * i for i in range(60)] + [0.2 * 3.0**k for k in range(1, 14)]
    result = range_result(losses)
    best = min(result["repeats"][0]["smoothed_losses"])
    lo, hi = range_test_figure(result).layout.yaxis.range
    assert hi == pytest.approx(min(4 * best * 1.15, 2.0 * 1.15)) and hi < 0.01 * max(losses)
    assert lo == pytest.approx(min(losses) * 0.95)
    # A curve that never gets there keeps its top.
    calm = range_result([2.0 - 0.01 * i for i in range(50)])
    assert calm_top(calm) == pytest.approx(2.0)


def calm_top(result):
    return range_test_figure(result).layout.yaxis.range[1]


def test_a_constant_planned_lr_is_drawn_around_its_value():
    steps, epochs = live_run()
    steps["lr_0"] = 0.05
    planned = pd.DataFrame({"step": range(4), "group": 0, "lr": 0.05})
    fig = run_figure(steps, epochs, planned, np.arange(4.0))
    assert list(fig.layout.yaxis2.range) == [0.0, 0.1]
    assert fig.layout.yaxis.range is None  # the loss panel keeps its autorange
