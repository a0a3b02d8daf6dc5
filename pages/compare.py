"""Compare: up to eight schedules, overlaid or side by side, with the numbers that differ."""

import copy
from urllib.parse import urlencode

import streamlit as st

from lrlab import ConfigError
from lrlab.core.fitting import fit_to_length, own_length
from lrlab.core.schedule import parse
from lrlab.core.view import VIEW_DEFAULTS
from lrlab.io.links import COLOR_NAMES, MAX_COMPARED, open_comparison
from lrlab.present.compare import curves_table, length_note, summary_table, summary_text
from lrlab.present.compare_chart import NORMALIZE, compare_figure, normalize_mode
from lrlab.present.plotting import PALETTE
from lrlab.present.presets import PRESETS, preset
from ui.explore_state import explore_schedule
from ui.form import load_state, schedule_form
from ui.labels import fit, say_whole
from ui.navigation import ensure_navigation
from ui.path_panel import compare_path_panel, link_suffix
from ui.predict import current_model, follow_train_link, predicted_section
from ui.share import share_box
from ui.simulation import run_schedule
from ui.url import publish_to_url, restore_from_url, share_link

ensure_navigation()
follow_train_link()  # "Train it" was clicked on the last run

P = "cmp"
MAX_ITEMS = MAX_COMPARED
COLORS = dict(zip(COLOR_NAMES, PALETTE, strict=True))
DEFAULT_ITEMS = ["ResNet step decay (StepLR 30/60/90)", "Cosine with linear warmup"]
GLOBAL_VIEW = ("epochs", "steps_per_epoch", "x_axis", "log_y")
LENGTHS = {"own": "its own", "fit": "fitted to the comparison's"}


def items() -> list[dict]:
    return st.session_state.setdefault(f"{P}.items", [])


def add(config: dict, name: str, color: str | None = None, length: str = "own") -> None:
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
        # A schedule keeps the length it was set up for (a preset's, Explore's) unless fitted.
        "length": length if length in LENGTHS else "own",
    }
    show(item)
    current.append(item)


def show(item: dict) -> None:
    """Put an item into its widgets (when added, or when coming back to this page)."""
    uid = item["id"]
    load_state(f"{P}{uid}", copy.deepcopy(item["config"]))
    st.session_state[f"{P}{uid}.name"] = item["name"]
    st.session_state[f"{P}{uid}.color"] = item["color"]
    st.session_state[f"{P}{uid}.length"] = item.get("length", "own")


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
    add(item["config"], f"{item['name']} (copy)", length=item.get("length", "own"))


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
        add(item["config"], item["name"][:80], item.get("color"), item.get("length", "own"))
    load_view(state["view"])
    for key in ("layout", "momentum"):
        if key in state:
            st.session_state[f"{P}.{key}"] = state[key]
    ref = state.get("reference", 0)  # checked by open_comparison; older links: the first
    st.session_state[f"{P}.reference"] = f"#{ref + 1} {items()[ref]['name']}"
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
loss_model = current_model()  # fit=/law= from Runs, Sweep or a link

# -- global settings -----------------------------------------------------------------------
with st.sidebar:
    st.subheader("Length and view")
    st.caption(
        "The comparison's length: a schedule set to fit is fitted to it; the others keep "
        "the length they were set up for."
    )
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
    # Labelled by position and name; a label that no longer exists falls back to #1.
    refs = [f"#{n + 1} {it['name']}" for n, it in enumerate(items())]
    if st.session_state.get(f"{P}.reference") not in refs:
        st.session_state[f"{P}.reference"] = refs[0] if refs else None
    picked = st.selectbox(
        "first iter ≠ … compares with",
        refs,
        key=f"{P}.reference",
        format_func=fit,
        help="The summary's last column: the first iteration where each schedule parts from "
        "this one (e.g. a timm schedule and its torch look-alike).",
    )
    say_whole(st, picked)
    reference = refs.index(picked) if picked in refs else 0
    momentum = st.toggle(
        "show momentum",
        key=f"{P}.momentum",
        disabled=layout == "grid",
        help="A momentum panel under the overlaid schedules (not in small multiples).",
    )
    st.divider()
    st.subheader("Add a schedule")
    source = st.selectbox(
        "from", ["Current Explore schedule", *PRESETS], key=f"{P}.source", format_func=fit
    )
    say_whole(st, source)
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
rendered, shared_items, notes = [], [], []
reference_uid = items()[reference]["id"] if items() and reference < len(items()) else None
paths: list = []  # (name, colour, schedule) for the path panel
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
    length = box.radio(
        "length",
        list(LENGTHS),
        format_func=LENGTHS.get,
        horizontal=True,
        key=f"{P}{uid}.length",
        help="Its own: drawn over the epochs × batches below, as set up. Fitted: its warmup, "
        "milestones and periods are scaled to the comparison's length (the sidebar's).",
    )
    own = box.columns(2)
    own[0].number_input("its epochs", min_value=1, step=1, key=f"{P}{uid}.view.epochs")
    own[1].number_input(
        "its batches / epoch", min_value=1, step=1, key=f"{P}{uid}.view.steps_per_epoch"
    )
    form = schedule_form(f"{P}{uid}", box, with_view=False, view_prefix=f"{P}{uid}")
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
        "epochs": st.session_state[f"{P}{uid}.view.epochs"],
        "steps_per_epoch": st.session_state[f"{P}{uid}.view.steps_per_epoch"],
        "x_axis": x_axis,
        "log_y": log_y,
    }
    drawn, fitted = config, None
    if length == "fit":
        fitted = fit_to_length(config, epochs, spe)
        drawn = fitted.config
    problem = form.errors[0] if form.errors else None
    if problem is None:
        try:
            schedule, df = run_schedule(drawn)
            own_cfg = parse(config, view=True).to_json() if fitted is not None else None
        except ConfigError as err:
            problem = err
    if problem is not None:
        form.show_error(problem, box)
        chart_col.error(f"{name}: {problem}", icon=":material/warning:")
        continue
    # Stored as set up (its own length, with steps): the CLI reads it as is, and a link opens
    # it as it was, fitted again on the way.
    it.update(name=name, color=color, length=length, config=own_cfg or schedule.to_json())
    label = name or f"schedule {n + 1}"
    note = length_note(label, own_length(config), (epochs, spe), fitted.changes if fitted else None)
    if note:
        box.caption(note)
        notes.append(f"{n + 1}. {note}")
    rendered.append(
        {
            "name": label,
            "color": COLORS[color],
            "df": df,
            "view": schedule.to_json()["view"],
            "fitted": fitted is not None,
            "uid": uid,
            "config": schedule.to_json(),  # as drawn: the predicted loss is of these lrs
        }
    )
    shared_items.append({k: it[k] for k in ("name", "color", "config", "length")})
    paths.append((label, COLORS[color], schedule))  # for the path panel

# -- chart, numbers, export ----------------------------------------------------------------
if not rendered:
    chart_col.info("Add a schedule from the sidebar to start comparing.")
    st.stop()
fig = compare_figure(rendered, layout=layout, log_y=log_y, normalize=normalize, momentum=momentum)
chart_col.plotly_chart(fig, width="stretch", key=f"{P}.chart")
for note in notes:  # what each schedule is drawn over, where it is not the comparison's
    chart_col.caption(note)
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
    "reference": reference,
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
    share_slot = st.empty()  # filled at the end: the path panel below adds its keys
# Full width, as text that wraps: a number is never cut at the table's edge (a grid of fixed
# columns read 300 for 3000 at 1280 px).
st.subheader("Summary")
# A number is never broken over two lines (1.00e-⏎05): names and headers wrap, numbers don't,
# and past the page's width the table scrolls sideways in its own box.
st.html("<style>.st-key-cmp-summary td:nth-child(n+3) p {white-space: nowrap}</style>")
with st.container(key="cmp-summary"):
    # The reference as drawn: a schedule refused above is not in ``rendered``.
    ref = next((n for n, it in enumerate(rendered) if it["uid"] == reference_uid), 0)
    st.table(summary_text(summary_table(rendered, ref), ref), hide_index=True)
predicted_section(loss_model, rendered, f"{P}.predict")  # the loss model's view of each
# what each schedule does, on one surface (ui/path_panel.py)
shown_path = compare_path_panel(paths)
with share_slot:
    link = share_link("compare", "s", value) + link_suffix(shown_path)
    if loss_model is not None:  # the address bar holds it too: the link opens the same model
        link += "&" + urlencode(loss_model.spec.query())
    share_box("Share link", link, f"{P}_share")
