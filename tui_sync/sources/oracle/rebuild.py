"""After the fetch: columns fetched as a stand-in type (types.post_kind) rebuilt in Arrow.

Intervals travel as numbers, VECTORs as FROM_VECTOR text, TIMESTAMP(7-9) as TO_CHAR text
and wide numbers as decimal256; each becomes the plan's Arrow type here, vectorised, with
a checked cast where the driver alone would wrap, and the first bad value named.

This module must never import Textual.
"""

from __future__ import annotations

from decimal import Context, Decimal

import pyarrow as pa
import pyarrow.compute as pc

from ...i18n import _
from ...typeplan import ColumnPlan
from .types import post_kind

_WIDE = Context(prec=100)  # for rendering 38+ digit values in messages
_US_PER_DAY = 86_400_000_000


class BadValue(ValueError):
    """A fetched value the plan's type cannot hold (the message names the value)."""


def rebuild(arr: pa.Array, cp: ColumnPlan) -> pa.Array:
    kind = post_kind(cp)
    if kind == "vector":
        return _parse_vectors(arr)
    if kind == "ts_text":
        return _parse_ts_text(arr, cp)
    if kind == "wide_number":
        return _narrow_number(arr, cp)
    if kind == "interval_ds":
        try:
            arr = arr.cast(pa.int64())
        except pa.ArrowInvalid:
            return _big_intervals(arr)
    ints = arr.cast(pa.int64())
    if kind == "interval_ym":
        return _intervals(ints, months=ints, days=None, nanos=None)
    days = pc.divide(ints, _US_PER_DAY)  # integer division truncates toward zero, like Oracle
    rest_us = pc.subtract(ints, pc.multiply(days, _US_PER_DAY))
    return _intervals(ints, months=None, days=days, nanos=pc.multiply(rest_us, 1000))


def _parse_ts_text(arr: pa.Array, cp: ColumnPlan) -> pa.Array:
    """TO_CHAR text (' 2024-01-01T10:00:00.123456789') -> timestamp[ns], range-checked:
    a value outside 1677-09-21..2262-04-11 (9999-12-31 sentinels, BC years) fails."""
    text = pc.utf8_trim_whitespace(arr.cast(pa.large_string()))
    try:
        return text.cast(pa.timestamp("ns"))
    except pa.ArrowInvalid:
        pass
    for value in text.to_pylist():  # the failure path only: find the first bad value
        if value is None:
            continue
        try:
            pa.scalar(value, pa.large_string()).cast(pa.timestamp("ns"))
        except pa.ArrowInvalid:
            raise BadValue(
                _("value {value} is outside TIMESTAMP_NS's range (1677-09-21 to 2262-04-11); "
                  "set column.{column} = TIMESTAMP to land it with microseconds").format(
                    value=value, column=cp.name)) from None
    raise BadValue(_("a fetched timestamp text could not be parsed"))


def _narrow_number(arr: pa.Array, cp: ColumnPlan) -> pa.Array:
    """decimal256(76, s) -> the plan's decimal128(p, s) or integer: a safe cast, which
    raises where the driver alone would wrap; the first value that does not fit is named."""
    target = cp.arrow_type
    assert target is not None
    try:
        return arr.cast(target)
    except pa.ArrowInvalid:
        pass
    if pa.types.is_integer(target):
        lo, hi = -(1 << (target.bit_width - 1)), (1 << (target.bit_width - 1)) - 1
    else:
        hi = Decimal(10) ** (target.precision - target.scale) - Decimal(1).scaleb(-target.scale)
        lo = -hi
    for value in arr.to_pylist():
        if value is not None and not lo <= value <= hi:
            raise BadValue(_("value {value} does not fit {type} (too many integer digits); "
                             "widen it with a column override").format(
                value=f"{value.normalize(_WIDE):f}", type=cp.duckdb_type))
    raise BadValue(_("a value does not fit {type}").format(type=cp.duckdb_type))


def _big_intervals(arr: pa.Array) -> pa.Array:
    """Intervals past int64 microseconds (about 106,751,991 days; Oracle DAY(9) holds
    999,999,999): split into days and nanoseconds one by one. Only a batch holding such a
    value comes here, so the common path stays vectorised."""
    out = []
    for value in arr.to_pylist():
        if value is None:
            out.append(None)
            continue
        sign = -1 if value < 0 else 1
        days, rest_us = divmod(abs(int(value)), _US_PER_DAY)  # truncates toward zero, like Oracle
        out.append(pa.MonthDayNano([0, sign * days, sign * rest_us * 1000]))
    return pa.array(out, pa.month_day_nano_interval())


def _intervals(like: pa.Array, *, months: pa.Array | None, days: pa.Array | None,
               nanos: pa.Array | None) -> pa.Array:
    """Build month_day_nano_interval values from int64 parts without per-row Python.

    Each value is 16 bytes: int32 months, int32 days, int64 nanoseconds (little
    endian). The first 8 bytes are written as one int64 (days * 2**32 + months as
    uint32), the last 8 as the nanoseconds; the two int64 columns are interleaved.
    """
    n = len(like)
    zero = pa.repeat(pa.scalar(0, pa.int64()), n)
    m = pc.fill_null(months, 0) if months is not None else zero
    d = pc.fill_null(days, 0) if days is not None else zero
    ns = pc.fill_null(nanos, 0) if nanos is not None else zero
    head = pc.add(pc.multiply(d, 1 << 32), pc.bit_wise_and(m, 0xFFFFFFFF))
    both = pa.concat_arrays([head, ns])
    idx = pc.subtract(pc.cumulative_sum(pa.repeat(pa.scalar(1, pa.int64()), 2 * n)), 1)
    order = pc.add(pc.divide(idx, 2), pc.multiply(pc.bit_wise_and(idx, 1), n))
    data = pc.take(both, order).buffers()[1]
    validity = None
    if like.null_count:
        validity = pc.is_valid(like).buffers()[1]
    return pa.Array.from_buffers(pa.month_day_nano_interval(), n, [validity, data],
                                 null_count=like.null_count)


def _parse_vectors(arr: pa.Array) -> pa.Array:
    """'[1.0E+000,2.5E-001]' (FROM_VECTOR text) -> list<double>, vectorised."""
    inner = pc.utf8_trim(arr.cast(pa.large_string()), characters="[] ")
    parts = pc.split_pattern(inner, pattern=",")
    return parts.cast(pa.list_(pa.float64()))
