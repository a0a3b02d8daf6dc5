"""Issue 21: a CLI command given a FIFO, a device or a directory where it reads a file is
refused before it opens it (``open`` of a FIFO blocks until a writer comes: forever), exit 2
with one ``lrlab:`` line. Every command that reads a config file, each with a real FIFO and
a timeout, so a regression fails instead of hanging the suite."""

import json
import os

import pytest
from cli_runner import lrlab
from test_hostile_cli import SCHEDULE, refused

# each command with the arguments that put the file where it reads one
READERS = {
    "simulate": lambda f: ["simulate", f],
    "code": lambda f: ["code", f],
    "train": lambda f: ["train", f, "--no-progress"],
    "find-lr": lambda f: ["find-lr", f],
    "sweep": lambda f: ["sweep", f],
    "path": lambda f: ["path", f, "--problem", "quadratic"],
    "predict": lambda f: ["predict", "--fit", "abc", "--schedule", f],
    "design": lambda f: ["design", "--fit", "abc", "--schedule", f],
}


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "LRLAB_DB": str(tmp_path / "runs.sqlite")}


@pytest.mark.parametrize("command", list(READERS))
def test_a_fifo_is_refused_not_waited_on(tmp_path, env, command):
    fifo = tmp_path / "config.json"
    os.mkfifo(fifo)
    result = lrlab(*READERS[command](fifo), timeout=90, env=env)
    refused(result, str(fifo), "FIFO", "not a regular file")


@pytest.mark.parametrize(
    ("where", "kind"), [("/dev/zero", "character device"), ("DIR", "directory")]
)
@pytest.mark.parametrize("command", ["simulate", "train", "design"])
def test_devices_and_directories_are_refused_by_kind(tmp_path, env, command, where, kind):
    path = tmp_path if where == "DIR" else where
    refused(lrlab(*READERS[command](path), timeout=90, env=env), str(path), kind)


def test_a_regular_file_and_stdin_still_read(tmp_path, env):
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps(SCHEDULE))
    from_file = lrlab("simulate", cfg, timeout=90, env=env)
    from_stdin = lrlab("simulate", "-", stdin=json.dumps(SCHEDULE), timeout=90, env=env)
    assert from_file.returncode == 0 and from_file.stdout.startswith("step,group,lr")
    assert from_stdin.stdout == from_file.stdout


def test_a_symlink_to_a_regular_file_is_read_and_to_a_fifo_refused(tmp_path, env):
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps(SCHEDULE))
    os.symlink(cfg, tmp_path / "link.json")
    os.mkfifo(tmp_path / "pipe")
    os.symlink(tmp_path / "pipe", tmp_path / "pipe.json")
    code = lrlab("code", tmp_path / "link.json", timeout=90, env=env)
    assert code.returncode == 0 and "SGD(" in code.stdout
    refused(lrlab("code", tmp_path / "pipe.json", timeout=90, env=env), "FIFO")
