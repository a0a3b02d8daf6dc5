"""Explore's "what it does" panel: the schedule's optimizer stepped on a small problem.

Computed only while the panel is switched on, and cached on the schedule's simulation key,
the problem, its setting, the start and the steps, so a rerun that changes none of them
steps nothing. The problem, start and κ live in the URL (``problem``, ``start``,
``condition``) and in Explore's config download (its ``path`` section, lrlab/paths/link.py).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from lrlab import ConfigError, Schedule
from lrlab.catalog import OPTIMIZERS
from lrlab.paths import MAX_PATH_STEPS, PROBLEM_NAMES, get_problem, run_path
from lrlab.paths.figures import (
    GHOST_COLOUR,
    PathTrace,
    loss_lr_figure,
    step_caption,
    surface_figure,
)
from lrlab.paths.link import (
    CONDITIONED,
    KEYS,
    PathSettings,
    path_from_config,
    path_from_link,
    path_to_link,
)
from lrlab.paths.problems import DEFAULT_PROBLEM

P = "ex.path"  # Explore's keys; Compare's panel uses "cmp.path"
# The panel draws at most this many steps (~0.1 s of torch on a quiet CPU for the path and its
# ghost): a per-batch schedule of 100k steps would otherwise hold every rerun for seconds.
PANEL_STEPS = 2_000


@st.cache_data(max_entries=32, show_spinner=False)
def _path(
    key: str,
    _schedule: Schedule,
    problem: str,
    condition: float,
    start: tuple,
    steps: int,
    ghost: bool,
) -> pd.DataFrame:
    options = {"condition": condition} if problem in CONDITIONED else {}
    return run_path(_schedule, get_problem(problem, **options), start, steps, constant_lr=ghost)


def _restore_link(p: str) -> str | None:
    """Seed the panel's widgets from the link once per link; an error message if broken."""
    query = {k: st.query_params.get(k) for k in KEYS if st.query_params.get(k) is not None}
    seen = st.session_state.setdefault(f"{p}.seen", set())
    text = repr(sorted(query.items()))
    if not query or text in seen:
        return None
    seen.add(text)
    try:
        found = path_from_link(query)
    except ConfigError as exc:
        return f"The link's path could not be opened ({exc}); the panel keeps its own."
    if found is not None:
        _show(p, found)
    return None


def _show(p: str, path: PathSettings) -> None:
    """Switch the panel on showing ``path`` (widgets seeded through session state)."""
    st.session_state[f"{p}.on"] = True
    st.session_state[f"{p}.problem"] = path.problem
    st.session_state[f"{p}.x.{path.problem}"] = path.start[0]
    st.session_state[f"{p}.y.{path.problem}"] = path.start[1]
    if path.condition is not None:
        st.session_state[f"{p}.condition"] = path.condition


def open_path(config: dict) -> None:
    """Show the ``path`` section of a config Explore opened (a link's or a file's), if any.

    The config was checked whole where it came in (lrlab.io.links.parse_opened), so this
    cannot fail on it; a run config's section is read the same way."""
    found = path_from_config(config)
    if found is not None:
        _show(P, found)


def _settings(p: str) -> tuple[str, tuple[float, ...], float]:
    cols = st.columns([2, 1, 1, 1])
    st.session_state.setdefault(f"{p}.problem", DEFAULT_PROBLEM)
    name = cols[0].selectbox("Problem", PROBLEM_NAMES, key=f"{p}.problem")
    problem = get_problem(name)
    # seeded through session state (a link may have set them), never with value= as well
    st.session_state.setdefault(f"{p}.x.{name}", float(problem.start[0]))
    st.session_state.setdefault(f"{p}.y.{name}", float(problem.start[1]))
    label = "w1" if name == "logistic" else "x"
    x = cols[1].number_input(f"start {label}", format="%.4g", key=f"{p}.x.{name}")
    label = "w2" if name == "logistic" else "y"
    y = cols[2].number_input(f"start {label}", format="%.4g", key=f"{p}.y.{name}")
    condition = 10.0
    if name in CONDITIONED:
        st.session_state.setdefault(f"{p}.condition", condition)
        condition = cols[3].number_input(
            "condition κ", 1.0, 1e4, key=f"{p}.condition", help="curvature ratio y : x"
        )
    return name, (x, y, *problem.start[2:]), condition


def _opened(p: str, label: str) -> tuple[str, tuple[float, ...], float] | None:
    """The switch and the settings; None (and no link keys) while switched off."""
    broken = _restore_link(p)
    on = st.toggle(label, key=f"{p}.on")
    if broken:
        st.warning(broken, icon=":material/link_off:")
    if not on:
        for k in (*KEYS, STEP_KEY):
            if k in st.query_params:
                del st.query_params[k]
        return None
    return _settings(p)


def _publish(p: str, name: str, start: tuple[float, ...], condition: float) -> PathSettings:
    path = PathSettings(name, start, condition if name in CONDITIONED else None)
    keys = path_to_link(path)
    for k in KEYS:
        if k not in keys and k in st.query_params:
            del st.query_params[k]
    for k, v in keys.items():
        if st.query_params.get(k) != v:
            st.query_params[k] = v
    st.session_state[f"{p}.seen"].add(repr(sorted(keys.items())))
    return path


def _surface(name: str, condition: float, traces: list[PathTrace], step: int) -> Any:
    options = {"condition": condition} if name in CONDITIONED else {}
    return surface_figure(get_problem(name, **options), traces, step)


STEP_KEY = "path_step"  # the slider's step in the URL (left out at the last step, the default)


def _slider(p: str, longest: int) -> int:
    """The step slider, at a link's ``path_step`` when it first shows a path of this length
    (else at the end); the step it shows goes back into the URL, so a shared link opens the
    lesson at the same step."""
    key, ours = f"{p}.step.{longest}", f"{p}.step.published"
    if key not in st.session_state:
        st.session_state[key] = _linked_step(longest, st.session_state.get(ours))
    step = st.slider("Step", 0, longest - 1, key=key)
    if step == longest - 1:
        st.query_params.pop(STEP_KEY, None)
    elif st.query_params.get(STEP_KEY) != str(step):
        st.query_params[STEP_KEY] = str(step)
    st.session_state[ours] = st.query_params.get(STEP_KEY)
    return step


def _linked_step(longest: int, ours: str | None) -> int:
    """The URL's step where it is one of this path's; else the last step, said when the value
    came from a link (not from this page's own slider on a path that has since got shorter)."""
    raw = st.query_params.get(STEP_KEY)
    if raw is None:
        return longest - 1
    if raw.isascii() and raw.isdigit() and int(raw) < longest:
        return int(raw)
    if raw == ours:
        return longest - 1
    st.warning(
        f"The link's {STEP_KEY} {raw[:20]!r} is not a step of this path (0 to {longest - 1}): "
        "the panel shows the last step.",
        icon=":material/link_off:",
    )
    return longest - 1


def path_panel(schedule: Schedule) -> PathSettings | None:
    """Explore's panel, below the chart; renders nothing heavy while switched off. Returns
    the settings it shows (for the config download), None while off or without a path."""
    opened = _opened(P, "What it does: the optimizer's path on a small problem")
    if opened is None:
        return None
    name, start, condition = opened
    steps = min(schedule.steps, PANEL_STEPS, MAX_PATH_STEPS)
    key = schedule.simulation_key()
    # the ghost has no scheduler: an edit of the schedule alone does not step it again
    ghost_key = json.dumps([schedule.optimizer, schedule.param_groups], sort_keys=True)
    try:
        df = _path(key, schedule, name, condition, start, steps, False)
        ghost = _path(ghost_key, schedule, name, condition, start, steps, True)
    except ConfigError as exc:
        st.warning(f"No path for this schedule: {exc}", icon=":material/warning:")
        return None
    path = _publish(P, name, start, condition)
    if steps < schedule.steps:
        st.caption(
            f"The first {steps:,} of the schedule's {schedule.steps:,} steps (the panel's most)."
        )
    opt = schedule.optimizer_name
    base_lr = ghost["lr"].iloc[0]
    traces = [
        PathTrace(df, f"{opt}, this schedule"),
        PathTrace(ghost, f"{opt}, constant lr {base_lr:.3g}", GHOST_COLOUR, dashed=True),
    ]
    step = _slider(P, len(df))
    st.caption(
        step_caption(df, step),
        help="the parameters after that many steps, their loss and the lr of the next step",
    )
    left, right = st.columns(2)
    left.plotly_chart(_surface(name, condition, traces, step), width="stretch", key=f"{P}.surface")
    right.plotly_chart(loss_lr_figure(traces, step), width="stretch", key=f"{P}.loss")
    for note in df.attrs["warnings"]:
        st.warning(note, icon=":material/warning:")
    same = df[["x", "y"]].equals(ghost[["x", "y"]])
    if same and not df["lr"].equals(ghost["lr"]):  # Rprop: the lr is only its first step size
        st.info(f"The schedule changes the lr but not {opt}'s path: see its update below.")
    st.markdown(f"**{opt}'s update** (η_t: the lr the schedule sets for step t)")
    st.latex(OPTIMIZERS[opt].formula)
    st.caption(
        "Solid: this schedule; dashed: the same optimizer at its own constant lr (no scheduler). "
        "One optimizer step per scheduler step; float64; the problem's loss is "
        "ReduceLROnPlateau's metric. `python -m lrlab path` prints the same rows."
    )
    st.download_button(
        "Download the path (CSV, as `python -m lrlab path` prints it)",
        lambda: df.to_csv(index=False, lineterminator="\n"),
        f"lrlab-path-{name}-start-{','.join(f'{v:g}' for v in start)}.csv",
        "text/csv",
        key=f"{P}.csv",
    )
    return path


def link_suffix(path: PathSettings | None) -> str:
    """``&problem=...&start=...`` (and the slider's ``path_step`` when it is not at the end)
    for a share link built from one key (Compare's ``s``)."""
    if path is None:
        return ""
    keys = path_to_link(path)
    if (step := st.query_params.get(STEP_KEY)) is not None:
        keys[STEP_KEY] = step
    return "&" + urlencode(keys)


def compare_path_panel(items: list[tuple[str, str, Schedule]]) -> PathSettings | None:
    """Compare's panel: every schedule's path (name, colour, schedule) on one surface.
    Returns the settings it shows (for the share link), None while off."""
    opened = _opened("cmp.path", "What they do: each schedule's path on one problem")
    if opened is None or not items:
        return None
    name, start, condition = opened
    traces, notes = [], []
    for label, colour, schedule in items:
        steps = min(schedule.steps, PANEL_STEPS, MAX_PATH_STEPS)
        try:
            df = _path(schedule.simulation_key(), schedule, name, condition, start, steps, False)
        except ConfigError as exc:
            notes.append(f"{label}: no path ({exc})")
            continue
        traces.append(PathTrace(df, label, colour))
        notes += [f"{label}: {w}" for w in df.attrs["warnings"]]
    path = _publish("cmp.path", name, start, condition)
    if not traces:
        return path
    step = _slider("cmp.path", max(len(t.df) for t in traces))
    for t in traces:
        st.caption(f"{t.name}, {step_caption(t.df, step)}")
    left, right = st.columns(2)
    surface = _surface(name, condition, traces, step)
    left.plotly_chart(surface, width="stretch", key="cmp.path.surface")
    right.plotly_chart(loss_lr_figure(traces, step), width="stretch", key="cmp.path.loss")
    for note in notes:
        st.warning(note, icon=":material/warning:")
    return path
