"""Reading what users upload or pass on the command line: bounded, and every failure a
one-line message."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from lrlab.core.config import MAX_STEPS
from lrlab.core.errors import ConfigError
from lrlab.core.schedule import Schedule
from lrlab.core.simulate import simulate
from lrlab.io.jsontext import loads
from lrlab.io.links import parse_opened
from lrlab.train.config import RunConfig, parse_run

MAX_UPLOAD_BYTES = 2_000_000


def read_metric_csv(data: bytes) -> list[float]:
    """The first numeric column of a CSV (header optional), as floats."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(f"the file is larger than {MAX_UPLOAD_BYTES // 1_000_000} MB")
    try:
        df = pd.read_csv(io.BytesIO(data), header=None, nrows=MAX_STEPS + 1)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValueError(f"not a readable CSV file ({exc})") from None
    for col in df.columns:
        values = pd.to_numeric(df[col], errors="coerce")
        if values.iloc[0:1].isna().all():  # a header row
            values = values.iloc[1:]
        if len(values) and values.notna().all():
            return values.astype(float).tolist()
    raise ValueError("no column of the CSV holds only numbers")


def read_config_json(data: bytes) -> dict[str, Any]:
    if len(data) > MAX_UPLOAD_BYTES:
        raise ConfigError("upload", "the file is too large for a config")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("upload", "the file is not UTF-8 text") from None
    config = loads(text, "upload", "the file")
    if not isinstance(config, dict):
        raise ConfigError("upload", "the file must hold a JSON object")
    return config


def open_upload(data: bytes) -> tuple[dict[str, Any], Schedule | RunConfig]:
    """An uploaded schedule or run config, parsed once: the file's config as it is, and a
    :class:`Schedule` over its view, or for a run config (one with a ``train`` section) the
    :class:`RunConfig` it describes. Its schedule is stepped on torch once (an upload is a
    single event, and a 200k-step curve takes well under a second), so a file torch refuses
    while building *or stepping* it (StepLR's step_size 0) is refused before any widget
    changes. Raises :class:`ConfigError` with a one-line message."""
    config = read_config_json(data)
    try:
        parsed = parse_run(config) if "train" in config else parse_opened(config)
        simulate(parsed if isinstance(parsed, Schedule) else parsed.schedule)
    except ConfigError as err:
        raise ConfigError("", str(err)) from None
    except RecursionError:
        raise ConfigError("", "it is nested too deeply to be a schedule") from None
    return config, parsed


def load_config(path: str) -> dict[str, Any]:
    """Read a JSON config from a file, or from stdin when ``path`` is ``-``."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError("", f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError("", f"{path} is not UTF-8 text") from None
    config = loads(text, "", path)
    if not isinstance(config, dict):
        raise ConfigError("", f"{path} must hold a JSON object")
    return config
