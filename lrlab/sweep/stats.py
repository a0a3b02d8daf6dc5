"""Statistics of a sweep (pure): per-schedule final accuracy, paired comparisons by seed, the
sentence that says which schedule is better, and per-epoch bands.

The accuracy interval is a Student-t interval on the logit scale (delta method): the usual
interval of the mean, ``mean ± t·s/√n``, is mapped through ``logit(p) = log(p / (1-p))`` with
the standard error ``s / (√n · mean · (1-mean))``, then back. Over few seeds that keeps it
inside [0, 1] (an accuracy cannot be 120%) and asymmetric near 100%, while far from the edges
it is the ordinary t-interval. The mean is always inside it.

A completed run whose final accuracy stayed within 1.5x of chance (``1 / classes``: 15% on
Digits and CIFAR-10) did not learn: it counts in the statistics (a schedule that sometimes fails
is worse), but the summary counts such runs and the sentences say so, since a mean over runs
that learned and runs that did not reads as neither.

Comparisons pair runs by seed (same data order and initial weights): the difference of two
schedules' accuracies on each seed both completed, with the paired Student-t interval
(``scipy.stats.ttest_rel``'s); a schedule is better when that interval excludes 0.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from lrlab.train.status import FINAL

CHANCE_FACTOR = 1.5  # at most 1.5x the chance accuracy: the run did not learn


def stayed_at_chance(accuracy: float | None, classes: int | None) -> bool:
    """Whether a final test accuracy is at chance level for ``classes`` classes (see the
    module); False when either is unknown."""
    if accuracy is None or not classes:
        return False
    return accuracy <= CHANCE_FACTOR / classes


def t_quantile(q: float, df: int) -> float:
    from scipy.stats import t

    return float(t.ppf(q, df))


def summarize(runs: Iterable[Mapping[str, Any]], labels: Iterable[str] = ()) -> list[dict]:
    """Per label: final test accuracy over its completed runs (mean, sample std, 95% interval
    of the mean on the logit scale, see :func:`accuracy_interval`). Runs that did not complete
    count in ``runs`` and either ``failed`` (they ended otherwise: diverged, failed, cancelled,
    interrupted) or ``pending`` (queued or running: a live sweep's runs are not failures yet).

    ``at_chance`` counts the completed runs flagged so (a run's ``at_chance``, see
    :func:`stayed_at_chance`); they are in the mean. ``labels`` fixes the order (others follow
    in order of appearance). A statistic that needs more runs than there are is None (std and
    interval need two)."""
    order = list(dict.fromkeys(labels))
    by_label: dict[str, list[Mapping[str, Any]]] = {label: [] for label in order}
    for run in runs:
        by_label.setdefault(run["label"], []).append(run)
    out = []
    for label, group in by_label.items():
        acc = [
            float(r["test_accuracy"])
            for r in group
            if r.get("status") == "completed" and r.get("test_accuracy") is not None
        ]
        n = len(acc)
        ended = sum(r.get("status") in FINAL and r.get("status") != "completed" for r in group)
        chance = sum(bool(r.get("at_chance")) and r.get("status") == "completed" for r in group)
        mean = math.fsum(acc) / n if n else None  # the interval's own mean, to the last bit
        std = low = high = None
        if n >= 2:
            std = math.sqrt(sum((a - mean) ** 2 for a in acc) / (n - 1))
            low, high = accuracy_interval(acc)
        out.append(
            {
                "label": label,
                "n": n,
                "runs": len(group),
                "failed": ended,
                "pending": sum(r.get("status") not in FINAL for r in group),
                "at_chance": chance,
                "mean_test_accuracy": mean,
                "std_test_accuracy": std,
                "ci95_low": low,
                "ci95_high": high,
            }
        )
    return out


def accuracy_interval(acc: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    """The 95% interval of the mean of accuracies in [0, 1]: Student-t on the logit scale
    (delta method, see the module). Needs two values; never leaves [0, 1]; holds the mean."""
    n = len(acc)
    mean = math.fsum(acc) / n
    std = math.sqrt(math.fsum((a - mean) ** 2 for a in acc) / (n - 1))
    if std == 0 or mean <= 0 or mean >= 1:  # all equal (an edge mean means all equal)
        return mean, mean
    centre = math.log(mean / (1 - mean))
    half = t_quantile(0.5 + level / 2, n - 1) * std / math.sqrt(n) / (mean * (1 - mean))
    low, high = _expit(centre - half), _expit(centre + half)
    return min(low, mean), max(high, mean)  # a rounding of expit(logit(m)) stays outside m


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def paired_accuracies(
    runs: Iterable[Mapping[str, Any]], a: str, b: str
) -> list[tuple[int, float, float]]:
    """(seed, accuracy of a, accuracy of b) for each seed both labels completed, by seed."""
    done: dict[str, dict[int, float]] = {a: {}, b: {}}
    for r in runs:
        ok = r.get("status") == "completed" and r.get("test_accuracy") is not None
        if ok and r["label"] in done and r.get("seed") is not None:
            done[r["label"]][int(r["seed"])] = float(r["test_accuracy"])
    return [(s, done[a][s], done[b][s]) for s in sorted(done[a].keys() & done[b].keys())]


def compare(runs: Iterable[Mapping[str, Any]], a: str, b: str) -> dict[str, Any]:
    """One paired comparison: ``diff`` = accuracy of a minus accuracy of b per seed both
    completed; its mean and paired Student-t 95% interval (None with fewer than 2 pairs); the
    verdict ``a_better`` / ``b_better`` when the interval excludes 0, else
    ``not_distinguishable``. Also ``diff_std`` (the paired sample std), for the sentence."""
    pairs = paired_accuracies(runs, a, b)
    n = len(pairs)
    out: dict[str, Any] = {
        "a": a,
        "b": b,
        "n_pairs": n,
        "diff_mean": None,
        "ci95_low": None,
        "ci95_high": None,
        "verdict": "not_distinguishable",
    }
    if n < 2:
        return out
    diff = [x - y for _, x, y in pairs]
    mean = math.fsum(diff) / n
    std = math.sqrt(math.fsum((d - mean) ** 2 for d in diff) / (n - 1))
    half = t_quantile(0.975, n - 1) * std / math.sqrt(n)
    low, high = mean - half, mean + half
    verdict = "a_better" if low > 0 else "b_better" if high < 0 else "not_distinguishable"
    return {
        **out,
        "diff_mean": mean,
        "ci95_low": low,
        "ci95_high": high,
        "verdict": verdict,
        "diff_std": std,
    }


COMPARISON_KEYS = ("a", "b", "n_pairs", "diff_mean", "ci95_low", "ci95_high", "verdict")


def comparisons(runs: Iterable[Mapping[str, Any]], labels: Iterable[str] = ()) -> list[dict]:
    """One paired comparison per pair of labels (in label order: a before b), with exactly the
    keys of the CLI's contract (:data:`COMPARISON_KEYS`)."""
    runs = list(runs)
    order = list(dict.fromkeys([*labels, *(r["label"] for r in runs)]))
    return [
        {k: c[k] for k in COMPARISON_KEYS}
        for c in (compare(runs, a, b) for a, b in itertools.combinations(order, 2))
    ]


def seeds_to_resolve(std: float, diff: float, power: float = 0.8, cap: int = 1000) -> int | None:
    """About how many paired seeds would resolve a true difference ``diff`` with paired std
    ``std``: the smallest n with ``(t_{0.975, n-1} + t_{power, n-1}) · std / √n ≤ |diff|``
    (the usual power rule for a two-sided paired t-test at 5%, 80% power). None past ``cap``."""
    if std <= 0:
        return 2
    for n in range(2, cap + 1):
        if (t_quantile(0.975, n - 1) + t_quantile(power, n - 1)) * std / math.sqrt(n) <= abs(diff):
            return n
    return None


def _points(x: float) -> str:
    return f"{abs(x) * 100:.1f}"


def _interval(low: float, high: float) -> str:
    """ "95% interval X to Y" in points. A difference of accuracies lies in [-1, 1]: the
    sentence never reads past ±100 points (the JSON keeps the t-interval itself, as ttest_rel
    gives it) and says so where it cuts, so a bound of 100.0 is not read as measured."""
    shown_low, shown_high = max(low, -1.0), min(high, 1.0)
    text = f"95% interval {shown_low * 100:.1f} to {shown_high * 100:.1f}"
    if (shown_low, shown_high) != (low, high):
        text += ", cut at ±100 points, the most two accuracies can differ"
    return text


def verdict_sentence(comparison: Mapping[str, Any], seeds: int) -> str:
    """What a paired comparison says, in a sentence a user can act on. ``comparison`` is
    :func:`compare`'s or an entry of :func:`comparisons`; ``seeds``: the sweep's number of
    seeds (for "3 of 3 seeds")."""
    a, b, n = comparison["a"], comparison["b"], comparison["n_pairs"]
    if n < 2:
        return (
            f"{a} and {b} cannot be compared yet: they share {n} completed seed"
            f"{'' if n == 1 else 's'}, and a paired interval needs 2."
        )
    mean, low, high = comparison["diff_mean"], comparison["ci95_low"], comparison["ci95_high"]
    if comparison["verdict"] != "not_distinguishable":
        win, lose, sign = (a, b, 1) if comparison["verdict"] == "a_better" else (b, a, -1)
        lo, hi = sorted((sign * low, sign * high))
        return (
            f"{win} beats {lose} by {_points(mean)} points ({_interval(lo, hi)}; {n} of "
            f"{seeds} seeds)."
        )
    std = comparison.get("diff_std")
    if std is None:  # a contract entry (the CLI's JSON): the interval's half width gives it
        std = (high - low) / 2 * math.sqrt(n) / t_quantile(0.975, n - 1)
    if std <= 1e-12:
        return f"{a} and {b} reached the same accuracy on each of {n} seeds."
    target = max(abs(mean), 0.01)  # an observed difference under 1 point: ask about 1 point
    need = seeds_to_resolve(std, target)
    if need is not None and need <= n:  # tight enough already: the difference is small
        bound = max(abs(low), abs(high)) * 100
        return (
            f"{a} and {b} cannot be told apart with {n} seeds (difference {mean * 100:+.1f} "
            f"points, {_interval(low, high)}): any real difference is under {bound:.1f} points."
        )
    more = f"about {need}" if need is not None else "more than 1000"
    return (
        f"{a} and {b} cannot be told apart with {n} seeds (difference {mean * 100:+.1f} points, "
        f"{_interval(low, high)}); {more} seeds would resolve a difference of {_points(target)} "
        "points."
    )


def chance_note(runs: Iterable[Mapping[str, Any]], label: str) -> str:
    """What a label's completed runs that stayed at chance level mean for its numbers, or ""
    when none did: "1 of 3 seeds of constant stayed at chance level (seed 2: 10.3%): it did
    not learn there, and its mean counts that run." """
    done = [r for r in runs if r["label"] == label and r.get("status") == "completed"]
    flat = [r for r in done if r.get("at_chance")]
    if not flat:
        return ""
    which = ", ".join(
        f"seed {r['seed']}: {float(r['test_accuracy']) * 100:.1f}%"
        for r in sorted(flat, key=lambda r: r.get("seed") or 0)
    )
    there = "there" if len(flat) == 1 else "on those"
    return (
        f"{len(flat)} of {len(done)} seeds of {label} stayed at chance level ({which}): it did "
        f"not learn {there}, and its mean counts {'that run' if len(flat) == 1 else 'them'}."
    )


SAFER_MARGIN = 0.01  # worst seeds within a point of each other: neither is the safer pick


def safer_note(runs: Iterable[Mapping[str, Any]], comparison: Mapping[str, Any]) -> str:
    """When a pair cannot be told apart, the decision a user can still act on: the schedule
    whose worst seed (over the seeds both completed) did better is the safer pick, e.g.
    "Until more seeds decide, one-cycle is the safer pick: its worst seed reached 91.8%
    against 90.3% for cosine." "" when the verdict is clear, fewer than 2 seeds are paired or
    the worst seeds are within a point of each other."""
    if comparison["verdict"] != "not_distinguishable" or comparison["n_pairs"] < 2:
        return ""
    a, b = comparison["a"], comparison["b"]
    pairs = paired_accuracies(runs, a, b)
    worst_a, worst_b = min(x for _, x, _ in pairs), min(y for _, _, y in pairs)
    if abs(worst_a - worst_b) < SAFER_MARGIN:
        return ""
    (safe, hi), (other, lo) = sorted(((a, worst_a), (b, worst_b)), key=lambda p: -p[1])
    return (
        f"Until more seeds decide, {safe} is the safer pick: its worst seed reached "
        f"{hi * 100:.1f}% against {lo * 100:.1f}% for {other}."
    )


def verdicts(runs: Iterable[Mapping[str, Any]], labels: Sequence[str], seeds: int) -> list[str]:
    """:func:`verdict_sentence` for every pair of labels, in label order, each followed by
    :func:`safer_note` when the pair cannot be told apart and :func:`chance_note` for either
    label whose runs stayed at chance level."""
    runs = list(runs)
    out = []
    for a, b in itertools.combinations(labels, 2):
        c = compare(runs, a, b)
        notes = [n for n in (safer_note(runs, c), chance_note(runs, a), chance_note(runs, b)) if n]
        out.append(" ".join([verdict_sentence(c, seeds), *notes]))
    return out


def epoch_bands(epochs: pd.DataFrame, metrics: Iterable[str] = ("test_acc", "test_loss")):
    """Mean and sample std per (label, epoch) of per-epoch metrics of several runs.

    ``epochs`` has columns label, epoch and the metrics (one row per run and epoch)."""
    metrics = list(metrics)
    columns = ["label", "epoch", "n"] + [f"{m}_{s}" for m in metrics for s in ("mean", "std")]
    if epochs.empty:
        return pd.DataFrame(columns=columns)
    grouped = epochs.groupby(["label", "epoch"], sort=False)[metrics]
    stats = grouped.agg(["mean", "std"])
    stats.columns = [f"{m}_{s}" for m, s in stats.columns]
    stats["n"] = grouped.size()
    return stats.reset_index()[columns]
