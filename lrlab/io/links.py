"""What a link or an uploaded file holds, checked before a page shows any of it.

A page opens exactly the schedule a link holds, or says why not in words a user understands:
the checks here run before a single widget changes, and :func:`schedule_difference` lets a
page verify that its form really shows what was opened.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lrlab.catalog import OPTIMIZERS, SCHEDULERS
from lrlab.core.errors import ConfigError
from lrlab.core.kinds import KINDS
from lrlab.core.schedule import Schedule, parse

SHOWN_VIEW_KEYS = ("epochs", "steps_per_epoch", "step_per")


def open_schedule(data: Any) -> dict[str, Any]:
    """A schedule config from a link or a file, validated; raises ConfigError in plain words.

    Nothing is dropped or clamped: a config lrlab would have to change is refused, and the
    message (to follow "could not be opened: ") names the setting.
    """
    parse_opened(data)
    return dict(data)


def parse_opened(data: Any) -> Schedule:
    """What :func:`open_schedule` checks, as the parsed :class:`Schedule` (steps from its
    view), for a caller that goes on with the parsed value instead of the JSON."""
    if not isinstance(data, Mapping):
        raise ConfigError("", f"it holds {_kind(data)}, not a schedule (a JSON object)")
    try:
        return parse(data, view=True)
    except ConfigError as err:
        raise ConfigError("", str(err)) from None
    except RecursionError:
        raise ConfigError("", "it is nested too deeply to be a schedule") from None


def open_comparison(data: Any, max_items: int) -> dict[str, Any]:
    """A Compare page state from a link: every schedule checked, none silently dropped."""
    if not isinstance(data, Mapping) or not isinstance(data.get("items"), list):
        raise ConfigError("", f"it holds {_kind(data)}, not a comparison (a list of schedules)")
    items = data["items"]
    if len(items) > max_items:
        raise ConfigError(
            "", f"it holds {len(items)} schedules and Compare shows at most {max_items}"
        )
    checked = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, Mapping) or "config" not in item:
            raise ConfigError("", f"its schedule {n} is {_kind(item)}, not a schedule")
        try:
            config = open_schedule(item["config"])
        except ConfigError as err:
            raise ConfigError("", f"its schedule {n}: {err}") from None
        if config.get("start_step"):  # Compare's form has no start: it would silently be 0
            raise ConfigError(
                "",
                f"its schedule {n} starts at step {config['start_step']}; Compare shows "
                "every schedule from step 0 (open it in Explore)",
            )
        checked.append({**item, "name": str(item.get("name", f"schedule {n}")), "config": config})
    view = data.get("view", {})
    if not isinstance(view, Mapping):
        raise ConfigError("", "its view settings are not an object")
    return {**data, "items": checked, "view": dict(view)}


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return "a number" if isinstance(value, int | float) else f"a {type(value).__name__}"


def schedule_difference(
    shown: Mapping[str, Any] | Schedule, wanted: Mapping[str, Any] | Schedule
) -> str | None:
    """The first setting in which ``shown`` runs differently from ``wanted``, or None.

    Both are compared with torch's defaults filled in, so a form that writes a default out
    and a link that leaves it implicit are the same schedule. A config is parsed over its view
    first; a :class:`Schedule` (already parsed) is taken as is.
    """
    try:
        a, b = _canonical(shown), _canonical(wanted)
    except (ConfigError, RecursionError) as err:
        return str(err)
    return _first_difference(a, b, "")


def _canonical(config: Mapping[str, Any] | Schedule) -> dict[str, Any]:
    schedule = config if isinstance(config, Schedule) else parse(config, view=True)
    cfg, view = schedule.to_json(), schedule.view or {}
    groups = len(cfg["param_groups"])
    opt = dict(cfg["optimizer"])
    spec = OPTIMIZERS[opt["name"]]
    base = {p.name: opt.get(p.name, p.default) for p in spec.params}
    return {
        "optimizer": {"name": spec.name, **base},
        "param_groups": [{**base, **g} for g in cfg["param_groups"]],
        "scheduler": _canonical_scheduler(cfg["scheduler"], groups),
        "start_step": cfg.get("start_step", 0),
        "steps": cfg["steps"],
        "view": {k: view.get(k) for k in SHOWN_VIEW_KEYS},
    }


def _canonical_scheduler(sched: Mapping[str, Any], groups: int) -> dict[str, Any]:
    spec = SCHEDULERS[sched["name"]]
    out: dict[str, Any] = {"name": spec.name}
    for p in spec.params:
        value = sched.get(p.name, p.default)
        kind = KINDS[p.kind]
        if kind.nested:
            value = [_canonical_scheduler(c, groups) for c in value]
        elif kind.per_group and _same_for_all(value):
            value = value[0]
        out[p.name] = value
    return out


def _same_for_all(value: Any) -> bool:
    """One value repeated for every group means the same as that value alone."""
    return isinstance(value, list) and len(set(map(str, value))) == 1


def _first_difference(a: Any, b: Any, path: str) -> str | None:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        # The class name first: a different scheduler differs in its name, not its settings.
        for key in sorted(set(a) | set(b), key=lambda k: (k != "name", str(k))):
            found = _first_difference(a.get(key), b.get(key), f"{path}.{key}" if path else key)
            if found:
                return found
        return None
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if len(a) != len(b):
            return f"{path}: {len(b)} entries, shown {len(a)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    if a == b or (_is_number(a) and _is_number(b) and float(a) == float(b)):
        return None
    return f"{path}: {b!r}, shown {a!r}"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
