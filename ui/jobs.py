"""The pages' access to this server's job manager, and how they name a run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lrlab.jobs.manager import JobManager, get_manager


def manager() -> JobManager:
    """The process-wide job manager of this server (run database from $LRLAB_DB)."""
    return get_manager()


def run_label(run: Mapping[str, Any]) -> str:
    """A run as a picker lists it: name, status and the start of its id."""
    return f"{run['name']} · {run['status']} · {str(run['id'])[:6]}"
