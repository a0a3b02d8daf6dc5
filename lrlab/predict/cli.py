"""``python -m lrlab predict`` and ``python -m lrlab design``: fit a loss law to stored runs,
predict a schedule's loss curve, or design a schedule with a lower predicted final loss.

The last stdout line is one strict JSON object; bad input exits 2 with one ``lrlab:`` line.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from lrlab.core.errors import ConfigError

DEFAULT_LAW = "multi-power"


def add_predict_commands(sub: Any) -> None:
    p = sub.add_parser("predict", help="predict a schedule's loss curve from stored runs")
    _common(p)
    p.add_argument("--law", choices=("multi-power", "momentum"), default=DEFAULT_LAW)
    p.set_defaults(run=run_predict)
    d = sub.add_parser("design", help="design a schedule with a lower predicted final loss")
    _common(d)
    d.add_argument("--law", choices=("multi-power", "momentum"), default=DEFAULT_LAW)
    d.set_defaults(run=run_design)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", help="run database (default: $LRLAB_DB or the user data dir)")
    p.add_argument("--fit", nargs="+", required=True, metavar="RUN_ID", help="runs to fit")
    p.add_argument("--schedule", required=True, help="run config JSON (schedule plus train)")


def _model(args: argparse.Namespace) -> tuple[Any, dict[str, Any], Any]:
    from lrlab.io.uploads import load_config
    from lrlab.predict.fit import fit_model
    from lrlab.predict.runs import load_fit_runs, open_store, schedule_lrs

    config = load_config(args.schedule)
    lrs, notes, run_json = schedule_lrs(config)  # a bad schedule fails before any fitting
    store = open_store(args.db)
    curves, family, fit_notes = load_fit_runs(store, args.fit)
    model = fit_model(curves, args.law)
    from dataclasses import replace

    from lrlab.predict.runs import mismatch_notes

    model = replace(model, notes=tuple(fit_notes))
    extra = notes + mismatch_notes(family, run_json)
    return model, {"lrs": lrs, "notes": extra, "run": run_json}, family


def run_predict(args: argparse.Namespace) -> int:
    from lrlab.predict.fit import predict

    model, sched, _ = _model(args)
    pred = predict(model, sched["lrs"])
    out = {
        "law": model.fit.law,
        "params": model.fit.params,
        "heldout_rel_error": model.heldout_rel_error,
        "steps": list(range(len(pred.loss))),
        "loss": pred.loss.tolist(),
        "low": pred.low.tolist(),
        "high": pred.high.tolist(),
        "warnings": [*pred.warnings, *sched["notes"]],
    }
    print(strict_json(out))
    return 0


def run_design(args: argparse.Namespace) -> int:
    from lrlab.predict.design import design

    model, sched, _ = _model(args)
    result = design(model, sched["run"], sched["lrs"])
    for note in [*result.warnings, *sched["notes"]]:
        print(f"lrlab: warning: {note}", file=sys.stderr)
    print(
        strict_json(
            {
                "schedule": result.schedule,
                "predicted_final_loss": result.predicted_final_loss,
                "baseline_final_loss": result.baseline_final_loss,
            }
        )
    )
    return 0


def strict_json(value: Any) -> str:
    """JSON without NaN or Infinity: a value that is not finite is refused, never written."""

    def check(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            raise ConfigError("", "the law predicts a loss that is not finite for this schedule")
        if isinstance(v, dict):
            return {k: check(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [check(x) for x in v]
        return v

    return json.dumps(check(value), allow_nan=False)
