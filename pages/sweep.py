"""Sweep: several schedules × several seeds, then means with their spread. The sweep runs in
the server's sweep runner (worker processes); the page only starts, stops and watches."""

import json
import os

import pandas as pd
import streamlit as st

from lrlab import ConfigError
from lrlab.core.steps import step_per_of
from lrlab.predict.view import sweep_fit_ids
from lrlab.present.presets import PRESETS, STARTER, preset
from lrlab.sweep import (
    AT_CHANCE,
    chance_flags,
    epoch_bands,
    list_sweeps,
    sweep_epochs,
    sweep_lr_curves,
    sweep_report,
    sweep_runs,
    verdicts,
)
from lrlab.sweep.figures import sweep_figure
from lrlab.sweep.fitting import Fitted, default_picks, fit_choices
from lrlab.sweep.jobs import get_sweep_jobs
from lrlab.train.config import TRAIN_PARAMS
from lrlab.train.status import FINAL
from ui.editors import ensure_param, param_widget
from ui.jobs import manager
from ui.navigation import ensure_navigation
from ui.predict import current_model, fit_form, fit_panel, model_links

ensure_navigation()

P = "sw"
REFRESH_SECONDS = 1.0
SETTINGS = ("dataset", "model", "epochs", "batch_size", "subset", "device")
# The whole training set (subset not set) for as long as the starter is set up: 8 epochs of 64.
DEFAULTS = {"dataset": "digits", "epochs": 8, "batch_size": 64, "subset": None, "device": "cpu"}
FALLBACK = [STARTER, "Cosine with linear warmup"]
PERCENT = {"format": "percent", "width": "small"}
SUMMARY_COLUMNS = {
    "label": st.column_config.TextColumn("schedule"),
    "n": st.column_config.NumberColumn("completed", width="small"),
    "failed": st.column_config.NumberColumn("failed", width="small"),
    "pending": st.column_config.NumberColumn(
        "to go", width="small", help="Runs still queued or running."
    ),
    "mean_test_accuracy": st.column_config.NumberColumn("mean acc", **PERCENT),
    "std_test_accuracy": st.column_config.NumberColumn("std", **PERCENT),
    "ci95_low": st.column_config.NumberColumn("95% CI from", **PERCENT),
    "ci95_high": st.column_config.NumberColumn("95% CI to", **PERCENT),
    "at_chance": st.column_config.NumberColumn(
        "at chance",
        width="small",
        help="Completed runs that stayed at chance level (at most 1.5 × 1/classes: 15% on "
        "Digits): they did not learn. They count in the mean.",
    ),
}
RUN_COLUMNS = {
    "label": st.column_config.TextColumn("schedule"),
    "seed": st.column_config.NumberColumn("seed", width="small"),
    "status": st.column_config.TextColumn(
        "status",
        width="small",
        help="at chance: completed, but its final accuracy stayed at chance level (at most "
        "1.5 × 1/classes): it did not learn.",
    ),
    "test_accuracy": st.column_config.NumberColumn("test acc", **PERCENT),
    "seconds": st.column_config.NumberColumn("time (s)", format="%.1f", width="small"),
    "message": st.column_config.TextColumn("message"),
    "id": st.column_config.TextColumn("id", width="small"),
}
store = manager().store
jobs = get_sweep_jobs(store)


def schedule_choices() -> dict[str, dict]:
    """Compare's schedules (this session), then the presets: name -> schedule config."""
    out = {f"Compare: {it['name']}": it["config"] for it in st.session_state.get("cmp.items") or []}
    out.update({name: preset(name) for name in PRESETS})
    return out


def build_spec(chosen: dict[str, dict], seeds: int, train: dict) -> dict:
    """The sweep file: each chosen schedule (already fitted to the sweep) stepped as it is set
    up (its view's step_per), on the train settings."""
    variants = []
    for name, config in chosen.items():
        variant = {
            k: v for k, v in config.items() if k in ("scheduler", "optimizer", "param_groups")
        }
        variant["train"] = {"step_per": step_per_of(config)}
        variants.append({"label": name.removeprefix("Compare: "), **variant})
    return {"base": {"train": train}, "variants": variants, "seeds": list(range(seeds))}


def fit_notes(box, names: list[str], fitted: dict[str, Fitted]) -> None:
    """Per chosen schedule: how it was fitted to the sweep's length, or what does not fit."""
    for name in names:
        f = fitted[name]
        if f.note and f.fits:
            box.caption(f"**{name}**: {f.note}.")
        elif f.note:
            box.warning(f"**{name}** {f.note}.", icon=":material/warning:")


def start(spec: dict, workers: int) -> None:
    try:
        sweep_id = jobs.start(spec, workers)
        st.session_state[f"{P}.sweep"] = sweep_id
        st.query_params["sweep"] = sweep_id
        st.session_state.pop(f"{P}.error", None)
    except ConfigError as err:
        st.session_state[f"{P}.error"] = str(err)


def new_sweep() -> None:
    choices = schedule_choices()
    compare = [n for n in choices if n.startswith("Compare: ")]
    if f"{P}.schedules" not in st.session_state:  # fitted at the default length
        at_defaults = fit_choices(choices, DEFAULTS)
        st.session_state[f"{P}.schedules"] = default_picks(at_defaults, compare, FALLBACK)
    names = st.multiselect(
        "schedules",
        list(choices),
        key=f"{P}.schedules",
        max_selections=12,
        help="The schedules on Compare (this session) and the presets. Each is fitted to the "
        "sweep's length (its periods scaled, keeping its shape), or the page says what does "
        "not fit.",
    )
    notes = st.container()
    cols = st.columns(4)
    seeds = cols[0].number_input("seeds", 1, 20, 3, key=f"{P}.seeds")
    cores = os.cpu_count() or 1
    workers = cols[1].number_input(
        "workers",
        1,
        max(1, cores),
        min(2, cores),
        key=f"{P}.workers",
        help=f"Runs at once; each gets {cores} ÷ workers torch threads.",
    )
    train = {}
    params = [p for p in TRAIN_PARAMS if p.name in SETTINGS]
    grid = st.columns(3)
    for i, p in enumerate(params):
        key = f"{P}.train.{p.name}"
        ensure_param(p, DEFAULTS.get(p.name, p.default), key)
        train[p.name] = param_widget(grid[i % 3], p, key, f"train.{p.name}", 1)
    fitted = fit_choices({n: choices[n] for n in names}, train)
    fit_notes(notes, names, fitted)
    spec = build_spec({n: fitted[n].config for n in names}, int(seeds), train)
    runs = len(names) * int(seeds)
    cols[2].metric("runs", runs)
    cols[3].download_button(
        "Sweep file (JSON)",
        json.dumps(spec, indent=2),
        "lrlab-sweep.json",
        "application/json",
        key=f"{P}.spec",
        help="Run the same sweep from a shell or on Ray: python -m lrlab "
        "sweep lrlab-sweep.json --backend ray",
    )
    st.button(
        "Start sweep",
        type="primary",
        disabled=not names,
        key=f"{P}.start",
        on_click=start,
        args=(spec, int(workers)),
    )
    if st.session_state.get(f"{P}.error"):
        st.error(f"This sweep cannot start: {st.session_state[f'{P}.error']}")


def watch(sweep_id: str) -> None:
    runs = sweep_runs(store, sweep_id)
    live = jobs.running(sweep_id)
    if jobs.error(sweep_id):
        st.error(f"The sweep could not run: {jobs.error(sweep_id)}")
    if live:  # from the first redraw on, before its runs reach the store
        bar, stop = st.columns([4, 1])
        stop.button("Stop sweep", key=f"{P}.stop", on_click=jobs.cancel, args=(sweep_id,))
    else:  # the whole width: a finished sweep's bar does not keep the Stop button's room
        bar = st.container()
    if runs.empty:
        if live:
            bar.info("Starting the sweep's worker processes…")
            st.session_state[f"{P}.was_live"] = True
        else:
            st.warning(f"No sweep {sweep_id} in the run store.")
        return
    final = runs["status"].isin(FINAL)
    bar.progress(
        float(final.mean()),
        text=f"{int(final.sum())}/{len(runs)} runs finished" + (" · running" if live else ""),
    )
    report = sweep_report(store, sweep_id)
    epochs = sweep_epochs(store, sweep_id)
    chart(sweep_id, runs, report, epochs)
    table = runs[list(RUN_COLUMNS)].copy()
    flat = chance_flags(runs)  # completed, but did not learn: said in the status
    table.loc[flat, "status"] = AT_CHANCE
    results(report, table)
    downloads(sweep_id, report, table, epochs)
    if live:
        st.session_state[f"{P}.was_live"] = True
    elif st.session_state.pop(f"{P}.was_live", False):
        st.rerun()  # it just ended: redraw once without the timer


def chart(sweep_id: str, runs: pd.DataFrame, report: dict, epochs: pd.DataFrame) -> None:
    """The four panels, once a run has recorded something to draw; a sweep's runs are written
    to the store as they finish, so until then there is nothing but empty axes."""
    if epochs.empty:
        if runs["status"].isin(FINAL).all():
            st.info("No run of this sweep recorded an epoch: there is nothing to chart.")
        else:
            st.info("Waiting for the first run to finish: the charts fill in as runs end.")
        return
    labels = list(dict.fromkeys(runs["label"]))
    fig = sweep_figure(
        epoch_bands(epochs), report["summary"], sweep_lr_curves(store, sweep_id), labels
    )
    st.plotly_chart(fig, width="stretch", key=f"{P}.chart")


def results(report: dict, table: pd.DataFrame) -> None:
    """Which schedule is better, in a sentence per pair; each schedule's final accuracy with
    its spread; then every run; the tables at full width, so no column is cut off."""
    labels = [s["label"] for s in report["summary"]]
    seeds = int(table["seed"].nunique())
    if len(labels) >= 2:
        st.markdown("**Which is better** (paired by seed)")
        st.markdown("\n".join(f"- {v}" for v in verdicts(report["runs"], labels, seeds)))
    summary = [{k: v for k, v in s.items() if k != "runs"} for s in report["summary"]]
    st.dataframe(
        summary,
        hide_index=True,
        width="stretch",
        key=f"{P}.summary",
        placeholder="—",
        column_config=SUMMARY_COLUMNS,
    )
    st.caption(
        "Mean and sample std of the final test accuracy over each schedule's completed runs; "
        "the 95% interval is Student-t on the logit scale, so it stays within 0–100%."
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        key=f"{P}.runs",
        placeholder="—",  # a run still queued has no accuracy or time yet
        column_config=RUN_COLUMNS,
    )


def downloads(sweep_id: str, report: dict, table: pd.DataFrame, epochs: pd.DataFrame) -> None:
    files = [  # key, label, contents, file name suffix, type
        ("json", "Summary (JSON)", json.dumps(report, indent=2, default=str), ".json"),
        ("runs", "Runs (CSV)", table.to_csv(index=False), "-runs.csv"),
        ("epochs", "Per epoch (CSV)", epochs.to_csv(index=False), "-epochs.csv"),
    ]
    spec = jobs.spec(sweep_id)
    if spec is not None:  # the file this sweep was started from, when it was started here
        files.append(("spec", "Sweep file (JSON)", json.dumps(spec, indent=2), "-sweep.json"))
    for col, (key, label, data, suffix) in zip(st.columns(4), files, strict=False):
        mime = "text/csv" if suffix.endswith(".csv") else "application/json"
        col.download_button(label, data, f"{sweep_id}{suffix}", mime, key=f"{P}.dl_{key}")


st.title("Sweep")
st.caption(
    "Which schedule trains better? Train each one over several seeds and compare means "
    "with their spread; one run per schedule is noise."
)
loss_model = current_model()  # a link's fit= opens here too (a bad one is said, once)
shown = st.query_params.get("sweep") or st.session_state.get(f"{P}.sweep")
sweeps = list_sweeps(store)
ids = sweeps["sweep_id"].tolist()
if shown and shown not in ids and jobs.spec(shown) is not None:
    ids.insert(0, shown)  # just started here: its process has not stored its runs yet
unknown = shown if shown and shown not in ids else None  # a stale or mistyped link
with st.expander("New sweep", expanded=not shown or bool(unknown)):
    new_sweep()
if ids:
    by_id = sweeps.set_index("sweep_id")
    if shown in ids:
        st.session_state[f"{P}.open"] = shown  # a link or a new sweep moves the box
    elif unknown:
        st.session_state[f"{P}.open"] = None  # nothing picked: any pick opens that sweep
    st.selectbox(
        "open a sweep",
        ids,
        key=f"{P}.open",
        placeholder="pick a sweep to open",
        on_change=lambda: st.query_params.update(sweep=st.session_state[f"{P}.open"]),
        # The id alone: Streamlit keeps a select box's value by its label, so a label that
        # changes while a sweep runs ("1/4 runs" -> "2/4 runs") came back as the value and
        # went into the link ("?sweep=sw… · starting"). The live counts go in the caption.
    )
    if (picked := st.session_state.get(f"{P}.open")) in by_id.index:
        st.caption(
            f"{by_id.loc[picked, 'labels']} schedules · "
            f"{by_id.loc[picked, 'done']}/{by_id.loc[picked, 'runs']} runs finished"
        )
    # An unknown link opens nothing rather than another sweep it could be taken for.
    shown = shown if shown in ids else None if unknown else st.session_state[f"{P}.open"]
if unknown:
    st.error(
        f"There is no sweep {unknown} in this run store: check the link, or open a sweep "
        "from the list."
    )
    shown = None
if shown:
    live = jobs.running(shown)
    st.subheader(f"Sweep {shown}" + (" (live)" if live else ""))
    st.fragment(run_every=REFRESH_SECONDS if live else None)(watch)(shown)
    if not live:  # a finished sweep's runs: fit a loss model to them (outside the fragment,
        # so the whole page, and its address bar, takes the new model)
        st.subheader("Loss model")
        fit_ids = sweep_fit_ids(sweep_runs(store, shown))
        st.caption(f"Fitted to the sweep's {len(fit_ids)} completed runs.")
        fit_form(store, fit_ids, f"{P}.predict", "Fit a loss model to this sweep's runs")
elif not unknown:
    st.caption("No sweep yet: pick schedules and seeds above and start one.")
if loss_model is not None:
    fit_panel(loss_model, f"{P}.predict")
    model_links(loss_model, f"{P}.model")
