"""``python -m lrlab``: simulate, generate code, draw paths and train from the shell.

Errors are one line on stderr with exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from lrlab.core.errors import ConfigError
from lrlab.core.jsonline import json_line
from lrlab.io.uploads import load_config
from lrlab.paths.cli import add_path_command, join_negative_start
from lrlab.predict.cli import add_predict_commands
from lrlab.rangetest.cli import add_find_lr_command
from lrlab.sweep.cli import add_sweep_command
from lrlab.train.cli import add_train_command

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"lrlab: {message} (see python -m lrlab --help)\n")


def _simulate(args: argparse.Namespace) -> None:
    from lrlab.core.simulate import simulate

    df = simulate(load_config(args.config), steps=args.steps)
    for warning in df.attrs["warnings"]:  # torch's warnings and lrlab's notes, one line each
        print(f"lrlab: warning: {warning}", file=sys.stderr)
    if args.format == "json":
        # Floats are written with repr, which round-trips exactly (pandas' to_json does not).
        sys.stdout.write(json_line(df.to_dict(orient="records")) + "\n")
    else:
        df.to_csv(sys.stdout, index=False, lineterminator="\n")


def _code(args: argparse.Namespace) -> None:
    from lrlab.core.codegen import to_code

    sys.stdout.write(to_code(load_config(args.config)))


def _docs() -> str:
    from lrlab.present.docs import catalog_markdown

    return catalog_markdown()


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m lrlab", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sim = sub.add_parser("simulate", help="print the lr trajectory of a config (CSV or JSON)")
    sim.add_argument("config", help="schedule config JSON file, or - for stdin")
    sim.add_argument("--steps", type=int, help="override the config's steps")
    sim.add_argument("--format", choices=("csv", "json"), default="csv")
    sim.set_defaults(run=_simulate)
    code = sub.add_parser("code", help="print PyTorch code that reproduces the schedule")
    code.add_argument("config", help="schedule config JSON file, or - for stdin")
    code.set_defaults(run=_code)
    docs = sub.add_parser("docs", help="print the Markdown reference of the catalog")
    docs.set_defaults(run=lambda _args: sys.stdout.write(_docs()))
    add_train_command(sub)
    add_find_lr_command(sub)
    add_sweep_command(sub)
    add_path_command(sub)
    add_predict_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(join_negative_start(argv))
    run: Callable[[argparse.Namespace], Any] = args.run
    try:
        result = run(args)
    except ConfigError as exc:
        print(f"lrlab: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `python -m lrlab simulate cfg.json | head` is fine
        return 0
    return int(result or 0)
