"""A loss model on the pages (issue 20), through AppTest, on three tiny real Digits runs
(tests/predict_runs.py): fitted on Runs or Sweep, carried in the URL, read on Compare and
Explore (the numbers and the warnings the user reads), designed from, and drawn over the run
"Train it" starts."""

import json
from urllib.parse import quote

import numpy as np
import pytest
from apptest_helpers import no_exception, page, traces
from predict_runs import ADAM, BATCHES, N, copy_db

from lrlab import simulate
from lrlab.io.share import encode
from lrlab.jobs.manager import get_manager
from lrlab.predict.figures import design_base, design_handoff
from lrlab.predict.fit import predict, tail_mean
from lrlab.predict.view import (
    FitSpec,
    fit_level_warnings,
    fit_loss_model,
    iteration_lrs,
    starting_loss,
)
from lrlab.present.compare import number_text
from lrlab.train.store import RunStore

pytestmark = pytest.mark.slow
VIEW = {"epochs": 2, "steps_per_epoch": BATCHES, "step_per": "batch"}
LINEAR = {"name": "LinearLR", "start_factor": 1.0, "end_factor": 0.0, "total_iters": N}
# Outside what the fitted runs saw: SGD, a peak lr 5x theirs, twice as long (> 1.5x).
LONG = {
    "optimizer": {"name": "SGD", "lr": 0.01, "momentum": 0.9},
    "scheduler": {"name": "CosineAnnealingLR", "T_max": 2 * N},
    "view": {**VIEW, "epochs": 4},
}


@pytest.fixture(scope="module")
def fitted_db(fit_runs_db, tmp_path_factory):
    """This module's copy of the fitted runs' database, and the model the pages must show."""
    src, ids = fit_runs_db
    db = copy_db(src, tmp_path_factory.mktemp("predict-pages") / "runs.sqlite")
    return db, ids, fit_loss_model(RunStore(db), FitSpec(tuple(ids)))


@pytest.fixture
def fitted(fitted_db, monkeypatch):
    monkeypatch.setenv("LRLAB_DB", str(fitted_db[0]))
    return fitted_db


def adam(scheduler: dict) -> dict:
    return {"optimizer": dict(ADAM), "scheduler": scheduler, "view": dict(VIEW)}


def comparison(*items: tuple[str, dict]) -> str:
    state = {
        "items": [{"name": name, "config": config} for name, config in items],
        "view": {"epochs": 2, "steps_per_epoch": BATCHES},
    }
    return encode(state)


def predicted_chart(at) -> dict[str, dict]:
    """The traces of the chart of predicted loss, by name."""
    for i in range(len(at.get("plotly_chart"))):
        drawn = {t.get("name"): t for t in traces(at, i)}
        if any(str(n).endswith("(predicted)") for n in drawn):
            return drawn
    return {}


def lrs_of(config: dict) -> np.ndarray:
    drawn = simulate_config(config)
    return iteration_lrs(simulate(drawn), drawn["view"])


def texts(elements) -> str:
    return "\n".join(e.value for e in elements)


def test_fitted_on_runs_it_follows_to_compare_and_explore(fitted):
    _db, ids, lm = fitted
    at = page("app.py")
    at.switch_page("pages/runs.py").run()
    at.multiselect(key="runs.selected").set_value(ids).run()
    at.button(key="runs.predict.fit").click().run()
    no_exception(at)
    assert at.query_params["fit"] == [",".join(ids)] or at.query_params["fit"] == ",".join(ids)
    said = texts(at.warning) + texts(at.success)
    # The held-out error said plainly, the number the fit itself gives.
    assert f"held-out error {lm.model.heldout_rel_error:.0%}" in said
    if lm.model.heldout_rel_error > 0.1:
        assert "The fit is poor" in said
    # "Loss model details": the fit's own warnings only, none of a schedule (there is none).
    details = [c.value for c in at.caption if c.value.startswith("⚠")]
    assert details == [f"⚠ {w}" for w in fit_level_warnings(lm)]
    assert not any("schedule" in d for d in details), details
    # "Predicted loss on Compare" opens it in this session (a link opened a new tab, a new
    # session without the user's schedules) with the model in its address
    at.button(key="runs.model.compare").click().run()
    no_exception(at)
    assert predicted_chart(at), "the button did not open Compare with the model"
    assert not [m for m in at.multiselect if m.key == "runs.selected"]  # Runs is gone
    assert ",".join(ids) in str(at.query_params["fit"])
    at.switch_page("pages/runs.py").run()
    for key in list(at.query_params):  # the menu's navigation drops the query string:
        del at.query_params[key]  # the session holds the model, and the page writes it back
    at.switch_page("pages/compare.py").run()
    no_exception(at)
    assert predicted_chart(at), "no predicted loss on Compare"
    assert ",".join(ids) in str(at.query_params["fit"])  # written back: a refresh keeps it
    shared = [c.value for c in at.code if "compare?s=" in c.value]
    assert len(shared) == 1 and f"fit={quote(','.join(ids))}" in shared[0]  # as the address
    at.switch_page("pages/explore.py").run()
    no_exception(at)
    assert "this schedule (predicted)" in predicted_chart(at)


def test_compare_predicts_every_schedule_with_its_band_and_its_warnings(fitted):
    _db, ids, lm = fitted
    linear = adam(LINEAR)
    at = page(
        "pages/compare.py", fit=",".join(ids), s=comparison(("linear", linear), ("long", LONG))
    )
    no_exception(at)
    drawn = predicted_chart(at)
    expected = predict(lm.model, lrs_of(linear))
    line = drawn["linear (predicted)"]
    assert np.allclose(line["y"], expected.loss) and np.allclose(line["x"], np.arange(N) / BATCHES)
    band = drawn["linear band"]["y"]  # high forwards, then low backwards
    high = np.minimum(expected.high, starting_loss(lm))  # drawn up to the starting loss
    assert np.allclose(band, np.concatenate([high, expected.low[::-1]]))
    assert "long (predicted)" in drawn and len(drawn["long (predicted)"]["y"]) == 2 * N
    table = at.table[1].value.set_index("schedule")  # after the summary
    assert table.loc["linear", "predicted final loss"] == f"{tail_mean(expected.loss):.3g}"
    boxes = {w.value.split("**")[1]: w.value for w in at.warning if w.value.startswith("**")}
    assert "linear" not in boxes  # within the fitted runs: only the fit's own warnings
    long = boxes["long"]
    assert "peak lr 0.01 is above the highest the fitted runs saw (0.002)" in long
    assert f"{2 * N} steps are more than 1.5x the longest fitted run ({N} steps)" in long
    assert "optimizer (SGD) is not the fitted runs' (Adam)" in long
    summary = at.table[0].value.set_index("schedule")
    lrs = lrs_of(linear)
    assert summary.loc["linear", "lr area S1 (Σ lr over iters)"] == number_text(lrs.sum())
    assert summary.loc["long", "annealing area S2"] != "—"


def test_without_a_model_compare_has_the_areas_and_says_how_to_get_one(fitted):
    at = page("pages/compare.py", s=comparison(("linear", adam(LINEAR))))
    no_exception(at)
    assert not predicted_chart(at)
    assert "No loss model yet" in texts(at.caption)
    assert {"lr area S1 (Σ lr over iters)", "annealing area S2"} <= set(at.table[0].value)


@pytest.mark.parametrize(
    ("fit", "law", "said"),
    [
        ("{0},nope", None, "unknown run id 'nope'"),
        ("{0},a;b", None, "'a;b' is not a run id"),
        ("{0},{1}", "cubic", "unknown law 'cubic'; use one of multi-power, momentum"),
        ("{0}", None, "give at least two runs: the fit is scored on one left out"),
    ],
)
def test_a_bad_fit_link_is_said_in_one_line_and_keeps_the_model(fitted, fit, law, said):
    _db, ids, _lm = fitted
    good = ",".join(ids)
    at = page("pages/compare.py", fit=good, s=comparison(("linear", adam(LINEAR))))
    before = predicted_chart(at)["linear (predicted)"]["y"]
    at.query_params["fit"] = fit.format(*ids)
    if law:
        at.query_params["law"] = law
    at.run()
    no_exception(at)
    assert [e.value for e in at.error] == [f"This loss model link could not be opened: {said}"]
    assert predicted_chart(at)["linear (predicted)"]["y"] == before  # the model it had
    assert ",".join(ids) in str(at.query_params["fit"])


def test_an_unknown_run_in_a_fresh_link_draws_no_prediction(fitted):
    at = page("pages/compare.py", fit="abc123,def456", s=comparison(("linear", adam(LINEAR))))
    no_exception(at)
    assert "unknown run id 'abc123'" in at.error[0].value
    assert not predicted_chart(at) and len(at.get("plotly_chart")) == 1  # the lr chart only


def test_explore_draws_the_predicted_loss_under_the_lr_curve(fitted):
    _db, ids, lm = fitted
    config = {**adam(LINEAR), "view": {**VIEW, "x_axis": "iteration"}}
    link = encode(config)
    bare = page("pages/explore.py", c=link)
    at = page("pages/explore.py", c=link, fit=",".join(ids))
    no_exception(at)
    # Nothing changes without a model; with one, one more chart: the predicted loss.
    assert len(at.get("plotly_chart")) == len(bare.get("plotly_chart")) + 1
    assert not predicted_chart(bare) and not bare.warning
    lr_x = traces(at, 0)[0]["x"]
    line = predicted_chart(at)["this schedule (predicted)"]
    assert line["x"][0] == lr_x[0] == 0 and line["x"][-1] == lr_x[-1] == N - 1  # same x axis
    assert np.allclose(line["y"], predict(lm.model, lrs_of(config)).loss)
    assert f"Predicted final train loss {tail_mean(np.array(line['y'])):.4g}" in texts(at.caption)


def test_design_then_train_it_opens_train_and_the_run_shows_the_prediction(fitted):
    db, ids, lm = fitted
    linear = adam(LINEAR)
    at = page("app.py")
    at.query_params["fit"] = ",".join(ids)
    at.query_params["s"] = comparison(("linear", linear))
    at.switch_page("pages/compare.py").run()
    at.button(key="cmp.predict.design").click().run()
    no_exception(at)
    base, _ = design_base(lm, json.loads(json.dumps(simulate_config(linear))))
    want = design_handoff(lm, base, lrs_of(linear))
    shown = [m.value for m in at.metric]
    assert shown == [f"{want.predicted_final_loss:.4g}", f"{want.baseline_final_loss:.4g}"]
    # One "predicted final loss" on the page: the design's base is the table's number.
    table = at.table[1].value.set_index("schedule")
    assert f"{float(shown[1]):.3g}" == table.loc["linear", "predicted final loss"]
    assert shown[1] == f"{tail_mean(predict(lm.model, lrs_of(linear)).loss):.4g}"
    assert "mean over the last 10% of steps" in texts(at.caption)
    assert want.schedule["scheduler"]["lr_lambda"] in texts(at.code)
    at.button(key="cmp.predict.train").click().run()
    no_exception(at)
    assert at.title[0].value == "Train"
    assert at.radio(key="tr.source").value == "Designed"  # not "Upload" with an empty box
    assert "The schedule designed from a loss model, opened with **Train it**." in texts(at.caption)
    assert not at.get("file_uploader")
    assert at.number_input(key="tr.train.epochs").value == 2
    assert not at.button(key="tr.start").disabled
    assert "Designed from a loss model" in texts(at.caption)
    # The run it starts (stored here as the job manager would, with a few steps so far).
    store = RunStore(db)
    run_id = store.create_run(want.run, name="designed")
    store.add_steps(run_id, [(t, 0, 2.3 - t / 20, [0.002], None) for t in range(10)])
    at.query_params["run"] = run_id
    at.switch_page("pages/train.py").run()  # AppTest reruns the page it last switched to
    no_exception(at)
    charts = [{t.get("name"): t for t in traces(at, i)} for i in range(len(at.get("plotly_chart")))]
    drawn = next(c for c in charts if "loss (predicted)" in c)
    assert np.allclose(drawn["loss (predicted)"]["y"], want.prediction["loss"])
    assert np.allclose(drawn["loss (predicted)"]["x"], np.arange(N) / BATCHES)
    assert "the loss model's prediction for this schedule" in texts(at.caption)
    # Started for real: the prediction is stored with the run, so its link shows it in any
    # session (it was drawn only in the session that clicked "Train it").
    at.button(key="tr.start").click().run()
    no_exception(at)
    started = at.session_state["tr.run"]
    try:
        stored = RunStore(db).get_run(started)["result"]["prediction"]
        assert np.allclose(stored["loss"], want.prediction["loss"])
        other = page("pages/train.py", run=started)  # another session, by the run's link
        no_exception(other)
        assert "the loss model's prediction for this schedule" in texts(other.caption)
    finally:
        get_manager(db).cancel(started)
        get_manager(db).wait(started, timeout=120)


def simulate_config(config: dict) -> dict:
    """The config as Compare holds a drawn schedule (normalised, with its steps)."""
    from lrlab import parse

    return parse(config, view=True).to_json()


def test_a_finished_sweep_fits_its_runs(fitted):
    db, ids, lm = fitted
    store = RunStore(db)
    for n, run_id in enumerate(ids):
        store.update_run(run_id, sweep_id="sw-fit", label=f"s{n}", seed=0)
    at = page("pages/sweep.py", sweep="sw-fit")
    no_exception(at)
    at.button(key="sw.predict.fit").click().run()
    no_exception(at)
    assert f"held-out error {lm.model.heldout_rel_error:.0%}" in texts(at.warning) + texts(
        at.success
    )
    assert str(at.query_params["sweep"]) and ",".join(ids) in str(at.query_params["fit"])


def test_a_fit_runs_refuse_is_said_by_the_button_and_changes_nothing(fitted):
    db, ids, _lm = fitted
    store = RunStore(db)
    empty = store.create_run(store.get_run(ids[0])["config"], name="queued, no steps")
    at = page("pages/runs.py")
    at.multiselect(key="runs.selected").set_value([ids[0], empty]).run()
    at.button(key="runs.predict.fit").click().run()
    no_exception(at)
    assert [e.value for e in at.error] == [
        f"No loss model: run {empty} has 0 steps of per-step loss; at least 10 are needed"
    ]
    assert "fit" not in at.query_params and not at.warning and not at.success
    store.delete([empty])


def test_compare_caps_the_band_at_the_starting_loss_and_says_why_a_line_is_flat(fitted):
    """Two schedules 100x apart in lr: the small one's law stays above the fitted runs'
    starting loss for a while (the law's cap, said so), and no band is drawn above it."""
    _db, ids, lm = fitted
    small = adam(LINEAR)
    small["optimizer"] = {**ADAM, "lr": ADAM["lr"] / 100}
    at = page(
        "pages/compare.py",
        fit=",".join(ids),
        s=comparison(("linear", adam(LINEAR)), ("tiny", small)),
    )
    no_exception(at)
    top = starting_loss(lm)
    drawn = predicted_chart(at)
    for name in ("linear", "tiny"):
        assert max(drawn[f"{name} band"]["y"]) <= top + 1e-9
    tiny = np.array(drawn["tiny (predicted)"]["y"])
    assert np.allclose(tiny, predict(lm.model, lrs_of(small)).loss)  # the law's, not the plot's
    assert np.isclose(tiny[0], top)  # flat at the cap at first
    said = texts(at.caption)
    assert f"Bands are drawn up to the fitted runs' starting loss {top:.4g}" in said
    flat = said.split(f"Flat at {top:.4g} (")[1].split("):")[0]
    capped = dict(part.split(": ") for part in flat.split("; "))  # name: how long at the cap
    n = int(np.isclose(tiny, top, rtol=1e-9, atol=0).sum())
    assert capped["tiny"] == f"{n:,} of its {len(tiny):,} iterations"  # the tiny one stays
    (ranking,) = [i.value for i in at.info if "held-out error" in i.value]
    finals = sorted(tail_mean(np.array(drawn[f"{k} (predicted)"]["y"])) for k in ("linear", "tiny"))
    apart = (finals[1] - finals[0]) / finals[0] > lm.model.heldout_rel_error
    assert ("lowest loss" in ranking) == apart and ("cannot tell" in ranking) == (not apart)
    boxes = {w.value.split("**")[1]: w.value for w in at.warning if w.value.startswith("**")}
    assert "lr area (sum of its lrs)" in boxes["tiny"]  # its own warning, not the fit's
    assert "linear" not in boxes
