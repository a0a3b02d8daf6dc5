import os
import sys
from pathlib import Path

from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

# CI draws the same examples every run (a red build is reproducible); locally each run explores
# new ones. HYPOTHESIS_PROFILE=ci locally reproduces CI.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

# Device slots (lrlab.train.slots) are machine-wide by default; a test session gets its own
# lock directory so it neither waits for nor blocks runs outside it. Tests of the slots pass
# their own directories explicitly.
import tempfile  # noqa: E402

os.environ.setdefault("LRLAB_LOCK_DIR", tempfile.mkdtemp(prefix="lrlab-locks-"))
