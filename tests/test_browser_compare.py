"""Compare's summary at 1280 px in headless Chromium: every number readable in full."""

import pytest
from e2e import screenshot, wait_for_app
from test_browser import open_page

from lrlab import simulate
from lrlab.core.view import with_view_steps
from lrlab.io.share import encode
from lrlab.present.compare import summary_table, summary_text
from lrlab.present.presets import preset

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1280, "height": 900}
TIMM = "timm ImageNet cosine (timm:CosineLRScheduler)"
TORCH = "timm's ImageNet cosine as torch users write it (SequentialLR)"
NAMES = [
    TORCH,
    TIMM,
    "ResNet step decay (StepLR 30/60/90)",
    "Hugging Face Trainer default (transformers:linear)",
]

# Every cell: its text, and whether the text fits its cell (nothing cut at a cell's edge), and
# whether the whole table fits its box or that box scrolls (a visible scroll, never a cut).
CELLS = """() => {
  const box = document.querySelector('[data-testid="stTable"]');
  const table = box.querySelector('table');
  let scroller = table.parentElement, scrolls = false;
  while (scroller && scroller !== box.parentElement) {
    const o = getComputedStyle(scroller).overflowX;
    if (o === 'auto' || o === 'scroll') { scrolls = true; break; }
    scroller = scroller.parentElement;
  }
  const rows = [...table.querySelectorAll('tr')].map(tr => [...tr.children].map(c => ({
    text: c.innerText.trim(),
    fits: c.scrollWidth <= c.clientWidth + 1,
  })));
  return {rows, tableWidth: table.scrollWidth, boxWidth: box.clientWidth, scrolls,
          viewport: window.innerWidth, right: box.getBoundingClientRect().right};
}"""


def expected() -> list[list[str]]:
    items = []
    for name in NAMES:
        config = with_view_steps(preset(name))
        items.append({"name": name, "df": simulate(config), "view": config["view"]})
    table = summary_text(summary_table(items))
    return [list(table.columns), *table.astype(str).values.tolist()]


def test_the_summary_shows_every_number_whole_at_1280px(page, server):
    state = {
        "items": [{"name": n, "config": preset(n)} for n in NAMES],
        "view": {"epochs": 3, "steps_per_epoch": 500},
    }
    page.goto(server)  # the home page registers the navigation first
    wait_for_app(page)
    open_page(page, f"{server}/compare?s={encode(state)}")
    page.wait_for_selector('[data-testid="stTable"] table', timeout=60_000)
    screenshot(page, "compare-lengths-1280")  # the chart: each schedule over its own length
    page.get_by_text("Summary", exact=True).scroll_into_view_if_needed()
    shot = screenshot(page, "compare-summary-1280")
    seen = page.evaluate(CELLS)
    texts = [[c["text"] for c in row] for row in seen["rows"]]
    assert texts == expected(), shot  # the whole text of every cell, 3,000 never 300
    cut = [c["text"] for row in seen["rows"] for c in row if not c["fits"]]
    assert cut == [], f"cells wider than their column: {cut}"
    # The table fits its box, or the box scrolls sideways; and the box is inside the window.
    assert seen["tableWidth"] <= seen["boxWidth"] + 1 or seen["scrolls"], seen
    assert seen["right"] <= seen["viewport"], seen
    # The timm schedule and its look-alike: compared over their whole 300 epochs.
    assert texts[2][-1] == "500 (of iters 0–29,999)"
