"""Widgets generated from the catalog: a config goes in as session state, a config comes out.

Nothing here knows a scheduler by name. Each parameter kind has one widget, and
``load_state`` is the exact inverse of ``schedule_form`` so presets, uploads and shared links
restore every widget. Parse errors come back as ConfigErrors with the same field paths that
validation uses, so a message can sit right under its widget.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from lrlab import MAX_GROUPS, MAX_STEPS, ConfigError
from lrlab.catalog import OPTIMIZERS, SCHEDULERS, Param
from lrlab.core.config import MAX_CHILDREN, MAX_NESTING, SYNTHETIC_METRIC
from lrlab.core.view import VIEW_DEFAULTS

CHILD_CHOICES = [
    n
    for n, s in SCHEDULERS.items()
    if not s.composite and not s.needs_metric and s.library == "torch"
]
# A composite child is offered where torch's nesting is still within lrlab's documented depth,
# so every valid link can be shown (and edited) in the form exactly.
COMPOSITE_CHOICES = [n for n, s in SCHEDULERS.items() if s.composite]
MAX_UI_CHILDREN = MAX_CHILDREN
METRIC_KNOBS = {
    "start": "Metric at step 0.",
    "floor": "Level the metric falls towards.",
    "decay": "Time constant of the fall, in steps.",
    "noise": "Standard deviation of the noise.",
    "seed": "Seed of the noise.",
}


@dataclass
class Form:
    """What a rendered form produced: the config, parse errors, and where to show messages."""

    prefix: str
    config: dict[str, Any] = field(default_factory=dict)
    errors: list[ConfigError] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)

    def slot(self, path: str, container: Any) -> None:
        self.slots[path] = container.empty()

    def show_error(self, err: ConfigError, fallback: Any) -> None:
        """Put the message under the widget of ``err.field`` (or its nearest parent)."""
        path = err.field
        while path and path not in self.slots:
            path = re.sub(r"(\[\d+\]|\.[^.\[]+)$", "", path)
        target = self.slots.get(path, fallback)
        target.error(err.message if path == err.field else str(err), icon=":material/warning:")


# -- parameters --------------------------------------------------------------------------------
def _fmt(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_fmt(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _help(p: Param) -> str:
    bounds = p.bounds_text()
    default = "required" if p.required else f"default {_fmt(p.default)}"
    return f"{p.help} ({default}{'; ' + bounds if bounds else ''})"


def _parse_numbers(text: str, path: str, whole: bool) -> list:
    values: list = []
    for part in (t for t in re.split(r"[,\s;]+", text.strip()) if t):
        try:
            value = float(part)
        except ValueError:
            raise ConfigError(path, "write numbers separated by commas, like 30, 60, 90") from None
        if whole:
            if not value.is_integer():
                raise ConfigError(path, "must be whole numbers, like 30, 60, 90")
            value = int(value)
        values.append(value)
    return values


def _ensure(state: Mapping[str, Any]) -> None:
    """Give widgets their catalog defaults the first time they appear (never overwrite)."""
    for key, value in state.items():
        if key not in st.session_state:
            st.session_state[key] = value


def param_widget(c: Any, p: Param, key: str, path: str, groups: int) -> Any:
    """Render one parameter; returns its config value (or raises ConfigError for bad text)."""
    ensure_param(p, p.initial(), key, groups)
    label = p.name
    if p.kind == "bool":
        return c.checkbox(label, key=key, help=_help(p))
    if p.kind == "choice":
        return c.selectbox(label, list(p.choices), key=key, help=_help(p))
    if p.kind in ("float", "int"):
        is_int = p.kind == "int"
        extra = {"value": None, "placeholder": "not set"} if p.nullable else {}
        return c.number_input(
            label,
            key=key,
            help=_help(p),
            step=1 if is_int else None,
            format="%d" if is_int else "%g",
            **extra,
        )
    if p.kind == "float_pair":
        left, right = c.columns(2)
        return [
            left.number_input(f"{label}[0]", key=f"{key}.0", format="%g", help=_help(p)),
            right.number_input(f"{label}[1]", key=f"{key}.1", format="%g"),
        ]
    if p.kind == "milestones":
        text = c.text_input(label, key=key, help=_help(p) + " Comma-separated.")
        return _parse_numbers(text, path, whole=True)
    if p.kind == "float_or_list":
        text = c.text_input(label, key=key, help=_help(p) + " One value, or one per group.")
        values = _parse_numbers(text, path, whole=False)
        if not values:
            raise ConfigError(path, "enter a number")
        return values[0] if len(values) == 1 else values
    if p.kind == "int_or_range":
        text = c.text_input(
            label, key=key, help=_help(p) + " One step, or start, end.", placeholder="not set"
        )
        values = _parse_numbers(text, path, whole=True)
        return None if not values else values[0] if len(values) == 1 else values
    if p.kind == "lambda":
        texts = [
            c.text_input(
                f"{label} · group {g}" if groups > 1 else label, key=f"{key}.{g}", help=_help(p)
            )
            for g in range(groups)
        ]
        return texts if groups > 1 else texts[0]
    raise AssertionError(p.kind)  # pragma: no cover


def ensure_param(p: Param, value: Any, key: str, groups: int = 1) -> None:
    """Seed a parameter's widget with ``value`` unless it already has one."""
    _ensure(_state_value(p, value, key, groups))


def _state_value(p: Param, value: Any, key: str, groups: int) -> dict[str, Any]:
    """Widget state for a parameter value (the inverse of param_widget)."""
    if p.kind == "float_pair":
        return {f"{key}.0": float(value[0]), f"{key}.1": float(value[1])}
    if p.kind in ("milestones", "float_or_list", "int_or_range"):
        return {key: "" if value is None else _fmt(value)}
    if p.kind == "lambda":
        texts = value if isinstance(value, list) else [value] * groups
        return {f"{key}.{g}": texts[g] if g < len(texts) else texts[-1] for g in range(groups)}
    if p.kind == "float":
        return {key: None if value is None else float(value)}
    return {key: value}


# -- optimizer and groups ----------------------------------------------------------------------
def _optimizer_form(form: Form, c: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    P = form.prefix
    _ensure({f"{P}.optimizer": "SGD", f"{P}.groups": 1})
    name = c.selectbox(
        "optimizer",
        list(OPTIMIZERS),
        key=f"{P}.optimizer",
        help="Any torch.optim optimizer; its settings follow.",
    )
    form.slot("optimizer", c)
    spec = OPTIMIZERS[name]
    opt: dict[str, Any] = {"name": name}
    for p in spec.params:
        opt[p.name] = param_widget(c, p, f"{P}.opt.{name}.{p.name}", f"optimizer.{p.name}", 1)
        form.slot(f"optimizer.{p.name}", c)
    groups = c.number_input(
        "parameter groups",
        min_value=1,
        max_value=MAX_GROUPS,
        step=1,
        key=f"{P}.groups",
        help="Each group can have its own base lr (e.g. a pretrained backbone and a new head).",
    )
    form.slot("param_groups", c)
    group_cfgs = []
    for g in range(int(groups)):
        extra = dict(st.session_state.get(f"{P}.group{g}.extra", {}))
        if groups > 1:
            lr = c.number_input(
                f"group {g} lr",
                key=f"{P}.group{g}.lr",
                value=None,
                format="%g",
                placeholder="optimizer's lr",
                help="Blank: the optimizer's lr.",
            )
            form.slot(f"param_groups[{g}].lr", c)
            if lr is not None:
                extra["lr"] = lr
        group_cfgs.append(extra)
    return opt, group_cfgs


# -- schedulers --------------------------------------------------------------------------------
def _scheduler_form(
    form: Form, c: Any, key: str, path: str, groups: int, choices: list[str], depth: int = 0
) -> dict[str, Any]:
    _ensure({f"{key}.name": choices[0]})
    name = c.selectbox(
        "scheduler" if depth == 0 else "child scheduler",
        choices,
        key=f"{key}.name",
        help="Any torch.optim.lr_scheduler class; transformers' get_scheduler types and "
        "timm's scheduler classes are named transformers:… and timm:…",
        # A new scheduler brings its usual stepping (CyclicLR and OneCycleLR: per batch).
        on_change=None if depth else _usual_stepping,
        args=None if depth else (form.prefix, f"{key}.name"),
    )
    form.slot(f"{path}.name" if depth else path, c)
    spec = SCHEDULERS[name]
    out: dict[str, Any] = {"name": name}
    # Children first: SequentialLR's milestones read best after the list they split.
    for p in sorted(spec.params, key=lambda p: p.kind != "schedulers"):
        pkey, ppath = f"{key}.{name}.{p.name}", f"{path}.{p.name}"
        if p.kind == "schedulers":
            out[p.name] = _children_form(form, c, pkey, ppath, groups, depth, p.example)
        elif p.kind == "metrics":
            out[p.name] = _metrics_form(form, c, pkey, ppath)
        else:
            try:
                value = param_widget(c, p, pkey, ppath, groups)
            except ConfigError as err:
                form.errors.append(err)
                value = None
            if value is not None or not p.nullable:
                out[p.name] = value
        form.slot(ppath, c)
    return out


def _usual_stepping(prefix: str, name_key: str) -> None:
    st.session_state[f"{prefix}.view.step_per"] = SCHEDULERS[st.session_state[name_key]].step_per


def _children_form(
    form: Form, c: Any, key: str, path: str, groups: int, depth: int, example: list
) -> list:
    if f"{key}.n" not in st.session_state:
        initial: dict[str, Any] = {}
        _load_children(initial, key, example, groups)
        _ensure(initial)
    n = c.number_input(
        "number of schedulers", min_value=1, max_value=MAX_UI_CHILDREN, step=1, key=f"{key}.n"
    )
    children = []
    for i in range(int(n)):
        box = c.container(border=True)
        box.caption(f"scheduler {i + 1}")
        choices = CHILD_CHOICES + (COMPOSITE_CHOICES if depth + 1 < MAX_NESTING else [])
        children.append(
            _scheduler_form(form, box, f"{key}.{i}", f"{path}[{i}]", groups, choices, depth + 1)
        )
    return children


def _metrics_form(form: Form, c: Any, key: str, path: str) -> Any:
    _ensure(
        {
            f"{key}.source": "synthetic loss",
            **{
                f"{key}.{k}": int(v) if k == "seed" else float(v)
                for k, v in SYNTHETIC_METRIC.items()
            },
        }
    )
    source = c.radio(
        "metric",
        ["synthetic loss", "uploaded values"],
        key=f"{key}.source",
        horizontal=True,
        help="ReduceLROnPlateau watches a metric: a synthetic "
        "noisy loss curve, or your own values (CSV, one per step).",
    )
    if source == "uploaded values":
        c.file_uploader(
            "metric CSV (first numeric column)",
            type=["csv", "txt"],
            key=f"{key}.file",
            on_change=_read_metric_csv,
            args=(key,),
        )
        values = st.session_state.get(f"{key}.values")
        problem = st.session_state.get(f"{key}.upload_error")
        if problem or not values:
            form.errors.append(
                ConfigError(path, problem or "upload a CSV with one metric value per step")
            )
            return []
        c.caption(f"{len(values)} values loaded")
        return values
    cols = c.columns(3)
    spec = {}
    for i, (knob, help_text) in enumerate(METRIC_KNOBS.items()):
        spec[knob] = cols[i % 3].number_input(
            knob,
            key=f"{key}.{knob}",
            help=help_text,
            format="%d" if knob == "seed" else "%g",
            step=1 if knob == "seed" else None,
        )
    return spec


def _read_metric_csv(key: str) -> None:
    upload = st.session_state.get(f"{key}.file")
    if upload is None:
        return
    from lrlab.io.uploads import read_metric_csv

    try:
        st.session_state[f"{key}.values"] = read_metric_csv(upload.getvalue())
        st.session_state.pop(f"{key}.upload_error", None)
    except ValueError as exc:
        st.session_state[f"{key}.values"] = []
        st.session_state[f"{key}.upload_error"] = str(exc)


# -- view --------------------------------------------------------------------------------------
def view_form(form: Form, c: Any, step_per_only: bool = False) -> dict[str, Any]:
    P = form.prefix
    _ensure({f"{P}.view.{k}": v for k, v in VIEW_DEFAULTS.items() if k != "step_per"})
    _ensure({f"{P}.view.step_per": "epoch"})
    view: dict[str, Any] = {}
    if not step_per_only:
        left, right = c.columns(2)
        view["epochs"] = left.number_input("epochs", min_value=1, step=1, key=f"{P}.view.epochs")
        view["steps_per_epoch"] = right.number_input(
            "batches / epoch", min_value=1, step=1, key=f"{P}.view.steps_per_epoch"
        )
        form.slot("view.epochs", c)
    view["step_per"] = c.radio(
        "scheduler.step() every",
        ["epoch", "batch"],
        horizontal=True,
        key=f"{P}.view.step_per",
        help="CyclicLR and OneCycleLR are meant to be stepped per batch.",
    )
    return view


# -- the whole form and its inverse ------------------------------------------------------------
def schedule_form(prefix: str, c: Any, *, with_view: bool = True) -> Form:
    """Render the optimizer, groups, scheduler (and view) widgets; returns the config."""
    form = Form(prefix)
    opt, groups = _optimizer_form(form, c)
    c.divider()
    sched = _scheduler_form(form, c, f"{prefix}.sch", "scheduler", len(groups), list(SCHEDULERS))
    c.divider()
    form.config = {
        "optimizer": opt,
        "scheduler": sched,
        "view": view_form(form, c, step_per_only=not with_view),
    }
    if len(groups) > 1 or groups[0]:
        form.config["param_groups"] = groups
    if with_view:
        _ensure({f"{prefix}.start_step": 0})
        start = c.number_input(
            "start at step",
            min_value=0,
            max_value=MAX_STEPS - 1,
            step=1,
            key=f"{prefix}.start_step",
            help="Show the run from this scheduler step on, as after loading a checkpoint "
            "saved there (counted in epochs when stepped per epoch, else in batches).",
        )
        form.slot("start_step", c)
        if start:  # left out at 0: the config (and its link) stays as it was
            form.config["start_step"] = int(start)
    return form


def load_state(prefix: str, config: Mapping[str, Any]) -> None:
    """Set every widget of ``schedule_form(prefix)`` to show ``config``."""
    state: dict[str, Any] = {}
    opt = dict(config["optimizer"])
    name = opt.pop("name")
    state[f"{prefix}.optimizer"] = name
    for p in OPTIMIZERS[name].params:
        state.update(
            _state_value(p, opt.get(p.name, p.default), f"{prefix}.opt.{name}.{p.name}", 1)
        )
    groups = list(config.get("param_groups") or [{}])
    state[f"{prefix}.groups"] = len(groups)
    for g, group in enumerate(groups):
        group = dict(group)
        state[f"{prefix}.group{g}.lr"] = group.pop("lr", None)
        state[f"{prefix}.group{g}.extra"] = group
    _load_scheduler(state, f"{prefix}.sch", config["scheduler"], len(groups))
    view = {**VIEW_DEFAULTS, **(config.get("view") or {})}
    if view["step_per"] is None:
        sched = config["scheduler"]
        view["step_per"] = SCHEDULERS[sched["name"]].usual_step_per(sched)
    for k in ("epochs", "steps_per_epoch", "step_per"):
        state[f"{prefix}.view.{k}"] = view[k]
    state[f"{prefix}.start_step"] = int(config.get("start_step", 0))
    for k, v in state.items():
        st.session_state[k] = v


def _load_scheduler(state: dict, key: str, sched: Mapping[str, Any], groups: int) -> None:
    name = sched["name"]
    state[f"{key}.name"] = name
    for p in SCHEDULERS[name].params:
        pkey = f"{key}.{name}.{p.name}"
        value = sched.get(p.name, p.initial())
        if p.kind == "schedulers":
            _load_children(state, pkey, value, groups)
        elif p.kind == "metrics":
            if isinstance(value, list):
                state[f"{pkey}.source"] = "uploaded values"
                state[f"{pkey}.values"] = value
                value = {}
            else:
                state[f"{pkey}.source"] = "synthetic loss"
            for knob, default in {**SYNTHETIC_METRIC, **value}.items():
                state[f"{pkey}.{knob}"] = int(default) if knob == "seed" else float(default)
        else:
            state.update(_state_value(p, value, pkey, groups))


def _load_children(state: dict, key: str, children: list, groups: int) -> None:
    state[f"{key}.n"] = len(children)
    for i, child in enumerate(children[:MAX_UI_CHILDREN]):
        _load_scheduler(state, f"{key}.{i}", child, groups)
