"""lrlab home page (placeholder until the Explore and Compare pages land)."""

import streamlit as st

st.set_page_config(page_title="lrlab", page_icon="📉", layout="wide")
st.title("lrlab")
st.write("Explore, compare and train with PyTorch learning-rate schedulers.")
