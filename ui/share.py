"""The share-link box: rebuilt from the page's state on every run, with a copy button."""

from __future__ import annotations

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
