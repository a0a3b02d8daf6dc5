"""The loss model a session works with, carried in the URL (``fit=ID,ID&law=...``).

Runs and Sweep set it; Compare and Explore draw predicted loss with it; Train draws a
designed schedule's prediction over its run. Only this module knows the session keys.
The model is plain data (:class:`lrlab.predict.view.FitSpec`); every page that shows it
writes it back into its own URL, so it follows the user from page to page and a refresh or a
shared link opens the same model. Fitting is cached per run ids, law and database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import streamlit as st

from lrlab import ConfigError
from lrlab.predict.figures import (
    Handoff,
    design_base,
    design_handoff,
    predicted_figure,
    prediction_key,
)
from lrlab.predict.fit import tail_mean
from lrlab.predict.view import (
    FitSpec,
    LossModel,
    SchedulePrediction,
    ceiling_note,
    fit_headline,
    fit_level_warnings,
    fit_loss_model,
    heldout_table,
    iteration_lrs,
    parse_fit_spec,
    predict_drawn,
    prediction_table,
    ranking_note,
)
from lrlab.train.store import RunStore

_SPEC, _SEEN, _ERROR = "predict.spec", "predict.url_seen", "predict.error"
_TRAIN, _GOTO, _DESIGN = "predict.train", "predict.goto_train", "predict.design"
LAWS = {"multi-power": "multi-power (Luo et al. 2025)", "momentum": "momentum (Tissue et al. 2024)"}


@st.cache_resource(max_entries=16, show_spinner="Fitting the loss model…")
def _fitted(db: str, run_ids: tuple[str, ...], law: str) -> LossModel:
    return fit_loss_model(RunStore(db), FitSpec(run_ids, law))


def fitted(store: RunStore, spec: FitSpec) -> LossModel:
    """The fitted model (cached). Raises ConfigError (unknown run, mixed setups...)."""
    return _fitted(str(store.path), spec.run_ids, spec.law)


def set_fit(store: RunStore, run_ids: list[str], law: str, key: str) -> None:
    """Fit ``run_ids`` now (a button's callback): on success this session uses the model,
    otherwise the reason is kept for the form to say and the current model stays."""
    try:
        spec = parse_fit_spec(",".join(run_ids), law)
        fitted(store, spec)
    except ConfigError as err:
        st.session_state[f"{key}.error"] = f"No loss model: {err.message}"
        return
    st.session_state[_SPEC] = spec
    st.session_state.pop(_DESIGN, None)
    st.query_params.update(spec.query())


def forget_fit() -> None:
    st.session_state.pop(_SPEC, None)
    st.session_state.pop(_DESIGN, None)
    for key in ("fit", "law"):
        if key in st.query_params:
            del st.query_params[key]


def _store() -> RunStore:
    from ui.jobs import manager

    return manager().store


def current_model() -> LossModel | None:
    """The session's loss model, after applying a link's ``fit``/``law`` once: a bad or
    unknown one is said in one line and changes nothing. Written back into the URL.

    The run store is opened only when a model is asked for (Compare and Explore without one
    never touch it)."""
    fit, law = st.query_params.get("fit"), st.query_params.get("law")
    seen = st.session_state.setdefault(_SEEN, set())
    if fit is not None and (fit, law) not in seen:
        store = _store()
        seen.add((fit, law))
        try:
            spec = parse_fit_spec(fit, law)
            fitted(store, spec)
            st.session_state[_SPEC] = spec
        except ConfigError as err:
            st.session_state[_ERROR] = f"This loss model link could not be opened: {err.message}"
    if msg := st.session_state.pop(_ERROR, None):
        st.error(msg, icon=":material/warning:")
    spec = st.session_state.get(_SPEC)
    if spec is None:
        return None
    try:
        lm = fitted(_store(), spec)
    except ConfigError as err:  # a fitted run was deleted since
        st.error(f"The loss model can no longer be fitted: {err.message}")
        forget_fit()
        return None
    query = spec.query()
    if any(st.query_params.get(k) != v for k, v in query.items()):
        st.query_params.update(query)
    seen.add((query["fit"], query["law"]))
    return lm


def fit_panel(lm: LossModel, key: str) -> None:
    """The fit's held-out error said plainly, the per-run detail, and a way to drop it."""
    level, text = fit_headline(lm)
    getattr(st, level)(text, icon=":material/insights:")
    with st.expander("Loss model details"):
        st.dataframe(heldout_table(lm), hide_index=True, width="stretch")
        for note in fit_level_warnings(lm):
            st.caption(f"⚠ {note}")
        st.caption(
            f"Fitted runs: {lm.epochs} epochs × {lm.batches_per_epoch} batches, "
            f"{lm.family['model']} on {lm.family['dataset']} with {lm.family['optimizer']}. "
            "Predictions of schedules outside what they saw say so."
        )
        st.button("Forget this loss model", key=f"{key}.forget", on_click=forget_fit)


def fit_form(store: RunStore, run_ids: list[str], key: str, label: str) -> None:
    """A law and a button that fits it to ``run_ids``."""
    cols = st.columns([2, 3], vertical_alignment="bottom")
    law = cols[0].selectbox("law", list(LAWS), format_func=LAWS.get, key=f"{key}.law")
    cols[1].button(
        label,
        key=f"{key}.fit",
        on_click=set_fit,
        args=(store, run_ids, law, key),
        disabled=len(run_ids) < 2,
        help="The fit is scored on each run left out in turn, so it needs two runs or more.",
    )
    if msg := st.session_state.pop(f"{key}.error", None):
        st.error(msg, icon=":material/warning:")


# -- design and "train it" -----------------------------------------------------------------
@st.cache_resource(max_entries=8, show_spinner="Designing a schedule…")
def _design(spec: tuple, base_json: str, lrs_hash: str, _lm: LossModel, _lrs: Any) -> Handoff:
    return design_handoff(_lm, json.loads(base_json), _lrs)


def design_section(lm: LossModel, config: Mapping[str, Any], lrs: np.ndarray, key: str) -> None:
    """Design a schedule from ``config`` (drawn over ``lrs``), show it and offer to train it."""
    base, why = design_base(lm, config)
    if base is None:
        st.caption(why)
        return
    base_json = json.dumps(base, sort_keys=True)
    ident = hashlib.sha1(base_json.encode() + np.asarray(lrs).tobytes()).hexdigest()
    if st.button("Design a schedule", key=f"{key}.design"):
        st.session_state[_DESIGN] = {"key": key, "ident": ident}
    asked = st.session_state.get(_DESIGN)
    if not asked or asked["key"] != key or asked["ident"] != ident:
        st.caption(
            "Design: minimise the predicted final loss over warmup-stable-decay schedules and "
            "free decays of up to 3 pieces, from this schedule's peak lr and length."
        )
        return
    spec = (lm.spec.run_ids, lm.spec.law)
    handoff = _design(spec, base_json, ident, lm, np.asarray(lrs))
    show_design(handoff, key)
    for note in handoff.warnings:
        st.caption(f"⚠ designed schedule: {note}")


def show_design(handoff: Handoff, key: str) -> None:
    """The designed schedule, both predicted losses, and "Train it"."""
    cols = st.columns(3)
    cols[0].metric("designed: predicted final loss", f"{handoff.predicted_final_loss:.4g}")
    cols[1].metric("this schedule: predicted final loss", f"{handoff.baseline_final_loss:.4g}")
    cols[2].button(
        "Train it", key=f"{key}.train", on_click=train_it, args=(handoff,), type="primary"
    )
    st.code(handoff.schedule["scheduler"]["lr_lambda"], language="python")
    st.caption(
        "The designed LambdaLR (factor of the peak lr per optimizer step). Both losses are "
        "predicted final losses as this page gives them (the mean over the last 10% of "
        "steps); trust them only as far as the fit's held-out error."
    )


DESIGNED = "Designed"  # Train's source for the schedule "Train it" hands over (in tr.handed)


def train_it(handoff: Handoff) -> None:
    """Open Train with the designed schedule and its training settings (a callback)."""
    st.session_state["tr.handed"] = handoff.schedule
    for key, value in [("tr.source", DESIGNED)] + [
        (f"tr.train.{k}", v) for k, v in handoff.train.items()
    ]:
        st.session_state[key] = value
        st.session_state[f"{key}.kept"] = value  # Train restores these on arrival
    curves = st.session_state.setdefault(_TRAIN, {})
    curve = {**handoff.prediction, "batches_per_epoch": handoff.run.batches_per_epoch}
    curves[prediction_key(handoff.run.to_json())] = curve
    st.session_state[_GOTO] = True


def follow_train_link() -> None:
    """At the top of a page: go to Train when "Train it" was clicked."""
    if st.session_state.pop(_GOTO, False):
        st.switch_page("pages/train.py")


def prediction_for(run_config: Mapping[str, Any]) -> dict | None:
    """The prediction a run came with ("Train it"), if this session handed it one."""
    curves = st.session_state.get(_TRAIN) or {}
    if not curves:
        return None
    try:
        return curves.get(prediction_key(run_config))
    except ConfigError:
        return None


def keep_prediction(store: RunStore, run_id: str, run_config: Mapping[str, Any]) -> None:
    """Store the prediction a designed run came with beside the run (its ``result``), so
    whoever opens the run (its ``?run=`` link, another session, later) sees it drawn too."""
    curve = prediction_for(run_config)
    if curve is not None:
        store.update_run(run_id, result=json.dumps({"prediction": curve}))


def run_prediction(run: Mapping[str, Any]) -> dict | None:
    """A run's prediction: stored with it (:func:`keep_prediction`), or handed to this
    session by "Train it" and not stored yet."""
    result = run.get("result")
    stored = result.get("prediction") if isinstance(result, Mapping) else None
    return stored if isinstance(stored, Mapping) else prediction_for(run["config"])


def model_links(lm: LossModel, key: str) -> None:
    """Where the model is used: buttons that open Compare or Explore in this tab and session,
    with the user's own schedules there (a markdown link opened a new tab, a new session with
    the default schedules)."""
    # one row sized to its buttons (in fixed columns their labels were cut at 1280 px)
    row = st.container(horizontal=True, vertical_alignment="center")
    for page, title in PREDICTING_PAGES.items():
        if row.button(f"Predicted loss on {title}", key=f"{key}.{title.lower()}"):
            st.switch_page(page, query_params=lm.spec.query())
    row.caption("The model follows you to every page; the address bar holds it.")


PREDICTING_PAGES = {"pages/compare.py": "Compare", "pages/explore.py": "Explore"}


# -- the pages' predicted loss -------------------------------------------------------------
@st.cache_resource(max_entries=64, show_spinner=False)
def _predicted(
    spec: tuple, ident: str, name: str, color: str, _lm: LossModel, _config: Any, _df: Any
) -> SchedulePrediction:
    return predict_drawn(_lm, name, color, _config, _df)


def predicted(
    lm: LossModel, name: str, color: str, config: Mapping[str, Any], df: Any
) -> SchedulePrediction:
    """The predicted loss of a drawn schedule (cached: an edit elsewhere predicts nothing)."""
    lrs = iteration_lrs(df, config["view"])
    ident = hashlib.sha1(
        json.dumps(config, sort_keys=True, default=str).encode() + lrs.tobytes()
    ).hexdigest()
    return _predicted((lm.spec.run_ids, lm.spec.law), ident, name, color, lm, config, df)


NO_MODEL = (
    'No loss model yet: on Runs (select training runs, then "Fit a loss model to these '
    'runs") or on a finished Sweep, fit one, and the predicted train loss appears here.'
)


def schedule_warnings(preds: list[SchedulePrediction]) -> None:
    """Each schedule's own warnings (beyond the fit's), one box per schedule."""
    for p in preds:
        if p.warnings:
            lines = "\n".join(f"- {w}" for w in p.warnings)
            st.warning(f"**{p.name}**:\n{lines}", icon=":material/warning:")


def predicted_section(lm: LossModel | None, rendered: list[dict], key: str) -> None:
    """Compare: every drawn schedule's predicted train loss in its colour, with its band and
    its own warnings; then a schedule designed from one of them."""
    st.subheader("Predicted train loss")
    if lm is None:
        st.caption(NO_MODEL)
        return
    fit_panel(lm, key)
    preds = [predicted(lm, it["name"], it["color"], it["config"], it["df"]) for it in rendered]
    x_title = "epoch" if rendered[0]["view"]["x_axis"] == "epoch" else "iteration"
    st.plotly_chart(predicted_figure(preds, x_title), width="stretch", key=f"{key}.chart")
    if note := ceiling_note(lm, preds):
        st.caption(note)
    with st.container(key=f"{key.replace('.', '-')}-table"):
        st.table(prediction_table(preds), hide_index=True)
    if ranking := ranking_note(lm, preds):
        st.info(ranking)
    schedule_warnings(preds)
    st.markdown("**Design a schedule** from one of them")
    names = [p.name for p in preds]
    picked = st.selectbox("base schedule", range(len(names)), format_func=names.__getitem__,
                          key=f"{key}.base")  # fmt: skip
    picked = picked if picked is not None and picked < len(rendered) else 0
    design_section(lm, rendered[picked]["config"], preds[picked].lrs, key)


def explore_section(lm: LossModel | None, config: Mapping[str, Any], df: Any, key: str) -> None:
    """Explore: the schedule's predicted train loss under its lr curve (the same x axis),
    with the band, its warnings and a design from it. Nothing at all without a model."""
    if lm is None:
        return
    st.markdown("**Predicted train loss** (the loss model's)")
    fit_panel(lm, key)
    if config.get("start_step"):
        st.caption(
            "The predicted loss needs the whole run: set start at step to 0 to see it (the "
            "law counts the lr from the first step)."
        )
        return
    pred = predicted(lm, "this schedule", "#0072B2", config, df)
    x_title = "epoch" if config["view"]["x_axis"] == "epoch" else "iteration"
    fig = predicted_figure([pred], x_title, height=320)
    st.plotly_chart(fig, width="stretch", key=f"{key}.chart")
    st.caption(
        f"Predicted final train loss {pred.final:.4g} (mean over the last 10% of steps), "
        f"band {tail_mean(pred.low):.4g} – {tail_mean(pred.high):.4g}. {ceiling_note(lm, [pred])}"
    )
    schedule_warnings([pred])
    design_section(lm, config, pred.lrs, key)
