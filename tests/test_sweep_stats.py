"""The sweep's statistics a user reads: accuracy intervals that stay in [0, 1], paired
comparisons by seed checked against scipy's ttest_rel, and the verdict sentence."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from lrlab.sweep.stats import (
    COMPARISON_KEYS,
    accuracy_interval,
    chance_note,
    compare,
    comparisons,
    safer_note,
    seeds_to_resolve,
    stayed_at_chance,
    summarize,
    verdict_sentence,
    verdicts,
)

acc = st.floats(0, 1, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(st.lists(acc, min_size=2, max_size=20))
def test_accuracy_interval_holds_the_mean_and_stays_in_0_1(values):
    low, high = accuracy_interval(values)
    mean = math.fsum(values) / len(values)
    assert 0 <= low <= mean <= high <= 1


@settings(max_examples=100, deadline=None)
@given(acc, st.integers(2, 10))
def test_all_equal_accuracies_give_a_point_interval(value, n):
    assert accuracy_interval([value] * n) == (pytest.approx(value), pytest.approx(value))


@given(acc, acc)
def test_two_seeds_stay_in_0_1(x, y):
    low, high = accuracy_interval([x, y])
    assert 0 <= low <= (x + y) / 2 <= high <= 1


def test_far_from_the_edges_it_is_close_to_the_t_interval():
    values = [0.48, 0.5, 0.52, 0.49, 0.51]
    t_low, t_high = stats.t.interval(0.95, 4, loc=np.mean(values), scale=stats.sem(values))
    low, high = accuracy_interval(values)
    assert low == pytest.approx(t_low, abs=2e-3) and high == pytest.approx(t_high, abs=2e-3)


def test_the_issue_s_two_seed_case_no_longer_leaves_0_1():
    # "95% CI -160.43% – 234.87%" was a t-interval over two very different seeds
    low, high = accuracy_interval([0.22, 0.53])
    assert 0 < low < 0.22 and 0.53 < high < 1


def _rows(label, accs, seeds=None):
    seeds = range(len(accs)) if seeds is None else seeds
    return [
        {"label": label, "seed": s, "status": "completed", "test_accuracy": a}
        for s, a in zip(seeds, accs, strict=True)
    ]


paired = st.integers(2, 12).flatmap(
    lambda n: st.tuples(*[st.lists(acc, min_size=n, max_size=n)] * 2)
)


@settings(max_examples=300, deadline=None)
@given(paired)
def test_paired_comparison_matches_scipy_ttest_rel(ab):
    a, b = ab
    diff = np.subtract(a, b)
    assume(np.std(diff) > 1e-9)  # scipy's interval needs some spread
    c = compare(_rows("a", a) + _rows("b", b), "a", "b")
    ref = stats.ttest_rel(a, b)
    ci = ref.confidence_interval(0.95)
    assert c["n_pairs"] == len(a)
    assert c["diff_mean"] == pytest.approx(np.mean(diff), abs=1e-12)
    assert c["ci95_low"] == pytest.approx(ci.low, abs=1e-9)
    assert c["ci95_high"] == pytest.approx(ci.high, abs=1e-9)
    expected = "a_better" if ci.low > 0 else "b_better" if ci.high < 0 else "not_distinguishable"
    assert c["verdict"] == expected
    if expected != "not_distinguishable":
        assert ref.pvalue < 0.05


def test_pairs_only_seeds_both_completed():
    rows = _rows("a", [0.9, 0.8, 0.95], [0, 1, 2]) + _rows("b", [0.7, 0.6], [1, 2])
    rows.append({"label": "b", "seed": 0, "status": "diverged", "test_accuracy": 0.1})
    c = compare(rows, "a", "b")
    assert c["n_pairs"] == 2 and c["diff_mean"] == pytest.approx((0.1 + 0.35) / 2)


def test_fewer_than_two_pairs_is_nulls_and_not_distinguishable():
    rows = _rows("a", [0.9], [0]) + _rows("b", [0.7, 0.6], [0, 1]) + _rows("c", [0.5], [5])
    out = comparisons(rows, ["a", "b", "c"])
    assert [(c["a"], c["b"]) for c in out] == [("a", "b"), ("a", "c"), ("b", "c")]
    for c in out:
        assert tuple(c) == COMPARISON_KEYS
        assert c["diff_mean"] is None and c["ci95_low"] is None and c["ci95_high"] is None
        assert c["verdict"] == "not_distinguishable"
    assert [c["n_pairs"] for c in out] == [1, 0, 0]


def test_the_sentence_names_the_winner_its_margin_and_the_seeds():
    rows = _rows("one-cycle", [0.95, 0.97, 0.96]) + _rows("constant", [0.83, 0.84, 0.85])
    c = compare(rows, "constant", "one-cycle")  # b wins: the sentence puts it first
    assert c["verdict"] == "b_better"
    half = stats.t.ppf(0.975, 2) * np.std([-0.12, -0.13, -0.11], ddof=1) / math.sqrt(3) * 100
    text = verdict_sentence(c, 3)
    assert text == (
        f"one-cycle beats constant by 12.0 points (95% interval {12 - half:.1f} to "
        f"{12 + half:.1f}; 3 of 3 seeds)."
    )


def test_the_sentence_says_how_many_seeds_would_resolve_a_difference():
    rows = _rows("a", [0.9, 0.8]) + _rows("b", [0.87, 0.79])  # diffs 3 and 1 points
    c = compare(rows, "a", "b")
    assert c["verdict"] == "not_distinguishable"
    text = verdict_sentence(c, 2)
    need = seeds_to_resolve(c["diff_std"], 0.02)
    assert text.startswith("a and b cannot be told apart with 2 seeds")
    assert f"about {need} seeds would resolve a difference of 2.0 points" in text
    assert need > 2


def test_seeds_to_resolve_is_the_power_rule():
    std, diff = 0.02, 0.01
    n = seeds_to_resolve(std, diff)
    power = (stats.t.ppf(0.975, n - 1) + stats.t.ppf(0.8, n - 1)) * std / math.sqrt(n)
    before = (stats.t.ppf(0.975, n - 2) + stats.t.ppf(0.8, n - 2)) * std / math.sqrt(n - 1)
    assert power <= diff < before
    assert 30 < n < 40  # ((1.96 + 0.84) * 2)^2 ≈ 31, a little more with t quantiles
    assert seeds_to_resolve(1.0, 1e-6) is None  # past the cap: "more than 1000"


def test_a_missing_pair_says_it_cannot_compare_yet():
    rows = _rows("a", [0.9]) + _rows("b", [0.8])
    (text,) = verdicts(rows, ["a", "b"], 3)
    assert text.startswith("a and b cannot be compared yet: they share 1 completed seed")


def test_a_contract_entry_gives_the_same_sentence_as_the_full_comparison():
    rows = _rows("a", [0.9, 0.8, 0.7]) + _rows("b", [0.87, 0.79, 0.72])
    full = compare(rows, "a", "b")
    (entry,) = comparisons(rows, ["a", "b"])
    assert "diff_std" not in entry
    assert verdict_sentence(entry, 3) == verdict_sentence(full, 3)


def test_the_sentence_never_reads_past_100_points():
    # a collapsed seed (7.8%) makes the paired t-interval reach past ±100 points; the JSON keeps
    # it (as ttest_rel), the sentence shows what a difference of accuracies can be
    rows = _rows("one-cycle", [0.961, 0.981, 0.983]) + _rows("cosine", [0.975, 0.964, 0.078])
    c = compare(rows, "one-cycle", "cosine")
    assert c["ci95_high"] > 1
    text = verdict_sentence(c, 3)
    assert "95% interval " in text
    assert "to 100.0, cut at ±100 points, the most two accuracies can differ)" in text
    assert "160" not in text
    inside = verdict_sentence(
        compare(_rows("a", [0.9, 0.8]) + _rows("b", [0.87, 0.79]), "a", "b"), 2
    )
    assert "cut at" not in inside  # said only where it cuts


def test_runs_at_chance_level_are_counted_and_said_beside_a_clear_verdict():
    assert stayed_at_chance(0.15, 10) and not stayed_at_chance(0.151, 10)
    assert not stayed_at_chance(None, 10) and not stayed_at_chance(0.1, None)
    rows = [
        {"label": label, "seed": seed, "status": "completed", "test_accuracy": a, "at_chance": c}
        for label, accs in {"one-cycle": [0.97, 0.96, 0.95], "constant": [0.1, 0.11, 0.95]}.items()
        for seed, a in enumerate(accs)
        for c in [stayed_at_chance(a, 10)]
    ]
    rows.append({"label": "constant", "seed": 3, "status": "diverged", "test_accuracy": 0.1})
    assert [s["at_chance"] for s in summarize(rows, ["one-cycle", "constant"])] == [0, 2]
    assert chance_note(rows, "one-cycle") == ""
    assert chance_note(rows, "constant") == (
        "2 of 3 seeds of constant stayed at chance level (seed 0: 10.0%, seed 1: 11.0%): it "
        "did not learn on those, and its mean counts them."
    )
    (line,) = verdicts(rows, ["one-cycle", "constant"], 3)
    assert line.startswith("one-cycle and constant cannot be told apart with 3 seeds")
    assert line.endswith(chance_note(rows, "constant"))


def test_a_pair_that_cannot_be_told_apart_names_the_safer_pick_by_its_worst_seed():
    # the sweep of the closing note: one-cycle steady, cosine with one weaker seed
    rows = _rows("one-cycle", [0.924, 0.918, 0.930]) + _rows("cosine", [0.960, 0.903, 0.951])
    rows.append({"label": "cosine", "seed": 7, "status": "completed", "test_accuracy": 0.1})
    c = compare(rows, "one-cycle", "cosine")  # seed 7 is not paired: it is not counted
    assert c["verdict"] == "not_distinguishable"
    note = safer_note(rows, c)
    assert note == (
        "Until more seeds decide, one-cycle is the safer pick: its worst seed reached 91.8% "
        "against 90.3% for cosine."
    )
    (line,) = verdicts(rows, ["cosine", "one-cycle"], 3)
    assert line.startswith("cosine and one-cycle cannot be told apart with 3 seeds")
    assert line.endswith(note)


@pytest.mark.parametrize(
    ("a", "b", "why"),
    [
        ([0.95, 0.97, 0.96], [0.83, 0.84, 0.85], "a clear verdict needs no hedge"),
        ([0.90, 0.95], [0.905, 0.93], "worst seeds within a point"),
        ([0.90], [0.80], "one paired seed cannot say"),
    ],
)
def test_no_safer_pick_where_it_would_say_nothing(a, b, why):
    rows = _rows("a", a) + _rows("b", b)
    assert safer_note(rows, compare(rows, "a", "b")) == "", why
