"""Reads of the sync state for the CLI and the TUI: brief connections, closed at once so the
file is never kept from another process (a cron sync). Writes stay in state.py."""

from __future__ import annotations

from typing import Any

import duckdb

from .duckdb import connect
from .lock import is_held
from .spec import Target, as_spec
from .state import ResumePoint, RunRecord, TableState, get_resume


def _open_for_read(db_path: Target) -> duckdb.DuckDBPyConnection | None:
    if not as_spec(db_path).exists():
        return None
    con = connect(db_path, create=False)
    try:
        has_state = con.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_catalog = current_database() "
            "AND table_schema = 'tui_sync' AND table_name = 'runs'").fetchone()
    except BaseException:
        con.close()  # never keep the file from another process after a failed read
        raise
    if not has_state:
        con.close()
        return None
    return con


def read_table_states(db_path: Target) -> dict[str, TableState]:
    con = _open_for_read(db_path)
    if con is None:
        return {}
    try:
        out: dict[str, TableState] = {}
        for row in con.execute(
                "SELECT target_table, source_table, cursor_column, watermark, watermark_type, rows, "
                "schema_version, last_mode, last_success_at, primary_key FROM tui_sync.tables "
                "ORDER BY target_table").fetchall():
            out[row[0]] = TableState(*row)
        rows = con.execute(
            "SELECT target_table, status, error, started_at, "
            + _runs_column(con, "consistency") + " FROM tui_sync.runs "
            "WHERE mode NOT IN ('test', 'set-watermark') QUALIFY row_number() OVER "
            "(PARTITION BY target_table ORDER BY started_at DESC) = 1").fetchall()
        live = any(r[1] == "running" for r in rows) and is_held(db_path)
        for target, status, error, started, consistency in rows:
            if status == "running" and not live:
                # its process died (killed, crashed): the next sync records it as failed
                status, error = "interrupted", "the sync process ended without finishing"
            st = out.get(target) or TableState(target, "", None, None, None, None, None, None, None)
            st.last_status, st.last_error, st.last_run_at = status, error, started
            st.last_consistency = consistency
            out[target] = st
        return out
    finally:
        con.close()


def _runs_column(con: duckdb.DuckDBPyConnection, column: str) -> str:
    """`column` of tui_sync.runs, or NULL in a file written before that column existed."""
    found = con.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_catalog = current_database() "
        "AND table_schema = 'tui_sync' AND table_name = 'runs' AND column_name = ?",
        [column]).fetchall()
    return column if found else "NULL"


def read_runs(db_path: Target, table: str | None = None, limit: int = 500) -> list[RunRecord]:
    con = _open_for_read(db_path)
    if con is None:
        return []
    try:
        sql = ("SELECT run_id, target_table, source_table, mode, status, started_at, finished_at, "
               f"rows, rows_per_s, error, {_runs_column(con, 'consistency')}, "
               f"{_runs_column(con, 'snapshot_id')}, {_runs_column(con, 'rows_reread')}, "
               f"{_runs_column(con, 'note')} "
               "FROM tui_sync.runs")
        params: list[Any] = []
        if table:
            sql += " WHERE lower(target_table) = lower(?) OR lower(source_table) = lower(?)"
            params += [table, table]
        sql += " ORDER BY started_at DESC LIMIT ?"
        params.append(limit)
        return [RunRecord(*row) for row in con.execute(sql, params).fetchall()]
    finally:
        con.close()


def read_resume_points(db_path: Target) -> dict[str, ResumePoint]:
    """Interrupted chunked full syncs that `--resume` (or auto mode) would continue."""
    con = _open_for_read(db_path)
    if con is None:
        return {}
    try:
        if not con.execute("SELECT 1 FROM information_schema.tables WHERE table_catalog = "
                           "current_database() AND table_schema = 'tui_sync' "
                           "AND table_name = 'resume'").fetchone():
            return {}
        targets = [r[0] for r in con.execute("SELECT target_table FROM tui_sync.resume").fetchall()]
        return {t: p for t in targets if (p := get_resume(con, t)) is not None}
    finally:
        con.close()
