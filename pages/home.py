"""Home: what lrlab is, in a few lines, and every page with its first step."""

import streamlit as st

from lrlab.present.guide import GUIDE
from ui.navigation import ensure_navigation
from ui.url import elsewhere_link

ensure_navigation()

st.title("lrlab")
said, target = elsewhere_link()  # a shared link sent to the home page: never silently dropped
if target:
    st.info(f"{said} [Open it]({target})", icon=":material/link:")
elif said:
    st.error(said)
st.markdown(
    "**See what a learning-rate schedule really does.** Every curve here comes from stepping "
    "a real `torch.optim` optimizer and `torch.optim.lr_scheduler` scheduler, never from a "
    "re-typed formula, so what you see is what PyTorch will do."
)
st.markdown("New here? Start with **Explore**; each card says what to do first.")
PER_ROW = 3  # a row of columns each, so the cards of a row line up and none sits alone
for start in range(0, len(GUIDE), PER_ROW):
    for col, guide in zip(st.columns(PER_ROW), GUIDE[start : start + PER_ROW], strict=False):
        with col.container(border=True, height="stretch"):
            st.subheader(guide.title)
            st.write(guide.what)
            st.markdown(f"**First step:** {guide.first_step}.")
            st.page_link(guide.page, label=f"Open {guide.title}", icon=guide.icon)
st.caption("Built on PyTorch, Streamlit and Plotly.")
