"""Pieces of generated code that both generators share: torch's (:mod:`lrlab.core.codegen`) and
the libraries' (:mod:`lrlab.libs.code`), kept here so neither imports the other."""

from __future__ import annotations

# Everything above this line builds the model, optimizer and scheduler; below is the loop.
LOOP_MARKER = "# Training loop"


def resume_lines(unit: str, start: int, call: str) -> list[str]:
    """Bring a fresh optimizer and scheduler to step ``start``, as a checkpoint would;
    ``call`` steps the scheduler."""
    return [
        f"# Resuming at {unit} {start}. With a checkpoint saved there, load it instead:",
        '#     optimizer.load_state_dict(checkpoint["optimizer"])',
        '#     scheduler.load_state_dict(checkpoint["scheduler"])',
        f"# Here the {start} {unit}s before it are stepped through (no data, no weight change).",
        f"for {unit} in range({start}):",
        "    optimizer.step()",
        f"    {call}",
        "",
    ]
