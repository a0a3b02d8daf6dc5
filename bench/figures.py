"""How long does a figure take to build? lr_figure and compare_figure for 1 and 16 groups.

Targets (issue 11): 16 groups under 100 ms, one group under 15 ms. Also prints the time of a
bare ``go.Figure(go.Scatter(...))`` of the same points in the same run, as the baseline.
Run: .venv/bin/python bench/figures.py [--repeats N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import plotly.graph_objects as go

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from timing import best_of  # bench/ is on sys.path when a bench runs as a script

from lrlab import simulate
from lrlab.core.view import VIEW_DEFAULTS
from lrlab.present.compare_chart import compare_figure
from lrlab.present.figures import lr_figure, marks_for


def config(groups: int) -> dict:
    return {
        "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
        "param_groups": [{"lr": 0.1 / (g + 1)} for g in range(groups)],
        "scheduler": {"name": "OneCycleLR", "max_lr": 0.1},
        "steps": 10_000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    view = {**VIEW_DEFAULTS, "step_per": "batch"}
    print(f"best of {args.repeats}, 10,000 steps, ms (ratio to a bare one-trace go.Figure)")
    df1 = simulate(config(1))
    y = df1["lr"].to_numpy()[:2000]
    bare = best_of(lambda: go.Figure(go.Scatter(y=y)), args.repeats)
    print(f"{'bare go.Figure, 1 trace':<34}{bare * 1e3:>8.1f}")
    for groups in (1, 16):
        cfg = config(groups)
        df = simulate(cfg)
        marks = marks_for(cfg, df)
        t_lr = best_of(lambda: lr_figure(df, view, marks=marks), args.repeats)  # noqa: B023
        items = [{"name": "a", "color": "#0072B2", "df": df, "view": view}]
        t_cmp = best_of(lambda: compare_figure(items, momentum=True), args.repeats)  # noqa: B023
        target = 100 if groups > 1 else 15
        for name, t in (("lr_figure", t_lr), ("compare_figure", t_cmp)):
            label = f"{name}, {groups} group(s)"
            print(f"{label:<34}{t * 1e3:>8.1f} ({t / bare:>4.1f}x)  target < {target} ms")


if __name__ == "__main__":
    main()
