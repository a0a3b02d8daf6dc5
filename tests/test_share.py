"""Share links: round trip, damaged links and decompression bombs."""

import base64
import zlib

import pytest

from lrlab import ConfigError, parse, simulate
from lrlab.io.share import decode, encode
from lrlab.present.presets import preset


def test_share_links_round_trip_and_refuse_garbage():
    cfg = preset("Seeds: two-group LambdaLR")
    assert decode(encode(cfg)) == cfg
    for bad in ("", "!!!", encode(cfg)[:-5], "x" * 40_000):
        with pytest.raises(ConfigError) as err:
            decode(bad)
        assert err.value.field == "link"
    bomb = base64.urlsafe_b64encode(zlib.compress(b"[" + b"0," * 10_000_000 + b"0]")).decode()
    with pytest.raises(ConfigError, match="too much data"):
        decode(bomb)


def test_a_resumed_schedule_travels_in_its_link_and_old_links_are_unchanged():
    cfg = preset("SGDR warm restarts")
    resumed = parse({**cfg, "start_step": 17}, view=True)
    link = encode(resumed.to_json())
    assert decode(link)["start_step"] == 17
    assert parse(decode(link), view=True) == resumed
    assert simulate(parse(decode(link), view=True)).equals(simulate(resumed))
    # At 0 the key is left out: the link is byte for byte the one made before it existed.
    assert encode(parse({**cfg, "start_step": 0}, view=True).to_json()) == encode(
        parse(cfg, view=True).to_json()
    )
