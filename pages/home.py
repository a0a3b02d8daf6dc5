"""Home: what lrlab is, in a few lines, and where to go."""

import streamlit as st

from ui.common import ensure_navigation

ensure_navigation()

st.title("lrlab")
st.markdown(
    "**See what a learning-rate schedule really does.** Every curve here comes from stepping "
    "a real `torch.optim` optimizer and `torch.optim.lr_scheduler` scheduler, never from a "
    "re-typed formula, so what you see is what PyTorch will do."
)
cols = st.columns(4)
with cols[0].container(border=True):
    st.subheader("Explore")
    st.write(
        "One scheduler and optimizer with every setting, its formula, the PyTorch code, "
        "classic mistakes, and a link to share."
    )
    st.page_link("pages/explore.py", label="Explore a schedule", icon=":material/show_chart:")
with cols[1].container(border=True):
    st.subheader("Compare")
    st.write(
        "Up to eight schedules overlaid or side by side, with the numbers that tell them apart."
    )
    st.page_link("pages/compare.py", label="Compare schedules", icon=":material/compare_arrows:")
st.caption(
    "Built on PyTorch, Streamlit and Plotly. Start from a preset on Explore: "
    "ResNet step decay, cosine with warmup, one-cycle, SGDR, ReduceLROnPlateau."
)
