"""Whole-column conversions of SQLite values to the plan's Arrow types, with Arrow kernels.

Each function takes the column as the Arrow-native read fetched it (one storage class, see
sqlite_arrow.py) and returns the plan's array, or None when a kernel cannot promise the
value the per-value reference (sqlite_values.to_arrow) gives: the caller then converts the
batch's raw values with the reference. So a kernel only ever answers where it is exact.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

_ASCII_BLANKS = " \t\n\r\x0b\x0c"  # a subset of str.strip(): a miss falls back, never differs


def _cast(arr: pa.Array, t: pa.DataType) -> pa.Array | None:
    try:
        return pc.cast(arr, t)  # safe: overflow and lost digits raise
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None


def integers(arr: pa.Array, t: pa.DataType) -> pa.Array | None:
    """SQLite INTEGERs into int8..int64 (a value out of range goes to the reference, which
    names it)."""
    return _cast(arr, t)


def floats(arr: pa.Array, t: pa.DataType) -> pa.Array | None:
    """REALs (the read CASTs INTEGERs to REAL in SQL, rounding as float(int) does)."""
    return _cast(arr, t)


def decimals_from_integers(arr: pa.Array, t: pa.Decimal128Type) -> pa.Array | None:
    """INTEGERs into DECIMAL(p,s): exact; more integer digits than p-s goes to the reference."""
    if t.scale > 19 or t.scale < 0:
        return None  # int64 at scale s needs precision 19+s: beyond 38 the reference does it
    wide = _cast(arr, pa.decimal128(38, 0))
    wide = None if wide is None else _cast(wide, pa.decimal128(38, t.scale))
    return None if wide is None else _cast(wide, t)


def decimals_from_reals(arr: pa.Array, t: pa.Decimal128Type) -> tuple[pa.Array, pa.Array] | None:
    """REALs into DECIMAL(p,s) as Decimal(str(v)).quantize(ROUND_HALF_UP) gives them.

    str(v) is the shortest text that reads back as v, so it lies within half an ulp of v.
    Rounding v*10^s half away from zero gives the same integer unless a half-way point
    lies within that distance (a tie in the text, such as 1.005 at two places, which the
    double 1.00499999999999989... only nears): those values, and ones too large for the
    fraction to be exact, are returned as a mask for the reference to convert one by one.
    Returns (decimals with nulls where the mask is set, mask), or None."""
    if not 0 <= t.scale <= 15:
        return None  # 10**s must be exact in a double and the product far below 2**53
    x = pc.multiply(arr, float(10**t.scale))
    rounded = pc.round(x, 0, round_mode="half_towards_infinity")
    ax = pc.abs(x)
    # distance to the nearest half-way point, against the error bound of the product and
    # of str(v) (each below |x| * 2**-53; 2**-50 leaves room)
    near = pc.less_equal(pc.subtract(0.5, pc.abs(pc.subtract(x, rounded))),
                         pc.add(pc.multiply(ax, 2.0 ** -50), 2.0 ** -60))
    unsafe = pc.or_(near, pc.invert(pc.less(ax, 2.0 ** 52)))  # also NaN/inf: not less
    unsafe = pc.fill_null(unsafe, False)
    ints = pc.cast(pc.if_else(unsafe, None, rounded), pa.int64())
    unscaled = _cast(ints, pa.decimal128(38, 0))
    if unscaled is None:
        return None
    out = _cast(unscaled.view(pa.decimal128(38, t.scale)), t)
    return None if out is None else (out, unsafe)


def merge_decimals(from_ints: pa.Array, from_reals: pa.Array) -> pa.Array:
    """One DECIMAL column from its INTEGER and REAL parts (each null where the other holds)."""
    return pc.coalesce(from_ints, from_reals)


def timestamps(arr: pa.Array, t: pa.TimestampType) -> pa.Array | None:
    """ISO text into timestamps with the same kernel the reference tries first (it strips
    the text; a shape the kernel does not parse goes to the reference's parser)."""
    out = _cast(arr, t)
    if out is None:
        try:
            out = _cast(pc.utf8_trim(arr, _ASCII_BLANKS), t)
        except pa.ArrowInvalid:  # not UTF-8 (a BLOB read as text): the reference says so
            return None
    return out


def strings(arr: pa.Array, t: pa.DataType) -> pa.Array | None:
    return _cast(arr, t)


def binaries(arr: pa.Array, t: pa.DataType) -> pa.Array | None:
    return _cast(arr, t)


def booleans(arr: pa.Array) -> pa.Array | None:
    """INTEGER 0/1 into booleans; any other number goes to the reference, which refuses it."""
    valid = pc.is_in(arr, value_set=pa.array([0, 1], pa.int64()))
    if not pc.all(pc.or_(valid, pc.is_null(arr))).as_py():
        return None
    return pc.not_equal(arr, 0)
