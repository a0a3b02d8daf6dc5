"""What the Train and Runs pages say about a run, and who may stop or delete it.

The run history is shared by every browser session (a lab notebook), but a job is controlled
only by the session that started it, or by whoever holds its ``?run=`` link (the same person
after a refresh, or someone they sent it to).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from lrlab.catalog import SCHEDULERS

LIVE = ("queued", "running")
FINAL = ("completed", "cancelled", "diverged", "failed", "interrupted")
STARTING = "Starting: loading the data and building the model…"
HINTS = {
    "diverged": "Lower the learning rate (or max_lr), add a warmup, or use a smaller batch.",
    "failed": "Check the message; Digits always works offline on the CPU.",
    "interrupted": "The server stopped while it ran; start it again.",
}


def may_control(run_id: str, started_here: Collection[str], link_run: str | None) -> bool:
    """Whether this session gets the run's Stop button."""
    return run_id in started_here or run_id == link_run


def shown_run(
    link_run: str | None, session_run: str | None, active: Iterable[str]
) -> tuple[str | None, bool]:
    """The run the Train page shows, and whether it is shown to watch only.

    The link's run first, then the one this session started; else another session's active
    job, which this session may watch but not stop.
    """
    if link_run or session_run:
        return link_run or session_run, False
    other = next(iter(active), None)
    return other, other is not None


def headline(
    run: Mapping[str, Any], status: str, stopping: bool = False, starting: bool = False
) -> tuple[str, str]:
    """(level, text) to show at the top of the run panel: info, success, warning or error.
    ``starting``: the job runs but has not begun its first step (data, model, device)."""
    message = str(run.get("message") or "").strip()
    done, total = run.get("epochs_done") or 0, run.get("epochs") or 0
    if status == "queued":
        return "info", "Queued: it starts when the job ahead of it on this device ends."
    if status == "running":
        if stopping:
            return "warning", "Stopping: the job ends within a training step."
        if starting:
            return "info", STARTING
        return "info", "Running: the charts below update live."
    if status == "completed":
        acc, best = run.get("test_accuracy"), run.get("best_test_accuracy")
        text = "Completed"
        if acc is not None:
            text += f": test accuracy {acc:.2%}"
            if best is not None:
                text += f" (best {best:.2%})"
        if run.get("seconds") is not None:
            text += f" in {run['seconds']:.1f} s"
        return "success", text + "."
    if status == "cancelled":
        # The engine's message already says where ("cancelled at step 19 (epoch 1)").
        said = message.lower().startswith("cancelled")
        where = message[len("cancelled") :].strip() if said else ""
        detail = f" {where}" if where else (f" ({message})" if message else "")
        return "warning", f"Cancelled{detail}: {done} of {total} epochs done."
    hint = HINTS.get(status, "")
    return "error", f"{status.capitalize()}: {message or 'no message'}. {hint}".strip()


def progress_line(progress: Mapping[str, Any], kind: str = "train") -> tuple[float, str]:
    """(fraction, text) for a running job's progress bar (``Job.progress()``). Until the
    engine's start event the job has no steps to count: it is starting, not at step 0 of 0."""
    total = progress["total_steps"]
    if not total:
        return 0.0, STARTING
    epoch = min(progress["epochs_done"] + 1, progress["epochs"])
    head = "range test" if kind == "range_test" else f"epoch {epoch}/{progress['epochs']}"
    parts = [head, f"step {progress['steps_done']}/{total}"]
    if progress.get("images_per_s"):
        parts.append(f"{progress['images_per_s']:,.0f} images/s")
    if progress.get("seconds_left") is not None:
        parts.append(f"{progress['seconds_left']:.0f} s left")
    return progress["fraction"], " · ".join(parts)


def deletable(selected: Iterable[str], statuses: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """Split runs to delete into those that may go and live ones (stop them first)."""
    ok, live = [], []
    for run_id in selected:
        (live if statuses.get(run_id) in LIVE else ok).append(run_id)
    return ok, live


def links_to_offer(
    runs: Iterable[Mapping[str, Any]], watched: str | None, started_here: Collection[str]
) -> list[Mapping[str, Any]]:
    """Other runs to open on the Train page: never another session's live job, since its
    link would hand over its Stop button."""
    return [
        r
        for r in runs
        if r["id"] != watched and (r["status"] not in LIVE or r["id"] in started_here)
    ]


def length_hint(
    schedule: Mapping[str, Any],
    run_view: Mapping[str, Any],
    run_scheduler: Mapping[str, Any] | None = None,
) -> str | None:
    """A sentence when a schedule trains over another length than it was set up for, counted
    the way its periods are: epochs for a schedule stepped per epoch, scheduler steps
    (epochs × batches) for one stepped per batch; None when the lengths agree.
    ``run_scheduler`` (the parsed run's scheduler) says which periods the schedule leaves
    unset, which the run fills with its own length (one-cycle's total_steps): those follow
    the run, the ones it sets keep their values."""
    own = schedule.get("view") or {}
    if not isinstance(own, Mapping) or not isinstance(own.get("epochs"), int):
        return None
    step_per = run_view["step_per"]
    batches = own.get("steps_per_epoch") or 100  # the view's default
    designed = own["epochs"] * (batches if step_per == "batch" else 1)
    planned = run_view["epochs"] * (run_view["steps_per_epoch"] if step_per == "batch" else 1)
    if designed == planned:
        return None
    if step_per == "epoch":
        what = (
            f"set up for {own['epochs']:,} epochs; here it trains for {run_view['epochs']:,} "
            "(stepped once per epoch)"
        )
    else:
        what = (
            f"set up for {own['epochs']:,} epochs × {batches:,} batches = {designed:,} "
            f"scheduler steps; here it trains {run_view['epochs']:,} "
            f"{'epoch' if run_view['epochs'] == 1 else 'epochs'} × "
            f"{run_view['steps_per_epoch']:,} batches = {planned:,} steps (stepped per batch)"
        )
    kept, filled = _spans(schedule.get("scheduler"), run_scheduler)
    if not filled:
        return (
            f"This schedule was {what}, so periods such as T_max, milestones or one-cycle's "
            "total_steps keep their values and may end before or after the run: check the "
            "planned curve."
        )
    names = ", ".join(name for name, _ in filled)
    values = ", ".join(f"{name} = {value:,}" for name, value in filled)
    one = len(filled) == 1
    text = (
        f"This schedule was {what}. {names} {'is' if one else 'are'} not set in it, so the run "
        f"fills {'it' if one else 'them'} in from its own length ({values} here) and the curve "
        "follows the run"
    )
    if kept:
        text += f"; {', '.join(kept)} keep their values and may end before or after the run"
    return text + ". Check the planned curve."


def _spans(given: Any, run: Any, at: str = "") -> tuple[list[str], list[tuple[str, Any]]]:
    """The periods a scheduler config sets itself, and those it leaves unset that the run
    filled in (with their values there), children of a composite included."""
    if not isinstance(given, Mapping) or not isinstance(run, Mapping):
        return [], []
    spec = SCHEDULERS.get(given.get("name"))
    if spec is None:
        return [], []
    kept: list[str] = []
    filled: list[tuple[str, Any]] = []
    for p in spec.params:
        if not p.scales:
            continue
        name = f"{at}{spec.name}'s {p.name}"
        if given.get(p.name) is not None:
            kept.append(name)
        elif isinstance(run.get(p.name), int):
            filled.append((name, run[p.name]))
    children = zip(given.get("schedulers") or [], run.get("schedulers") or [], strict=False)
    for i, (g, r) in enumerate(children):
        k, f = _spans(g, r, f"{at}child {i + 1}: ")
        kept += k
        filled += f
    return kept, filled
