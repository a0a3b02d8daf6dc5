"""What a schedule does: the optimizer's path on small problems (see run.py and problems.py)."""

from lrlab.paths.problems import PROBLEM_NAMES, Problem, get_problem, parse_start
from lrlab.paths.run import MAX_PATH_STEPS, run_path

__all__ = ["MAX_PATH_STEPS", "PROBLEM_NAMES", "Problem", "get_problem", "parse_start", "run_path"]
