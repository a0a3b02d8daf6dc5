"""lrlab: the multipage app. `streamlit run app.py`."""

import streamlit as st

st.set_page_config(
    page_title="lrlab · PyTorch LR schedulers", page_icon=":material/show_chart:", layout="wide"
)

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/explore.py", title="Explore", icon=":material/show_chart:", url_path="explore"),
    st.Page(
        "pages/compare.py", title="Compare", icon=":material/compare_arrows:", url_path="compare"
    ),
]
st.navigation(PAGES).run()
