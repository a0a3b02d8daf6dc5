"""The parsed schedule: one validated, immutable value, built once where a config comes in.

A link, an upload, the form or the CLI hands a JSON config to :func:`parse`; from there on
``simulate``, ``to_code``, the teaching overlays, the job manager, the engine and the store take
the :class:`Schedule` (or, for runs, the :class:`~lrlab.train.config.RunConfig`) and never
validate again. ``to_json()`` gives back the normalised config (what the store, links and
exports hold); parsing that gives an equal Schedule.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lrlab.core.config import validate
from lrlab.core.steps import usual_step_per


@dataclass(frozen=True)
class Schedule:
    """A validated schedule. Treat the mappings as read-only: they are shared, not copied."""

    optimizer: Mapping[str, Any]  # {"name": ..., **torch keyword arguments}
    param_groups: tuple[Mapping[str, Any], ...]  # per-group overrides, one per group
    scheduler: Mapping[str, Any]  # the scheduler tree; children under "schedulers"
    steps: int  # rows simulate() produces (scheduler.step() is called steps - 1 times)
    view: Mapping[str, Any] | None = None  # epochs, batches, stepping and axes of the pages
    name: str | None = None
    start_step: int = 0  # the first row's step: a run resumed from a checkpoint taken there

    @property
    def optimizer_name(self) -> str:
        return self.optimizer["name"]

    @property
    def scheduler_name(self) -> str:
        return self.scheduler["name"]

    @property
    def step_per(self) -> str:
        """``epoch`` or ``batch``: the view's stepping, else the scheduler's usual one."""
        if self.view and self.view.get("step_per"):
            return self.view["step_per"]
        return usual_step_per(self.scheduler)

    def to_json(self) -> dict[str, Any]:
        """The normalised config as a fresh JSON-able dict."""
        out: dict[str, Any] = {
            "optimizer": dict(self.optimizer),
            "param_groups": [dict(g) for g in self.param_groups],
            "scheduler": dict(self.scheduler),
            "steps": self.steps,
        }
        if self.start_step:  # left out at 0, so configs and links from before are unchanged
            out["start_step"] = self.start_step
        if self.view is not None:
            out["view"] = dict(self.view)
        if self.name is not None:
            out["name"] = self.name
        return copy.deepcopy(out)

    def simulation_key(self) -> str:
        """What simulate() reads, as text: equal keys give equal trajectories. The view's axis
        and log scale are not in it, so toggling them does not simulate again."""
        body = {k: v for k, v in self.to_json().items() if k not in ("view", "name")}
        return json.dumps(body, sort_keys=True)


def parse(
    config: Mapping[str, Any] | Schedule, steps: int | None = None, *, view: bool = False
) -> Schedule:
    """Validate ``config`` once and return its :class:`Schedule`.

    ``steps`` overrides the config's; ``view=True`` takes the steps from the config's ``view``
    section (epochs x batches and the stepping), as the pages do. A Schedule passes through
    unchanged (re-parsed only when ``steps`` asks for another length). Raises
    :class:`lrlab.ConfigError` naming the field.
    """
    if isinstance(config, Schedule):
        if steps is None or steps == config.steps:
            return config
        config = config.to_json()
    if view:
        from lrlab.core.view import with_view_steps

        config = with_view_steps(config)
    cfg = validate(config, steps)
    return from_validated(cfg)


def from_validated(cfg: Mapping[str, Any]) -> Schedule:
    """The Schedule of a dict :func:`~lrlab.core.config.validate` returned (no checks)."""
    return Schedule(
        optimizer=cfg["optimizer"],
        param_groups=tuple(cfg["param_groups"]),
        scheduler=cfg["scheduler"],
        steps=cfg["steps"],
        view=cfg.get("view"),
        name=cfg.get("name"),
        start_step=cfg.get("start_step", 0),
    )
