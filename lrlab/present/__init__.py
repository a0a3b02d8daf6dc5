"""Presentation: figures, tables, teaching overlays, presets and the catalog reference.

Pure functions from configs to DataFrames and plotly figures; no Streamlit."""
