"""Select-box labels that fit their box: a sidebar box shows about 190 px at 1280 px, where
preset and schedule names (up to ~60 characters) would be cut mid-word with no sign."""

from __future__ import annotations

from typing import Any

SIDEBAR_CHARS = 26  # about 165 px at the app's font: the box shows ~190


def fit(text: str, chars: int = SIDEBAR_CHARS) -> str:
    """``text``, or its first words ending in "…" when it is longer than ``chars``."""
    if len(text) <= chars:
        return text
    return text[: chars - 1].rstrip(" (·,") + "…"


def say_whole(box: Any, text: str | None, chars: int = SIDEBAR_CHARS) -> None:
    """Under a box whose label :func:`fit` shortened: the whole label, as a caption."""
    if text and len(text) > chars:
        box.caption(text)
