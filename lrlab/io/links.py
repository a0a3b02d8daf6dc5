"""What a link or an uploaded file holds, checked before a page shows any of it.

A page opens exactly the schedule a link holds, or says why not in words a user understands:
the checks here run before a single widget changes, and :func:`schedule_difference` lets a
page verify that its form really shows what was opened.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from lrlab.catalog import OPTIMIZERS, SCHEDULERS
from lrlab.core.config import MAX_STEPS, Context, check_kwargs
from lrlab.core.errors import ConfigError
from lrlab.core.kinds import KINDS, check_int
from lrlab.core.schedule import Schedule, parse
from lrlab.core.view import VIEW_PARAMS
from lrlab.paths.link import path_from_config

SHOWN_VIEW_KEYS = ("epochs", "steps_per_epoch", "step_per")


def open_schedule(data: Any) -> dict[str, Any]:
    """A schedule config from a link or a file, validated; raises ConfigError in plain words.

    Nothing is dropped or clamped: a config lrlab would have to change is refused, and the
    message (to follow "could not be opened: ") names the setting.
    """
    schedule = parse_opened(data)
    opened = dict(data)
    if opened.get("view") is None and "steps" in opened:  # a CLI file: its own length
        opened["view"] = {k: schedule.view[k] for k in SHOWN_VIEW_KEYS} if schedule.view else None
    return opened


def parse_opened(data: Any) -> Schedule:
    """What :func:`open_schedule` checks, as the parsed :class:`Schedule` (steps from its
    view), for a caller that goes on with the parsed value instead of the JSON."""
    if not isinstance(data, Mapping):
        raise ConfigError("", f"it holds {_kind(data)}, not a schedule (a JSON object)")
    try:
        schedule = parse(data, view=True)
        path_from_config(data)  # the path panel's section: refused whole when bad
        if "steps" in data:  # a length of its own: it must be the one its view lays out
            given = check_int("steps", data["steps"], 1, MAX_STEPS)
            if given != schedule.steps:
                raise ConfigError(
                    "steps",
                    f"{given}, but its view lays out {schedule.steps} scheduler steps"
                    + (f" after start_step {schedule.start_step}" if schedule.start_step else "")
                    + "; leave one out or make them agree",
                )
        return schedule
    except ConfigError as err:
        raise ConfigError("", str(err)) from None
    except RecursionError:
        raise ConfigError("", "it is nested too deeply to be a schedule") from None


COMPARISON_KEYS = ("items", "view", "layout", "normalize", "momentum", "reference")
ITEM_KEYS = ("name", "color", "config", "length")
LENGTHS = ("own", "fit")  # a schedule keeps its own length, or is fitted to the comparison's
COMPARE_VIEW = ("epochs", "steps_per_epoch", "x_axis", "log_y")  # one for every schedule
LAYOUTS = ("overlay", "grid")
NORMALIZE_MODES = ("off", "initial", "peak")
MAX_NAME = 80
MAX_COMPARED = 8  # schedules on Compare at once
# The colours a Compare link may name (the page pairs them with lrlab.present's palette).
COLOR_NAMES = ("blue", "orange", "green", "pink", "sky", "vermillion", "black", "yellow")


def open_comparison(
    data: Any, max_items: int, colors: Collection[str] = COLOR_NAMES
) -> dict[str, Any]:
    """A Compare page state from a link: every key checked like a config, every schedule
    checked, none silently dropped, trimmed or stretched. Raises ConfigError naming the
    offending key."""
    if not isinstance(data, Mapping) or not isinstance(data.get("items"), list):
        raise ConfigError("", f"it holds {_kind(data)}, not a comparison (a list of schedules)")
    _known_keys(data, COMPARISON_KEYS, "")
    items = data["items"]
    if len(items) > max_items:
        raise ConfigError(
            "", f"it holds {len(items)} schedules and Compare shows at most {max_items}"
        )
    checked = [_compared_item(item, n, colors) for n, item in enumerate(items, 1)]
    view = _compare_view(data.get("view"), checked)
    out: dict[str, Any] = {"items": checked, "view": view}
    if "layout" in data:
        out["layout"] = _one_of("layout", data["layout"], LAYOUTS)
    if "normalize" in data:
        mode = data["normalize"]
        if isinstance(mode, bool):  # older links said true/false: by initial lr, or off
            out["normalize"] = "initial" if mode else "off"
        else:
            out["normalize"] = _one_of("normalize", mode, NORMALIZE_MODES)
    if "reference" in data:  # the schedule "first iter ≠ #k" compares with (0-based)
        ref = data["reference"]
        if isinstance(ref, bool) or not isinstance(ref, int) or not 0 <= ref < len(checked):
            raise ConfigError(
                "reference", f"must be a schedule's index from 0 to {len(checked) - 1}"
            )
        out["reference"] = ref
    if "momentum" in data:
        if not isinstance(data["momentum"], bool):
            raise ConfigError("momentum", f"must be true or false, got {data['momentum']!r:.40}")
        out["momentum"] = data["momentum"]
    return out


def _compared_item(item: Any, n: int, colors: Collection[str]) -> dict[str, Any]:
    if not isinstance(item, Mapping) or "config" not in item:
        raise ConfigError("", f"its schedule {n} is {_kind(item)}, not a schedule")
    try:
        _known_keys(item, ITEM_KEYS, "")
        name = item.get("name", f"schedule {n}")
        if not isinstance(name, str) or len(name) > MAX_NAME:
            raise ConfigError("name", f"must be text of at most {MAX_NAME} characters")
        color = item.get("color")
        if color is not None and color not in colors:
            raise ConfigError("color", f"unknown colour {color!r:.40}; one of {', '.join(colors)}")
        if item.get("length", "own") not in LENGTHS:
            raise ConfigError("length", f"must be one of {', '.join(LENGTHS)}")
        config = open_schedule(item["config"])
    except ConfigError as err:
        raise ConfigError("", f"its schedule {n}: {err}") from None
    if config.get("start_step"):  # Compare's form has no start: it would silently be 0
        raise ConfigError(
            "",
            f"its schedule {n} starts at step {config['start_step']}; Compare shows "
            "every schedule from step 0 (open it in Explore)",
        )
    out = {**item, "name": name, "config": config}
    if color is None:
        out.pop("color", None)
    return out


def _compare_view(view: Any, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The comparison's view (the length fitted schedules take), checked; a link without one
    takes its first schedule's length. Every schedule whose ``length`` is ``own`` (the
    default) keeps the length its own config sets, so nothing is stretched or cut."""
    if view is None:
        first = items[0]["config"].get("view") if items else None
        view = {k: v for k, v in (first or {}).items() if k in COMPARE_VIEW}
    if not isinstance(view, Mapping):
        raise ConfigError("view", "must be an object")
    _known_keys(view, COMPARE_VIEW, "view")
    params = tuple(p for p in VIEW_PARAMS if p.name in COMPARE_VIEW)
    ctx = Context("view", 1, "", None, 1)
    return {**{p.name: p.default for p in params}, **check_kwargs(params, dict(view), "view", ctx)}


def _known_keys(data: Mapping[str, Any], known: tuple[str, ...], path: str) -> None:
    for key in data:
        if key not in known:
            raise ConfigError(
                f"{path}.{key}" if path else str(key),
                f"unknown key; expected one of {', '.join(known)}",
            )


def _one_of(field: str, value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(field, f"must be one of {', '.join(choices)}, got {value!r:.40}")
    return value


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
