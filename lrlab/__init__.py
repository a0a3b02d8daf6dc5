"""lrlab: explore, compare and train with PyTorch learning-rate schedulers.

The package never imports Streamlit; the pages are thin views over it.
"""

from lrlab.core.codegen import to_code
from lrlab.core.config import MAX_GROUPS, MAX_STEPS, validate
from lrlab.core.errors import ConfigError
from lrlab.core.schedule import Schedule, parse
from lrlab.core.simulate import simulate

__all__ = [
    "MAX_GROUPS",
    "MAX_STEPS",
    "ConfigError",
    "Schedule",
    "parse",
    "simulate",
    "to_code",
    "validate",
]
