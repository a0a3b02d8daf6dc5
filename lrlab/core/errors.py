"""The one exception users of lrlab need to catch."""

from __future__ import annotations


class ConfigError(ValueError):
    """An invalid schedule or run config.

    ``field`` is the dotted path of the offending value (``scheduler.milestones``,
    ``param_groups[1].lr``), so a UI can show the message next to the right widget.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)
