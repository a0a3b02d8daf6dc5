"""Explore's "what it does" panel in headless Chromium: drag the step slider, read what moved."""

import re

import pytest
from e2e import screenshot, wait_for_app

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1400, "height": 1000}
SURFACE = 1  # the panel's contour chart: the second Plotly chart of the page
LOSS = 2  # the panel's loss-above-lr chart beside it
CHARTS = "document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .js-plotly-plot')"
AT_STEP = "/ at step \\d+$/.test(t.name)"


def _marker(page):
    """(step, x, y) of the path's marker as the browser has drawn it."""
    return page.evaluate(
        f"""(i) => {{
            const el = {CHARTS}[i];
            const t = el._fullData.find(t => {AT_STEP} && !t.name.includes('constant'));
            return [Number(t.name.match(/(\\d+)$/)[1]), t.x[0], t.y[0]];
        }}""",
        SURFACE,
    )


def _caption(page):
    return page.get_by_text(re.compile(r"^step \d+: x=")).inner_text()


def _loss_chart(page):
    """(the step the loss chart's line marks, the schedule's loss curve) as drawn."""
    return page.evaluate(
        f"""(i) => {{
            const el = {CHARTS}[i];
            const loss = el._fullData.find(t => t.name.startsWith('loss (') &&
                                               t.name.endsWith('this schedule)'));
            return [el._fullLayout.shapes[0].x0, Array.from(loss.y)];
        }}""",
        LOSS,
    )


def _slider_value(slider):
    """The number the slider shows above its thumb."""
    return int(slider.get_by_test_id("stSliderThumbValue").inner_text())


def test_dragging_the_step_slider_moves_the_marker_and_the_caption(page, server):
    page.goto(server)  # the home page registers the navigation first
    wait_for_app(page)
    page.goto(f"{server}/explore?problem=quadratic&start=-4,1.5")
    wait_for_app(page)
    page.wait_for_function(
        f"() => {CHARTS}.length >= 3",
        timeout=90_000,
    )
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Step")
    slider.scroll_into_view_if_needed()
    last, x_last, _ = _marker(page)
    assert _caption(page).startswith(f"step {last}:") and _slider_value(slider) == last
    marked, losses = _loss_chart(page)
    assert marked == last and len(losses) == last + 1
    loss_last = losses[last]
    screenshot(page, "explore-path-last-step")
    # react-aria's slider: the track is the relative div, the thumb the absolute one on it
    thumb = slider.locator('[data-rac][style*="translate(-50%"]')
    track = slider.locator('[data-rac][style*="position: relative"]').bounding_box()
    thumb.hover()  # the mouse on the thumb's centre, then a real drag to the track's left end
    box = thumb.bounding_box()
    page.mouse.down()
    page.mouse.move(track["x"] + track["width"] * 0.05, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    wait_for_app(page)
    page.wait_for_function(
        f"""(last) => {{
            const el = {CHARTS}[{SURFACE}];
            return el._fullData.some(t => {AT_STEP} && !t.name.endsWith(' ' + last));
        }}""",
        arg=last,
        timeout=60_000,
    )
    step, x, y = _marker(page)
    assert 0 <= step < last and _slider_value(slider) == step
    caption = _caption(page)
    assert caption.startswith(f"step {step}: x={x:.4g}, y={y:.4g},")
    assert x != x_last  # the marker moved back along the path (from x=-4 towards 0)
    marked, losses = _loss_chart(page)
    assert marked == step  # the loss chart's line moved to the same step
    shown = float(re.search(r"loss=([^,]+),", caption).group(1))
    assert shown == float(f"{losses[step]:.4g}") and shown != float(f"{loss_last:.4g}")
    page.locator('[data-testid="stPlotlyChart"]').nth(SURFACE).scroll_into_view_if_needed()
    screenshot(page, "explore-path-dragged")
