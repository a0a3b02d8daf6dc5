"""``python -m lrlab path CONFIG.json --problem NAME``: the optimizer's path from the shell.

stdout: CSV (header ``step,x,y,loss,lr`` then ``b`` for logistic) or JSON (a list of row
objects with the same keys, strict: no NaN or Infinity). stderr: ``lrlab: warning: ...``
lines (torch's warnings; the note that ends a diverged path). Exit 0 (a diverged path is an
answer), 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

HELP = (
    "Step the config's real optimizer and scheduler on a small problem with real gradients "
    "and print the path: row t holds the parameters after t optimizer steps (row 0 is the "
    "start), the loss at them (before step t; noiseless for noisy-quadratic) and group 0's lr "
    "in effect for step t (simulate's row t). One optimizer step per scheduler step; "
    "ReduceLROnPlateau is given the row's loss. Parameters are float64. A path whose loss or "
    "parameters stop being finite ends there with a warning."
)


def add_path_command(sub: Any) -> None:
    from lrlab.paths.problems import PROBLEM_NAMES
    from lrlab.paths.run import MAX_PATH_STEPS

    p = sub.add_parser(
        "path", help="print the optimizer's path on a small problem", description=HELP
    )
    p.add_argument("config", help="schedule config JSON file, or - for stdin")
    p.add_argument(
        "--problem",
        help=f"one of {', '.join(PROBLEM_NAMES)}; default: the config's path section's",
    )
    p.add_argument(
        "--start",
        help="X,Y (logistic: w1,w2 or w1,w2,b); default: the config's path section's start "
        "for its problem, else the problem's own start",
    )
    p.add_argument("--steps", type=int, help=f"override the config's steps (1 to {MAX_PATH_STEPS})")
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.add_argument(
        "--condition", type=float, help="quadratic/noisy-quadratic: default the file's, else 10"
    )
    p.add_argument("--noise", type=float, help="noisy-quadratic: gradient noise std, default 1")
    p.add_argument("--seed", type=int, help="noisy-quadratic: noise seed, default 0")
    p.set_defaults(run=run_path_command)


def join_negative_start(argv: Sequence[str]) -> list[str]:
    """``--start -1.5,2`` as ``--start=-1.5,2``: argparse takes a value that starts with '-'
    and is not a plain number for an option and would refuse the call."""
    out: list[str] = []
    args = list(argv)
    i = 0
    while i < len(args):
        if args[i] == "--start" and i + 1 < len(args) and args[i + 1].startswith("-"):
            out.append(f"--start={args[i + 1]}")
            i += 2
            continue
        out.append(args[i])
        i += 1
    return out


def run_path_command(args: argparse.Namespace) -> None:
    from lrlab.core.errors import ConfigError
    from lrlab.io.uploads import load_config
    from lrlab.paths.link import path_from_config
    from lrlab.paths.problems import get_problem
    from lrlab.paths.run import run_path

    config = load_config(args.config)
    # Explore's download holds the panel's problem, start and κ: they are the defaults here,
    # the options override them (a start only for the problem it was given for).
    saved = path_from_config(config)
    name = args.problem or (saved and saved.problem)
    if not name:
        raise ConfigError("problem", "missing: pass --problem NAME (or a config with a path)")
    same = saved is not None and saved.problem == name
    options = {
        k: getattr(args, k) for k in ("condition", "noise", "seed") if getattr(args, k) is not None
    }
    if same and saved.condition is not None:
        options.setdefault("condition", saved.condition)
    start = args.start if args.start is not None or not same else saved.start
    problem = get_problem(name, **options)
    config = {k: v for k, v in config.items() if k != "path"}
    df = run_path(config, problem, start, args.steps)
    for warning in df.attrs["warnings"]:
        print(f"lrlab: warning: {warning}", file=sys.stderr)
    if args.format == "json":
        # repr floats round-trip exactly; non-finite rows never reach here (the path ends)
        sys.stdout.write(json.dumps(df.to_dict(orient="records"), allow_nan=False) + "\n")
    else:
        df.to_csv(sys.stdout, index=False, lineterminator="\n")
