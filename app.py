"""lrlab: the multipage app. `streamlit run app.py`."""

import streamlit as st

from lrlab.warmup import start_warmup

# Once per server process, in a daemon thread; every later run of this script (reruns, other
# sessions) finds it started and returns at once. Under serve.py it started with the server;
# under a plain `streamlit run app.py` it starts with the first visit, the earliest point
# Streamlit runs any of our code (its only server-start hook is st.App's ASGI lifespan, which
# would make this file an ASGI entry point instead of the app). Later visits find torch and
# lrlab warm, and dead runs are marked interrupted without opening Train.
start_warmup(modules=("ui.simulation", "ui.jobs", "ui.form"), log=True)

st.set_page_config(
    page_title="lrlab · PyTorch LR schedulers", page_icon=":material/show_chart:", layout="wide"
)

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/explore.py", title="Explore", icon=":material/show_chart:", url_path="explore"),
    st.Page(
        "pages/compare.py", title="Compare", icon=":material/compare_arrows:", url_path="compare"
    ),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:", url_path="train"),
    st.Page("pages/runs.py", title="Runs", icon=":material/table_chart:", url_path="runs"),
    st.Page(
        "pages/sweep.py", title="Sweep", icon=":material/stacked_line_chart:", url_path="sweep"
    ),
]
st.navigation(PAGES).run()
