"""Train with an uploaded run config: every train key it names reaches the stored run."""

import json

from apptest_helpers import no_exception, page

from lrlab.jobs.manager import get_manager

RUN_CONFIG = {
    "optimizer": {"name": "SGD", "lr": 0.05, "momentum": 0.9},
    "scheduler": {"name": "MultiStepLR", "milestones": [46, 69], "gamma": 0.1},
    "train": {
        "dataset": "digits",
        "model": "lenet",
        "epochs": 4,
        "batch_size": 64,
        "subset": 300,
        "device": "cpu",
        "seed": 3,
        "step_per": "batch",
        "augment": False,
        "label_smoothing": 0.1,
    },
}


def upload(at, config):
    at.radio(key="tr.source").set_value("Upload").run()
    data = json.dumps(config).encode()
    at.file_uploader(key="tr.upload").set_value(("run.json", data, "application/json")).run()
    no_exception(at)
    return at


def test_an_uploaded_run_config_trains_exactly_as_it_says(db):
    at = upload(page("pages/train.py"), RUN_CONFIG)
    assert at.selectbox(key="tr.train.step_per").value == "batch"  # what the page shows
    assert at.radio(key="tr.source").options == ["Explore", "Compare", "Preset", "Upload"]
    assert at.radio(key="tr.source").value == "Upload"  # a file is not taken for a design
    at.button(key="tr.start").click().run()
    no_exception(at)
    run_id = at.session_state["tr.run"]
    jobs = get_manager(db)
    try:
        stored = jobs.store.get_run(run_id)["config"]
        assert stored["train"] == RUN_CONFIG["train"]  # every key, none reset by the page
        assert stored["scheduler"]["milestones"] == [46, 69]
    finally:
        jobs.cancel(run_id)
        jobs.wait(run_id, timeout=120)


def test_keys_an_uploaded_run_config_leaves_out_are_the_defaults_not_earlier_edits(db):
    at = page("pages/train.py")
    at.number_input(key="tr.train.seed").set_value(7).run()
    upload(at, {**RUN_CONFIG, "train": {"dataset": "digits", "step_per": "batch"}})
    assert at.number_input(key="tr.train.seed").value == 0  # the file's (default), not 7
    assert at.selectbox(key="tr.train.step_per").value == "batch"


def test_an_uploaded_run_config_keeps_its_stepping_after_visiting_another_source(db):
    at = upload(page("pages/train.py"), RUN_CONFIG)
    at.radio(key="tr.source").set_value("Preset").run()
    at.radio(key="tr.source").set_value("Upload").run()
    no_exception(at)
    assert at.selectbox(key="tr.train.step_per").value == "batch"


def yaxis_range(at, index=0, axis="yaxis"):
    spec = json.loads(at.get("plotly_chart")[index].proto.spec)
    return spec["layout"][axis].get("range")


def test_a_constant_lr_is_drawn_around_its_value_not_on_a_negative_axis(db):
    flat = {
        "optimizer": {"name": "SGD", "lr": 0.05},
        "scheduler": {"name": "ConstantLR", "factor": 1.0, "total_iters": 0},
    }
    at = upload(page("pages/train.py"), flat)
    lo, hi = yaxis_range(at)  # the planned lr, what the user reads
    assert lo == 0 and lo < 0.05 < hi <= 0.2
