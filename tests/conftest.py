import os
import sys
from pathlib import Path

import pytest
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

# Under pytest-xdist each worker is a session of its own: the workers inherit the controller's
# environment, so a folder this file made there is replaced by one per worker (a folder the
# user set is kept). Shared, one worker's training made another's wait ("waiting" events).
if "LRLAB_LOCK_DIR" not in os.environ or os.environ.get("LRLAB_TEST_MADE_LOCK_DIR"):
    os.environ["LRLAB_LOCK_DIR"] = tempfile.mkdtemp(prefix="lrlab-locks-")
    os.environ["LRLAB_TEST_MADE_LOCK_DIR"] = "1"


@pytest.fixture(autouse=True)
def _keep_main_module():
    """AppTest runs a page as ``__main__`` and leaves it in ``sys.modules``. A process pool
    spawned afterwards in this worker (a sweep's local backend) would then run that page in
    each child as its main module and the children would die ("BrokenProcessPool"), so a sweep
    test failed only after a page test on the same worker. Each test gets the real one back."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture
def db(tmp_path, monkeypatch):
    """An empty run database of the test's own, the one the app (AppTest) opens: $LRLAB_DB."""
    path = tmp_path / "runs.sqlite"
    monkeypatch.setenv("LRLAB_DB", str(path))
    return path


# -- the browser tests' app and Chromium (tests/e2e.py), one of each per test module --------
# Imported lazily: most tests need neither a server nor Playwright.


@pytest.fixture(scope="module")
def app_db(tmp_path_factory):
    """The run database of the module's app: empty at the start of the module."""
    return tmp_path_factory.mktemp("db") / "runs.sqlite"


@pytest.fixture(scope="module")
def server(app_db):
    """The real app (`streamlit run app.py`) on a free loopback port; yields its base URL."""
    from e2e import streamlit_server

    with streamlit_server({"LRLAB_DB": str(app_db)}) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium: missing, it fails the test, never skips it."""
    from e2e import launch_browser
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch_browser(p)
        yield b
        b.close()


@pytest.fixture
def page(request, browser):
    """A fresh browser context (a new user) with a page of the module's VIEWPORT size."""
    viewport = getattr(request.module, "VIEWPORT", {"width": 1280, "height": 900})
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    yield context.new_page()
    context.close()


# -- a loss model's runs (tests/predict_runs.py): three tiny real Digits runs, trained once --
@pytest.fixture(scope="session")
def fit_runs_db(tmp_path_factory):
    """A run database holding the three fitted runs, and their ids. Tests copy it."""
    from predict_runs import make_fit_db

    db = tmp_path_factory.mktemp("fit-runs") / "runs.sqlite"
    return db, make_fit_db(db)
