"""Helpers every page shares: cached simulation and state that lives in the URL."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from lrlab import ConfigError, Schedule, parse, simulate
from lrlab.io.share import decode, encode
from lrlab.present.teaching import get_lr_vs_last_lr, wrong_order
from lrlab.train.jobs import JobManager, get_manager


# 64 entries: a 200k-step, 16-group trajectory is ~100 MB, so the cache must stay bounded.
# The key is the schedule's simulation key; the parsed value itself (underscore: not hashed)
# goes to simulate() as is, so a cache miss does not validate again.
@st.cache_data(max_entries=64, show_spinner=False)
def _simulate(key: str, _schedule: Schedule) -> pd.DataFrame:
    return simulate(_schedule)


def run_schedule(config: Mapping[str, Any] | Schedule) -> tuple[Schedule, pd.DataFrame]:
    """The schedule (steps from its view; parsed once here) and its trajectory (cached).

    Raises ConfigError. Toggling the x axis or the log scale does not simulate again."""
    schedule = parse(config, view=True) if not isinstance(config, Schedule) else config
    return schedule, _simulate(schedule.simulation_key(), schedule)


@st.cache_data(max_entries=16, show_spinner=False)
def _teaching(kind: str, key: str, _schedule: Schedule) -> tuple[pd.DataFrame, str]:
    if kind == "order":
        return wrong_order(_schedule)
    return get_lr_vs_last_lr(_schedule, steps=40)


def teaching_overlay(kind: str, schedule: Schedule) -> tuple[pd.DataFrame, str]:
    """The cached teaching overlay ``order`` (wrong_order) or ``get_lr`` (get_lr_vs_last_lr).

    Raises ConfigError when torch would refuse it for this schedule."""
    return _teaching(kind, schedule.simulation_key(), schedule)


def _seen() -> dict[str, None]:
    # Every link state this session applied or published. A rerun can carry the query
    # string the browser had a moment ago; re-applying it would undo the user's last edit.
    return st.session_state.setdefault("_url_seen", {})


def restore_from_url(param: str, apply: Callable[[Any], None]) -> str | None:
    """Apply the state in query parameter ``param`` unless this session has seen it.

    Returns an error message when the link is broken (the page keeps its current state).
    """
    value = st.query_params.get(param)
    if not value or value in _seen():
        return None
    _seen()[value] = None
    try:
        apply(decode(value))
    except (ConfigError, KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        return f"This shared link could not be opened: {exc}"
    return None


def publish_to_url(param: str, state: Any) -> str:
    """Write the page state into the URL (so the address bar is always a share link)."""
    value = encode(state)
    seen = _seen()
    seen[value] = None
    while len(seen) > 1000:
        del seen[next(iter(seen))]
    if st.query_params.get(param) != value:
        st.query_params[param] = value
    return value


def share_link(page: str, param: str, value: str) -> str:
    base = ""
    with contextlib.suppress(AttributeError):  # older Streamlit: a relative link still works
        base = str(st.context.url or "").split("?")[0].rsplit("/", 1)[0]
    return f"{base}/{page}?{param}={value}" if base else f"{page}?{param}={value}"


def manager() -> JobManager:
    """The process-wide job manager of this server (run database from $LRLAB_DB)."""
    return get_manager()


def run_label(run: Mapping[str, Any]) -> str:
    return f"{run['name']} · {run['status']} · {str(run['id'])[:6]}"


def ensure_navigation() -> None:
    """Serve a deep link through app.py's navigation even on a fresh server.

    Until app.py has called st.navigation once in this server process, Streamlit treats the
    pages/ folder in its older multipage mode and runs a linked page on its own (without
    app.py's page config and menu). Page hashes are the same in both modes, so one rerun
    through app.py shows the linked page, query string included. Only a session's first run
    reruns: no widget has been used yet, so nothing the user did can be lost.
    """
    from streamlit.runtime.pages_manager import PagesManager

    first_run = "_lrlab_session" not in st.session_state
    st.session_state["_lrlab_session"] = True
    if first_run and PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
