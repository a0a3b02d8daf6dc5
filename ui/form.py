"""Widgets generated from the catalog: a config goes in as session state, a config comes out.

Nothing here knows a scheduler by name, nor a parameter kind: a parameter gets the editor its
kind names (ui/editors.py), and nested schedulers and the metric get the sections below.
``load_state`` is the exact inverse of ``schedule_form`` so presets, uploads and shared links
restore every widget. Parse errors come back as ConfigErrors with the same field paths that
validation uses, so a message can sit right under its widget.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from lrlab import MAX_GROUPS, MAX_STEPS, ConfigError
from lrlab.catalog import OPTIMIZERS, SCHEDULERS, Param
from lrlab.core.kinds import KINDS, MAX_CHILDREN, MAX_NESTING, SYNTHETIC_METRIC
from lrlab.core.steps import step_per_of
from lrlab.core.view import VIEW_DEFAULTS, view_steps
from ui.editors import ensure, param_widget, state_of

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
    view_prefix: str = ""  # where the run's epochs and batches live (Compare: page-wide)
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


# -- optimizer and groups ----------------------------------------------------------------------
def _optimizer_form(form: Form, c: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    P = form.prefix
    ensure({f"{P}.optimizer": "SGD", f"{P}.groups": 1})
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
    ensure({f"{key}.name": choices[0]})
    name = c.selectbox(
        "scheduler" if depth == 0 else "child scheduler",
        choices,
        key=f"{key}.name",
        help="Any torch.optim.lr_scheduler class; transformers' get_scheduler types and "
        "timm's scheduler classes are named transformers:… and timm:…",
        # A new scheduler brings its usual stepping (CyclicLR and OneCycleLR: per batch) and
        # periods that fit the run.
        on_change=None if depth else _picked,
        args=None if depth else (form, key),
    )
    form.slot(f"{path}.name" if depth else path, c)
    spec = SCHEDULERS[name]
    out: dict[str, Any] = {"name": name}
    # Children first: SequentialLR's milestones read best after the list they split.
    for p in sorted(spec.params, key=lambda p: not KINDS[p.kind].nested):
        pkey, ppath = f"{key}.{name}.{p.name}", f"{path}.{p.name}"
        section = SECTIONS.get(KINDS[p.kind].widget)
        if section is not None:
            out[p.name] = section.show(form, c, pkey, ppath, groups, depth, p)
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


def _picked(form: Form, key: str) -> None:
    """A scheduler was picked: step it as usual and fit its periods (T_max, t_initial, ...) to
    the run's length, so the curve shows its whole shape instead of a flat start."""
    name = st.session_state[f"{key}.name"]
    spec = SCHEDULERS[name]
    st.session_state[f"{form.prefix}.view.step_per"] = spec.step_per
    length = {
        k: st.session_state.get(f"{form.view_prefix}.view.{k}", VIEW_DEFAULTS[k])
        for k in ("epochs", "steps_per_epoch")
    }
    run_steps = view_steps({**length, "step_per": spec.step_per})
    for pname, value in spec.fitted(run_steps).items():
        p = spec.param(pname)
        st.session_state.update(state_of(p, value, f"{key}.{name}.{pname}", 1))


def _children_form(
    form: Form, c: Any, key: str, path: str, groups: int, depth: int, p: Param
) -> list:
    if f"{key}.n" not in st.session_state:
        ensure(_children_state(p.example, key, groups))
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


def _metrics_form(
    form: Form, c: Any, key: str, path: str, groups: int, depth: int, p: Param
) -> Any:
    ensure(
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
    ensure({f"{P}.view.{k}": v for k, v in VIEW_DEFAULTS.items() if k != "step_per"})
    ensure({f"{P}.view.step_per": "epoch"})
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
def schedule_form(
    prefix: str, c: Any, *, with_view: bool = True, view_prefix: str | None = None
) -> Form:
    """Render the optimizer, groups, scheduler (and view) widgets; returns the config.

    ``view_prefix`` names whose epochs and batches the run has, where they are not the form's
    own (Compare's are page-wide)."""
    form = Form(prefix, view_prefix or prefix)
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
        ensure({f"{prefix}.start_step": 0})
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
        state.update(state_of(p, opt.get(p.name, p.default), f"{prefix}.opt.{name}.{p.name}", 1))
    groups = list(config.get("param_groups") or [{}])
    state[f"{prefix}.groups"] = len(groups)
    for g, group in enumerate(groups):
        group = dict(group)
        state[f"{prefix}.group{g}.lr"] = group.pop("lr", None)
        state[f"{prefix}.group{g}.extra"] = group
    _load_scheduler(state, f"{prefix}.sch", config["scheduler"], len(groups))
    view = {**VIEW_DEFAULTS, **(config.get("view") or {}), "step_per": step_per_of(config)}
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
        # A value the config leaves out means the library's default, not the form's proposal.
        value = sched.get(p.name, p.initial() if p.required else p.default)
        section = SECTIONS.get(KINDS[p.kind].widget)
        state.update(
            section.state(value, pkey, groups) if section else state_of(p, value, pkey, groups)
        )


def _children_state(children: list, key: str, groups: int) -> dict[str, Any]:
    state: dict[str, Any] = {f"{key}.n": len(children)}
    for i, child in enumerate(children[:MAX_UI_CHILDREN]):
        _load_scheduler(state, f"{key}.{i}", child, groups)
    return state


def _metrics_state(value: Any, key: str, groups: int) -> dict[str, Any]:
    """A list of values shows as an upload; a synthetic spec fills the knobs."""
    state: dict[str, Any] = {}
    if isinstance(value, list):
        state[f"{key}.source"] = "uploaded values"
        state[f"{key}.values"] = value
        value = {}
    else:
        state[f"{key}.source"] = "synthetic loss"
    for knob, default in {**SYNTHETIC_METRIC, **value}.items():
        state[f"{key}.{knob}"] = int(default) if knob == "seed" else float(default)
    return state


@dataclass(frozen=True)
class Section:
    """A parameter edited as a section of the form rather than one widget."""

    show: Callable[..., Any]  # (form, container, key, path, groups, depth, param) -> value
    state: Callable[[Any, str, int], dict[str, Any]]  # (value, key, groups) -> widget state


SECTIONS: dict[str, Section] = {
    "schedulers": Section(_children_form, _children_state),
    "metrics": Section(_metrics_form, _metrics_state),
}
