"""Select-box labels that fit their box: a sidebar box shows about 190 px at 1280 px, where
preset and schedule names (up to ~60 characters) would be cut mid-word with no sign."""

from __future__ import annotations

from typing import Any

SIDEBAR_CHARS = 26  # about 165 px at the app's font: the box shows ~190


def fit(text: str, chars: int = SIDEBAR_CHARS) -> str:
    """``text`` when it fits in ``chars``; else without its trailing "(…)" (the library or
    class a preset names, said whole under the box) when that fits; else its first whole
    words ending in "…". Cutting mid-word made two presets read alike in the open list
    ("timm ImageNet cosine (tim…" and "timm's ImageNet cosine as…")."""
    if len(text) <= chars:
        return text
    if text.endswith(")") and " (" in text:
        head = text[: text.rindex(" (")].rstrip()
        if chars // 2 <= len(head) <= chars:  # "custom (edited from …)" keeps its words
            return head
    cut = text[: chars - 1]
    if " " in cut and not text[chars - 1].isspace():  # a word runs past the end: drop it
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" (·,:+-") + "…"


def say_whole(box: Any, text: str | None, chars: int = SIDEBAR_CHARS) -> None:
    """Under a box whose label :func:`fit` shortened: the whole label, as a caption."""
    if text and len(text) > chars:
        box.caption(text)
