import csv
import io
import json

import pytest
from cli_runner import ROOT, lrlab
from script_runner import printed_rows, run_scripts

SEED = ROOT / "examples" / "seed_lambda.json"


def test_simulate_prints_csv():
    out = lrlab("simulate", SEED)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("step,group,lr")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(rows) == 20
    assert rows[-1] == {"step": "9", "group": "1", "lr": "0.0630249409724609", "momentum": "0.9"}


def test_simulate_steps_and_json():
    from lrlab import simulate

    out = lrlab("simulate", SEED, "--steps", "7", "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert len(data) == 14 and data[7]["lr"] == 0.0857375
    # Every float exactly, 17 significant digits where it takes them (0.07350918906249998).
    expected = simulate(json.loads(SEED.read_text()), steps=7)
    assert [row["lr"] for row in data] == expected["lr"].tolist()


def test_code_prints_a_script_that_prints_what_simulate_prints():
    out = lrlab("code", SEED)
    assert out.returncode == 0, out.stderr
    assert "lr_scheduler.LambdaLR" in out.stdout
    [result] = run_scripts([out.stdout])
    assert "error" not in result, result
    csv_rows = list(csv.DictReader(io.StringIO(lrlab("simulate", SEED).stdout)))
    expected = [
        (int(r["step"]), int(r["group"]), float(r["lr"]), float(r["momentum"])) for r in csv_rows
    ]
    assert printed_rows(result["stdout"]) == expected


def test_simulate_and_code_read_start_step_from_the_json():
    resumed = json.dumps({**json.loads(SEED.read_text()), "start_step": 6})
    out = lrlab("simulate", "-", "--steps", "3", stdin=resumed)
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    whole = list(csv.DictReader(io.StringIO(lrlab("simulate", SEED).stdout)))
    assert rows == whole[12:18]  # steps 6, 7, 8 of the run from 0, both groups
    code = lrlab("code", "-", stdin=resumed).stdout
    assert "for epoch in range(6, 16):" in code


@pytest.mark.parametrize(
    ("args", "stdin", "words"),
    [
        (("simulate", "missing.json"), None, "cannot read missing.json"),
        (("simulate", "-"), "{not json", "not valid JSON"),
        (
            ("simulate", "-"),
            '{"optimizer": {"name": "SGD"}, "scheduler": {"name": "StepLR", '
            '"step_size": 0}, "steps": 5}',
            "scheduler.step_size: torch fails at step 1: integer modulo by zero",
        ),
        (
            ("code", "-"),
            '{"optimizer": {"name": "SGD"}, "scheduler": {"name": "LambdaLR", '
            '"lr_lambda": "__import__(\'os\')"}, "steps": 5}',
            "scheduler.lr_lambda",
        ),
        (("simulate", SEED, "--steps", "0"), None, "steps"),
        (
            ("simulate", "-"),
            json.dumps({**json.loads(SEED.read_text()), "start_step": -2}),
            "start_step: must be between 0 and",
        ),
        (
            ("code", "-"),
            '{"optimizer": {"name": "SGD"}, "scheduler": {"name": "ConstantLR"}, "steps": 5, '
            '"start_step": "k"}',
            "start_step: must be a whole number",
        ),
        (("simulate", SEED, "--format", "xml"), None, "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, stdin, words):
    out = lrlab(*args, stdin=stdin)
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], out.stderr
    assert "Traceback" not in out.stderr


def test_the_pages_export_is_what_the_cli_reads(tmp_path):
    from lrlab import simulate
    from lrlab.core.view import with_view_steps
    from lrlab.present.presets import preset

    exported = with_view_steps(preset("One-cycle (fastai)"))  # as Explore downloads it
    path = tmp_path / "lrlab-config.json"
    path.write_text(json.dumps(exported))
    out = lrlab("simulate", path)
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    df = simulate(exported)
    assert [float(r["lr"]) for r in rows] == df["lr"].tolist()
    assert [float(r["momentum"]) for r in rows] == df["momentum"].tolist()


def test_training_options_offer_what_the_train_section_accepts():
    """The CLIs' overrides come from TRAIN_PARAMS: a choice added there is offered here."""
    from lrlab.cli import _parser
    from lrlab.train.config import TRAIN_PARAMS

    commands = _parser()._subparsers._group_actions[0].choices
    params = {p.name: p for p in TRAIN_PARAMS}
    for command in ("train", "find-lr"):
        for action in commands[command]._actions:
            key = action.dest
            if action.option_strings and key in params and params[key].kind == "choice":
                assert tuple(action.choices) == params[key].choices, (command, key)
    args = _parser().parse_args(["train", "x.json", "--batch-size", "64", "--device", "cpu"])
    assert (args.batch_size, args.device) == (64, "cpu")
