"""lrlab: explore, compare and train with PyTorch learning-rate schedulers.

The package never imports Streamlit; the pages are thin views over it.
"""

from lrlab.codegen import to_code
from lrlab.config import MAX_GROUPS, MAX_STEPS, validate
from lrlab.errors import ConfigError
from lrlab.simulate import simulate

__all__ = ["MAX_GROUPS", "MAX_STEPS", "ConfigError", "simulate", "to_code", "validate"]
