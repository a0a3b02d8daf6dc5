"""The range test's figure and the suggestion the page shows: the valley fills the chart,
divergence is marked rather than drawn to scale, the legend clears the axis title, and the
suggestion follows the method picked now, rounded as shown."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrlab.rangetest.curve import ramp, smooth, spread, suggestions
from lrlab.rangetest.figure import how_to_read, range_test_figure
from lrlab.rangetest.pick import rounded_lr, with_method


def result(losses, method="minimum"):
    lrs = ramp(1e-5, 10.0, len(losses))
    sm = smooth([math.inf if v is None else v for v in losses])
    s = suggestions(lrs, sm, len(losses))
    per = {m: spread([v]) for m, v in s.items()}
    return {
        "method": method,
        "suggested_lr": per[method]["median"],
        "suggested_lr_spread": per[method],
        "suggestion_spread": per,
        "suggestions": s,
        "diverged_at": lrs[-1],
        "repeats": [
            {
                "seed": 0,
                "lrs": lrs,
                "losses": losses,
                "smoothed_losses": [v if math.isfinite(v) else None for v in sm],
            }
        ],
    }


VALLEY = [2.3] * 20 + [2.3 - 0.09 * i for i in range(20)] + [0.6] * 10 + [5, 40, 800, None]


def test_the_y_range_shows_the_valley_and_marks_the_divergence():
    fig = range_test_figure(result(VALLEY))
    lo, hi = fig.layout.yaxis.range
    assert hi < 2.3 * 1.2  # a little above the starting loss, not up to 800
    assert lo < 0.6
    off = next(t for t in fig.data if t.name.startswith("loss above"))
    assert "up to inf/nan" in off.name  # the overflowed step counts
    assert set(off.y) == {hi} and len(off.x) >= 3  # on the top edge, one per step off it
    assert "800" in " ".join(off.customdata)


def test_the_legend_sits_below_the_axis_title():
    fig = range_test_figure(result(VALLEY))
    assert fig.layout.legend.yanchor == "top" and fig.layout.legend.y <= -0.3
    assert fig.layout.margin.b >= 100


def test_a_curve_that_stays_in_range_has_no_marks():
    calm = [2.3 - 0.01 * i for i in range(60)]
    fig = range_test_figure(result(calm))
    assert not [t for t in fig.data if (t.name or "").startswith("loss above")]


@given(st.floats(1e-9, 1e3, allow_nan=False))
def test_rounded_lr_is_what_three_significant_digits_show(lr):
    assert f"{rounded_lr(lr):.3g}" == f"{lr:.3g}"
    assert rounded_lr(rounded_lr(lr)) == rounded_lr(lr)
    assert rounded_lr(lr) == pytest.approx(lr, rel=5e-3)


def test_with_method_follows_the_method_picked_now():
    res = result(VALLEY, method="valley")
    for method in ("minimum7", "valley", "steepest", "minimum"):
        seen = with_method(res, method)
        median = res["suggestion_spread"][method]["median"]
        assert seen["method"] == method
        assert seen["suggested_lr"] == float(f"{median:.3g}")
        assert seen["suggested_lr_spread"] == res["suggestion_spread"][method]
    assert (
        with_method(res, "steepest")["suggested_lr"] != with_method(res, "minimum")["suggested_lr"]
    )


@pytest.mark.parametrize("method, factor", [("minimum7", 7), ("minimum", 10)])
def test_a_minimum_method_shows_where_its_suggestion_comes_from(method, factor):
    """minimum/7 sits where the chart is flat: the chart marks the minimum it divides and the
    caption says so, rather than telling the user to read the valley."""
    res = result(VALLEY, method)
    fig = range_test_figure(res)
    (mark,) = [t for t in fig.data if t.name.startswith("lowest smoothed loss")]
    lr = res["suggested_lr"]
    assert mark.x[0] == pytest.approx(lr * factor) and mark.x[1] == pytest.approx(lr)
    sm = res["repeats"][0]["smoothed_losses"]
    assert mark.y[0] == pytest.approx(min(v for v in sm[5:-5] if v is not None), rel=0.05)
    assert f"÷{factor}" in mark.name
    text = how_to_read(method)
    assert f"divided by {factor}" in text and "flat" in text
    assert "before the bottom of the valley" not in text


@pytest.mark.parametrize("method", ["valley", "steepest"])
def test_a_shape_method_has_no_minimum_mark_and_its_own_caption(method):
    fig = range_test_figure(result(VALLEY, method))
    assert not [t for t in fig.data if t.name.startswith("lowest smoothed loss")]
    assert "divided by" not in how_to_read(method)
    assert ("longest stretch" if method == "valley" else "falls fastest") in how_to_read(method)
