"""The Train and Runs pages through AppTest: the page submits, the job manager trains."""

from apptest_helpers import no_exception, page, traces

from lrlab.jobs.manager import get_manager


def start(at, epochs=2, name=""):
    at.number_input(key="tr.train.epochs").set_value(epochs)
    at.text_input(key="tr.name").input(name)
    at.button(key="tr.start").click().run()
    no_exception(at)
    return at.session_state["tr.run"]


def test_start_a_digits_run_from_the_page_and_see_it_stored(db):
    at = page("pages/train.py")
    no_exception(at)
    assert at.selectbox(key="tr.train.dataset").value == "digits"  # no CIFAR-10 here
    assert at.get("plotly_chart")  # the planned lr curve before starting
    run_id = start(at, name="first run")
    jobs = get_manager(db)
    assert jobs.wait(run_id, timeout=120)
    at.run()
    no_exception(at)
    assert any("Completed: test accuracy" in s.value for s in at.success)
    run = jobs.store.get_run(run_id)
    assert run["status"] == "completed" and run["name"] == "first run"
    assert run["config"]["train"]["dataset"] == "digits"
    live = traces(at, index=1)  # the run's own figure
    assert {"loss", "loss (smoothed)", "lr group 0", "test accuracy"} <= {t["name"] for t in live}


def test_reopening_with_the_run_id_reattaches(db):
    at = page("pages/train.py")
    run_id = start(at, epochs=1)
    get_manager(db).wait(run_id, timeout=120)
    other = page("pages/train.py", run=run_id)  # a new session, e.g. a refreshed tab
    no_exception(other)
    assert any(run_id in m.value for m in other.markdown)


def test_a_second_job_waits_in_the_queue(db):
    jobs = get_manager(db)
    blocker = jobs.submit(
        {
            "optimizer": {"name": "SGD", "lr": 0.01},
            "scheduler": {"name": "ConstantLR"},
            "train": {"dataset": "digits", "epochs": 200, "device": "cpu"},
        }
    )
    try:
        at = page("pages/train.py")
        at.selectbox(key="tr.train.device").set_value("cpu")
        run_id = start(at)
        assert any("Queued" in i.value for i in at.info)
        assert jobs.queue_position(run_id) == 1
    finally:
        jobs.cancel(blocker)
        jobs.cancel(run_id)


def test_a_schedule_that_cannot_train_says_why(db):
    at = page("pages/train.py")
    at.radio(key="tr.source").set_value("Upload").run()
    at.session_state["tr.uploaded"] = {
        "optimizer": {"name": "SGD", "lr": 0.1},
        "scheduler": {"name": "StepLR", "step_size": "ten"},
    }
    at.run()
    no_exception(at)
    assert any("cannot train" in e.value and "step_size" in e.value for e in at.error)
    assert at.button(key="tr.start").disabled


def test_runs_page_lists_compares_renames_and_deletes(db):
    at = page("pages/train.py")
    first = start(at, epochs=1, name="alpha")
    get_manager(db).wait(first, timeout=120)
    at.radio(key="tr.source").set_value("Preset").run()
    at.selectbox(key="tr.preset").set_value("Exponential decay").run()
    second = start(at, epochs=1, name="beta")
    get_manager(db).wait(second, timeout=120)

    runs = page("pages/runs.py")
    no_exception(runs)
    table = runs.dataframe[0].value
    assert set(table["name"]) == {"alpha", "beta"}
    assert set(runs.multiselect(key="runs.selected").value) == {first, second}
    names = {t["name"] for t in traces(runs)}
    assert any(n.startswith("alpha") for n in names) and any(n.startswith("beta") for n in names)

    runs.multiselect(key="runs.selected").set_value([second]).run()
    runs.text_input(key="runs.new_name").input("beta renamed")
    runs.button(key="runs.rename").click().run()
    assert get_manager(db).store.get_run(second)["name"] == "beta renamed"
    runs.checkbox(key="runs.confirm").check().run()
    runs.button(key="runs.delete").click().run()
    no_exception(runs)
    assert get_manager(db).store.get_run(second) is None
    assert set(runs.dataframe[0].value["name"]) == {"alpha"}


def test_open_a_run_config_in_explore(db):
    at = page("app.py")
    at.switch_page("pages/explore.py").run()  # Explore already shows a schedule of its own
    assert at.selectbox(key="ex.sch.name").value == "SequentialLR"
    at.switch_page("pages/train.py").run()
    at.radio(key="tr.source").set_value("Preset").run()
    at.selectbox(key="tr.preset").set_value("SGDR warm restarts").run()
    run_id = start(at, epochs=1)
    get_manager(db).wait(run_id, timeout=120)
    at.switch_page("pages/runs.py").run()
    at.multiselect(key="runs.selected").set_value([run_id]).run()
    at.button(key="runs.explore").click().run()
    no_exception(at)
    assert at.selectbox(key="ex.sch.name").value == "CosineAnnealingWarmRestarts"
    assert at.number_input(key="ex.view.epochs").value == 1
    assert at.selectbox(key="ex.preset").value == "(your own)"
    at.switch_page("pages/compare.py").run()  # and Explore keeps it: Compare can copy it
    at.selectbox(key="cmp.source").set_value("Current Explore schedule").run()
    at.button(key="cmp.add").click().run()
    assert at.selectbox(key="cmp2.sch.name").value == "CosineAnnealingWarmRestarts"


def test_runs_page_names_range_tests_and_leaves_them_out_of_the_comparison(db):
    from lrlab.train.store import RunStore

    store = RunStore(db)
    config = {
        "optimizer": {"name": "SGD", "lr": 0.05, "momentum": 0.9},
        "scheduler": {"name": "OneCycleLR", "max_lr": 0.1},
        "train": {"dataset": "digits", "epochs": 1, "device": "cpu"},
    }
    run_id = store.create_run(config, name="ramp")
    store.update_run(run_id, kind="range_test", status="completed")
    runs = page("pages/runs.py")
    no_exception(runs)
    table = runs.dataframe[0].value
    assert table.loc[table["name"] == "ramp", "schedule"].item().startswith("LR range test · SGD")
    assert runs.multiselect(key="runs.selected").value == []  # nothing to compare by default


def test_an_unedited_preset_is_listed_once():
    at = page("pages/explore.py")
    no_exception(at)
    options = at.selectbox(key="ex.preset").options
    assert len(options) == len(set(options))
    at.number_input(key="ex.opt.SGD.lr").set_value(0.5).run()
    assert at.selectbox(key="ex.preset").options[0].startswith("custom (edited from")
