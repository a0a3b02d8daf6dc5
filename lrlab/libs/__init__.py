"""Schedulers from other libraries: Hugging Face transformers and timm.

The catalog describes them; this package builds, steps and writes code for them, importing the
library only when one is used (each takes seconds to import), so ``import lrlab`` stays fast.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lrlab.catalog import SchedulerSpec
from lrlab.core.errors import ConfigError


def build(spec: SchedulerSpec, sched: Mapping[str, Any], optimizer: Any, path: str) -> Any:
    """A scheduler with torch's stepping interface (``step()``, ``step(metric)``)."""
    if spec.library == "transformers":
        from lrlab.libs.hf import build as make
    else:
        from lrlab.libs.timm_lib import build as make
    try:
        return make(spec, sched, optimizer)
    except ConfigError:
        raise
    except (ValueError, TypeError, AssertionError, ArithmeticError, KeyError) as exc:
        raise ConfigError(path, f"{spec.library} rejected it: {exc}") from None


def library_kwargs(spec: SchedulerSpec, sched: Mapping[str, Any]) -> dict[str, Any]:
    """The validated keyword arguments that go to the library (lrlab's own keys left out)."""
    return {p.name: sched[p.name] for p in spec.params if p.torch and p.name in sched}
