"""The Runs page through AppTest: what the list says about each run, and range tests apart."""

import json

import pytest
from apptest_helpers import no_exception, page, traces

from lrlab.train.listing import peak_text, run_seed
from lrlab.train.store import RunStore


def one_cycle(max_lr, seed):
    return {
        "optimizer": {"name": "SGD", "lr": 0.05, "momentum": 0.9},
        "scheduler": {"name": "OneCycleLR", "max_lr": max_lr},
        "train": {"dataset": "digits", "epochs": 1, "device": "cpu", "seed": seed},
    }


def trained(store, config, name, loss, acc=0.9):
    run_id = store.create_run(config, name=name)
    store.add_steps(run_id, [(s, 0, loss, [0.01], None) for s in range(5)])
    epoch = {
        "epoch": 0, "train_loss": loss, "train_acc": acc, "test_loss": loss, "test_acc": acc,
        "seconds": 1.0, "images_per_s": 100.0, "lr": [0.01],
    }  # fmt: skip
    store.add_epoch(run_id, epoch)
    store.finish_run(run_id, "completed", "done")
    return run_id


@pytest.fixture
def runs(tmp_path, monkeypatch):
    db = tmp_path / "runs.sqlite"
    monkeypatch.setenv("LRLAB_DB", str(db))
    store = RunStore(db)
    ids = [
        trained(store, one_cycle(0.017886495290574348, 1), "low", 0.5),
        trained(store, one_cycle(0.05, 2), "high", 0.4),
    ]
    ramp = store.create_run(one_cycle(0.05, 0), name="ramp")
    lrs = [1e-4 * 1.5**i for i in range(20)]
    losses = [2.3 - 0.1 * i for i in range(15)] + [5.0, 40.0, 200.0, 800.0, 800.0]
    result = {"repeats": [{"seed": 0, "lrs": lrs, "losses": losses, "smoothed_losses": losses}]}
    store.update_run(ramp, kind="range_test", status="completed", result=json.dumps(result))
    return ids, ramp


def test_the_list_shows_the_peak_lr_that_trained_and_the_seed(runs):
    at = page("pages/runs.py")
    no_exception(at)
    table = at.dataframe[0].value.set_index("name")
    # One-cycle ignores the optimizer's lr 0.05: the list names max_lr, as stored, 3 digits.
    assert table.loc["low", "schedule"] == "OneCycleLR · SGD"
    assert table.loc[["low", "high"], "peak"].tolist() == ["max_lr 0.0179", "max_lr 0.05"]
    assert table.loc[["low", "high"], "seed"].tolist() == [1, 2]
    assert table.loc["ramp", "schedule"] == "LR range test · SGD"


def test_a_range_test_is_never_overlaid_on_training_runs(runs):
    ids, ramp = runs
    at = page("pages/runs.py")
    no_exception(at)
    picker = at.multiselect(key="runs.selected")
    # AppTest lists the options as shown (labels): only the training runs are offered.
    assert len(picker.options) == len(ids) and set(picker.value) == set(ids)
    overlay = traces(at, index=0)
    assert max(max(t["y"]) for t in overlay if t["y"]) < 1  # no loss of 800 on these axes
    # The range test has its own section and figure: loss against lr.
    assert at.selectbox(key="runs.range_test").value == ramp
    ramp_chart = traces(at, index=1)
    assert max(ramp_chart[0]["x"]) == pytest.approx(1e-4 * 1.5**19)
    at.checkbox(key="runs.confirm_test").check().run()
    at.button(key="runs.delete_test").click().run()
    no_exception(at)
    assert "ramp" not in set(at.dataframe[0].value["name"])


@pytest.mark.parametrize(
    ("config", "text"),
    [
        (one_cycle(0.1, 0), "max_lr 0.1"),
        ({"optimizer": {"name": "Adam", "lr": 0.001}, "scheduler": {"name": "StepLR"}},
         "lr 0.001"),
        ({"optimizer": {"name": "SGD", "lr": 0.01}, "scheduler": {"name": "CyclicLR",
          "base_lr": 0.001, "max_lr": [0.2, 0.1]}}, "max_lr 0.2"),
    ],
)  # fmt: skip
def test_schedule_text_names_where_the_peak_lives(config, text):
    assert peak_text(config) == text
    assert run_seed(config) == (config.get("train") or {}).get("seed", 0)


def test_a_run_that_stayed_at_chance_is_said_and_not_overlaid_by_default(tmp_path, monkeypatch):
    # completed, but at 10% on Digits it never learned: a fresh user found it silently in
    # the default overlay (and so in a loss model fitted to it)
    monkeypatch.setenv("LRLAB_DB", str(tmp_path / "runs.sqlite"))
    store = RunStore(tmp_path / "runs.sqlite")
    good = trained(store, one_cycle(0.05, 0), "good", 0.4)
    trained(store, one_cycle(0.5, 1), "flat", 2.3, acc=0.1)
    other = trained(store, one_cycle(0.03, 2), "other", 0.5)
    at = page("pages/runs.py")
    no_exception(at)
    table = at.dataframe[0].value
    shown = dict(zip(table["name"], table["status"], strict=True))
    assert shown == {"good": "completed", "flat": "at chance", "other": "completed"}
    assert sorted(at.multiselect(key="runs.selected").value) == sorted([good, other])
    at.multiselect(key="runs.status").set_value(["at chance"]).run()  # and it can be filtered
    assert list(at.dataframe[0].value["name"]) == ["flat"]
