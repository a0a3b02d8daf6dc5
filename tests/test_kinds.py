"""The table of parameter kinds: every kind the catalog uses has one row, and each row's
directions (check, to torch, to code, to and from the form's text) agree with one another."""

from __future__ import annotations

import ast
import math
import typing

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrlab.catalog import OPTIMIZERS, SCHEDULERS
from lrlab.catalog.spec import Kind
from lrlab.core.errors import ConfigError
from lrlab.core.kinds import KINDS, Context, numbers_text
from lrlab.core.view import VIEW_PARAMS
from lrlab.train.config import TRAIN_PARAMS
from ui.editors import EDITORS
from ui.form import SECTIONS

ALL_PARAMS = [
    *(p for s in SCHEDULERS.values() for p in s.params),
    *(p for s in OPTIMIZERS.values() for p in s.params),
    *VIEW_PARAMS,
    *TRAIN_PARAMS,
]
CTX = Context("x", 2, "SGD", "momentum", 10)
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


def test_every_declared_kind_has_exactly_one_row():
    assert set(KINDS) == set(typing.get_args(Kind))


def test_every_catalog_parameter_has_a_row_and_an_editor():
    for p in ALL_PARAMS:
        widget = KINDS[p.kind].widget
        assert (widget in EDITORS) != (widget in SECTIONS), (p.name, p.kind, widget)


def test_text_editors_have_a_parser_and_others_do_not():
    for name, kind in KINDS.items():
        assert (kind.widget == "numbers") == (kind.from_text is not None), name


@given(st.lists(st.integers(-(10**6), 10**6), max_size=8))
def test_milestones_text_round_trips(values):
    kind = KINDS["milestones"]
    assert kind.from_text(numbers_text(values), "m") == values
    assert kind.check(values, _param("milestones"), "m", CTX, {}) == values


@given(st.one_of(finite, st.lists(finite, min_size=2, max_size=2)))
def test_one_or_per_group_text_round_trips(value):
    kind = KINDS["float_or_list"]
    parsed = kind.from_text(numbers_text(value), "f")
    # %g keeps 6 significant digits: what the form shows is the value to that precision
    want = value if isinstance(value, list) else [value]
    got = parsed if isinstance(parsed, list) else [parsed]
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        assert math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-300)


def test_step_or_range_text():
    kind = KINDS["int_or_range"]
    assert kind.from_text("", "r") is None
    assert kind.from_text("7", "r") == 7
    assert kind.from_text("3, 9", "r") == [3, 9]
    with pytest.raises(ConfigError, match="whole numbers"):
        kind.from_text("1.5", "r")


@given(st.lists(st.floats(0, 1, exclude_max=True), min_size=2, max_size=2))
def test_pair_code_evaluates_to_what_torch_is_given(pair):
    kind = KINDS["float_pair"]
    checked = kind.check(pair, _param("float_pair"), "betas", CTX, {})
    assert ast.literal_eval(kind.to_code(checked, None)) == kind.to_torch(checked, "b", None)
    assert isinstance(kind.to_torch(checked, "b", None), tuple)


@given(
    st.sampled_from(["0.95 ** epoch", "1 / (epoch + 1)", "min(1, epoch / 5)"]), st.integers(0, 50)
)
def test_lambda_code_computes_what_torch_is_given(text, epoch):
    kind = KINDS["lambda"]
    code = kind.to_code(text, None)
    written = eval(code, {"math": math, "min": min, "max": max})  # our own generated code
    assert written(epoch) == pytest.approx(kind.to_torch(text, "l", None)(epoch), rel=1e-12)


def test_a_float_is_one_number_not_a_list():
    with pytest.raises(ConfigError, match="must be a number"):
        KINDS["float"].check([0.1, 0.2], _param("float"), "x.lr", CTX, {})


def test_per_group_lists_must_have_one_entry_per_group():
    with pytest.raises(ConfigError, match="3 entries but there are 2"):
        KINDS["float_or_list"].check([1.0, 2.0, 3.0], _param("float_or_list"), "x", CTX, {})


def _param(kind):
    return next(p for p in ALL_PARAMS if p.kind == kind)


# -- periods fitted to the run when a scheduler is picked --------------------------------------
FITTED = sorted(n for n, s in SCHEDULERS.items() if s.fitted(100))


def test_the_periods_of_the_usual_schedulers_are_fitted():
    assert {"StepLR", "MultiStepLR", "CosineAnnealingLR", "timm:CosineLRScheduler"} <= set(FITTED)


@settings(max_examples=60, deadline=None)  # the first draw imports timm or transformers
@given(st.sampled_from(FITTED), st.integers(1, 3000))
def test_a_fitted_pick_runs_and_moves_within_the_run(name, run_steps):
    """What the form sets on a pick is valid for any run length, and the lr changes within
    the run (no flat start that hides the shape) once the run has a few steps."""
    from lrlab import simulate
    from lrlab.catalog import scheduler_example

    sched = {**scheduler_example(name), **SCHEDULERS[name].fitted(run_steps)}
    for p in SCHEDULERS[name].params:
        if p.example is not None and not p.required:
            sched[p.name] = p.example  # the form proposes examples too
    config = {"optimizer": {"name": "SGD", "lr": 0.1}, "scheduler": sched, "steps": run_steps}
    lr = simulate(config)["lr"]
    if run_steps >= 10:
        assert lr.nunique() > 1, sched
