"""Hostile input, as an attacker or an unlucky user sends it (issue 21).

Runs each case against the CLI (`lrlab.cli.main` in this process, and a few through a real
`python -m lrlab` subprocess), the link openers (`decode` + `open_schedule`/`open_comparison`,
what the pages call) and the upload parser (`open_upload`), and classifies it:

  refused      the documented refusal: one line naming what is wrong (CLI: exit 2, `lrlab:`)
  accepted     accepted, and what it opens is exactly what it holds (each case checks)
  exception    anything else raised (a traceback on a page or in the CLI)
  hang         not done within --timeout seconds
  silent       accepted although it should be refused, or opened as something else

Prints one line per case and the counts; exits 1 unless exception, hang and silent are all 0.
Run: .venv/bin/python scripts/hostile.py [--timeout 60] [--no-subprocess] [--measure]
(~1-3 minutes; --measure adds the costliest accepted uploads, timed)
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lrlab import ConfigError, simulate  # noqa: E402
from lrlab.cli import main as cli_main  # noqa: E402
from lrlab.io.links import open_comparison, open_schedule, parse_opened  # noqa: E402
from lrlab.io.share import decode, encode  # noqa: E402
from lrlab.io.uploads import open_upload  # noqa: E402

BIG = "1" + "0" * 400  # an integer beyond float range, as JSON text
SGD = {"name": "SGD", "lr": 0.1}
STEP = {"name": "StepLR", "step_size": 3}
SCHEDULE = {"optimizer": SGD, "scheduler": STEP, "steps": 10}
RUN = {
    "optimizer": {"name": "SGD", "lr": 0.05},
    "scheduler": STEP,
    "train": {"dataset": "digits", "model": "lenet", "epochs": 1, "device": "cpu"},
}
LAMBDA = "min(epoch, min(epoch + 1, min(epoch + 2, min(epoch + 3, 1.0))))"


def chain(children: list) -> dict:
    return {"name": "ChainedScheduler", "schedulers": children}


WORST = {
    "optimizer": SGD,
    "param_groups": [{}] * 16,
    "scheduler": chain([chain([{"name": "MultiplicativeLR", "lr_lambda": LAMBDA}] * 8)] * 8),
    "steps": 200_000,
}
ITEM = {"name": "a", "color": "blue", "config": {"optimizer": SGD, "scheduler": STEP}}
TMP = Path(tempfile.mkdtemp(prefix="lrlab-hostile-"))


class Silent(Exception):
    """Accepted, but not what it holds (or should have been refused)."""


def file(text: str | bytes, name: str) -> str:
    path = TMP / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return str(path)


def dumps(obj: Any) -> str:
    return json.dumps(obj)


def raw_link(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


# -- surfaces ------------------------------------------------------------------------------
def cli(*args: str, expect: str = "refuse", words: str = "", check: Callable | None = None):
    """`lrlab.cli.main(args)` in this process; refused = exit 2 and one `lrlab:` line."""

    def run() -> str:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli_main(list(args))
        lines = [ln for ln in err.getvalue().splitlines() if not ln.startswith("lrlab: warning")]
        if code == 2 and len(lines) == 1 and lines[0].startswith("lrlab: "):
            if expect != "refuse":
                raise Silent(f"refused: {lines[0]}")
            if words not in lines[0]:
                raise Silent(f"refused without naming {words!r}: {lines[0]}")
            return "refused"
        if code == 0 and expect == "accept":
            if check is not None:
                check(out.getvalue())
            return "accepted"
        raise Silent(f"exit {code}, stderr {err.getvalue()[-200:]!r}")

    return run


def real_cli(*args: str, words: str = "", stdin: bytes | None = None, timeout: float = 120):
    """A real `python -m lrlab` process: exit 2 with one `lrlab:` line, never a traceback."""

    def run() -> str:
        try:
            done = subprocess.run(
                [sys.executable, "-m", "lrlab", *args],
                cwd=ROOT,
                capture_output=True,
                input=stdin,
                timeout=timeout,
                env={**os.environ, "LRLAB_DB": str(TMP / "runs.sqlite")},
            )
        except subprocess.TimeoutExpired:
            return "hang"
        err = done.stderr.decode(errors="replace")
        if "Traceback" in err:
            return "exception"
        lines = err.strip().splitlines()
        if done.returncode == 2 and len(lines) == 1 and words in lines[0]:
            return "refused"
        raise Silent(f"exit {done.returncode}: {err[-200:]!r}")

    return run


def link(value: str, page: str = "explore", words: str = "", check: Callable | None = None):
    """What a page does with ``?c=`` / ``?s=``: decode, open whole or refuse, then simulate
    (a schedule torch fails on shows the page's message instead of a chart)."""

    def run() -> str:
        try:
            data = decode(value)
            if page == "explore":
                opened = open_schedule(data)
                simulate(parse_opened(opened))
            else:
                opened = open_comparison(data, 8)
                for item in opened["items"]:
                    simulate(parse_opened(item["config"]))
        except ConfigError as err:
            if check is not None:
                raise Silent(f"refused: {err}") from None
            if words not in str(err) or "\n" in str(err):
                raise Silent(f"refused without naming {words!r}: {err}") from None
            return "refused"
        if check is None:
            raise Silent(f"opened: {str(opened)[:120]}")
        check(opened)
        return "accepted"

    return run


def upload(data: bytes, words: str = "", check: Callable | None = None):
    def run() -> str:
        try:
            _config, parsed = open_upload(data)
        except ConfigError as err:
            if check is not None:
                raise Silent(f"refused: {err}") from None
            if words not in str(err):
                raise Silent(f"refused without naming {words!r}: {err}") from None
            return "refused"
        if check is None:
            raise Silent("accepted")
        check(parsed)
        return "accepted"

    return run


# -- checks of accepted cases --------------------------------------------------------------
def rows(n: int, groups: int = 1) -> Callable[[str], None]:
    def check(out: str) -> None:
        got = len(out.strip().splitlines()) - 1
        if got != n * groups:
            raise Silent(f"{got} rows, the file says {n * groups}")

    return check


def opens_steps(n: int) -> Callable[[dict], None]:
    def check(opened: dict) -> None:
        schedule = parse_opened(opened)
        if schedule.steps != n or len(simulate(schedule)) != n * len(schedule.param_groups):
            raise Silent(f"opened {schedule.steps} steps, the link says {n}")

    return check


def opens_exactly(config: dict) -> Callable[[dict], None]:
    def check(opened: dict) -> None:
        if opened != config:
            raise Silent("opened something else")

    return check


def compare_view(epochs: int) -> Callable[[dict], None]:
    def check(opened: dict) -> None:
        if opened["view"]["epochs"] != epochs:
            raise Silent(f"shown over {opened['view']['epochs']} epochs, it holds {epochs}")

    return check


def own_lengths(*epochs: int) -> Callable[[dict], None]:
    """Each schedule of a comparison keeps the epochs its own config holds (none stretched)."""

    def check(opened: dict) -> None:
        held = [item["config"].get("view", {}).get("epochs") for item in opened["items"]]
        if held != list(epochs):
            raise Silent(f"schedules of {held} epochs, the link holds {list(epochs)}")

    return check


# -- the cases -----------------------------------------------------------------------------
def cases() -> list[tuple[str, Callable[[], str]]]:
    big_lr = dumps(SCHEDULE).replace('"lr": 0.1', f'"lr": {BIG}')
    big_gamma = dumps({**SCHEDULE, "scheduler": {**STEP, "gamma": 0.5}}).replace("0.5", BIG)
    run_big = dumps(RUN).replace('"lr": 0.05', f'"lr": {BIG}')
    dup = '{"optimizer": {"name": "SGD", "lr": 0.1, "lr": 9}, "scheduler": {"name": "StepLR", "step_size": 3}, "steps": 5}'  # noqa: E501
    folder = TMP / "a-folder"
    folder.mkdir(exist_ok=True)
    notes = file("not a database\n" * 100, "notes.txt")
    db = str(TMP / "ok.sqlite")
    sweep = {"base": RUN, "variants": [{"label": "a", "scheduler": STEP}], "seeds": [0]}
    good = zlib.compress(dumps({"optimizer": SGD, "scheduler": STEP}).encode(), 9)
    nested = {
        "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
        "scheduler": {
            "name": "SequentialLR",
            "schedulers": [
                {"name": "LinearLR", "total_iters": 3},
                {"name": "ExponentialLR", "gamma": 0.8},
            ],
            "milestones": [3],
        },
        "view": {"epochs": 20, "step_per": "epoch"},
    }
    ten = {"optimizer": SGD, "scheduler": STEP, "view": {"epochs": 10, "step_per": "epoch"}}
    c: list[tuple[str, Callable[[], str]]] = [
        # CLI, in process
        (
            "cli simulate: lr of 401 digits",
            cli("simulate", file(big_lr, "a.json"), words="optimizer.lr"),
        ),
        (
            "cli code: gamma of 401 digits",
            cli("code", file(big_gamma, "b.json"), words="scheduler.gamma"),
        ),
        (
            "cli train: lr of 401 digits",
            cli("train", file(run_big, "c.json"), "--db", db, words="optimizer.lr"),
        ),
        (
            "cli find-lr: lr of 401 digits",
            cli("find-lr", file(run_big, "c.json"), "--db", db, words="optimizer.lr"),
        ),
        (
            'cli train: "train": [1]',
            cli("train", file(dumps({**RUN, "train": [1]}), "d.json"), "--db", db, words="train"),
        ),
        (
            'cli find-lr: "train": [1]',
            cli("find-lr", file(dumps({**RUN, "train": [1]}), "d.json"), "--db", db, words="train"),
        ),
        (
            'cli train: "train": [["epochs", 2]]',
            cli(
                "train",
                file(dumps({**RUN, "train": [["epochs", 2]]}), "e.json"),
                "--db",
                db,
                words="train",
            ),
        ),
        (
            'cli train: "train": false',
            cli("train", file(dumps({**RUN, "train": False}), "f.json"), "--db", db, words="train"),
        ),
        (
            "cli train: --db a folder",
            cli("train", file(dumps(RUN), "g.json"), "--db", str(folder), words="run database"),
        ),
        (
            "cli find-lr: --db a text file",
            cli("find-lr", file(dumps(RUN), "g.json"), "--db", notes, words="run database"),
        ),
        (
            "cli sweep: --db under a file",
            cli(
                "sweep",
                file(dumps(sweep), "h.json"),
                "--db",
                notes + "/x.sqlite",
                words="run database",
            ),
        ),
        ("cli simulate /dev/zero", cli("simulate", "/dev/zero", words="not a regular file")),
        (
            "cli simulate: a 3 MB name",
            cli(
                "simulate",
                file(dumps({**SCHEDULE, "name": "x" * 3_000_000}), "i.json"),
                words="larger than 2 MB",
            ),
        ),
        ("cli simulate: duplicate key", cli("simulate", file(dup, "j.json"), words='"lr" twice')),
        (
            "cli sweep: duplicate key",
            cli("sweep", file(dup, "j.json"), "--db", db, words='"lr" twice'),
        ),
        (
            "cli train: seed 2**31",
            cli(
                "train",
                file(dumps({**RUN, "train": {**RUN["train"], "seed": 2**31}}), "k.json"),
                "--db",
                db,
                words="2147483647",
            ),
        ),
        (
            "cli simulate: StepLR step_size 0",
            cli(
                "simulate",
                file(
                    dumps({**SCHEDULE, "scheduler": {"name": "StepLR", "step_size": 0}}), "l.json"
                ),
                words="scheduler.step_size",
            ),
        ),
        (
            "cli simulate: CosineAnnealingLR T_max 0",
            cli(
                "simulate",
                file(
                    dumps({**SCHEDULE, "scheduler": {"name": "CosineAnnealingLR", "T_max": 0}}),
                    "m.json",
                ),
                words="scheduler.T_max",
            ),
        ),
        (
            "cli simulate: 8x8 chained lambdas, 16 groups, 200k steps",
            cli("simulate", file(dumps(WORST), "n.json"), words="too costly"),
        ),
        (
            "cli simulate: steps true",
            cli("simulate", file(dumps({**SCHEDULE, "steps": True}), "o.json"), words="steps"),
        ),
        (
            "cli simulate: JSON nested 5000 deep",
            cli("simulate", file("[" * 5000 + "]" * 5000, "p.json"), words="nests"),
        ),
        ("cli simulate: not UTF-8", cli("simulate", file(b"\xff\xfe{}", "q.json"), words="UTF-8")),
        (
            "cli simulate: lr NaN",
            cli(
                "simulate",
                file(dumps(SCHEDULE).replace("0.1", "NaN"), "r.json"),
                words="optimizer.lr",
            ),
        ),
        (
            "cli simulate: lr -Infinity",
            cli(
                "simulate",
                file(dumps(SCHEDULE).replace("0.1", "-Infinity"), "s.json"),
                words="optimizer.lr",
            ),
        ),
        (
            "cli simulate: lambda __import__",
            cli(
                "simulate",
                file(
                    dumps(
                        {
                            **SCHEDULE,
                            "scheduler": {
                                "name": "LambdaLR",
                                "lr_lambda": "__import__('os').system('id')",
                            },
                        }
                    ),
                    "t.json",
                ),
                words="lr_lambda",
            ),
        ),
        (
            "cli simulate: lambda 9 ** 9 ** 9",
            cli(
                "simulate",
                file(
                    dumps(
                        {**SCHEDULE, "scheduler": {"name": "LambdaLR", "lr_lambda": "9 ** 9 ** 9"}}
                    ),
                    "u.json",
                ),
                words="lr_lambda",
            ),
        ),
        (
            "cli simulate: --steps 10**9",
            cli(
                "simulate", file(dumps(SCHEDULE), "v.json"), "--steps", "1000000000", words="steps"
            ),
        ),
        (
            "cli simulate: 5000-digit integer",
            cli(
                "simulate",
                file(dumps(SCHEDULE).replace("0.1", "9" * 5000), "w.json"),
                words="not valid JSON",
            ),
        ),
        (
            "cli simulate: 10000 groups",
            cli(
                "simulate",
                file(dumps({**SCHEDULE, "param_groups": [{}] * 10_000}), "x.json"),
                words="param_groups",
            ),
        ),
        (
            "cli simulate: lr as text",
            cli(
                "simulate",
                file(dumps({**SCHEDULE, "optimizer": {"name": "SGD", "lr": "0.1"}}), "y.json"),
                words="optimizer.lr",
            ),
        ),
        (
            "cli simulate: steps 7, 3 groups",
            cli(
                "simulate",
                file(dumps({**SCHEDULE, "steps": 7, "param_groups": [{}, {}, {}]}), "z.json"),
                expect="accept",
                check=rows(7, 3),
            ),
        ),
        # links
        (
            "link explore: lr of 401 digits",
            link(raw_link(zlib.compress(big_lr.encode())), words="optimizer.lr"),
        ),
        (
            "link compare: view epochs 'lots'",
            link(
                encode({"items": [ITEM], "view": {"epochs": "lots", "steps_per_epoch": -5}}),
                "compare",
                "view.epochs",
            ),
        ),
        (
            "link compare: layout/normalize/momentum",
            link(
                encode(
                    {"items": [ITEM], "layout": {"x": 1}, "normalize": [1, 2], "momentum": "yes"}
                ),
                "compare",
                "layout",
            ),
        ),
        (
            "link compare: normalize 'max'",
            link(encode({"items": [ITEM], "normalize": "max"}), "compare", "normalize"),
        ),
        (
            "link compare: colour ultraviolet",
            link(encode({"items": [{**ITEM, "color": "ultraviolet"}]}), "compare", "colour"),
        ),
        (
            "link compare: a 500-character name",
            link(encode({"items": [{**ITEM, "name": "n" * 500}]}), "compare", "name"),
        ),
        (
            "link compare: unknown top-level key",
            link(encode({"items": [ITEM], "script": "x"}), "compare", "script"),
        ),
        (
            "link compare: no view, items of 10 and 30 epochs",
            link(
                encode(
                    {
                        "items": [
                            {"name": "a", "config": ten},
                            {"name": "b", "config": {**ten, "view": {"epochs": 30}}},
                        ]
                    }
                ),
                "compare",
                check=own_lengths(10, 30),  # each keeps its own length (Compare's rule)
            ),
        ),
        (
            "link compare: no view, items of 10 epochs",
            link(
                encode({"items": [{"name": "a", "config": ten}]}), "compare", check=compare_view(10)
            ),
        ),
        (
            "link compare: start_step 12",
            link(
                encode({"items": [{"name": "a", "config": {**ten, "start_step": 3}}]}),
                "compare",
                "starts at step 3",
            ),
        ),
        (
            "link explore: steps 7, no view",
            link(encode({**SCHEDULE, "steps": 7}), check=opens_steps(7)),
        ),
        (
            "link explore: steps 40, 3 groups",
            link(
                encode({**SCHEDULE, "steps": 40, "param_groups": [{}, {"lr": 0.2}, {"lr": 0.3}]}),
                check=opens_steps(40),
            ),
        ),
        (
            "link explore: OneCycleLR steps 9",
            link(
                encode(
                    {
                        "optimizer": SGD,
                        "scheduler": {"name": "OneCycleLR", "max_lr": 1.0},
                        "steps": 9,
                    }
                ),
                check=opens_steps(9),
            ),
        ),
        ("link explore: steps true", link(encode({**SCHEDULE, "steps": True}), words="steps")),
        (
            "link explore: steps 40, view of 10",
            link(encode({**SCHEDULE, "steps": 40, "view": {"epochs": 10}}), words="steps: 40"),
        ),
        (
            "link explore: duplicate key",
            link(raw_link(zlib.compress(dup.encode())), words='"lr" twice'),
        ),
        (
            "link explore: bytes after the zlib stream",
            link(raw_link(good + b"junk"), words="damaged"),
        ),
        ("link explore: cut short", link(raw_link(good)[:-6], words="damaged")),
        (
            "link explore: zip bomb",
            link(raw_link(zlib.compress(b" " * 5_000_000, 9)), words="too much"),
        ),
        ("link explore: 40,000 characters", link("A" * 40_000, words="too long")),
        (
            "link explore: 8x8 chained lambdas",
            link(
                encode(
                    {k: v for k, v in WORST.items() if k != "steps"} | {"view": {"epochs": 2000}}
                ),
                words="too costly",
            ),
        ),
        ("link explore: a list", link(encode([1, 2, 3]), words="not a schedule")),
        ("link explore: nested SequentialLR", link(encode(nested), check=opens_exactly(nested))),
        (
            "link explore: StepLR step_size 0",
            link(
                encode({**SCHEDULE, "scheduler": {"name": "StepLR", "step_size": 0}}),
                words="step_size",
            ),
        ),
        # uploads
        ("upload: duplicate key", upload(dup.encode(), '"lr" twice')),
        ("upload: 3 MB", upload(b" " * 3_000_000, "larger than 2 MB")),
        ("upload: lr of 401 digits", upload(big_lr.encode(), "optimizer.lr")),
        ('upload: "train": [1]', upload(dumps({**RUN, "train": [1]}).encode(), "train")),
        (
            "upload: StepLR step_size 0",
            upload(
                dumps({**SCHEDULE, "scheduler": {"name": "StepLR", "step_size": 0}}).encode(),
                "scheduler.step_size",
            ),
        ),
        ("upload: 8x8 chained lambdas", upload(dumps(WORST).encode(), "too costly")),
        (
            "upload: CosineAnnealingWarmRestarts T_0 of 401 digits",
            upload(
                dumps(
                    {
                        **SCHEDULE,
                        "scheduler": {"name": "CosineAnnealingWarmRestarts", "T_0": 10**400},
                    }
                ).encode(),
                "scheduler.T_0",
            ),
        ),
        (
            "upload: timm k_decay 1e300",
            upload(
                dumps(
                    {
                        **SCHEDULE,
                        "scheduler": {
                            "name": "timm:CosineLRScheduler",
                            "t_initial": 5,
                            "k_decay": 1e300,
                        },
                    }
                ).encode(),
                "scheduler",
            ),
        ),
        ("upload: not a JSON object", upload(b"[1, 2]", "JSON object")),
        ("upload: a run config", upload(dumps(RUN).encode(), check=lambda run: None)),
        (
            "upload: steps 7",
            upload(
                dumps({**SCHEDULE, "steps": 7}).encode(),
                check=lambda s: (
                    (_ for _ in ()).throw(Silent(f"{s.steps} steps")) if s.steps != 7 else None
                ),
            ),
        ),
    ]
    return c


def measured_cases() -> list[tuple[str, Callable[[], str]]]:
    """The costliest accepted uploads (an upload is simulated once as it is opened)."""
    edge = {"optimizer": SGD, "param_groups": [{}] * 16, "scheduler": STEP, "steps": 200_000}
    fits = {**WORST, "steps": 1000}  # the shape at about the most steps it may run
    return [
        (
            "upload: StepLR, 16 groups, 200k steps (budget edge)",
            upload(dumps(edge).encode(), check=lambda s: None),
        ),
        (
            "upload: the issue's shape at 1000 steps",
            upload(dumps(fits).encode(), check=lambda s: None),
        ),
    ]


def subprocess_cases() -> list[tuple[str, Callable[[], str]]]:
    run_big = dumps(RUN).replace('"lr": 0.05', f'"lr": {BIG}')
    return [
        ("real cli: simulate /dev/zero", real_cli("simulate", "/dev/zero", words="regular file")),
        (
            "real cli: stdin of 3 MB",
            real_cli("simulate", "-", words="2 MB", stdin=b" " * 3_000_000),
        ),
        (
            'real cli: train, "train": [1]',
            real_cli(
                "train",
                file(dumps({**RUN, "train": [1]}), "rd.json"),
                "--db",
                str(TMP / "r.sqlite"),
                words="train",
            ),
        ),
        (
            "real cli: find-lr, lr of 401 digits",
            real_cli(
                "find-lr",
                file(run_big, "rb.json"),
                "--db",
                str(TMP / "r.sqlite"),
                words="optimizer.lr",
            ),
        ),
        (
            "real cli: train, --db a folder",
            real_cli("train", file(dumps(RUN), "rg.json"), "--db", str(TMP), words="run database"),
        ),
    ]


def classify(run: Callable[[], str], timeout: float) -> tuple[str, str, float]:
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["outcome"] = run()
        except Silent as exc:
            box["outcome"], box["why"] = "silent", str(exc)
        except BaseException as exc:
            box["outcome"], box["why"] = "exception", f"{type(exc).__name__}: {exc}"[:200]

    t0 = time.perf_counter()
    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(timeout)
    seconds = time.perf_counter() - t0
    if worker.is_alive():
        return "hang", f"still running after {timeout:.0f} s", seconds
    return box["outcome"], box.get("why", ""), seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--no-subprocess", action="store_true", help="skip the real-CLI cases")
    ap.add_argument("--measure", action="store_true", help="also time the costliest accepted")
    args = ap.parse_args()
    os.environ.setdefault("LRLAB_DB", str(TMP / "runs.sqlite"))
    todo = cases() + ([] if args.no_subprocess else subprocess_cases())
    todo += measured_cases() if args.measure else []
    counts: Counter[str] = Counter()
    slowest = (0.0, "")
    for name, run in todo:
        outcome, why, seconds = classify(run, args.timeout)
        counts[outcome] += 1
        slowest = max(slowest, (seconds, name))
        print(f"{outcome:9s} {seconds:6.2f}s  {name}" + (f"  -- {why}" if why else ""), flush=True)
    print(
        f"\n{len(todo)} cases: refused {counts['refused']}, accepted correctly "
        f"{counts['accepted']}, exceptions {counts['exception']}, hangs {counts['hang']}, "
        f"silent changes {counts['silent']}; slowest {slowest[0]:.2f} s ({slowest[1]})"
    )
    bad = counts["exception"] + counts["hang"] + counts["silent"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
