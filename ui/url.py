"""Page state that lives in the URL, so the address bar is always a share link."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import streamlit as st

from lrlab import ConfigError
from lrlab.io.links import MAX_COMPARED, open_comparison, open_schedule
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
    return open_error(value, apply)


def open_error(value: str, apply: Callable[[Any], Any]) -> str | None:
    """Decode a link's ``value`` and hand it to ``apply`` (which checks it, and may apply it);
    the message to show when either refuses it, else None."""
    try:
        apply(decode(value))
    except (ConfigError, KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        return f"This shared link could not be opened: {exc}"
    return None


# The link parameters of the pages that open a shared state: (page, what it holds, its check).
SHARED = {
    "c": ("explore", "a schedule for Explore", open_schedule),
    "s": ("compare", "a comparison for Compare", lambda d: open_comparison(d, MAX_COMPARED)),
}


def elsewhere_link() -> tuple[str, str | None]:
    """On a page that opens no shared state (Home): a link meant for Explore (``?c=``) or
    Compare (``?s=``), checked as that page would. Returns (the message, or "" when the
    address holds neither; the page's link to open it, when it is valid)."""
    for param, (page, what, check) in SHARED.items():
        value = st.query_params.get(param)
        if value:
            error = open_error(value, check)
            if error:
                return error, None
            return f"This link holds {what}.", f"{page}?{param}={value}"
    return "", None


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
