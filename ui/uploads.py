"""The config upload box of Explore and Train: a file opens as a shared link does, or the
page says why not in one line and keeps what it shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from lrlab import ConfigError, Schedule
from lrlab.io.uploads import open_upload

OnOpen = Callable[[dict[str, Any], Schedule], None]  # may raise ConfigError: nothing changes


def config_upload(label: str, key: str, on_open: OnOpen) -> None:
    """A JSON file box; a new file goes to ``on_open(config, schedule)`` once, parsed."""
    st.file_uploader(label, type=["json"], key=key, on_change=_opened, args=(key, on_open))
    if st.session_state.get(f"{key}.error"):
        st.error(st.session_state[f"{key}.error"])


def _opened(key: str, on_open: OnOpen) -> None:
    upload = st.session_state.get(key)
    if upload is None:
        return  # the file was removed from the box: the page keeps what it shows
    try:
        on_open(*open_upload(upload.getvalue()))
    except ConfigError as err:
        st.session_state[f"{key}.error"] = f"Not loaded: {err}"
    else:
        st.session_state.pop(f"{key}.error", None)
