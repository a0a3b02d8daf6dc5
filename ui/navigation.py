"""Every page goes through app.py's navigation, deep links on a fresh server included."""

from __future__ import annotations

import streamlit as st


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
