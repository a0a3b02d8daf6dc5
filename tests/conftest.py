import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

# Device slots (lrlab.train.slots) are machine-wide by default; a test session gets its own
# lock directory so it neither waits for nor blocks runs outside it. Tests of the slots pass
# their own directories explicitly.
import os  # noqa: E402
import tempfile  # noqa: E402

os.environ.setdefault("LRLAB_LOCK_DIR", tempfile.mkdtemp(prefix="lrlab-locks-"))
