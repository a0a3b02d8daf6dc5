"""transformers and timm schedules on the Explore and Compare pages (AppTest)."""

import pandas as pd
import pytest
from apptest_helpers import messages, no_exception, page, traces

from lrlab import simulate
from lrlab.core.view import with_view_steps
from lrlab.io.share import decode, encode
from lrlab.present.compare import DIFFERS, summary_table
from lrlab.present.presets import LOOKALIKES, PRESETS, preset


def lr_traces(at):
    return [t for t in traces(at) if t["name"].startswith("lr ")]


def test_explore_a_transformers_type_from_the_scheduler_list():
    at = page("pages/explore.py")
    at.selectbox(key="ex.sch.name").set_value("transformers:cosine_with_restarts").run()
    at.number_input(key="ex.sch.transformers:cosine_with_restarts.num_warmup_steps").set_value(
        50
    ).run()
    at.number_input(key="ex.sch.transformers:cosine_with_restarts.num_cycles").set_value(3).run()
    no_exception(at)
    assert not messages(at)
    cfg = decode(at.query_params["c"])
    assert cfg["scheduler"]["name"] == "transformers:cosine_with_restarts"
    assert cfg["view"]["step_per"] == "batch"  # the Trainer's stepping came with it
    y = lr_traces(at)[0]["y"]
    assert y[0] == 0.0 and max(y) == pytest.approx(0.1)
    code = "\n".join(c.value for c in at.code)
    assert "from transformers import get_scheduler" in code
    assert 'scheduler_specific_kwargs={"num_cycles": 3}' in code


def test_explore_a_timm_preset_and_its_noise_field():
    at = page("pages/explore.py")
    name = "timm ImageNet cosine (timm:CosineLRScheduler)"
    at.selectbox(key="ex.preset").set_value(name).run()
    no_exception(at)
    expected = simulate(with_view_steps(preset(name)))["lr"].tolist()
    assert lr_traces(at)[0]["y"] == pytest.approx(expected)
    key = "ex.sch.timm:CosineLRScheduler.noise_range_t"
    at.text_input(key=key).set_value("100, 200").run()
    no_exception(at)
    assert decode(at.query_params["c"])["scheduler"]["noise_range_t"] == [100, 200]
    at.text_input(key=key).set_value("200, 100").run()
    assert "must be above 200" in messages(at)
    code = "\n".join(c.value for c in at.code)
    assert "from timm.scheduler import CosineLRScheduler" in code


def test_a_shared_timm_link_restores_the_widgets():
    config = {
        "optimizer": {"name": "AdamW", "lr": 0.001},
        "scheduler": {"name": "timm:WSDLRScheduler", "t_initial": 40, "decay_t": 10},
        "view": {"epochs": 50, "step_per": "epoch"},
    }
    at = page("pages/explore.py", c=encode(config))
    no_exception(at)
    assert at.selectbox(key="ex.sch.name").value == "timm:WSDLRScheduler"
    assert at.number_input(key="ex.sch.timm:WSDLRScheduler.decay_t").value == 10
    y = lr_traces(at)[0]["y"]
    assert y == simulate({**config, "steps": 50})["lr"].tolist()


@pytest.mark.parametrize(("library", "torch"), LOOKALIKES.items())
def test_a_lookalike_pair_parts_where_the_summary_says(library, torch):
    items = []
    for name in (torch, library):
        cfg = with_view_steps(preset(name))
        items.append({"name": name, "df": simulate(cfg), "view": cfg["view"]})
    differs = summary_table(items)[DIFFERS].tolist()
    if "timm" in library:
        assert differs[1] == 5 * 100  # epoch 5 of 100 batches: timm's cosine ran during warmup
    else:
        assert pd.isna(differs[1])  # LinearLR to 0 is the Trainer default, to float rounding
    assert library in PRESETS and torch in PRESETS


def test_compare_overlays_a_timm_schedule_on_its_torch_lookalike():
    at = page("pages/compare.py")
    for name in LOOKALIKES:
        at.selectbox(key="cmp.source").set_value(name).run()
        at.button(key="cmp.add").click().run()
    no_exception(at)
    assert [t["name"] for t in traces(at)][2:] == list(LOOKALIKES)
    summary = at.table[0].value
    assert summary[DIFFERS].iloc[0] == "— (the reference)"
    assert summary[DIFFERS].iloc[1] == "0 (of iters 0–9,999)"  # StepLR vs cosine: apart at once
