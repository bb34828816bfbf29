"""`tui-sync verify TABLE [--quick]`: does the DuckDB target hold what the source holds?

Both sides are aggregated where the data lives: the source in its own SQL (SQLite: with
registered Python functions and a streamed pass), the target in DuckDB. Partitions are
the days of the cursor when the cursor is a DATE/TIMESTAMP, else ranges of the first key
column (boundaries taken from the source with NTILE), else the whole table. Compared are:

- always (and all that `--quick` compares): the total row count, then per partition the
  row count and the sum of every numeric column. Integers and decimals match exactly;
  floating-point sums within a relative tolerance (of the sum of absolute values, so
  cancellation does not make the check flaky). It sees lost, extra and duplicated rows,
  rows in the wrong partition and changed numbers; it cannot see an edited text,
  timestamp, binary or boolean value, a NULL that became '', values swapped between rows,
  or a double changed within the tolerance;
- by default also the content check (verify_content): per partition an order-independent
  sum of 64-bit row hashes over a canonical text of every column, so any one changed value
  is reported with its partition and, when the column's own hashes differ, its column
  (`content(name)`; `content` alone: values moved between rows). Content is compared in
  partitions whose row counts match (otherwise the count already names the partition),
  and a column whose sum already differs there is not repeated. It reads every value on
  both sides. On Oracle it needs 12c+ (STANDARD_HASH) and skips LOB/LONG/VECTOR columns,
  listed as not content-checked.

Both compare what the SOURCE holds, not what the plan made of it (issue 9 item 1): a
number is taken at the source column's declared scale, so a target rounded, truncated or
overflowed past it differs. Only conversions the plan announces are applied to the source
side (NUMBER/FLOAT without a scale rounded to the planned scale or read as double; CHAR
trimmed with rtrim_char; time zones in UTC; a finer timestamp truncated to microseconds
when the plan warns). The verify never writes anything.

Plain Python: it never imports Textual.
"""

from __future__ import annotations

import argparse
import math
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

import duckdb
import pyarrow as pa

from . import target as tg
from . import verify_content as vc
from .config import Config
from .errors import TuiSyncError
from .sources.base import Source
from .typeplan import ColumnPlan, Conversion

DEFAULT_BUCKETS = 32
DEFAULT_REL_TOL = 1e-6
_DATETIME_TYPES = frozenset({"DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE",
                             "TIMESTAMP WITH LOCAL TIME ZONE"})
_TZ_TYPES = frozenset({"TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH LOCAL TIME ZONE"})
_NUMERIC_SOURCE_TYPES = frozenset({"NUMBER", "FLOAT", "BINARY_FLOAT", "BINARY_DOUBLE"})
_WIDE = Context(prec=200)  # exact sums of NUMBER(38) values need more than Decimal's default 28
_SPLIT = 10**18  # wide DuckDB decimals are summed in two integer halves: no overflow
_WHOLE = "(whole table)"
ROWS = "rows"


# -- the report ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Difference:
    partition: str  # a day 'YYYY-MM-DD', a key range, or '(whole table)'
    column: str  # 'rows' for the count, else the target column whose sum differs
    source: Any
    target: Any


@dataclass
class VerifyReport:
    table: str  # source table as the source names it
    target: str  # DuckDB table
    partition_by: str  # "day", "key_range" or "whole"
    partition_column: str | None  # target column name
    source_rows: int
    target_rows: int
    partitions: int  # partitions compared (union of both sides)
    columns: list[str] = field(default_factory=list)  # target columns whose sums were compared
    differences: list[Difference] = field(default_factory=list)
    content: bool = False  # the content check ran (False: --quick)
    content_columns: list[str] = field(default_factory=list)  # target columns hashed
    unchecked: dict[str, str] = field(default_factory=dict)  # target column -> why not hashed

    @property
    def ok(self) -> bool:
        return not self.differences and self.source_rows == self.target_rows

    def to_dict(self) -> dict[str, Any]:
        return {"table": self.table, "target": self.target, "ok": self.ok,
                "partition_by": self.partition_by, "partition_column": self.partition_column,
                "source_rows": self.source_rows, "target_rows": self.target_rows,
                "partitions": self.partitions, "columns": list(self.columns),
                "content": self.content, "content_columns": list(self.content_columns),
                "unchecked": dict(self.unchecked),
                "differences": [{"partition": d.partition, "column": d.column,
                                 "source": _jsonable(d.source), "target": _jsonable(d.target)}
                                for d in self.differences]}


def _jsonable(v: Any) -> Any:
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)  # JSON has no inf/nan
    return v


# -- what is compared -----------------------------------------------------------------------

@dataclass(frozen=True)
class SumColumn:
    plan: ColumnPlan
    exact: bool  # integers and decimals: exact; floats: tolerance
    scale: int  # decimal places of the target (exact sums)
    wide: bool  # DuckDB DECIMAL wider than 18 digits: summed in halves
    source_scale: int | None = None  # the source is summed at its own declared scale


    @property
    def target(self) -> str:
        return self.plan.target_name


@dataclass(frozen=True)
class Partitioning:
    kind: str  # "day" | "key_range" | "whole"
    column: ColumnPlan | None = None
    source_bounds: tuple[Any, ...] = ()  # key_range: ascending lower bounds of buckets 1..n
    target_bounds: tuple[Any, ...] = ()  # the same bounds as target-side values

    def label(self, key: Any) -> str:
        if self.kind == "whole":
            return _WHOLE
        assert self.column is not None
        name = self.column.target_name
        if key is None:
            return f"{name} IS NULL"
        if self.kind == "day":
            return str(key)
        i = int(key)
        lo = self.target_bounds[i - 1] if i > 0 else None
        hi = self.target_bounds[i] if i < len(self.target_bounds) else None
        if lo is None and hi is None:
            return f"all {name}"
        if lo is None:
            return f"{name} < {_show(hi)}"
        if hi is None:
            return f"{name} >= {_show(lo)}"
        return f"{_show(lo)} <= {name} < {_show(hi)}"


def _show(v: Any) -> str:
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, str):
        return repr(v)
    return str(v)


def sum_columns(plan_columns: Sequence[ColumnPlan]) -> list[SumColumn]:
    """The numeric columns whose sums are compared (by the target's type)."""
    out = []
    for cp in plan_columns:
        t = cp.arrow_type
        if t is None or cp.source.data_type.upper() not in _NUMERIC_SOURCE_TYPES:
            continue
        if pa.types.is_integer(t):
            out.append(SumColumn(cp, True, 0, False, vc.source_scale(cp)))
        elif pa.types.is_decimal(t):
            out.append(SumColumn(cp, True, t.scale, t.precision > 18, vc.source_scale(cp)))
        elif pa.types.is_floating(t):
            out.append(SumColumn(cp, False, 0, False))
    return out


def _is_day_cursor(cp: ColumnPlan | None) -> bool:
    if cp is None or cp.arrow_type is None:
        return False
    return (cp.source.data_type.upper() in _DATETIME_TYPES
            and (pa.types.is_timestamp(cp.arrow_type) or pa.types.is_date(cp.arrow_type)))


# -- comparing ------------------------------------------------------------------------------

Aggregates = dict[Any, tuple[int, list[Any]]]  # partition key -> (rows, sums in SumColumn order)


def _as_decimal(v: Any) -> Any:
    if v is None or isinstance(v, Decimal):
        return v
    if isinstance(v, (int, str)):
        try:
            return Decimal(str(v).strip())
        except InvalidOperation:
            return v  # an unreadable source value: shown as it is, never equal
    if isinstance(v, float):
        return Decimal(repr(v))
    return v


def _as_float(v: Any) -> Any:
    if v is None or isinstance(v, float):
        return v
    try:
        return float(str(v).strip())  # Oracle TO_CHAR gives 'Nan', '-Inf', '1.5E+000'
    except ValueError:
        return v


def same_sum(col: SumColumn, src: Any, tgt: Any, abs_total: Any = None,
             rel_tol: float = DEFAULT_REL_TOL) -> bool:
    if col.exact:
        a, b = _as_decimal(src), _as_decimal(tgt)
        if isinstance(a, Decimal) and isinstance(b, Decimal):
            return a.compare(b) == 0
        return a is None and b is None
    a, b = _as_float(src), _as_float(tgt)
    if a is None or b is None:
        return a is None and b is None
    if not isinstance(a, float) or not isinstance(b, float):
        return False
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    scale = max(abs(a), abs(b))
    if isinstance(abs_total, float) and math.isfinite(abs_total):
        scale = max(scale, abs_total)
    return abs(a - b) <= rel_tol * scale + 1e-300


def compare(part: Partitioning, sums: Sequence[SumColumn], src: Aggregates, tgt: Aggregates,
            abs_totals: dict[Any, list[Any]] | None = None,
            rel_tol: float = DEFAULT_REL_TOL) -> tuple[int, list[Difference]]:
    keys = set(src) | set(tgt)
    empty: tuple[int, list[Any]] = (0, [None] * len(sums))

    def order(k: Any) -> tuple[int, Any]:
        return (1, "") if k is None else (0, k)

    diffs: list[Difference] = []
    for key in sorted(keys, key=order):
        (sn, ss), (tn, ts) = src.get(key, empty), tgt.get(key, empty)
        label = part.label(key)
        if sn != tn:
            diffs.append(Difference(label, ROWS, sn, tn))
        totals = (abs_totals or {}).get(key, [None] * len(sums))
        for i, col in enumerate(sums):
            if not same_sum(col, ss[i], ts[i], totals[i], rel_tol):
                diffs.append(Difference(label, f"sum({col.target})", _tidy(col, ss[i]),
                                        _tidy(col, ts[i])))
    return len(keys), diffs


def compare_content(part: Partitioning, cols: Sequence[vc.ContentColumn], src: vc.Content,
                    tgt: vc.Content, already: Sequence[Difference]) -> list[Difference]:
    """Content differences of the partitions whose row counts match (a count that differs
    already names the partition), per column unless that column's sum already differs
    there; values moved between rows leave every column's hashes equal: `content`."""
    reported = {(d.partition, d.column) for d in already}
    empty: tuple[int, int, list[int]] = (0, 0, [0] * len(cols))
    diffs: list[Difference] = []
    for key in sorted(set(src) | set(tgt), key=lambda k: (1, "") if k is None else (0, k)):
        (sn, sh, scols), (tn, th, tcols) = src.get(key, empty), tgt.get(key, empty)
        if sn != tn or sh == th:
            continue
        label = part.label(key)
        if len(scols) != len(cols) or len(tcols) != len(cols):  # no column pass: say "content"
            scols, tcols = [0] * len(cols), [0] * len(cols)
        changed = [c for c, a, b in zip(cols, scols, tcols, strict=True) if a != b]
        if not changed:
            diffs.append(Difference(label, "content", _digest(sh), _digest(th)))
        for c, a, b in zip(cols, scols, tcols, strict=True):
            if a != b and (label, f"sum({c.target})") not in reported:
                diffs.append(Difference(label, f"content({c.target})", _digest(a), _digest(b)))
    return diffs


def _digest(n: int) -> str:
    return f"#{n % 2**64:016x}"  # the combined hash, only for telling sides apart


def _tidy(col: SumColumn, v: Any) -> Any:
    return _as_decimal(v) if col.exact else _as_float(v)


# -- the target side: DuckDB ------------------------------------------------------------------

def _target_value(cp: ColumnPlan, raw: Any) -> Any:
    """A source key value (a bucket bound) as the target column holds it."""
    t = cp.arrow_type
    if raw is None or t is None:
        return raw
    if pa.types.is_integer(t):
        d = _as_decimal(raw)
        return int(d) if isinstance(d, Decimal) else raw
    if pa.types.is_decimal(t):
        return _as_decimal(raw)
    if pa.types.is_floating(t):
        return _as_float(raw)
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


def _bucket_case(expr: str, n_bounds: int, param: Callable[[int], str]) -> str:
    """CASE that numbers the key ranges: 0 below the first bound ... n above the last."""
    if n_bounds == 0:
        return f"CASE WHEN {expr} IS NULL THEN NULL ELSE 0 END"
    whens = " ".join(f"WHEN {expr} < {param(i)} THEN {i}" for i in range(n_bounds))
    return f"CASE WHEN {expr} IS NULL THEN NULL {whens} ELSE {n_bounds} END"


def _target_key(part: Partitioning) -> tuple[str, list[Any]]:
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
    return _bucket_case(c, len(part.target_bounds), lambda i: "?"), list(part.target_bounds)


def target_aggregates(con: duckdb.DuckDBPyConnection, table: str, part: Partitioning,
                      sums: Sequence[SumColumn]) -> tuple[int, Aggregates, dict[Any, list[Any]]]:
    """(total rows, per-partition aggregates, per-partition sums of absolute float values)."""
    key, params = _target_key(part)
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
    sql = f"SELECT {', '.join(items)} FROM {tg.qi(table)} GROUP BY 1"
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


# -- the source side: SQLite ------------------------------------------------------------------

def _sqlite_day(value: Any, tz: int) -> str | None:
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


def _register_sqlite(conn: sqlite3.Connection) -> None:
    conn.create_function("tui_sync_day", 2, _sqlite_day, deterministic=True)
    conn.create_aggregate("tui_sync_exact_sum", 2, _ExactSum)  # type: ignore[arg-type]
    conn.create_aggregate("tui_sync_float_sum", 1, _FloatSum)  # type: ignore[arg-type]


def _sqlite_expr(cp: ColumnPlan) -> str:
    from .sources.sqlite import quote

    col = quote(cp.name)
    return f"RTRIM({col}, ' ')" if cp.conversion == Conversion.RTRIM else col


def _sqlite_where(where: str) -> str:
    return f" WHERE ({where})" if where.strip() else ""


def sqlite_key_bounds(conn: sqlite3.Connection, table: str, cp: ColumnPlan, where: str,
                      buckets: int) -> tuple[Any, ...]:
    from .sources.sqlite import quote

    e = _sqlite_expr(cp)
    cond = f"{e} IS NOT NULL" + (f" AND ({where})" if where.strip() else "")
    sql = (f"SELECT MIN(k) FROM (SELECT {e} AS k, NTILE(?) OVER (ORDER BY {e}) AS b "
           f"FROM {quote(table)} WHERE {cond}) GROUP BY b ORDER BY 1")
    firsts = [r[0] for r in conn.execute(sql, [buckets]).fetchall()]
    return tuple(dict.fromkeys(firsts[1:]))  # bucket 0 is open below; duplicates collapse


def _sqlite_key(part: Partitioning) -> tuple[str, list[Any]]:
    if part.kind == "whole":
        return "NULL", []
    assert part.column is not None
    e = _sqlite_expr(part.column)
    if part.kind == "day":
        tz = int(part.column.source.data_type.upper() in _TZ_TYPES)
        return f"tui_sync_day({e}, {tz})", []
    return _bucket_case(e, len(part.source_bounds), lambda i: "?"), list(part.source_bounds)


def sqlite_aggregates(conn: sqlite3.Connection, table: str, where: str, part: Partitioning,
                      sums: Sequence[SumColumn]) -> tuple[int, Aggregates]:
    from .sources.sqlite import quote

    _register_sqlite(conn)
    key, params = _sqlite_key(part)
    items = [f"{key} AS p", "COUNT(*)"]
    for s in sums:
        e = _sqlite_expr(s.plan)
        scale = "NULL" if s.source_scale is None else int(s.source_scale)
        items.append(f"tui_sync_exact_sum({e}, {scale})" if s.exact else f"tui_sync_float_sum({e})")
    sql = f"SELECT {', '.join(items)} FROM {quote(table)}{_sqlite_where(where)} GROUP BY 1"
    aggs: Aggregates = {}
    total = 0
    for row in conn.execute(sql, params).fetchall():
        p = None if part.kind == "whole" else row[0]
        aggs[p] = (int(row[1]), list(row[2:]))
        total += int(row[1])
    return total, aggs


# -- the source side: Oracle (SQL builders) ----------------------------------------------------

def _oracle_expr(cp: ColumnPlan) -> str:
    from .sources.oracle import quote_ident

    q = quote_ident(cp.name)
    t = cp.source.data_type.upper()
    if cp.conversion == Conversion.UTC:
        return f"SYS_EXTRACT_UTC({q})"
    if cp.conversion == Conversion.RTRIM:
        return f"RTRIM({q})"
    target = cp.arrow_type
    # A declared scale (NUMBER(p,s), NUMBER(*,s)) is what the source holds: compared as it
    # is, so a target rounded past it differs (issue 9 item 1). Only a NUMBER without one is
    # rounded to the target's scale, as the plan warns it will be.
    if t == "NUMBER" and target is not None and cp.source.scale is None:
        if pa.types.is_decimal(target):
            return f"ROUND({q}, {int(target.scale)})"
        if pa.types.is_integer(target):
            return f"ROUND({q})"
    return q


def oracle_key_bounds_sql(from_sql: str, cp: ColumnPlan, where: str,
                          buckets: int) -> tuple[str, dict[str, Any]]:
    e = _oracle_expr(cp)
    cond = f"{e} IS NOT NULL" + (f" AND ({where.strip()})" if where.strip() else "")
    sql = (f"SELECT MIN(k) FROM (SELECT {e} AS k, NTILE(:buckets) OVER (ORDER BY {e}) AS b "
           f"FROM {from_sql} WHERE {cond}) GROUP BY b ORDER BY 1")
    return sql, {"buckets": int(buckets)}


def oracle_aggregate_sql(from_sql: str, where: str, part: Partitioning,
                         sums: Sequence[SumColumn]) -> tuple[str, dict[str, Any]]:
    """One GROUP BY over the table: partition key as text, COUNT(*), and each sum as
    TO_CHAR text so no digit is lost on the way (NUMBER sums are exact in Oracle)."""
    key, binds = _oracle_key(part)
    # An inline view: Oracle rejects a GROUP BY expression holding binds (ORA-00979).
    inner = [f"{key} AS p"] + [f"{_oracle_expr(s.plan)} AS s{i}" for i, s in enumerate(sums)]
    sql = f"SELECT {', '.join(inner)} FROM {from_sql}"
    if where.strip():
        sql += f" WHERE ({where.strip()})"
    outer = ["p", "COUNT(*) AS n"] + [f"TO_CHAR(SUM(s{i})) AS s{i}" for i in range(len(sums))]
    sql = f"SELECT {', '.join(outer)} FROM ({sql}) GROUP BY p"
    return sql, binds


def sqlite_content(conn: sqlite3.Connection, table: str, where: str, part: Partitioning,
                   cols: Sequence[vc.ContentColumn], columns_of: set[Any] | None = None) -> vc.Content:
    """The content hashes of the raw source values, streamed through Python ("rows"; with
    `columns_of`, per-column sums of those partitions)."""
    from .sources.sqlite import quote

    _register_sqlite(conn)
    key, params = _sqlite_key(part)
    items = [f"{key} AS p"] + [quote(c.plan.name) for c in cols]  # raw: render() applies the plan's promises
    sql = f"SELECT {', '.join(items)} FROM {quote(table)}{_sqlite_where(where)}"
    return vc.sqlite_content(conn, sql, params, cols, columns_of)


def _differing(src: vc.Content, tgt: vc.Content) -> set[Any]:
    """Partitions with the same row count but another content."""
    return {p for p in set(src) & set(tgt) if src[p][0] == tgt[p][0] and src[p][1] != tgt[p][1]}


def _with_columns(content: vc.Content, columns: vc.Content) -> vc.Content:
    return {p: (n, h, columns[p][2] if p in columns else []) for p, (n, h, _) in content.items()}


def _oracle_key(part: Partitioning) -> tuple[str, dict[str, Any]]:
    binds: dict[str, Any] = {}
    if part.kind == "whole":
        return "NULL", binds
    assert part.column is not None
    e = _oracle_expr(part.column)
    if part.kind == "day":
        return f"TO_CHAR(TRUNC(CAST({e} AS DATE)), 'YYYY-MM-DD')", binds

    def param(i: int) -> str:
        v = part.source_bounds[i]
        if isinstance(v, datetime):
            binds[f"b{i}"] = v.strftime("%Y-%m-%d %H:%M:%S.%f")
            return f"TO_TIMESTAMP(:b{i}, 'YYYY-MM-DD HH24:MI:SS.FF6')"
        binds[f"b{i}"] = v
        return f":b{i}"

    return _bucket_case(e, len(part.source_bounds), param), binds


def oracle_content_sql(from_sql: str, where: str, part: Partitioning,
                       cols: Sequence[vc.ContentColumn]) -> tuple[str, dict[str, Any]]:
    key, binds = _oracle_key(part)
    return vc.oracle_content_sql(from_sql, where, key, cols), binds


def _oracle_content(source: Any, job: Any, part: Partitioning,
                    cols: Sequence[vc.ContentColumn]) -> vc.Content:
    from .sources.oracle import quote_ident

    info = job.description.info
    sql, binds = oracle_content_sql(f"{quote_ident(info.owner)}.{quote_ident(info.table)}",
                                    job.config.where, part, cols)
    out: vc.Content = {}
    for row in source._query(sql, binds):  # noqa: SLF001
        p = None if part.kind == "whole" else row[0]
        out[p] = (int(row[1]), int(row[2] or 0), [int(x or 0) for x in row[3:]])
    return out


def _oracle_aggregates(source: Any, job: Any, part: Partitioning,
                       sums: Sequence[SumColumn]) -> tuple[int, Aggregates]:
    from .sources.oracle import quote_ident

    info = job.description.info
    from_sql = f"{quote_ident(info.owner)}.{quote_ident(info.table)}"
    sql, binds = oracle_aggregate_sql(from_sql, job.config.where, part, sums)
    # TODO(lead): a public Source.aggregate(...) method (see the verify report); until
    # then the Oracle source's own query helper runs the statement and maps its errors.
    rows = source._query(sql, binds)  # noqa: SLF001
    aggs: Aggregates = {}
    total = 0
    for row in rows:
        p = None if part.kind == "whole" else row[0]
        aggs[p] = (int(row[1]), list(row[2:]))
        total += int(row[1])
    return total, aggs


# -- verify ------------------------------------------------------------------------------------

def choose_partitioning(source: Source, job: Any, buckets: int) -> Partitioning:
    cursor_plan = job.plan.column(job.cursor) if job.cursor else None
    if _is_day_cursor(cursor_plan):
        return Partitioning("day", cursor_plan)
    if job.primary_key:
        cp = job.plan.column(job.primary_key[0])
        if cp.arrow_type is not None and not pa.types.is_boolean(cp.arrow_type):
            info = job.description.info
            if source.kind == "sqlite":
                bounds = sqlite_key_bounds(source.conn, info.table, cp, job.config.where,  # type: ignore[attr-defined]
                                           buckets)
            else:
                from .sources.oracle import quote_ident

                sql, binds = oracle_key_bounds_sql(
                    f"{quote_ident(info.owner)}.{quote_ident(info.table)}", cp, job.config.where, buckets)
                bounds = tuple(dict.fromkeys(r[0] for r in source._query(sql, binds)))[1:]  # noqa: SLF001
            return Partitioning("key_range", cp, bounds,
                                tuple(_target_value(cp, b) for b in bounds))
    return Partitioning("whole")


def content_columns(source_kind: str, plan_columns: Sequence[ColumnPlan], existing: Any
                    ) -> tuple[list[vc.ContentColumn], dict[str, str]]:
    """The columns the content check hashes, and why the others are not."""
    cols: list[vc.ContentColumn] = []
    unchecked: dict[str, str] = {}
    for cp in plan_columns:
        cc = vc.content_column(cp)
        if cp.target_name not in existing:
            unchecked[cp.target_name] = "not in the target (a sync adds it)"
        elif cc is None:
            unchecked[cp.target_name] = f"no canonical rendering for {cp.duckdb_type}"
        elif source_kind == "oracle" and vc.oracle_unhashed(cp):
            unchecked[cp.target_name] = f"Oracle {cp.source.data_type} is not hashed in SQL"
        else:
            cols.append(cc)
    return cols, unchecked


def verify_table(config: Config, name: str, *, source_factory: Callable[[], Source] | None = None,
                 buckets: int = DEFAULT_BUCKETS, rel_tol: float = DEFAULT_REL_TOL,
                 quick: bool = False) -> VerifyReport:
    """Compare the source table `name` with its DuckDB target; writes nothing.

    `quick`: counts and sums only (today's cheap check); otherwise also the content check."""
    from .engine import resolve_job
    from .sources import open_source

    db_path = config.target_path()
    factory = source_factory or (lambda: open_source(config.source, base_dir=config.base_dir))
    source = factory()
    with source:
        job = resolve_job(config, source, name)
        if not quick and source.kind == "oracle" and source._server_major() < 12:  # type: ignore[attr-defined]  # noqa: SLF001
            raise TuiSyncError(f"{job.name}: the content check needs Oracle 12c or later "
                               "(STANDARD_HASH); `tui-sync verify --quick` compares counts and sums")
        if not db_path.exists():
            raise TuiSyncError(f"{job.name}: the DuckDB file {db_path} does not exist yet "
                               "(run a sync first)")
        con = tg.connect(db_path, create=False)
        try:
            if not tg.table_exists(con, job.target):
                raise TuiSyncError(f"{job.name}: the target table {job.target} is not in {db_path} "
                                   "(run a sync first)")
            existing = tg.table_columns(con, job.target)
            sums = [s for s in sum_columns(job.plan.included) if s.target in existing]
            part = choose_partitioning(source, job, buckets)
            if part.column is not None and part.column.target_name not in existing:
                part = Partitioning("whole")
            cols, unchecked = content_columns(source.kind, job.plan.included, existing)
            src_content: vc.Content = {}
            tgt_content: vc.Content = {}
            mode = "rows" if source.kind == "sqlite" else "cells"  # see verify_content: hashing
            key, params = _target_key(part)
            try:
                if source.kind == "sqlite":
                    table = job.description.info.table
                    src_total, src = sqlite_aggregates(
                        source.conn, table, job.config.where,  # type: ignore[attr-defined]
                        part, sums)
                    if not quick and cols:
                        src_content = sqlite_content(source.conn, table, job.config.where,  # type: ignore[attr-defined]
                                                     part, cols)
                        tgt_content = vc.duckdb_content(con, job.target, key, params, cols,
                                                        part.kind == "whole", mode)
                        # a second pass names the columns, over the differing partitions only
                        differing = _differing(src_content, tgt_content)
                        if differing:
                            src_content = _with_columns(src_content, sqlite_content(
                                source.conn, table, job.config.where, part, cols, differing))  # type: ignore[attr-defined]
                            tgt_content = _with_columns(tgt_content, vc.duckdb_content(
                                con, job.target, key, params, cols, part.kind == "whole", "columns",
                                differing))
                elif source.kind == "oracle":
                    src_total, src = _oracle_aggregates(source, job, part, sums)
                    if not quick and cols:
                        src_content = _oracle_content(source, job, part, cols)
                else:
                    raise TuiSyncError(f"verify does not support {source.kind} sources")
            except sqlite3.Error as exc:
                raise TuiSyncError(f"{job.name}: verify query failed in the source: "
                                   f"{str(exc).splitlines()[0]}") from None
            except duckdb.Error as exc:
                raise TuiSyncError(f"{job.name}: verify query failed in DuckDB: "
                                   f"{str(exc).splitlines()[0]}") from None
            try:
                tgt_total, tgt, abs_totals = target_aggregates(con, job.target, part, sums)
                if not quick and cols and mode == "cells":
                    tgt_content = vc.duckdb_content(con, job.target, key, params, cols,
                                                    part.kind == "whole", mode)
            except duckdb.Error as exc:
                raise TuiSyncError(f"{job.name}: verify query failed in DuckDB: "
                                   f"{str(exc).splitlines()[0]}") from None
        finally:
            con.close()
    n, diffs = compare(part, sums, src, tgt, abs_totals, rel_tol)
    if not quick:
        diffs += compare_content(part, cols, src_content, tgt_content, diffs)
        diffs += [Difference(_WHOLE, f"column {c}", "in the source", "missing")
                  for c, why in unchecked.items() if why.startswith("not in the target")]
    return VerifyReport(table=job.description.info.name, target=job.target, partition_by=part.kind,
                        partition_column=part.column.target_name if part.column else None,
                        source_rows=src_total, target_rows=tgt_total, partitions=n,
                        columns=[s.target for s in sums], differences=diffs, content=not quick,
                        content_columns=[] if quick else [c.target for c in cols],
                        unchecked={} if quick else unchecked)


# -- CLI ---------------------------------------------------------------------------------------

MAX_LINES = 50
VERIFY_HELP = """\
Compare the source table with its DuckDB target, per partition (cursor day, primary-key
range, or the whole table). Exit 0 when they match, 1 when they differ.

Default: row counts, sums of numeric columns, and a content hash over every column of
every row (a canonical text of what the SOURCE holds: a target value that was edited,
rounded, truncated, moved to another row, or NULL instead of '' is reported, with its
partition and column). It reads the whole table on both sides.

--quick: row counts and numeric sums only. It sees lost, extra and duplicated rows and
changed numbers, but not edited text, timestamps or binary values, nor values swapped
between rows. On Oracle the content check needs 12c or later (STANDARD_HASH) and does
not hash LOB, LONG or VECTOR columns (listed as not content-checked)."""


def format_report(r: VerifyReport) -> str:
    by = {"day": f"{r.partitions} day(s) of {r.partition_column}",
          "key_range": f"{r.partitions} key range(s) of {r.partition_column}",
          "whole": "the whole table"}[r.partition_by]
    cols = ", ".join(r.columns) if r.columns else "no numeric columns"
    lines = [f"{r.table} -> {r.target}: source {r.source_rows:,} rows, target {r.target_rows:,} rows",
             f"  compared by {by}; sums of {cols}; {content_summary(r)}"]
    for c, why in r.unchecked.items():
        lines.append(f"  not content-checked: {c} ({why})")
    if r.ok:
        lines.append("  OK: source and target match")
        return "\n".join(lines)
    lines.append(f"  DIFFERENT: {len(r.differences)} difference(s)")
    w = max([len("partition")] + [len(d.partition) for d in r.differences[:MAX_LINES]])
    c = max([len("column")] + [len(d.column) for d in r.differences[:MAX_LINES]])
    lines.append(f"  {'partition':<{w}}  {'column':<{c}}  {'source':>24}  {'target':>24}")
    for d in r.differences[:MAX_LINES]:
        lines.append(f"  {d.partition:<{w}}  {d.column:<{c}}  {_cell(d.source):>24}  {_cell(d.target):>24}")
    if len(r.differences) > MAX_LINES:
        lines.append(f"  ... and {len(r.differences) - MAX_LINES} more (--json lists them all)")
    return "\n".join(lines)


def content_summary(r: VerifyReport) -> str:
    if not r.content:
        return "--quick: counts and sums only (edited text, times, binary and moved values unseen)"
    return f"content of {len(r.content_columns)} column(s)"


def _cell(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def cmd_verify(args: argparse.Namespace) -> int:
    from .cli import EXIT_FAILED, EXIT_OK, load, print_json

    config = load(args)
    report = verify_table(config, args.table, quick=bool(getattr(args, "quick", False)))
    if args.json:
        print_json(report.to_dict())
    else:
        print(format_report(report))
    return EXIT_OK if report.ok else EXIT_FAILED


def add_verify_parser(subparsers: Any) -> argparse.ArgumentParser:
    """`tui-sync verify TABLE [--quick] [--json] [--config PATH | --demo]`."""
    from .cli import _common

    p = subparsers.add_parser(
        "verify", parents=[_common()], formatter_class=argparse.RawDescriptionHelpFormatter,
        help="compare source and target by content, per partition",
        description=VERIFY_HELP)
    p.add_argument("table", metavar="TABLE")
    p.add_argument("--quick", action="store_true",
                   help="row counts and sums of numeric columns only: fast, but blind to edited "
                        "text, timestamps and binary values and to values swapped between rows")
    p.set_defaults(func=cmd_verify)
    return p


__all__ = ["Difference", "VerifyReport", "add_verify_parser", "cmd_verify", "format_report",
           "verify_table"]
