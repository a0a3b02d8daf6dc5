"""A loss model in headless Chromium: fitted on Runs, carried to Compare by the menu (the
session) and by the address bar (a fresh load of the same link), and read off Compare's
predicted-loss chart."""

from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from e2e import CEILING_MS, chart_traces, eventually, screenshot, wait_for_app
from predict_runs import ADAM, BATCHES, N, copy_db

from lrlab import parse, simulate
from lrlab.io.share import encode
from lrlab.predict.fit import predict
from lrlab.predict.view import FitSpec, fit_loss_model, iteration_lrs
from lrlab.train.store import RunStore

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1280, "height": 900}
LINEAR = {"name": "LinearLR", "start_factor": 1.0, "end_factor": 0.0, "total_iters": N}
STEP = {"name": "MultiStepLR", "milestones": [N // 2], "gamma": 0.1}


@pytest.fixture(scope="module")
def app_db(fit_runs_db, tmp_path_factory):
    """The app's database (overrides conftest's empty one): the three fitted runs."""
    return copy_db(fit_runs_db[0], tmp_path_factory.mktemp("db") / "runs.sqlite")


def predicted_traces(page) -> dict[str, list[float]]:
    """The predicted lines of the chart that has them, by name (bands left out)."""
    count = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').count()
    for i in range(count):
        drawn = {t["name"]: t["y"] for t in chart_traces(page, i)}
        if any(str(n).endswith("(predicted)") for n in drawn):
            return {n: y for n, y in drawn.items() if n.endswith("(predicted)")}
    return {}


def test_fit_on_runs_and_read_the_predicted_loss_on_compare(page, server, app_db):
    page.goto(f"{server}/runs")
    wait_for_app(page)
    page.get_by_role("button", name="Fit a loss model to these runs").click()  # 2 preselected
    wait_for_app(page)
    headline = page.get_by_text("held-out error").first
    headline.wait_for(timeout=CEILING_MS)
    query = parse_qs(urlparse(page.url).query)
    ids = query["fit"][0].split(",")
    assert len(ids) == 2 and query["law"] == ["multi-power"]
    lm = fit_loss_model(RunStore(app_db), FitSpec(tuple(ids)))
    assert f"held-out error {lm.model.heldout_rel_error:.0%}" in headline.inner_text()

    # The menu keeps the session: Compare predicts its schedules and writes the model back.
    page.locator('[data-testid="stSidebarNav"] a', has_text="Compare").click()
    wait_for_app(page)
    eventually(lambda: predicted_traces(page), "Compare's predicted loss after the menu")
    assert parse_qs(urlparse(page.url).query)["fit"] == [",".join(ids)]

    # A fresh load of a link (a refresh, a shared address): the model comes from the URL.
    items = [
        ("linear", LINEAR),
        ("step", STEP),
    ]
    view = {"epochs": 2, "steps_per_epoch": BATCHES, "step_per": "batch"}
    configs = {n: {"optimizer": dict(ADAM), "scheduler": s, "view": view} for n, s in items}
    state = {
        "items": [{"name": n, "config": c} for n, c in configs.items()],
        "view": {"epochs": 2, "steps_per_epoch": BATCHES},
    }
    page.goto(f"{server}/compare?s={encode(state)}&fit={','.join(ids)}&law=multi-power")
    wait_for_app(page)
    drawn = eventually(lambda: predicted_traces(page), "Compare's predicted loss from a link")
    for name, config in configs.items():
        drawn_cfg = parse(config, view=True).to_json()
        lrs = iteration_lrs(simulate(drawn_cfg), drawn_cfg["view"])
        want = predict(lm.model, lrs).loss
        assert np.allclose(drawn[f"{name} (predicted)"], want, rtol=1e-6), name
    section = page.get_by_text("Predicted train loss", exact=True)
    section.evaluate("e => e.scrollIntoView({block: 'start'})")  # the chart below it in view
    page.wait_for_timeout(500)
    shot = screenshot(page, "compare-predicted-loss-1280")
    assert shot.stat().st_size > 10_000
    # Explore: the same model under one schedule's lr curve, from its link.
    link = encode({**configs["linear"], "view": {**view, "x_axis": "iteration"}})
    page.goto(f"{server}/explore?c={link}&fit={','.join(ids)}&law=multi-power")
    wait_for_app(page)
    drawn = eventually(lambda: predicted_traces(page), "Explore's predicted loss from a link")
    assert len(drawn["this schedule (predicted)"]) == N
    page.get_by_text("Predicted train loss", exact=False).first.evaluate(
        "e => e.scrollIntoView({block: 'center'})"
    )
    page.wait_for_timeout(500)
    screenshot(page, "explore-predicted-loss-1280")
