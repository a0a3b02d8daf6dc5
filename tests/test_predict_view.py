"""The pure side of the loss model on the pages (lrlab/predict/view.py, figures.py): a link's
fit= parsed once, a sweep's runs to fit, and the key that finds a designed run's prediction."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from lrlab import ConfigError
from lrlab.predict.figures import band_traces, prediction_key
from lrlab.predict.view import (
    FitSpec,
    SchedulePrediction,
    fit_level_warnings,
    fit_loss_model,
    parse_fit_spec,
    ranking_note,
    sweep_fit_ids,
)
from lrlab.train.store import RunStore


def test_a_fit_link_is_parsed_into_plain_data():
    spec = parse_fit_spec("ab12cd34ef56, 0123456789ab", None)
    assert spec == FitSpec(("ab12cd34ef56", "0123456789ab"), "multi-power")
    assert spec.query() == {"fit": "ab12cd34ef56,0123456789ab", "law": "multi-power"}
    assert parse_fit_spec("a,b", "momentum").law == "momentum"


@pytest.mark.parametrize(
    ("fit", "law", "said"),
    [
        ("", None, "fit: give run ids separated by commas"),
        ("a,,b", None, "fit: give run ids separated by commas"),
        ("a", None, "fit: give at least two runs"),
        ("a,a", None, "fit: a run is given twice"),
        ("a,<script>", None, "fit: '<script>' is not a run id"),
        (",".join(f"r{i}" for i in range(17)), None, "fit: at most 16 runs, got 17"),
        ("a,b", "quadratic", "law: unknown law 'quadratic'"),
    ],
)
def test_a_bad_fit_link_is_one_line(fit, law, said):
    with pytest.raises(ConfigError) as err:
        parse_fit_spec(fit, law)
    assert str(err.value).startswith(said) and "\n" not in str(err.value)


def test_a_sweep_fits_its_completed_runs_or_one_seed_per_schedule():
    runs = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "status": ["completed", "failed", "completed", "completed"],
            "label": ["x", "x", "y", "y"],
            "seed": [0, 1, 0, 1],
        }
    )
    assert sweep_fit_ids(runs) == ["a", "c", "d"]
    many = pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(20)],
            "status": ["completed"] * 20,
            "label": [f"s{i % 4}" for i in range(20)],
            "seed": [i // 4 for i in range(20)],
        }
    )
    assert sweep_fit_ids(many) == ["r0", "r1", "r2", "r3"]  # seed 0 of each schedule


def test_a_run_finds_its_prediction_whatever_defaults_its_config_writes():
    train = {"dataset": "digits", "model": "lenet", "epochs": 1, "batch_size": 64}
    sched = {"name": "LambdaLR", "lr_lambda": "1-epoch/23"}
    short = {"optimizer": {"name": "Adam", "lr": 0.002}, "scheduler": sched, "train": train}
    full = {
        **short,
        "optimizer": {"name": "Adam", "lr": 0.002, "betas": [0.9, 0.999], "eps": 1e-8,
                      "weight_decay": 0.0, "amsgrad": False},
        "train": {**train, "seed": 7, "device": "cpu"},
    }  # fmt: skip
    assert prediction_key(short) == prediction_key(full)
    other = {**short, "optimizer": {"name": "Adam", "lr": 0.002, "weight_decay": 1e-4}}
    assert prediction_key(other) != prediction_key(short)
    assert prediction_key({**short, "train": {**train, "epochs": 2}}) != prediction_key(short)


def test_the_band_is_a_closed_shape_around_the_line():
    band, line = band_traces(
        [0, 1, 2], [2.0, 1.0, 0.5], [1.5, 0.8, 0.4], [2.5, 1.2, 0.7], "a", "#0072B2"
    )
    assert list(band.x) == [0, 1, 2, 2, 1, 0]
    assert list(band.y) == [2.5, 1.2, 0.7, 0.4, 0.8, 1.5]
    assert (
        band.fill == "toself" and line.name == "a (predicted)" and list(line.y) == [2.0, 1.0, 0.5]
    )


@pytest.mark.slow
def test_the_design_says_one_thing_when_it_extrapolates(fit_runs_db):
    """Nothing passes the guard: one sentence that says what was chosen and that it
    extrapolates, never that it "stays close to a fitted run's schedule"."""
    from dataclasses import replace

    from lrlab.predict.design import design_note

    src, ids = fit_runs_db
    lm = fit_loss_model(RunStore(src), FitSpec(tuple(ids)))
    note = design_note(lm.model, False, "wsd linear 0.5", 0.031)
    assert "(wsd linear 0.5)" in note and "3.1% lower" in note and "extrapolates" in note
    assert "close" not in note
    poor = replace(lm.model, heldout=tuple(replace(h, rel_error=0.6) for h in lm.model.heldout))
    note = design_note(poor, True, "free", 0.05)
    assert "cannot vouch" in note and "closest to a fitted run" in note
    assert "extrapolates" not in note
    assert design_note(lm.model, True, "free", 0.9) is None
    # The fit's own warnings are never a schedule's (no schedule is predicted there).
    assert not any("schedule" in w for w in fit_level_warnings(lm))


def _pred(name, final, n=100):
    loss = np.full(n, final)
    return SchedulePrediction(name, "#000", np.arange(n), np.ones(n), loss, loss, loss, ())


@pytest.mark.parametrize(
    ("finals", "said"),
    [
        # two very different schedules, one prediction (a p = 0 fit): no ranking
        ({"a": 0.000457, "b": 0.000457}, "a, b: the same predicted final loss, less than"),
        ({"a": 0.50, "b": 0.45, "c": 0.9}, "b, a: predicted final losses within 11% of each"),
        ({"a": 0.50, "b": 0.30}, "b is predicted to train to the lowest loss (0.3 against 0.5 for"),
        # a loss clipped at 0 beside one that is not: no "1e+302%" (seen with the law gone
        # negative on schedules far past the fitted runs)
        ({"a": 0.0, "b": 0.2}, "a is predicted to train to the lowest loss (0 against 0.2 for"),
    ],
)
def test_the_page_says_whether_the_model_can_rank_the_schedules(finals, said):
    lm = SimpleNamespace(model=SimpleNamespace(heldout_rel_error=0.49))
    text = ranking_note(lm, [_pred(k, v) for k, v in finals.items()])
    assert text.startswith(said), text
    assert "held-out error (49%)" in text
    assert ("cannot tell" in text) == ("lowest loss" not in text)
    assert "e+" not in text and "inf" not in text  # every number one a reader can take
    assert ranking_note(lm, [_pred("a", 0.5)]) == ""
