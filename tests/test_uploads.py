"""Uploads: metric CSVs, and config files opened once for Explore and Train alike."""

import json

import pytest

from lrlab import ConfigError, Schedule
from lrlab.io.uploads import open_upload, read_config_json, read_metric_csv
from lrlab.train.config import RunConfig

SCHEDULE = {
    "optimizer": {"name": "SGD", "lr": 0.1, "momentum": 0.9},
    "scheduler": {"name": "StepLR", "step_size": 3},
    "view": {"epochs": 12},
}
# Valid for its run (2 epochs x 23 batches = 46 steps), not over Explore's default 100 x 100.
RUN = {
    "optimizer": {"name": "SGD", "lr": 0.1},
    "scheduler": {"name": "OneCycleLR", "max_lr": 0.1, "total_steps": 46},
    "train": {"dataset": "digits", "epochs": 2, "batch_size": 64},
}


def _file(config) -> bytes:
    return json.dumps(config).encode()


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


def test_a_schedule_file_opens_parsed_over_its_view():
    config, parsed = open_upload(_file(SCHEDULE))
    assert config == SCHEDULE  # as in the file: the page shows exactly what it holds
    assert isinstance(parsed, Schedule) and parsed.steps == 12 and parsed.step_per == "epoch"


def test_a_run_config_opens_as_the_run_it_describes():
    config, parsed = open_upload(_file(RUN))
    assert config == RUN
    assert isinstance(parsed, RunConfig) and parsed.schedule.steps == 46
    assert parsed.train["epochs"] == 2 and parsed.train["step_per"] == "batch"  # filled in
    explore = parsed.explore_config()  # what Explore shows: the run's epochs and batches
    assert explore["view"] == {"epochs": 2, "steps_per_epoch": 23, "step_per": "batch"}


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"{", "upload"),
        (b"[1, 2]", "JSON object"),
        (_file({**SCHEDULE, "scheduler": {"name": "StepLR", "step_size": "ten"}}), "step_size"),
        (_file({**SCHEDULE, "scheduler": {"name": "NoSuchLR"}}), "NoSuchLR"),
        # Validation passes, torch refuses when it builds the scheduler (LambdaLR at epoch 0).
        (_file({**SCHEDULE, "scheduler": {"name": "LambdaLR", "lr_lambda": "1 / epoch"}}), "zero"),
        # torch builds it and fails at the first step (modulo by step_size 0)
        (_file({**SCHEDULE, "scheduler": {"name": "StepLR", "step_size": 0}}), "at step 1"),
        (_file({**RUN, "train": {"epochs": 0}}), "train.epochs"),
        (_file({**RUN, "train": [1]}), "train"),
        (_file({**RUN, "train": {"gpu": 1}}), "train.gpu"),
        (b'{"scheduler": ' * 200 + b"{}" + b"}" * 200, "deep"),
    ],
)
def test_a_bad_file_is_one_line_naming_the_problem(content, words):
    with pytest.raises(ConfigError) as err:
        open_upload(content)
    assert "\n" not in str(err.value) and words in str(err.value)


def test_a_metric_csv_of_200000_values_under_a_header_is_read_whole():
    # 200,000 is MAX_STEPS (README): a run that long needs one metric value per step.
    values = [float(i % 7) for i in range(199_999)] + [0.25]
    data = ("loss\n" + "\n".join(f"{v:g}" for v in values) + "\n").encode()
    read = read_metric_csv(data)
    assert len(read) == 200_000 and read[-1] == 0.25 and read == values
