"""What a sync knows about a table before any data moves: the resolved job (type plan,
cursor, key, target), the plan report `tui-sync plan` prints, and the lookback rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..config import Config, TableConfig
from ..errors import ConfigError, SourceError
from ..i18n import _
from ..sources import open_source
from ..sources.base import CursorIndex, ReadSpec, Source, TableDescription, TableInfo, Window
from ..target import sync_columns
from ..typeplan import PlanOptions, TypePlan, build_plan
from . import query_table
from .selection import select_columns

if TYPE_CHECKING:
    from .backfill import BackfillBounds


@dataclass(frozen=True)
class TableJob:
    """Everything resolved about one table before any data moves."""

    name: str  # as the user named it
    config: TableConfig
    description: TableDescription
    plan: TypePlan
    target: str
    cursor: str | None  # exact dictionary name
    cursor_target: str | None
    primary_key: tuple[str, ...]  # exact dictionary names
    key_targets: tuple[str, ...]
    batch_rows: int
    # target names of source columns `columns =` / `exclude =` leave out (not "dropped")
    left_out: tuple[str, ...] = ()
    backfill: BackfillBounds | None = None  # sync --since: the window instead of the watermark's


@dataclass(frozen=True)
class PlanReport:
    description: TableDescription
    table_config: TableConfig
    plan: TypePlan
    target: str
    cursor: str | None
    primary_key: tuple[str, ...]
    sql: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    cursor_index: CursorIndex | None = None  # None: no cursor, or the source cannot tell
    sync_columns: dict[str, str] = field(default_factory=dict)  # [sync] sync_columns: added last

    @property
    def warnings(self) -> list[str]:
        """The type plan's warnings, then an unindexed cursor's (with the CREATE INDEX)."""
        found = self.cursor_index
        if found is None or found.indexed:
            return list(self.plan.warnings)
        return [*self.plan.warnings, _("{problem}; create one: {create}").format(
            problem=found.problem(), create=found.create)]


def plan_options(config: Config, tc: TableConfig) -> PlanOptions:
    return PlanOptions(number_without_precision=config.sync.number_without_precision,
                       lowercase_names=config.sync.lowercase_names,
                       rtrim_char=config.sync.rtrim_char, overrides=dict(tc.columns))


def resolve_job(config: Config, source: Source, name: str) -> TableJob:
    tc = config.table(name)
    if tc.query:  # a query-backed table: its SELECT replaces the source table (query_table.py)
        desc = query_table.describe(config, source, tc)
    else:
        desc = source.describe(tc.source_table if tc.source_table else name)
    where = f"[table {tc.source_table}]"
    chosen = select_columns(desc, tc, f"{config.path}:{where}:")  # columns = / exclude =
    plan = build_plan(list(chosen.columns), plan_options(config, tc))

    def find(col: str, key: str):
        try:
            cp = plan.column(col)
        except KeyError:
            if any(c.name.upper() == col.upper() for c in chosen.left_out):
                raise ConfigError(f"{config.path}:{where}:{key}: " + _(
                    "column {column} is left out by columns = / exclude =").format(
                        column=shown(col))) from None
            raise ConfigError(f"{config.path}:{where}:{key}: " + _(
                "column {column} is not in {table}").format(
                    column=shown(col), table=shown(desc.info.name))) from None
        if cp.skipped:
            raise ConfigError(f"{config.path}:{where}:{key}: " + _(
                "column {column} has an unsupported type").format(column=col))
        return cp

    for col in tc.columns:
        find(col, f"column.{col}")
    cursor = cursor_target = None
    if tc.cursor:
        cp = find(tc.cursor, "cursor")
        if not _cursor_type_ok(cp.source.data_type):
            raise ConfigError(f"{config.path}:{where}:cursor: " + _(
                "{column} ({type}) cannot be a cursor; use a DATE, TIMESTAMP, NUMBER or sortable "
                "text").format(column=cp.name, type=cp.source.data_type))
        cursor, cursor_target = cp.name, cp.target_name
        if tc.lookback and cp.source.data_type in _TEXT_CURSOR_TYPES:
            _check_text_lookback(source, desc, tc, cp.name, f"{config.path}:{where}:lookback: ")
    pk_names = tc.primary_key or list(desc.primary_key)
    key_plans = [find(k, "primary_key") for k in pk_names]
    if tc.query:  # refusals (no row address) and the notes on how columns were typed
        query_table.check(config, tc, key_plans)
        plan = query_table.annotate(plan, desc)
    if config.sync.sync_columns:
        sync_columns.check_plan(plan.target_columns(), f"{config.path}:{where}")
    batch_rows = tc.batch_rows or (config.sync.lob_batch_rows if plan.has_lobs
                                   else config.sync.batch_rows)
    return TableJob(name=name, config=tc, description=desc, plan=plan, target=tc.target_name(),
                    cursor=cursor, cursor_target=cursor_target,
                    primary_key=tuple(c.name for c in key_plans),
                    key_targets=tuple(c.target_name for c in key_plans), batch_rows=batch_rows,
                    left_out=tuple(c.target_name for c in build_plan(
                        list(chosen.left_out), plan_options(config, tc)).columns))


def cursor_index(source: Source, job: TableJob) -> CursorIndex | None:
    """Whether the job's cursor leads an index; None when unknown. Advisory: a dictionary
    that cannot be read here must not stop a plan or a run (doctor reports it)."""
    if not job.cursor:
        return None
    try:
        return source.cursor_index(job.description, job.cursor)
    except SourceError:
        return None


_CURSOR_TYPES = ("DATE", "NUMBER", "FLOAT", "BINARY_FLOAT", "BINARY_DOUBLE", "CHAR", "NCHAR",
                 "VARCHAR2", "NVARCHAR2", "VARCHAR", "TEXT")


def _cursor_type_ok(data_type: str) -> bool:
    """An allow-list: the cursor must compare and sort the same in the source and DuckDB."""
    return data_type in _CURSOR_TYPES or data_type.startswith("TIMESTAMP")


_TEXT_CURSOR_TYPES = ("CHAR", "NCHAR", "VARCHAR2", "NVARCHAR2", "VARCHAR", "TEXT")


def _check_text_lookback(source: Source, desc: TableDescription, tc: TableConfig, cursor: str,
                         prefix: str) -> None:
    """Before any data moves: a lookback on a text cursor applies only to text in a known
    time format (see apply_lookback); refuse it otherwise rather than ignore it."""
    if isinstance(tc.lookback, Decimal):
        apply_lookback("", tc.lookback, cursor, prefix)  # refuses a nonzero number
        return
    newest = source.max_cursor(desc, cursor, tc.where)
    if newest is not None:
        apply_lookback(str(newest), tc.lookback, cursor, prefix)


def apply_lookback(watermark: Any, lookback: Any, column: str, prefix: str = "") -> Any:
    """The window's lower bound: watermark - lookback, in the cursor's own kind.

    A text cursor holding times in a format the preview's detector knows (and whose text
    sorts by time: 'YYYYMMDDHH24MISS', ISO, 'YYYY/MM/DD ...') is parsed, moved back and
    written again in its own format; any other text refuses the lookback (ConfigError,
    `prefix` names file, section and key), never ignores it."""
    if lookback is None or watermark is None:
        return watermark
    if isinstance(watermark, str):
        if not lookback:
            return watermark  # zero: no lookback to apply
        if isinstance(lookback, Decimal):
            raise ConfigError(prefix + _(
                "lookback {lookback} on the text cursor {column}: a number cannot move text "
                "back; use a duration (like '10 minutes') for text holding times, or no "
                "lookback").format(lookback=lookback, column=column))
        from ..preview.detect import time_text  # Polars, no Textual; only for text cursors

        found = time_text(watermark)
        if found is None:
            raise ConfigError(prefix + _(
                "lookback on the text cursor {column} needs text in a known time format (like "
                "YYYYMMDDHH24MISS or YYYY-MM-DD HH24:MI:SS); {value!r} is not; remove the "
                "lookback or use a DATE/TIMESTAMP cursor").format(column=column, value=watermark))
        try:
            return found.format(found.value - lookback)
        except OverflowError:
            return found.format(datetime.min)
    if isinstance(watermark, datetime):
        if isinstance(lookback, Decimal):
            if lookback == 0:
                return watermark
            raise ConfigError(_("lookback for the DATE/TIMESTAMP cursor {column} needs a unit "
                                "(like '{lookback} minutes')").format(column=column, lookback=lookback))
        return watermark - lookback
    if isinstance(watermark, (int, Decimal, float)):
        if isinstance(lookback, timedelta):
            raise ConfigError(_("lookback for the numeric cursor {column} must be a plain number")
                              .format(column=column))
        if isinstance(watermark, int) and lookback == lookback.to_integral_value():
            return watermark - int(lookback)
        if isinstance(watermark, float):
            return watermark - float(lookback)
        return Decimal(watermark) - lookback
    raise ConfigError(prefix + _("lookback on the cursor {column} cannot apply to its value "
                                 "{value!r}").format(column=column, value=watermark))



def shown(name: str) -> str:
    """A name fit for a one-line message (control characters escaped)."""
    return name if name.isprintable() else repr(name)


def list_source_tables(config: Config) -> list[TableInfo]:
    source = open_source(config.source, base_dir=config.base_dir)
    with source:
        return source.list_tables()


def read_spec(job: TableJob, *, window: Window | None = None, limit: int | None = None) -> ReadSpec:
    """The plain read of a job: its filter, plus an incremental window or a test limit."""
    return ReadSpec(table=job.description, plan=job.plan, where=job.config.where,
                    window=window, limit=limit, batch_rows=job.batch_rows)
