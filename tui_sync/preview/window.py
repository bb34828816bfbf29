"""The window of rows the preview shows: presets, a custom range, and their SQL (DESIGN §9).

A window is a preset on the cursor column (a DATE/TIMESTAMP, or text and 14-digit numbers
read as times). The grid pages through it, a chart covers it, an export writes it whole;
all three filter in DuckDB with `window_where`. Nothing here imports Textual.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import duckdb

from tui_sync.i18n import N_, _
from tui_sync.preview.db import ColumnInfo, PreviewError
from tui_sync.preview.db import one as _one
from tui_sync.target import qi as quote
from tui_sync.target import tref

# A custom range: start (inclusive) and end (exclusive); either may be open.
Bounds = tuple[datetime | None, datetime | None]


class Preset(StrEnum):
    """Which rows the preview shows (its window). Ranges are relative to MAX(cursor), not the
    clock: synced data can be days old."""

    FIRST = "first"
    LAST_24H = "24h"
    LAST_7D = "7d"
    LAST_30D = "30d"
    ALL = "all"
    CUSTOM = "custom"  # from .. to, given by the user (`Bounds`)

    @property
    def label(self) -> str:
        return _(_PRESET_LABELS[self])

    @property
    def span(self) -> timedelta | None:
        return _PRESET_SPANS.get(self)


_PRESET_LABELS = {
    # The ranges end at the newest row, not now (synced data can be days old): the label says so.
    Preset.FIRST: N_("Table order"),
    Preset.LAST_24H: N_("24h to newest row"),
    Preset.LAST_7D: N_("7 days to newest row"),
    Preset.LAST_30D: N_("30 days to newest row"),
    Preset.ALL: N_("Newest first"),
    Preset.CUSTOM: N_("Custom range…"),
}
_PRESET_SPANS = {
    Preset.LAST_24H: timedelta(hours=24),
    Preset.LAST_7D: timedelta(days=7),
    Preset.LAST_30D: timedelta(days=30),
}

_INTEGER = re.compile(r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$")


# Text and 14-digit number cursors ('YYYYMMDDHH24MISS', DESIGN §5 "sortable text").
_TEXT_TIME_FORMATS = "['%Y%m%d%H%M%S', '%Y/%m/%d %H:%M:%S', '%Y/%m/%d', '%d-%b-%y', '%d-%b-%Y']"


def cursor_expr(col: ColumnInfo) -> str:
    q = quote(col.name)
    if col.is_temporal:
        return q
    if col.is_text:
        return f"coalesce(TRY_CAST(trim({q}) AS TIMESTAMP), try_strptime(trim({q}), {_TEXT_TIME_FORMATS}))"
    if _INTEGER.match(col.type):
        return f"try_strptime(CAST({q} AS VARCHAR), '%Y%m%d%H%M%S')"
    raise PreviewError(_("cursor {name} is {type}: a date range needs a DATE or TIMESTAMP column")
                       .format(name=col.name, type=col.type))


def no_cursor(preset: Preset, table: str) -> PreviewError:
    return PreviewError(_("'{preset}' needs a cursor column; {table} has no DATE or TIMESTAMP column")
                        .format(preset=preset.label, table=table))


def column(columns: Sequence[ColumnInfo], name: str) -> ColumnInfo:
    for c in columns:
        if c.name == name:
            return c
    raise PreviewError(_("no column {name}").format(name=name))


def base(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[ColumnInfo],
    preset: Preset,
    cursor: str | None,
    limit: int,
    bounds: Bounds | None = None,
) -> tuple[str, list[Any]]:
    """The row set a preset stands for, as a FROM clause: the first `limit` rows for FIRST (what
    a chart of "table order" covers), else the whole window (a chart of 7 days covers all of them)."""
    t = tref(table)
    if preset is Preset.FIRST:
        return f"(SELECT * FROM {t} LIMIT {int(limit)}) AS base", []
    where, params = window_where(con, table, columns, preset, cursor, bounds)
    return f"(SELECT * FROM {t}{where}) AS base", params


def window_where(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[ColumnInfo],
    preset: Preset,
    cursor: str | None,
    bounds: Bounds | None = None,
) -> tuple[str, list[Any]]:
    """` WHERE ...` (or "") and its parameters: the rows of the window, in DuckDB."""
    if preset in (Preset.FIRST, Preset.ALL):
        return "", []
    if cursor is None:
        raise no_cursor(preset, table)
    expr = cursor_expr(column(columns, cursor))
    if preset is Preset.CUSTOM:
        start, end = bounds or (None, None)
        if start is None and end is None:
            raise PreviewError(_("a custom range needs a start or an end (Custom range…)"))
        parts = ([f"{expr} >= ?"] if start is not None else []) + ([f"{expr} < ?"] if end is not None else [])
        return " WHERE " + " AND ".join(parts), [b for b in (start, end) if b is not None]
    return f" WHERE {expr} >= ?", [range_start(con, tref(table), expr, cursor, preset)]


def range_start(con: duckdb.DuckDBPyConnection, t: str, expr: str, cursor: str, preset: Preset) -> Any:
    row = _one(con, f"SELECT max({expr}) FROM {t}")
    hi = row[0] if row else None
    if hi is None:
        raise PreviewError(_("cursor {cursor} holds no dates or times: use '{preset}'")
                          .format(cursor=cursor, preset=Preset.FIRST.label))
    span = preset.span
    assert span is not None
    if isinstance(hi, date) and not isinstance(hi, datetime):
        hi = datetime.combine(hi, datetime.min.time())
    return hi - span


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_bound(text: str, *, end: bool = False) -> datetime | None:
    """`YYYY-MM-DD[ HH:MM[:SS]]` -> a datetime ("" -> None, open). A date alone as the end
    means the whole day (its next midnight), as a reader of "to 2021-06-30" expects."""
    text = text.strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise PreviewError(_("not a date: {text} (use YYYY-MM-DD or YYYY-MM-DD HH:MM)")
                           .format(text=repr(text))) from None
    if end and _DATE_ONLY.match(text.replace("/", "-")):
        value += timedelta(days=1)
    return value.replace(tzinfo=None)
