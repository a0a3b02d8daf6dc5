"""Config files in the real browser: Explore and Train open an uploaded file the same way, or
say in one line why not and keep what they show."""

import json

import pytest
from e2e import CEILING_MS, chart_traces, eventually, screenshot, wait_for_app
from test_browser import open_page

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1280, "height": 1400}
SCHEDULE = {
    "optimizer": {"name": "SGD", "lr": 0.1},
    "scheduler": {"name": "StepLR", "step_size": 3, "gamma": 0.5},
    "view": {"epochs": 12, "step_per": "epoch"},
}
# Valid for its run (2 epochs x 23 batches = 46 steps), not over Explore's default 100 x 100.
RUN = {
    "optimizer": {"name": "SGD", "lr": 0.05, "momentum": 0.9},
    "scheduler": {"name": "OneCycleLR", "max_lr": 0.05, "total_steps": 46},
    "train": {"dataset": "digits", "epochs": 2, "batch_size": 64},
}


def upload(page, tmp_path, config, name="config.json"):
    path = tmp_path / name
    path.write_text(config if isinstance(config, str) else json.dumps(config))
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(path)
    wait_for_app(page)


def errors(page):
    return [e.inner_text() for e in page.locator('[data-testid="stAlert"]').all()]


def test_explore_opens_a_file_or_says_why_not(page, server, tmp_path):
    page.goto(server)  # the home page registers the navigation first
    wait_for_app(page)
    open_page(page, f"{server}/explore")
    page.get_by_role("tab", name="Config & share").click()
    upload(page, tmp_path, SCHEDULE)
    lr = eventually(
        lambda: (y := chart_traces(page)[0]["y"]) and len(y) == 12 and y, "file not drawn"
    )
    assert lr == pytest.approx([0.1] * 3 + [0.05] * 3 + [0.025] * 3 + [0.0125] * 3)
    bad = {**SCHEDULE, "scheduler": {"name": "StepLR", "step_size": "ten"}}
    upload(page, tmp_path, bad, "bad.json")
    shown = eventually(
        lambda: [e for e in errors(page) if e.startswith("Not loaded")],
        "the error box did not appear",
    )
    assert len(shown) == 1 and "step_size" in shown[0] and "\n" not in shown[0]
    assert chart_traces(page)[0]["y"] == lr  # nothing else changed
    screenshot(page, "explore-upload-refused")
    upload(page, tmp_path, RUN, "run.json")  # a run config: over the run's epochs and batches
    eventually(lambda: len(chart_traces(page)[0]["y"]) == 46, "the run's 46 steps not drawn")
    assert not [e for e in errors(page) if e.startswith("Not loaded")]


def test_train_takes_a_run_config_with_its_settings_or_says_why_not(page, server, tmp_path):
    page.goto(server)
    wait_for_app(page)
    page.goto(f"{server}/train")
    wait_for_app(page)
    page.get_by_role("button", name="Start training").wait_for(timeout=CEILING_MS)
    page.get_by_text("Upload", exact=True).click()
    wait_for_app(page)
    upload(page, tmp_path, RUN, "run.json")
    epochs = page.get_by_label("epochs", exact=True)
    eventually(lambda: epochs.input_value() == "2", "the file's epochs were not shown")
    assert page.get_by_role("button", name="Start training").is_enabled()
    upload(page, tmp_path, {**RUN, "train": {"epochs": 0}}, "bad-run.json")
    shown = eventually(
        lambda: [e for e in errors(page) if e.startswith("Not loaded")],
        "the error box did not appear",
    )
    assert len(shown) == 1 and "train.epochs" in shown[0]
    assert page.get_by_label("epochs", exact=True).input_value() == "2"  # kept
    screenshot(page, "train-upload-refused")
