"""Page state that lives in the URL, so the address bar is always a share link."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import streamlit as st

from lrlab import ConfigError
from lrlab.io.share import decode, encode


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
    """The full link to ``page`` with ``param`` set (relative when the server URL is unknown)."""
    base = ""
    with contextlib.suppress(AttributeError):  # older Streamlit: a relative link still works
        base = str(st.context.url or "").split("?")[0].rsplit("/", 1)[0]
    return f"{base}/{page}?{param}={value}" if base else f"{page}?{param}={value}"
