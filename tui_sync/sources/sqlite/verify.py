"""The SQLite side of `tui-sync verify` (SqliteSource's verify capability delegates here).

Aggregates run in SQLite with registered Python functions (an exact decimal sum at the
source column's declared scale, a float sum that reads text 'nan'/'inf', the UTC day of a
timestamp text); the content hashes stream the raw values through Python ("rows" hashing,
see services/verify_duckdb). What is compared is what the SOURCE holds (issue 9 item 1).
Plain Python: it never imports Textual.
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

from ...typeplan import ColumnPlan, Conversion
from ...verify_render import ContentColumn, h16, renderer, row_text
from ..verify_spec import TZ_TYPES, Aggregates, Content, Partitioning, SumColumn, bucket_case
from .shape import quote

_WIDE = Context(prec=200)  # exact sums of NUMBER(38) values need more than Decimal's default 28
FETCH_ROWS = 5000


def _day(value: Any, tz: int) -> str | None:
    """The day of a SQLite DATE/TIMESTAMP text, as the read turns it into a timestamp
    (offsets converted to UTC)."""
    if value is None:
        return None
    try:
        dt = datetime.fromisoformat(str(value).strip())
    except ValueError:
        return f"unreadable {value!r}"
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC)
    return dt.date().isoformat()


class _ExactSum:
    """SQLite aggregate: the exact decimal sum of NUMBER values at the SOURCE column's
    declared scale (rounded half away from zero, as Oracle stores NUMBER(p,s)), never at
    the plan's: a target rounded past what the source holds must differ (issue 9 item 1)."""

    def __init__(self) -> None:
        self.total: Decimal | None = None
        self.bad: str | None = None

    def step(self, value: Any, scale: int | None) -> None:
        if value is None or self.bad is not None:
            return
        try:
            d = value if isinstance(value, Decimal) else Decimal(
                value.decode() if isinstance(value, bytes) else str(value).strip())
            if scale is not None:
                d = d.quantize(Decimal(1).scaleb(-int(scale)), rounding=ROUND_HALF_UP, context=_WIDE)
            if not d.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError, UnicodeDecodeError):
            self.bad = f"unreadable value {value!r}"
            return
        self.total = d if self.total is None else _WIDE.add(self.total, d)

    def finalize(self) -> str | None:
        if self.bad is not None:
            return self.bad
        return None if self.total is None else str(self.total)


class _FloatSum:
    """SQLite aggregate: the float sum as the read sees the values (text 'nan'/'inf' too)."""

    def __init__(self) -> None:
        self.total: float | None = None
        self.bad: str | None = None

    def step(self, value: Any) -> None:
        if value is None or self.bad is not None:
            return
        try:
            f = float(value)
        except (TypeError, ValueError):
            self.bad = f"unreadable value {value!r}"
            return
        self.total = f if self.total is None else self.total + f

    def finalize(self) -> float | str | None:
        if self.total is not None and math.isnan(self.total):
            return "nan"  # SQLite turns a NaN result into NULL
        return self.bad if self.bad is not None else self.total


def _register(conn: sqlite3.Connection) -> None:
    conn.create_function("tui_sync_day", 2, _day, deterministic=True)
    conn.create_aggregate("tui_sync_exact_sum", 2, _ExactSum)  # type: ignore[arg-type]
    conn.create_aggregate("tui_sync_float_sum", 1, _FloatSum)  # type: ignore[arg-type]


def _expr(cp: ColumnPlan) -> str:
    col = quote(cp.name)
    return f"RTRIM({col}, ' ')" if cp.conversion == Conversion.RTRIM else col


def _where(where: str) -> str:
    return f" WHERE ({where})" if where.strip() else ""


def key_bounds(conn: sqlite3.Connection, table: str, cp: ColumnPlan, where: str,
               buckets: int) -> tuple[Any, ...]:
    """Ascending lower bounds of the NTILE buckets 1..n of the key (bucket 0 is open below)."""
    e = _expr(cp)
    cond = f"{e} IS NOT NULL" + (f" AND ({where})" if where.strip() else "")
    sql = (f"SELECT MIN(k) FROM (SELECT {e} AS k, NTILE(?) OVER (ORDER BY {e}) AS b "
           f"FROM {table} WHERE {cond}) GROUP BY b ORDER BY 1")
    firsts = [r[0] for r in conn.execute(sql, [buckets]).fetchall()]
    return tuple(dict.fromkeys(firsts[1:]))  # bucket 0 is open below; duplicates collapse


def _key(part: Partitioning) -> tuple[str, list[Any]]:
    if part.kind == "whole":
        return "NULL", []
    assert part.column is not None
    e = _expr(part.column)
    if part.kind == "day":
        tz = int(part.column.source.data_type.upper() in TZ_TYPES)
        return f"tui_sync_day({e}, {tz})", []
    return bucket_case(e, len(part.source_bounds), lambda i: "?"), list(part.source_bounds)


def aggregates(conn: sqlite3.Connection, table: str, where: str, part: Partitioning,
               sums: Sequence[SumColumn]) -> tuple[int, Aggregates]:
    _register(conn)
    key, params = _key(part)
    items = [f"{key} AS p", "COUNT(*)"]
    for s in sums:
        e = _expr(s.plan)
        scale = "NULL" if s.source_scale is None else int(s.source_scale)
        items.append(f"tui_sync_exact_sum({e}, {scale})" if s.exact else f"tui_sync_float_sum({e})")
    sql = f"SELECT {', '.join(items)} FROM {table}{_where(where)} GROUP BY 1"
    aggs: Aggregates = {}
    total = 0
    for row in conn.execute(sql, params).fetchall():
        p = None if part.kind == "whole" else row[0]
        aggs[p] = (int(row[1]), list(row[2:]))
        total += int(row[1])
    return total, aggs


def content(conn: sqlite3.Connection, table: str, where: str, part: Partitioning,
            cols: Sequence[ContentColumn], columns_of: set[Any] | None = None) -> Content:
    """The content hashes of the raw source values, streamed through Python ("rows"; with
    `columns_of`, per-column sums of those partitions)."""
    _register(conn)
    key, params = _key(part)
    items = [f"{key} AS p"] + [quote(c.plan.name) for c in cols]  # raw: render() applies the plan's promises
    sql = f"SELECT {', '.join(items)} FROM {table}{_where(where)}"
    return stream_content(conn, sql, params, cols, columns_of)


def stream_content(conn: sqlite3.Connection, sql: str, params: Sequence[Any],
                   cols: Sequence[ContentColumn], columns_of: set[Any] | None = None) -> Content:
    """Stream `sql` (partition key, then the raw columns) and sum the "rows" hashes per
    partition; with `columns_of`, the per-column sums of those partitions' rows instead."""
    acc: dict[Any, list[Any]] = {}
    fns = [renderer(c) for c in cols]
    md5 = hashlib.md5
    n = len(cols)
    cur = conn.execute(sql, list(params))
    while True:
        rows = cur.fetchmany(FETCH_ROWS)
        if not rows:
            break
        if columns_of is not None:
            rows = [r for r in rows if r[0] in columns_of]
            if not rows:
                continue
        # column by column: list comprehensions are several times faster than a loop per cell
        values = list(zip(*rows, strict=True))
        keys = values[0]
        texts = [[None if v is None else fn(v) for v in column]
                 for fn, column in zip(fns, values[1:], strict=True)]
        for p in set(keys):
            if p not in acc:
                acc[p] = [0, 0, [0] * n if columns_of is not None else []]
        if columns_of is None:
            for p, cells in zip(keys, zip(*texts, strict=True), strict=True):
                a = acc[p]
                a[0] += 1
                a[1] += int(md5(row_text(cells).encode("utf-8", "surrogatepass")).hexdigest()[:16], 16)
            continue
        for i, column in enumerate(texts):
            for p, t in zip(keys, column, strict=True):
                if t is not None:
                    acc[p][2][i] += int(h16(t), 16)
        for p in keys:
            acc[p][0] += 1
    return {p: (a[0], a[1], a[2]) for p, a in acc.items()}
