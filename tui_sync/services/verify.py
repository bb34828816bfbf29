"""`tui-sync verify TABLE [--quick]`: does the DuckDB target hold what the source holds?

Both sides are aggregated where the data lives: the source in its own SQL through the
Source's optional verify capability (`implements_verify`; SQLite: registered Python
functions and a streamed pass, sources/sqlite/verify; Oracle: sources/oracle/verify), the
target in DuckDB (verify_duckdb). Partitions are the days of the cursor when the cursor is
a DATE/TIMESTAMP, else ranges of the first key column (boundaries taken from the source
with NTILE), else the whole table. Compared are (verify_report):

- always (and all that `--quick` compares): the total row count, then per partition the
  row count and the sum of every numeric column. Integers and decimals match exactly;
  floating-point sums within a relative tolerance. It sees lost, extra and duplicated rows,
  rows in the wrong partition and changed numbers; it cannot see an edited text,
  timestamp, binary or boolean value, a NULL that became '', values swapped between rows,
  or a double changed within the tolerance;
- by default also the content check: per partition an order-independent sum of 64-bit
  row hashes over a canonical text of every column (verify_render), so any one changed
  value is reported with its partition and, when the column's own hashes differ, its
  column (`content(name)`; `content` alone: values moved between rows). It reads every
  value on both sides. On Oracle it needs 12c+ (STANDARD_HASH) and skips LOB/LONG/VECTOR
  columns, listed as not content-checked.

Both compare what the SOURCE holds, not what the plan made of it (issue 9 item 1): a
number is taken at the source column's declared scale, so a target rounded, truncated or
overflowed past it differs. Only conversions the plan announces are applied to the source
side (NUMBER/FLOAT without a scale rounded to the planned scale or read as double; CHAR
trimmed with rtrim_char; time zones in UTC; a finer timestamp truncated to microseconds
when the plan warns). The verify never writes anything, and never asks which kind of
source it talks to. Plain Python: it never imports Textual.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import duckdb
import pyarrow as pa

from .. import target as tg
from ..config import Config
from ..errors import ConfigError, TuiSyncError
from ..i18n import _, line_of
from ..sources.base import Source
from ..sources.verify_spec import DATETIME_TYPES, Content, Partitioning, SumColumn, VerifyQueryError
from ..target.state import RunRecord
from ..target.travel import as_of_run
from ..typeplan import ColumnPlan
from ..verify_render import ContentColumn, content_column, source_scale
from . import verify_duckdb as vd
from .verify_report import DEFAULT_REL_TOL, WHOLE, Difference, VerifyReport, compare, compare_content

DEFAULT_BUCKETS = 32
_NUMERIC_SOURCE_TYPES = frozenset({"NUMBER", "FLOAT", "BINARY_FLOAT", "BINARY_DOUBLE"})


def sum_columns(plan_columns: Sequence[ColumnPlan]) -> list[SumColumn]:
    """The numeric columns whose sums are compared (by the target's type)."""
    out = []
    for cp in plan_columns:
        t = cp.arrow_type
        if t is None or cp.source.data_type.upper() not in _NUMERIC_SOURCE_TYPES:
            continue
        if pa.types.is_integer(t):
            out.append(SumColumn(cp, True, 0, False, source_scale(cp)))
        elif pa.types.is_decimal(t):
            out.append(SumColumn(cp, True, t.scale, t.precision > 18, source_scale(cp)))
        elif pa.types.is_floating(t):
            out.append(SumColumn(cp, False, 0, False))
    return out


def _is_day_cursor(cp: ColumnPlan | None) -> bool:
    if cp is None or cp.arrow_type is None:
        return False
    return (cp.source.data_type.upper() in DATETIME_TYPES
            and (pa.types.is_timestamp(cp.arrow_type) or pa.types.is_date(cp.arrow_type)))


def choose_partitioning(source: Source, job: Any, buckets: int) -> Partitioning:
    cursor_plan = job.plan.column(job.cursor) if job.cursor else None
    if _is_day_cursor(cursor_plan):
        return Partitioning("day", cursor_plan)
    if job.primary_key:
        cp = job.plan.column(job.primary_key[0])
        if cp.arrow_type is not None and not pa.types.is_boolean(cp.arrow_type):
            bounds = source.verify_key_bounds(job.description, cp, job.config.where, buckets)
            return Partitioning("key_range", cp, bounds,
                                tuple(vd.target_value(cp, b) for b in bounds))
    return Partitioning("whole")


def content_columns(source: Source | type[Source] | str, plan_columns: Sequence[ColumnPlan],
                    existing: Any) -> tuple[list[ContentColumn], dict[str, str]]:
    """The columns the content check hashes, and why the others are not. `source`: the
    source, its class or its kind as the config names it ("sqlite", "oracle")."""
    if isinstance(source, str):
        from ..sources import source_class

        source = source_class(source)
    cols: list[ContentColumn] = []
    unchecked: dict[str, str] = {}
    for cp in plan_columns:
        cc = content_column(cp)
        if cp.target_name not in existing:
            unchecked[cp.target_name] = "not in the target (a sync adds it)"
        elif cc is None:
            unchecked[cp.target_name] = f"no canonical rendering for {cp.duckdb_type}"
        elif (why := source.verify_unhashed(cp)) is not None:
            unchecked[cp.target_name] = why
        else:
            cols.append(cc)
    return cols, unchecked


def _differing(src: Content, tgt: Content) -> set[Any]:
    """Partitions with the same row count but another content."""
    return {p for p in set(src) & set(tgt) if src[p][0] == tgt[p][0] and src[p][1] != tgt[p][1]}


def _with_columns(content: Content, columns: Content) -> Content:
    return {p: (n, h, columns[p][2] if p in columns else []) for p, (n, h, _) in content.items()}


def _duckdb_failed(name: str, exc: duckdb.Error) -> TuiSyncError:
    return TuiSyncError(_("{table}: verify query failed in DuckDB: {error}").format(
        table=name, error=str(exc).splitlines()[0]))


def _read_source_as_of(source: Source, name: str, target: str, run: RunRecord) -> None:
    """Point the source's verify reads at the moment `run` read, or refuse in one line."""
    if run.target_table != target:
        raise ConfigError(_("{table}: run {run} synced {synced}, not {target}").format(
            table=name, run=run.run_id, synced=run.target_table, target=target))
    m = re.fullmatch(r"scn (\d+)", run.consistency or "")
    if m is None:
        raise ConfigError(_(
            "{table}: run {run} recorded no source point in time to compare with (its reads: "
            "{reads}); verify --at needs a run that read the source at one Oracle SCN (a chunked "
            "full sync)").format(table=name, run=run.run_id,
                                 reads=run.consistency or run.mode + ", not pinned"))
    why = source.verify_as_of(int(m.group(1)))
    if why is not None:
        raise ConfigError(f"{name}: " + why)  # a Text keeps its English


def verify_table(config: Config, name: str, *, source_factory: Callable[[], Source] | None = None,
                 buckets: int = DEFAULT_BUCKETS, rel_tol: float = DEFAULT_REL_TOL,
                 quick: bool = False, at: str | None = None) -> VerifyReport:
    """Compare the source table `name` with its DuckDB target; writes nothing.

    `quick`: counts and sums only (today's cheap check); otherwise also the content check.
    `at`: a run id: compare the lake as that run left it with the source at the point in
    time the run read (only a run pinned to one, e.g. an Oracle SCN)."""
    from ..engine import resolve_job
    from ..sources import open_source

    db_path = tg.target_spec(config)
    run = None
    if at is not None:
        run, db_path = as_of_run(db_path, at)
    factory = source_factory or (lambda: open_source(config.source, base_dir=config.base_dir))
    source = factory()
    with source:
        job = resolve_job(config, source, name)
        why = source.verify_unsupported(content=not quick)
        if why is not None:
            raise TuiSyncError(f"{job.name}: " + why)
        if run is not None:
            _read_source_as_of(source, job.name, job.target, run)
        if not db_path.exists():
            raise TuiSyncError(_("{table}: the {target} does not exist yet (run a sync first)")
                               .format(table=job.name, target=db_path.display))
        con = tg.connect(db_path, create=False)
        try:
            if not tg.table_exists(con, job.target):
                raise TuiSyncError(_("{table}: the target table {target_table} is not in {target} "
                                     "(run a sync first)").format(
                    table=job.name, target_table=job.target, target=db_path.display))
            existing = tg.table_columns(con, job.target)
            sums = [s for s in sum_columns(job.plan.included) if s.target in existing]
            part = choose_partitioning(source, job, buckets)
            if part.column is not None and part.column.target_name not in existing:
                part = Partitioning("whole")
            cols, unchecked = content_columns(source, job.plan.included, existing)
            src_content: Content = {}
            tgt_content: Content = {}
            mode = source.verify_hashing  # see verify_duckdb: the two row-hash definitions
            whole = part.kind == "whole"
            key, params = vd.target_key(part)
            table, where = job.description, job.config.where
            try:
                src_total, src = source.verify_aggregates(table, where, part, sums)
                if not quick and cols:
                    src_content = source.verify_content(table, where, part, cols)
                    if mode == "rows":
                        tgt_content = vd.duckdb_content(con, job.target, key, params, cols, whole, mode)
                        # a second pass names the columns, over the differing partitions only
                        differing = _differing(src_content, tgt_content)
                        if differing:
                            src_content = _with_columns(src_content, source.verify_content(
                                table, where, part, cols, differing))
                            tgt_content = _with_columns(tgt_content, vd.duckdb_content(
                                con, job.target, key, params, cols, whole, "columns", differing))
            except VerifyQueryError as exc:
                raise TuiSyncError(f"{job.name}: " + line_of(exc)) from None
            except duckdb.Error as exc:
                raise _duckdb_failed(job.name, exc) from None
            try:
                tgt_total, tgt, abs_totals = vd.target_aggregates(con, job.target, part, sums)
                if not quick and cols and mode == "cells":
                    tgt_content = vd.duckdb_content(con, job.target, key, params, cols, whole, mode)
            except duckdb.Error as exc:
                raise _duckdb_failed(job.name, exc) from None
        finally:
            con.close()
    n, diffs = compare(part, sums, src, tgt, abs_totals, rel_tol)
    if not quick:
        diffs += compare_content(part, cols, src_content, tgt_content, diffs)
        diffs += [Difference(WHOLE, f"column {c}", "in the source", "missing")
                  for c, why in unchecked.items() if why.startswith("not in the target")]
    return VerifyReport(table=job.description.info.name, target=job.target, partition_by=part.kind,
                        partition_column=part.column.target_name if part.column else None,
                        source_rows=src_total, target_rows=tgt_total, partitions=n,
                        columns=[s.target for s in sums], differences=diffs, content=not quick,
                        content_columns=[] if quick else [c.target for c in cols],
                        unchecked={} if quick else unchecked)


__all__ = ["DEFAULT_BUCKETS", "choose_partitioning", "content_columns", "sum_columns",
           "verify_table"]
