"""Sweeps: schedules x seeds trained on worker processes or a Ray cluster, and what they say.

``spec`` parses a sweep file, ``records`` keeps its rows in the run store, ``run`` drives a
backend (``backends``: local processes or Ray), ``stats`` summarises, ``figures`` draws, ``jobs``
starts sweeps from the app and ``cli`` is ``python -m lrlab sweep``. The names most callers need
are here.
"""

from lrlab.sweep.records import (
    AT_CHANCE,
    chance_flags,
    create_runs,
    list_sweeps,
    new_sweep_id,
    record_outcome,
    sweep_epochs,
    sweep_lr_curves,
    sweep_report,
    sweep_runs,
)
from lrlab.sweep.run import run_sweep
from lrlab.sweep.spec import MAX_RUNS, MAX_SEEDS, Sweep, SweepRun, parse_sweep
from lrlab.sweep.stats import (
    accuracy_interval,
    compare,
    comparisons,
    epoch_bands,
    summarize,
    t_quantile,
    verdicts,
)

__all__ = [
    "AT_CHANCE",
    "MAX_RUNS",
    "MAX_SEEDS",
    "Sweep",
    "SweepRun",
    "accuracy_interval",
    "chance_flags",
    "compare",
    "comparisons",
    "create_runs",
    "epoch_bands",
    "list_sweeps",
    "new_sweep_id",
    "parse_sweep",
    "record_outcome",
    "run_sweep",
    "summarize",
    "sweep_epochs",
    "sweep_lr_curves",
    "sweep_report",
    "sweep_runs",
    "t_quantile",
    "verdicts",
]
