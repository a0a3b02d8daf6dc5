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
