"""Train: start a short job with any schedule and watch it live. The page never trains: the
job runs in the process-wide job manager, and the page only submits, stops and watches."""

import json

import streamlit as st

from lrlab import ConfigError, Schedule, simulate
from lrlab.catalog import SCHEDULERS
from lrlab.core.steps import STEPPINGS, training_step_per
from lrlab.jobs.manager import Job
from lrlab.predict.figures import overlay_prediction
from lrlab.present.figures import lr_figure
from lrlab.present.presets import PRESETS, STARTER, preset
from lrlab.train.config import TRAIN_PARAMS, RunConfig, parse_run
from lrlab.train.data import CIFAR10_TARBALL, default_data_dir
from lrlab.train.devices import available_devices
from lrlab.train.figures import planned_lr, run_figure
from lrlab.train.status import (
    FINAL,
    LIVE,
    headline,
    length_hint,
    links_to_offer,
    may_control,
    progress_line,
    shown_run,
)
from ui import lrfind as range_test
from ui.editors import ensure_param, param_widget, state_of
from ui.explore_state import explore_schedule
from ui.jobs import manager
from ui.navigation import ensure_navigation
from ui.predict import DESIGNED, keep_prediction, prediction_for, run_prediction
from ui.uploads import config_upload

ensure_navigation()

P = "tr"
REFRESH_SECONDS = 1.0
jobs = manager()
store = jobs.store


# -- which schedule ------------------------------------------------------------------------
def uploaded(config: dict, parsed: Schedule | RunConfig) -> None:
    """Train the file's schedule. A run config trains exactly as it says: every training
    setting is the parsed file's (the ones it leaves out are its defaults, not earlier
    edits), and its stepping is not replaced by the scheduler's usual one."""
    st.session_state[f"{P}.uploaded"] = config
    if isinstance(parsed, RunConfig):
        for p in TRAIN_PARAMS:
            for key, value in state_of(p, parsed.train[p.name], f"{P}.train.{p.name}", 1).items():
                st.session_state[key] = value


def pick_schedule() -> tuple[dict | None, str]:
    handed = st.session_state.get(f"{P}.handed")
    source = st.radio(
        "schedule",
        ["Explore", "Compare", "Preset", "Upload", *([DESIGNED] if handed else [])],
        horizontal=True,
        key=f"{P}.source",
        help="Train with the schedule you built on Explore, "
        "one from the Compare page, a preset, or a config file"
        + (", or the one designed from a loss model (Train it)." if handed else "."),
    )
    if source == DESIGNED:
        st.caption("The schedule designed from a loss model, opened with **Train it**.")
        return handed, "designed schedule"
    if source == "Explore":
        config = explore_schedule()
        if config is None:
            st.caption(
                f"Nothing on Explore yet in this session: using the {STARTER} "
                "schedule, which trains LeNet on Digits well."
            )
            return preset(STARTER), STARTER
        return config, f"Explore: {config['scheduler']['name']}"
    if source == "Compare":
        items = st.session_state.get("cmp.items") or []
        if not items:
            st.caption("Nothing on Compare yet in this session.")
            return None, ""
        names = [it["name"] for it in items]
        name = st.selectbox("Compare schedule", names, key=f"{P}.cmp")
        return items[names.index(name)]["config"], name
    if source == "Preset":
        name = st.selectbox("preset", list(PRESETS), key=f"{P}.preset")
        return preset(name), name
    config_upload("schedule or run config (JSON)", f"{P}.upload", uploaded)
    config = st.session_state.get(f"{P}.uploaded")
    return config, "uploaded config"


# -- training settings ---------------------------------------------------------------------
def settings(schedule: dict | None) -> dict:
    cifar_here = (default_data_dir() / "cifar-10-batches-py").exists()
    defaults = {
        "dataset": "cifar10" if cifar_here else "digits",
        "epochs": 8,
        "batch_size": 64 if not cifar_here else 256,
    }
    # A run config's own stepping, else the schedule's usual (a file saying "batch" for a
    # plateau schedule is refused below, with a button, never silently changed).
    given = (schedule or {}).get("train")
    own = given.get("step_per") if isinstance(given, dict) else None
    defaults["step_per"] = own if own in STEPPINGS else training_step_per(schedule)
    # A newly picked schedule (or scheduler) brings its usual stepping; edits of the same one
    # keep the user's choice.
    picked = json.dumps([st.session_state.get(f"{P}.source"), (schedule or {}).get("scheduler")])
    if st.session_state.get(f"{P}.picked") != picked:
        st.session_state[f"{P}.picked"] = picked
        st.session_state[f"{P}.train.step_per"] = defaults["step_per"]
    train = {}
    cols = st.columns(3)
    for i, p in enumerate(TRAIN_PARAMS):
        key = f"{P}.train.{p.name}"
        ensure_param(p, defaults.get(p.name, p.default), key)
        c = cols[i % 3]
        if p.name == "device":
            devices = {d["name"]: d for d in available_devices()}
            here = "; ".join(f"**{n}**: {d['detail']}" for n, d in devices.items())
            train[p.name] = c.selectbox(  # short labels: the column is ~150 px at 1280 px
                "device",
                list(devices),
                key=key,
                help=f"{p.help} Here: {here}.",
                format_func=lambda n, d=devices: d[n]["label"],
            )
        elif p.name == "step_per":
            train[p.name] = c.selectbox(
                "scheduler.step() every", ["epoch", "batch"], key=key, help=p.help
            )
        else:
            train[p.name] = param_widget(c, p, key, f"train.{p.name}", 1)
    if train["dataset"] == "digits":
        st.caption(
            "**Digits** is scikit-learn's bundled set of 1,797 handwritten digits, "
            "scaled to 32×32 so every model runs on it: real data that is always "
            "available offline, for demos where CIFAR-10 cannot be downloaded."
        )
    elif not cifar_here:
        st.caption(
            f"CIFAR-10 is not in {default_data_dir()}: it is downloaded on first use "
            f"where the internet is reachable, or put {CIFAR10_TARBALL} there."
        )
    return train


# -- watching a run ------------------------------------------------------------------------
def started_here() -> list[str]:
    return st.session_state.setdefault(f"{P}.started", [])


def same_run_live(config: dict) -> str | None:
    """The id of a live run this session started with exactly ``config``, if any."""
    mine = set(started_here())
    for job in jobs.active():
        if job.run_id in mine and job.kind == "train":
            run = store.get_run(job.run_id)
            if run is not None and run["config"] == config:
                return job.run_id
    return None


def current_run() -> tuple[dict | None, bool]:
    """The run this page shows, and whether only to watch it (another session's job)."""
    run_id, watch_only = shown_run(
        st.query_params.get("run"),
        st.session_state.get(f"{P}.run"),
        (j.run_id for j in jobs.active() if j.kind == "train"),  # range tests: own section
    )
    return (store.get_run(run_id) if run_id else None), watch_only


# The live view reruns every second: parse and simulate a run's plan once, not per refresh.
@st.cache_data(max_entries=8, show_spinner=False)
def planned_curve(run_id: str, config_json: str) -> tuple | None:
    return planned_lr(json.loads(config_json))


def watch(run_id: str, live_at_render: bool) -> None:
    run = store.get_run(run_id)
    if run is None:
        st.warning("This run no longer exists.")
        return
    job = jobs.job(run_id)
    status = job.status if job else run["status"]
    if live_at_render and (status in FINAL or (job and job.done.is_set())):
        st.rerun()  # it just ended: redraw the whole page, its headings and buttons too
    starting = status == "running" and job is not None and not job.total_steps
    run_state(run, job, status, starting)
    if status == "queued":
        queue_note(run, job)
    elif status == "running" and job and not starting:
        fraction, text = progress_line(job.progress())
        st.progress(fraction, text=text)
    run_chart(run)


def run_state(run: dict, job: Job | None, status: str, starting: bool) -> None:
    """The run's real state first, where the user is looking; then its name and Stop."""
    stopping = bool(job and job.cancel.is_set())
    level, text = headline(run, status, stopping=stopping, starting=starting)
    getattr(st, level)(text)
    head = st.columns([4, 1])
    device = run["device_name"] or run["device"]  # known once the job has its device
    head[0].markdown(f"**{run['name']}** · `{run['id']}`" + (f" · {device}" if device else ""))
    control = may_control(run["id"], started_here(), st.query_params.get("run"))
    if status in LIVE and not control:
        head[1].caption("Started in another session: watch only.")
    elif status in LIVE and not stopping:
        head[1].button(
            "Stop",
            key=f"{P}.stop",
            type="primary",
            on_click=jobs.cancel,
            args=(run["id"],),
            width="stretch",
        )


def queue_note(run: dict, job: Job | None) -> None:
    """Why a queued run waits: a device busy in another process, or its place in the queue."""
    if job is None or job.waiting:
        waiting = job.waiting if job else run["message"] or "Queued"
        st.info(f"{waiting}. Runs take turns on a device across every process on this machine.")
        return
    busy = next((j for j in jobs.active() if j.status == "running"), None)
    st.info(
        f"Queued (position {jobs.queue_position(run['id'])}): one job trains at a time on each "
        "device" + (f"; waiting for run `{busy.run_id}`." if busy else ".")
    )


def run_chart(run: dict) -> None:
    """Loss, lr over the planned curve, test loss and accuracy, as recorded so far."""
    steps, epochs = store.steps(run["id"]), store.epochs(run["id"])
    planned = planned_curve(run["id"], json.dumps(run["config"], sort_keys=True))
    plateau = SCHEDULERS[run["config"]["scheduler"]["name"]].needs_metric
    fig = run_figure(
        steps,
        epochs,
        *(planned or (None, None)),
        mark_reductions=plateau,
        total_epochs=run["epochs"],
    )
    predicted = run_prediction(run)  # a designed schedule opened with "Train it"
    if predicted is not None:
        overlay_prediction(fig, predicted, predicted["batches_per_epoch"])
    st.plotly_chart(fig, width="stretch", key=f"{P}.live")
    if predicted is not None:
        st.caption(
            "Dashed, with its band: the loss model's prediction for this schedule, from "
            f"the design (final {predicted['loss'][-1]:.4g}). It is only as good as the fit's "
            "held-out error."
        )


# -- kept across pages ---------------------------------------------------------------------
# Streamlit forgets a page's widgets when another page is shown: coming back, the preset (and
# with it a "use as max_lr" patch, which applies to the schedule it was made for) and the
# settings would silently reset. Their last values are kept under keys of their own.
KEPT = [f"{P}.source", f"{P}.preset", f"{P}.cmp", *(f"{P}.train.{p.name}" for p in TRAIN_PARAMS)]


def restore_kept() -> None:
    for key in KEPT:
        if key not in st.session_state and f"{key}.kept" in st.session_state:
            st.session_state[key] = st.session_state[f"{key}.kept"]


def keep() -> None:
    for key in KEPT:
        if key in st.session_state:
            st.session_state[f"{key}.kept"] = st.session_state[key]


# -- the page ------------------------------------------------------------------------------
restore_kept()
st.title("Train")
left, right = st.columns([3, 2])
with left:
    schedule, schedule_name = pick_schedule()
    schedule = range_test.patched(schedule, schedule_name)  # a suggestion put in below
    train = settings(schedule)
run_config = None
parsed = None  # the run config, parsed once below
with right:
    if schedule:
        run_config = {k: v for k, v in schedule.items() if k not in ("view", "steps", "name")}
        run_config["train"] = train
        try:
            parsed = parse_run(run_config)  # the one validation; submit takes this value
            if prediction_for(parsed.to_json()) is not None:
                st.caption(
                    "Designed from a loss model: its predicted loss is drawn over this run's "
                    "loss as it trains."
                )
            if hint := length_hint(schedule, parsed.view, parsed.schedule.to_json()["scheduler"]):
                st.caption(hint)
            if not SCHEDULERS[parsed.schedule.scheduler_name].needs_metric:
                df = simulate(parsed.schedule)
                view = {**parsed.view, "x_axis": "epoch", "log_y": False}
                st.markdown("**Planned learning rate**")
                fig = lr_figure(df, view)
                # A compact preview: the panels' own titles name the curves, so no legend
                # that would sit on top of them.
                fig.update_layout(height=340, showlegend=False, margin={"t": 30})
                st.plotly_chart(fig, width="stretch", key=f"{P}.plan")
            else:
                st.info(
                    "ReduceLROnPlateau reacts to the test loss: its curve appears as the run goes."
                )
        except ConfigError as err:
            usual = training_step_per(schedule)
            if err.field == "train.step_per" and train["step_per"] != usual:
                st.warning(f"This schedule is stepped once per {usual}: {err.message}.")
                st.button(
                    f"Step it per {usual}",
                    key=f"{P}.usual",
                    on_click=st.session_state.__setitem__,
                    args=(f"{P}.train.step_per", usual),
                )
            else:
                st.error(f"This schedule cannot train: {err}")
            run_config = None
    name = st.text_input("run name (optional)", key=f"{P}.name", max_chars=80)
    busy = [j for j in jobs.active() if j.status == "running"]
    same = parsed is not None and same_run_live(parsed.to_json())
    if same:  # a second click would train the very same run again
        st.caption(f"This run is already training (`{same}`): change a setting to queue another.")
    elif busy:
        st.caption(f"A job is running (`{busy[0].run_id}`); a new one waits in the queue.")
    if st.button(
        "Start training",
        type="primary",
        disabled=run_config is None or bool(same),
        key=f"{P}.start",
        width="stretch",
    ):
        try:
            run_id = jobs.submit(
                parsed, name or f"{schedule_name} · {train['model']} · {train['dataset']}"
            )
            keep_prediction(store, run_id, parsed.to_json())
            st.session_state[f"{P}.run"] = run_id
            started_here().append(run_id)
            st.query_params["run"] = run_id
            st.caption(f"Started `{run_id}`: it is shown right below, live.")
        except ConfigError as err:
            st.error(str(err))
    st.download_button(
        "Download run config",
        json.dumps(run_config or {}, indent=2),
        "lrlab-run.json",
        "application/json",
        disabled=run_config is None,
        key=f"{P}.json",
    )

keep()
# The run just started (or linked) right under its Start button, before the range test.
run, watch_only = current_run()
if run:
    watched = run["id"]
    live = run["status"] in LIVE
    st.subheader("Another session's run" if watch_only else "Run")
    st.fragment(run_every=REFRESH_SECONDS if live else None)(watch)(watched, live)
    trained = [r for r in store.list_runs().to_dict("records") if r["kind"] == "train"]
    other = links_to_offer(trained, watched, started_here())[:20]
    if other:
        st.caption(
            "Open another run: "
            + " · ".join(f"[{r['name']}](train?run={r['id']})" for r in other[:5])
        )
elif (asked := st.query_params.get("run")) and store.get_run(asked) is None:
    st.warning(
        f"No run `{asked}` is known here: it was deleted, or the link comes from another "
        "server. Runs are kept; see the Runs page."
    )
else:
    st.caption("No run yet: pick a schedule and start one. Runs are kept; see the Runs page.")

st.divider()
range_test.section(jobs, run_config, schedule_name)
