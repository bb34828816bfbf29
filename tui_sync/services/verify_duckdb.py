"""The target side of `tui-sync verify`: the same aggregates and content hashes in DuckDB.

Counts and sums per partition (wide decimals summed in two integer halves, floats with the
sum of their absolute values for the tolerance), and the DuckDB twin of the canonical
rendering (verify_render.render; the Oracle twin is sources.oracle.verify.render) hashed by
either definition of the row hash:

- "rows" (SQLite sources): md5 of the length-prefixed concatenation of the cells
  ('n' for NULL, else '<characters>:<text>'): one md5 per row, so the Python side is fast.
  Per-column sums (to name the column) are computed in a second pass over the partitions
  whose rows differ only.
- "cells" (Oracle sources): md5 of the concatenation of each cell's 16-hex md5 (grouped
  past GROUP columns), and per-column sums in the same pass: Oracle concatenates VARCHAR2
  of at most 4000 bytes, so every cell is hashed first.

Plain Python: it never imports Textual.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Context, Decimal
from typing import Any

import duckdb
import pyarrow as pa

from .. import target as tg
from ..sources.verify_spec import Aggregates, Content, Partitioning, SumColumn, bucket_case
from ..typeplan import ColumnPlan
from ..verify_render import GROUP, NULL_CELL, ContentColumn, combine_sql, content_column, render
from ..verify_render import h16 as _h16
from .verify_report import as_decimal, as_float

_WIDE = Context(prec=200)  # exact sums of NUMBER(38) values need more than Decimal's default 28
_SPLIT = 10**18  # wide DuckDB decimals are summed in two integer halves: no overflow


def row_hashes(cells: Sequence[str]) -> int:
    """The "cells" row number from its cells' 16-hex hashes (grouped past GROUP columns):
    the definition in Python that the DuckDB and Oracle SQL implement."""
    if len(cells) > GROUP:
        cells = [_h16("".join(cells[i:i + GROUP])) for i in range(0, len(cells), GROUP)]
    return int(_h16("".join(cells)), 16)


# -- counts and sums ----------------------------------------------------------------------------

def target_value(cp: ColumnPlan, raw: Any) -> Any:
    """A source key value (a bucket bound) as the target column holds it."""
    t = cp.arrow_type
    if raw is None or t is None:
        return raw
    if pa.types.is_integer(t):
        d = as_decimal(raw)
        return int(d) if isinstance(d, Decimal) else raw
    if pa.types.is_decimal(t):
        return as_decimal(raw)
    if pa.types.is_floating(t):
        return as_float(raw)
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        dt = raw if isinstance(raw, (datetime, date)) else datetime.fromisoformat(str(raw).strip())
        if not isinstance(dt, datetime):
            return dt
        aware = pa.types.is_timestamp(t) and t.tz is not None
        if dt.tzinfo is not None:
            dt = dt.astimezone(UTC)
            return dt if aware else dt.replace(tzinfo=None)
        return dt.replace(tzinfo=UTC) if aware else dt
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return raw.encode() if isinstance(raw, str) else raw
    return raw if isinstance(raw, str) else str(raw)


def target_key(part: Partitioning) -> tuple[str, list[Any]]:
    """The DuckDB expression numbering a row's partition, and its parameters."""
    if part.kind == "whole":
        return "NULL", []
    assert part.column is not None
    c = tg.qi(part.column.target_name)
    if part.kind == "day":
        t = part.column.arrow_type
        if pa.types.is_timestamp(t) and t.tz is not None:
            c = f"timezone('UTC', {c})"  # the UTC day, whatever the session's TimeZone
        return f"CAST(CAST({c} AS DATE) AS VARCHAR)", []
    return bucket_case(c, len(part.target_bounds), lambda i: "?"), list(part.target_bounds)


def target_aggregates(con: duckdb.DuckDBPyConnection, table: str, part: Partitioning,
                      sums: Sequence[SumColumn]) -> tuple[int, Aggregates, dict[Any, list[Any]]]:
    """(total rows, per-partition aggregates, per-partition sums of absolute float values)."""
    key, params = target_key(part)
    items = [f"{key} AS p", "COUNT(*)"]
    for s in sums:
        c = tg.qi(s.target)
        if s.wide:
            i = f"CAST(TRUNC({c}) AS HUGEINT)"
            items += [f"SUM({i} // {_SPLIT})", f"SUM({i} % {_SPLIT})", f"SUM({c} - TRUNC({c}))"]
        elif s.exact:
            items.append(f"SUM({c})")
        else:
            items += [f"SUM(CAST({c} AS DOUBLE))", f"SUM(ABS(CAST({c} AS DOUBLE)))"]
    sql = f"SELECT {', '.join(items)} FROM {tg.tref(table)} GROUP BY 1"
    aggs: Aggregates = {}
    abs_totals: dict[Any, list[Any]] = {}
    total = 0
    for row in con.execute(sql, params).fetchall():
        p = None if part.kind == "whole" else row[0]
        n = int(row[1])
        total += n
        values: list[Any] = []
        absolutes: list[Any] = []
        i = 2
        for s in sums:
            if s.wide:
                hi, lo, frac = row[i:i + 3]
                i += 3
                values.append(None if hi is None else
                              _WIDE.add(_WIDE.add(_WIDE.multiply(Decimal(hi), Decimal(_SPLIT)),
                                                  Decimal(lo)), Decimal(frac)))
                absolutes.append(None)
            elif s.exact:
                values.append(row[i])
                absolutes.append(None)
                i += 1
            else:
                values.append(row[i])
                absolutes.append(row[i + 1])
                i += 2
        aggs[p] = (n, values)
        abs_totals[p] = absolutes
    return total, aggs, abs_totals


# -- the content hashes: the canonical text in DuckDB SQL --------------------------------------

def duckdb_render(col: ContentColumn) -> str:
    c = tg.qi(col.target)
    k = col.kind
    t = col.plan.arrow_type
    if k == "number":
        # trailing fraction zeros, a bare '.', and the leading '0' of '0.5' go (TM9 style);
        # by the text, not the planned type, so a target column of another type renders right
        trimmed = f"regexp_replace(CAST({c} AS VARCHAR), '^(-?[0-9]*\\.[0-9]*?)0+$', '\\1')"
        return f"regexp_replace(regexp_replace({trimmed}, '\\.$', ''), '^(-?)0\\.', '\\1.')"
    if k in ("float64", "float32"):
        return f"CASE WHEN isnan({c}) THEN 'nan' ELSE printf('%.16e', CAST({c} AS DOUBLE)) END"
    if k in ("ts", "ts_ns", "date"):
        e = f"timezone('UTC', {c})" if pa.types.is_timestamp(t) and t.tz is not None else \
            f"CAST({c} AS TIMESTAMP)" if k == "date" else c
        sub = f"nanosecond({e})" if k == "ts_ns" else f"CAST(microsecond({e}) AS BIGINT) * 1000"
        return (f"printf('%d-%02d-%02d %02d:%02d:%011d', year({e}), month({e}), day({e}), "
                f"hour({e}), minute({e}), {sub})")
    if k == "interval":
        return (f"printf('%d %d %d', datepart('year', {c}) * 12 + datepart('month', {c}), "
                f"datepart('day', {c}), CAST(datepart('hour', {c}) AS HUGEINT) * 3600000000 "
                f"+ datepart('minute', {c}) * 60000000 + datepart('microseconds', {c}))")
    if k == "text":
        return c
    if k == "blob":
        return f"hex({c})"
    if k == "bool":
        return f"CASE WHEN {c} THEN 'true' ELSE 'false' END"
    return (f"'[' || array_to_string(list_transform({c}, lambda e: CASE WHEN isnan(e) THEN 'nan' "
            f"ELSE printf('%.16e', CAST(e AS DOUBLE)) END), ',') || ']'")


def duckdb_content_sql(table: str, key: str, cols: Sequence[ContentColumn], mode: str,
                       only: int = 0) -> str:
    """mode "rows", "columns" (per-column sums; `only` > 0: of the partitions in the first
    `only` parameters after the key's) or "cells" (the Oracle definition: both)."""
    def h16(e: str) -> str:
        return f"substr(md5({e}), 1, 16)"

    def num(e: str) -> str:
        return f"CAST(('0x' || {e}) AS UBIGINT)"

    q = [tg.qi(c.target) for c in cols]
    r = [duckdb_render(c) for c in cols]
    if mode == "rows":
        parts = [f"CASE WHEN {c} IS NULL THEN '{NULL_CELL}' ELSE CAST(length({e}) AS VARCHAR) || ':' || {e} END"
                 for c, e in zip(q, r, strict=True)]
        inner = [f"{num(h16('concat(' + ', '.join(parts) + ')'))} AS rh"]
        sums = ["SUM(CAST(rh AS HUGEINT))"]
    else:
        cells = [f"CASE WHEN {c} IS NULL THEN '{NULL_CELL}' ELSE {h16(e)} END" for c, e in zip(q, r, strict=True)]
        inner = [f"{e} AS h{i}" for i, e in enumerate(cells)]
        sums = [f"SUM(CASE WHEN h{i} = '{NULL_CELL}' THEN 0 ELSE {num(f'h{i}')} END)" for i in range(len(cols))]
        if mode == "cells":
            def concat(items: list[str]) -> str:
                return "concat(" + ", ".join(items) + ")" if len(items) > 1 else items[0]

            row = num(h16(combine_sql([f"h{i}" for i in range(len(cols))], h16, concat, GROUP)))
            sums.insert(0, f"SUM(CAST({row} AS HUGEINT))")
        else:
            sums.insert(0, "0")
    where = ""
    if only:
        where = " WHERE p IN (" + ", ".join("?" * only) + ")"
    return (f"SELECT p, COUNT(*), {', '.join(sums)} FROM (SELECT {key} AS p, {', '.join(inner)} "
            f"FROM {tg.tref(table)}){where} GROUP BY p")


def duckdb_content(con: Any, table: str, key: str, params: Sequence[Any],
                   cols: Sequence[ContentColumn], whole: bool, mode: str,
                   columns_of: set[Any] | None = None) -> Content:
    only = sorted((p for p in columns_of or () if p is not None), key=str)
    sql = duckdb_content_sql(table, key, cols, mode, len(only))
    if columns_of is not None and None in columns_of:  # the partition of NULL cursors/keys
        sql = sql.replace(" WHERE p IN (", " WHERE p IS NULL OR p IN (") if only else \
            sql.replace(" GROUP BY p", " WHERE p IS NULL GROUP BY p")
    out: Content = {}
    for row in con.execute(sql, list(params) + only).fetchall():
        p = None if whole else row[0]
        out[p] = (int(row[1]), int(row[2] or 0), [] if mode == "rows" else [int(x or 0) for x in row[3:]])
    return out


__all__ = ["GROUP", "NULL_CELL", "content_column", "duckdb_content", "duckdb_content_sql",
           "duckdb_render", "render", "row_hashes", "target_aggregates", "target_key", "target_value"]
