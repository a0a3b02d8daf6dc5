"""Helpers every page shares: cached simulation and state that lives in the URL."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from lrlab import ConfigError, simulate
from lrlab.share import decode, encode
from lrlab.view import with_view_steps


@st.cache_data(max_entries=512, show_spinner=False)
def _simulate_json(config_json: str) -> pd.DataFrame:
    return simulate(json.loads(config_json))


def run_schedule(config: Mapping[str, Any]) -> tuple[dict[str, Any], pd.DataFrame]:
    """The config with steps from its view, and its trajectory (cached). Raises ConfigError."""
    cfg = with_view_steps(config)
    return cfg, _simulate_json(json.dumps(cfg, sort_keys=True))


def restore_from_url(param: str, apply: Callable[[Any], None]) -> str | None:
    """Apply the state in query parameter ``param`` once per distinct value.

    Returns an error message when the link is broken (the page keeps its current state).
    """
    value = st.query_params.get(param)
    marker = f"_url_applied.{param}"
    if not value or st.session_state.get(marker) == value:
        return None
    st.session_state[marker] = value
    try:
        apply(decode(value))
    except (ConfigError, KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        return f"This shared link could not be opened: {exc}"
    return None


def publish_to_url(param: str, state: Any) -> str:
    """Write the page state into the URL (so the address bar is always a share link)."""
    value = encode(state)
    if st.query_params.get(param) != value:
        st.query_params[param] = value
    st.session_state[f"_url_applied.{param}"] = value
    return value


def share_link(page: str, param: str, value: str) -> str:
    base = ""
    with contextlib.suppress(AttributeError):  # older Streamlit: a relative link still works
        base = str(st.context.url or "").split("?")[0].rsplit("/", 1)[0]
    return f"{base}/{page}?{param}={value}" if base else f"{page}?{param}={value}"
