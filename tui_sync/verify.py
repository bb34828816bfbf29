"""`tui-sync verify TABLE`: does the DuckDB target hold what the source holds?

Both sides are aggregated where the data lives: the source in its own SQL, the
target in DuckDB. Compared are the total row count, then per partition the row
count and the sum of every numeric column. Partitions are the days of the
cursor when the cursor is a DATE/TIMESTAMP, else ranges of the first key column
(boundaries taken from the source with NTILE), else the whole table.

Integers and decimals must match exactly; floating-point sums match within a
relative tolerance (of the sum of absolute values, so cancellation does not make
the check flaky). The verify never writes anything.

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

    @property
    def ok(self) -> bool:
        return not self.differences and self.source_rows == self.target_rows

    def to_dict(self) -> dict[str, Any]:
        return {"table": self.table, "target": self.target, "ok": self.ok,
                "partition_by": self.partition_by, "partition_column": self.partition_column,
                "source_rows": self.source_rows, "target_rows": self.target_rows,
                "partitions": self.partitions, "columns": list(self.columns),
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
            out.append(SumColumn(cp, True, 0, False))
        elif pa.types.is_decimal(t):
            out.append(SumColumn(cp, True, t.scale, t.precision > 18))
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


def target_aggregates(con: duckdb.DuckDBPyConnection, table: str, part: Partitioning,
                      sums: Sequence[SumColumn]) -> tuple[int, Aggregates, dict[Any, list[Any]]]:
    """(total rows, per-partition aggregates, per-partition sums of absolute float values)."""
    params: list[Any] = []
    if part.kind == "whole":
        key = "NULL"
    else:
        assert part.column is not None
        c = tg.qi(part.column.target_name)
        if part.kind == "day":
            t = part.column.arrow_type
            if pa.types.is_timestamp(t) and t.tz is not None:
                c = f"timezone('UTC', {c})"  # the UTC day, whatever the session's TimeZone
            key = f"CAST(CAST({c} AS DATE) AS VARCHAR)"
        else:
            key = _bucket_case(c, len(part.target_bounds), lambda i: "?")
            params = list(part.target_bounds)
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
    """SQLite aggregate: the exact decimal sum of NUMBER values at the target's scale
    (rounded half away from zero, as Oracle stores NUMBER(p,s))."""

    def __init__(self) -> None:
        self.total: Decimal | None = None
        self.bad: str | None = None

    def step(self, value: Any, scale: int) -> None:
        if value is None or self.bad is not None:
            return
        try:
            d = value if isinstance(value, Decimal) else Decimal(
                value.decode() if isinstance(value, bytes) else str(value).strip())
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


def sqlite_aggregates(conn: sqlite3.Connection, table: str, where: str, part: Partitioning,
                      sums: Sequence[SumColumn]) -> tuple[int, Aggregates]:
    from .sources.sqlite import quote

    _register_sqlite(conn)
    params: list[Any] = []
    if part.kind == "whole":
        key = "NULL"
    else:
        assert part.column is not None
        e = _sqlite_expr(part.column)
        if part.kind == "day":
            tz = int(part.column.source.data_type.upper() in _TZ_TYPES)
            key = f"tui_sync_day({e}, {tz})"
        else:
            key = _bucket_case(e, len(part.source_bounds), lambda i: "?")
            params = list(part.source_bounds)
    items = [f"{key} AS p", "COUNT(*)"]
    for s in sums:
        e = _sqlite_expr(s.plan)
        items.append(f"tui_sync_exact_sum({e}, {s.scale})" if s.exact else f"tui_sync_float_sum({e})")
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
    if t == "NUMBER" and target is not None:
        scale = cp.source.scale
        if pa.types.is_decimal(target) and (scale is None or scale > target.scale):
            return f"ROUND({q}, {int(target.scale)})"  # what the read does
        if pa.types.is_integer(target) and (scale is None or scale > 0):
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
    binds: dict[str, Any] = {}
    if part.kind == "whole":
        key = "NULL"
    else:
        assert part.column is not None
        e = _oracle_expr(part.column)
        if part.kind == "day":
            key = f"TO_CHAR(TRUNC(CAST({e} AS DATE)), 'YYYY-MM-DD')"
        else:
            def param(i: int) -> str:
                v = part.source_bounds[i]
                if isinstance(v, datetime):
                    binds[f"b{i}"] = v.strftime("%Y-%m-%d %H:%M:%S.%f")
                    return f"TO_TIMESTAMP(:b{i}, 'YYYY-MM-DD HH24:MI:SS.FF6')"
                binds[f"b{i}"] = v
                return f":b{i}"

            key = _bucket_case(e, len(part.source_bounds), param)
    # An inline view: Oracle rejects a GROUP BY expression holding binds (ORA-00979).
    inner = [f"{key} AS p"] + [f"{_oracle_expr(s.plan)} AS s{i}" for i, s in enumerate(sums)]
    sql = f"SELECT {', '.join(inner)} FROM {from_sql}"
    if where.strip():
        sql += f" WHERE ({where.strip()})"
    outer = ["p", "COUNT(*) AS n"] + [f"TO_CHAR(SUM(s{i})) AS s{i}" for i in range(len(sums))]
    sql = f"SELECT {', '.join(outer)} FROM ({sql}) GROUP BY p"
    return sql, binds


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


def verify_table(config: Config, name: str, *, source_factory: Callable[[], Source] | None = None,
                 buckets: int = DEFAULT_BUCKETS, rel_tol: float = DEFAULT_REL_TOL) -> VerifyReport:
    """Compare the source table `name` with its DuckDB target; writes nothing."""
    from .engine import resolve_job
    from .sources import open_source

    db_path = config.target_path()
    factory = source_factory or (lambda: open_source(config.source, base_dir=config.base_dir))
    source = factory()
    with source:
        job = resolve_job(config, source, name)
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
            try:
                if source.kind == "sqlite":
                    src_total, src = sqlite_aggregates(
                        source.conn, job.description.info.table, job.config.where,  # type: ignore[attr-defined]
                        part, sums)
                elif source.kind == "oracle":
                    src_total, src = _oracle_aggregates(source, job, part, sums)
                else:
                    raise TuiSyncError(f"verify does not support {source.kind} sources")
            except sqlite3.Error as exc:
                raise TuiSyncError(f"{job.name}: verify query failed in the source: "
                                   f"{str(exc).splitlines()[0]}") from None
            try:
                tgt_total, tgt, abs_totals = target_aggregates(con, job.target, part, sums)
            except duckdb.Error as exc:
                raise TuiSyncError(f"{job.name}: verify query failed in DuckDB: "
                                   f"{str(exc).splitlines()[0]}") from None
        finally:
            con.close()
    n, diffs = compare(part, sums, src, tgt, abs_totals, rel_tol)
    return VerifyReport(table=job.description.info.name, target=job.target, partition_by=part.kind,
                        partition_column=part.column.target_name if part.column else None,
                        source_rows=src_total, target_rows=tgt_total, partitions=n,
                        columns=[s.target for s in sums], differences=diffs)


# -- CLI ---------------------------------------------------------------------------------------

MAX_LINES = 50


def format_report(r: VerifyReport) -> str:
    by = {"day": f"{r.partitions} day(s) of {r.partition_column}",
          "key_range": f"{r.partitions} key range(s) of {r.partition_column}",
          "whole": "the whole table"}[r.partition_by]
    cols = ", ".join(r.columns) if r.columns else "no numeric columns"
    lines = [f"{r.table} -> {r.target}: source {r.source_rows:,} rows, target {r.target_rows:,} rows",
             f"  compared by {by}; sums of {cols}"]
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


def _cell(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def cmd_verify(args: argparse.Namespace) -> int:
    from .cli import EXIT_FAILED, EXIT_OK, load, print_json

    config = load(args)
    report = verify_table(config, args.table)
    if args.json:
        print_json(report.to_dict())
    else:
        print(format_report(report))
    return EXIT_OK if report.ok else EXIT_FAILED


def add_verify_parser(subparsers: Any) -> argparse.ArgumentParser:
    """`tui-sync verify TABLE [--json] [--config PATH | --demo]`."""
    from .cli import _common

    p = subparsers.add_parser("verify", parents=[_common()],
                              help="compare source and target: row counts and per-partition sums")
    p.add_argument("table", metavar="TABLE")
    p.set_defaults(func=cmd_verify)
    return p


__all__ = ["Difference", "VerifyReport", "add_verify_parser", "cmd_verify", "format_report",
           "verify_table"]
