"""Compare: up to eight schedules, overlaid or side by side, with the numbers that differ."""

import copy

import streamlit as st

from lrlab import ConfigError
from lrlab.core.view import VIEW_DEFAULTS
from lrlab.io.links import open_comparison
from lrlab.present.compare import curves_table, summary_table
from lrlab.present.compare_chart import NORMALIZE, compare_figure, normalize_mode
from lrlab.present.plotting import PALETTE
from lrlab.present.presets import PRESETS, preset
from ui.explore_state import explore_schedule
from ui.form import load_state, schedule_form
from ui.navigation import ensure_navigation
from ui.share import share_box
from ui.simulation import run_schedule
from ui.url import publish_to_url, restore_from_url, share_link

ensure_navigation()

P = "cmp"
MAX_ITEMS = 8
COLORS = dict(
    zip(
        ["blue", "orange", "green", "pink", "sky", "vermillion", "black", "yellow"],
        PALETTE,
        strict=True,
    )
)
DEFAULT_ITEMS = ["ResNet step decay (StepLR 30/60/90)", "Cosine with linear warmup"]
GLOBAL_VIEW = ("epochs", "steps_per_epoch", "x_axis", "log_y")


def items() -> list[dict]:
    return st.session_state.setdefault(f"{P}.items", [])


def add(config: dict, name: str, color: str | None = None) -> None:
    current = items()
    if len(current) >= MAX_ITEMS:
        st.session_state[f"{P}.notice"] = f"At most {MAX_ITEMS} schedules can be compared."
        return
    uid = max((it["id"] for it in current), default=-1) + 1
    used = {it["color"] for it in current}
    color = color or next((c for c in COLORS if c not in used), "black")
    item = {
        "id": uid,
        "name": name,
        "color": color if color in COLORS else "black",
        "config": copy.deepcopy(config),
    }
    show(item)
    current.append(item)


def show(item: dict) -> None:
    """Put an item into its widgets (when added, or when coming back to this page)."""
    uid = item["id"]
    load_state(f"{P}{uid}", copy.deepcopy(item["config"]))
    st.session_state[f"{P}{uid}.name"] = item["name"]
    st.session_state[f"{P}{uid}.color"] = item["color"]


def add_from_source() -> None:
    source = st.session_state[f"{P}.source"]
    if source == "Current Explore schedule":
        config = explore_schedule()
        if config is None:
            st.session_state[f"{P}.notice"] = "Open Explore first: nothing to copy yet."
            return
        if config.get("start_step"):  # Compare shows whole runs: say so, never drop it quietly
            config = {k: v for k, v in config.items() if k != "start_step"}
            st.session_state[f"{P}.notice"] = (
                "Copied from step 0: Compare shows every schedule from the start of its run."
            )
        add(config, "from Explore")
    else:
        add(preset(source), source)


def duplicate(uid: int) -> None:
    item = next(it for it in items() if it["id"] == uid)
    add(item["config"], f"{item['name']} (copy)")


def remove(uid: int) -> None:
    st.session_state[f"{P}.items"] = [it for it in items() if it["id"] != uid]


def load_view(view: dict) -> None:
    view = {**VIEW_DEFAULTS, **view}
    for key in GLOBAL_VIEW:
        st.session_state[f"{P}.view.{key}"] = view[key]
    st.session_state[f"{P}.view"] = {k: view[k] for k in GLOBAL_VIEW}


def load_link(state: dict) -> None:
    state = open_comparison(state, MAX_ITEMS)  # refused whole, before anything changes
    st.session_state[f"{P}.items"] = []
    for item in state["items"]:
        add(item["config"], item["name"][:80], item.get("color"))
    load_view(state["view"])
    for key in ("layout", "momentum"):
        if key in state:
            st.session_state[f"{P}.{key}"] = state[key]
    if "normalize" in state:
        st.session_state[f"{P}.normalize"] = normalize_mode(state["normalize"])


link_error = restore_from_url("s", load_link)
if f"{P}.items" not in st.session_state:
    for name in DEFAULT_ITEMS:
        add(preset(name), name)
    load_view({"epochs": 100, "steps_per_epoch": 100})
# Back from another page, Streamlit has forgotten this page's widgets: show the items again.
for it in items():
    if f"{P}{it['id']}.optimizer" not in st.session_state:
        show(it)
if f"{P}.view.epochs" not in st.session_state:
    load_view(st.session_state.get(f"{P}.view", {}))

st.title("Compare schedules")
if link_error:
    st.error(link_error)

# -- global settings -----------------------------------------------------------------------
with st.sidebar:
    st.subheader("Length and view")
    cols = st.columns(2)
    epochs = cols[0].number_input("epochs", min_value=1, step=1, key=f"{P}.view.epochs")
    spe = cols[1].number_input(
        "batches / epoch", min_value=1, step=1, key=f"{P}.view.steps_per_epoch"
    )
    x_axis = st.radio("x axis", ["epoch", "iteration"], horizontal=True, key=f"{P}.view.x_axis")
    log_y = st.toggle("log lr axis", key=f"{P}.view.log_y")
    layout = st.radio(
        "layout",
        ["overlay", "grid"],
        horizontal=True,
        key=f"{P}.layout",
        format_func=lambda v: "overlaid" if v == "overlay" else "small multiples",
    )
    normalize = st.radio(
        "normalise lr",
        list(NORMALIZE),
        horizontal=True,
        key=f"{P}.normalize",
        format_func=NORMALIZE.get,
        help="Divide each curve by its first lr, or by its peak (a warmup starts tiny).",
    )
    momentum = st.toggle(
        "show momentum",
        key=f"{P}.momentum",
        disabled=layout == "grid",
        help="A momentum panel under the overlaid schedules (not in small multiples).",
    )
    st.divider()
    st.subheader("Add a schedule")
    st.selectbox("from", ["Current Explore schedule", *PRESETS], key=f"{P}.source")
    st.button(
        "Add",
        on_click=add_from_source,
        disabled=len(items()) >= MAX_ITEMS,
        key=f"{P}.add",
        type="primary",
    )
    if st.session_state.get(f"{P}.notice"):
        st.warning(st.session_state.pop(f"{P}.notice"))

# -- each schedule: editable in place, beside the chart so an edit never pushes it away -----
rendered, shared_items = [], []
chart_col, edit_col = st.columns([3, 2], gap="medium")
edit_col.markdown("**Schedules** (open one to edit it)")
# The editors scroll inside their own box: an open editor is long, and on the page itself it
# would scroll the chart out of view.
editors = edit_col.container(height=640, border=False)
for n, it in enumerate(items()):
    uid = it["id"]
    box = editors.expander(f"{n + 1}. {it['name']}")
    top = box.columns([3, 2])
    name = top[0].text_input("name", key=f"{P}{uid}.name", max_chars=80)
    color = top[1].selectbox("colour", list(COLORS), key=f"{P}{uid}.color")
    form = schedule_form(f"{P}{uid}", box, with_view=False, view_prefix=P)
    buttons = box.columns(2)
    buttons[0].button(
        "Duplicate",
        key=f"{P}{uid}.dup",
        on_click=duplicate,
        args=(uid,),
        disabled=len(items()) >= MAX_ITEMS,
    )
    buttons[1].button("Remove", key=f"{P}{uid}.rm", on_click=remove, args=(uid,))
    config = form.config
    config["view"] = {
        **config["view"],
        "epochs": epochs,
        "steps_per_epoch": spe,
        "x_axis": x_axis,
        "log_y": log_y,
    }
    problem = form.errors[0] if form.errors else None
    if problem is None:
        try:
            schedule, df = run_schedule(config)
            cfg = schedule.to_json()  # normalised, with steps
        except ConfigError as err:
            problem = err
    if problem is not None:
        form.show_error(problem, box)
        chart_col.error(f"{name}: {problem}", icon=":material/warning:")
        continue
    it.update(name=name, color=color, config=cfg)  # with steps: the CLI reads it as is
    rendered.append(
        {"name": name or f"schedule {n + 1}", "color": COLORS[color], "df": df, "view": cfg["view"]}
    )
    shared_items.append({k: it[k] for k in ("name", "color", "config")})

# -- chart, numbers, export ----------------------------------------------------------------
if not rendered:
    chart_col.info("Add a schedule from the sidebar to start comparing.")
    st.stop()
fig = compare_figure(rendered, layout=layout, log_y=log_y, normalize=normalize, momentum=momentum)
chart_col.plotly_chart(fig, width="stretch", key=f"{P}.chart")
chart_col.subheader("Summary")
summary = summary_table(rendered)
chart_col.dataframe(
    summary,
    hide_index=True,
    width="stretch",
    placeholder="—",  # a curve that never falls below 10% of its peak, or never differs
    column_config={
        "schedule": st.column_config.TextColumn("schedule", pinned=True),  # stays in view
        **{c: st.column_config.NumberColumn(format="%.4g") for c in summary.columns[1:4]},
    },
)
st.session_state[f"{P}.view"] = {
    "epochs": epochs,
    "steps_per_epoch": spe,
    "x_axis": x_axis,
    "log_y": log_y,
}
state = {
    "items": shared_items,
    "view": st.session_state[f"{P}.view"],
    "layout": layout,
    "normalize": normalize,
    "momentum": momentum,
}
value = publish_to_url("s", state)
with chart_col:
    st.download_button(
        "Download all curves (CSV)",
        lambda: curves_table(rendered).to_csv(index=False),  # built on click only
        "lrlab-comparison.csv",
        "text/csv",
        key=f"{P}.csv",
    )
    share_box("Share link", share_link("compare", "s", value), f"{P}_share")
