"""Fitting a schedule to another run length (Compare's "fitted"), and the summary's text."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrlab import simulate
from lrlab.core.fitting import fit_to_length, own_length
from lrlab.core.view import with_view_steps
from lrlab.present.compare import length_note, number_text
from lrlab.present.presets import PRESETS, preset


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_fitted_to_its_own_length_is_unchanged(name):
    config = preset(name)
    fitted = fit_to_length(config, *own_length(config))
    assert fitted.changes == []
    assert fitted.config["scheduler"] == config["scheduler"]


@pytest.mark.parametrize("name", list(PRESETS))
@pytest.mark.parametrize("epochs", [3, 250])
def test_every_preset_fitted_to_another_length_still_runs_that_long(name, epochs):
    fitted = fit_to_length(preset(name), epochs, 40)
    df = simulate(with_view_steps(fitted.config))
    per_batch = fitted.config["view"]["step_per"] == "batch"
    assert df["step"].nunique() == epochs * (40 if per_batch else 1)


@given(st.integers(2, 2000))
def test_a_fitted_cosine_is_one_cosine_over_the_new_run(epochs):
    config = {
        "optimizer": {"name": "SGD", "lr": 0.1},
        "scheduler": {"name": "CosineAnnealingLR", "T_max": 100},
        "view": {"epochs": 100, "step_per": "epoch"},
    }
    fitted = fit_to_length(config, epochs, 10)
    assert fitted.config["scheduler"]["T_max"] == epochs
    assert fitted.changes == [f"CosineAnnealingLR T_max 100 → {epochs}"]


def test_a_warmup_and_its_milestone_scale_together_and_no_warmup_stays_none():
    fitted = fit_to_length(preset("Cosine with linear warmup"), 300, 100)
    children = fitted.config["scheduler"]["schedulers"]
    assert children[0]["total_iters"] == 15 and children[1]["T_max"] == 285
    assert fitted.config["scheduler"]["milestones"] == [15]
    hf = fit_to_length(preset("Hugging Face Trainer default (transformers:linear)"), 30, 500)
    assert hf.config["scheduler"]["num_warmup_steps"] == 0  # 0 warmup stays 0


def test_length_notes_say_own_or_fitted_and_nothing_when_lengths_agree():
    assert length_note("a", (100, 100), (100, 100), None) is None
    own = length_note("a", (100, 100), (300, 100), None)
    assert own.startswith("a: its own length, 100 epochs × 100 batches")
    fitted = length_note("a", (100, 100), (300, 100), ["StepLR step_size 30 → 90"])
    assert (
        fitted == "a: fitted from its own 100 epochs × 100 batches to the comparison's 300 × 100: "
        "StepLR step_size 30 → 90."
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3000, "3,000"),
        (1e-05, "1.00e-05"),
        (0.1, "0.1"),
        (0.0999, "0.0999"),
        (1234.6, "1,235"),
        (0.0, "0"),
        (None, "—"),
        (float("nan"), "—"),
        (2.73e-05, "2.73e-05"),
    ],
)
def test_numbers_keep_their_significant_digits(value, text):
    assert number_text(value) == text
