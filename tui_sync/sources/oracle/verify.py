"""The Oracle side of `tui-sync verify` (OracleSource's verify capability delegates here).

SQL builders (unit-tested as text: no Oracle server in the tests) and the runners that send
them through the source's public `run_query`. One GROUP BY per check: the partition key as
text, COUNT(*), the sums as TO_CHAR text so no digit is lost on the way, and for the content
check the exact sums of STANDARD_HASH cell and row hashes ("cells" hashing, Oracle 12c and
later; see services/verify_duckdb). What is compared is what the SOURCE holds (issue 9
item 1). Plain Python: it never imports Textual.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from ... import verify_render as vr
from ...i18n import _
from ...typeplan import LOB_TYPES, ColumnPlan, Conversion
from ...verify_render import NULL_CELL, ContentColumn, combine_sql
from ..base import TableDescription
from ..verify_spec import Aggregates, Content, Partitioning, SumColumn, VerifyQueryError, bucket_case
from .sql import from_ref, quote_ident

if TYPE_CHECKING:
    from .source import OracleSource

UNHASHED = LOB_TYPES | {"VECTOR"}
_NLS = "'NLS_NUMERIC_CHARACTERS=''.,'''"


def _from(table: TableDescription, scn: int | None = None) -> str:
    if table.query is not None:  # a query-backed table: its inline view, never AS OF
        if scn is not None:
            raise VerifyQueryError(_("{table} is a query: it cannot be read as of SCN {scn}").format(
                table=table.info.name, scn=scn))
        return from_ref(table)
    name = f"{quote_ident(table.info.owner or '')}.{quote_ident(table.info.table)}"
    # `verify --at RUN`: the table as the run read it (an int, checked, so no bind needed)
    return name if scn is None else f"{name} AS OF SCN {int(scn)}"


def _expr(cp: ColumnPlan) -> str:
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


def _key(part: Partitioning) -> tuple[str, dict[str, Any]]:
    binds: dict[str, Any] = {}
    if part.kind == "whole":
        return "NULL", binds
    assert part.column is not None
    e = _expr(part.column)
    if part.kind == "day":
        return f"TO_CHAR(TRUNC(CAST({e} AS DATE)), 'YYYY-MM-DD')", binds

    def param(i: int) -> str:
        v = part.source_bounds[i]
        if isinstance(v, datetime):
            binds[f"b{i}"] = v.strftime("%Y-%m-%d %H:%M:%S.%f")
            return f"TO_TIMESTAMP(:b{i}, 'YYYY-MM-DD HH24:MI:SS.FF6')"
        binds[f"b{i}"] = v
        return f":b{i}"

    return bucket_case(e, len(part.source_bounds), param), binds


def oracle_key_bounds_sql(from_sql: str, cp: ColumnPlan, where: str,
                          buckets: int) -> tuple[str, dict[str, Any]]:
    e = _expr(cp)
    cond = f"{e} IS NOT NULL" + (f" AND ({where.strip()})" if where.strip() else "")
    sql = (f"SELECT MIN(k) FROM (SELECT {e} AS k, NTILE(:buckets) OVER (ORDER BY {e}) AS b "
           f"FROM {from_sql} WHERE {cond}) GROUP BY b ORDER BY 1")
    return sql, {"buckets": int(buckets)}


def oracle_aggregate_sql(from_sql: str, where: str, part: Partitioning,
                         sums: Sequence[SumColumn]) -> tuple[str, dict[str, Any]]:
    """One GROUP BY over the table: partition key as text, COUNT(*), and each sum as
    TO_CHAR text so no digit is lost on the way (NUMBER sums are exact in Oracle)."""
    key, binds = _key(part)
    # An inline view: Oracle rejects a GROUP BY expression holding binds (ORA-00979).
    inner = [f"{key} AS p"] + [f"{_expr(s.plan)} AS s{i}" for i, s in enumerate(sums)]
    sql = f"SELECT {', '.join(inner)} FROM {from_sql}"
    if where.strip():
        sql += f" WHERE ({where.strip()})"
    outer = ["p", "COUNT(*) AS n"] + [f"TO_CHAR(SUM(s{i})) AS s{i}" for i in range(len(sums))]
    sql = f"SELECT {', '.join(outer)} FROM ({sql}) GROUP BY p"
    return sql, binds


# -- the content check: the canonical text in Oracle SQL ---------------------------------------

def unhashed(cp: ColumnPlan) -> bool:
    """Oracle LOB/LONG/VECTOR columns: STANDARD_HASH takes no LOB, LONG is no expression."""
    return cp.source.data_type.upper() in UNHASHED or cp.conversion in (
        Conversion.JSON, Conversion.XML)


def render(col: ContentColumn) -> str:
    """The Oracle twin of verify_render.render: the same canonical text, in SQL."""
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


def _content_sql(from_sql: str, where: str, key: str, cols: Sequence[ContentColumn]) -> str:
    """One GROUP BY: partition, COUNT(*), the exact sum of row hashes and of each column's
    cell hashes as TO_CHAR text. Needs STANDARD_HASH (Oracle 12.1 and later)."""

    def h16(e: str) -> str:
        return f"LOWER(SUBSTR(RAWTOHEX(STANDARD_HASH({e}, 'MD5')), 1, 16))"

    def concat(items: list[str]) -> str:
        return " || ".join(items)

    def num(e: str) -> str:
        return f"TO_NUMBER({e}, 'XXXXXXXXXXXXXXXX')"

    # NULL by the rendering: RTRIM of an all-blank CHAR is NULL in Oracle, and lands NULL
    cells = [f"CASE WHEN {render(c)} IS NULL THEN '{NULL_CELL}' ELSE {h16(render(c))} END"
             for c in cols]
    inner = ", ".join([f"{key} AS p"] + [f"{e} AS h{i}" for i, e in enumerate(cells)])
    sql = f"SELECT {inner} FROM {from_sql}"
    if where.strip():
        sql += f" WHERE ({where.strip()})"
    row = num(h16(combine_sql([f"h{i}" for i in range(len(cols))], h16, concat, vr.GROUP)))
    sums = [f"TO_CHAR(SUM({row}))"] + [
        f"TO_CHAR(SUM(CASE WHEN h{i} = '{NULL_CELL}' THEN 0 ELSE {num(f'h{i}')} END))"
        for i in range(len(cols))]
    return f"SELECT p, COUNT(*) AS n, {', '.join(sums)} FROM ({sql}) GROUP BY p"


def oracle_content_sql(from_sql: str, where: str, part: Partitioning,
                       cols: Sequence[ContentColumn]) -> tuple[str, dict[str, Any]]:
    key, binds = _key(part)
    return _content_sql(from_sql, where, key, cols), binds


# -- runners (OracleSource.verify_* call these) ----------------------------------------------

def key_bounds(source: OracleSource, table: TableDescription, cp: ColumnPlan, where: str,
               buckets: int) -> tuple[Any, ...]:
    sql, binds = oracle_key_bounds_sql(_from(table, source.verify_scn), cp, where, buckets)
    return tuple(dict.fromkeys(r[0] for r in source.run_query(sql, binds)))[1:]


def aggregates(source: OracleSource, table: TableDescription, where: str, part: Partitioning,
               sums: Sequence[SumColumn]) -> tuple[int, Aggregates]:
    sql, binds = oracle_aggregate_sql(_from(table, source.verify_scn), where, part, sums)
    aggs: Aggregates = {}
    total = 0
    for row in source.run_query(sql, binds):
        p = None if part.kind == "whole" else row[0]
        aggs[p] = (int(row[1]), list(row[2:]))
        total += int(row[1])
    return total, aggs


def content(source: OracleSource, table: TableDescription, where: str, part: Partitioning,
            cols: Sequence[ContentColumn]) -> Content:
    sql, binds = oracle_content_sql(_from(table, source.verify_scn), where, part, cols)
    out: Content = {}
    for row in source.run_query(sql, binds):
        p = None if part.kind == "whole" else row[0]
        out[p] = (int(row[1]), int(row[2] or 0), [int(x or 0) for x in row[3:]])
    return out
