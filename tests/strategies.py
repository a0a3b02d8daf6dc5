"""Hypothesis strategies that draw schedule configs across the whole catalog.

Values are drawn from each parameter's kind, around and beyond lrlab's bounds, so that the
differential test finds both curves lrlab wrongly refuses and configs it wrongly accepts. A new
catalog entry is covered without touching this file.
"""

from __future__ import annotations

from hypothesis import strategies as st
from oracle import LAMBDAS

from lrlab.catalog import OPTIMIZERS, SCHEDULERS
from lrlab.core.config import MAX_NESTING

MAX_TEST_STEPS = 40
TORCH_SCHEDULERS = sorted(
    n for n, s in SCHEDULERS.items() if getattr(s, "library", "torch") == "torch"
)
TORCH_OPTIMIZERS = sorted(OPTIMIZERS)


def _lo(p, wide):
    bound = p.gt if p.gt is not None else p.ge
    return (bound - wide) if bound is not None else -wide


def _hi(p, wide):
    bound = p.lt if p.lt is not None else p.le
    return (bound + wide) if bound is not None else wide


def floats(p):
    edges = [v for v in (p.gt, p.ge, p.lt, p.le) if v is not None]
    default = (
        [p.default]
        if isinstance(p.default, int | float) and not isinstance(p.default, bool)
        else []
    )
    lo = p.gt if p.gt is not None else p.ge
    hi = p.lt if p.lt is not None else p.le
    lo = lo if lo is not None else (hi - 2.0 if hi is not None else 0.0)
    hi = hi if hi is not None else lo + 2.0
    inside = st.floats(lo, hi, allow_nan=False)
    return st.one_of(
        st.sampled_from(sorted({*edges, *default, 0.0, 0.5, 1.0, 1.5})),
        inside,
        inside,
        st.floats(_lo(p, 1.0), _hi(p, 2.0), allow_nan=False, allow_infinity=False),
    )


def ints(p, steps):
    lo = int(_lo(p, 1)) if (p.gt is not None or p.ge is not None) else -1
    hi = min(int(_hi(p, 2)), steps + 3) if (p.lt is not None or p.le is not None) else steps + 3
    return st.integers(lo, max(lo, hi))


def value(draw, p, steps, groups, depth):
    """One value for parameter ``p`` (``None`` when it is nullable, sometimes)."""
    if p.nullable and draw(st.booleans()):
        return None
    if p.kind == "float":
        return draw(floats(p))
    if p.kind == "int":
        return draw(ints(p, steps))
    if p.kind == "bool":
        return draw(st.booleans())
    if p.kind == "choice":
        return draw(st.sampled_from(p.choices))
    if p.kind == "milestones":
        return sorted(draw(st.sets(st.integers(0, steps + 2), max_size=3)))
    if p.kind == "float_pair":
        return [draw(floats(p)), draw(floats(p))]
    if p.kind == "float_or_list":
        if draw(st.booleans()):
            return [draw(floats(p)) for _ in range(groups)]
        return draw(floats(p))
    if p.kind == "lambda":
        texts = st.sampled_from(sorted(LAMBDAS))
        if draw(st.booleans()):
            return [draw(texts) for _ in range(groups)]
        return draw(texts)
    if p.kind == "schedulers":
        n = draw(st.integers(1, 3))
        return [draw(scheduler(steps, groups, depth + 1)) for _ in range(n)]
    if p.kind == "metrics":
        if draw(st.booleans()):
            return draw(
                st.lists(st.sampled_from([1.0, 0.9, 0.5, 0.5, 0.6]), min_size=steps, max_size=steps)
            )
        return {
            "start": 2.0,
            "floor": 0.3,
            "decay": 5.0,
            "noise": draw(st.sampled_from([0.0, 0.05])),
            "seed": draw(st.integers(0, 3)),
        }
    raise AssertionError(f"no strategy for kind {p.kind}")


@st.composite
def scheduler(draw, steps, groups, depth=0):
    names = TORCH_SCHEDULERS
    if depth >= MAX_NESTING:  # the documented nesting limit: draw leaves only
        names = [n for n in names if not SCHEDULERS[n].composite]
    spec = SCHEDULERS[draw(st.sampled_from(names))]
    out = {"name": spec.name}
    for p in spec.params:
        if p.required or draw(st.booleans()):
            out[p.name] = value(draw, p, steps, groups, depth)
    lengths = (out.get("total_steps"), out.get("epochs"), out.get("steps_per_epoch"))
    if spec.name == "OneCycleLR" and depth and lengths[0] is None and None in lengths[1:]:
        # lrlab fills a nested OneCycleLR's length from its segment; the oracle cannot know it.
        out["total_steps"] = draw(st.integers(1, steps + 3))
    if spec.name == "SequentialLR" and draw(st.integers(0, 9)):  # mostly torch's own count
        out["milestones"] = sorted(
            draw(
                st.sets(
                    st.integers(0, steps + 2),
                    min_size=len(out["schedulers"]) - 1,
                    max_size=len(out["schedulers"]) - 1,
                )
            )
        )
    return out


@st.composite
def configs(draw, max_steps=MAX_TEST_STEPS, resumed=None):
    """A config; about one in three starts mid-schedule (``start_step``), ``resumed=True``
    every one. The schedule is drawn for the whole run, start_step + steps."""
    steps = draw(st.integers(1, max_steps))
    start = 0
    if resumed or (resumed is None and draw(st.integers(0, 2)) == 0):
        start = draw(st.integers(1, max_steps))
    spec = OPTIMIZERS[draw(st.sampled_from(TORCH_OPTIMIZERS))]
    n_groups = draw(st.integers(1, 3))
    by_name = {p.name: p for p in spec.params}

    def kwargs(force):
        out = {}
        for p in spec.params:
            if p.name in force or draw(st.integers(0, 3)) == 0:
                out[p.name] = value(draw, p, steps, n_groups, 0)
        return out

    # Groups differ in lr and in momentum (beta1) whenever the optimizer has one.
    force = {"lr"} | ({spec.momentum_key} if spec.momentum_key in by_name else set())
    optimizer = {"name": spec.name, **kwargs(set())}
    groups = [kwargs(force) for _ in range(n_groups)]
    cfg = {
        "optimizer": optimizer,
        "param_groups": groups,
        "scheduler": draw(scheduler(start + steps, n_groups)),
        "steps": steps,
    }
    if start:
        cfg["start_step"] = start
    return cfg
