"""A small version of bench/load.py: concurrent browser sessions all get their charts."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from load import load, report

pytestmark = pytest.mark.browser


def test_four_concurrent_sessions_editing_explore_all_get_their_chart(capsys):
    results = load(sessions=4, edits=1, timeout_s=400)
    assert [s.error for s in results] == [None] * 4
    assert all(len(s.changes) == 1 and s.first_chart for s in results)
    assert report(results, 1) == 0
    assert "4 complete" in capsys.readouterr().out


def test_only_loopback_servers_are_loaded():
    with pytest.raises(ValueError, match="loopback"):
        load(sessions=1, url="http://example.com:8501")
    with pytest.raises(ValueError, match="sessions"):
        load(sessions=500)
