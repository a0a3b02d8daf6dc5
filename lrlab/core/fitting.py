"""Fitting a schedule to a run of another length: every span the catalog marks (a warmup, a
milestone, T_max, t_initial, ...) is scaled by the ratio of the two runs' scheduler steps, so
a 100-epoch cosine fitted to 300 epochs is one cosine over 300 epochs, never three humps or a
cut-off start.

Compare fits a schedule the user asks to fit; the result says each change, so the page can
show what was altered instead of altering it silently.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, NamedTuple

from lrlab.catalog import SCHEDULERS
from lrlab.core.steps import scheduler_steps, step_per_of
from lrlab.core.view import VIEW_DEFAULTS


class Fitted(NamedTuple):
    config: dict[str, Any]  # the schedule over the new length (its view says that length)
    changes: list[str]  # "CosineAnnealingLR T_max 95 → 285", one per scaled value


def own_length(config: Mapping[str, Any]) -> tuple[int, int]:
    """The (epochs, batches per epoch) a schedule config was set up for."""
    view = {**VIEW_DEFAULTS, **(config.get("view") or {})}
    return int(view["epochs"]), int(view["steps_per_epoch"])


def fit_to_length(config: Mapping[str, Any], epochs: int, steps_per_epoch: int) -> Fitted:
    """``config`` (set up for its view's length) fitted to ``epochs`` × ``steps_per_epoch``.

    Spans are counted in scheduler steps, so the ratio is of scheduler steps at the config's
    own stepping (per epoch: epochs; per batch: iterations). A span that was positive stays at
    least 1; a value left unset (None: "the run's length") is left to fill itself."""
    step_per = step_per_of(config)
    old = scheduler_steps(*own_length(config), step_per)
    new = scheduler_steps(epochs, steps_per_epoch, step_per)
    out = copy.deepcopy(dict(config))
    out["view"] = {
        **(config.get("view") or {}),
        "epochs": epochs,
        "steps_per_epoch": steps_per_epoch,
        "step_per": step_per,
    }
    changes: list[str] = []
    if new != old:
        out["scheduler"] = _scaled(out["scheduler"], old, new, changes)
    return Fitted(out, changes)


def _scaled(sched: dict[str, Any], old: int, new: int, changes: list[str]) -> dict[str, Any]:
    """``sched`` (set up for ``old`` scheduler steps) scaled to ``new``, in place."""
    spec = SCHEDULERS.get(sched.get("name"))
    if spec is None:
        return sched
    if spec.name == "SequentialLR" and _is_steps(sched.get("milestones")):
        return _sequential(sched, old, new, changes)
    ratio = new / old
    for p in spec.params:
        value = sched.get(p.name)
        if p.kind == "schedulers" and isinstance(value, list):
            sched[p.name] = [_scaled(dict(child), old, new, changes) for child in value]
        elif p.scales and value is not None:
            scaled = _scale(value, ratio, p.kind != "float")
            if scaled != value:
                changes.append(f"{spec.name} {p.name} {_text(value)} → {_text(scaled)}")
                sched[p.name] = scaled
    return sched


def _sequential(sched: dict[str, Any], old: int, new: int, changes: list[str]) -> dict[str, Any]:
    """SequentialLR: the milestones scale with the run, and each child over its own segment
    (so a cosine after a warmup ends where the run ends, whatever the rounding did)."""
    before = list(sched["milestones"])
    after = [_scale(m, new / old, True) for m in before]
    if len(set(after)) < len(set(before)):  # phases would vanish: the shape cannot be kept
        return sched
    if after != before:
        changes.append(f"SequentialLR milestones {_text(before)} → {_text(after)}")
        sched["milestones"] = after
    bounds_old = [0, *before, max(old, before[-1] + 1)]
    bounds_new = [0, *after, max(new, after[-1] + 1)]
    children = sched.get("schedulers") or []
    for i, child in enumerate(children[: len(bounds_old) - 1]):
        seg_old, seg_new = bounds_old[i + 1] - bounds_old[i], bounds_new[i + 1] - bounds_new[i]
        if isinstance(child, dict) and seg_old > 0 and seg_new > 0:
            children[i] = _scaled(dict(child), seg_old, seg_new, changes)
    return sched


def _is_steps(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    )


def _scale(value: Any, ratio: float, whole: bool) -> Any:
    if isinstance(value, list):
        return [_scale(v, ratio, whole) for v in value]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if value <= 0:
        return value  # no warmup stays no warmup
    scaled = value * ratio
    return max(1, round(scaled)) if whole else float(f"{scaled:.6g}")


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _length_param(spec_name: str) -> str | None:
    """The param that says how long a child of SequentialLR runs: its whole-run period
    (``fit == 1.0``: T_max, t_initial) or its ``total_iters`` (a warmup's length)."""
    spec = SCHEDULERS.get(spec_name)
    if spec is None:
        return None
    whole = next((p.name for p in spec.params if p.fit == 1.0), None)
    if whole:
        return whole
    return "total_iters" if any(p.name == "total_iters" for p in spec.params) else None


def linked_periods(config: Mapping[str, Any], run_steps: int) -> Fitted | None:
    """A SequentialLR whose milestones or last period no longer match its children's lengths
    (a warmup raised to 10 steps still switching at milestone 5, the cosine's T_max still
    counting the old remainder): the config with them linked again, the warmups' lengths
    kept, and each change; None when they agree (or it is no SequentialLR)."""
    sched = config.get("scheduler") or {}
    children, milestones = sched.get("schedulers"), sched.get("milestones")
    if sched.get("name") != "SequentialLR" or not children or not isinstance(milestones, list):
        return None
    if len(milestones) != len(children) - 1:
        return None
    linked, at = [], 0
    for i, child in enumerate(children[:-1]):
        param = _length_param(child.get("name", ""))
        length = child.get(param) if param else None
        segment = milestones[i] - (milestones[i - 1] if i else 0)
        at += length if isinstance(length, int) and length > 0 else segment
        linked.append(at)
    out = copy.deepcopy(dict(config))
    changes = []
    if linked != milestones:
        out["scheduler"]["milestones"] = linked
        changes.append(f"SequentialLR milestones {_text(milestones)} → {_text(linked)}")
    last = out["scheduler"]["schedulers"][-1]
    param = _length_param(last.get("name", ""))
    rest = run_steps - linked[-1]
    old = last.get(param) if param else None
    # Only a last period that followed the old remainder is linked: a cosine set deliberately
    # shorter or longer than the rest of the run is the user's choice.
    if isinstance(old, int) and rest > 0 and old == run_steps - milestones[-1] and old != rest:
        last[param] = rest
        changes.append(f"{last['name']} {param} {old} → {rest}")
    return Fitted(out, changes) if changes else None
