"""The home page's guide: every page of the app, what it is for, and the first thing to do.

app.py registers the pages; a test checks that every registered page has an entry here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageGuide:
    page: str  # the script, as app.py registers it
    title: str
    icon: str
    what: str
    first_step: str  # what to do first there


GUIDE: tuple[PageGuide, ...] = (
    PageGuide(
        "pages/explore.py",
        "Explore",
        ":material/show_chart:",
        "One scheduler and optimizer with every setting, its formula, the PyTorch code, "
        "classic mistakes, and a link to share.",
        "pick a preset in the sidebar, then change any setting and watch the curve",
    ),
    PageGuide(
        "pages/compare.py",
        "Compare",
        ":material/compare_arrows:",
        "Up to eight schedules overlaid or side by side, with the numbers that tell them apart.",
        "add a preset from the sidebar next to the two shown, and open one to edit it",
    ),
    PageGuide(
        "pages/train.py",
        "Train",
        ":material/model_training:",
        "A short real training run (Digits works offline, on a CPU, in seconds) with your "
        "schedule: watch loss, accuracy and the lr live.",
        "press Start training: the starter schedule trains on Digits in seconds",
    ),
    PageGuide(
        "pages/runs.py",
        "Runs",
        ":material/table_chart:",
        "Every stored run: filter, overlay several to see which schedule trained best, "
        "export, or open a run's schedule in Explore.",
        "after a run or two, select them to overlay their curves",
    ),
    PageGuide(
        "pages/sweep.py",
        "Sweep",
        ":material/stacked_line_chart:",
        "Several schedules times several seeds, trained as one sweep: mean and spread of "
        "accuracy per schedule, so a difference is real and not one lucky seed.",
        "pick two schedules and two seeds, then start the sweep",
    ),
)
