"""Cached simulation for the pages: a rerun that changes nothing simulates nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from lrlab import Schedule, parse, simulate
from lrlab.present.teaching import get_lr_vs_last_lr, wrong_order


# 64 entries: a 200k-step, 16-group trajectory is ~100 MB, so the cache must stay bounded.
# The key is the schedule's simulation key; the parsed value itself (underscore: not hashed)
# goes to simulate() as is, so a cache miss does not validate again.
@st.cache_data(max_entries=64, show_spinner=False)
def _simulate(key: str, _schedule: Schedule) -> pd.DataFrame:
    return simulate(_schedule)


def run_schedule(config: Mapping[str, Any] | Schedule) -> tuple[Schedule, pd.DataFrame]:
    """The schedule (steps from its view; parsed once here) and its trajectory (cached).

    Raises ConfigError. Toggling the x axis or the log scale does not simulate again."""
    schedule = parse(config, view=True) if not isinstance(config, Schedule) else config
    return schedule, _simulate(schedule.simulation_key(), schedule)


@st.cache_data(max_entries=16, show_spinner=False)
def _teaching(kind: str, key: str, _schedule: Schedule) -> tuple[pd.DataFrame, str]:
    if kind == "order":
        return wrong_order(_schedule)
    return get_lr_vs_last_lr(_schedule, steps=40)


def teaching_overlay(kind: str, schedule: Schedule) -> tuple[pd.DataFrame, str]:
    """The cached teaching overlay ``order`` (wrong_order) or ``get_lr`` (get_lr_vs_last_lr).

    Raises ConfigError when torch would refuse it for this schedule."""
    return _teaching(kind, schedule.simulation_key(), schedule)
