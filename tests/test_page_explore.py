"""The Explore page through Streamlit's AppTest."""

import pytest
from apptest_helpers import messages, no_exception, page, traces

from lrlab import simulate
from lrlab.core.view import with_view_steps
from lrlab.io.share import decode, encode
from lrlab.present.presets import PRESETS


@pytest.fixture
def at():
    at = page("pages/explore.py")
    no_exception(at)
    return at


def lr_traces(at):
    return [t for t in traces(at) if t["name"].startswith("lr ")]


def test_default_page_shows_the_real_torch_curve(at):
    (lr,) = lr_traces(at)
    assert max(lr["y"]) == pytest.approx(0.1)
    assert at.get("plotly_chart") and not at.error
    assert "SequentialLR" in [s.value for s in at.sidebar.selectbox]


def test_changing_a_widget_changes_the_chart_data(at):
    at.number_input(key="ex.opt.SGD.lr").set_value(0.5).run()
    no_exception(at)
    assert max(lr_traces(at)[0]["y"]) == pytest.approx(0.5)
    at.selectbox(key="ex.sch.name").set_value("StepLR").run()
    at.number_input(key="ex.sch.StepLR.step_size").set_value(10).run()
    at.number_input(key="ex.view.epochs").set_value(40).run()
    no_exception(at)
    y = lr_traces(at)[0]["y"]
    assert sorted(set(y), reverse=True) == pytest.approx([0.5, 0.05, 0.005, 0.0005])
    cfg = {
        "optimizer": {"name": "SGD", "lr": 0.5, "momentum": 0.9, "weight_decay": 0.0001},
        "scheduler": {"name": "StepLR", "step_size": 10},
        "steps": 40,
    }
    assert y == simulate(cfg)["lr"].tolist()  # 40 points: nothing decimated


@pytest.mark.parametrize(
    ("scheduler", "key", "value", "words"),
    [
        ("MultiStepLR", "milestones", "ten", "numbers separated by commas"),
        ("StepLR", "step_size", 0, "torch fails at step 1"),
        ("CosineAnnealingWarmRestarts", "T_0", 0, "must be >= 1"),
        ("LambdaLR", "lr_lambda.0", "__import__('os').system('id')", "only the listed functions"),
        ("LambdaLR", "lr_lambda.0", "epoch +", "syntax error"),
        ("CosineAnnealingLR", "T_max", 0, "modulo by zero"),
    ],
)
def test_invalid_input_shows_a_message_and_keeps_the_last_chart(at, scheduler, key, value, words):
    at.selectbox(key="ex.sch.name").set_value(scheduler).run()
    before = lr_traces(at)[0]["y"]
    widget_key = f"ex.sch.{scheduler}.{key}"
    if isinstance(value, str):
        at.text_input(key=widget_key).input(value).run()
    else:
        at.number_input(key=widget_key).set_value(value).run()
    no_exception(at)
    assert words in messages(at)
    assert lr_traces(at)[0]["y"] == before  # the last good chart stays


def test_parameter_groups_draw_one_curve_each(at):
    at.number_input(key="ex.groups").set_value(2).run()
    at.number_input(key="ex.group1.lr").set_value(0.01).run()
    no_exception(at)
    a, b = lr_traces(at)
    assert max(a["y"]) == pytest.approx(0.1) and max(b["y"]) == pytest.approx(0.01)


def test_every_preset_renders(at):
    for name in PRESETS:
        at.selectbox(key="ex.preset").set_value(name).run()
        no_exception(at)
        assert not at.error, (name, messages(at))
        cfg = with_view_steps(PRESETS[name]["config"])
        expected = simulate(cfg)
        assert len(lr_traces(at)) == expected["group"].nunique()
        group0 = expected.loc[expected["group"] == 0, "lr"]
        assert max(lr_traces(at)[0]["y"]) == pytest.approx(group0.max())


def test_a_shared_link_restores_the_page():
    config = {
        "optimizer": {"name": "Adam", "lr": 0.003, "betas": [0.8, 0.99]},
        "param_groups": [{}, {"lr": 0.0005}],
        "scheduler": {"name": "ExponentialLR", "gamma": 0.9},
        "view": {
            "epochs": 30,
            "steps_per_epoch": 50,
            "step_per": "epoch",
            "x_axis": "iteration",
            "log_y": True,
        },
    }
    at = page("pages/explore.py", c=encode(config))
    no_exception(at)
    assert at.selectbox(key="ex.optimizer").value == "Adam"
    assert at.number_input(key="ex.opt.Adam.betas.0").value == 0.8
    assert at.number_input(key="ex.sch.ExponentialLR.gamma").value == 0.9
    assert at.radio(key="ex.view.x_axis").value == "iteration"
    assert at.toggle(key="ex.view.log_y").value is True
    a, b = lr_traces(at)
    expected = simulate(with_view_steps(config))
    assert a["y"] == expected.loc[expected.group == 0, "lr"].tolist()
    assert b["y"] == expected.loc[expected.group == 1, "lr"].tolist()
    assert a["x"][:2] == [0, 50]  # per-epoch steps drawn in iterations
    published = decode(at.query_params["c"])  # the URL keeps describing the page
    assert published["scheduler"] == config["scheduler"]
    assert published["param_groups"] == config["param_groups"]
    assert published["view"] == config["view"]
    assert simulate(published).equals(expected)  # what the CLI reads from the export


def test_a_broken_link_says_so_and_shows_the_default(at):
    at = page("pages/explore.py", c="not-a-real-link")
    no_exception(at)
    assert "could not be opened" in messages(at)
    assert lr_traces(at)


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("order", "Detected call of `lr_scheduler.step()` before `optimizer.step()`"),
        ("stepping", "epochs become batches"),
        ("get_lr", "get_last_lr()"),
    ],
)
def test_teaching_modes(at, mode, words):
    at.selectbox(key="ex.preset").set_value("ResNet step decay (StepLR 30/60/90)").run()
    at.selectbox(key="ex.teach").set_value(mode).run()
    no_exception(at)
    text = "\n".join(i.value for i in at.info)
    assert words in text
    if mode != "get_lr":
        ghost = [t for t in traces(at) if not t["name"].startswith("lr ")]
        assert ghost and ghost[0]["line"]["dash"] == "dash"
    if mode == "order":
        right, wrong = lr_traces(at)[0]["y"], ghost[0]["y"]
        assert wrong[:29] == right[1:30]  # every step runs one value ahead


def test_plateau_draws_the_metric_with_reductions(at):
    at.selectbox(key="ex.preset").set_value("ReduceLROnPlateau on a noisy loss").run()
    no_exception(at)
    names = [t["name"] for t in traces(at)]
    assert "metric" in names
    at.number_input(key="ex.sch.ReduceLROnPlateau.metrics.noise").set_value(-1.0).run()
    assert "noise: must be >= 0" in messages(at)


def test_code_and_values_are_shown(at):
    assert any("lr_scheduler.SequentialLR" in c.value for c in at.code)
    assert at.dataframe and len(at.dataframe[0].value) == 100


def test_a_stale_query_string_never_undoes_an_edit():
    # A rerun may carry the URL the browser had before the page published the new state.
    config = {
        "optimizer": {"name": "SGD", "lr": 0.1},
        "scheduler": {"name": "ConstantLR"},
        "view": {"epochs": 10},
    }
    link = encode(config)
    at = page("pages/explore.py", c=link)
    at.number_input(key="ex.opt.SGD.lr").set_value(0.3).run()
    at.query_params["c"] = link  # the stale string comes back with the next rerun
    at.run()
    no_exception(at)
    assert at.number_input(key="ex.opt.SGD.lr").value == 0.3
    assert max(lr_traces(at)[0]["y"]) == pytest.approx(0.3)


def test_leaving_and_coming_back_keeps_the_schedule():
    at = page("app.py")
    at.switch_page("pages/explore.py").run()
    at.selectbox(key="ex.sch.name").set_value("ExponentialLR").run()
    at.number_input(key="ex.sch.ExponentialLR.gamma").set_value(0.8).run()
    at.switch_page("pages/compare.py").run()
    no_exception(at)
    at.switch_page("pages/explore.py").run()
    no_exception(at)
    assert at.selectbox(key="ex.sch.name").value == "ExponentialLR"
    assert at.number_input(key="ex.sch.ExponentialLR.gamma").value == 0.8


def test_plateau_with_metric_values_from_a_link():
    metrics = [1.0, 0.9, 0.8] + [0.8] * 17
    config = {
        "optimizer": {"name": "SGD", "lr": 1.0},
        "scheduler": {"name": "ReduceLROnPlateau", "patience": 2, "metrics": metrics},
        "view": {"epochs": 20, "step_per": "epoch"},
    }
    at = page("pages/explore.py", c=encode(config))
    no_exception(at)
    assert at.radio(key="ex.sch.ReduceLROnPlateau.metrics.source").value == "uploaded values"
    by_name = {t["name"]: t["y"] for t in traces(at)}
    assert by_name["metric"] == metrics
    assert by_name["lr group 0"] == simulate({**config, "steps": 20})["lr"].tolist()
    assert min(by_name["lr group 0"]) < 1.0  # reduced after the plateau


def test_a_new_scheduler_brings_its_usual_stepping(at):
    at.selectbox(key="ex.sch.name").set_value("OneCycleLR").run()
    assert at.radio(key="ex.view.step_per").value == "batch"
    no_exception(at)
    (lr,) = lr_traces(at)
    assert max(lr["x"]) == pytest.approx(99.99)  # 100 epochs of 100 batches, in epochs
    assert 1000 <= len(lr["y"]) <= 2000  # 10,000 steps drawn with their shape, decimated
    at.selectbox(key="ex.sch.name").set_value("StepLR").run()
    assert at.radio(key="ex.view.step_per").value == "epoch"


def test_start_at_step_shows_the_rest_of_the_run_and_travels_in_the_link(at):
    full = simulate(with_view_steps(PRESETS["Cosine with linear warmup"]["config"]))
    at.number_input(key="ex.start_step").set_value(30).run()
    no_exception(at)
    assert not at.error, messages(at)
    (lr,) = lr_traces(at)
    assert lr["x"] == list(range(30, 100))  # the x axis starts at step 30
    assert lr["y"] == full["lr"].tolist()[30:]  # the run's own values from there
    link = decode(at.query_params["c"])
    assert link["start_step"] == 30 and link["steps"] == 70
    assert "for epoch in range(30, 100):" in at.code[0].value
    reopened = page("pages/explore.py", c=at.query_params["c"])
    no_exception(reopened)
    assert not reopened.warning and not reopened.error, messages(reopened)
    assert reopened.number_input(key="ex.start_step").value == 30
    assert lr_traces(reopened)[0]["y"] == lr["y"]
    at.number_input(key="ex.start_step").set_value(100).run()  # past the run's end
    no_exception(at)
    assert "start_step: must be below the run's 100 scheduler steps" in messages(at)
    assert lr_traces(at)[0]["x"][0] == 30  # the last valid chart stays
    at.number_input(key="ex.start_step").set_value(0).run()
    assert "start_step" not in decode(at.query_params["c"])  # back to the link of before


@pytest.mark.parametrize("mode", ["order", "stepping", "get_lr"])
def test_teaching_ghosts_of_a_resumed_schedule_start_where_it_starts(at, mode):
    at.selectbox(key="ex.preset").set_value("ResNet step decay (StepLR 30/60/90)").run()
    at.number_input(key="ex.start_step").set_value(25).run()
    at.selectbox(key="ex.teach").set_value(mode).run()
    no_exception(at)
    right = lr_traces(at)[0]
    if mode == "get_lr":
        assert at.dataframe[0].value["step"].tolist()[:2] == [25, 26]
        return
    ghost = next(t for t in traces(at) if not t["name"].startswith("lr "))
    assert ghost["x"][0] == right["x"][0] == 25  # the same moment of the run, in epochs
    if mode == "order":
        assert ghost["y"][:10] == right["y"][1:11]  # still one value ahead


def test_a_picked_scheduler_fits_its_periods_to_the_run(at):
    """A 10-epoch run that picks MultiStepLR gets milestones inside the run, not 30, 60, 90
    past its end (a flat line); a value typed afterwards is the user's."""
    at.selectbox(key="ex.preset").set_value("One-cycle (fastai)").run()
    at.selectbox(key="ex.sch.name").set_value("timm:MultiStepLRScheduler").run()
    no_exception(at)
    assert at.text_input(key="ex.sch.timm:MultiStepLRScheduler.decay_t").value == "3, 6, 9"
    (lr,) = lr_traces(at)
    assert len(set(lr["y"])) == 4  # three drops by timm's proposed 0.1
    at.selectbox(key="ex.sch.name").set_value("CosineAnnealingLR").run()
    assert at.number_input(key="ex.sch.CosineAnnealingLR.T_max").value == 10
    at.number_input(key="ex.sch.CosineAnnealingLR.T_max").set_value(40).run()
    assert at.number_input(key="ex.sch.CosineAnnealingLR.T_max").value == 40


@pytest.fixture
def validations(monkeypatch):
    """Counts every validation of a schedule, whichever module calls it."""
    import sys

    from lrlab.core import config

    calls, real = [], config.validate

    def counting(*args, **kwargs):
        import traceback

        calls.append("".join(traceback.format_stack(limit=8)))
        return real(*args, **kwargs)

    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("lrlab") and (
            getattr(module, "validate", None) is real
        ):
            monkeypatch.setattr(module, "validate", counting)
    return calls


def test_an_edit_validates_the_schedule_once(at, validations):
    at.number_input(key="ex.opt.SGD.lr").set_value(0.2).run()
    no_exception(at)
    assert max(lr_traces(at)[0]["y"]) == pytest.approx(0.2)
    # the form's config, parsed once: the preset box, chart, code and table share it
    assert len(validations) == 1, "\n=====\n".join(validations)
    at.toggle(key="ex.view.log_y").set_value(True).run()
    assert len(validations) == 2
