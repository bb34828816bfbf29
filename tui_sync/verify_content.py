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

A cell hashes to the first 16 hex digits of md5(render), 'n' for NULL (so NULL and ''
differ); a row to the first 16 hex digits (a 64-bit number) of md5 of its cells' hashes
in plan order (groups of 200 columns are hashed first, so Oracle's 4000-byte VARCHAR2 limit
is never reached). Per partition the row hashes are summed exactly: the order of rows does
not matter, a changed, added, lost or moved value does. Per column the cell hashes are summed
too, which names the column that differs; values swapped between rows leave every column
sum equal and show as `content` alone.

Sides: SQLite through a streaming Python pass (fetchmany), DuckDB in SQL (md5, printf),
Oracle in SQL with STANDARD_HASH (12c and later). Oracle LOB, LONG and VECTOR columns are
not hashed (STANDARD_HASH takes no LOB): the report lists them as unchecked.

Plain Python: it never imports Textual.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

import pyarrow as pa

from . import target as tg
from .typeplan import LOB_TYPES, ColumnPlan, Conversion

GROUP = 200  # columns hashed together before the row hash (Oracle: 200 * 16 < 4000 bytes)
NULL_CELL = "n"  # never a hex digit: NULL differs from every value, '' included
_WIDE = Context(prec=200)
FETCH_ROWS = 5000


@dataclass(frozen=True)
class ContentColumn:
    plan: ColumnPlan
    kind: str  # number | float64 | float32 | ts | ts_ns | date | interval | text | blob | bool | list64 | list32
    scale: int | None  # number: the scale the source value is rounded to (None: exact)
    truncate_us: bool  # ts: the plan announced microseconds for a finer source

    @property
    def target(self) -> str:
        return self.plan.target_name


def source_scale(cp: ColumnPlan) -> int | None:
    """The scale a source number is compared at: what the source column can hold.

    A declared scale (NUMBER(p,s), NUMBER(*,s), INTEGER) is what Oracle stores, so a
    target rounded past it is a difference. Without one (NUMBER, FLOAT) the plan warns
    that values are rounded to the target's scale, so the source is rounded the same way.
    """
    src = cp.source
    if src.data_type.upper() == "NUMBER" and src.scale is not None:
        return int(src.scale)
    t = cp.arrow_type
    if t is not None and pa.types.is_decimal(t):
        return int(t.scale)
    if t is not None and pa.types.is_integer(t):
        return 0
    return None


def content_column(cp: ColumnPlan) -> ContentColumn | None:
    """How a planned column is rendered, or None when the content check cannot render it."""
    t = cp.arrow_type
    if t is None:
        return None
    kind: str | None = None
    if pa.types.is_integer(t) or pa.types.is_decimal(t):
        kind = "number"
    elif pa.types.is_float64(t):
        kind = "float64"
    elif pa.types.is_float32(t):
        kind = "float32"
    elif pa.types.is_timestamp(t):
        kind = "ts_ns" if t.unit == "ns" else "ts"
    elif pa.types.is_date(t):
        kind = "date"
    elif pa.types.is_interval(t):
        kind = "interval"
    elif pa.types.is_string(t) or pa.types.is_large_string(t):
        kind = "text"
    elif pa.types.is_binary(t) or pa.types.is_large_binary(t):
        kind = "blob"
    elif pa.types.is_boolean(t):
        kind = "bool"
    elif pa.types.is_list(t) and pa.types.is_floating(t.value_type):
        kind = "list32" if pa.types.is_float32(t.value_type) else "list64"
    if kind is None:
        return None
    src_digits = cp.source.scale if cp.source.data_type.upper().startswith("TIMESTAMP") else None
    truncate = kind == "ts" and bool(cp.warning) and (src_digits or 0) > 6
    return ContentColumn(cp, kind, source_scale(cp) if kind == "number" else None, truncate)


# -- canonical text of a source value (Python) ------------------------------------------------

def decimal_text(d: Decimal) -> str:
    """Like Oracle TO_CHAR(x, 'TM9'): '19.99', '.5', '-.5', '20', '0'."""
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if s in ("-0", ""):
        return "0"
    if s.startswith("0."):
        return s[1:]
    if s.startswith("-0."):
        return "-" + s[2:]
    return s


def _bad(v: Any) -> str:
    return f"?{v!r}"  # unreadable in the source: never equal to a target rendering


def _number(v: Any, scale: int | None) -> str:
    try:
        d = v if isinstance(v, Decimal) else Decimal(
            v.decode() if isinstance(v, bytes) else str(v).strip())
        if not d.is_finite():
            return _bad(v)
        if scale is not None:
            d = d.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP, context=_WIDE)
    except (InvalidOperation, ValueError, UnicodeDecodeError):
        return _bad(v)
    return decimal_text(d)


def float_text(f: float) -> str:
    if f != f:
        return "nan"
    return "%.16e" % f  # 'inf', '-inf', '1.0000000000000000e+308'  # noqa: UP031


def _to_f32(f: float) -> float:
    try:
        return struct.unpack("f", struct.pack("f", f))[0]
    except OverflowError:  # Arrow's cast: beyond float32's range is infinity
        return float("inf") if f > 0 else float("-inf")


def _float(v: Any, f32: bool) -> str:
    try:
        f = float(v.decode() if isinstance(v, bytes) else v)
    except (TypeError, ValueError, UnicodeDecodeError):
        return _bad(v)
    return float_text(_to_f32(f) if f32 else f)


_TS_RE = re.compile(r"^(-?\d{1,5})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
                    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?$", re.IGNORECASE)


def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar (year 0 and 10000 too)."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _civil_from_days(z: int) -> tuple[int, int, int]:
    z += 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return y + (m <= 2), m, d


def ts_text(y: int, mo: int, d: int, h: int, mi: int, ns: int) -> str:
    return "%d-%02d-%02d %02d:%02d:%011d" % (y, mo, d, h, mi, ns)  # noqa: UP031


def _timestamp(v: Any, col: ContentColumn) -> str:
    text = v.decode(errors="replace") if isinstance(v, bytes) else str(v)
    m = _TS_RE.match(text.strip())
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        h, mi, s = int(m.group(4) or 0), int(m.group(5) or 0), int(m.group(6) or 0)
        frac = (m.group(7) or "")[:9]
        ns = s * 1_000_000_000 + int(frac.ljust(9, "0") or 0)
        off = m.group(8)
        offset = 0
        if off and off.upper() != "Z":
            digits = off[1:].replace(":", "")
            offset = int(digits[:2]) * 60 + int(digits[2:4] or 0)
            offset = -offset if off[0] == "-" else offset
    else:
        try:  # the sync's own fallback: Python's ISO parser (basic format, odd spacing)
            dt = datetime.fromisoformat(text.strip())
        except ValueError:
            return _bad(v)
        y, mo, d, h, mi = dt.year, dt.month, dt.day, dt.hour, dt.minute
        ns = dt.second * 1_000_000_000 + dt.microsecond * 1000
        delta = dt.utcoffset()
        offset = 0 if delta is None else int(delta.total_seconds()) // 60
    if offset:
        minutes = _days_from_civil(y, mo, d) * 1440 + h * 60 + mi - offset
        days, rest = divmod(minutes, 1440)
        (y, mo, d), h, mi = _civil_from_days(days), rest // 60, rest % 60
    if col.truncate_us:
        ns -= ns % 1000
    return ts_text(y, mo, d, h, mi, ns)


_DS_RE = re.compile(r"^([+-])?(\d+)\s+(\d+):(\d+):(\d+(?:\.\d+)?)$")
_YM_RE = re.compile(r"^([+-])?(\d+)-(\d+)$")


def _interval(v: Any, col: ContentColumn) -> str:
    try:
        if col.plan.conversion == Conversion.INTERVAL_YM:
            if isinstance(v, str):
                m = _YM_RE.match(v.strip())
                if not m:
                    return _bad(v)
                months = int(m.group(2)) * 12 + int(m.group(3))
                months = -months if m.group(1) == "-" else months
            else:
                months = int(v)
            return f"{months} 0 0"
        if isinstance(v, str):
            m = _DS_RE.match(v.strip())
            if not m:
                return _bad(v)
            sign = -1 if m.group(1) == "-" else 1
            days = int(m.group(2))
            secs = Decimal(m.group(5)) + int(m.group(4)) * 60 + int(m.group(3)) * 3600
        else:
            total = Decimal(str(v))
            sign = -1 if total < 0 else 1
            days_d, secs = divmod(abs(total), 86400)
            days = int(days_d)
    except (ValueError, InvalidOperation, TypeError):
        return _bad(v)
    return f"0 {sign * days} {decimal_text(sign * secs * 1_000_000)}"


_TRUE = frozenset({"1", "true", "t", "y", "yes"})
_FALSE = frozenset({"0", "false", "f", "n", "no"})


def renderer(col: ContentColumn) -> Callable[[Any], str]:
    """render() for one column, with fast paths for the common raw shapes (same text)."""
    k = col.kind
    if k == "text" and col.plan.conversion != Conversion.RTRIM:
        return lambda v: v if type(v) is str else render(col, v)  # type: ignore[return-value]
    if k == "number":
        scale = col.scale

        def number(v: Any) -> str:
            if type(v) is int and (scale is None or scale >= 0):
                return str(v)  # an integer is its own canonical text at any scale >= 0
            if type(v) is float and scale is not None:
                r = repr(v)  # what the sync reads: Decimal(str(v))
                whole, dot, frac = r.partition(".")
                if dot and len(frac) <= scale and frac.isdigit() and whole.lstrip("-").isdigit():
                    frac = frac.rstrip("0")
                    if not frac:
                        return "0" if whole in ("0", "-0") else whole
                    return ("-" if whole.startswith("-") else "") + ("" if whole.lstrip("-") == "0"
                                                                    else whole.lstrip("-")) + "." + frac
            return render(col, v)  # type: ignore[return-value]
        return number
    if k in ("ts", "ts_ns", "date"):
        def ts(v: Any) -> str:
            # 'YYYY-MM-DD HH:MM:SS[.f{1,9}]' with a four-digit year >= 1000 and no offset
            if type(v) is str and 19 <= len(v) <= 29 and v[0] != "0" and v[10] == " " \
                    and v[4] == "-" and v[16] == ":" and (len(v) == 19 or v[19] == "."):
                frac = v[20:]
                if frac.isdigit() or not frac:
                    if col.truncate_us:
                        frac = frac[:6]
                    return v[:17] + v[17:19] + frac.ljust(9, "0")
            return render(col, v)  # type: ignore[return-value]
        return ts
    if k == "blob":
        return lambda v: v.hex().upper() if type(v) is bytes else render(col, v)  # type: ignore[return-value]
    return lambda v: render(col, v)  # type: ignore[return-value]


def render(col: ContentColumn, v: Any) -> str | None:
    """The canonical text of one source value (None for NULL)."""
    if v is None:
        return None
    k = col.kind
    if k == "text":
        s = v.decode("utf-8", errors="replace") if isinstance(v, bytes) else v if isinstance(v, str) else str(v)
        return s.rstrip(" ") if col.plan.conversion == Conversion.RTRIM else s
    if k == "number":
        return _number(v, col.scale)
    if k in ("float64", "float32"):
        return _float(v, k == "float32")
    if k in ("ts", "ts_ns", "date"):
        return _timestamp(v, col)
    if k == "blob":
        return (v.encode() if isinstance(v, str) else bytes(v)).hex().upper() \
            if isinstance(v, (str, bytes, bytearray, memoryview)) else _bad(v)
    if k == "bool":
        t = str(v).strip().lower()
        return "true" if t in _TRUE else "false" if t in _FALSE else _bad(v)
    if k == "interval":
        return _interval(v, col)
    try:  # list32 / list64: a JSON array of numbers
        items = json.loads(v) if isinstance(v, str) else v
        return "[" + ",".join(_float(x, k == "list32") for x in items) + "]"
    except (TypeError, ValueError):
        return _bad(v)


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
        if pa.types.is_decimal(t) and t.scale > 0:
            trimmed = f"rtrim(rtrim(CAST({c} AS VARCHAR), '0'), '.')"
            return f"regexp_replace({trimmed}, '^(-?)0\\.', '\\1.')"
        return f"CAST({c} AS VARCHAR)"
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


__all__ = ["ContentColumn", "content_column", "decimal_text", "duckdb_content", "oracle_content_sql",
           "render", "row_hashes", "source_scale", "sqlite_content"]
