"""One editor per kind of parameter: the widget that edits a value, and the widget state that
shows one.

The kind table (:data:`lrlab.core.kinds.KINDS`) names each kind's editor; this module keeps one
per name, so nothing here tests ``p.kind``. ``state`` is the exact inverse of ``show``: presets,
uploads and shared links restore a widget by writing its state. Text editors parse with the
kind's own ``from_text``, so a bad entry comes back as a ConfigError with the field's path.
Nested schedulers and the metric are sections of the form, not single widgets (ui/form.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from lrlab.catalog import Param
from lrlab.core.kinds import KINDS, numbers_text


def param_widget(c: Any, p: Param, key: str, path: str, groups: int) -> Any:
    """Render one parameter; returns its config value (or raises ConfigError for bad text)."""
    ensure_param(p, p.initial(), key, groups)
    return EDITORS[KINDS[p.kind].widget].show(c, p, key, path, groups)


def ensure_param(p: Param, value: Any, key: str, groups: int = 1) -> None:
    """Seed a parameter's widget with ``value`` unless it already has one."""
    ensure(state_of(p, value, key, groups))


def state_of(p: Param, value: Any, key: str, groups: int) -> dict[str, Any]:
    """Widget state that shows ``value`` (the inverse of param_widget)."""
    return EDITORS[KINDS[p.kind].widget].state(p, value, key, groups)


def ensure(state: Mapping[str, Any]) -> None:
    """Give widgets their values the first time they appear (never overwrite a user's edit)."""
    for key, value in state.items():
        if key not in st.session_state:
            st.session_state[key] = value


def help_text(p: Param) -> str:
    bounds = p.bounds_text()
    default = "required" if p.required else f"default {numbers_text(p.default)}"
    return f"{p.help} ({default}{'; ' + bounds if bounds else ''})"


# -- the editors -------------------------------------------------------------------------------
RUN_LENGTH = ("epochs", "steps_per_epoch")  # also the run length's own boxes in the form


def label(p: Param, path: str) -> str:
    """A widget's label: the parameter's name, marked as the scheduler's own where the form
    has a run-length box of the same name (OneCycleLR's epochs read like the run's)."""
    if p.name in RUN_LENGTH and path.startswith("scheduler"):
        return f"{p.name} (the scheduler's own)"
    return p.name


def _number(c: Any, p: Param, key: str, path: str, groups: int) -> Any:
    extra = {"value": None, "placeholder": "not set"} if p.nullable else {}
    return c.number_input(label(p, path), key=key, help=help_text(p), format="%g", **extra)


def _integer(c: Any, p: Param, key: str, path: str, groups: int) -> Any:
    extra = {"value": None, "placeholder": "not set"} if p.nullable else {}
    return c.number_input(label(p, path), key=key, help=help_text(p), step=1, format="%d", **extra)


def _checkbox(c: Any, p: Param, key: str, path: str, groups: int) -> Any:
    return c.checkbox(p.name, key=key, help=help_text(p))


def _select(c: Any, p: Param, key: str, path: str, groups: int) -> Any:
    return c.selectbox(p.name, list(p.choices), key=key, help=help_text(p))


def _pair(c: Any, p: Param, key: str, path: str, groups: int) -> list[float]:
    left, right = c.columns(2)
    return [
        left.number_input(f"{p.name}[0]", key=f"{key}.0", format="%g", help=help_text(p)),
        right.number_input(f"{p.name}[1]", key=f"{key}.1", format="%g"),
    ]


def _numbers(c: Any, p: Param, key: str, path: str, groups: int) -> Any:
    kind = KINDS[p.kind]
    placeholder = "not set" if p.nullable else None
    text = c.text_input(
        p.name, key=key, help=help_text(p) + kind.text_hint, placeholder=placeholder
    )
    assert kind.from_text is not None, f"the {p.kind} kind has a text editor but no parser"
    return kind.from_text(text, path)


def _expressions(c: Any, p: Param, key: str, path: str, groups: int) -> Any:
    """One expression per parameter group (a list), or one for all."""
    texts = [
        c.text_input(
            f"{p.name} · group {g}" if groups > 1 else p.name, key=f"{key}.{g}", help=help_text(p)
        )
        for g in range(groups)
    ]
    return texts if groups > 1 else texts[0]


def _one_key(p: Param, value: Any, key: str, groups: int) -> dict[str, Any]:
    return {key: value}


def _float_key(p: Param, value: Any, key: str, groups: int) -> dict[str, Any]:
    return {key: None if value is None else float(value)}


def _pair_keys(p: Param, value: Any, key: str, groups: int) -> dict[str, Any]:
    return {f"{key}.0": float(value[0]), f"{key}.1": float(value[1])}


def _text_key(p: Param, value: Any, key: str, groups: int) -> dict[str, Any]:
    return {key: numbers_text(value)}


def _group_keys(p: Param, value: Any, key: str, groups: int) -> dict[str, Any]:
    texts = value if isinstance(value, list) else [value] * groups
    return {f"{key}.{g}": texts[g] if g < len(texts) else texts[-1] for g in range(groups)}


@dataclass(frozen=True)
class Editor:
    show: Callable[[Any, Param, str, str, int], Any]  # (container, param, key, path, groups)
    state: Callable[[Param, Any, str, int], dict[str, Any]]  # (param, value, key, groups)


EDITORS: dict[str, Editor] = {
    "number": Editor(_number, _float_key),
    "integer": Editor(_integer, _one_key),
    "checkbox": Editor(_checkbox, _one_key),
    "select": Editor(_select, _one_key),
    "pair": Editor(_pair, _pair_keys),
    "numbers": Editor(_numbers, _text_key),
    "expressions": Editor(_expressions, _group_keys),
}
