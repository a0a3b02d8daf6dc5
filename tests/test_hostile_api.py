"""Hostile configs at the API (issue 21): the cost budget, exact bounds in messages, and torch's
failures while stepping blamed on the setting behind them."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrlab import ConfigError, parse, simulate
from lrlab.catalog.spec import number_text
from lrlab.core.config import MAX_COST, MAX_GROUPS, MAX_STEPS, schedule_cost
from lrlab.train.config import parse_run

SGD = {"name": "SGD", "lr": 0.1}
LAMBDA = "min(epoch, min(epoch + 1, min(epoch + 2, min(epoch + 3, 1.0))))"
LEAF = {"name": "MultiplicativeLR", "lr_lambda": LAMBDA}


def chain(children):
    return {"name": "ChainedScheduler", "schedulers": children}


WORST = {"optimizer": SGD, "param_groups": [{}] * 16, "scheduler": chain([chain([LEAF] * 8)] * 8)}


def test_the_issues_cpu_exhaustion_case_is_refused_before_anything_runs():
    with pytest.raises(ConfigError, match=r"^steps: too costly.*budget of 3,800,000.*at most \d+"):
        parse({**WORST, "steps": 200_000})


def test_the_budget_admits_one_plain_scheduler_at_every_bound():
    config = {"optimizer": SGD, "param_groups": [{}] * MAX_GROUPS, "steps": MAX_STEPS}
    assert parse({**config, "scheduler": {"name": "StepLR", "step_size": 3}}).steps == MAX_STEPS


def test_the_refusal_says_how_many_steps_fit_and_that_many_are_accepted():
    with pytest.raises(ConfigError) as err:
        parse({**WORST, "steps": 200_000})
    fits = int(str(err.value).split("at most ")[1].split()[0])
    assert parse({**WORST, "steps": fits}).steps == fits
    with pytest.raises(ConfigError, match="too costly"):
        parse({**WORST, "steps": fits + 1})


def test_start_step_counts_towards_the_budget():
    config = {**WORST, "steps": 10}
    with pytest.raises(ConfigError, match="too costly"):
        parse({**config, "start_step": 100_000})


@given(
    groups=st.integers(1, 16),
    children=st.integers(1, 8),
    depth=st.integers(0, 2),
    steps=st.integers(1, MAX_STEPS),
)
@settings(max_examples=60, deadline=None)
def test_a_config_is_accepted_exactly_when_its_cost_fits(groups, children, depth, steps):
    sched = LEAF
    for _ in range(depth):
        sched = chain([sched] * children)
    config = {"optimizer": SGD, "param_groups": [{}] * groups, "scheduler": sched, "steps": steps}
    fits = schedule_cost(sched, groups, steps) <= MAX_COST
    try:
        parse(config)
    except ConfigError as err:
        assert not fits and "too costly" in str(err)
    else:
        assert fits


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2147483647, "2147483647"),
        (2**31, "2147483648"),
        (1e-8, "1e-08"),
        (0.999999, "0.999999"),
        (1.0, "1"),
        (200_000, "200000"),
    ],
)
def test_numbers_in_messages_are_exact(value, text):
    assert number_text(value) == text


def test_train_seed_bounds_are_exact():
    run = {
        "optimizer": SGD,
        "scheduler": {"name": "StepLR", "step_size": 3},
        "train": {"dataset": "digits", "seed": 2**31},
    }
    with pytest.raises(ConfigError) as err:
        parse_run(run)
    assert "2147483647" in str(err.value) and "e+" not in str(err.value)


def test_every_integer_bound_message_is_exact():
    from lrlab.catalog import OPTIMIZERS, SCHEDULERS
    from lrlab.train.config import TRAIN_PARAMS

    params = [p for s in (*SCHEDULERS.values(), *OPTIMIZERS.values()) for p in s.params]
    for p in [*params, *TRAIN_PARAMS]:
        if p.kind == "int":
            assert "e+" not in p.bounds_text() and "e-" not in p.bounds_text(), p


@pytest.mark.parametrize(
    ("scheduler", "field"),
    [
        ({"name": "StepLR", "step_size": 0}, "scheduler.step_size"),
        ({"name": "CosineAnnealingLR", "T_max": 0}, "scheduler.T_max"),
        ({"name": "CosineAnnealingLR", "T_max": 0, "eta_min": 0.0}, "scheduler.T_max"),
        (
            {
                "name": "SequentialLR",
                "milestones": [2],
                "schedulers": [{"name": "ConstantLR"}, {"name": "StepLR", "step_size": 0}],
            },
            "scheduler.schedulers[1].step_size",
        ),
    ],
)
def test_a_torch_failure_while_stepping_names_the_setting(scheduler, field):
    with pytest.raises(ConfigError) as err:
        simulate({"optimizer": SGD, "scheduler": scheduler, "steps": 5})
    assert err.value.field == field
    assert "torch fails at step" in str(err.value) and "by zero" in str(err.value)


def _numeric_settings():
    from lrlab.catalog import SCHEDULERS
    from lrlab.core.kinds import KINDS

    for name, spec in SCHEDULERS.items():
        if any(KINDS[p.kind].nested for p in spec.params):
            continue
        base = {"name": name}
        base |= {p.name: p.initial() for p in spec.params if p.required}
        for p in spec.params:
            if p.kind in ("int", "float", "int_or_range", "float_or_list", "milestones"):
                yield base, p


@pytest.mark.parametrize("value", [10**400, -(10**400), 2**63 - 1, 1e300, -1e300])
def test_any_huge_number_in_any_setting_is_refused_or_works(value):
    """No number a JSON file can hold escapes as an exception (issue 21: OverflowError)."""
    for base, p in _numeric_settings():
        given = [value] if p.kind == "milestones" else value
        config = {"optimizer": SGD, "scheduler": {**base, p.name: given}, "steps": 5}
        try:
            simulate(config)
        except ConfigError as err:
            assert "\n" not in str(err)
