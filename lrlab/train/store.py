"""Runs persist in SQLite: one row per run, plus per-step and per-epoch metric tables.

Written as the run goes (at least once a second), so a crash loses at most the last second.
WAL mode lets the pages read while a job writes. Runs left ``running`` by a process that no
longer exists are marked ``interrupted`` when a store is opened.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from lrlab.core.errors import ConfigError

if TYPE_CHECKING:
    from lrlab.train.config import RunConfig

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created REAL NOT NULL,
    started REAL,
    finished REAL,
    status TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    config TEXT NOT NULL,
    dataset TEXT, model TEXT, device TEXT, device_name TEXT,
    epochs INTEGER, epochs_done INTEGER NOT NULL DEFAULT 0, steps_done INTEGER NOT NULL DEFAULT 0,
    seconds REAL, test_accuracy REAL, best_test_accuracy REAL, test_loss REAL,
    host TEXT, pid INTEGER,
    kind TEXT NOT NULL DEFAULT 'train',
    sweep_id TEXT, label TEXT, seed INTEGER,
    result TEXT
);
CREATE TABLE IF NOT EXISTS steps (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step INTEGER NOT NULL, epoch INTEGER NOT NULL, loss REAL NOT NULL,
    lr TEXT NOT NULL, momentum TEXT,
    PRIMARY KEY (run_id, step)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS epochs (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL, train_loss REAL, train_acc REAL, test_loss REAL, test_acc REAL,
    seconds REAL, images_per_s REAL, lr TEXT,
    PRIMARY KEY (run_id, epoch)
) WITHOUT ROWID;
"""
# Columns added after the first release: (name, SQL type), added to older databases on open.
# kind: 'train' or 'range_test'; sweep_id/label/seed: a sweep's run; result: JSON of a
# job's own output (a range test's curve and suggestions; a designed run's predicted loss).
ADDED_COLUMNS = (
    ("kind", "TEXT NOT NULL DEFAULT 'train'"),
    ("sweep_id", "TEXT"),
    ("label", "TEXT"),
    ("seed", "INTEGER"),
    ("result", "TEXT"),
    ("wait_seconds", "REAL"),  # waiting for a device slot; seconds is the training alone
)
ACTIVE = ("queued", "running")
StepRow = tuple[int, int, float, list[float], list[float] | None]
FLUSH_SECONDS = 1.0


def default_db_path() -> Path:
    """``$LRLAB_DB``, else runs.sqlite in the user's data directory."""
    env = os.environ.get("LRLAB_DB")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("lrlab")) / "runs.sqlite"


class RunStore:
    """Thread-safe access to the run database (one connection per thread)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else default_db_path()
        self._local = threading.local()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._conn() as db:
                db.executescript(SCHEMA)
                have = {row["name"] for row in db.execute("PRAGMA table_info(runs)")}
                for column, sql_type in ADDED_COLUMNS:
                    if column not in have:
                        db.execute(f"ALTER TABLE runs ADD COLUMN {column} {sql_type}")
        except (sqlite3.Error, OSError) as exc:
            # A folder, a file that is not SQLite, a path nobody may write: bad input, one line.
            reason = getattr(exc, "strerror", None) or str(exc)
            raise ConfigError("", f"cannot open the run database {self.path}: {reason}") from None
        self.interrupted_at_open = self.recover_interrupted()

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    # -- runs ------------------------------------------------------------------------------
    def create_run(self, config: RunConfig | Mapping[str, Any], name: str | None = None) -> str:
        """Store a queued run; a RunConfig is saved in its normalised form (to_json)."""
        if not isinstance(config, Mapping):  # a RunConfig (not imported: the store stays light)
            config = config.to_json()
        run_id = uuid.uuid4().hex[:12]
        train = config.get("train", {})
        sched = config.get("scheduler", {}).get("name", "?")
        name = name or f"{sched} · {train.get('model', '?')} · {train.get('dataset', '?')}"
        self._conn().execute(
            "INSERT INTO runs (id, name, created, status, config, dataset, model, epochs, host,"
            " pid) VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?)",
            (
                run_id,
                name,
                time.time(),
                json.dumps(config),
                train.get("dataset"),
                train.get("model"),
                train.get("epochs"),
                socket.gethostname(),
                os.getpid(),
            ),
        )
        return run_id

    def update_run(self, run_id: str, **fields: Any) -> None:
        if not fields:
            return
        cols = ", ".join(f"{k} = ?" for k in fields)
        self._conn().execute(f"UPDATE runs SET {cols} WHERE id = ?", (*fields.values(), run_id))

    def finish_run(self, run_id: str, status: str, message: str, **fields: Any) -> None:
        """Record how a run ended (status, message, now as ``finished``, and ``fields``)."""
        self.update_run(run_id, status=status, message=message, finished=time.time(), **fields)

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        row = self._conn().execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            return None
        run = dict(row)
        run["config"] = json.loads(run["config"])
        if run.get("result"):
            run["result"] = json.loads(run["result"])
        return run

    def list_runs(self) -> pd.DataFrame:
        """All runs, newest first (config as JSON text)."""
        return pd.read_sql_query("SELECT * FROM runs ORDER BY created DESC", self._conn())

    def rename(self, run_id: str, name: str) -> None:
        self.update_run(run_id, name=name.strip() or run_id)

    def delete(self, run_ids: Iterable[str]) -> None:
        db = self._conn()
        for run_id in run_ids:
            db.execute("DELETE FROM runs WHERE id = ?", (run_id,))

    def recover_interrupted(self) -> int:
        """Mark runs whose process died while they were queued or running as interrupted."""
        host, marked = socket.gethostname(), 0
        rows = (
            self._conn()
            .execute("SELECT id, host, pid FROM runs WHERE status IN (?, ?)", ACTIVE)
            .fetchall()
        )
        for row in rows:
            if row["host"] == host and _alive(row["pid"]):
                continue
            self.finish_run(
                row["id"], "interrupted", "the process running it stopped before it finished"
            )
            marked += 1
        return marked

    # -- metrics ---------------------------------------------------------------------------
    def add_steps(self, run_id: str, rows: Iterable[StepRow], **run_fields: Any) -> None:
        """Append steps ``(step, epoch, loss, lrs, momenta or None)`` and update the run's
        ``run_fields`` in one transaction: a reader never sees one without the other."""
        db = self._conn()
        db.execute("BEGIN")
        try:
            db.executemany(
                "INSERT OR REPLACE INTO steps VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (run_id, step, epoch, loss, json.dumps(lr), json.dumps(mom) if mom else None)
                    for step, epoch, loss, lr, mom in rows
                ],
            )
            self.update_run(run_id, **run_fields)  # this thread's connection: same transaction
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def add_epoch(self, run_id: str, e: Mapping[str, Any]) -> None:
        """Store an epoch's metrics (an engine ``epoch`` event) and the run's latest results."""
        self._conn().execute(
            "INSERT OR REPLACE INTO epochs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run_id,
                e["epoch"],
                e["train_loss"],
                e["train_acc"],
                e["test_loss"],
                e["test_acc"],
                e["seconds"],
                e["images_per_s"],
                json.dumps(e["lr"]),
            ),
        )
        self.update_run(
            run_id,
            epochs_done=e["epoch"] + 1,
            test_accuracy=e["test_acc"],
            test_loss=e["test_loss"],
        )

    def steps(self, run_id: str) -> pd.DataFrame:
        """Per step: step, epoch, loss, then lr_<g> and momentum_<g> for each group."""
        df = pd.read_sql_query(
            "SELECT step, epoch, loss, lr, momentum FROM steps WHERE run_id = ? ORDER BY step",
            self._conn(),
            params=(run_id,),
        )
        return _expand(df)

    def epochs(self, run_id: str) -> pd.DataFrame:
        df = pd.read_sql_query(
            "SELECT epoch, train_loss, train_acc, test_loss, test_acc, seconds, images_per_s, lr"
            " FROM epochs WHERE run_id = ? ORDER BY epoch",
            self._conn(),
            params=(run_id,),
        )
        return _expand(df)

    def export(self, run_ids: Iterable[str]) -> pd.DataFrame:
        """One long table of every step of the given runs, with their per-epoch test metrics."""
        frames = []
        for run_id in run_ids:
            run = self.get_run(run_id)
            if run is None:
                continue
            steps, epochs = self.steps(run_id), self.epochs(run_id)
            cols = ["epoch", "test_loss", "test_acc"]
            merged = steps.merge(epochs[cols], on="epoch", how="left") if len(epochs) else steps
            frames.append(merged.assign(run_id=run_id, run_name=run["name"]))
        if not frames:
            return pd.DataFrame(columns=["run_id", "run_name", "step", "epoch", "loss"])
        out = pd.concat(frames, ignore_index=True)
        return out[["run_id", "run_name", *[c for c in out.columns if not c.startswith("run_")]]]

    def recorder(
        self, run_id: str, then: Callable[[dict[str, Any]], None] | None = None
    ) -> Recorder:
        """An event sink that records the run's events here, then hands each to ``then``."""
        return Recorder(self, run_id, then)


class Recorder:
    """An engine event sink that writes a run's events to the store: steps in batches, at
    least once a second, everything else as it comes."""

    def __init__(
        self, store: RunStore, run_id: str, then: Callable[[dict[str, Any]], None] | None = None
    ) -> None:
        self.store, self.run_id, self.then = store, run_id, then
        self.steps: list[StepRow] = []
        self.last_flush = time.monotonic()
        self._handlers: dict[str, Callable[[dict[str, Any]], None]] = {
            "step": self._step,
            "waiting": self._device_wait,
            "acquired": self._device_wait,
            "start": self._start,
            "epoch": self._epoch,
            "end": self._end,
        }

    def __call__(self, event: dict[str, Any]) -> None:
        handler = self._handlers.get(event["type"])
        if handler is not None:
            handler(event)
        if self.then is not None:  # stored first: whoever watches `then` finds it in the store
            self.then(event)

    def replay(self, events: Iterable[dict[str, Any]]) -> None:
        """Record events a worker collected elsewhere (a sweep's), in order."""
        for event in events:
            self(event)

    def flush(self, **run_fields: Any) -> None:
        if self.steps:
            self.store.add_steps(self.run_id, self.steps, **run_fields)
            self.steps.clear()
        self.last_flush = time.monotonic()

    def _step(self, e: dict[str, Any]) -> None:
        self.steps.append((e["step"], e["epoch"], e["loss"], e["lr"], e.get("momentum")))
        if time.monotonic() - self.last_flush >= FLUSH_SECONDS:
            self.flush(steps_done=e["step"] + 1)

    def _device_wait(self, e: dict[str, Any]) -> None:
        # The device is busy with runs of other processes: say so until it is free.
        self.store.update_run(self.run_id, message=e.get("message", ""))

    def _start(self, e: dict[str, Any]) -> None:
        self.store.update_run(
            self.run_id,
            status="running",
            started=time.time(),
            device=e["device"],
            device_name=e["device_name"],
            epochs=e["epochs"],
            pid=os.getpid(),
            host=socket.gethostname(),
        )

    def _epoch(self, e: dict[str, Any]) -> None:
        self.flush()
        self.store.add_epoch(self.run_id, e)

    def _end(self, e: dict[str, Any]) -> None:
        self.flush()
        extra = {}
        if e.get("result") is not None:  # a range test's curve and suggestions
            extra["result"] = json.dumps({**e["result"], "run_id": self.run_id})
        self.store.finish_run(
            self.run_id,
            e["status"],
            e["message"],
            seconds=e["seconds"],
            wait_seconds=e.get("wait_seconds"),
            steps_done=e["steps"],
            test_accuracy=e["test_accuracy"],
            test_loss=e["test_loss"],
            best_test_accuracy=e["best_test_accuracy"],
            epochs_done=e["epochs"],
            device=e["device"] or None,
            device_name=e["device_name"] or None,
            **extra,
        )


def _expand(df: pd.DataFrame) -> pd.DataFrame:
    """Turn the JSON lists in ``lr`` / ``momentum`` into one column per parameter group."""
    for col in ("lr", "momentum"):
        if col not in df or df[col].isna().all():
            df = df.drop(columns=[col], errors="ignore")
            continue
        values = pd.DataFrame([json.loads(v) for v in df[col]], index=df.index)
        values.columns = [f"{col}_{g}" for g in values.columns]
        df = pd.concat([df.drop(columns=[col]), values], axis=1)
    return df


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    if pid == os.getpid():
        return True  # this process: its own manager decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
