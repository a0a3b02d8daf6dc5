"""What a user reads while a sweep runs: one progress line per finished run, each naming the
run's own outcome (a diverged run says diverged), agreeing with the final report."""

import json
import re

from cli_runner import lrlab
from tiny_runs import TINY_TRAIN

from lrlab.train.store import RunStore

SPEC = {
    "base": {
        "optimizer": {"name": "SGD", "lr": 0.05, "momentum": 0.9},
        "train": TINY_TRAIN,
    },
    "variants": [
        {"label": "steady", "scheduler": {"name": "ConstantLR", "factor": 1.0}},
        {
            "label": "too hot",
            "scheduler": {"name": "ConstantLR", "factor": 1.0},
            "optimizer": {"lr": 1e6},
        },
    ],
    "seeds": [0],
}
LINE = re.compile(r"^\[(\d)/2\] (.+) seed 0: (\w+) · test acc (\S+)")


def test_the_progress_lines_of_a_sweep_name_the_diverged_run_diverged(tmp_path):
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps(SPEC))
    db = tmp_path / "r.sqlite"
    out = lrlab("sweep", path, "--workers", "1", "--db", db)
    assert out.returncode == 1, out.stderr  # one run did not complete
    progress = [m.groups() for m in map(LINE.match, out.stderr.splitlines()) if m]
    assert [p[0] for p in progress] == ["1", "2"]  # one line per run, counted
    said = {label: status for _, label, status, _ in progress}
    assert said == {"steady": "completed", "too hot": "diverged"}
    hot_line = next(line for line in out.stderr.splitlines() if "too hot seed 0" in line)
    store = RunStore(db)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    for run in report["runs"]:
        assert said[run["label"]] == run["status"] == store.get_run(run["run_id"])["status"]
    hot = next(r for r in report["runs"] if r["label"] == "too hot")
    message = store.get_run(hot["run_id"])["message"]
    assert message and message in hot_line  # why it stopped, said on its line
