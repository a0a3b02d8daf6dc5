"""Explore: one schedule, fully. Every widget comes from the catalog; every curve from torch."""

import copy
import json
from dataclasses import replace

import streamlit as st

from lrlab import ConfigError, Schedule, parse, to_code
from lrlab.catalog import OPTIMIZERS, SCHEDULERS
from lrlab.core.fitting import linked_periods
from lrlab.core.steps import restepped
from lrlab.core.view import VIEW_DEFAULTS, view_steps
from lrlab.io.links import open_schedule, schedule_difference
from lrlab.paths.link import path_to_config
from lrlab.present.compare import curves_table
from lrlab.present.figures import lr_figure, marks_for, marks_note
from lrlab.present.presets import (
    DEFAULT_PRESET,
    PRESETS,
    matching_preset,
    preset,
    preset_label,
)
from lrlab.present.teaching import child_schedule, lesson_children
from lrlab.train.config import RunConfig
from ui.explore_state import CUSTOM, remember, remembered, take_pending
from ui.form import load_state, schedule_form
from ui.labels import fit, say_whole
from ui.navigation import ensure_navigation
from ui.path_panel import open_path, path_panel
from ui.predict import current_model, explore_section, follow_train_link
from ui.share import address_link, share_box
from ui.simulation import run_schedule, teaching_overlay
from ui.uploads import config_upload
from ui.url import publish_to_url, restore_from_url

ensure_navigation()
follow_train_link()  # "Train it" was clicked on the last run

P = "ex"
TABLE_ROWS = 5_000
PLURAL = {"epoch": "epochs", "batch": "batches"}
TEACH = {
    "off": "",
    "order": "scheduler.step() before optimizer.step()",
    "stepping": "stepped per batch instead of per epoch (or the reverse)",
    "get_lr": "get_lr() vs get_last_lr()",
}


def load(config: dict) -> None:
    """Show ``config`` in every widget (a preset, an upload or a shared link)."""
    config = copy.deepcopy(config)
    view = {**VIEW_DEFAULTS, **(config.get("view") or {})}
    load_state(P, config)
    st.session_state[f"{P}.view.x_axis"] = view["x_axis"]
    st.session_state[f"{P}.view.log_y"] = view["log_y"]
    teach = st.query_params.get("teach", "off")
    st.session_state[f"{P}.teach"] = teach if teach in TEACH else "off"


def load_preset() -> None:
    if st.session_state[f"{P}.preset"] in PRESETS:
        load(preset(st.session_state[f"{P}.preset"]))
        st.session_state[f"{P}.preset_base"] = st.session_state[f"{P}.preset"]


def opened(config: dict) -> None:
    """Show a link's or a file's schedule; the form is checked against it after it renders."""
    load(config)
    try:  # an unedited preset is named as that preset
        match = matching_preset(parse(config, view=True))
    except ConfigError:
        match = None  # the form says why, once it renders
    st.session_state[f"{P}.preset"] = match or CUSTOM
    st.session_state[f"{P}.preset_base"] = match
    st.session_state[f"{P}.opened"] = copy.deepcopy(config)


def link_periods(config: dict) -> None:
    load(config)


def load_upload(config: dict, parsed: Schedule | RunConfig) -> None:
    """A schedule file as it is; a run config over the run's epochs and batches."""
    opened(config if isinstance(parsed, Schedule) else parsed.explore_config())
    open_path(config)  # the path panel's section, checked with the file


def load_link(config: dict) -> None:
    opened(open_schedule(config))  # refused before any widget changes
    open_path(config)


link_error = restore_from_url("c", load_link)
pending = take_pending()
if pending is not None:  # another page (Runs) asked to show a schedule
    opened(pending)
elif f"{P}.optimizer" not in st.session_state:
    # First visit, or back from another page (Streamlit forgets the widgets of a page that
    # is not shown): restore the last schedule of this session, else the default preset.
    config, shown_preset, preset_base = remembered(DEFAULT_PRESET)
    load(config or preset(DEFAULT_PRESET))
    st.session_state[f"{P}.preset"] = shown_preset
    st.session_state[f"{P}.preset_base"] = preset_base

# -- sidebar: the schedule -----------------------------------------------------------------
with st.sidebar:
    preset_slot = st.container()  # filled once the form says whether the preset was edited
    form = schedule_form(P, st.sidebar)
# The form's schedule, parsed once: the preset box, the link check and the chart all use it.
parsed, problem = None, form.errors[0] if form.errors else None
if problem is None:
    try:
        parsed = parse(form.config, view=True)
    except ConfigError as err:
        problem = err
base = st.session_state.get(f"{P}.preset_base")
label = None if parsed is None else preset_label(parsed, base)
if label is not None and label != base:
    st.session_state[f"{P}.preset"] = CUSTOM  # an edited preset is no longer that preset
elif label == base and base is not None:
    st.session_state[f"{P}.preset"] = base
edited = label if label != base else None  # "custom (edited from X)", or None
preset_slot.selectbox(
    "preset",
    [CUSTOM, *PRESETS],
    key=f"{P}.preset",
    on_change=load_preset,
    # The custom entry names the preset it was edited from; an unedited preset is listed once.
    format_func=lambda name: fit(name if name != CUSTOM else edited if edited else CUSTOM),
    help="Common recipes; picking one replaces the settings below.",
)
shown_name = st.session_state.get(f"{P}.preset")
say_whole(preset_slot, edited if shown_name == CUSTOM else shown_name)

st.title("Explore a schedule")
if link_error:
    st.error(link_error)
loss_model = current_model()  # fit=/law= from Runs, Sweep or a link; None: nothing changes
if f"{P}.opened" in st.session_state:
    difference = schedule_difference(parsed or form.config, st.session_state.pop(f"{P}.opened"))
    if difference:
        st.warning(
            f"The form cannot show this schedule exactly ({difference}): the chart shows "
            "the form's schedule.",
            icon=":material/warning:",
        )
controls = st.columns([2, 2, 3])
x_axis = controls[0].radio(
    "x axis", ["epoch", "iteration"], horizontal=True, key=f"{P}.view.x_axis"
)
log_y = controls[1].toggle("log lr axis", key=f"{P}.view.log_y")
teach = controls[2].selectbox(
    "teaching: show a classic mistake",
    list(TEACH),
    format_func=lambda k: TEACH[k] or "off",
    key=f"{P}.teach",
)
if parsed is not None:
    try:
        schedule, df = run_schedule(
            replace(parsed, view={**parsed.view, "x_axis": x_axis, "log_y": log_y})
        )
        st.session_state[f"{P}.last_good"] = (schedule, df)
    except ConfigError as err:
        problem = err
if problem is not None:
    form.show_error(problem, st)
    st.error(
        f"Not simulated: {problem}. Showing the last valid schedule.", icon=":material/warning:"
    )
    if f"{P}.last_good" not in st.session_state:
        st.stop()
    schedule, df = st.session_state[f"{P}.last_good"]
    schedule = replace(schedule, view={**schedule.view, "x_axis": x_axis, "log_y": log_y})
cfg = schedule.to_json()  # the normalised config: session, link, download

view = cfg["view"]
spec = SCHEDULERS[cfg["scheduler"]["name"]]
remember(cfg, st.session_state[f"{P}.preset"], st.session_state.get(f"{P}.preset_base"))

# -- teaching overlays ---------------------------------------------------------------------
ghost = ghost_view = lesson_table = None
ghost_name, lesson = "", None
try:
    if teach == "order":
        ghost, warning = teaching_overlay("order", schedule)
        ghost_name = "scheduler.step() first"
        lesson = (
            "Calling `scheduler.step()` before `optimizer.step()` skips the first value "
            "of the schedule: every update uses the next step's rate (dashed). "
            f"torch warns:\n\n> {warning}"
        )
    elif teach == "stepping":
        other = "batch" if view["step_per"] == "epoch" else "epoch"
        ghost_view = {**view, "step_per": other}
        ghost_cfg = {**cfg, "view": ghost_view}
        if cfg.get("start_step"):  # the same moment of the run, counted in the other unit
            ghost_cfg["start_step"] = restepped(cfg["start_step"], view["steps_per_epoch"], other)
        _, ghost = run_schedule(ghost_cfg)
        ghost_name = f"stepped per {other}"
        lesson = (
            f"The same settings stepped per {other} (dashed): periods counted in "
            f"{PLURAL[view['step_per']]} become {PLURAL[other]}, so the schedule runs "
            f"{'far faster' if other == 'batch' else 'far slower'} than intended."
        )
    elif teach == "get_lr":
        on, on_text = schedule, ""
        children = dict(lesson_children(cfg))
        if children:  # a composite has no get_lr() of its own: explain on a sub-scheduler
            child = st.selectbox(
                "explain on", list(children), format_func=children.get, key=f"{P}.teach_child"
            )
            on = parse(child_schedule(cfg, child))
            on_text = (
                f"{spec.name} only steps its children; shown on its scheduler "
                f"{children[child]} on its own. "
            )
        lesson_table, warning = teaching_overlay("get_lr", on)
        differ = int(lesson_table["differs"].sum())
        lesson = on_text + (
            "`get_last_lr()` is the rate in effect. `get_lr()` is the scheduler's "
            "internal update rule: called by hand it can apply the update again "
            f"({differ} of {len(lesson_table)} steps differ below). "
            f"torch warns: *{warning or 'nothing for this scheduler'}*"
        )
except ConfigError as err:
    lesson = f"For this schedule torch would refuse: {err}"

fig = lr_figure(
    df, view, marks=marks_for(cfg, df), ghost=ghost, ghost_name=ghost_name, ghost_view=ghost_view
)
st.plotly_chart(fig, width="stretch", key=f"{P}.chart")
if note := marks_note(cfg, df):  # capped markers are said to be capped
    st.caption(note)
explore_section(loss_model, cfg, df, f"{P}.predict")  # predicted loss, under the lr curve
linked = linked_periods(cfg, view_steps(view))
if linked is not None:  # a warmup's length changed and its milestone and period did not
    hint = st.columns([5, 1], vertical_alignment="center")
    hint[0].warning(
        "The periods no longer line up with the warmup's length: "
        + "; ".join(linked.changes)
        + " would link them again.",
        icon=":material/link:",
    )
    hint[1].button("Link them", key=f"{P}.link", on_click=link_periods, args=(linked.config,))
if lesson:
    st.info(lesson, icon=":material/school:")
    if lesson_table is not None:
        st.dataframe(lesson_table, hide_index=True, width="stretch")

path = path_panel(schedule)  # what the schedule does: the optimizer's path (ui/path_panel.py)

# -- about, code, values, config -----------------------------------------------------------
about, code_tab, values_tab, config_tab = st.tabs(
    ["About this scheduler", "PyTorch code", "Values", "Config & share"]
)
with about:
    st.subheader(spec.name)
    st.latex(spec.formula)
    st.write(spec.explain)
    st.caption(
        f"Usually stepped per **{spec.step_per}**. "
        f"Optimizer: {OPTIMIZERS[cfg['optimizer']['name']].explain}"
    )
    where = "torch.optim.lr_scheduler." if spec.library == "torch" else ""
    st.markdown(f"[{where}{spec.name} documentation]({spec.docs_url})")
with code_tab:
    st.code(to_code(schedule), language="python")
with values_tab:
    table = curves_table([{"name": spec.name, "df": df, "view": view}]).drop(columns="schedule")
    if len(table) > TABLE_ROWS:
        st.caption(f"The first {TABLE_ROWS:,} of {len(table):,} rows; the CSV has them all.")
    st.dataframe(table.head(TABLE_ROWS), hide_index=True, width="stretch", height=320)
    st.download_button(
        "Download CSV",
        lambda: table.to_csv(index=False),  # built on click, not on every rerun
        "lrlab-schedule.csv",
        "text/csv",
        key=f"{P}.csv",
    )
with config_tab:
    shared = cfg  # with steps, so `python -m lrlab simulate` reads the download as is
    publish_to_url("c", shared)
    if teach != "off":
        st.query_params["teach"] = teach
    elif "teach" in st.query_params:
        del st.query_params["teach"]
    share_box("Share link (the address bar holds it too)", address_link("explore"), f"{P}_share")
    if path is not None:  # the panel's problem and start; simulate and training ignore them
        shared = {**shared, "path": path_to_config(path)}
    st.download_button(
        "Download config JSON",
        json.dumps(shared, indent=2),
        "lrlab-config.json",
        "application/json",
        key=f"{P}.json",
    )
    config_upload("Load a config JSON", f"{P}.upload", load_upload)
    st.json(shared, expanded=False)
