"""SQLite values as Python objects -> Arrow arrays of the plan's types, one value at a time.

The Arrow-native read (sqlite_arrow.py) converts whole columns with Arrow kernels; this is
its reference and its fallback for what no kernel converts exactly: irregular values (a
column whose storage classes are mixed, text no kernel parses) and the types without a
kernel (intervals, vectors). Both must give the same values.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ...errors import SourceError
from ...i18n import _, line_of
from ...typeplan import ColumnPlan, Conversion

_WIDE = Context(prec=80)
_FRACTION_RE = re.compile(r"\d{2}:\d{2}:\d{2}\.(\d+)")


# -- Python values -> Arrow arrays of the plan's types ---------------------------------------

def to_arrow(cp: ColumnPlan, values: tuple[Any, ...]) -> pa.Array:
    t = cp.arrow_type
    assert t is not None
    try:
        if pa.types.is_decimal(t):
            decimals = [to_decimal(v, t.scale) for v in values]
            try:
                return pa.array(decimals, t)
            except pa.ArrowInvalid:
                _raise_too_wide(decimals, t)
                raise
        if pa.types.is_timestamp(t):
            return _to_timestamp(values, t)
        if pa.types.is_interval(t):
            return pa.array([_to_interval(v, cp.conversion) for v in values], t)
        if pa.types.is_list(t):
            return pa.array([json.loads(v) if isinstance(v, str) else v for v in values], t)
        if pa.types.is_integer(t):
            try:  # a safe cast: a stored fraction raises instead of being truncated
                return pa.array(values).cast(t)
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
                ints = [_to_int(v) for v in values]
                lo, hi = -(1 << (t.bit_width - 1)), (1 << (t.bit_width - 1)) - 1
                bad = next((i for i in ints if i is not None and not lo <= i <= hi), None)
                if bad is not None:
                    raise ValueError(_("value {value} does not fit {type}").format(
                        value=bad, type=t)) from None
                return pa.array(ints, t)
        if pa.types.is_floating(t):
            try:
                return pa.array(values, t)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                return pa.array([None if v is None else float(v) for v in values], t)
        if pa.types.is_large_string(t) or pa.types.is_string(t):
            try:
                return pa.array(values, t)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                return pa.array([_to_text(v) for v in values], t)
        if pa.types.is_large_binary(t) or pa.types.is_binary(t):
            return pa.array([v.encode() if isinstance(v, str) else v for v in values], t)
        if pa.types.is_boolean(t):
            return pa.array([_to_bool(v) for v in values], t)
        return pa.array(values, t)
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError, ArithmeticError, TypeError) as exc:
        first = line_of(exc)
        if isinstance(exc, InvalidOperation):
            first = _("not a number that fits the column")
        raise SourceError(_("column {name}: cannot convert values to {type}: {first}").format(
            name=cp.name, type=cp.duckdb_type, first=first)) from None


def _raise_too_wide(decimals: list[Decimal | None], t: pa.Decimal128Type) -> None:
    """Name the first value with more integer digits than DECIMAL(p,s) holds."""
    limit = Decimal(10) ** (t.precision - t.scale)
    for d in decimals:
        if d is not None and abs(d) >= limit:
            raise ValueError(_("value {value} has more than {digits} integer digits").format(
                value=f"{d.normalize(_WIDE):f}", digits=t.precision - t.scale))


def raw_keys(column: str, values: tuple[Any, ...]) -> pa.Array:
    """A key column as SQLite returned it (int, float, str or bytes): exact in Arrow."""
    try:
        arr = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arr = None  # mixed storage classes (numbers and text): never guess a common type
    if arr is not None and pa.types.is_floating(arr.type) and any(
            type(v) is int and abs(v) > 2**53 for v in values):
        arr = None  # integers beyond 2**53 beside REALs: a double would round them
    if arr is None:
        raise SourceError(_("key column {column} holds values of mixed storage types; a chunked "
                            "read cannot page it exactly (raise chunk_rows to load it in one piece)"
                            ).format(column=column))
    return arr


def _to_text(v: Any) -> str | None:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return v.decode("utf-8", errors="replace")
    return str(v)


def _to_int(v: Any) -> int | None:
    """Round half away from zero, as Oracle stores a fraction in NUMBER(p,0)."""
    if v is None:
        return None
    d = Decimal(str(v).strip())
    return int(d.quantize(Decimal(1), rounding=ROUND_HALF_UP, context=_WIDE))


_TRUE = frozenset({"1", "true", "t", "y", "yes"})
_FALSE = frozenset({"0", "false", "f", "n", "no"})


def _to_bool(v: Any) -> bool | None:
    if v is None:
        return None
    text = str(v).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(_("{value} is not a boolean (0/1, true/false, y/n)").format(value=repr(v)))


def to_decimal(v: Any, scale: int) -> Decimal | None:
    if v is None:
        return None
    d = Decimal(str(v).strip()) if not isinstance(v, Decimal) else v
    # Oracle rounds half away from zero when it stores NUMBER(p,s); mirror it. The wide
    # context: NUMBER(38,s) needs more than Python's default 28 digits.
    return d.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP, context=_WIDE)


def _to_timestamp(values: tuple[Any, ...], t: pa.TimestampType) -> pa.Array:
    texts = [None if v is None else str(v).strip() for v in values]
    try:
        return pc.cast(pa.array(texts, pa.string()), t)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    out: list[int | None] = []
    for text in texts:  # slow path: offsets, 'T', odd spacing, out-of-range values
        if text is None:
            out.append(None)
            continue
        try:
            out.append(_timestamp_value(text, t))
        except (ValueError, OverflowError, pa.ArrowInvalid) as exc:
            raise ValueError(_("value {value}: {reason}").format(
                value=repr(text), reason=line_of(exc))) from None
    return pa.array(out, pa.int64()).cast(t)


_EPOCH = datetime(1970, 1, 1)
_UNIT_NS = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
_TS_RANGE = {"ns": "1677-09-21 to 2262-04-11"}


def _timestamp_value(text: str, t: pa.TimestampType) -> int:
    """One timestamp text as an integer in t's unit (UTC for zoned targets); digits 7-9 of
    the fraction are kept, never cut to Python's microseconds."""
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    m = _FRACTION_RE.search(text)
    extra_ns = int(m.group(1)[6:9].ljust(3, "0")) if m else 0
    delta = dt - _EPOCH
    ns = ((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds) * 1000 + extra_ns
    value = ns // _UNIT_NS[t.unit]  # a coarser plan (TIMESTAMP(0-6)) cuts, as it always has
    if not -(1 << 63) <= value < (1 << 63):
        raise ValueError(_("outside the range of {type} ({range})").format(
            type=t, range=_TS_RANGE.get(t.unit, "int64")))
    return value


_DS_RE = re.compile(r"^([+-])?(\d+)\s+(\d+):(\d+):(\d+(?:\.\d+)?)$")
_YM_RE = re.compile(r"^([+-])?(\d+)-(\d+)$")


def _to_interval(v: Any, conversion: Conversion) -> pa.MonthDayNano | None:
    """Oracle literal text ('+02 03:04:05.5', '+01-06') or a number of seconds/months."""
    if v is None:
        return None
    if conversion == Conversion.INTERVAL_YM:
        if isinstance(v, str):
            m = _YM_RE.match(v.strip())
            if not m:
                raise ValueError(_("{value} is not a YEAR TO MONTH interval").format(value=repr(v)))
            months = int(m.group(2)) * 12 + int(m.group(3))
            months = -months if m.group(1) == "-" else months
        else:
            months = int(v)
        return pa.MonthDayNano([months, 0, 0])
    if isinstance(v, str):
        m = _DS_RE.match(v.strip())
        if not m:
            raise ValueError(_("{value} is not a DAY TO SECOND interval").format(value=repr(v)))
        sign = -1 if m.group(1) == "-" else 1
        secs = Decimal(m.group(5)) + int(m.group(4)) * 60 + int(m.group(3)) * 3600
        days = int(m.group(2))
    else:
        total = Decimal(str(v))
        sign = -1 if total < 0 else 1
        total = abs(total)
        days, secs = divmod(total, 86400)
        days = int(days)
    nanos = int(secs * 1_000_000_000)
    return pa.MonthDayNano([0, sign * days, sign * nanos])
