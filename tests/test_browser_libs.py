"""transformers and timm schedules in the real app, in headless Chromium."""

import pytest
from e2e import (
    CEILING_MS,
    chart_traces,
    screenshot,
    set_number,
    wait_for_app,
)
from test_browser import open_page

from lrlab import simulate
from lrlab.core.view import with_view_steps
from lrlab.present.presets import preset
from ui.labels import fit

pytestmark = pytest.mark.browser
TIMM = "timm ImageNet cosine (timm:CosineLRScheduler)"
TORCH = "timm's ImageNet cosine as torch users write it (SequentialLR)"


def choose(page, label, option):
    """Pick a selectbox option by typing it: long lists only render the visible options."""
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_app(page)


def explore(page, server):
    page.goto(server)  # the home page registers the navigation first
    wait_for_app(page)
    open_page(page, f"{server}/explore")


def test_explore_a_transformers_schedule(page, server):
    explore(page, server)
    choose(page, "scheduler", "transformers:warmup_stable_decay")
    set_number(page, "num_warmup_steps", 1000)
    set_number(page, "num_decay_steps", 3000)
    page.wait_for_function(
        "() => document.querySelector('.js-plotly-plot')._fullData[0].y[0] === 0",
        timeout=CEILING_MS,
    )
    y = chart_traces(page)[0]["y"]
    assert y[0] == 0 and max(y) == pytest.approx(0.1)  # transformers' warmup starts at 0
    assert y[-1] < 0.01  # and the cosine decay ends near 0
    assert page.get_by_text("transformers:warmup_stable_decay documentation").count() == 1
    assert "Traceback" not in page.content()
    screenshot(page, "explore-transformers-wsd")


def test_explore_a_timm_schedule(page, server):
    explore(page, server)
    choose(page, "preset", fit(TIMM))  # the sidebar box shows its first words
    page.wait_for_function(
        "() => document.querySelector('.js-plotly-plot')._fullData[0].y.length === 300",
        timeout=CEILING_MS,
    )
    y = chart_traces(page)[0]["y"]
    assert y == pytest.approx(simulate(with_view_steps(preset(TIMM)))["lr"].tolist())
    assert y[5] < 0.1  # warmup_prefix off: the cosine has already run for 5 epochs
    screenshot(page, "explore-timm-cosine")


def test_compare_overlays_timm_and_transformers_on_torch(page, server):
    page.goto(server)
    wait_for_app(page)
    open_page(page, f"{server}/compare")
    for added, name in enumerate(
        (TIMM, TORCH, "Hugging Face Trainer default (transformers:linear)")
    ):
        choose(page, "from", fit(name))
        page.get_by_role("button", name="Add", exact=True).click()
        wait_for_app(page)
        # Each Add is drawn before the next choice: on a loaded machine a choice made during
        # the previous rerun could otherwise be lost.
        page.wait_for_function(
            f"() => document.querySelector('.js-plotly-plot').data.length === {3 + added}",
            timeout=CEILING_MS,
        )
    names = [t["name"] for t in chart_traces(page)]
    assert names[2:] == [TIMM, TORCH, "Hugging Face Trainer default (transformers:linear)"]
    assert "Traceback" not in page.content()
    screenshot(page, "compare-timm-torch-transformers")
    page.get_by_text("Summary", exact=True).scroll_into_view_if_needed()
    screenshot(page, "compare-summary")
