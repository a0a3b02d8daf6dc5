"""Hostile links and files (issue 21): each opens exactly what it holds or is refused with one
message naming what is wrong; never an exception, never a silent change."""

import base64
import json
import zlib

import pytest
from apptest_helpers import messages, no_exception, page
from hypothesis import given, settings
from hypothesis import strategies as st

from lrlab import ConfigError, parse, simulate
from lrlab.io.jsontext import loads
from lrlab.io.links import open_comparison, open_schedule, parse_opened
from lrlab.io.share import decode, encode
from lrlab.io.uploads import open_upload

BIG = int("1" + "0" * 400)
SGD = {"name": "SGD", "lr": 0.1}
STEP = {"name": "StepLR", "step_size": 3}
ITEM = {"name": "a", "color": "blue", "config": {"optimizer": SGD, "scheduler": STEP}}


def test_a_lr_beyond_float_range_is_refused_naming_it():
    with pytest.raises(ConfigError, match=r"optimizer\.lr: must be a finite number"):
        open_schedule({"optimizer": {"name": "SGD", "lr": BIG}, "scheduler": STEP})
    with pytest.raises(ConfigError, match=r"scheduler\.gamma"):
        parse({"optimizer": SGD, "scheduler": {**STEP, "gamma": -BIG}, "steps": 3})


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"view": {"epochs": "lots", "steps_per_epoch": -5}}, "view.epochs"),
        ({"view": {"epochs": 100, "steps_per_epoch": -5}}, "view.steps_per_epoch"),
        ({"view": {"epochs": 100, "x_axis": "time"}}, "view.x_axis"),
        ({"view": {"epochs": 100, "log_y": "yes"}}, "view.log_y"),
        ({"view": {"epochs": 100, "zoom": 2}}, "view.zoom"),
        ({"view": [1]}, "view"),
        ({"layout": {"x": 1}}, "layout"),
        ({"layout": "spiral"}, "layout"),
        ({"normalize": [1, 2]}, "normalize"),
        ({"normalize": "max"}, "normalize"),
        ({"momentum": "yes"}, "momentum"),
        ({"extra": 1}, "extra"),
    ],
)
def test_every_key_of_a_comparison_is_checked(extra, words):
    with pytest.raises(ConfigError, match=words.replace(".", r"\.")):
        open_comparison({"items": [ITEM], **extra}, 8)


@pytest.mark.parametrize(
    ("item", "words"),
    [
        ({**ITEM, "color": "ultraviolet"}, "colour"),
        ({**ITEM, "color": 3}, "colour"),
        ({**ITEM, "name": 7}, "name"),
        ({**ITEM, "name": "n" * 81}, "name"),
        ({**ITEM, "extra": True}, "extra"),
    ],
)
def test_every_key_of_a_compared_item_is_checked(item, words):
    with pytest.raises(ConfigError, match=f"its schedule 1.*{words}"):
        open_comparison({"items": [item]}, 8)


def test_a_compared_schedule_keeps_its_length_or_is_refused():
    ten = {"optimizer": SGD, "scheduler": STEP, "view": {"epochs": 10, "step_per": "epoch"}}
    opened = open_comparison({"items": [{"name": "a", "config": ten}]}, 8)
    assert opened["view"]["epochs"] == 10  # the length it holds, not Compare's default of 100
    thirty = {**ten, "view": {"epochs": 30, "step_per": "epoch"}}
    items = [{"name": "a", "config": ten}, {"name": "b", "config": thirty}]
    # Each schedule keeps the length it holds (``length`` own, the default): none is stretched.
    both = open_comparison({"items": items}, 8)
    assert [it["config"]["view"]["epochs"] for it in both["items"]] == [10, 30]
    assert open_comparison({"items": items, "view": {"epochs": 30}}, 8)["view"]["epochs"] == 30
    fitted = [{**items[0], "length": "fit"}, items[1]]
    assert open_comparison({"items": fitted, "reference": 1}, 8)["reference"] == 1
    for bad, field in (
        ({"items": [{**items[0], "length": "stretch"}]}, "length"),
        ({"items": items, "reference": 2}, "reference"),
        ({"items": items, "reference": True}, "reference"),
    ):
        with pytest.raises(ConfigError, match=field):
            open_comparison(bad, 8)


def test_a_link_with_steps_and_no_view_opens_that_many_steps():
    config = {"optimizer": SGD, "scheduler": STEP, "steps": 7}
    assert parse_opened(config).steps == 7
    three = {**config, "steps": 40, "param_groups": [{}, {"lr": 0.2}, {"lr": 0.3}]}
    opened = open_schedule(three)
    assert parse_opened(opened).steps == 40 and opened["view"]["epochs"] == 40
    one_cycle = {"optimizer": SGD, "scheduler": {"name": "OneCycleLR", "max_lr": 1}, "steps": 9}
    assert parse_opened(open_schedule(one_cycle)).steps == 9  # stepped per batch


@pytest.mark.parametrize("steps", [True, "7", 2.5, 0, -1, 10**9, None])
def test_a_bad_steps_in_a_link_is_refused(steps):
    with pytest.raises(ConfigError, match="steps"):
        open_schedule({"optimizer": SGD, "scheduler": STEP, "steps": steps})


def test_steps_that_disagree_with_the_view_are_refused():
    config = {"optimizer": SGD, "scheduler": STEP, "steps": 40, "view": {"epochs": 10}}
    with pytest.raises(ConfigError, match=r"steps: 40.*10"):
        open_schedule(config)
    assert parse_opened({**config, "steps": 10}).steps == 10


def test_bytes_after_the_zlib_stream_are_refused():
    raw = json.dumps({"optimizer": SGD, "scheduler": STEP}).encode()
    good = zlib.compress(raw, 9)
    for tail in (b"\x00", b"junk", good):
        link = base64.urlsafe_b64encode(good + tail).decode().rstrip("=")
        with pytest.raises(ConfigError, match="damaged"):
            decode(link)


KEYS = st.text(alphabet="abcdefgh", min_size=1, max_size=3)
SCALARS = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=3)


@given(
    before=st.dictionaries(KEYS, SCALARS, max_size=3),
    key=KEYS,
    a=SCALARS,
    b=SCALARS,
    nest=st.integers(0, 3),
)
@settings(max_examples=60, deadline=None)
def test_any_duplicate_key_is_refused_naming_it(before, key, a, b, nest):
    inner = "{" + ", ".join(
        f"{json.dumps(k)}: {json.dumps(v)}" for k, v in before.items() if k != key
    )
    inner += (", " if len(inner) > 1 else "") + f"{json.dumps(key)}: {json.dumps(a)}, "
    inner += f"{json.dumps(key)}: {json.dumps(b)}" + "}"
    text = inner
    for _ in range(nest):
        text = '{"x": [' + text + "]}"
    with pytest.raises(ConfigError, match=f"{json.dumps(key)} twice"):
        loads(text, "upload", "the file")
    with pytest.raises(ConfigError, match=f"{json.dumps(key)} twice"):
        decode(base64.urlsafe_b64encode(zlib.compress(text.encode())).decode())
    with pytest.raises(ConfigError, match=f"{json.dumps(key)} twice"):
        open_upload(text.encode())


LINK_CONFIG = {
    "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
    "scheduler": {"name": "MultiStepLR", "milestones": [3, 6], "gamma": 0.5},
    "view": {"epochs": 10, "step_per": "epoch"},
}
LINK = encode(LINK_CONFIG)
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@given(st.data())
@settings(max_examples=150, deadline=None)
def test_a_mutated_link_opens_what_it_encodes_or_is_refused(data):
    chars = list(LINK)
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(chars) - 1))
        chars[i] = data.draw(st.sampled_from(B64))
    link = "".join(chars)
    try:
        opened = open_schedule(decode(link))
    except ConfigError as err:
        assert "\n" not in str(err)
        return
    # zlib's checksum makes an accepted mutation decode to what the link encodes
    raw = zlib.decompress(base64.urlsafe_b64decode(link + "=" * (-len(link) % 4)))
    assert opened == json.loads(raw)
    simulate(parse_opened(opened))


def test_explore_opens_a_huge_lr_link_with_a_message():
    config = {"optimizer": {"name": "SGD", "lr": BIG}, "scheduler": STEP, "steps": 7}
    at = page("pages/explore.py", c=encode(config))
    no_exception(at)
    assert "optimizer.lr" in messages(at)


def test_explore_opens_steps_without_a_view_as_that_many_rows():
    config = {"optimizer": SGD, "scheduler": STEP, "steps": 7}
    at = page("pages/explore.py", c=encode(config))
    no_exception(at)
    assert not at.error, messages(at)
    assert at.number_input(key="ex.view.epochs").value == 7


@pytest.mark.parametrize(
    "extra",
    [
        {"view": {"epochs": "lots", "steps_per_epoch": -5}},
        {"layout": {"x": 1}, "normalize": [1, 2], "momentum": "yes"},
    ],
)
def test_compare_refuses_a_crafted_link_in_words(extra):
    at = page("pages/compare.py", s=encode({"items": [ITEM], **extra}))
    no_exception(at)
    assert "could not be opened" in messages(at)
