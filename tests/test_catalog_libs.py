"""The transformers and timm entries must match the installed libraries, both ways."""

import dataclasses
import inspect

import pytest
import timm.scheduler
from torch.optim import lr_scheduler
from transformers import TrainingArguments, get_scheduler
from transformers import optimization as hf
from transformers.trainer_utils import SchedulerType

from lrlab.catalog import REQUIRED, SCHEDULERS, TIMM, TRANSFORMERS
from lrlab.catalog.timm import OMITTED_TIMM_PARAMS
from lrlab.catalog.transformers import FUNCTIONS, OMITTED_TRANSFORMERS
from lrlab.present.docs import catalog_markdown

COMMON = ("num_warmup_steps", "num_training_steps")
NOT_OFFERED = {"optimizer", "last_epoch"}  # built by lrlab / resuming is not a simulation


def defaults(func):
    return {
        name: REQUIRED if p.default is inspect.Parameter.empty else p.default
        for name, p in inspect.signature(func).parameters.items()
        if p.kind is not inspect.Parameter.VAR_KEYWORD
    }


def test_every_transformers_type_is_in_the_catalog_or_left_out_with_a_reason():
    types = {t.value for t in SchedulerType}
    assert {s.lib_name for s in TRANSFORMERS.values()} | set(OMITTED_TRANSFORMERS) == types
    assert set(OMITTED_TRANSFORMERS) == {"greedy"}
    assert len(TRANSFORMERS) == 11
    for kind, func in FUNCTIONS.items():
        assert hf.TYPE_TO_SCHEDULER_FUNCTION[SchedulerType(kind)].__name__ == func


@pytest.mark.parametrize("name", sorted(TRANSFORMERS))
def test_transformers_params_match_the_library_signatures(name):
    spec = TRANSFORMERS[name]
    func = hf.TYPE_TO_SCHEDULER_FUNCTION[SchedulerType(spec.lib_name)]
    theirs = defaults(func)
    if spec.lib_name == "reduce_lr_on_plateau":  # **kwargs, passed on to torch
        theirs = defaults(lr_scheduler.ReduceLROnPlateau)
    theirs = {k: v for k, v in theirs.items() if k not in NOT_OFFERED | set(COMMON)}
    ours = {p.name: p.default for p in spec.params if p.torch and p.name not in COMMON}
    assert set(ours) == set(theirs)  # both ways: nothing invented, nothing missing
    for key, default in ours.items():
        assert default == theirs[key] or (default is REQUIRED and theirs[key] is REQUIRED), key
    get = defaults(get_scheduler)
    trainer = {f.name: f.default for f in dataclasses.fields(TrainingArguments)}
    assert spec.param("num_warmup_steps").default == trainer["warmup_steps"] == 0
    assert spec.param("num_training_steps").default is get["num_training_steps"] is None


def test_every_timm_scheduler_class_is_in_the_catalog():
    classes = {
        n
        for n, obj in vars(timm.scheduler).items()
        if isinstance(obj, type) and issubclass(obj, timm.scheduler.scheduler.Scheduler)
    }
    assert {s.lib_name for s in TIMM.values()} == classes
    assert "WSDLRScheduler" in classes and len(TIMM) == 7


@pytest.mark.parametrize("name", sorted(TIMM))
def test_timm_params_match_the_library_signatures(name):
    spec = TIMM[name]
    theirs = defaults(getattr(timm.scheduler, spec.lib_name))
    theirs = {k: v for k, v in theirs.items() if k not in OMITTED_TIMM_PARAMS}
    ours = {p.name: p.default for p in spec.params if p.torch}
    assert set(ours) == set(theirs)
    for key, default in ours.items():
        assert default == theirs[key] or (default is REQUIRED and theirs[key] is REQUIRED), key
        assert type(default) is type(theirs[key]) or default is REQUIRED or default is None


@pytest.mark.parametrize("name", sorted(TRANSFORMERS) + sorted(TIMM))
def test_library_entries_are_complete_for_teaching(name):
    spec = SCHEDULERS[name]
    library = name.split(":")[0]
    assert spec.library == library and spec.formula.strip() and len(spec.explain) > 40
    if library == "transformers":
        anchor = f"optimizer_schedules#transformers.{FUNCTIONS[spec.lib_name]}"
        assert spec.docs_url.endswith(anchor)
    else:
        assert spec.docs_url.endswith((f"#timm.scheduler.{spec.lib_name}", "/wsd_lr.py"))
    assert spec.step_per == ("batch" if library == "transformers" else "epoch")
    for p in spec.params:
        assert p.help.strip(), f"{name}.{p.name} has no help text"
        if p.required:
            assert p.example is not None
    text = catalog_markdown()
    assert f"### {name}" in text and f"[{library} docs]({spec.docs_url})" in text
    assert "**transformers:greedy**" in text
