"""The loads the engine runs in the target, as SQL: swapping a staged table in, merging an
incremental window, reconciling deletes. The engine decides what to load and when; the
statements live here, next to the door they go through (duckdb.py).

Every function runs on the caller's connection and inside the caller's transaction
(`begin`/`commit`): the sync state the engine writes between them commits with the data.
Names are target names in text form (`analytics.events`); tref() makes them SQL here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from ..errors import TuiSyncError
from ..i18n import _
from ..timens import DatetimeNs, parse_timestamp, ts_text
from .duckdb import drop_table, qi, sibling, tref
from .names import TargetName

KEYS_SUFFIX = "__tui_sync_keys"


def keys_name(target: str) -> str:
    """The scratch table holding the source's keys while a reconcile runs (target's schema)."""
    return sibling(target, KEYS_SUFFIX)


def begin(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("BEGIN TRANSACTION")


def commit(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("COMMIT")


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Raises duckdb.Error when no transaction is open (callers that may not have one catch it)."""
    con.execute("ROLLBACK")


def swap(con: duckdb.DuckDBPyConnection, stage: str, target: str) -> None:
    """Replace `target` by the staged table (a full load, or a test load into `<t>_test`).
    Inside the caller's transaction: readers see the old table or the new one, never neither."""
    drop_table(con, target)
    # RENAME TO takes a bare name: the table stays in its schema (stage_name keeps them one)
    con.execute(f"ALTER TABLE {tref(stage)} RENAME TO {qi(TargetName.parse(target).table)}")


def add_column(con: duckdb.DuckDBPyConnection, target: str, column: str, duckdb_type: str) -> None:
    con.execute(f"ALTER TABLE {tref(target)} ADD COLUMN {qi(column)} {duckdb_type}")


def merge(con: duckdb.DuckDBPyConnection, target: str, stage: str, columns: Sequence[str],
          key_columns: Sequence[str], cursor_column: str | None, lo: Any, hi: Any = None) -> int:
    """Merge an incremental window staged in `stage` into `target`: an upsert by key when the
    table has one; without a key, the window's rows (cursor >= lo, and <= hi when given: a
    backfill's --until) are deleted and re-read. Returns the target rows the merge replaced
    (the rows it re-read rather than added)."""
    t, s = tref(target), tref(stage)
    replaced: Any = None
    if key_columns:
        match = " AND ".join(f"{t}.{qi(k)} = {s}.{qi(k)}" for k in key_columns)
        replaced = con.execute(f"DELETE FROM {t} USING {s} WHERE {match}").fetchone()
    elif lo is not None and cursor_column is not None:
        sql, params = f"DELETE FROM {t} WHERE {qi(cursor_column)} >= {bound(lo)}", [param(lo)]
        if hi is not None:
            sql, params = sql + f" AND {qi(cursor_column)} <= {bound(hi)}", params + [param(hi)]
        replaced = con.execute(sql, params).fetchone()
    cols = ", ".join(qi(c) for c in columns)
    con.execute(f"INSERT INTO {t} ({cols}) SELECT {cols} FROM {s}")
    return int(replaced[0]) if replaced and replaced[0] is not None else 0


def reconcile(con: duckdb.DuckDBPyConnection, target: str, keys: str, key_columns: Sequence[str],
              *, cursor_column: str | None, lo: Any, max_delete: float, name: str) -> int:
    """Inside the merge transaction: delete target rows whose key is not in `keys` (the
    source's), within cursor >= lo when `cursor_column` is given; returns the rows deleted.
    Refuses (TuiSyncError naming `name`) when that is more than `max_delete` of the rows in
    scope: a partial read looks like a mass delete, and the whole run rolls back."""
    t, k = tref(target), tref(keys)
    match = " AND ".join(f"{t}.{qi(c)} = {k}.{qi(c)}" for c in key_columns)
    scope, params = "TRUE", []
    if cursor_column and lo is not None:
        scope, params = f"{t}.{qi(cursor_column)} >= {bound(lo)}", [param(lo)]
    total = con.execute(f"SELECT COUNT(*) FROM {t} WHERE {scope}", params).fetchone()[0]  # type: ignore[index]
    gone = f"{scope} AND NOT EXISTS (SELECT 1 FROM {k} WHERE {match})"
    doomed = con.execute(f"SELECT COUNT(*) FROM {t} WHERE {gone}", params).fetchone()[0]  # type: ignore[index]
    if doomed and doomed > max_delete * total:
        raise TuiSyncError(_(
            "{table}: reconcile refused: it would delete {doomed} of {total} rows "
            "({share}), more than reconcile_max_delete = {limit}; a partial "
            "source read looks like a mass delete. Check the source, then raise the limit").format(
                table=name, doomed=f"{doomed:,}", total=f"{total:,}", share=f"{doomed / total:.0%}",
                limit=f"{max_delete:.0%}"))
    if doomed:
        con.execute(f"DELETE FROM {t} WHERE {gone}", params)
    return doomed


def max_value(con: duckdb.DuckDBPyConnection, table: str, column: str, upto: Any = None) -> Any:
    """MAX(column) of a DuckDB table, of the values <= `upto` when given. DuckDB hands a
    TIMESTAMP_NS to Python as a datetime cut to microseconds: take those from the text
    instead, so a TIMESTAMP(9) watermark keeps its nanoseconds."""
    c, where, params = qi(column), "", []
    if upto is not None:
        where, params = f" WHERE {c} <= {bound(upto)}", [param(upto)]
    value, kind, text = con.execute(  # type: ignore[misc]
        f"SELECT MAX({c}), typeof(MAX({c})), CAST(MAX({c}) AS VARCHAR) FROM {tref(table)}{where}",
        params).fetchone()
    if value is not None and kind == "TIMESTAMP_NS":
        return parse_timestamp(text)
    return value


def bound(value: Any) -> str:
    """The placeholder for a cursor bound in DuckDB SQL: a DatetimeNs travels as text
    (DuckDB would bind the datetime cut to microseconds)."""
    return "CAST(? AS TIMESTAMP_NS)" if isinstance(value, DatetimeNs) else "?"


def param(value: Any) -> Any:
    return ts_text(value, 9) if isinstance(value, DatetimeNs) else value
