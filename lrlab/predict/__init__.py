"""Predict the loss curve of any schedule from a few stored runs, and design a schedule.

Two laws of the loss as a function of the learning rates seen so far (:mod:`.laws`): the
multi-power law (Luo et al. 2025, arXiv 2503.12811; the default) and the momentum law (Tissue
et al. 2024, arXiv 2408.11029; a baseline). :mod:`.fit` fits one to stored runs and predicts
with a band and a held-out error; :mod:`.design` minimises the predicted final loss over
schedules a user can train. Pure functions over numpy and scipy; no Streamlit, no torch.
"""
