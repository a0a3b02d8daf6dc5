"""Share links: round trip, damaged links and decompression bombs."""

import base64
import zlib

import pytest

from lrlab import ConfigError
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
