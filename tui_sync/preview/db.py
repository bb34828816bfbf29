"""The preview's door to the DuckDB target: one open per read, the catalog, column types
and the cursor column the sync state names.

Connection policy: every call opens the file with the default (read-write)
config, runs, and closes right away. The sync engine opens the same file in
this process with the same config and DuckDB shares one instance per file per
process, so `read_only=True` would conflict with it; and the app must not hold
the file while idle (another process may want to sync). Opening, identifier
quoting and the "file is busy" message are the target's (tui_sync.target), and
the sync state is read through tui_sync.state, so the CLI, the engine and the
preview say the same thing about the same file. Nothing here imports Textual.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from tui_sync import target
from tui_sync.errors import TargetBusyError, TuiSyncError, one_line
from tui_sync.i18n import _
from tui_sync.target import STAGE_SUFFIX, state, tref
from tui_sync.target.loads import KEYS_SUFFIX
from tui_sync.target.names import TargetName
from tui_sync.target.spec import Target, as_spec

# The sync's staging and reconcile tables (target/duckdb.py, target/loads.py): not target tables
HELPER_SUFFIXES = (STAGE_SUFFIX, KEYS_SUFFIX)


class PreviewError(TuiSyncError):
    """A preview query failed; the message is one line for the user."""


_TEMPORAL = re.compile(r"^(DATE|TIMESTAMP.*|DATETIME)$")
_NUMERIC = re.compile(
    r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT"
    r"|FLOAT|DOUBLE|REAL|DECIMAL.*)$"
)


@dataclass(frozen=True)
class TargetTable:
    """A target table (text form: `analytics.events`) with its exact row count (what the preview
    lists; not the source's sources.base.TableInfo, which holds an estimate)."""

    name: str
    rows: int


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type: str  # DuckDB type name, e.g. "TIMESTAMP", "DECIMAL(12,3)", "VARCHAR"

    @property
    def is_temporal(self) -> bool:
        return bool(_TEMPORAL.match(self.type))

    @property
    def is_numeric(self) -> bool:
        return bool(_NUMERIC.match(self.type))

    @property
    def is_text(self) -> bool:
        return self.type == "VARCHAR"


@contextmanager
def connect(db: Target) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open `db` for one read, closing it right after; DuckDB errors become one line."""
    spec = as_spec(db)
    if not spec.exists():  # checked here: a read must never create the file
        # what to do first: the path is long and a narrow status line cuts the end
        raise PreviewError(_("nothing synced yet, run a sync first ({target} not found)").format(
            target=spec.display))
    try:
        con = target.connect(db, create=False)
    except TargetBusyError:
        raise  # the target's message, naming the holder
    except TuiSyncError as exc:
        raise PreviewError(str(exc)) from None
    try:
        yield con
    except duckdb.Error as exc:
        raise PreviewError(one_line(exc)) from None
    finally:
        con.close()


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> pl.DataFrame:
    rel = con.sql(sql, params=list(params) if params else None)
    assert rel is not None
    out = pl.from_arrow(rel.to_arrow_table())
    assert isinstance(out, pl.DataFrame)
    return out


def one(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
    """The first row; fetchall() so the result is finished (DuckDB 2 refuses new work on a
    connection with a half-read result)."""
    rows = con.execute(sql, list(params)).fetchall()
    return rows[0] if rows else None


# --- catalog -----------------------------------------------------------------


def _table_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Target tables in every schema but the sync state's, in text form (`events`,
    `analytics.events`); the sync's own staging and scratch tables are left out."""
    rows = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name <> ? AND NOT internal "
        "ORDER BY schema_name <> 'main', schema_name, table_name", ["tui_sync"]
    ).fetchall()
    return [TargetName(None if schema == "main" else schema, table).text() for schema, table in rows
            if not table.endswith(HELPER_SUFFIXES)]


def list_tables(db: Path) -> list[TargetTable]:
    """Target tables (see _table_names), with exact row counts."""
    with connect(db) as con:
        names = _table_names(con)
        if not names:
            return []
        # One query: count(*) of a DuckDB table reads row-group metadata, not the data.
        sql = " UNION ALL ".join(f"SELECT {i} AS k, count(*) FROM {tref(n)}" for i, n in enumerate(names))
        counts = dict(con.execute(sql).fetchall())
    return [TargetTable(name, int(counts[i])) for i, name in enumerate(names)]


def columns_of(con: duckdb.DuckDBPyConnection, table: str) -> list[ColumnInfo]:
    """The columns of `table` (text form: `analytics.events`)."""
    try:
        name = TargetName.parse(table)
    except ValueError as exc:
        raise PreviewError(str(exc)) from None
    rows = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = current_database() AND lower(schema_name) = lower(?) AND table_name = ? "
        "ORDER BY column_index",
        [name.schema or "main", name.table],
    ).fetchall()
    if not rows:
        raise PreviewError(_("table {table} not found").format(table=table))
    return [ColumnInfo(name, dtype) for name, dtype in rows]


def table_columns(db: Path, table: str) -> list[ColumnInfo]:
    with connect(db) as con:
        return columns_of(con, table)


def state_cursor(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """The cursor column the sync state records for `table`, if any."""
    try:
        st = state.get_table_state(con, table)
    except (duckdb.CatalogException, duckdb.BinderException):
        # a DuckDB file tui-sync never synced into (no state schema), or one whose state
        # another tool shaped: the cursor is a convenience, so the first time column will do
        return None
    finally:
        target.settle(con)  # get_table_state reads with fetchone(): finish that result
    return st.cursor_column if st and st.cursor_column else None


def pick_cursor(columns: Sequence[ColumnInfo], *candidates: str | None) -> str | None:
    """The first candidate that names a column (case-insensitively), else the first DATE/TIMESTAMP."""
    by_lower = {c.name.lower(): c.name for c in columns}
    for cand in candidates:
        if cand and cand.lower() in by_lower:
            return by_lower[cand.lower()]
    return next((c.name for c in columns if c.is_temporal), None)


def resolve_cursor(db: Path, table: str, requested: str | None = None) -> str | None:
    """The cursor column to use: the requested one, the sync state's, or the first time column."""
    with connect(db) as con:
        return pick_cursor(columns_of(con, table), requested, state_cursor(con, table))
