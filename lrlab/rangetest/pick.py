"""Which suggestion the user reads and stores (pure): a range test's result seen through the
method picked now, with the lr rounded to the 3 significant digits the page shows, so the
value shown is the value stored ("use as max_lr") and the value Explore opens."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SIGNIFICANT = 3


def rounded_lr(lr: float) -> float:
    """``lr`` to 3 significant digits: 0.017886495 -> 0.0179."""
    return float(f"{lr:.{SIGNIFICANT}g}")


def with_method(result: Mapping[str, Any], method: str) -> dict[str, Any]:
    """``result`` (a range test's summary) as if ``method`` had been asked for: its
    ``method``, ``suggested_lr`` (the median over the seeds, rounded) and
    ``suggested_lr_spread``. A method the result has no suggestion for gives None."""
    spread = (result.get("suggestion_spread") or {}).get(method)
    if spread is None and not result.get("suggestion_spread"):  # one repeat, older results
        lr = (result.get("suggestions") or {}).get(method)
        spread = {"median": lr, "min": lr, "max": lr, "n": 1} if lr is not None else None
    lr = rounded_lr(spread["median"]) if spread else None
    return {**result, "method": method, "suggested_lr": lr, "suggested_lr_spread": spread}
