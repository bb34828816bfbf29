"""Fetch types: which Arrow type the driver is asked for, per select item.

`Connection.fetch_df_batches(requested_schema=...)` takes one field per select item; the
type must be one python-oracledb can produce from the expression's Oracle type family.
Where the plan's type is not such a type, or the driver would get it wrong (TIMESTAMP(7-9)
nanoseconds, integer digits past the target's), the column is fetched as a safe type and
rebuilt in Arrow after the fetch (`post_kind` names how; rebuild.py does it).

This module must never import Textual.
"""

from __future__ import annotations

import pyarrow as pa

from ...typeplan import ColumnPlan, Conversion, SourceColumn

TZ_TYPES = frozenset({"TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH LOCAL TIME ZONE"})
DATETIME_TYPES = frozenset({"DATE", "TIMESTAMP"}) | TZ_TYPES
NUMBER_TYPES = frozenset({"NUMBER", "FLOAT"})
TEXT_TYPES = frozenset({"CHAR", "NCHAR", "VARCHAR2", "NVARCHAR2", "VARCHAR", "LONG", "CLOB", "NCLOB"})
BINARY_TYPES = frozenset({"RAW", "LONG RAW", "BLOB"})
BOUNDED_TYPES = frozenset({"CHAR", "NCHAR", "VARCHAR2", "NVARCHAR2", "VARCHAR", "RAW"})
ROUNDED_TYPES = frozenset({"NUMBER", "FLOAT", "BINARY_FLOAT", "BINARY_DOUBLE"})


def family(cp: ColumnPlan) -> str:
    """The Oracle type family of the select expression for this column."""
    t = cp.source.data_type.upper()
    conv = cp.conversion
    if conv in (Conversion.INTERVAL_DS, Conversion.INTERVAL_YM):
        return "number"  # carried as a NUMBER expression
    if conv in (Conversion.ROWID, Conversion.JSON, Conversion.XML, Conversion.RTRIM) or t == "VECTOR":
        return "string"
    if ts_as_text(cp):
        return "string"
    if conv == Conversion.UTC or t in DATETIME_TYPES:
        return "datetime"
    if t in NUMBER_TYPES:
        return "number"
    if t in ("BINARY_FLOAT", "BINARY_DOUBLE"):
        return "binfloat"
    if t in TEXT_TYPES:
        return "string"
    if t in BINARY_TYPES:
        return "binary"
    if t == "BOOLEAN":
        return "bool"
    return "other"


def natural_type(cp: ColumnPlan) -> pa.DataType:
    """The Arrow type the driver can always produce for the expression's family."""
    fam = family(cp)
    src = cp.source
    if cp.conversion == Conversion.INTERVAL_DS:
        # total microseconds as an exact decimal: strtoll would fail the fetch (DPY-4036)
        # past int64 without naming the column; the range is checked in Arrow instead
        return pa.decimal128(38, 0)
    if cp.conversion == Conversion.INTERVAL_YM:
        return pa.int64()
    if fam == "number":
        p, s = src.precision, src.scale
        if src.data_type.upper() == "NUMBER" and s is not None and s >= 0:
            if p is None:
                return pa.decimal128(38, s)
            if s == 0 and p <= 18:
                return pa.int64()
            if p <= 38:
                return pa.decimal128(max(p, s), s)
        if src.data_type.upper() == "NUMBER" and s is not None and s < 0 and p is not None:
            return pa.int64() if p - s <= 18 else pa.decimal128(min(p - s, 38), 0)
        return pa.float64()
    if fam == "binfloat":
        return pa.float32() if src.data_type.upper() == "BINARY_FLOAT" else pa.float64()
    if fam == "datetime":
        # never 'ns': the driver keeps microseconds only and its ns conversion is an unchecked
        # int64 multiply (impl/base/converters.pyx ~l.201-223); TIMESTAMP(7-9) planned as
        # TIMESTAMP_NS are read as text instead (ts_as_text)
        return pa.timestamp("us")
    if fam == "binary":
        return pa.large_binary()
    if fam == "bool":
        return pa.bool_()
    return pa.large_string()


def _acceptable(fam: str, t: pa.DataType) -> bool:
    """Whether python-oracledb accepts `t` in requested_schema for this family."""
    if fam == "number":
        return (pa.types.is_integer(t) or pa.types.is_decimal128(t) or pa.types.is_float32(t)
                or pa.types.is_float64(t))
    if fam == "binfloat":
        return pa.types.is_float32(t) or pa.types.is_float64(t)
    if fam == "datetime":
        return pa.types.is_timestamp(t) and t.tz is None
    if fam == "string":
        return pa.types.is_string(t) or pa.types.is_large_string(t)
    if fam == "binary":
        return pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t)
    if fam == "bool":
        return pa.types.is_boolean(t)
    return False


def _bounded(cp: ColumnPlan) -> bool:
    """Whether the select expression is bounded text or bytes (VARCHAR2, CHAR, RAW, ROWID text,
    TO_CHAR results), as opposed to a LOB or LONG.

    Requesting large_string / large_binary makes the driver fetch into a LONG / LONG RAW
    variable (python-oracledb impl/base/cursor.pyx ~l.198 takes the fetch variable's type
    from the requested Arrow type: impl/base/metadata.pyx ~l.356), which thick mode reads
    piecewise; string / binary keep VARCHAR / RAW variables. conform_batch widens to the
    plan's large types afterwards."""
    if cp.conversion in (Conversion.ROWID, Conversion.RTRIM) or post_kind(cp) == "ts_text":
        return True
    if cp.conversion != Conversion.NONE:
        return False  # JSON_SERIALIZE / XMLSERIALIZE return CLOBs
    return cp.source.data_type.upper() in BOUNDED_TYPES


def requested_type(cp: ColumnPlan) -> pa.DataType:
    target = cp.arrow_type
    assert target is not None
    kind = post_kind(cp)
    if kind == "ts_text":
        return pa.string()
    if kind == "wide_number":
        return pa.decimal256(76, target.scale if pa.types.is_decimal(target) else 0)
    if kind:
        return natural_type(cp)  # rebuilt in Arrow after the fetch
    fam = family(cp)
    if fam == "datetime" and pa.types.is_timestamp(target):
        # the zone is attached afterwards (values are UTC); 'ns' only through text
        return pa.timestamp("us" if target.unit == "ns" else target.unit)
    if fam in ("string", "binary") and _bounded(cp):
        return pa.string() if fam == "string" else pa.binary()
    if _acceptable(fam, target):
        return target
    return natural_type(cp)  # conform_batch casts to the plan's type


def is_ts_ns(col: SourceColumn) -> bool:
    return col.data_type.upper() == "TIMESTAMP" and (col.scale if col.scale is not None else 6) > 6


def ts_as_text(cp: ColumnPlan) -> bool:
    """A TIMESTAMP(7-9) planned with nanoseconds: read as TO_CHAR text, parsed in Arrow."""
    target = cp.arrow_type
    return (target is not None and is_ts_ns(cp.source) and pa.types.is_timestamp(target)
            and target.unit == "ns")


_SAFE_INT_DIGITS = {8: 2, 16: 4, 32: 9, 64: 18}  # integer digits every value of the width holds


def _wide_number(cp: ColumnPlan) -> bool:
    """Whether a decimal or integer target may be too narrow for the source's integer digits.

    The driver checks a value's significant digits against p and its scale against s,
    then pads zeros up to s without checking the integer digits, and nanoarrow's
    ShiftAndAdd drops the carry (impl/base/converters.pyx ~l.310-328,
    impl/arrow/nanoarrow/nanoarrow.c ~l.529-558): such a value lands as garbage. These
    columns are fetched as decimal256(76, s) (accepted, impl/base/metadata.pyx ~l.225)
    and cast down to the plan's decimal128 with a checked cast. Integer targets likewise:
    strtoll past int64 is DPY-4036 without the column's name (converters.pyx ~l.379).
    """
    target = cp.arrow_type
    if target is None or family(cp) != "number":
        return False
    if pa.types.is_integer(target):
        safe = _SAFE_INT_DIGITS.get(target.bit_width, 18)
    elif pa.types.is_decimal(target):
        safe = target.precision - target.scale
    else:
        return False
    if post_kind_base(cp):
        return False
    src = cp.source
    if src.data_type.upper() != "NUMBER" or src.scale is None:
        return True  # NUMBER without precision, FLOAT: up to 126 digits
    p = src.precision if src.precision is not None else 38  # NUMBER(*,s)
    integer_digits = p - src.scale  # NUMBER(p,-n): p + n integer digits
    return safe < integer_digits


def post_kind(cp: ColumnPlan) -> str:
    kind = post_kind_base(cp)
    if kind:
        return kind
    if ts_as_text(cp):
        return "ts_text"
    if _wide_number(cp):
        return "wide_number"
    return ""


def post_kind_base(cp: ColumnPlan) -> str:
    if cp.conversion == Conversion.INTERVAL_DS:
        return "interval_ds"
    if cp.conversion == Conversion.INTERVAL_YM:
        return "interval_ym"
    if cp.source.data_type.upper() == "VECTOR":
        return "vector"
    return ""

