"""``python -m lrlab find-lr RUN.json``: the LR range test from the shell.

Progress bar on stderr; the last stdout line is one JSON object (``suggested_lr``, ``lrs``,
``losses``, ``smoothed_losses``, each method's suggestion, ``diverged_at``, ``run_id``, and
with ``--repeats`` each repeat's curve and the spread of the suggestions). Exit status: 0 it
ran to the end (stopping early on divergence is an end), 1 it failed or was cancelled,
2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from lrlab.core.jsonline import json_line
from lrlab.rangetest.curve import DEFAULT_METHOD, MAX_ITERS, MAX_REPEATS, METHODS, MODES
from lrlab.train.cli import add_training_options

EXIT_RUN_FAILED = 1
HELP = (
    "LR range test: train from the run's initial weights while the lr rises from --start-lr "
    "to --end-lr, one batch per step, and suggest a learning rate. Each parameter group's lr "
    "is multiplied by the same factor (their ratios are kept; the lrs reported are group 0's). "
    "The config's scheduler is ignored. Stops early when the smoothed loss passes 4x its "
    "minimum (fastai's rule). Methods: minimum7 (the default: the lr at the smoothed minimum "
    "/ 7), valley (fastai's default), steepest (torch-lr-finder's), minimum (fastai's "
    "minimum/10). Measured as one-cycle max_lr for 4 epochs on Digits/LeNet, 4 seeds at batch "
    "32 and 64 (bench/lrfind.py): minimum7 trained best (mean 93%, worst 88%); minimum/10 "
    "was a little low at batch 64, valley too low and the most seed-dependent, steepest too "
    "high (near the edge of divergence). --repeats K reports the median and spread over K "
    "seeds."
)


def add_find_lr_command(sub: Any) -> None:
    p = sub.add_parser("find-lr", help="LR range test: suggest a learning rate", description=HELP)
    p.add_argument("config", help="run config JSON (optimizer, groups, train section), or -")
    p.add_argument("--start-lr", type=float, default=1e-7, help="first lr (default 1e-7)")
    p.add_argument("--end-lr", type=float, default=10.0, help="last lr (default 10)")
    p.add_argument(
        "--iters",
        type=int,
        default=100,
        help=f"steps of one batch (default 100, <= {MAX_ITERS})",
    )
    p.add_argument("--mode", choices=MODES, default="exp", help="exp (geometric) or linear ramp")
    p.add_argument(
        "--repeats",
        type=int,
        default=1,
        help=f"run K seeds (seed, seed+1, ...) and report the median and spread (<= {MAX_REPEATS})",
    )
    p.add_argument(
        "--method",
        choices=METHODS,
        default=DEFAULT_METHOD,
        help=f"which method gives suggested_lr (default {DEFAULT_METHOD})",
    )
    add_training_options(
        p, ("dataset", "model", "device", "batch_size", "subset", "seed"), "range test"
    )
    p.set_defaults(run=run_find_lr)


def run_find_lr(args: argparse.Namespace) -> int:
    from lrlab.io.uploads import load_config
    from lrlab.rangetest.curve import parse_options
    from lrlab.rangetest.run import find_lr, range_config
    from lrlab.train.cli import apply_overrides, progress_bar, run_cancellable
    from lrlab.train.config import parse_run
    from lrlab.train.slots import default_lock_dir
    from lrlab.train.store import RunStore

    opts = parse_options(
        {
            "start_lr": args.start_lr,
            "end_lr": args.end_lr,
            "iters": args.iters,
            "mode": args.mode,
            "repeats": args.repeats,
            "method": args.method,
        }
    )
    config = apply_overrides(load_config(args.config), args)
    if "scheduler" in config:  # ignored by the ramp, but a run config file is checked whole
        parse_run({k: v for k, v in config.items() if k != "range_test"})
    t = range_config(config).train  # ConfigError -> exit 2 before anything is stored
    store = RunStore(args.db)
    run_id = store.create_run(
        {**config, "range_test": opts.as_dict()},
        args.name or f"range test · {t['model']} · {t['dataset']}",
    )
    store.update_run(run_id, kind="range_test")
    recorder = store.recorder(run_id)
    bar = progress_bar(args.no_progress)

    def on_event(event: dict[str, Any]) -> None:
        recorder(event)
        if event["type"] == "start":
            bar.reset(total=event["steps"])
            bar.set_description(f"range test {event['device']}")
        elif event["type"] == "step":
            bar.update(1)
            bar.set_postfix(
                loss=f"{event['smoothed']:.3f}", lr=f"{event['lr'][0]:.3g}", refresh=False
            )
        elif event["type"] == "waiting":
            bar.write(f"lrlab: {event['message']}", file=sys.stderr)
        elif event["type"] == "repeat" and opts.repeats > 1:
            bar.update(opts.iters - (event["steps"]))  # a repeat that stopped early
            bar.write(f"repeat {event['repeat'] + 1}: seed {event['seed']}", file=sys.stderr)

    locks = default_lock_dir(store.path)  # next to the run database, as `lrlab train --db`
    result = run_cancellable(
        lambda cancel: find_lr(config, opts, on_event, cancel, args.data_dir, locks)
    )
    bar.close()
    if result.message:
        print(f"lrlab: {result.status}: {result.message}", file=sys.stderr)
    print(json_line(result.summary(run_id)))
    return 0 if result.status == "completed" else EXIT_RUN_FAILED
