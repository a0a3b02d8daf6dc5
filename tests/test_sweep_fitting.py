"""Fitting a schedule to a sweep's length: the whole designed shape on the sweep's epochs, or a
note that names the mismatch."""

import numpy as np
import pytest

from lrlab.core.simulate import simulate
from lrlab.present.presets import PRESETS, preset
from lrlab.sweep.fitting import default_picks, fit_to_sweep
from lrlab.train.config import parse_run

TRAIN = {"dataset": "digits", "model": "lenet", "batch_size": 64, "device": "cpu"}
BATCHES = 23  # Digits' 1437 training images in batches of 64


def run_lrs(config, epochs):
    schedule = {k: v for k, v in config.items() if k != "view"}
    step_per = (config.get("view") or {}).get("step_per")
    run = parse_run({**schedule, "train": {**TRAIN, "epochs": epochs, "step_per": step_per}})
    df = simulate(run.schedule)
    return df[df["group"] == 0]["lr"].to_numpy()


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_fitted_to_a_sweep_trains(name):
    fitted = fit_to_sweep(preset(name), 8, BATCHES)
    run_lrs(fitted.config, 8)  # parses and steps without error
    assert fitted.fits or fitted.note.startswith(("trains 8 of", "trains 184 of"))
    if fitted.note and fitted.fits:
        assert fitted.note.startswith(("fitted to", "its length follows the sweep"))


def test_warmup_cosine_keeps_its_shape_on_eight_epochs():
    config = preset("Cosine with linear warmup")
    fitted = fit_to_sweep(config, 8, BATCHES)
    assert fitted.fits
    assert fitted.note == (
        "fitted to 8 epochs (set up for 100): SequentialLR milestones [5] → [1], "
        "LinearLR total_iters 5 → 1, CosineAnnealingLR T_max 95 → 7"
    )
    lrs = run_lrs(fitted.config, 8)
    peak = config["optimizer"]["lr"]
    assert lrs[0] == pytest.approx(0.01 * peak)  # starts in its warmup
    assert lrs.max() == pytest.approx(peak)  # reaches its peak
    assert lrs[-1] < 0.05 * peak  # and decays nearly to zero by the end, as designed
    as_given = run_lrs(config, 8)
    assert as_given[-1] > 0.9 * peak  # unfitted: still at the top after the warmup


def test_what_cannot_be_fitted_names_the_mismatch():
    fitted = fit_to_sweep(preset("Exponential decay"), 3, BATCHES)
    assert not fitted.fits and fitted.note == "trains 3 of its 60 epochs"
    lam = preset("Transformer: linear warmup + linear decay")
    assert fit_to_sweep(lam, 3, BATCHES).note == "trains 69 of its 3000 steps"  # an expression


def test_a_warmup_longer_than_the_sweep_says_only_the_warmup():
    config = preset("Cosine with linear warmup")
    config["scheduler"]["milestones"] = [5, 6]  # colliding once scaled: left as it is
    config["scheduler"]["schedulers"].append({"name": "ConstantLR", "factor": 1.0})
    fitted = fit_to_sweep(config, 3, BATCHES)
    assert not fitted.fits
    assert fitted.note == "trains 3 of its 100 epochs: only the warmup"


def test_schedules_that_fill_the_run_length_or_match_it_are_left_alone():
    for name in ("Digits starter (one-cycle, SGD)", "One-cycle (fastai)"):
        fitted = fit_to_sweep(preset(name), 3, BATCHES)
        assert fitted.fits and fitted.follows_run and fitted.config == preset(name)
        # unchanged, but said: a fresh user saw the starter (8 epochs) shortened without a word
        designed = preset(name)["view"]["epochs"] * preset(name)["view"]["steps_per_epoch"]
        assert (
            fitted.note
            == f"its length follows the sweep: {3 * BATCHES} steps (set up for {designed})"
        )
        assert default_picks({name: fitted, "x": fitted}, [name, "x"], []) == [name, "x"]
    same = fit_to_sweep(preset("Digits starter (one-cycle, SGD)"), 8, 23)
    assert same.note is None  # its own length: nothing to say
    starter = fit_to_sweep(preset("Exponential decay"), 60, BATCHES)
    assert starter.fits and starter.note is None
    np.testing.assert_array_equal(
        run_lrs(starter.config, 60), run_lrs(preset("Exponential decay"), 60)
    )
