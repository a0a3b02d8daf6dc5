"""The Train page's "Find a learning rate" section: options, the job, its figure, and the
buttons that put the suggestion into the page's schedule. Decisions live in lrlab."""

from __future__ import annotations

from typing import Any

import streamlit as st

from lrlab import ConfigError
from lrlab.jobs.manager import Job, JobManager
from lrlab.rangetest.curve import MAX_ITERS, MAX_REPEATS, METHODS, MODES, apply_lr, peak_target
from lrlab.rangetest.figure import (
    METHOD_LABELS,
    how_to_read,
    live_result,
    range_test_figure,
)
from lrlab.rangetest.pick import with_method
from lrlab.train.status import LIVE, progress_line

P = "tr.rt"
PATCH = "tr.lr_patch"
REFRESH_SECONDS = 1.0
HELP = (
    "The LR range test trains from the run's initial weights for a few steps while the lr "
    "rises geometrically from the first to the last value, one batch per step, and stops "
    "when the smoothed loss passes 4x its minimum. Each parameter group's lr is multiplied "
    "by the same factor, so their ratios are kept (the lr shown is group 0's). Measured as "
    "one-cycle max_lr for 4 epochs on Digits/LeNet over 4 seeds at batch 32 and 64: "
    "minimum/7 (the default) trained best; minimum/10 (fastai) a little low at batch 64; "
    "valley (fastai) too low and the most seed-dependent; steepest (torch-lr-finder) too high, "
    "near the edge of divergence. Use several seeds to see the spread."
)


def patched(schedule: dict | None, name: str) -> dict | None:
    """The picked schedule with a suggestion put in by the buttons below (for this schedule)."""
    patch = st.session_state.get(PATCH)
    if not schedule or not patch or patch["schedule"] != name:
        return schedule
    out = apply_lr(schedule, patch["lr"], patch["target"])
    cols = st.columns([4, 1])
    field = "max_lr" if patch["target"] == "peak" and peak_target(schedule) == "max_lr" else "lr"
    cols[0].info(f"{field} set to {patch['lr']:.3g} from the LR range test.")
    cols[1].button("undo", key=f"{P}.undo", on_click=st.session_state.pop, args=(PATCH, None))
    return out


METHOD_HELP = (
    "Which rule turns the curve into a suggestion. **minimum/7** (default, measured best): a "
    "seventh of the lr at the lowest smoothed loss. **minimum/10** (fastai): a tenth of it. "
    "**valley** (fastai): about half-way down the longest stretch where the loss falls. "
    "**steepest** (torch-lr-finder): where the loss falls fastest."
)


def options() -> dict[str, Any]:
    # Two rows of three: in one row of six the select boxes cut their text at 1280 px.
    top, bottom = st.columns(3), st.columns(3)
    return {
        "start_lr": top[0].number_input(
            "start lr", min_value=1e-12, value=1e-7, format="%.1e", key=f"{P}.start_lr"
        ),
        "end_lr": top[1].number_input(
            "end lr", min_value=1e-12, value=10.0, format="%.1e", key=f"{P}.end_lr"
        ),
        "iters": top[2].number_input(
            "iterations", min_value=2, max_value=MAX_ITERS, value=100, key=f"{P}.iters"
        ),
        "mode": bottom[0].selectbox("ramp", MODES, key=f"{P}.mode"),
        "repeats": bottom[1].number_input(
            "seeds", min_value=1, max_value=MAX_REPEATS, value=1, key=f"{P}.repeats"
        ),
        "method": bottom[2].selectbox(
            "method",
            METHODS,
            key=f"{P}.method",
            format_func=lambda m: METHOD_LABELS[m],
            help=METHOD_HELP,
        ),
    }


def section(jobs: JobManager, run_config: dict | None, schedule_name: str) -> None:
    st.subheader("Find a learning rate", help=HELP)
    opts = options()
    if st.button("Find a learning rate", key=f"{P}.start", disabled=run_config is None):
        try:
            run_id = jobs.submit_range_test(run_config, opts)
            st.session_state[P] = run_id
            st.query_params["rt"] = run_id
        except ConfigError as err:
            st.error(str(err))
    run_id = st.query_params.get("rt") or st.session_state.get(P)
    run = jobs.store.get_run(run_id) if run_id else None
    if run is None or run.get("kind") != "range_test":
        st.caption("Runs a short range test on this model and data; the result is stored.")
        return
    live = run["status"] in LIVE
    every = REFRESH_SECONDS if live else None
    peak_field = peak_target(run_config) if run_config else "lr"
    st.fragment(run_every=every)(watch)(jobs, run_id, schedule_name, peak_field, live)


def watch(
    jobs: JobManager, run_id: str, schedule_name: str, peak_field: str, live_at_render: bool
) -> None:
    run = jobs.store.get_run(run_id)
    job = jobs.job(run_id)
    status = job.status if job else run["status"]
    if live_at_render and status not in LIVE:
        st.rerun()  # it just ended: redraw the page once, without the timer, with its result
    if status in LIVE:
        running(jobs, run, job, status)
    result = run.get("result") or live_result(jobs.store.steps(run_id))
    if result.get("suggestion_spread"):  # the method picked now, not the one it ran with
        result = with_method(result, st.session_state.get(f"{P}.method", result["method"]))
    if result.get("repeats"):
        st.plotly_chart(range_test_figure(result), width="stretch", key=f"{P}.chart")
        st.caption(how_to_read(result.get("method", "")))
    elif status in LIVE:  # an empty chart would look stuck
        st.caption("The loss curve appears with the first steps and grows as the lr rises.")
    if status == "failed" or (status == "cancelled" and not result.get("suggested_lr")):
        st.error(f"The range test {status}: {run['message']}")
    if result.get("suggested_lr"):
        suggestion(result, schedule_name, peak_field)


def running(jobs: JobManager, run: dict, job: Job | None, status: str) -> None:
    """A clear state while the test runs: where it is, and Stop."""
    head = st.columns([4, 1])
    if job is None:  # started by another process (the CLI): only the store tells
        head[0].info(f"Running in another process: step {run['steps_done']} so far.")
    elif status == "queued":
        waiting = job.waiting or "Queued: it starts when the job ahead of it on this device ends"
        head[0].info(waiting.rstrip(".") + ".")
    else:
        fraction, text = progress_line(job.progress(), kind="range_test")
        head[0].progress(fraction, text=text)
    if job is not None and not job.cancel.is_set():
        head[1].button("Stop", key=f"{P}.stop", on_click=jobs.cancel, args=(run["id"],))


def suggestion(result: dict, schedule_name: str, peak_field: str) -> None:
    """The suggested lr, and a button that puts it into the page's schedule."""
    lr = result["suggested_lr"]
    spread = result.get("suggested_lr_spread") or {}
    extra = (
        f" (median of {spread['n']} seeds, {spread['min']:.3g} to {spread['max']:.3g})"
        if spread.get("n", 1) > 1
        else ""
    )
    st.success(f"Suggested learning rate: **{lr:.3g}**{extra}.")
    # One button, for the setting that applies: OneCycleLR and CyclicLR set the rate from
    # max_lr (the optimizer's lr would change nothing); the others peak at the optimizer's lr.
    if peak_field == "max_lr":
        target, label, tip = (
            "peak",
            f"use {lr:.3g} as max_lr",
            f"{schedule_name} sets the rate from max_lr, so that is where the suggestion goes",
        )
    else:
        target, label, tip = (
            "lr",
            f"use {lr:.3g} as lr",
            "Sets the optimizer's lr (the schedule's peak)",
        )
    chosen = {"lr": lr, "target": target, "schedule": schedule_name}
    if st.session_state.get(PATCH) == chosen:  # said here, where the user clicked
        field = "max_lr" if peak_field == "max_lr" else "lr"
        st.success(
            f"✓ {schedule_name} now trains with {field} {lr:.3g}: Start training above uses it "
            "(undo beside the schedule)."
        )
        return
    if st.button(label, key=f"{P}.use_{target}", help=tip):
        st.session_state[PATCH] = chosen
        st.rerun()  # the whole page: the schedule above changes
