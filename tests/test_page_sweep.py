"""The Sweep page through AppTest: start a sweep of presets × seeds, watch it fill in, see the
bands and intervals, reopen it by link and from Runs."""

import pytest
from apptest_helpers import no_exception, page, traces

from lrlab.sweep import sweep_runs
from lrlab.sweep.jobs import get_sweep_jobs
from lrlab.train.store import RunStore


@pytest.mark.slow
def test_start_watch_and_reopen_a_sweep(db):
    at = page("pages/sweep.py")
    no_exception(at)
    assert at.multiselect(key="sw.schedules").value == [
        "Digits starter (one-cycle, SGD)",
        "Cosine with linear warmup",
    ]
    at.multiselect(key="sw.schedules").set_value(
        ["Digits starter (one-cycle, SGD)", "Exponential decay"]
    )
    at.number_input(key="sw.seeds").set_value(2)
    at.number_input(key="sw.train.epochs").set_value(1)
    at.number_input(key="sw.train.subset").set_value(256)
    at.run()
    assert at.metric[0].value == "4"
    at.button(key="sw.start").click().run()
    no_exception(at)
    sweep_id = at.session_state["sw.sweep"]
    store = RunStore(db)
    assert get_sweep_jobs(store).running(sweep_id)  # outside the script run
    assert get_sweep_jobs(store).wait(sweep_id, timeout=300)
    assert get_sweep_jobs(store).spec(sweep_id)["seeds"] == [0, 1]
    runs = sweep_runs(store, sweep_id)
    assert set(runs["status"]) == {"completed"} and sorted(runs["seed"]) == [0, 0, 1, 1]

    again = page("pages/sweep.py", sweep=sweep_id)  # a new session: the link reopens it
    no_exception(again)
    shown = {t["name"] for t in traces(again) if t.get("showlegend") is not False}
    assert shown == {"Digits starter (one-cycle, SGD)", "Exponential decay"}
    mean = {
        t["name"]: t["y"]
        for t in traces(again)
        if t.get("error_y") and t["error_y"].get("array") is not None
    }
    runs = runs.set_index(["label", "seed"])
    for label, y in mean.items():
        assert y == pytest.approx([runs.loc[label, "test_accuracy"].mean()])
    assert len(mean) == 2
    summary, table = again.dataframe[0].value, again.dataframe[1].value  # summary first
    assert list(summary["label"]) == ["Digits starter (one-cycle, SGD)", "Exponential decay"]
    assert list(summary["n"]) == [2, 2]
    assert len(table) == 4 and set(table["status"]) == {"completed"}

    listing = page("pages/runs.py")
    no_exception(listing)
    assert any(f"sweep?sweep={sweep_id}" in m.value for m in listing.markdown)
    listed = listing.dataframe[0].value  # a sweep's runs are stored normalised: no gaps
    assert set(listed["model"]) == {"lenet"} and set(listed["dataset"]) == {"digits"}


def test_a_sweep_that_cannot_run_says_why_and_starts_nothing(db):
    from apptest_helpers import ROOT, TIMEOUT
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages/sweep.py"), default_timeout=TIMEOUT)
    broken = {"optimizer": {"name": "SGD", "lr": 0.1}, "scheduler": {"name": "StepLR"}}
    at.session_state["cmp.items"] = [{"name": "no step size", "config": broken}]
    at.run()
    at.multiselect(key="sw.schedules").set_value(["Compare: no step size"]).run()
    no_exception(at)
    at.button(key="sw.start").click().run()
    no_exception(at)
    assert "variants[0].scheduler.step_size" in at.error[0].value
    assert RunStore(db).list_runs().empty


def test_a_schedule_torch_fails_on_while_stepping_is_refused_before_anything_runs(db):
    """StepLR step_size 0 builds fine and fails at step 1: the page names it at Start."""
    from apptest_helpers import ROOT, TIMEOUT
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages/sweep.py"), default_timeout=TIMEOUT)
    sgd = {"name": "SGD", "lr": 0.1}
    fine = {"optimizer": sgd, "scheduler": {"name": "ExponentialLR", "gamma": 0.9}}
    broken = {"optimizer": sgd, "scheduler": {"name": "StepLR", "step_size": 0}}
    at.session_state["cmp.items"] = [
        {"name": "fine", "config": fine},
        {"name": "step size 0", "config": broken},
    ]
    at.run()
    at.multiselect(key="sw.schedules").set_value(["Compare: fine", "Compare: step size 0"]).run()
    at.button(key="sw.start").click().run()
    no_exception(at)
    assert at.error and "variants[1].scheduler" in at.error[0].value, at.error
    assert RunStore(db).list_runs().empty


def stored_sweep(store: RunStore, seeds: int = 2, labels: tuple[str, ...] = ("a",)) -> str:
    """A sweep's queued rows in the store, as its driver writes them before anything trains."""
    from lrlab.sweep import create_runs, new_sweep_id, parse_sweep

    spec = {
        "base": {"train": {"dataset": "digits", "epochs": 1, "subset": 128}},
        "variants": [
            {
                "label": label,
                "optimizer": {"name": "SGD", "lr": 0.1},
                "scheduler": {"name": "ExponentialLR", "gamma": 0.9},
            }
            for label in labels
        ],
        "seeds": list(range(seeds)),
    }
    sweep_id = new_sweep_id()
    create_runs(store, parse_sweep(spec), sweep_id)
    return sweep_id


def test_starting_a_sweep_when_another_exists_shows_the_new_one_live(db):
    older = stored_sweep(RunStore(db))
    at = page("pages/sweep.py")
    no_exception(at)
    assert at.selectbox(key="sw.open").value == older
    at.number_input(key="sw.seeds").set_value(1)
    at.number_input(key="sw.train.epochs").set_value(1)
    at.number_input(key="sw.train.subset").set_value(128)
    at.button(key="sw.start").click().run()
    no_exception(at)
    new = at.session_state["sw.sweep"]
    jobs = get_sweep_jobs(RunStore(db))
    try:
        assert new != older and at.query_params["sweep"] == new
        box = at.selectbox(key="sw.open")
        assert box.value == new  # listed, even before its process has stored its runs
        assert [o.split(" · ")[0] for o in box.options] == [new, older]
        assert at.subheader[0].value == f"Sweep {new} (live)"
        assert at.button(key="sw.stop")  # it can be stopped from the first redraw on
        at.run()  # a later rerun (the timer, a widget) keeps showing it
        assert at.selectbox(key="sw.open").value == new
        assert at.subheader[0].value.startswith(f"Sweep {new}")
    finally:
        jobs.cancel(new)
        assert jobs.wait(new, timeout=300)


def test_a_link_opens_its_sweep_and_the_box_switches_to_another(db):
    store = RunStore(db)
    first, second = stored_sweep(store), stored_sweep(store)
    at = page("pages/sweep.py", sweep=first)
    no_exception(at)
    assert at.selectbox(key="sw.open").value == first
    assert at.subheader[0].value == f"Sweep {first}"
    at.selectbox(key="sw.open").select(second).run()
    assert at.subheader[0].value == f"Sweep {second}"


def test_a_sweep_with_no_finished_run_counts_no_failure_and_waits_honestly(db):
    store = RunStore(db)
    sweep_id = stored_sweep(store, seeds=3)
    first = sweep_runs(store, sweep_id)["id"].iloc[0]
    store.update_run(first, status="running")
    at = page("pages/sweep.py", sweep=sweep_id)
    no_exception(at)
    summary = at.dataframe[0].value
    assert list(summary["failed"]) == [0] and list(summary["n"]) == [0]
    assert list(summary["pending"]) == [3]  # one running, two queued
    assert not at.get("plotly_chart")  # no empty axes spanning -100%..400%
    assert any("waiting for the first run to finish" in i.value.lower() for i in at.info)
    store.finish_run(first, "diverged", "loss is nan")
    at.run()
    summary = at.dataframe[0].value
    assert list(summary["failed"]) == [1] and list(summary["pending"]) == [2]


def finished_sweep(store: RunStore, accuracies: dict[str, list[float]]) -> str:
    """A sweep whose runs completed with these final accuracies (label -> one per seed)."""
    seeds = len(next(iter(accuracies.values())))
    sweep_id = stored_sweep(store, seeds, tuple(accuracies))
    for run in sweep_runs(store, sweep_id).to_dict("records"):
        acc = accuracies[run["label"]][int(run["seed"])]
        store.finish_run(run["id"], "completed", "", test_accuracy=acc)
    return sweep_id


def verdict_lines(at) -> list[str]:
    return [
        line.removeprefix("- ")
        for m in at.markdown
        for line in m.value.splitlines()
        if " beats " in line or "told apart" in line
    ]


def test_the_page_says_which_schedule_is_better_in_a_sentence(db):
    store = RunStore(db)
    clear = finished_sweep(store, {"constant": [0.83, 0.84, 0.85], "one-cycle": [0.95, 0.97, 0.96]})
    at = page("pages/sweep.py", sweep=clear)
    no_exception(at)
    (line,) = verdict_lines(at)
    assert line.startswith("one-cycle beats constant by 12.0 points (95% interval ")
    assert line.endswith("; 3 of 3 seeds).")
    summary = at.dataframe[0].value
    assert (summary["ci95_low"] >= 0).all() and (summary["ci95_high"] <= 1).all()

    close = finished_sweep(store, {"a": [0.9, 0.8], "b": [0.87, 0.79]})
    at = page("pages/sweep.py", sweep=close)
    no_exception(at)
    (line,) = verdict_lines(at)
    assert line.startswith("a and b cannot be told apart with 2 seeds")
    assert "seeds would resolve a difference of 2.0 points" in line


def test_a_seed_that_stayed_at_chance_level_is_flagged_in_the_tables_and_the_sentence(db):
    store = RunStore(db)
    sweep_id = finished_sweep(
        store, {"one-cycle": [0.97, 0.96, 0.95], "constant": [0.95, 0.103, 0.94]}
    )
    at = page("pages/sweep.py", sweep=sweep_id)
    no_exception(at)
    summary, table = at.dataframe[0].value, at.dataframe[1].value
    assert list(summary["at_chance"]) == [0, 1]
    assert list(summary["n"]) == [3, 3]  # it completed, and counts in the mean
    flagged = table[table["status"] == "at chance"]
    assert list(zip(flagged["label"], flagged["seed"], strict=True)) == [("constant", 1)]
    (line,) = verdict_lines(at)
    # the paired interval is wide because constant did not learn on seed 1: the sentence
    # says that, not only "more seeds would resolve it"
    assert line.startswith("one-cycle and constant cannot be told apart with 3 seeds")
    assert line.endswith(
        "1 of 3 seeds of constant stayed at chance level (seed 1: 10.3%): it did not learn "
        "there, and its mean counts that run."
    )
    assert "one-cycle stayed" not in line and "seeds of one-cycle" not in line


def test_an_unknown_sweep_link_says_so_and_shows_no_other_sweep(db):
    other = stored_sweep(RunStore(db))
    at = page("pages/sweep.py", sweep="doesnotexist")
    no_exception(at)
    assert any("no sweep doesnotexist" in e.value.lower() for e in at.error)
    assert not [h for h in at.subheader if h.value.startswith("Sweep ")]
    assert not at.dataframe
    assert at.selectbox(key="sw.open").value is None  # the other one is not taken for it
    at.selectbox(key="sw.open").select(other).run()
    no_exception(at)
    assert at.subheader[0].value == f"Sweep {other}" and not at.error


def test_new_sweeps_train_on_the_whole_set_with_schedules_fitted_to_their_length(db):
    at = page("pages/sweep.py")
    no_exception(at)
    assert at.number_input(key="sw.train.subset").value is None  # the whole training set
    captions = " ".join(c.value for c in at.caption)
    assert (
        "**Cosine with linear warmup**: fitted to 8 epochs (set up for 100): "
        "SequentialLR milestones [5] → [1], LinearLR total_iters 5 → 1, "
        "CosineAnnealingLR T_max 95 → 7." in captions
    )
    at.multiselect(key="sw.schedules").set_value(["Exponential decay"]).run()
    at.number_input(key="sw.train.epochs").set_value(3).run()
    assert [w.value for w in at.warning] == ["**Exponential decay** trains 3 of its 60 epochs."]


def test_compare_s_items_are_the_default_only_when_they_fit(db):
    from apptest_helpers import ROOT, TIMEOUT
    from streamlit.testing.v1 import AppTest

    from lrlab.present.presets import preset

    timm = [
        {"name": n, "config": preset(n)}
        for n in (
            "timm ImageNet cosine (timm:CosineLRScheduler)",
            "timm's ImageNet cosine as torch users write it (SequentialLR)",
        )
    ]
    at = AppTest.from_file(str(ROOT / "pages/sweep.py"), default_timeout=TIMEOUT)
    at.session_state["cmp.items"] = timm  # 300-epoch schedules: not a default for 8 epochs
    at.run()
    assert at.multiselect(key="sw.schedules").value == [
        "Digits starter (one-cycle, SGD)",
        "Cosine with linear warmup",
    ]
    short = [
        {"name": n, "config": preset(n)}
        for n in ("Digits starter (one-cycle, SGD)", "One-cycle (fastai)")
    ]
    at = AppTest.from_file(str(ROOT / "pages/sweep.py"), default_timeout=TIMEOUT)
    at.session_state["cmp.items"] = short
    at.run()
    assert at.multiselect(key="sw.schedules").value == [
        "Compare: Digits starter (one-cycle, SGD)",
        "Compare: One-cycle (fastai)",
    ]
