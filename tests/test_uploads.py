"""Uploads: metric CSVs and config JSON files."""

import pytest

from lrlab import ConfigError
from lrlab.io.uploads import read_config_json, read_metric_csv


def test_uploads():
    assert read_metric_csv(b"loss\n1.0\n0.5\n0.25\n") == [1.0, 0.5, 0.25]
    assert read_metric_csv(b"epoch,loss\n0,2.0\n1,1.0\n") == [0.0, 1.0]
    with pytest.raises(ValueError, match="only numbers"):
        read_metric_csv(b"a,b\nx,y\n")
    assert read_config_json(b'{"steps": 3}') == {"steps": 3}
    for bad in (b"[1]", b"{", b"\xff"):
        with pytest.raises(ConfigError):
            read_config_json(bad)


def test_a_config_file_over_2_mb_is_refused_before_it_is_parsed():
    # README: uploads are bounded. Literal numbers: a test derived from the constant would
    # follow a lifted bound.
    padded = b'{"steps": 3, "name": "' + b"x" * (2_000_000 - 24) + b'"}'
    assert len(padded) == 2_000_000 and read_config_json(padded)["steps"] == 3
    with pytest.raises(ConfigError, match="too large"):
        read_config_json(padded[:-2] + b'x"}')
