"""Mutation check of the suite, by hand: plant one small bug at a time, see if the tests notice.

    .venv/bin/python scripts/mutate.py            # every mutant, a table at the end
    .venv/bin/python scripts/mutate.py --only S1 C3 --timeout 300
    .venv/bin/python scripts/mutate.py --list

Each mutant replaces one exact snippet of one source file with a plausible bug, runs the few
tests that should notice it (``pytest -x``, CI settings, a timeout) and puts the file back. A
snippet must occur exactly once: a mutant whose code was refactored away is reported "stale",
never silently skipped. "caught" means a test failed; "survived" means the tests passed with
the bug in place, so a test is missing.

Safety: it refuses to start while a mutated file has uncommitted changes, restores each file
in a ``finally`` (Ctrl-C included) and checks at the end that every file equals git's HEAD.
A mutant file gets its own modification time and the original gets its own back: Python
checks a cached .pyc by mtime (in seconds) and size, and many mutants keep the size, so
without that a restored file could run its mutant's bytecode (or the reverse).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutant:
    id: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]  # pytest arguments: files, node ids, -k expressions
    bug: str


M = Mutant
SIM, BUILD, CODE, CONF, KINDS = (
    "lrlab/core/simulate.py",
    "lrlab/core/build.py",
    "lrlab/core/codegen.py",
    "lrlab/core/config.py",
    "lrlab/core/kinds.py",  # each parameter kind's validation, torch value and Python text
)
T_SIM, T_CONF, T_CODE = "tests/test_simulate.py", "tests/test_config.py", "tests/test_codegen.py"
# A table, one mutant per entry: laid out by hand, so the formatter leaves it alone.
# fmt: off
MUTANTS: list[Mutant] = [
    # -- simulate ----------------------------------------------------------------------------------
    M("S1", SIM, 'momentum.extend([g["momentum"] for g in groups])',
      'momentum.extend([groups[0]["momentum"] for g in groups])', (T_SIM,),
      "every group recorded with group 0's momentum"),
    M("S2", SIM, 'momentum.extend([g["betas"][0] for g in groups])',
      'momentum.extend([g["betas"][1] for g in groups])', (T_SIM,),
      "beta2 recorded as the Adam family's momentum"),
    M("S3", SIM, '"step": np.repeat(np.arange(start, start + n), groups)',
      '"step": np.repeat(np.arange(n), groups)', (T_SIM,),
      "a resumed run numbers its rows from 0"),
    M("S4", SIM, "for t in range(start):  # the steps",
      "for t in range(0):  # the steps", (T_SIM,),
      "start_step does not fast-forward the scheduler"),
    M("S5", SIM, "np.asarray(metrics[start : start + n]",
      "np.asarray(metrics[:n]", (T_SIM,), "a resumed plateau run shows the metric from step 0"),
    M("S6", SIM, "if (lr < 0).any():",
      "if False:", (T_SIM,), "no note for a negative lr"),
    M("S7", SIM, "if not np.isfinite(lr).all():",
      "if False:", (T_SIM, T_CONF), "an infinite lr is returned as a curve"),
    M("S8", SIM, "except Exception as exc:  # whatever torch raises",
      "except ValueError as exc:  # whatever torch raises", (T_CONF, "tests/test_differential.py"),
      "a ZeroDivisionError mid-run escapes simulate()"),
    # -- build -------------------------------------------------------------------------------------
    M("B1", BUILD, '{"params": list(p), **_torch_kwargs(spec.params, g)}',
      '{"params": list(p)}', (T_SIM,), "parameter groups lose their own lr and momentum"),
    M("B2", BUILD, "        if g:\n            own =",
      "        if False:\n            own =", (T_CONF,),
      "a group's values are not checked the way torch checks the optimizer's"),
    M("B3", "lrlab/core/expr.py", "return fn(float(epoch))",
      "return fn(float(epoch + 1))", (T_SIM,), "lambdas evaluated one epoch late"),
    M("B4", BUILD, "if p.name in spec_cfg and p.torch\n",
      'if p.name in spec_cfg and p.torch and p.kind != "float"\n', (T_SIM,),
      "float keyword arguments (gamma, eta_min, ...) not passed to torch"),
    # -- codegen -----------------------------------------------------------------------------------
    M("C1", CODE, "for k, v in opt.items())", 'for k, v in opt.items() if k != "momentum")',
      (f"{T_CODE}::test_every_scheduler_with_groups_of_different_lrs_and_momenta",),
      "the generated optimizer drops momentum="),
    M("C2", CODE, "for k, v in g.items()]",
      'for k, v in g.items() if k == "lr"]',
      (f"{T_CODE}::test_every_scheduler_with_groups_of_different_lrs_and_momenta",),
      "the generated groups keep their lr only"),
    M("C3", CODE, "*(resume_lines(unit, start, call) if start else []),",
      "*([] if start else []),",
      (f"{T_CODE}::test_every_scheduler_resumed_mid_run_prints_the_rest_of_the_run",),
      "a resumed script does not step through the first k steps"),
    M("C4", CODE, "metric_lines = _metric_lines(sched, end)",
      "metric_lines = _metric_lines(sched, schedule.steps)",
      (f"{T_CODE}::test_every_scheduler_resumed_mid_run_prints_the_rest_of_the_run",),
      "a resumed plateau script writes too short a metric series"),
    M("C5", KINDS, 'return f"lambda epoch: {compile_expression(text).to_python()}"',
      'return f"lambda epoch: 1.0000001 * {compile_expression(text).to_python()}"',
      (f"{T_CODE}::test_every_scheduler_with_groups_of_different_lrs_and_momenta",),
      "the generated lambda is off in the 7th digit"),
    M("C6", CODE, 'momenta = [group["betas"][0] for group',
      'momenta = [group["betas"][1] for group',
      (f"{T_CODE}::test_every_optimizer_with_groups_of_different_momenta",),
      "the script prints beta2 as the Adam family's momentum"),
    # -- config validation -------------------------------------------------------------------------
    M("V1", CONF, "MAX_GROUPS = 16",
      "MAX_GROUPS = 17", (T_CONF,), "the group limit lifted"),
    M("V2", KINDS, "MAX_NESTING = 3",
      "MAX_NESTING = 4", (T_CONF,), "the nesting limit lifted"),
    M("V3", CONF, "MAX_STEPS = 200_000",
      "MAX_STEPS = 250_000", (T_CONF,), "the step limit lifted"),
    M("V4", CONF, 'most = MAX_STEPS - cfg["steps"]',
      "most = MAX_STEPS", (T_CONF,), "start_step's bound forgets the steps after it"),
    M("V5", KINDS, "if len(milestones) != len(value) - 1:",
      "if len(milestones) > len(value) - 1:", (T_CONF, T_SIM),
      "SequentialLR takes too few milestones"),
    M("V6", KINDS, "if len(value) < ctx.budget:",
      "if len(value) < ctx.budget - 1:", (T_CONF, T_SIM),
      "a metric list one value short is accepted"),
    M("V7", KINDS, "(p.gt is not None and value <= p.gt)",
      "(p.gt is not None and value < p.gt)", (T_CONF,),
      "an exclusive lower bound lets its edge through"),
    M("V8", CONF, "if key not in TOP_LEVEL_KEYS:",
      "if False:", (T_CONF,), "unknown top-level keys are ignored"),
    M("V9", CONF, 'total = start + cfg["steps"]',
      'total = cfg["steps"]', (T_CONF, T_SIM),
      "a resumed run is validated as if it were steps long (OneCycleLR fill-in, metrics)"),
    # -- share links and files (lrlab/io) ----------------------------------------------------------
    M("L1", "lrlab/io/links.py", "if len(items) > max_items:",
      "if len(items) > max_items + 1:",
      ("tests/test_page_links.py", "-k", "compare_link or trimming"),
      "a link with one schedule too many opens"),
    M("L2", "lrlab/io/links.py",
      "    checked = [_compared_item(item, n, colors) for n, item in enumerate(items, 1)]\n",
      "    checked = []\n    for n, item in enumerate(items, 1):\n        try:\n"
      "            checked.append(_compared_item(item, n, colors))\n"
      "        except ConfigError:\n            continue\n",
      ("tests/test_page_links.py", "-k", "compare_link or trimming"),
      "a comparison link drops the schedules it cannot open"),
    M("L3", "lrlab/io/links.py", '"start_step": cfg.get("start_step", 0),',
      '"start_step": 0,', ("tests/test_page_links.py", "-k", "resumed"),
      "the check that the form shows the link's schedule ignores start_step"),
    M("L4", "lrlab/io/share.py", "if inflater.unconsumed_tail:",
      "if False:", ("tests/test_share.py",), "a decompression bomb is inflated"),
    M("L5", "lrlab/io/jsontext.py", "MAX_DEPTH = 32",
      "MAX_DEPTH = 64", ("tests/test_deep_json.py",), "the JSON nesting bound lifted"),
    M("L6", "lrlab/io/uploads.py",
      "    if len(data) > MAX_UPLOAD_BYTES:\n        raise ConfigError",
      "    if False:\n        raise ConfigError", ("tests/test_uploads.py",),
      "a config upload of any size is read"),
    # -- the CLI -----------------------------------------------------------------------------------
    M("P1", "lrlab/cli.py", "EXIT_BAD_INPUT = 2",
      "EXIT_BAD_INPUT = 1", ("tests/test_cli.py", "-k", "bad_input"), "bad input exits 1"),
    M("P2", "lrlab/cli.py", 'for warning in df.attrs["warnings"]:',
      "for warning in []:", ("tests/test_cli.py", "tests/test_cli_exit_codes.py", "-k", "warning"),
      "torch's warnings never reach the terminal"),
    M("P3", "lrlab/cli.py", "simulate(load_config(args.config), steps=args.steps)",
      "simulate(load_config(args.config))", ("tests/test_cli.py", "-k", "steps"),
      "--steps is ignored"),
    M("P4", "lrlab/cli.py", 'json_line(df.to_dict(orient="records")) + "\\n"',
      'df.to_json(orient="records") + "\\n"', ("tests/test_cli.py", "-k", "json"),
      "--format json rounds the floats"),
    M("P5", "lrlab/cli.py", "return int(result or 0)",
      "return 0", ("tests/test_cli_exit_codes.py", "-k", "divergence"),
      "lrlab train exits 0 after a divergence"),
    # -- start_step past the core: view, schedule, libraries, pages, figures -----------------------
    M("R1", "lrlab/core/view.py", "steps -= start",
      "steps -= 0", ("tests/test_schedule.py", "-k", "view"),
      "Explore's run ends start_step steps late"),
    M("R2", "lrlab/core/schedule.py", "if self.start_step:  # left out",
      "if True:  # left out", ("tests/test_schedule.py", "tests/test_share.py"),
      "old links change (start_step: 0 added)"),
    M("R3", "lrlab/libs/code.py", 'f"    scheduler.{call}({unit})  # timm',
      'f"    scheduler.{call}({unit} - {start})  # timm', ("tests/test_libs.py", "-k", "resumed"),
      "resumed timm code counts from 0 again"),
    M("R4", "ui/form.py", 'form.config["start_step"] = int(start)',
      "pass", ("tests/test_page_explore.py", "-k", "start_at"),
      "Explore's start at step is ignored"),
    M("R5", "lrlab/present/figures.py", "if start < s < n)",
      "if 0 < s < n)", ("tests/test_figures.py",),
      "a resumed chart marks milestones before its first step"),
    M("R6", "lrlab/present/teaching.py", "            if t >= start:\n",
      "            if True:\n", ("tests/test_page_explore.py", "-k", "resumed"),
      "the order ghost of a resumed run starts at 0"),
    # -- Compare's limit ---------------------------------------------------------------------------
    M("K1", "lrlab/io/links.py", "MAX_COMPARED = 8",
      "MAX_COMPARED = 9", ("tests/test_page_compare.py", "-k", "eight"),
      "Compare's limit lifted to 9 schedules"),
    # -- issue 22: six bugs the whole suite once let through ---------------------------------------
    M("N1", "ui/form.py", "COMPOSITE_CHOICES if depth + 1 < MAX_NESTING else",
      "COMPOSITE_CHOICES if depth + 1 <= MAX_NESTING else",
      ("tests/test_form_roundtrip.py", "-k", "nesting"),
      "the form offers a fourth level of composites, which the validator refuses"),
    M("N2", "lrlab/sweep/records.py", '        return events[-1]["status"]\n',
      '        return "completed"\n', ("tests/test_sweep_progress.py",),
      "the sweep's progress line calls a diverged run completed"),
    M("N3", "lrlab/rangetest/curve.py", "DIVERGE_FACTOR = 4.0",
      "DIVERGE_FACTOR = 40.0", ("tests/test_lrfind.py", "-k", "gently"),
      "the range test stops at 40x its best loss, not fastai's 4x"),
    M("N4", "pages/compare.py", '    "momentum": momentum,\n    "reference"',
      '    "reference"', ("tests/test_page_compare_link.py",),
      "Compare's link forgets the momentum panel"),
    M("N5", "lrlab/train/store.py", '    ("result", "TEXT"),\n',
      "", ("tests/test_store_jobs.py", "-k", "old_database"),
      "an old run database gets no result column (a range test cannot be stored)"),
    M("N6", "lrlab/train/store.py", "    except PermissionError:\n        return True",
      "    except PermissionError:\n        return False",
      ("tests/test_store_jobs.py", "-k", "another_user"),
      "a live run of another user is marked interrupted"),
    # -- figures, pages, uploads and sweep backends (planted for issue 22) ------------------------
    M("G1", "lrlab/train/figures.py",
      'ex = epochs["epoch"].to_numpy() + 1  # at the end of the epoch',
      'ex = epochs["epoch"].to_numpy()  # at the end of the epoch',
      ("tests/test_run_figures.py",),
      "a run's test metrics drawn at the start of their epoch, not its end"),
    M("G2", "lrlab/train/figures.py", '(steps["epoch"] == steps["epoch"].min()).sum()',
      '(steps["epoch"] == steps["epoch"].max()).sum()',
      ("tests/test_run_figures.py",),
      "batches per epoch read from the last (maybe partial) epoch of a live run"),
    M("G3", "ui/lrfind.py", 'if not schedule or not patch or patch["schedule"] != name:',
      "if not schedule or not patch:", ("tests/test_page_lrfind.py", "-k", "stays"),
      "a range test's suggestion is applied to another schedule picked afterwards"),
    M("G4", "lrlab/sweep/figures.py", "np.concatenate([upper, lower[::-1]])",
      "np.concatenate([upper, lower])", ("tests/test_sweep.py", "-k", "sweep_figure"),
      "the sweep's std band is not closed back along its lower edge (a zigzag)"),
    M("G5", "lrlab/sweep/figures.py", 'showlegend=cell == CELLS["acc"],',
      "showlegend=True,", ("tests/test_sweep.py", "-k", "sweep_figure"),
      "every schedule of a sweep listed twice in the legend"),
    M("G6", "lrlab/rangetest/figure.py",
      "hi = min(max(raw + smoothed), DIVERGE_FACTOR * best * 1.15, start * HEADROOM)",
      "hi = max(max(raw + smoothed), DIVERGE_FACTOR * best * 1.15, start * HEADROOM)",
      ("tests/test_run_figures.py", "-k", "range"),
      "the range test's blow-up sets the loss axis and flattens the valley"),
    M("G7", "lrlab/present/plotting.py",
      "keep = np.stack([lo, lo + padded.argmin(axis=1), lo + padded.argmax(axis=1), hi], axis=1)",
      "keep = np.stack([lo, lo + padded.argmax(axis=1), lo + padded.argmax(axis=1), hi], axis=1)",
      ("tests/test_figures.py", "tests/test_decimate.py"),
      "decimation drops each bucket's lowest point"),
    M("G8", "lrlab/io/uploads.py", "nrows=MAX_STEPS + 1",
      "nrows=MAX_STEPS", ("tests/test_uploads.py",),
      "a metric CSV with a header and MAX_STEPS values loses its last value"),
    M("G9", "pages/runs.py",
      'labels = {r["id"]: run_label(r) for r in runs[~is_test].to_dict("records")}',
      'labels = {r["id"]: run_label(r) for r in runs.to_dict("records")}',
      ("tests/test_page_runs.py",),
      "the Runs page offers range tests in the training runs' overlay"),
    M("G10", "lrlab/sweep/ray_backend.py",
      'return device == "cuda" or (device == "auto" and cluster_gpus > 0)',
      'return device == "cuda"', ("tests/test_sweep_ray_gpu.py",),
      "a device=auto sweep on a Ray cluster with GPUs asks for none"),
    # -- issue 20: the loss model on the pages ---------------------------------------------------
    M("F1", "ui/predict.py",
      "    if any(st.query_params.get(k) != v for k, v in query.items()):\n",
      "    if False:\n", ("tests/test_page_predict.py", "-k", "follows"),
      "a page shows the loss model but leaves it out of its URL (a refresh loses it)"),
    M("F2", "ui/predict.py",
      '            st.session_state[_ERROR] = f"This loss model link could not be opened: '
      '{err.message}"',
      '            st.session_state[_ERROR] = f"This loss model link could not be opened: '
      '{err.message}"\n            st.session_state.pop(_SPEC, None)',
      ("tests/test_page_predict.py", "-k", "bad_fit_link"),
      "a bad fit= link drops the model the page had"),
    M("F3", "lrlab/predict/view.py",
      "    own = own_warnings(lm, pred.warnings) + setup_notes(lm, config, df)",
      "    own = own_warnings(lm, pred.warnings)",
      ("tests/test_page_predict.py", "-k", "band_and_its_warnings"),
      "Compare predicts an SGD schedule from Adam runs without a word"),
    M("F4", "lrlab/present/compare.py",
      "ANNEALING: float(annealing_area(per_iter, ANNEALING_LAM)[-1])",
      "ANNEALING: float(annealing_area(lr, ANNEALING_LAM)[-1])", ("tests/test_compare.py",),
      "the annealing area of a per-epoch schedule counts epochs, not iterations"),
]
# fmt: on


def _git_clean(paths: set[str]) -> list[str]:
    out = subprocess.run(
        ["git", "status", "--porcelain", "--", *sorted(paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.splitlines()


def _failed_test(output: str) -> str:
    found = re.search(r"^(?:FAILED|ERROR) (.+?)(?: - |$)", output, re.MULTILINE)
    return found.group(1).split("/")[-1] if found else "?"


def run_mutant(m: Mutant, timeout: float) -> tuple[str, str, float]:
    """(verdict, detail, seconds) for one mutant; the file is restored whatever happens."""
    path = ROOT / m.path
    original = path.read_text()
    if original.count(m.old) != 1:
        return "stale", f"snippet found {original.count(m.old)} times", 0.0
    env = {**os.environ, "CI": "true", "HYPOTHESIS_PROFILE": "ci"}
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *m.tests]
    stat = path.stat()
    start = time.monotonic()
    try:
        path.write_text(original.replace(m.old, m.new))
        mutant_time = stat.st_mtime_ns - (1000 + MUTANTS.index(m)) * 10**9  # unique seconds
        os.utime(path, ns=(stat.st_atime_ns, mutant_time))
        proc = subprocess.run(
            cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return "timeout", f"no verdict in {timeout:.0f} s", time.monotonic() - start
    finally:
        path.write_text(original)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    seconds = time.monotonic() - start
    output = proc.stdout + proc.stderr
    if proc.returncode == 0:
        return "survived", "every selected test passed", seconds
    if proc.returncode == 1:
        return "caught", _failed_test(output), seconds
    tail = output.strip().splitlines()[-1:] or ["?"]
    return "error", f"pytest exit {proc.returncode}: {tail[0][:80]}", seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="ID", help="run these mutants only")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per mutant")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if not args.only or m.id in args.only]
    if args.list:
        for m in chosen:
            print(f"{m.id:4} {m.path:24} {m.bug}")
        return 0
    dirty = _git_clean({m.path for m in chosen})
    if dirty:
        print("uncommitted changes in files to mutate; commit or stash them first:", *dirty)
        return 2
    rows = []
    try:
        for m in chosen:
            verdict, detail, seconds = run_mutant(m, args.timeout)
            rows.append((m, verdict, detail, seconds))
            print(f"{m.id:4} {verdict:9} {seconds:6.1f} s  {m.bug}  [{detail}]", flush=True)
    finally:
        left = _git_clean({m.path for m in chosen})
        if left:  # cannot happen unless the process was killed mid-write: say so loudly
            print("NOT RESTORED, run git checkout on:", *left)
    print("\n| mutant | file | planted bug | verdict | detail |\n|---|---|---|---|---|")
    for m, verdict, detail, _ in rows:
        print(f"| {m.id} | `{m.path}` | {m.bug} | {verdict} | {detail} |")
    counts = {v: sum(r[1] == v for r in rows) for v in ("caught", "survived", "stale", "error")}
    print("\n" + ", ".join(f"{n} {v}" for v, n in counts.items() if n))
    return 1 if counts["survived"] or counts["stale"] or counts["error"] else 0


if __name__ == "__main__":
    sys.exit(main())
