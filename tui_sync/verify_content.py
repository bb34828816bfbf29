"""The content check of `tui-sync verify`: one hash per partition over every column.

Each cell is rendered as a canonical text that both sides can produce identically,
from the value the SOURCE holds (never from what the plan or the target made of it),
with only the conversions the plan promises applied to it:

- integers and decimals: the exact decimal at the source column's declared scale
  (NUMBER(12,2) -> 19.99 even when the target is DECIMAL(10,0)); a source without a
  declared scale (NUMBER, FLOAT) is rounded to the target's scale, as the plan warns.
  Text like Oracle's TO_CHAR(x, 'TM9'): no exponent, no trailing zeros, '.5', '-.5';
- floats: '%.16e' of the double (17 significant digits: every double exactly), float32
  targets after rounding to float32; 'nan', 'inf', '-inf';
- timestamps, dates: 'Y-MM-DD HH:MI:' and the nanoseconds within the minute (11 digits),
  in UTC for the time-zone types; a source holding more digits than a microsecond target
  differs unless the plan announced the truncation (a plan warning);
- intervals: 'months days microseconds'; booleans 'true'/'false';
- text as it is (CHAR trimmed with rtrim_char); binary as upper-case hex; vectors as
  '[' + the '%.16e' elements + ']'.

A row hashes to a 64-bit number (the first 16 hex digits of an md5, see "hashing" below
for the two definitions: one md5 per row for SQLite sources, one per cell for Oracle);
'n' stands for NULL, so NULL and '' differ. Per partition the row numbers are summed
exactly: the order of rows does not matter, a changed, added, lost or moved value does.
Per column the cells' own hashes are summed too, which names the column that differs;
values swapped between rows leave every column sum equal and show as `content` alone.

Sides: SQLite through a streaming Python pass (fetchmany), DuckDB in SQL (md5, printf),
Oracle in SQL with STANDARD_HASH (12c and later). Oracle LOB, LONG and VECTOR columns are
not hashed (STANDARD_HASH takes no LOB): the report lists them as unchecked.

Plain Python: it never imports Textual.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

import pyarrow as pa

from . import target as tg
from .typeplan import LOB_TYPES, ColumnPlan, Conversion
from .verify_render import ContentColumn, content_column, decimal_text, render, renderer, source_scale

GROUP = 200  # columns hashed together before the row hash (Oracle: 200 * 16 < 4000 bytes)
NULL_CELL = "n"  # never a hex digit: NULL differs from every value, '' included
FETCH_ROWS = 5000


# -- hashing -------------------------------------------------------------------------------
#
# Two definitions of the row hash; one verify uses one of them on both sides:
# - "rows" (SQLite sources): md5 of the length-prefixed concatenation of the cells
#   ('n' for NULL, else '<characters>:<text>'): one md5 per row, so the Python side is fast.
#   Per-column sums (to name the column) are computed in a second pass over the partitions
#   whose rows differ only.
# - "cells" (Oracle sources): md5 of the concatenation of each cell's 16-hex md5 (grouped
#   past GROUP columns), and per-column sums in the same pass: Oracle concatenates VARCHAR2
#   of at most 4000 bytes, so every cell is hashed first.

def _h16(text: str) -> str:
    return hashlib.md5(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]  # noqa: S324


def row_hashes(cells: Sequence[str]) -> int:
    """The "cells" row number from its cells' 16-hex hashes (grouped past GROUP columns)."""
    if len(cells) > GROUP:
        cells = [_h16("".join(cells[i:i + GROUP])) for i in range(0, len(cells), GROUP)]
    return int(_h16("".join(cells)), 16)


def row_text(texts: Sequence[str | None]) -> str:
    """The "rows" row text: unambiguous, since every text carries its length."""
    return "".join(NULL_CELL if t is None else f"{len(t)}:{t}" for t in texts)


Content = dict[Any, tuple[int, int, list[int]]]  # partition -> (rows, sum of rows, sum per column)


def sqlite_content(conn: sqlite3.Connection, sql: str, params: Sequence[Any],
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
                    acc[p][2][i] += int(_h16(t), 16)
        for p in keys:
            acc[p][0] += 1
    return {p: (a[0], a[1], a[2]) for p, a in acc.items()}


# -- DuckDB side (SQL) ------------------------------------------------------------------------

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


def _combine_sql(cells: Sequence[str], h16: Callable[[str], str], concat: Callable[[list[str]], str]) -> str:
    if len(cells) > GROUP:
        cells = [h16(concat(list(cells[i:i + GROUP]))) for i in range(0, len(cells), GROUP)]
    return concat(list(cells))


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

            row = num(h16(_combine_sql([f"h{i}" for i in range(len(cols))], h16, concat)))
            sums.insert(0, f"SUM(CAST({row} AS HUGEINT))")
        else:
            sums.insert(0, "0")
    where = ""
    if only:
        where = " WHERE p IN (" + ", ".join("?" * only) + ")"
    return (f"SELECT p, COUNT(*), {', '.join(sums)} FROM (SELECT {key} AS p, {', '.join(inner)} "
            f"FROM {tg.qi(table)}){where} GROUP BY p")


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


# -- Oracle side (SQL text; no Oracle server here: unit-tested as text) ---------------------

ORACLE_UNHASHED = LOB_TYPES | {"VECTOR"}
_NLS = "'NLS_NUMERIC_CHARACTERS=''.,'''"


def oracle_unhashed(cp: ColumnPlan) -> bool:
    """Oracle LOB/LONG/VECTOR columns: STANDARD_HASH takes no LOB, LONG is no expression."""
    return cp.source.data_type.upper() in ORACLE_UNHASHED or cp.conversion in (
        Conversion.JSON, Conversion.XML)


def oracle_render(col: ContentColumn) -> str:
    from .sources.oracle import quote_ident

    q = quote_ident(col.plan.name)
    k = col.kind
    src = col.plan.source.data_type.upper()
    if k == "number":
        # a declared scale is what Oracle holds: never rounded further (issue 9 item 1)
        e = q if col.scale is None or (src == "NUMBER" and col.plan.source.scale is not None) \
            else f"ROUND({q}, {int(col.scale)})"
        return f"TO_CHAR({e}, 'TM9', {_NLS})"
    if k in ("float64", "float32"):
        d = f"TO_BINARY_DOUBLE(TO_BINARY_FLOAT({q}))" if k == "float32" else f"TO_BINARY_DOUBLE({q})"
        return (f"CASE WHEN {d} IS NAN THEN 'nan' WHEN {d} = BINARY_DOUBLE_INFINITY THEN 'inf' "
                f"WHEN {d} = -BINARY_DOUBLE_INFINITY THEN '-inf' "
                f"ELSE LOWER(TO_CHAR({d}, 'FM9.0000000000000000EEEE', {_NLS})) END")
    if k in ("ts", "ts_ns", "date"):
        t = f"SYS_EXTRACT_UTC({q})" if col.plan.conversion == Conversion.UTC else f"CAST({q} AS TIMESTAMP(9))"
        sec = f"EXTRACT(SECOND FROM {t}) * 1000000000"
        if col.truncate_us:
            sec = f"TRUNC(EXTRACT(SECOND FROM {t}) * 1000000) * 1000"
        return (f"TO_CHAR(EXTRACT(YEAR FROM {t})) || TO_CHAR({t}, '\"-\"MM\"-\"DD HH24\":\"MI\":\"') "
                f"|| LPAD(TO_CHAR({sec}, 'TM9', {_NLS}), 11, '0')")
    if k == "interval":
        if col.plan.conversion == Conversion.INTERVAL_YM:
            return f"TO_CHAR(EXTRACT(YEAR FROM {q}) * 12 + EXTRACT(MONTH FROM {q})) || ' 0 0'"
        micros = (f"(EXTRACT(HOUR FROM {q}) * 3600 + EXTRACT(MINUTE FROM {q}) * 60 "
                  f"+ EXTRACT(SECOND FROM {q})) * 1000000")
        return f"'0 ' || TO_CHAR(EXTRACT(DAY FROM {q})) || ' ' || TO_CHAR({micros}, 'TM9', {_NLS})"
    if k == "text":
        if col.plan.conversion == Conversion.ROWID:
            return f"ROWIDTOCHAR({q})"
        if col.plan.conversion == Conversion.RTRIM:
            return f"TO_CHAR(RTRIM({q}))"
        return f"TO_CHAR({q})"  # NCHAR/NVARCHAR2 into the database character set
    if k == "blob":
        return f"RAWTOHEX({q})"
    if k == "bool":
        return f"CASE WHEN {q} THEN 'true' ELSE 'false' END"
    raise ValueError(f"{col.plan.name}: no Oracle rendering for {k}")


def oracle_content_sql(from_sql: str, where: str, key: str, cols: Sequence[ContentColumn]) -> str:
    """One GROUP BY: partition, COUNT(*), the exact sum of row hashes and of each column's
    cell hashes as TO_CHAR text. Needs STANDARD_HASH (Oracle 12.1 and later)."""

    def h16(e: str) -> str:
        return f"LOWER(SUBSTR(RAWTOHEX(STANDARD_HASH({e}, 'MD5')), 1, 16))"

    def concat(items: list[str]) -> str:
        return " || ".join(items)

    def num(e: str) -> str:
        return f"TO_NUMBER({e}, 'XXXXXXXXXXXXXXXX')"

    # NULL by the rendering: RTRIM of an all-blank CHAR is NULL in Oracle, and lands NULL
    cells = [f"CASE WHEN {oracle_render(c)} IS NULL THEN '{NULL_CELL}' ELSE {h16(oracle_render(c))} END"
             for c in cols]
    inner = ", ".join([f"{key} AS p"] + [f"{e} AS h{i}" for i, e in enumerate(cells)])
    sql = f"SELECT {inner} FROM {from_sql}"
    if where.strip():
        sql += f" WHERE ({where.strip()})"
    row = num(h16(_combine_sql([f"h{i}" for i in range(len(cols))], h16, concat)))
    sums = [f"TO_CHAR(SUM({row}))"] + [
        f"TO_CHAR(SUM(CASE WHEN h{i} = '{NULL_CELL}' THEN 0 ELSE {num(f'h{i}')} END))"
        for i in range(len(cols))]
    return f"SELECT p, COUNT(*) AS n, {', '.join(sums)} FROM ({sql}) GROUP BY p"


__all__ = ["GROUP", "NULL_CELL", "Content", "ContentColumn", "content_column", "decimal_text",
           "duckdb_content", "oracle_content_sql", "render", "renderer", "row_hashes", "source_scale",
           "sqlite_content"]
