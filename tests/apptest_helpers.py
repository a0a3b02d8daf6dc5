"""Reading what AppTest rendered: Plotly figures (with their binary arrays) and messages."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60  # pages import torch; AppTest's default 3 s is too short


def page(name: str, **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / name), default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def _array(value):
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value) if value is not None else []


def traces(at: AppTest, index: int = 0) -> list[dict]:
    """The traces of a rendered plotly_chart, with x and y decoded to lists."""
    spec = json.loads(at.get("plotly_chart")[index].proto.spec)
    return [{**t, "x": _array(t.get("x")), "y": _array(t.get("y"))} for t in spec["data"]]


def messages(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
