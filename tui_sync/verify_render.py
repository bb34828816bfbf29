"""Canonical text of a SOURCE value for the content check of `tui-sync verify`, and the
row-hash definition built on it.

The rules (see services/verify for the whole check): the value the source holds,
with only the conversions the plan promises applied. Each rendering here has a DuckDB twin
(services.verify_duckdb.duckdb_render) and an Oracle twin (sources.oracle.verify.render)
that must produce the same text. A core module like typeplan: sources and services both
use it, so it imports neither. Plain Python: it never imports Textual.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

import pyarrow as pa

from .typeplan import ColumnPlan, Conversion

_WIDE = Context(prec=200)

GROUP = 200  # columns hashed together before the row hash (Oracle: 200 * 16 < 4000 bytes)
NULL_CELL = "n"  # never a hex digit: NULL differs from every value, '' included


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


# -- the row hash (both definitions: see services/verify_duckdb) ---------------------------------

def h16(text: str) -> str:
    """The first 16 hex digits of the md5 of `text` (a cell's or a row's hash)."""
    return hashlib.md5(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]  # noqa: S324


def row_text(texts: Sequence[str | None]) -> str:
    """The "rows" row text: unambiguous, since every text carries its length."""
    return "".join(NULL_CELL if t is None else f"{len(t)}:{t}" for t in texts)


def combine_sql(cells: Sequence[str], h16_sql: Callable[[str], str],
                concat: Callable[[list[str]], str], group: int) -> str:
    """The "cells" row expression in a SQL dialect: the concatenated cell hashes, hashed in
    groups of `group` first when there are more (Oracle VARCHAR2 holds 4000 bytes)."""
    if len(cells) > group:
        cells = [h16_sql(concat(list(cells[i:i + group]))) for i in range(0, len(cells), group)]
    return concat(list(cells))
