"""The catalog must match the installed torch: a torch upgrade cannot drift silently."""

import inspect

import pytest
import torch
from torch.optim import lr_scheduler

from lrlab.catalog import (
    ABSTRACT_SCHEDULERS,
    IMPLEMENTATION_FLAGS,
    OMITTED_OPTIMIZERS,
    OMITTED_SCHEDULER_PARAMS,
    OPTIMIZERS,
    REQUIRED,
    SCHEDULERS,
    TORCH_SCHEDULERS,
)


def signature_defaults(cls):
    return {
        name: REQUIRED if p.default is inspect.Parameter.empty else p.default
        for name, p in inspect.signature(cls).parameters.items()
    }


def test_every_torch_scheduler_is_in_the_catalog():
    concrete = set(lr_scheduler.__all__) - set(ABSTRACT_SCHEDULERS)
    assert concrete == set(TORCH_SCHEDULERS)
    assert {s.library for s in TORCH_SCHEDULERS.values()} == {"torch"}


def test_every_torch_optimizer_is_in_the_catalog_or_left_out_with_a_reason():
    classes = {
        name
        for name, obj in vars(torch.optim).items()
        if isinstance(obj, type) and issubclass(obj, torch.optim.Optimizer)
    }
    assert classes == set(OPTIMIZERS) | set(OMITTED_OPTIMIZERS)
    assert all(len(why) > 20 for why in OMITTED_OPTIMIZERS.values())
    for name in (
        "SGD",
        "Adam",
        "AdamW",
        "Adamax",
        "NAdam",
        "RAdam",
        "RMSprop",
        "Adagrad",
        "Adadelta",
        "ASGD",
        "Rprop",
    ):
        assert name in OPTIMIZERS


@pytest.mark.parametrize("name", sorted(TORCH_SCHEDULERS))
def test_scheduler_params_match_torch_signature(name):
    spec, torch_params = TORCH_SCHEDULERS[name], signature_defaults(getattr(lr_scheduler, name))
    ours = {p.name: p.default for p in spec.params if p.torch}
    for key, default in ours.items():
        assert key in torch_params, f"{name}.{key} is not a torch keyword"
        assert default == torch_params[key] or (
            default is REQUIRED and torch_params[key] is REQUIRED
        ), f"{name}.{key} default drifted"
        assert (
            type(default) is type(torch_params[key])
            or default is REQUIRED
            or (isinstance(default, int | float) and isinstance(torch_params[key], int | float))
        )
    for key in set(torch_params) - set(ours):
        assert key in OMITTED_SCHEDULER_PARAMS, (
            f"torch's {name}.{key} is neither offered nor omitted"
        )


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_params_match_torch_signature(name):
    spec, torch_params = OPTIMIZERS[name], signature_defaults(getattr(torch.optim, name))
    for p in spec.params:
        assert p.name in torch_params, f"{name}.{p.name} is not a torch keyword"
        expected = torch_params[p.name]
        default = tuple(p.default) if isinstance(p.default, list) else p.default
        assert default == expected, f"{name}.{p.name}: {p.default!r} != torch's {expected!r}"
    offered = {p.name for p in spec.params} | set(IMPLEMENTATION_FLAGS) | set(spec.omitted)
    assert set(torch_params) <= offered, set(torch_params) - offered


@pytest.mark.parametrize("name", sorted(TORCH_SCHEDULERS))
def test_scheduler_entries_are_complete_for_teaching(name):
    spec = TORCH_SCHEDULERS[name]
    assert spec.step_per in ("epoch", "batch")
    assert spec.formula.strip() and len(spec.explain) > 40
    assert spec.docs_url.endswith(f"lr_scheduler.{name}.html")
    for p in spec.params:
        assert p.help.strip(), f"{name}.{p.name} has no help text"
        if p.required:
            assert p.example is not None, f"{name}.{p.name} needs an example for the UI"
    assert spec.step_per == ("batch" if name in ("CyclicLR", "OneCycleLR") else "epoch")


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_entries_have_help(name):
    spec = OPTIMIZERS[name]
    assert spec.explain and all(p.help for p in spec.params)
    assert spec.param("lr").log


def test_the_reference_docs_come_from_the_catalog():
    from lrlab.present.docs import catalog_markdown

    text = catalog_markdown()
    for spec in SCHEDULERS.values():
        assert f"### {spec.name}" in text and spec.formula in text
        for p in spec.params:
            assert f"| `{p.name}` |" in text
    for name in OPTIMIZERS:
        assert f"### {name}" in text
    for name in OMITTED_OPTIMIZERS:
        assert f"**{name}**" in text


def test_the_committed_reference_is_up_to_date():
    from pathlib import Path

    from lrlab.present.docs import catalog_markdown

    committed = Path(__file__).resolve().parent.parent / "docs" / "reference.md"
    assert committed.read_text() == catalog_markdown(), (
        "docs/reference.md is stale: run `make docs`"
    )
