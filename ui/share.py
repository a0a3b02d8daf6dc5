"""The share-link box: rebuilt from the page's state on every run, with a copy button."""

from __future__ import annotations

import streamlit as st


def share_box(label: str, link: str, key: str) -> None:
    """Show ``link`` in a code box. st.code carries no session state, so the box can never
    keep a stale link after an edit (a keyed text box would), and it has a copy button."""
    with st.container(key=key):
        st.caption(f"{label}: copy it with the button at the right of the box.")
        st.code(link, language=None, wrap_lines=True)
