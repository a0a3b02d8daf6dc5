"""The schedule Explore shows, as other pages see it.

Explore remembers its schedule here on every run; Compare and Train read it; Runs hands
Explore a run's schedule to show next. Only this module knows the session keys, so no page
writes another page's widgets.
"""

from __future__ import annotations

import copy
from typing import Any

import streamlit as st

CUSTOM = "(your own)"  # the preset box's entry for a schedule that is no preset
_CONFIG, _PRESET, _BASE, _PENDING = (
    "explore.config",
    "explore.preset",
    "explore.preset_base",
    "explore.pending",
)


def explore_schedule() -> dict[str, Any] | None:
    """The normalised config Explore last showed in this session (None before a visit)."""
    return st.session_state.get(_CONFIG)


def remember(config: dict[str, Any], preset: str | None, preset_base: str | None) -> None:
    """Explore, after drawing: this is what it shows, and which preset it came from."""
    st.session_state[_CONFIG] = config
    st.session_state[_PRESET] = preset
    st.session_state[_BASE] = preset_base


def remembered(default: str) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """What Explore showed last (config, preset box, preset it came from), else the default."""
    return (
        st.session_state.get(_CONFIG),
        st.session_state.get(_PRESET, default),
        st.session_state.get(_BASE, default),
    )


def show_in_explore(config: dict[str, Any]) -> None:
    """Have Explore show ``config`` on its next run (a run's schedule, from Runs)."""
    st.session_state[_PENDING] = copy.deepcopy(config)


def take_pending() -> dict[str, Any] | None:
    """Explore, at the top of a run: the config another page asked it to show, once."""
    return st.session_state.pop(_PENDING, None)
