"""Runs: every stored training run; compare several to see which schedule trained best."""

import json

import streamlit as st

from lrlab.rangetest.figure import range_test_figure
from lrlab.sweep import AT_CHANCE, chance_flags
from lrlab.train.config import parse_run
from lrlab.train.figures import runs_figure
from lrlab.train.listing import peak_text, run_seed, schedule_text
from lrlab.train.status import deletable
from ui.explore_state import show_in_explore
from ui.jobs import manager, run_label
from ui.navigation import ensure_navigation
from ui.predict import current_model, fit_form, fit_panel, model_links

ensure_navigation()

P = "runs"
store = manager().store
# Pixel widths that fit the page beside the menu at 1280 px: nothing is cut off at the right.
COLUMNS = {
    "name": st.column_config.TextColumn("name", width=135),
    "schedule": st.column_config.TextColumn("schedule", width=120),
    "peak": st.column_config.TextColumn("peak lr", width=95, help="Where the peak lr lives."),
    "seed": st.column_config.NumberColumn("seed", format="%d", width=35),
    "dataset": st.column_config.TextColumn("dataset", width=55),
    "model": st.column_config.TextColumn("model", width=45),
    "status": st.column_config.TextColumn("status", width=70),
    "best_test_accuracy": st.column_config.NumberColumn("best acc", format="percent", width=60),
    "test_accuracy": st.column_config.NumberColumn("final acc", format="percent", width=60),
    "seconds": st.column_config.NumberColumn("time (s)", format="%.1f", width=55),
    "date": st.column_config.DatetimeColumn("date", format="MM-DD HH:mm", width=95),
}
# The comparison's own table: the selected runs' results side by side.
SUMMARY = {
    "name": COLUMNS["name"],
    "schedule": COLUMNS["schedule"],
    "peak": COLUMNS["peak"],
    "seed": COLUMNS["seed"],
    "best_test_accuracy": COLUMNS["best_test_accuracy"],
    "test_accuracy": COLUMNS["test_accuracy"],
    "test_loss": st.column_config.NumberColumn("test loss", format="%.3f"),
    "epochs_done": st.column_config.NumberColumn("epochs"),
    "seconds": COLUMNS["seconds"],
}


def open_in_explore(run_id: str) -> None:
    """Show a run's schedule on Explore, laid out over the run's epochs and batches."""
    run = parse_run(store.get_run(run_id)["config"])
    losses = store.epochs(run_id)["test_loss"].tolist()  # what ReduceLROnPlateau really saw
    show_in_explore(run.explore_config(losses))
    st.session_state[f"{P}.goto_explore"] = True


def rename(run_id: str) -> None:
    store.rename(run_id, st.session_state[f"{P}.new_name"])


def delete(run_ids: list[str]) -> None:
    store.delete(run_ids)
    st.session_state[f"{P}.selected"] = []
    st.session_state[f"{P}.confirm"] = False


def delete_test(run_id: str) -> None:
    store.delete([run_id])
    st.session_state[f"{P}.confirm_test"] = False


if st.session_state.pop(f"{P}.goto_explore", False):
    st.switch_page("pages/explore.py")

st.title("Runs")
loss_model = current_model()  # a link's fit= opens here too (a bad one is said, once)
runs = store.list_runs()
if runs.empty:
    st.info("No runs yet. Start one on the Train page.")
    st.stop()

# -- the table -----------------------------------------------------------------------------
# Completed but never learned (final accuracy at chance level): said, as the Sweep page does,
# and never picked by default for the overlay (nor, through it, for a loss model's fit).
runs["status"] = runs["status"].mask(chance_flags(runs), AT_CHANCE)
filters = st.columns([3, 2, 2])
text = filters[0].text_input("filter by name or schedule", key=f"{P}.filter")
statuses = filters[1].multiselect("status", sorted(runs["status"].unique()), key=f"{P}.status")
datasets = filters[2].multiselect(
    "dataset", sorted(runs["dataset"].dropna().unique()), key=f"{P}.dataset"
)
configs = [json.loads(c) for c in runs["config"]]
runs["schedule"] = [schedule_text(c, k) for c, k in zip(configs, runs["kind"], strict=True)]
runs["peak"] = [peak_text(c, k) for c, k in zip(configs, runs["kind"], strict=True)]
runs["seed"] = [run_seed(c) for c in configs]
shown = runs
if text:
    needle = text.lower()
    shown = shown[
        shown["name"].str.lower().str.contains(needle, regex=False)
        | shown["schedule"].str.lower().str.contains(needle, regex=False)
    ]
if statuses:
    shown = shown[shown["status"].isin(statuses)]
if datasets:
    shown = shown[shown["dataset"].isin(datasets)]
table = shown.assign(date=(shown["created"] * 1e9).astype("datetime64[ns]"))
st.dataframe(
    table[list(COLUMNS)],
    hide_index=True,
    width="stretch",
    placeholder="—",  # a range test has no accuracy, a queued run no duration yet
    column_config=COLUMNS,
)

sweep_ids = runs["sweep_id"].dropna().unique().tolist()  # newest first, like the table
if sweep_ids:
    st.markdown(
        "Sweeps (open with their mean ± std bands): "
        + " · ".join(f"[{s}](sweep?sweep={s})" for s in sweep_ids[:10])
    )

# -- compare selected runs -----------------------------------------------------------------
# Training runs only: a range test's loss (up to hundreds as it diverges) would flatten theirs,
# and it has no epochs or accuracy. Range tests have their own figure below.
is_test = runs["kind"] == "range_test"
labels = {r["id"]: run_label(r) for r in runs[~is_test].to_dict("records")}
if f"{P}.selected" not in st.session_state:
    done = runs[~is_test & (runs["status"] == "completed")]["id"].tolist()
    st.session_state[f"{P}.selected"] = done[:2]
st.session_state[f"{P}.selected"] = [r for r in st.session_state[f"{P}.selected"] if r in labels]
selected = st.multiselect(
    "runs to compare", list(labels), format_func=labels.get, key=f"{P}.selected", max_selections=8
)
if selected:
    x_axis = st.radio("x axis", ["epoch", "step"], horizontal=True, key=f"{P}.x")
    chosen = [
        {
            "name": labels[r].rsplit(" · ", 1)[0] + f" · {r[:6]}",
            "steps": store.steps(r),
            "epochs": store.epochs(r),
        }
        for r in selected
    ]
    st.plotly_chart(runs_figure(chosen, x_axis), width="stretch", key=f"{P}.chart")
    summary = runs.set_index("id").loc[selected, list(SUMMARY)]
    st.dataframe(
        summary,
        width="stretch",
        placeholder="—",
        column_config={"_index": st.column_config.TextColumn("id"), **SUMMARY},
    )
    actions = st.columns(4)
    actions[0].download_button(
        "Export selected (CSV)",
        lambda: store.export(selected).to_csv(index=False),
        "lrlab-runs.csv",
        "text/csv",
        key=f"{P}.csv",
    )
    if len(selected) == 1:
        actions[1].button(
            "Open config in Explore",
            key=f"{P}.explore",
            on_click=open_in_explore,
            args=(selected[0],),
        )
        with actions[2].popover("Rename"):
            st.text_input("new name", key=f"{P}.new_name", max_chars=80)
            st.button("Save name", key=f"{P}.rename", on_click=rename, args=(selected[0],))
    with actions[3].popover("Delete"):
        # A live job is stopped first, by the session that started it, never deleted here.
        doomed, live = deletable(selected, dict(zip(runs["id"], runs["status"], strict=True)))
        if live:
            st.write(f"{len(live)} selected run(s) are still training: stop them first.")
        st.write(f"Delete {len(doomed)} run(s) and their metrics? This cannot be undone.")
        st.checkbox("Yes, delete them", key=f"{P}.confirm", disabled=not doomed)
        st.button(
            "Delete",
            key=f"{P}.delete",
            on_click=delete,
            args=(doomed,),
            disabled=not (doomed and st.session_state.get(f"{P}.confirm")),
            type="primary",
        )
    # -- a loss model fitted to the selected runs: Compare and Explore predict with it -----
    st.subheader("Loss model")
    fit_form(store, selected, f"{P}.predict", "Fit a loss model to these runs")
if loss_model is not None:
    fit_panel(loss_model, f"{P}.predict")
    model_links(loss_model, f"{P}.model")

# -- range tests: loss against lr, one at a time, never on the training runs' axes ------------
tests = {r["id"]: run_label(r) for r in runs[is_test].to_dict("records")}
if tests:
    st.subheader("Range tests")
    shown_test = st.selectbox(
        "range test", list(tests), format_func=tests.get, key=f"{P}.range_test"
    )
    result = store.get_run(shown_test).get("result") or {}
    if result.get("repeats"):
        st.plotly_chart(range_test_figure(result), width="stretch", key=f"{P}.range_chart")
    else:
        st.caption("This range test recorded no curve.")
    with st.popover("Delete this range test"):
        st.checkbox("Yes, delete it", key=f"{P}.confirm_test")
        st.button(
            "Delete",
            key=f"{P}.delete_test",
            on_click=delete_test,
            args=(shown_test,),
            disabled=not st.session_state.get(f"{P}.confirm_test"),
            type="primary",
        )
