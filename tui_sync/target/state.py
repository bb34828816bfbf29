"""Sync state inside the DuckDB file, schema `tui_sync` (DESIGN §6).

`tables`, `runs` and `schema_versions` are a contract other tools read. Writes
that belong to a sync are made on the caller's connection inside its
transaction, so state commits with the data.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from ..errors import TargetBusyError
from . import lake
from .duckdb import connect
from .lock import held_by_another
from .spec import Target, as_spec
from .watermark import decode_watermark, encode_watermark

SCHEMA_DDL = """
CREATE SCHEMA IF NOT EXISTS tui_sync;
CREATE TABLE IF NOT EXISTS tui_sync.tables (
    target_table VARCHAR PRIMARY KEY,
    source_table VARCHAR,
    cursor_column VARCHAR,
    watermark VARCHAR,
    watermark_type VARCHAR,
    rows BIGINT,
    schema_version INTEGER,
    last_mode VARCHAR,
    last_success_at TIMESTAMP,
    primary_key VARCHAR
);
CREATE TABLE IF NOT EXISTS tui_sync.runs (
    run_id VARCHAR PRIMARY KEY,
    target_table VARCHAR,
    source_table VARCHAR,
    mode VARCHAR,
    status VARCHAR,
    started_at TIMESTAMP,
    finished_at TIMESTAMP,
    rows BIGINT,
    rows_per_s DOUBLE,
    error VARCHAR,
    host VARCHAR,
    pid INTEGER,
    holder VARCHAR
);
CREATE TABLE IF NOT EXISTS tui_sync.resume (
    target_table VARCHAR PRIMARY KEY,
    run_id VARCHAR,
    source_table VARCHAR,
    columns VARCHAR,
    last_key VARCHAR,
    rows BIGINT,
    chunks INTEGER,
    started_at TIMESTAMP,
    updated_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS tui_sync.schema_versions (
    target_table VARCHAR,
    version INTEGER,
    columns VARCHAR,
    created_at TIMESTAMP,
    PRIMARY KEY (target_table, version)
);
-- Added later (files made by older versions get them here): how a full run's reads were
-- pinned to one point in time ('scn 123', 'one SQLite read transaction', 'not pinned: why'),
-- and what an interrupted full sync fixed at its start (watermark, SCN) for its resume.
ALTER TABLE tui_sync.runs ADD COLUMN IF NOT EXISTS consistency VARCHAR;
ALTER TABLE tui_sync.resume ADD COLUMN IF NOT EXISTS start_state VARCHAR;
-- A lake target: the DuckLake snapshot the run's data commit made (time travel: --at RUN).
ALTER TABLE tui_sync.runs ADD COLUMN IF NOT EXISTS snapshot_id BIGINT;
ALTER TABLE tui_sync.runs ADD COLUMN IF NOT EXISTS rows_reread BIGINT; -- lookback re-reads
-- What sets a run apart: 'backfill since X until Y', 'watermark A -> B' (state set-watermark).
ALTER TABLE tui_sync.runs ADD COLUMN IF NOT EXISTS note VARCHAR;
"""
# DuckLake has no PRIMARY KEY constraints; the code never relies on them (it deletes before
# it inserts a table's state and checks a run_id before flushing a queued run).
LAKE_SCHEMA_DDL = SCHEMA_DDL.replace(" PRIMARY KEY,", ",").replace(
    ",\n    PRIMARY KEY (target_table, version)", "")


# Runs that moved no data into the target: neither the scheduler (a served slot), the run
# statistics nor a table's last status count them as syncs.
REPAIR_MODE = "set-watermark"  # `tui-sync state set-watermark`
NOT_SYNC_MODES = ("test", REPAIR_MODE)


def utcnow() -> datetime:
    """Naive UTC: what the TIMESTAMP columns of the state hold."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_run_id() -> str:
    return uuid.uuid4().hex[:16]


@dataclass
class TableState:
    target_table: str
    source_table: str
    cursor_column: str | None
    watermark: str | None
    watermark_type: str | None
    rows: int | None
    schema_version: int | None
    last_mode: str | None
    last_success_at: datetime | None
    primary_key: str | None = None
    last_status: str | None = None
    last_error: str | None = None
    last_run_at: datetime | None = None
    last_consistency: str | None = None


@dataclass
class RunRecord:
    run_id: str
    target_table: str
    source_table: str
    mode: str
    status: str
    started_at: datetime
    finished_at: datetime | None = None
    rows: int = 0
    rows_per_s: float = 0.0
    error: str | None = None
    consistency: str | None = None  # full runs: how the reads were pinned (see SCHEMA_DDL)
    snapshot_id: int | None = None  # a lake target: the snapshot the run's data commit made
    rows_reread: int | None = None  # incremental: rows of `rows` the target already had
    note: str | None = None  # a backfill's window, a set-watermark's old and new value


# The newest column of each state table: all there means the DDL has nothing left to do.
_NEWEST = {("tables", "primary_key"), ("runs", "note"), ("resume", "start_state"),
           ("schema_versions", "created_at")}


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    if not lake.is_lake(con):
        con.execute(SCHEMA_DDL)
        return
    # On a lake every statement reads the catalog (~0.1-0.3 s each, even a no-op CREATE ...
    # IF NOT EXISTS): ask once whether the state is complete.
    found = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_catalog = "
        "current_database() AND table_schema = 'tui_sync'").fetchall()
    if not _NEWEST <= set(found):
        con.execute(LAKE_SCHEMA_DDL)


# -- writes on the sync's connection -----------------------------------------------------

def get_table_state(con: duckdb.DuckDBPyConnection, target: str) -> TableState | None:
    row = con.execute(
        "SELECT target_table, source_table, cursor_column, watermark, watermark_type, rows, "
        "schema_version, last_mode, last_success_at, primary_key FROM tui_sync.tables "
        "WHERE target_table = ?", [target]).fetchone()
    return TableState(*row) if row else None


def put_table_state(con: duckdb.DuckDBPyConnection, st: TableState) -> None:
    con.execute("DELETE FROM tui_sync.tables WHERE target_table = ?", [st.target_table])
    con.execute(
        "INSERT INTO tui_sync.tables (target_table, source_table, cursor_column, watermark, "
        "watermark_type, rows, schema_version, last_mode, last_success_at, primary_key) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [st.target_table, st.source_table, st.cursor_column, st.watermark, st.watermark_type,
         st.rows, st.schema_version, st.last_mode, st.last_success_at, st.primary_key])


def latest_schema(con: duckdb.DuckDBPyConnection, target: str) -> tuple[int, dict[str, str]] | None:
    row = con.execute(
        "SELECT version, columns FROM tui_sync.schema_versions WHERE target_table = ? "
        "ORDER BY version DESC LIMIT 1", [target]).fetchone()
    return (int(row[0]), json.loads(row[1])) if row else None


def add_schema_version(con: duckdb.DuckDBPyConnection, target: str, columns: dict[str, str]) -> int:
    """Record `columns` as the table's shape; returns its version (unchanged shape: same)."""
    latest = latest_schema(con, target)
    if latest and latest[1] == columns:
        return latest[0]
    version = (latest[0] + 1) if latest else 1
    con.execute("INSERT INTO tui_sync.schema_versions VALUES (?, ?, ?, ?)",
                [target, version, json.dumps(columns), utcnow()])
    return version


def start_run(con: duckdb.DuckDBPyConnection, rec: RunRecord, holder: str) -> None:
    import socket

    con.execute(
        "INSERT INTO tui_sync.runs (run_id, target_table, source_table, mode, status, started_at, "
        "rows, rows_per_s, host, pid, holder) VALUES (?, ?, ?, ?, 'running', ?, 0, 0, ?, ?, ?)",
        [rec.run_id, rec.target_table, rec.source_table, rec.mode, rec.started_at,
         socket.gethostname(), os.getpid(), holder])


def finish_run(con: duckdb.DuckDBPyConnection, rec: RunRecord) -> None:
    con.execute(
        "UPDATE tui_sync.runs SET status = ?, finished_at = ?, rows = ?, rows_per_s = ?, error = ?, "
        "consistency = ?, rows_reread = ?, note = ? WHERE run_id = ?",
        [rec.status, rec.finished_at, rec.rows, rec.rows_per_s, rec.error, rec.consistency,
         rec.rows_reread, rec.note, rec.run_id])


def insert_run(con: duckdb.DuckDBPyConnection, rec: RunRecord) -> None:
    con.execute(
        "INSERT INTO tui_sync.runs (run_id, target_table, source_table, mode, status, started_at, "
        "finished_at, rows, rows_per_s, error, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [rec.run_id, rec.target_table, rec.source_table, rec.mode, rec.status, rec.started_at,
         rec.finished_at, rec.rows, rec.rows_per_s, rec.error, rec.note])


def close_stale_runs(con: duckdb.DuckDBPyConnection) -> int:
    """Runs left 'running' by a process that died: we hold the lock, so none is alive."""
    # (no UPDATE ... RETURNING: DuckLake does not support it)
    n = con.execute("SELECT count(*) FROM tui_sync.runs WHERE status = 'running'").fetchall()[0][0]
    if n:
        con.execute(
            "UPDATE tui_sync.runs SET status = 'failed', finished_at = COALESCE(finished_at, ?), "
            "error = 'interrupted: the sync process ended without finishing (killed or crashed)' "
            "WHERE status = 'running'", [utcnow()])
    return int(n)


# -- resumable full syncs: the last committed chunk of a staging load --------------------

@dataclass
class FullStart:
    """What a chunked full sync fixed before its first read, kept for its resume: the
    source's MAX(cursor) then (the watermark it will commit, encoded like
    tui_sync.tables.watermark) and the source snapshot every chunk reads (an Oracle SCN)."""

    cursor_column: str | None
    watermark: str | None
    watermark_type: str | None
    snapshot: int | None
    consistency: str

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | None) -> FullStart | None:
        if not text:
            return None  # a point written by a version that did not record it
        try:
            return cls(**json.loads(text))
        except (ValueError, TypeError):
            return None


@dataclass
class ResumePoint:
    target_table: str
    run_id: str
    source_table: str
    columns: dict[str, str]
    # The last key read, as the SOURCE holds it (raw, not converted by the plan), so the
    # next chunk's keyset bound matches exactly.
    last_key: list[Any]
    rows: int
    chunks: int
    start: FullStart | None = None


def get_resume(con: duckdb.DuckDBPyConnection, target: str) -> ResumePoint | None:
    row = con.execute(
        "SELECT target_table, run_id, source_table, columns, last_key, rows, chunks, start_state "
        "FROM tui_sync.resume WHERE target_table = ?", [target]).fetchone()
    if not row:
        return None
    key = [decode_watermark(text, kind) for text, kind in json.loads(row[4])]
    return ResumePoint(row[0], row[1], row[2], json.loads(row[3]), key, int(row[5]), int(row[6]),
                       FullStart.from_json(row[7]))


def put_resume(con: duckdb.DuckDBPyConnection, rp: ResumePoint, started_at: datetime) -> None:
    key = json.dumps([list(encode_watermark(v)) for v in rp.last_key])
    con.execute("DELETE FROM tui_sync.resume WHERE target_table = ?", [rp.target_table])
    con.execute("INSERT INTO tui_sync.resume (target_table, run_id, source_table, columns, last_key, "
                "rows, chunks, started_at, updated_at, start_state) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [rp.target_table, rp.run_id, rp.source_table, json.dumps(rp.columns), key, rp.rows,
                 rp.chunks, started_at, utcnow(), rp.start.to_json() if rp.start else None])


def clear_resume(con: duckdb.DuckDBPyConnection, target: str) -> None:
    con.execute("DELETE FROM tui_sync.resume WHERE target_table = ?", [target])


# -- runs recorded from outside a sync (the scheduler's 'skipped') -----------------------

def pending_path(db_path: Target) -> Path:
    return Path(str(as_spec(db_path).anchor) + ".pending-runs.jsonl")


def _record_to_json(rec: RunRecord) -> str:
    d = asdict(rec)
    for k in ("started_at", "finished_at"):
        if d[k] is not None:
            d[k] = d[k].isoformat()
    return json.dumps(d)


def record_run(db_path: Target, rec: RunRecord) -> None:
    """Write a finished run, or queue it for the next sync if another process holds the file
    or syncs into the lake (a commit beside its open transaction fails one of the two)."""
    spec = as_spec(db_path)
    try:
        if spec.is_lake and held_by_another(spec):
            raise TargetBusyError(spec.display)
        con = connect(spec)
        try:
            ensure_schema(con)
            insert_run(con, rec)
        finally:
            con.close()
    except (TargetBusyError, duckdb.Error) as exc:
        if isinstance(exc, duckdb.Error) and not spec.is_lake:
            raise
        with open(pending_path(db_path), "a", encoding="utf-8") as f:
            f.write(_record_to_json(rec) + "\n")


def record_unrun(db_path: Target, target_table: str, source_table: str, mode: str, status: str,
                 error: str, started: datetime | None = None,
                 finished: datetime | None = None) -> str:
    """Record a run that moved no rows (skipped, or failed before reading); its run_id."""
    now = utcnow()
    rec = RunRecord(new_run_id(), target_table, source_table, mode, status, started or now,
                    finished or now, 0, 0.0, error)
    record_run(db_path, rec)
    return rec.run_id


def flush_pending_runs(con: duckdb.DuckDBPyConnection, db_path: Target) -> int:
    p = pending_path(db_path)
    if not p.exists():
        return 0
    n = 0
    for line in p.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            for k in ("started_at", "finished_at"):
                if d.get(k):
                    d[k] = datetime.fromisoformat(d[k])
            rec = RunRecord(**d)
        except (ValueError, TypeError):
            continue  # a torn last line from a crash: nothing to recover
        if con.execute("SELECT 1 FROM tui_sync.runs WHERE run_id = ?", [rec.run_id]).fetchone():
            continue
        insert_run(con, rec)
        n += 1
    p.unlink()
    return n


# The reads for the CLI and the TUI live in state_read.py; imported here so callers keep one door.
from .state_read import read_resume_points, read_runs, read_table_states  # noqa: E402, F401
