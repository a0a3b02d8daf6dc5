"""The share-link box: rebuilt from the page's state on every run, with a copy button."""

from __future__ import annotations

import contextlib
from urllib.parse import urlencode

import streamlit as st


def share_box(label: str, link: str, key: str) -> None:
    """Show ``link`` on one line of a code box (it scrolls sideways), with a copy button.

    A link holds the whole state, so a comparison's runs to thousands of characters: wrapped,
    it filled a screen with base64 nobody reads. st.code carries no session state, so the box
    can never keep a stale link after an edit (a keyed text box would)."""
    with st.container(key=key):
        st.caption(
            f"{label}: {len(link):,} characters; copy it with the button at the right of the box."
        )
        st.code(link, language=None, wrap_lines=False)


def address_link(page: str) -> str:
    """The link the address bar holds for ``page``: every query parameter the page has set
    (Explore's schedule and its teaching mode alike), so the share box and the address bar
    never open different pages."""
    query = urlencode(st.query_params.to_dict())
    base = ""
    with contextlib.suppress(AttributeError):  # older Streamlit: a relative link still works
        base = str(st.context.url or "").split("?")[0].rsplit("/", 1)[0]
    return f"{base}/{page}?{query}" if base else f"{page}?{query}"
