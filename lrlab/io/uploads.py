"""Reading what users upload or pass on the command line: bounded, and every failure a
one-line message."""

from __future__ import annotations

import io
import os
import stat
import sys
from typing import Any

import pandas as pd

from lrlab.core.config import MAX_STEPS
from lrlab.core.errors import ConfigError
from lrlab.core.schedule import Schedule
from lrlab.core.simulate import simulate
from lrlab.io.jsontext import loads
from lrlab.io.links import parse_opened
from lrlab.paths.link import path_from_config
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
        raise ConfigError(
            "upload",
            f"the file is larger than {MAX_UPLOAD_BYTES // 1_000_000} MB, too large for a config",
        )
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
        path_from_config(config)  # a run config's too: a file is opened whole or not at all
        simulate(parsed if isinstance(parsed, Schedule) else parsed.schedule)
    except ConfigError as err:
        raise ConfigError("", str(err)) from None
    except RecursionError:
        raise ConfigError("", "it is nested too deeply to be a schedule") from None
    return config, parsed


def load_config(path: str) -> dict[str, Any]:
    """Read a JSON config from a file, or from stdin when ``path`` is ``-``; at most
    MAX_UPLOAD_BYTES, like an upload (so a 50 MB file is refused, not read). Only a regular
    file is opened (:func:`open_regular`): a FIFO would block forever, ``/dev/zero`` never
    ends."""
    limit = MAX_UPLOAD_BYTES
    try:
        if path == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with open_regular(path) as file:
                data = file.read(limit + 1)
    except OSError as exc:
        raise ConfigError("", f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise ConfigError(
            "", f"{path} is larger than {limit // 1_000_000} MB, too large for a config"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("", f"{path} is not UTF-8 text") from None
    config = loads(text, "", path)
    if not isinstance(config, dict):
        raise ConfigError("", f"{path} must hold a JSON object")
    return config


_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(path: str, mode: int) -> ConfigError:
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return ConfigError(
        "", f"{path} is {kind}, not a regular file: give a JSON file, or - to read stdin"
    )


def open_regular(path: str) -> io.BufferedReader:
    """``path`` opened for reading in binary, refused unless it is a regular file.

    Checked before opening (``open`` of a FIFO blocks until a writer comes, forever if none
    does) and again on the opened descriptor (O_NONBLOCK: a FIFO swapped in between cannot
    block either), so no CLI read can hang on what it was given. Raises :class:`ConfigError`
    for anything that is not a regular file, OSError as ``open`` does."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise _not_regular(path, mode)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(path, mode)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
