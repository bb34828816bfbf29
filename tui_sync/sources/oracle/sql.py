"""Oracle SQL text: quoting, the SELECT of a read (window, key range, hash bucket, keyset and
ROWID paging, ROWNUM limit, AS OF SCN), its requested Arrow schema, COUNT, key bounds and
MAX(cursor), and the binds every bound travels as.

Pure functions (no connection): every statement can be unit-tested as text. The FROM item
comes in as `relation` (OracleSource.from_sql). Rules kept here:

- Identifiers always come from the dictionary and are quoted (`quote_ident`); a table name
  the user typed is only ever a bind value (catalog.py).
- Every value is a bind (:lo, :hi, :max_rows, :k0, :scn, ...); a `where` comes from the
  config file and is trusted SQL.
- One requested Arrow field per select item (`fetch_schema` follows `build_select`); types
  the Arrow fetch cannot carry are converted in SQL (`read_expr`: SYS_EXTRACT_UTC,
  ROWIDTOCHAR, JSON_SERIALIZE, XMLSERIALIZE, FROM_VECTOR, TO_CHAR FF9).

This module must never import Textual.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa

from ...errors import SourceError
from ...i18n import _
from ...timens import parse_timestamp, ts_text
from ...typeplan import ColumnPlan, Conversion, PlanOptions, SourceColumn, plan_column
from ..base import ROWID_FIELD, ROWID_KEY, ReadSpec, TableDescription, Window, key_fields, keyset_predicate
from . import query as query_sql
from .types import (
    BINARY_TYPES,
    BOUNDED_TYPES,
    DATETIME_TYPES,
    NUMBER_TYPES,
    ROUNDED_TYPES,
    TZ_TYPES,
    family,
    is_ts_ns,
    natural_type,
    post_kind_base,
    requested_type,
    ts_as_text,
)

_TS_FORMAT = "YYYY-MM-DD HH24:MI:SS.FF6"
_TS_FORMAT9 = "YYYY-MM-DD HH24:MI:SS.FF9"
# TIMESTAMP(7-9) travel as text: every driver fetch path keeps microseconds only
# (impl/base/decoders.pyx ~l.102, impl/thick/var.pyx ~l.473) and its 'ns' unit is an
# unchecked int64 multiply (impl/base/converters.pyx ~l.215). 'S': BC years get a '-'
# (plain YYYY would print 44 BC as 0044, a wrong AD value); AD years a blank.
TS_TEXT_FORMAT = 'SYYYY-MM-DD"T"HH24:MI:SS.FF9'
_KEY_TS_FORMAT = "YYYY-MM-DD HH24:MI:SS.FF9"  # every digit a TIMESTAMP(9) key holds
_KEY_DATE_FORMAT = "YYYY-MM-DD HH24:MI:SS"
KEY_NUMBER_TEXT = "'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''"


def quote_ident(name: str) -> str:
    """Quote a dictionary name for Oracle SQL (Oracle names cannot hold a double quote)."""
    if not name or '"' in name or "\x00" in name:
        raise SourceError(_("invalid Oracle identifier {name}").format(name=repr(name)))
    return f'"{name}"'


def squash(sql: str) -> str:
    """SQL on one line, for the log."""
    return " ".join(sql.split())


# -- the parts of a statement --------------------------------------------------------------

def from_ref(table: TableDescription, snapshot: bool = False) -> str:
    """The FROM item of a read: OracleSource.from_sql's default. A query-backed table reads
    its SELECT as an inline view (query.py); a query cannot be read AS OF an SCN."""
    if table.query is not None:
        if snapshot:
            raise SourceError(_("{table} is a query: it cannot be read as of an SCN").format(
                table=table.info.name))
        return query_sql.relation(table.query)
    info = table.info
    if not info.owner:
        raise SourceError(f"table {info.name} has no owner in its description")
    ref = f"{quote_ident(info.owner)}.{quote_ident(info.table)}"
    if snapshot:
        # Every partition of a parallel read sees the same committed state (bind :scn).
        ref += " AS OF SCN :scn"
    return ref


def column(table: TableDescription, name: str) -> SourceColumn:
    try:
        return table.column(name)
    except KeyError:
        raise SourceError(_("column {column} is not in {table}").format(
            column=name, table=table.info.name)) from None


def window(table: TableDescription, window: Window) -> tuple[list[str], dict[str, Any]]:
    try:
        col = table.column(window.cursor)
    except KeyError:
        raise SourceError(_("cursor column {column} is not in {table}").format(
            column=window.cursor, table=table.info.name)) from None
    q = quote_ident(col.name)
    conds: list[str] = []
    binds: dict[str, Any] = {}
    for op, key, value in ((">=", "lo", window.lo), ("<=", "hi", window.hi)):
        if value is None:
            continue
        expr, bound = cursor_bind(col, key, value)
        conds.append(f"{q} {op} {expr}")
        binds[key] = bound
    return conds, binds


def conditions(spec: ReadSpec) -> tuple[list[str], dict[str, Any]]:
    conds: list[str] = []
    binds: dict[str, Any] = {}
    if spec.where.strip():
        conds.append(f"({spec.where.strip()})")  # trusted SQL from the config file
    if spec.window is not None:
        conds_w, binds_w = window(spec.table, spec.window)
        conds += conds_w
        binds.update(binds_w)
    if spec.key_range is not None:
        # One partition of a parallel read: lo <= key < hi, open ends allowed.
        col = column(spec.table, spec.key_range.column)
        q = quote_ident(col.name)
        terms = []
        for op, key, value in ((">=", "range_lo", spec.key_range.lo),
                               ("<", "range_hi", spec.key_range.hi)):
            if value is not None:
                expr, binds[key] = cursor_bind(col, key, value)
                terms.append(f"{q} {op} {expr}")
        if spec.key_range.nulls:  # NULL keys fall in no range: this partition takes them
            conds.append(f"(({' AND '.join(terms) or '1 = 1'}) OR {q} IS NULL)")
        else:
            conds += terms
    if spec.bucket is not None:
        # One hash partition of a parallel read of a table without a numeric key.
        conds.append("ORA_HASH(ROWID, :bucket_max) = :bucket")
        binds["bucket"], binds["bucket_max"] = spec.bucket[0], spec.bucket[1] - 1
    if spec.after and spec.after[0][0] == ROWID_KEY:
        # Row-address paging of a keyless table (resumable chunks): ROWIDs compare
        # and sort by address; the last one read comes back as text.
        conds.append("ROWID > CHARTOROWID(:k0)")
        binds["k0"] = str(spec.after[0][1])
    elif spec.after:
        # Keyset paging (resumable chunks): rows after the last key read, in ORDER BY
        # order, as nested OR/AND terms because 11g has no row-value comparison.
        cols, names = [], []
        for i, (name, value) in enumerate(spec.after):
            col = column(spec.table, name)
            expr, binds[f"k{i}"] = key_bind(col, f"k{i}", value)
            cols.append(quote_ident(col.name))
            names.append(expr)
        conds.append(keyset_predicate(cols, names))
    return conds, binds


# -- statements ---------------------------------------------------------------------------

def build_select(spec: ReadSpec, relation: str) -> tuple[str, dict[str, Any]]:
    items = [f"{read_expr(cp)} AS {quote_ident(cp.target_name)}" for cp in spec.plan.included]
    if spec.order_by == (ROWID_KEY,):
        items.append(f"ROWIDTOCHAR(ROWID) AS {quote_ident(ROWID_FIELD)}")
    for name, field_ in zip(spec.order_by, key_fields(spec), strict=False):
        items.append(f"{raw_key(column(spec.table, name))[0]} AS {quote_ident(field_)}")
    if not items:
        raise SourceError(_("{table}: no column has a supported type").format(
            table=spec.table.info.name))
    conds, binds = conditions(spec)
    if spec.snapshot is not None:
        binds["scn"] = int(spec.snapshot)
    order = ", ".join("ROWID" if c == ROWID_KEY else quote_ident(spec.table.column(c).name)
                      for c in spec.order_by)
    sql = "SELECT " + ",\n       ".join(items) + f"\nFROM {relation}"
    if spec.limit is not None and not order:
        # ROWNUM straight in the WHERE: 11g has no FETCH FIRST, and a LONG column
        # may not sit in an inline view.
        conds.append("ROWNUM <= :max_rows")
        binds["max_rows"] = int(spec.limit)
    if conds:
        sql += "\nWHERE " + "\n  AND ".join(conds)
    if order:
        sql += f"\nORDER BY {order}"
        if spec.limit is not None:
            sql = f"SELECT * FROM (\n{sql}\n)\nWHERE ROWNUM <= :max_rows"
            binds["max_rows"] = int(spec.limit)
    return sql, binds


def fetch_schema(spec: ReadSpec) -> pa.Schema:
    """The `requested_schema`: one field per select item, each a type the driver can
    produce from the SQL expression's Oracle type (the plan's type where it can)."""
    fields = [pa.field(cp.target_name, requested_type(cp)) for cp in spec.plan.included]
    if spec.order_by == (ROWID_KEY,):
        fields.append(pa.field(ROWID_FIELD, pa.string()))
    for name, field_ in zip(spec.order_by, key_fields(spec), strict=False):
        fields.append(pa.field(field_, raw_key(column(spec.table, name))[1]))
    return pa.schema(fields)


def count_sql(spec: ReadSpec, relation: str) -> tuple[str, dict[str, Any]]:
    """COUNT(*) of what `spec` reads."""
    conds, binds = conditions(spec)
    if spec.limit is not None:
        conds.append("ROWNUM <= :max_rows")  # applied before COUNT: stops early
        binds["max_rows"] = int(spec.limit)
    sql = f"SELECT COUNT(*) FROM {relation}"
    if conds:
        sql += "\nWHERE " + "\n  AND ".join(conds)
    return sql, binds


def key_bounds_sql(table: TableDescription, column_name: str, where: str, relation: str) -> str:
    """MIN and MAX of a numeric key under the filter (the ranges of a parallel read)."""
    q = quote_ident(column(table, column_name).name)
    sql = f"SELECT MIN({q}), MAX({q}) FROM {relation}"
    if where.strip():
        sql += f"\nWHERE ({where.strip()})"
    return sql


def build_max_cursor(table: TableDescription, cursor: str, where: str,
                     relation: str) -> tuple[str, dict[str, Any], pa.DataType]:
    """The exact SQL of `max_cursor` (for `tui-sync plan`), its binds and fetch type."""
    try:
        col = table.column(cursor)
    except KeyError:
        raise SourceError(_("cursor column {column} is not in {table}").format(
            column=cursor, table=table.info.name)) from None
    base = col.data_type.upper()
    q = quote_ident(col.name)
    if base in TZ_TYPES:
        expr, fetch_type = f"SYS_EXTRACT_UTC(MAX({q}))", pa.timestamp("us")
    elif base == "TIMESTAMP" and is_ts_ns(col):
        expr, fetch_type = f"TO_CHAR(MAX({q}), '{TS_TEXT_FORMAT}')", pa.large_string()
    elif base in ("DATE", "TIMESTAMP"):
        expr, fetch_type = f"MAX({q})", pa.timestamp("us")
    elif base in NUMBER_TYPES:
        # exact text: a NUMBER without precision (or FLOAT) fetched as a double rounds
        # past 2**53, and a rounded `hi` holds the newest rows back
        expr, fetch_type = f"TO_CHAR(MAX({q}), {KEY_NUMBER_TEXT})", pa.string()
    elif base in ("BINARY_FLOAT", "BINARY_DOUBLE"):
        expr, fetch_type = f"MAX({q})", natural_type(plan_column(col, PlanOptions()))
    elif base in ("CHAR", "NCHAR", "VARCHAR2", "NVARCHAR2", "VARCHAR"):
        expr, fetch_type = f"MAX({q})", pa.large_string()
    else:
        raise SourceError(_("{column} ({type}) cannot be a cursor; use a DATE, TIMESTAMP, NUMBER "
                            "or sortable text column").format(column=col.name, type=col.data_type))
    sql = f"SELECT {expr} AS \"MAX_CURSOR\" FROM {relation}"
    if where.strip():
        sql += f"\nWHERE ({where.strip()})"
    return sql, {}, fetch_type


def bad_datetime_probes(spec: ReadSpec, relation: str) -> Iterator[tuple[ColumnPlan, str, dict[str, Any]]]:
    """Per datetime column of `spec`: SQL for the first value outside years 1-9999 under the
    same filter, as text (TO_CHAR cannot fail the way the driver's datetime did)."""
    conds, binds = conditions(spec)
    for cp in spec.plan.included:
        if family(cp) != "datetime":
            continue
        q = quote_ident(cp.name)
        expr = f"SYS_EXTRACT_UTC({q})" if cp.conversion == Conversion.UTC else q
        bad = (f"({expr} < TIMESTAMP '0001-01-01 00:00:00' OR "
               f"{expr} > TIMESTAMP '9999-12-31 23:59:59.999999')")
        sql = (f"SELECT TO_CHAR(MIN({expr}), 'SYYYY-MM-DD HH24:MI:SS') AS \"BAD\"\n"
               f"FROM {relation}\n"
               "WHERE " + "\n  AND ".join([*conds, bad]))
        probe_binds = dict(binds)
        if spec.snapshot is not None:
            probe_binds["scn"] = int(spec.snapshot)
        yield cp, sql, probe_binds


# -- select items and binds ----------------------------------------------------------------

def read_expr(cp: ColumnPlan) -> str:
    q = quote_ident(cp.name)
    t = cp.source.data_type.upper()
    conv = cp.conversion
    target = cp.arrow_type
    if conv == Conversion.UTC:
        expr = f"SYS_EXTRACT_UTC({q})"
    elif conv == Conversion.ROWID:
        # ROWIDTOCHAR is for physical rowids; a UROWID (IOT logical rowid) can be longer.
        expr = f"CAST({q} AS VARCHAR2(4000))" if t == "UROWID" else f"ROWIDTOCHAR({q})"
    elif conv == Conversion.JSON:
        expr = f"JSON_SERIALIZE({q} RETURNING CLOB)"
    elif conv == Conversion.XML:
        expr = f"XMLSERIALIZE(CONTENT {q} AS CLOB)"
    elif conv == Conversion.RTRIM:
        expr = f"RTRIM({q})"
    elif conv == Conversion.INTERVAL_DS:
        # Total microseconds as an integer NUMBER; the Arrow interval is rebuilt after
        # the fetch (Arrow fetch of INTERVAL may be refused with DPY-3038).
        expr = (f"TRUNC((EXTRACT(DAY FROM {q}) * 86400 + EXTRACT(HOUR FROM {q}) * 3600"
                f" + EXTRACT(MINUTE FROM {q}) * 60 + EXTRACT(SECOND FROM {q})) * 1000000)")
    elif conv == Conversion.INTERVAL_YM:
        expr = f"(EXTRACT(YEAR FROM {q}) * 12 + EXTRACT(MONTH FROM {q}))"
    elif t == "VECTOR":
        expr = f"FROM_VECTOR({q} RETURNING CLOB)"  # '[1.0E+000,2.0E+000]', parsed in Arrow
    elif ts_as_text(cp):
        expr = f"TO_CHAR({q}, '{TS_TEXT_FORMAT}')"
    else:
        expr = q
    if target is not None and t in DATETIME_TYPES and pa.types.is_date(target):
        expr = f"TRUNC({expr})"  # a DATE override: midnight, so the cast to date is exact
    elif target is not None and t in ROUNDED_TYPES and not cp.skipped and not post_kind_base(cp):
        # Round in SQL for every numeric source: fetched as an integer the driver truncates
        # (strtoll, impl/base/converters.pyx ~l.379), and a decimal with more fraction
        # digits than s raises DPY-4042 (~l.310)
        scale = cp.source.scale
        if pa.types.is_decimal(target) and (scale is None or scale > target.scale):
            expr = f"ROUND({expr}, {int(target.scale)})"  # round, as the plan promises
        elif pa.types.is_integer(target) and (scale is None or scale > 0):
            expr = f"ROUND({expr})"
    return expr


def cursor_bind(col: SourceColumn, key: str, value: Any) -> tuple[str, Any]:
    """SQL for one window bound and its bind value.

    The driver binds a datetime as DATE (fractional seconds dropped), so TIMESTAMP
    bounds travel as text through TO_TIMESTAMP; the column itself stays bare so
    its index can serve the range.
    """
    t = col.data_type.upper()
    if t in NUMBER_TYPES and isinstance(value, float) and math.isfinite(value):
        # A float binds as BINARY_DOUBLE, which outranks NUMBER: Oracle would convert the
        # column on every row (no index range scan). The shortest text of the double, as
        # a Decimal, binds as NUMBER (python-oracledb impl/base/metadata.pyx ~l.404).
        return f":{key}", Decimal(repr(value))
    if t not in DATETIME_TYPES:
        return f":{key}", value
    dt = _as_datetime(value)
    if dt is None:  # a placeholder (the plan printout): show it as is
        return f":{key}", value
    if t in TZ_TYPES:
        if dt.tzinfo is not None:
            dt = dt.astimezone(UTC).replace(tzinfo=None)
        return f"FROM_TZ(TO_TIMESTAMP(:{key}, '{_TS_FORMAT}'), '+00:00')", ts_text(dt, 6)
    if dt.tzinfo is not None:
        dt = dt.replace(tzinfo=None)
    if t == "DATE":
        return f":{key}", dt.replace(microsecond=0)  # DATE has whole seconds
    if is_ts_ns(col):  # TIMESTAMP(7-9): a bound with all nine digits (DatetimeNs)
        return f"TO_TIMESTAMP(:{key}, '{_TS_FORMAT9}')", ts_text(dt, 9)
    return f"TO_TIMESTAMP(:{key}, '{_TS_FORMAT}')", ts_text(dt, 6)


def raw_key(col: SourceColumn) -> tuple[str, pa.DataType]:
    """The select item and fetch type that carry a key column exactly as Oracle holds it
    (ReadSpec.carry_keys), whatever the plan converts it to: numbers and times as text
    (the driver would round a NUMBER to a double and keep only microseconds), the rest
    bare (a CHAR keeps its blanks: RTRIM is the plan's business, not the bound's)."""
    t = col.data_type.upper()
    q = quote_ident(col.name)
    if t in NUMBER_TYPES:
        # TM9: the shortest exact text; '.' as the decimal mark whatever the session's NLS.
        return f"TO_CHAR({q}, {KEY_NUMBER_TEXT})", pa.string()
    if t == "DATE":
        return f"TO_CHAR({q}, '{_KEY_DATE_FORMAT}')", pa.string()
    if t == "TIMESTAMP":
        return f"TO_CHAR({q}, '{_KEY_TS_FORMAT}')", pa.string()
    if t in TZ_TYPES:
        return f"TO_CHAR(SYS_EXTRACT_UTC({q}), '{_KEY_TS_FORMAT}')", pa.string()
    if t in ("BINARY_FLOAT", "BINARY_DOUBLE"):
        return q, pa.float32() if t == "BINARY_FLOAT" else pa.float64()
    if t in BINARY_TYPES:
        return q, pa.binary() if t in BOUNDED_TYPES else pa.large_binary()
    return q, pa.string() if t in BOUNDED_TYPES else pa.large_string()


def key_bind(col: SourceColumn, key: str, value: Any) -> tuple[str, Any]:
    """SQL and bind for one keyset bound: the raw key `raw_key` carried, turned back into
    the column's own type exactly (a Decimal binds as NUMBER, python-oracledb
    impl/base/metadata.pyx ~l.404; times travel as text with all nine digits)."""
    t = col.data_type.upper()
    if isinstance(value, (datetime, date)):
        return cursor_bind(col, key, value)  # a Python time (a caller's bound), not raw text
    if not isinstance(value, str):
        return f":{key}", value  # int, RAW, BINARY_FLOAT/DOUBLE: bound as they are
    if t in NUMBER_TYPES:
        return f":{key}", Decimal(value)
    if t == "DATE":
        return f"TO_DATE(:{key}, '{_KEY_DATE_FORMAT}')", value
    if t == "TIMESTAMP":
        return f"TO_TIMESTAMP(:{key}, '{_KEY_TS_FORMAT}')", value
    if t in TZ_TYPES:
        return f"FROM_TZ(TO_TIMESTAMP(:{key}, '{_KEY_TS_FORMAT}'), '+00:00')", value
    return f":{key}", value  # text: the blank-padded CHAR value itself


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return parse_timestamp(value)
        except ValueError:
            return None
    return None

