"""One line of strict JSON for the CLIs' stdout.

Python's ``json.dumps`` writes ``NaN`` and ``Infinity``, which no other JSON parser reads. A
value JSON cannot hold (a loss that overflowed, a statistic of no runs) is written as null,
and ``allow_nan=False`` guards that nothing else slips through.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any


def finite(obj: Any) -> Any:
    """``obj`` with every non-finite float (numpy's too) replaced by None; tuples become lists."""
    if isinstance(obj, float):  # numpy.float64 is a float
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalars (float32, int64, bool_)
        return finite(obj.item())
    return obj


def json_line(obj: Any) -> str:
    """Strict JSON on one line; floats as ``repr`` (exact round trip), NaN/inf as null."""
    return json.dumps(finite(obj), allow_nan=False)
