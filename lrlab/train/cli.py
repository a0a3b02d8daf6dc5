"""``python -m lrlab train CONFIG.json``: a headless run on the same engine as the Train page.

The last stdout line is one JSON object (run_id, status, test_accuracy, epochs, seconds,
device, dataset, ...). Exit status: 0 completed, 1 the run did not complete, 2 bad input.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

from lrlab.core.errors import ConfigError
from lrlab.core.jsonline import json_line
from lrlab.train.config import TRAIN_PARAMS

EXIT_RUN_FAILED = 1


def add_train_command(sub: Any) -> None:
    p = sub.add_parser("train", help="train on CIFAR-10 or Digits with a schedule config")
    p.add_argument("config", help="run config JSON (a schedule plus a train section), or -")
    add_training_options(p, ("dataset", "model", "epochs", "device", "batch_size", "subset"), "run")
    p.set_defaults(run=run_train)


def add_training_options(p: argparse.ArgumentParser, overrides: tuple[str, ...], what: str) -> None:
    """``--<key>`` overrides of the train section (choices and types from TRAIN_PARAMS, so
    the CLI offers what the page does), then the options every training command shares."""
    params = {q.name: q for q in TRAIN_PARAMS}
    for key in overrides:
        q = params[key]
        kind = {"choices": q.choices} if q.kind == "choice" else {"type": _TYPES[q.kind]}
        p.add_argument(f"--{key.replace('_', '-')}", help=f"override train.{key}", **kind)
    p.add_argument("--name", help=f"a name for the stored {what}")
    p.add_argument("--db", help="run database (default: $LRLAB_DB or the user data dir)")
    p.add_argument("--data-dir", help="dataset directory (default: $LRLAB_DATA_DIR or cache)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


_TYPES = {"int": int, "float": float}


def run_train(args: argparse.Namespace) -> int:
    from lrlab.io.uploads import load_config
    from lrlab.train.config import parse_run
    from lrlab.train.engine import train
    from lrlab.train.slots import default_lock_dir
    from lrlab.train.store import RunStore

    config = apply_overrides(load_config(args.config), args)
    run = parse_run(config)  # ConfigError -> exit 2 before anything is stored
    store = RunStore(args.db)
    run_id = store.create_run(run, args.name)
    bar = progress_bar(args.no_progress)
    sink = store.recorder(run_id, then=show_progress(bar))
    result = run_cancellable(
        lambda cancel: train(run, sink, cancel, args.data_dir, default_lock_dir(store.path))
    )
    bar.close()
    summary = {"run_id": run_id, "model": run.train["model"], **result.as_dict()}
    if result.message:
        print(f"lrlab: {result.status}: {result.message}", file=sys.stderr)
    print(json_line(summary))
    return 0 if result.status == "completed" else EXIT_RUN_FAILED


def show_progress(bar: Any) -> Callable[[dict[str, Any]], None]:
    """An event sink that moves the step bar and writes each epoch's test metrics on stderr."""

    def on_event(event: dict[str, Any]) -> None:
        if event["type"] == "start":
            bar.reset(total=event["steps"])
            bar.set_description(f"{event['device']} {event['train_size']} images")
        elif event["type"] == "step":
            bar.update(1)
            bar.set_postfix(loss=f"{event['loss']:.3f}", lr=f"{event['lr'][0]:.3g}", refresh=False)
        elif event["type"] == "waiting":
            bar.write(f"lrlab: {event['message']}", file=sys.stderr)
        elif event["type"] == "epoch":
            bar.write(
                f"epoch {event['epoch'] + 1}: test acc {event['test_acc']:.4f}, test "
                f"loss {event['test_loss']:.4f}, {event['seconds']:.1f}s",
                file=sys.stderr,
            )

    return on_event


OVERRIDES = ("dataset", "model", "epochs", "device", "batch_size", "subset", "seed")


def progress_bar(disabled: bool) -> Any:
    """The CLIs' step bar on stderr (sized by the engine's start event; gone when done)."""
    from tqdm import tqdm

    return tqdm(
        total=0, unit="step", disable=disabled, file=sys.stderr, leave=False, mininterval=0.5
    )


def apply_overrides(config: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """The config with the train-section flags given on the command line put in."""
    given = config.get("train", {})
    if not isinstance(given, dict):  # dict([["epochs", 2]]) would turn a list into settings
        raise ConfigError("train", f"must be an object of training settings, got {given!r:.40}")
    train_cfg = dict(given)
    for key in OVERRIDES:
        value = getattr(args, key, None)
        if value is not None:
            train_cfg[key] = value
    return {**config, "train": train_cfg}


CANCEL_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def cancel_on_signals(cancel: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set ``cancel`` for the block (the previous handlers come back after).

    Installed explicitly because a command started in the background by a non-interactive
    shell (`lrlab sweep ... &`) inherits SIGINT *ignored*, and Python then installs no
    handler of its own; SIGTERM would otherwise kill the process before it stores anything.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signals are delivered to the main thread only: its caller handles them
        return

    def handler(signum: int, _frame: Any) -> None:
        if not cancel.is_set():
            name = signal.Signals(signum).name
            print(f"lrlab: {name}: cancelling (what ran is stored)", file=sys.stderr, flush=True)
        cancel.set()

    previous = {sig: signal.signal(sig, handler) for sig in CANCEL_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_cancellable(work: Callable[[threading.Event], Any]) -> Any:
    """Run ``work(cancel)`` in a thread; Ctrl-C, SIGINT or SIGTERM set ``cancel`` (the job still
    ends cleanly and is stored) instead of killing it mid-write."""
    cancel, done, box = threading.Event(), threading.Event(), {}

    def target() -> None:
        try:
            box["r"] = work(cancel)
        finally:
            done.set()

    with cancel_on_signals(cancel):
        worker = threading.Thread(target=target)
        worker.start()
        # Wait on an Event, never in Thread.join(timeout): a Ctrl-C that interrupts join() can
        # mark the thread finished while it still runs (CPython 3.11); the result is then lost.
        while not done.is_set():
            try:
                done.wait(0.2)
            except KeyboardInterrupt:  # a caller's own SIGINT handling: cancel all the same
                cancel.set()
        worker.join()
    return box["r"]
