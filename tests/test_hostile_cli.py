"""Hostile and unlucky input to the CLI (issue 21): every case exits 2 with one `lrlab:` line
naming what is wrong, never a traceback, never a hang."""

import json
import os
import stat

import pytest
from cli_runner import lrlab

from lrlab.core.errors import ConfigError
from lrlab.train.store import RunStore

BIG = int("1" + "0" * 400)  # beyond float range: json reads it as an int
SCHEDULE = {
    "optimizer": {"name": "SGD", "lr": 0.1},
    "scheduler": {"name": "StepLR", "step_size": 3},
    "steps": 10,
}
RUN = {
    "optimizer": {"name": "SGD", "lr": 0.05},
    "scheduler": {"name": "StepLR", "step_size": 3},
    "train": {"dataset": "digits", "model": "lenet", "epochs": 1, "device": "cpu"},
}


def refused(result, *words):
    """Exit 2, one line on stderr starting `lrlab:` and holding ``words``."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith("lrlab: "), result.stderr[-2000:]
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def write(tmp_path, config, name="c.json"):
    path = tmp_path / name
    path.write_text(config if isinstance(config, str) else json.dumps(config))
    return path


LR, GAMMA = (("optimizer", "lr"), "optimizer.lr"), (("scheduler", "gamma"), "scheduler.gamma")


# find-lr trains its own ramp, but a run config file is checked whole, its scheduler too.
@pytest.mark.parametrize(
    ("command", "where", "field"),
    [(c, *where) for c in ("simulate", "code", "train", "find-lr") for where in (LR, GAMMA)],
)
def test_a_number_beyond_float_range_names_its_field(tmp_path, command, where, field):
    config = json.loads(json.dumps(RUN if command in ("train", "find-lr") else SCHEDULE))
    config[where[0]][where[1]] = BIG
    args = ["--db", tmp_path / "r.sqlite"] if command in ("train", "find-lr") else []
    line = refused(lrlab(command, write(tmp_path, config), *args), field)
    assert "finite" in line or "too large" in line


@pytest.mark.parametrize("command", ["train", "find-lr"])
@pytest.mark.parametrize("train", [[1], "digits", 3, [["epochs", 2]]])
def test_a_train_section_that_is_not_an_object_is_refused(tmp_path, command, train):
    path = write(tmp_path, {**RUN, "train": train})
    refused(lrlab(command, path, "--db", tmp_path / "r.sqlite"), "train")


def _bad_dbs(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    text = tmp_path / "notes.txt"
    text.write_text("these are not the runs you are looking for\n" * 100)
    under_a_file = text / "runs.sqlite"
    locked = tmp_path / "locked"
    locked.mkdir()
    os.chmod(locked, 0)
    bad = {"a folder": folder, "a text file": text, "under a file": under_a_file}
    if os.geteuid() != 0:  # root reads every folder: there the run would train in full
        bad["unreadable"] = locked / "runs.sqlite"
    return bad


def test_every_kind_of_bad_db_is_refused_by_the_store(tmp_path):
    try:
        for what, db in _bad_dbs(tmp_path).items():
            with pytest.raises(ConfigError, match="cannot open the run database") as caught:
                RunStore(db)
            assert str(db) in str(caught.value), what
    finally:
        os.chmod(tmp_path / "locked", stat.S_IRWXU)


# Each command in a real process, each with another kind of bad database (the store's refusal
# of every kind is checked above, in-process: a process costs seconds of torch import).
@pytest.mark.parametrize(
    ("command", "what"),
    [("train", "a folder"), ("find-lr", "a text file"), ("sweep", "under a file")],
)
def test_a_bad_db_is_one_line(tmp_path, command, what):
    config = RUN
    if command == "sweep":
        config = {
            "base": RUN,
            "variants": [{"label": "a", "scheduler": RUN["scheduler"]}],
            "seeds": [0],
        }
    path = write(tmp_path, config)
    try:
        db = _bad_dbs(tmp_path)[what]
        line = refused(lrlab(command, path, "--db", db, timeout=120), str(db))
        assert "run database" in line, (what, line)
    finally:
        os.chmod(tmp_path / "locked", stat.S_IRWXU)


@pytest.mark.parametrize("command", ["simulate", "code", "train"])
def test_cli_reads_are_capped_like_uploads(tmp_path, command):
    path = write(tmp_path, {**SCHEDULE, "name": "x" * 3_000_000})
    refused(lrlab(command, path, timeout=120), "larger than 2 MB")


def test_simulate_dev_zero_does_not_hang():
    # refused as a device before it is opened (tests/test_cli_fifo.py: FIFOs and directories)
    refused(lrlab("simulate", "/dev/zero", timeout=60), "/dev/zero", "not a regular file")


def test_stdin_is_capped_too():
    refused(lrlab("simulate", "-", stdin=" " * 2_100_000, timeout=60), "larger than 2 MB")


@pytest.mark.parametrize("command", ["simulate", "code", "train", "find-lr", "sweep"])
def test_duplicate_keys_are_refused_naming_the_key(tmp_path, command):
    text = (
        '{"optimizer": {"name": "SGD", "lr": 0.1, "lr": 0.5}, '
        '"scheduler": {"name": "StepLR", "step_size": 3}, "steps": 10}'
    )
    refused(
        lrlab(command, write(tmp_path, text), "--db", tmp_path / "r.sqlite")
        if command in ("train", "find-lr", "sweep")
        else lrlab(command, write(tmp_path, text)),
        '"lr"',
        "twice",
    )


def test_seed_bounds_are_printed_exactly(tmp_path):
    path = write(tmp_path, {**RUN, "train": {**RUN["train"], "seed": 2**31}})
    line = refused(lrlab("train", path, "--db", tmp_path / "r.sqlite"), "train.seed")
    assert "2147483647" in line and "e+" not in line


def test_a_torch_failure_while_stepping_names_the_parameter(tmp_path):
    path = write(tmp_path, {**SCHEDULE, "scheduler": {"name": "StepLR", "step_size": 0}})
    line = refused(lrlab("simulate", path), "scheduler.step_size")
    assert "torch fails at step 1" in line and "modulo by zero" in line
