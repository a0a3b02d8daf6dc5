"""``python -m lrlab sweep SWEEP.json``: every variant × seed, on worker processes or Ray.

Progress lines on stderr as runs finish; the last stdout line is one JSON object (sweep_id,
backend, runs, summary, comparisons: one paired comparison by seed per pair of labels).
Exit status: 0 every run completed, 1 some did not (failed,
diverged, cancelled), 2 bad input.
"""

from __future__ import annotations

import argparse
import re
import sys
import threading
from typing import Any

from lrlab.core.errors import ConfigError
from lrlab.core.jsonline import json_line

EXIT_RUN_FAILED = 1
SWEEP_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")


def add_sweep_command(sub: Any) -> None:
    p = sub.add_parser("sweep", help="train every schedule of a sweep file over several seeds")
    p.add_argument("sweep", help="sweep JSON: {base, variants: [{label, scheduler, ...}], seeds}")
    p.add_argument("--backend", choices=("local", "ray"), default="local")
    p.add_argument("--workers", type=int, help="runs at once (default: cores, or the cluster)")
    p.add_argument("--address", help="Ray cluster to join (e.g. auto or HOST:6379)")
    p.add_argument("--db", help="run database (default: $LRLAB_DB or the user data dir)")
    p.add_argument("--data-dir", help="dataset directory (default: $LRLAB_DATA_DIR or cache)")
    p.add_argument("--sweep-id", help="id for the sweep (default: a new one)")
    p.set_defaults(run=run_sweep_command)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def _progress(p: dict[str, Any]) -> None:
    line = (
        f"[{p['done']}/{p['total']}] {p['label']} seed {p['seed']}: {p['status']}"
        f" · test acc {_pct(p['test_accuracy'])}"
    )
    if p["status"] != "completed" and p["message"]:
        line += f" · {p['message']}"
    print(line, file=sys.stderr, flush=True)


def _say_verdicts(report: dict[str, Any], seeds: int) -> None:
    from lrlab.sweep.stats import verdicts

    labels = [s["label"] for s in report.get("summary") or []]
    for line in verdicts(report.get("runs") or [], labels, seeds):
        print(line, file=sys.stderr)


def run_sweep_command(args: argparse.Namespace) -> int:
    from lrlab.io.uploads import load_config
    from lrlab.sweep import parse_sweep, run_sweep
    from lrlab.sweep.backends import make_backend
    from lrlab.train.cli import cancel_on_signals
    from lrlab.train.slots import default_lock_dir
    from lrlab.train.store import RunStore

    if args.workers is not None and args.workers < 1:
        raise ConfigError("--workers", "must be at least 1")
    if args.sweep_id is not None and not SWEEP_ID.fullmatch(args.sweep_id):
        raise ConfigError("--sweep-id", "letters, digits, - and _ only (at most 40)")
    if args.address and args.backend != "ray":
        raise ConfigError("--address", "joins a Ray cluster: use it with --backend ray")
    try:
        sweep = parse_sweep(load_config(args.sweep))
    except RecursionError:
        raise ConfigError("", f"{args.sweep} is nested too deeply") from None
    store = RunStore(args.db)
    # Device slots next to the run database, as `lrlab train --db` and the pages take them.
    locks = default_lock_dir(store.path)
    backend = make_backend(args.backend, args.workers, args.address, args.data_dir, locks)
    print(
        f"lrlab: sweep of {len(sweep.labels)} schedule(s) × {len(sweep.seeds)} seed(s) = "
        f"{len(sweep.runs)} runs on {args.backend}",
        file=sys.stderr,
        flush=True,
    )
    cancel = threading.Event()
    with cancel_on_signals(cancel):  # SIGINT and SIGTERM: cancel the rest, store every run
        report = run_sweep(sweep, store, backend, _progress, cancel, sweep_id=args.sweep_id)
    for s in report["summary"]:
        print(
            f"{s['label']}: {_pct(s['mean_test_accuracy'])} ± {_pct(s['std_test_accuracy'])}"
            f" (95% CI {_pct(s['ci95_low'])} – {_pct(s['ci95_high'])}, n={s['n']})"
            + (f", {s['at_chance']} at chance level" if s["at_chance"] else ""),
            file=sys.stderr,
        )
    _say_verdicts(report, len(sweep.seeds))
    print(json_line(report), flush=True)
    ok = all(r["status"] == "completed" for r in report["runs"])
    return 0 if ok else EXIT_RUN_FAILED
