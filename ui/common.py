"""Helpers every page shares: cached simulation and state that lives in the URL."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from lrlab import ConfigError, simulate
from lrlab.core.view import with_view_steps
from lrlab.io.share import decode, encode
from lrlab.train.jobs import JobManager, get_manager


# 64 entries: a 200k-step, 16-group trajectory is ~100 MB, so the cache must stay bounded.
@st.cache_data(max_entries=64, show_spinner=False)
def _simulate_json(config_json: str) -> pd.DataFrame:
    return simulate(json.loads(config_json))


def run_schedule(config: Mapping[str, Any]) -> tuple[dict[str, Any], pd.DataFrame]:
    """The config with steps from its view, and its trajectory (cached). Raises ConfigError."""
    cfg = with_view_steps(config)
    # Only what simulate() reads is the cache key: toggling the x axis or the log scale
    # must not simulate again.
    key = {k: cfg[k] for k in ("optimizer", "param_groups", "scheduler", "steps") if k in cfg}
    return cfg, _simulate_json(json.dumps(key, sort_keys=True))


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
