"""Start the app with a warm-up: ``python serve.py [streamlit run options]``.

``streamlit run app.py`` has no hook at server start, so the first visit would import torch
and build its first optimizer inside the user's request. This launcher starts lrlab's warm-up
thread in the server process, then runs Streamlit as ``streamlit run app.py`` would.
"""

import sys
from pathlib import Path

from streamlit.web import cli

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from lrlab.warmup import start_warmup  # noqa: E402

if __name__ == "__main__":
    start_warmup(modules=("ui.simulation", "ui.jobs", "ui.form"), log=True)
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *sys.argv[1:]]
    sys.exit(cli.main())
