"""Keyset paging of the preview grid (issue 14): every row of a window, a page at a time.

A page is asked for by the key of the last row of the page before it, never by an
OFFSET: `ORDER BY k, rowid` with `WHERE (k, rowid) > (last k, last rowid)` lets DuckDB
skip to the page without reading the rows in front of it, so the 2,000th page of a
10,000,000-row table costs what the first does. `rowid` breaks ties, so equal sort
values never repeat or lose a row across pages. NULL sort values come last in either
direction (the key carries whether the value is NULL). Going back re-asks the key that
started the previous page (the caller keeps them). Nothing here imports Textual.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from tui_sync.preview.db import ColumnInfo, connect, pick_cursor, state_cursor
from tui_sync.preview.db import columns_of as _columns
from tui_sync.preview.db import frame as _frame
from tui_sync.preview.db import one as _one
from tui_sync.preview.window import Bounds, Preset, column, cursor_expr, window_where
from tui_sync.target import qi as quote
from tui_sync.target import tref

# Helper columns of a page query; names no synced table uses (they are dropped again).
_NULL, _KEY, _ROW = "__tui_sync_null", "__tui_sync_key", "__tui_sync_rowid"


@dataclass(frozen=True)
class Sort:
    """The grid's order: a column (None: the window's own order) and its direction."""

    column: str | None = None
    descending: bool = False


@dataclass(frozen=True)
class PageKey:
    """Where a page ends (the last row's sort key): the next page starts after it."""

    is_null: bool
    value: Any
    rowid: int


@dataclass(frozen=True)
class Page:
    table: str
    columns: list[ColumnInfo]
    cursor: str | None  # the cursor column of the window
    rows: int | None  # rows in the table (counted with the first page only)
    window_rows: int | None  # rows in the window (likewise)
    frame: pl.DataFrame
    preset: Preset  # FIRST when a range was asked of a table without a time column
    sort: Sort  # what the rows are ordered by (the window's order made explicit)
    last: PageKey | None  # key of the page's last row (None: empty page)
    has_next: bool


def natural_sort(preset: Preset, cursor: str | None) -> Sort:
    """Table order for FIRST (and a table without a time column), else newest first."""
    if preset is Preset.FIRST or cursor is None:
        return Sort(None)
    return Sort(cursor, descending=True)


def fetch_page(
    db: Path,
    table: str,
    limit: int = 500,
    preset: Preset = Preset.FIRST,
    cursor_column: str | None = None,
    *,
    sort: Sort | None = None,
    after: PageKey | None = None,
    bounds: Bounds | None = None,
) -> Page:
    """One page (`limit` rows) of the window, ordered by `sort` (default: `natural_sort`),
    starting after `after`. Counts the table (and the window) only for the first page."""
    preset = Preset(preset)
    with connect(db) as con:
        columns = _columns(con, table)
        cursor = pick_cursor(columns, cursor_column, state_cursor(con, table))
        if cursor is None and preset not in (Preset.FIRST, Preset.ALL):
            preset = Preset.FIRST
        sort = sort if sort is not None else natural_sort(preset, cursor)
        t = tref(table)
        where, params = window_where(con, table, columns, preset, cursor, bounds)
        rows = window_rows = None
        if after is None:
            count = _one(con, f"SELECT count(*) FROM {t}")
            rows = int(count[0]) if count else 0
            window_rows = rows if not where else _count(con, f"SELECT count(*) FROM {t}{where}", params)
        frame = _page(con, t, columns, where, params, sort, cursor, after, limit)
    has_next = frame.height > limit
    frame = frame.head(limit)
    last = None
    if frame.height:
        last = PageKey(bool(frame[_NULL][-1]), frame[_KEY][-1], int(frame[_ROW][-1]))
    return Page(table, columns, cursor, rows, window_rows,
                frame.drop(_NULL, _KEY, _ROW), preset, sort, last, has_next)


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> int:
    row = _one(con, sql, params)
    return int(row[0]) if row else 0


def sort_expr(columns: list[ColumnInfo], sort: Sort, cursor: str | None) -> str:
    """The SQL a sort orders by; the cursor column read as a time, like the window does."""
    if sort.column is None:
        return "rowid"
    col = column(columns, sort.column)
    return cursor_expr(col) if sort.column == cursor else quote(col.name)


def _page(
    con: duckdb.DuckDBPyConnection,
    t: str,
    columns: list[ColumnInfo],
    where: str,
    params: list[Any],
    sort: Sort,
    cursor: str | None,
    after: PageKey | None,
    limit: int,
) -> pl.DataFrame:
    key = sort_expr(columns, sort, cursor)
    direction = "DESC" if sort.descending else "ASC"
    beyond = ">" if direction == "ASC" else "<"
    conds = [where.removeprefix(" WHERE ")] if where else []
    args = list(params)
    if after is not None:
        if after.is_null:  # only NULLs are left: order by rowid among them
            conds.append(f"({key}) IS NULL AND rowid {beyond} ?")
            args.append(after.rowid)
        else:
            conds.append(f"(({key}) IS NULL OR ({key}) {beyond} ? OR (({key}) = ? AND rowid {beyond} ?))")
            args += [after.value, after.value, after.rowid]
    filt = f" WHERE {' AND '.join(conds)}" if conds else ""
    sql = (
        f"SELECT *, ({key}) IS NULL AS {_NULL}, {key} AS {_KEY}, rowid AS {_ROW} FROM {t}{filt} "
        f"ORDER BY {_NULL}, {_KEY} {direction}, {_ROW} {direction} LIMIT ?"
    )
    return _frame(con, sql, [*args, int(limit) + 1])
