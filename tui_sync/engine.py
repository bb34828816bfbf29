"""The sync engine (DESIGN §5): test, full, incremental and auto runs.

Plain Python: it reads Arrow batches from a Source, writes them into DuckDB,
keeps the state in the same file, emits typed events through a callback and
obeys a Control between batches. It never imports Textual.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.types as pa_types

from . import state as st
from . import target as tg
from .config import Config, TableConfig
from .errors import (
    ConfigError,
    SchemaDriftError,
    SourceError,
    SyncCancelled,
    TuiSyncError,
    one_line,
)
from .events import (
    Control,
    Event,
    EventCallback,
    LogLine,
    Mode,
    Phase,
    PhaseChanged,
    Progress,
    RunFinished,
    Status,
    TableFinished,
    TableResult,
)
from .lock import SyncLock
from .sources import open_source
from .sources.base import (
    ROWID_FIELD,
    ROWID_KEY,
    CursorIndex,
    KeyRange,
    ReadSpec,
    Source,
    TableDescription,
    TableInfo,
    Window,
    key_fields,
)
from .timens import DatetimeNs, arrow_value, parse_timestamp, ts_text
from .typeplan import PlanOptions, TypePlan, build_plan

_logger = logging.getLogger("tui_sync.engine")
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
           "error": logging.ERROR}
# Oracle errors that refuse a flashback (AS OF SCN) read: no FLASHBACK privilege (01031),
# no snapshot or no valid SCN (08180, 08181), the table changed since the SCN (01466), the
# undo for it is gone (01555, typically on a late resume). The read falls back to unpinned.
FLASHBACK_REFUSED = frozenset({"ORA-01031", "ORA-08180", "ORA-08181", "ORA-01466", "ORA-01555"})
PROGRESS_INTERVAL_S = 0.25  # at most four progress events a second per table
TEST_SUFFIX = "_test"


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

    @property
    def warnings(self) -> list[str]:
        """The type plan's warnings, then an unindexed cursor's (with the CREATE INDEX)."""
        found = self.cursor_index
        if found is None or found.indexed:
            return list(self.plan.warnings)
        return [*self.plan.warnings, f"{found.problem()}; create one: {found.create}"]


def plan_options(config: Config, tc: TableConfig) -> PlanOptions:
    return PlanOptions(number_without_precision=config.sync.number_without_precision,
                       lowercase_names=config.sync.lowercase_names,
                       rtrim_char=config.sync.rtrim_char, overrides=dict(tc.columns))


def resolve_job(config: Config, source: Source, name: str) -> TableJob:
    tc = config.table(name)
    desc = source.describe(tc.source_table if tc.source_table else name)
    plan = build_plan(list(desc.columns), plan_options(config, tc))
    where = f"[table {tc.source_table}]"

    def find(col: str, key: str):
        try:
            cp = plan.column(col)
        except KeyError:
            raise ConfigError(f"{config.path}:{where}:{key}: column {shown(col)} is not in "
                              f"{shown(desc.info.name)}") from None
        if cp.skipped:
            raise ConfigError(f"{config.path}:{where}:{key}: column {col} has an unsupported type")
        return cp

    for col in tc.columns:
        find(col, f"column.{col}")
    cursor = cursor_target = None
    if tc.cursor:
        cp = find(tc.cursor, "cursor")
        if not _cursor_type_ok(cp.source.data_type):
            raise ConfigError(f"{config.path}:{where}:cursor: {cp.name} ({cp.source.data_type}) "
                              "cannot be a cursor; use a DATE, TIMESTAMP, NUMBER or sortable text")
        cursor, cursor_target = cp.name, cp.target_name
        if tc.lookback and cp.source.data_type in _TEXT_CURSOR_TYPES:
            _check_text_lookback(source, desc, tc, cp.name, f"{config.path}:{where}:lookback: ")
    pk_names = tc.primary_key or list(desc.primary_key)
    key_plans = [find(k, "primary_key") for k in pk_names]
    batch_rows = tc.batch_rows or (config.sync.lob_batch_rows if plan.has_lobs
                                   else config.sync.batch_rows)
    return TableJob(name=name, config=tc, description=desc, plan=plan, target=tc.target_name(),
                    cursor=cursor, cursor_target=cursor_target,
                    primary_key=tuple(c.name for c in key_plans),
                    key_targets=tuple(c.target_name for c in key_plans), batch_rows=batch_rows)


def _cursor_index(source: Source, job: TableJob) -> CursorIndex | None:
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
            raise ConfigError(f"{prefix}lookback {lookback} on the text cursor {column}: a number "
                              "cannot move text back; use a duration (like '10 minutes') for "
                              "text holding times, or no lookback")
        from .preview.detect import time_text  # Polars, no Textual; only for text cursors

        found = time_text(watermark)
        if found is None:
            raise ConfigError(f"{prefix}lookback on the text cursor {column} needs text in a "
                              f"known time format (like YYYYMMDDHH24MISS or YYYY-MM-DD HH24:MI:SS); "
                              f"{watermark!r} is not; remove the lookback or use a DATE/TIMESTAMP "
                              "cursor")
        try:
            return found.format(found.value - lookback)
        except OverflowError:
            return found.format(datetime.min)
    if isinstance(watermark, datetime):
        if isinstance(lookback, Decimal):
            if lookback == 0:
                return watermark
            raise ConfigError(f"lookback for the DATE/TIMESTAMP cursor {column} needs a unit "
                              f"(like '{lookback} minutes')")
        return watermark - lookback
    if isinstance(watermark, (int, Decimal, float)):
        if isinstance(lookback, timedelta):
            raise ConfigError(f"lookback for the numeric cursor {column} must be a plain number")
        if isinstance(watermark, int) and lookback == lookback.to_integral_value():
            return watermark - int(lookback)
        if isinstance(watermark, float):
            return watermark - float(lookback)
        return Decimal(watermark) - lookback
    raise ConfigError(f"{prefix}lookback on the cursor {column} cannot apply to its value "
                      f"{watermark!r}")


def _duck_max(con: duckdb.DuckDBPyConnection, table: str, column: str, upto: Any = None) -> Any:
    """MAX(column) of a DuckDB table (names already quoted), of the values <= `upto` when
    given. DuckDB hands a TIMESTAMP_NS to Python as a datetime cut to microseconds: take
    those from the text instead, so a TIMESTAMP(9) watermark keeps its nanoseconds."""
    where, params = "", []
    if upto is not None:
        where, params = f" WHERE {column} <= {_duck_bound(upto)}", [_duck_param(upto)]
    value, kind, text = con.execute(
        f"SELECT MAX({column}), typeof(MAX({column})), CAST(MAX({column}) AS VARCHAR) FROM {table}{where}",
        params).fetchone()
    if value is not None and kind == "TIMESTAMP_NS":
        return parse_timestamp(text)
    return value


def _duck_bound(value: Any) -> str:
    """The placeholder for a cursor bound in DuckDB SQL: a DatetimeNs travels as text
    (DuckDB would bind the datetime cut to microseconds)."""
    return "CAST(? AS TIMESTAMP_NS)" if isinstance(value, DatetimeNs) else "?"


def _duck_param(value: Any) -> Any:
    return ts_text(value, 9) if isinstance(value, DatetimeNs) else value


def _fault(point: str) -> None:
    """Test hook for crash tests: TUI_SYNC_FAULT=swap|merge|batch:N kills this process
    with SIGKILL at that point, the way a crash or `kill -9` would."""
    wanted = os.environ.get("TUI_SYNC_FAULT")
    if wanted and point in wanted.split(","):
        os.kill(os.getpid(), signal.SIGKILL)


class _Meter:
    """Throttled progress events for one table."""

    def __init__(self, emit: Callable[[Event], None], table: str, expected: int | None,
                 owner: Engine | None = None):
        self.emit, self.table, self.expected = emit, table, expected
        if owner is not None:
            owner._meter = self  # the pause path forces a last event from it
        self.rows = 0
        self.base = 0  # rows loaded before this meter started (a resume): not in its rate
        self.start = time.monotonic()
        self.last = 0.0

    def add(self, n: int, force: bool = False) -> None:
        self.rows += n
        now = time.monotonic()
        if force or now - self.last >= PROGRESS_INTERVAL_S:
            self.last = now
            elapsed = now - self.start
            rate = (self.rows - self.base) / elapsed if elapsed > 0 else 0.0
            eta = None
            if self.expected and rate > 0:
                eta = max(self.expected - self.rows, 0) / rate
            self.emit(Progress(self.table, self.rows, self.expected, rate, elapsed, eta))

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.start


class Engine:
    def __init__(self, config: Config, *, on_event: EventCallback | None = None,
                 control: Control | None = None,
                 source_factory: Callable[[], Source] | None = None, holder: str = "cli",
                 sleep: Callable[[float], None] | None = None):
        self.config = config
        self.on_event = on_event
        self.control = control or Control()
        self.source_factory = source_factory or (
            lambda: open_source(config.source, base_dir=config.base_dir))
        self.holder = holder
        self._sleep = sleep
        self._resume = False
        self._reconcile: bool | None = None
        self._auto_requested = False
        self._meter: _Meter | None = None
        self._batches = 0
        self._carried_rows = 0  # rows a resumed run found loaded by an earlier run
        self._consistency: str | None = None

    # -- events ---------------------------------------------------------------------
    def emit(self, event: Event) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def log(self, level: str, message: str, table: str | None = None) -> None:
        # The rotating log file (set up by the CLI/TUI) gets every engine line too.
        _logger.log(_LEVELS.get(level, logging.INFO), "%s%s", f"{table}: " if table else "", message)
        self.emit(LogLine(level, message, table))

    def _phase(self, table: str, phase: Phase, mode: Mode | None = None) -> None:
        self.emit(PhaseChanged(table, phase, mode))

    # -- public API -------------------------------------------------------------------
    def plan(self, name: str) -> PlanReport:
        """The type plan and the exact SQL of each mode; writes nothing."""
        source = self.source_factory()
        with source:
            job = resolve_job(self.config, source, name)
            sql = {
                "full": source.build_select(self._spec(job)),
                "test": source.build_select(self._spec(job, limit=self.config.sync.test_rows)),
            }
            if job.cursor:
                build_max = getattr(source, "build_max_cursor", None)
                if build_max is not None:
                    sql["max_cursor"] = build_max(job.description, job.cursor, job.config.where)
                sql["incremental"] = source.build_select(
                    self._spec(job, window=Window(job.cursor, "<watermark - lookback>", "<max cursor>")))
            found = _cursor_index(source, job)
        return PlanReport(job.description, job.config, job.plan, job.target, job.cursor,
                          job.primary_key, sql, found)

    def run(self, tables: Sequence[str], mode: Mode = Mode.AUTO, *, limit: int | None = None,
            resume: bool = False, reconcile: bool | None = None) -> RunFinished:
        """Sync `tables` one after another under the file's lock.

        `resume` continues an interrupted chunked full sync (auto mode always does);
        `reconcile` overrides the tables' `reconcile` setting for this run.
        Raises LockHeldError, TargetBusyError, UnknownTableError or ConfigError
        before any data moves; per-table failures and cancels are results.
        """
        self._resume = resume
        self._reconcile = reconcile
        if not tables:
            raise ConfigError("no tables to sync: name tables or use --all")
        loads: dict[str, str] = {}  # two names on one target would replace each other's data
        for name in tables:
            target = self.config.table(name).target_name()
            other = loads.setdefault(target.lower(), name)
            if other != name:
                raise ConfigError(f"{other} and {name} would both load the target table {target}; "
                                  "give them [table ...] sections with distinct targets")
        mode = Mode(mode)
        db_path = self.config.target_path()
        results: list[TableResult] = []
        with SyncLock(db_path, self.holder, list(tables)):
            source = self.source_factory()
            self.control.add_cancel_hook(source.cancel)
            try:
                for name in tables:
                    self._phase(self.config.table(name).target_name(), Phase.CONNECTING, mode)
                try:
                    self._retrying("connect", source.connect, source, reconnect=False)
                    jobs = [resolve_job(self.config, source, name) for name in tables]
                except (SourceError, SyncCancelled) as exc:
                    # The source is unreachable: every table's run failed, and history says why.
                    results = self._record_unreachable(db_path, tables, mode, exc)
                    jobs = []
                if jobs:
                    con = tg.connect(db_path)
                    try:
                        tg.tune_for_loading(con, self.config.target.memory_limit)
                        st.ensure_schema(con)
                        stale = st.close_stale_runs(con)
                        if stale:
                            self.log("warning", f"{stale} earlier run(s) had been interrupted; "
                                     "recorded as failed")
                        st.flush_pending_runs(con, db_path)
                        for job in jobs:
                            results.append(self._run_table(con, source, job, mode, limit))
                    finally:
                        con.close()
            finally:
                self.control.remove_cancel_hook(source.cancel)
                try:
                    source.close()
                except Exception:  # noqa: BLE001 - closing a broken connection
                    pass
        finished = RunFinished(tuple(results))
        self.emit(finished)
        return finished

    # -- one table ----------------------------------------------------------------------
    def _spec(self, job: TableJob, *, window: Window | None = None,
              limit: int | None = None) -> ReadSpec:
        return ReadSpec(table=job.description, plan=job.plan, where=job.config.where,
                        window=window, limit=limit, batch_rows=job.batch_rows)

    def _choose_mode(self, con: duckdb.DuckDBPyConnection, job: TableJob, mode: Mode) -> Mode:
        if mode != Mode.AUTO:
            return mode
        if st.get_resume(con, job.target) is not None:
            self.log("info", "auto: an interrupted full sync can be resumed, running full", job.target)
            return Mode.FULL
        state = st.get_table_state(con, job.target)
        if state is None or not tg.table_exists(con, job.target):
            self.log("info", "auto: no previous sync of this table, running full", job.target)
            return Mode.FULL
        drift = self._schema_drift(con, job)
        if drift:
            self.log("warning", f"auto: {drift}; running full", job.target)
            return Mode.FULL
        if job.cursor and state.cursor_column == job.cursor and state.watermark is not None:
            return Mode.INCREMENTAL
        if job.cursor:
            self.log("info", "auto: the cursor changed or has no watermark yet, running full",
                     job.target)
        return Mode.FULL

    def _schema_drift(self, con: duckdb.DuckDBPyConnection, job: TableJob) -> str | None:
        """Describe dropped or retyped columns (incompatible), or None."""
        latest = st.latest_schema(con, job.target)
        if latest is None:
            return None
        old, new = latest[1], job.plan.target_columns()
        dropped = [c for c in old if c not in new]
        retyped = [f"{c} {old[c]} -> {new[c]}" for c in old if c in new and old[c] != new[c]]
        parts = []
        if dropped:
            parts.append("dropped in the source: " + ", ".join(dropped))
        if retyped:
            parts.append("retyped: " + ", ".join(retyped))
        return "; ".join(parts) or None

    def _run_table(self, con: duckdb.DuckDBPyConnection, source: Source, job: TableJob,
                   requested: Mode, limit: int | None) -> TableResult:
        started = st.utcnow()
        t0 = time.monotonic()
        mode = requested
        run = st.RunRecord(st.new_run_id(), job.target, job.description.info.name,
                           requested.value, "running", started)
        rows = 0
        self._auto_requested = requested == Mode.AUTO
        self._batches = 0
        self._carried_rows = 0
        try:
            mode = self._choose_mode(con, job, requested)
            run.mode = mode.value
            st.start_run(con, run, self.holder)
            for w in job.plan.warnings:
                self.log("warning", w, job.target)

            def attempt() -> int:
                if mode == Mode.FULL:
                    return self._full(con, source, job, run)
                if mode == Mode.TEST:
                    return self._test(con, source, job, run, limit or self.config.sync.test_rows)
                return self._incremental(con, source, job, run)

            # A transient error restarts the table from its last committed point: the
            # staging table is rebuilt and nothing of a failed attempt reaches the target.
            rows = self._retrying("read", attempt, source, reconnect=True, table=job.target, mode=mode)
            status, error = Status.OK, None
        except SyncCancelled:
            status, error = Status.CANCELLED, self.control.reason or "cancelled by the user"
        except Exception as exc:  # noqa: BLE001 - a bug must fail this table, not the whole run
            if self.control.cancelled:
                # The cancel broke a running call (a driver's interrupt): what it raised is
                # the cancel's doing, and the run ends as the user asked, rolled back.
                _logger.info("%s: cancelled; the interrupted call raised %s: %s",
                             job.target, type(exc).__name__, one_line(exc))
                status, error = Status.CANCELLED, self.control.reason or "cancelled by the user"
            elif isinstance(exc, TuiSyncError | duckdb.Error):
                status, error = Status.FAILED, one_line(exc)
            else:
                _logger.exception("internal error while syncing %s", job.target)
                status, error = (Status.FAILED,
                                 f"internal error: {type(exc).__name__}: {one_line(exc)}")
        for note in source.read_notes():  # a slower path the source took, counted
            self.log("info", note, job.target)
        duration = time.monotonic() - t0
        # This run's work over this run's time: a resumed run does not count the rows an
        # earlier run loaded (its `rows` still reports the table's total loaded).
        rate = ((rows - self._carried_rows) / duration if duration > 0 and status == Status.OK
                else 0.0)
        if status != Status.OK:
            self._rollback(con, job)
            run.status, run.finished_at, run.error = status.value, st.utcnow(), error
            run.rows, run.rows_per_s = 0, 0.0
            try:
                st.finish_run(con, run)
            except duckdb.Error:
                pass
            self._phase(job.target, Phase.CANCELLED if status == Status.CANCELLED else Phase.FAILED,
                        mode)
            self.log("error" if status == Status.FAILED else "warning",
                     f"{mode.value} sync {status.value}: {error}", job.target)
        else:
            self._phase(job.target, Phase.DONE, mode)
            self.log("info", f"{mode.value} sync ok: {rows:,} rows in {duration:.1f}s", job.target)
        result = TableResult(job.target, job.description.info.name, mode, status, rows if
                             status == Status.OK else 0, duration, rate, error, run.run_id)
        self.emit(TableFinished(result))
        return result

    def _retrying(self, what: str, func: Callable[[], Any], source: Source, *, reconnect: bool,
                  table: str | None = None, mode: Mode | None = None) -> Any:
        """Run `func`, retrying transient source errors with backoff (DESIGN §5)."""
        attempt = 0
        pending_reconnect = False
        while True:
            try:
                if pending_reconnect:
                    # Inside the try: a reconnect that fails is one more attempt, not the end.
                    pending_reconnect = False
                    source.reconnect()
                return func()
            except SourceError as exc:
                if not exc.transient or attempt >= self.config.sync.retries:
                    raise
                attempt += 1
                delay = self.config.sync.retry_backoff.total_seconds() * 2 ** (attempt - 1)
                if table:
                    self._phase(table, Phase.RETRYING, mode)
                self.log("warning", f"{what}: {exc} - retrying in {delay:g}s "
                         f"(retry {attempt} of {self.config.sync.retries})", table)
                self._wait(delay)
                if reconnect:
                    pending_reconnect = True

    def _record_unreachable(self, db_path: Any, tables: Sequence[str], mode: Mode,
                            exc: Exception) -> list[TableResult]:
        cancelled = isinstance(exc, SyncCancelled)
        status = Status.CANCELLED if cancelled else Status.FAILED
        error = (self.control.reason or "cancelled by the user") if cancelled else one_line(exc)
        results = []
        for name in tables:
            tc = self.config.table(name)
            run_id = st.record_unrun(db_path, tc.target_name(), tc.source_table, mode.value,
                                     status.value, error)
            result = TableResult(tc.target_name(), tc.source_table, mode, status, error=error,
                                 run_id=run_id,
                                 config_mistake=bool(getattr(exc, "config_mistake", False)))
            self._phase(result.table, Phase.FAILED if not cancelled else Phase.CANCELLED, mode)
            self.log("error", f"{mode.value} sync {status.value}: {error}", result.table)
            self.emit(TableFinished(result))
            results.append(result)
        return results

    def _wait(self, seconds: float) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
            return
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.control.cancelled:
                raise SyncCancelled("cancelled")
            time.sleep(min(0.1, deadline - time.monotonic()))

    def _rollback(self, con: duckdb.DuckDBPyConnection, job: TableJob) -> None:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass  # no transaction was open
        try:
            if st.get_resume(con, job.target) is not None:
                self.log("info", "the chunks committed so far are kept: the next auto or --resume "
                         "run continues from there", job.target)
                return
            tg.drop_table(con, tg.stage_name(job.target))
        except duckdb.Error:
            pass
        try:
            tg.drop_table(con, job.target + "__tui_sync_keys")
        except duckdb.Error:
            pass

    def _checkpoint(self, job: TableJob, mode: Mode) -> None:
        """Between batches: honour cancel, and block while paused."""
        if self.control.cancelled:
            raise SyncCancelled("cancelled")
        if self.control.paused:
            if self._meter is not None:
                self._meter.add(0, force=True)  # the paused screen shows the rows really done
            self._phase(job.target, Phase.PAUSED, mode)
            self.log("info", "paused", job.target)
            while not self.control.wait_while_paused(0.2):
                pass
            if self.control.cancelled:
                raise SyncCancelled("cancelled")
            self.log("info", "resumed", job.target)
            self._phase(job.target, Phase.READING, mode)

    def _load_stage(self, con: duckdb.DuckDBPyConnection, source: Source, job: TableJob,
                    spec: ReadSpec, mode: Mode, expected: int | None) -> int:
        """Read `spec` into a fresh staging table; returns the rows read."""
        stage = tg.stage_name(job.target)
        tg.recreate_table(con, stage, job.plan)
        self._phase(job.target, Phase.READING, mode)
        meter = _Meter(self.emit, job.target, expected, self)
        meter.add(0, force=True)
        tg.append_stream(con, stage, job.plan.arrow_schema(),
                         self._metered(source.read_batches(spec), job, mode, meter))
        meter.add(0, force=True)
        self._checkpoint(job, mode)
        return meter.rows

    def _metered(self, batches: Iterator[pa.RecordBatch], job: TableJob, mode: Mode,
                 meter: _Meter, on_batch: Callable[[pa.RecordBatch], pa.RecordBatch] | None = None,
                 ) -> Iterator[pa.RecordBatch]:
        """The source's batches with pause/cancel checks and progress between them.
        DuckDB pulls this from its own threads: everything here is thread-safe."""
        for batch in batches:
            self._checkpoint(job, mode)
            self._batches += 1  # counted over the table's whole run, chunks included
            _fault(f"batch:{self._batches}")
            meter.add(batch.num_rows)
            if on_batch is not None:
                batch = on_batch(batch)
            yield batch

    def _expected(self, source: Source, job: TableJob, spec: ReadSpec, mode: Mode) -> int | None:
        est = job.description.info.estimated_rows
        if spec.window is None and not spec.where and est is not None:
            return min(est, spec.limit) if spec.limit is not None else est
        found = _cursor_index(source, job) if spec.window is not None else None
        if found is not None and not found.indexed:
            # Without an index on the cursor the window's COUNT is one more scan of the whole
            # table (after MAX(cursor), before the read): progress shows rows without a total.
            self.log("info", f"{found.problem()}; rows are not counted first (tui-sync plan "
                     "shows the CREATE INDEX)", job.target)
            return None
        self._phase(job.target, Phase.COUNTING, mode)
        return source.count_rows(spec)

    def _full(self, con: duckdb.DuckDBPyConnection, source: Source, job: TableJob,
              run: st.RunRecord) -> int:
        spec = self._spec(job)
        expected = self._expected(source, job, spec, Mode.FULL)
        if self._chunked(job, expected, source):
            rows, watermark = self._load_chunked(con, source, job, run, expected)
        else:
            # The watermark is the source's MAX(cursor) taken BEFORE the first read (DESIGN
            # §5), never the MAX of what was read: a row committed while the full sync reads
            # (say into a key range already read) has a newer cursor value and is re-read by
            # the next incremental instead of being passed over for good.
            watermark = self._start_watermark(source, job)
            if job.config.parallel > 1 and (self._parallel_key(job) is not None
                                            or source.has_row_address(job.description)):
                # (a keyless view has no row address to hash: it reads in one statement below)
                rows = self._load_parallel(con, job, spec, expected, run)
            else:
                st.clear_resume(con, job.target)
                rows = self._load_stage(con, source, job, spec, Mode.FULL, expected)
                run.consistency = "one statement"  # one SELECT reads one point in time
        stage = tg.stage_name(job.target)
        if watermark is not None and job.cursor_target:
            # The same bound in the target's own terms (a padded CHAR lands trimmed, a time
            # with nanoseconds in a microsecond column): the newest loaded value at or below
            # it. Incremental windows and the keyless DELETE compare target values with it; a
            # value no target row holds made the DELETE miss the row the window re-read.
            watermark = _duck_max(con, tg.qi(stage), tg.qi(job.cursor_target), upto=watermark)
        self._phase(job.target, Phase.SWAPPING, Mode.FULL)
        con.execute("BEGIN TRANSACTION")
        tg.drop_table(con, job.target)
        con.execute(f"ALTER TABLE {tg.qi(stage)} RENAME TO {tg.qi(job.target)}")
        version = st.add_schema_version(con, job.target, job.plan.target_columns())
        wm_text, wm_type = st.encode_watermark(watermark)
        st.put_table_state(con, st.TableState(
            job.target, job.description.info.name, job.cursor, wm_text, wm_type, rows, version,
            Mode.FULL.value, st.utcnow(), ",".join(job.primary_key) or None))
        st.clear_resume(con, job.target)
        self._finish_ok(con, run, rows)
        _fault("swap")
        con.execute("COMMIT")
        return rows

    def _start_watermark(self, source: Source, job: TableJob) -> Any:
        """The source's MAX(cursor) now, as the source holds it. The swap turns it into the
        target's terms (the newest loaded value at or below it): a cast here would round
        1.006 up to a NUMBER(10,2) target's 1.01, above a value the target never got."""
        if not job.cursor:
            return None
        return source.max_cursor(job.description, job.cursor, job.config.where)

    # -- resumable full loads: keyset chunks on the primary key -----------------------------
    def _chunked(self, job: TableJob, expected: int | None, source: Source) -> bool:
        """Chunk (and so make resumable) full reads of large tables keyed by a real
        primary key (a configured key may hold NULLs, which keyset paging would skip),
        or of keyless tables by row address where the source can (Oracle ROWID)."""
        keyed = bool(job.primary_key) and job.primary_key == job.description.primary_key
        by_address = source.rowid_paging and source.has_row_address(job.description)
        if not keyed and not (not job.primary_key and by_address):
            return False
        if any(c.source.data_type in ("LONG", "LONG RAW") for c in job.plan.included):
            return False  # Oracle refuses LONG columns inside the inline view paging needs
        if job.config.parallel > 1:
            return False
        if not (expected is None or expected > self.config.sync.chunk_rows):
            return False
        if keyed and self._null_keys(source, job):
            self.log("warning", "a primary key column holds NULL, which keyset paging cannot reach: "
                     "loading in one piece (not resumable)", job.target)
            return False
        return True

    def _null_keys(self, source: Source, job: TableJob) -> bool:
        """Whether a key column the dictionary lets hold NULL does (SQLite allows NULL in a
        PRIMARY KEY not declared NOT NULL; an Oracle primary key never holds one)."""
        nullable = [k for k in job.primary_key if job.description.column(k).nullable]
        if not nullable:
            return False
        # dictionary names, double-quoted: the identifier syntax of both SQLite and Oracle
        cond = " OR ".join('"' + k.replace('"', '""') + '" IS NULL' for k in nullable)
        where = f"({job.config.where}) AND ({cond})" if job.config.where.strip() else cond
        spec = ReadSpec(table=job.description, plan=job.plan, where=where, limit=1)
        return source.count_rows(spec) > 0

    def _load_chunked(self, con: duckdb.DuckDBPyConnection, source: Source, job: TableJob,
                      run: st.RunRecord, expected: int | None) -> tuple[int, Any]:
        """Keyset chunks, each committed with a resume point; returns (rows, watermark)."""
        stage = tg.stage_name(job.target)
        point = st.get_resume(con, job.target)
        usable = (point is not None and point.columns == job.plan.target_columns()
                  and tg.table_exists(con, stage)
                  # a point from an older version lacks its start's watermark: start over
                  and point.start is not None and point.start.cursor_column == job.cursor
                  and (self._resume or run.run_id == point.run_id or self._auto_requested))
        if usable:
            assert point is not None and point.start is not None
            after, rows, chunks, start = point.last_key, point.rows, point.chunks, point.start
            if point.run_id != run.run_id:
                self._carried_rows = rows  # read by an earlier run: not this run's work
            self.log("info", f"resuming the full sync after {rows:,} rows in {chunks} committed "
                     "chunk(s); the watermark stays the one its start took", job.target)
        else:
            if point is not None:
                self.log("info", "starting the full sync over (the interrupted one does not match "
                         "this run; use --resume or auto mode to continue one)", job.target)
            st.clear_resume(con, job.target)
            tg.recreate_table(con, stage, job.plan)
            after, rows, chunks = [], 0, 0
            # MAX(cursor) before the SCN: every row at or below it is committed by then.
            wm_text, wm_type = st.encode_watermark(self._start_watermark(source, job))
            start = st.FullStart(job.cursor, wm_text, wm_type, None, "")
        watermark = st.decode_watermark(start.watermark, start.watermark_type)
        snapshot, consistency = self._pin(source, job, start, resumed=usable)
        start = replace(start, snapshot=snapshot, consistency=consistency)
        try:
            rows = self._read_chunks(con, source, job, run, expected, start, after, rows, chunks)
        finally:
            source.unpin_reads()
        run.consistency = self._consistency
        return rows, watermark

    def _pin(self, source: Source, job: TableJob, start: st.FullStart,
             resumed: bool) -> tuple[Any, str]:
        """Pin the chunks to one point in time where the source can (Oracle: one SCN for
        every chunk, the same again on resume); say so where it cannot."""
        if resumed and start.snapshot is None and start.consistency.startswith("not pinned"):
            snapshot, consistency = None, start.consistency  # it was not pinned: it stays so
        else:
            snapshot, consistency = source.pin_reads(start.snapshot if resumed else None)
            if resumed and start.snapshot is None:
                # Nothing carries the start's point in time over the interruption (SQLite's
                # read transaction ended with its process): not one point in time as a whole.
                consistency = ("not pinned: the chunks before the interruption were read apart "
                               f"from the rest ({consistency} since the resume)")
        self._consistency = consistency
        level = "warning" if consistency.startswith("not pinned") else "info"
        self.log(level, f"chunked full sync reads: {consistency}", job.target)
        return snapshot, consistency

    def _read_chunks(self, con: duckdb.DuckDBPyConnection, source: Source, job: TableJob,
                     run: st.RunRecord, expected: int | None, start: st.FullStart,
                     after: list[Any], rows: int, chunks: int) -> int:
        stage = tg.stage_name(job.target)
        chunk_rows = self.config.sync.chunk_rows
        self._phase(job.target, Phase.READING, Mode.FULL)
        meter = _Meter(self.emit, job.target, expected, self)
        meter.base = rows
        meter.add(rows, force=True)
        # Keyless tables page by row address: the source adds it as an extra last column.
        # Keyed tables page by the raw key, which the source adds as extra last columns
        # too (ReadSpec.carry_keys): the plan's converted value may not bind back exactly.
        by_rowid = not job.primary_key
        order = (ROWID_KEY,) if by_rowid else job.primary_key
        pinned_ok = False  # a pinned chunk has been read in this attempt
        while True:
            spec = ReadSpec(table=job.description, plan=job.plan, where=job.config.where,
                            order_by=order, limit=chunk_rows, batch_rows=job.batch_rows,
                            after=tuple(zip(order, after, strict=True)) if after else (),
                            snapshot=start.snapshot, carry_keys=not by_rowid)
            extra = [ROWID_FIELD] if by_rowid else key_fields(spec)
            seen = {"rows": 0, "last": after}

            def note(batch: pa.RecordBatch, seen: dict[str, Any] = seen,
                     extra: list[str] = extra) -> pa.RecordBatch:
                seen["rows"] += batch.num_rows
                if batch.num_rows:
                    seen["last"] = [arrow_value(batch.column(k)[batch.num_rows - 1]) for k in extra]
                return batch.drop_columns(extra)

            counted = meter.rows
            con.execute("BEGIN TRANSACTION")
            try:
                tg.append_stream(con, stage, job.plan.arrow_schema(),
                                 self._metered(source.read_batches(spec), job, Mode.FULL, meter, note))
                n, last = seen["rows"], seen["last"]
                if n and last == after:
                    # a source that ignores the keyset bound would loop here forever
                    raise SourceError(f"{job.name}: the source returned the same chunk twice "
                                      f"(keyset paging after {after} did not advance)")
                if n:
                    rows, chunks, after = rows + n, chunks + 1, last
                    st.put_resume(con, st.ResumePoint(job.target, run.run_id, job.description.info.name,
                                                      job.plan.target_columns(), after, rows, chunks,
                                                      start), run.started_at)
                con.execute("COMMIT")
            except SourceError as exc:
                con.execute("ROLLBACK")  # this chunk only; the committed ones stay for a resume
                # Known refusals at any chunk; any other server error on the first pinned
                # read too (a flashback query can be refused in more ways than we can list:
                # if the plain read then fails as well, that error is the one reported).
                refused = exc.code in FLASHBACK_REFUSED or (
                    not pinned_ok and bool(exc.code) and not exc.transient)
                if start.snapshot is None or not refused:
                    raise
                # The source refused the pinned read (no FLASHBACK privilege, the undo for
                # that SCN is gone...): read on unpinned, and say so in the log and the run.
                meter.rows = counted
                start = replace(start, snapshot=None, consistency=f"not pinned: {one_line(exc)}")
                self._consistency = start.consistency
                self.log("warning", f"the source refused to read as of SCN: {one_line(exc)}; the "
                         "remaining chunks are read unpinned (rows changed meanwhile are picked "
                         "up by the next incremental through the watermark)", job.target)
                continue
            except BaseException:
                con.execute("ROLLBACK")  # this chunk only; the committed ones stay for a resume
                raise
            pinned_ok = True
            _fault(f"chunk:{chunks}")
            if n < chunk_rows:
                break
        meter.add(0, force=True)
        self._checkpoint(job, Mode.FULL)
        return rows

    # -- parallel full loads: N key ranges, N connections, one DuckDB writer -----------------
    def _parallel_key(self, job: TableJob) -> str | None:
        if len(job.primary_key) != 1:
            return None
        cp = job.plan.column(job.primary_key[0])
        if cp.arrow_type is None or not (pa_types.is_integer(cp.arrow_type)
                                         or pa_types.is_decimal(cp.arrow_type)):
            return None
        return cp.name

    def _load_parallel(self, con: duckdb.DuckDBPyConnection, job: TableJob, spec: ReadSpec,
                       expected: int | None, run: st.RunRecord) -> int:
        """N partitions read on N connections, one DuckDB writer. Partitions are key
        ranges on a numeric primary key, else hash buckets of the row address."""
        n = job.config.parallel
        key = self._parallel_key(job)
        stage = tg.stage_name(job.target)
        st.clear_resume(con, job.target)
        tg.recreate_table(con, stage, job.plan)
        probe = self.source_factory()
        with probe:
            snapshot = probe.snapshot() if job.config.consistent else None
            bounds_lo_hi = probe.key_bounds(job.description, key, job.config.where) if key else None
        if snapshot is not None:
            self.log("info", f"parallel read pinned to source snapshot {snapshot}", job.target)
            spec = replace(spec, snapshot=snapshot)
            run.consistency = f"scn {snapshot}"
        else:
            run.consistency = "not pinned: parallel partitions read apart (consistent = false)"
        if key is not None and bounds_lo_hi is not None and bounds_lo_hi[0] is None:
            key = None  # no key value at all (empty, or every key NULL): hash buckets
        if key is not None:
            assert bounds_lo_hi is not None
            lo, hi = int(bounds_lo_hi[0]), int(bounds_lo_hi[1])
            step = max((hi - lo + 1) // n, 1)
            bounds = [lo + i * step for i in range(1, n) if lo + i * step <= hi]
            edges: list[Any] = [None, *bounds, None]  # open ends: every key lands in one range
            # A configured key may be nullable: the first range takes the NULL keys.
            parts = [replace(spec, key_range=KeyRange(key, edges[i], edges[i + 1], nulls=i == 0))
                     for i in range(len(edges) - 1)]
            what = f"key ranges of {key}"
        else:
            parts = [replace(spec, bucket=(i, n)) for i in range(n)]
            what = "row-address hash buckets"
        self.log("info", f"parallel read: {len(parts)} {what} on {len(parts)} connections", job.target)
        self._phase(job.target, Phase.READING, Mode.FULL)
        meter = _Meter(self.emit, job.target, expected, self)
        meter.add(0, force=True)
        q: queue.Queue[Any] = queue.Queue(maxsize=2 * len(parts))
        stop = threading.Event()
        done = object()

        def put(item: Any) -> None:
            while not stop.is_set():
                try:
                    q.put(item, timeout=0.1)
                    return
                except queue.Full:
                    continue

        def reader(part: ReadSpec) -> None:
            src = self.source_factory()
            self.control.add_cancel_hook(src.cancel)
            try:
                src.connect()
                for batch in src.read_batches(part):
                    if stop.is_set():
                        break
                    put(batch)
                for note in src.read_notes():
                    self.log("info", note, job.target)
                put(done)
            except BaseException as exc:  # noqa: BLE001 - handed to the writer thread
                put(exc)
            finally:
                self.control.remove_cancel_hook(src.cancel)
                try:
                    src.close()
                except Exception:  # noqa: BLE001
                    pass

        threads = [threading.Thread(target=reader, args=(part,), daemon=True,
                                    name=f"tui-sync-read-{i}") for i, part in enumerate(parts)]
        for t in threads:
            t.start()
        def from_readers() -> Iterator[pa.RecordBatch]:
            finished = 0
            while finished < len(threads):
                item = q.get()
                if item is done:
                    finished += 1
                    continue
                if isinstance(item, BaseException):
                    raise item
                yield item

        try:
            tg.append_stream(con, stage, job.plan.arrow_schema(),
                             self._metered(from_readers(), job, Mode.FULL, meter))
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)
        meter.add(0, force=True)
        self._checkpoint(job, Mode.FULL)
        return meter.rows

    def _test(self, con: duckdb.DuckDBPyConnection, source: Source, job: TableJob,
              run: st.RunRecord, limit: int) -> int:
        spec = self._spec(job, limit=limit)
        rows = self._load_stage(con, source, job, spec, Mode.TEST,
                                self._expected(source, job, spec, Mode.TEST))
        test_table = job.target + TEST_SUFFIX
        self._phase(job.target, Phase.SWAPPING, Mode.TEST)
        con.execute("BEGIN TRANSACTION")
        tg.drop_table(con, test_table)
        con.execute(f"ALTER TABLE {tg.qi(tg.stage_name(job.target))} RENAME TO {tg.qi(test_table)}")
        self._finish_ok(con, run, rows)
        con.execute("COMMIT")
        self.log("info", f"test rows are in {test_table}; {job.target} and its state are untouched",
                 job.target)
        return rows

    def _incremental(self, con: duckdb.DuckDBPyConnection, source: Source, job: TableJob,
                     run: st.RunRecord) -> int:
        if not job.cursor or not job.cursor_target:
            raise ConfigError(f"{job.name}: incremental sync needs a cursor column "
                              f"(cursor = ... in [table {job.config.source_table}])")
        state = st.get_table_state(con, job.target)
        if state is None or state.watermark is None or not tg.table_exists(con, job.target):
            raise TuiSyncError(f"{job.name}: incremental sync needs a previous full sync "
                               "(run --mode full or auto)")
        if state.cursor_column != job.cursor:
            raise TuiSyncError(f"{job.name}: the cursor changed from {state.cursor_column} to "
                               f"{job.cursor}; run a full sync")
        drift = self._schema_drift(con, job)
        if drift:
            raise SchemaDriftError(f"{job.name}: columns {drift}; run a full sync")
        existing = tg.table_columns(con, job.target)
        added = [c for c in job.plan.included if c.target_name not in existing]

        self._phase(job.target, Phase.PLANNING, Mode.INCREMENTAL)
        watermark = st.decode_watermark(state.watermark, state.watermark_type)
        lo = apply_lookback(watermark, job.config.lookback, job.cursor,
                            f"{self.config.path}:[table {job.config.source_table}]:lookback: ")
        hi = source.max_cursor(job.description, job.cursor, job.config.where)
        self.log("info", f"window {job.cursor} >= {lo} and <= {hi}", job.target)
        spec = self._spec(job, window=Window(job.cursor, lo, hi))
        if hi is None:
            rows = 0
            tg.recreate_table(con, tg.stage_name(job.target), job.plan)
        else:
            rows = self._load_stage(con, source, job, spec, Mode.INCREMENTAL,
                                    self._expected(source, job, spec, Mode.INCREMENTAL))
        stage = tg.stage_name(job.target)
        reconcile = self._reconcile if self._reconcile is not None else job.config.reconcile
        keys = self._load_source_keys(con, source, job, lo) if reconcile else None
        self._phase(job.target, Phase.MERGING, Mode.INCREMENTAL)
        cols = ", ".join(tg.qi(c.target_name) for c in job.plan.included)
        con.execute("BEGIN TRANSACTION")
        for c in added:
            con.execute(f"ALTER TABLE {tg.qi(job.target)} ADD COLUMN {tg.qi(c.target_name)} "
                        f"{c.duckdb_type}")
            self.log("warning", f"new source column {c.name} added; rows outside this window "
                     "hold NULL there until a full sync", job.target)
        t, s = tg.qi(job.target), tg.qi(stage)
        if job.key_targets:
            match = " AND ".join(f"{t}.{tg.qi(k)} = {s}.{tg.qi(k)}" for k in job.key_targets)
            con.execute(f"DELETE FROM {t} USING {s} WHERE {match}")
        elif lo is not None:
            con.execute(f"DELETE FROM {t} WHERE {tg.qi(job.cursor_target)} >= {_duck_bound(lo)}",
                        [_duck_param(lo)])
        con.execute(f"INSERT INTO {t} ({cols}) SELECT {cols} FROM {s}")
        if keys is not None:
            self._reconcile_deletes(con, job, keys, lo)
        # at or below the window's top in the target's terms: a value the target rounded up
        # past the source's (1.006 landing as 1.01) would start the next window above it
        new_wm = _duck_max(con, s, tg.qi(job.cursor_target), upto=hi)
        if new_wm is None or (watermark is not None and new_wm < watermark):
            new_wm = watermark
        version = st.add_schema_version(con, job.target, job.plan.target_columns())
        wm_text, wm_type = st.encode_watermark(new_wm)
        st.put_table_state(con, st.TableState(
            job.target, job.description.info.name, job.cursor, wm_text, wm_type,
            tg.row_count(con, job.target), version, Mode.INCREMENTAL.value, st.utcnow(),
            ",".join(job.primary_key) or None))
        tg.drop_table(con, stage)
        self._finish_ok(con, run, rows)
        _fault("merge")
        con.execute("COMMIT")
        return rows

    # -- delete reconciliation (no CDC): drop target keys the source no longer has -------------
    def _load_source_keys(self, con: duckdb.DuckDBPyConnection, source: Source, job: TableJob,
                          lo: Any) -> str:
        if not job.key_targets:
            raise ConfigError(f"{job.name}: reconcile needs a primary key (primary_key = ...)")
        key_plan = build_plan([job.description.column(k) for k in job.primary_key],
                              plan_options(self.config, job.config))
        window = Window(job.cursor, lo, None) if job.config.reconcile_window and job.cursor else None
        spec = ReadSpec(table=job.description, plan=key_plan, where=job.config.where, window=window,
                        batch_rows=max(job.batch_rows, 100_000))
        keys = job.target + "__tui_sync_keys"
        tg.recreate_table(con, keys, key_plan)
        self.log("info", "reading the source's keys to reconcile deletes"
                 + (" inside the window" if window else ""), job.target)
        for batch in source.read_batches(spec):
            self._checkpoint(job, Mode.INCREMENTAL)
            tg.append(con, keys, batch)
        return keys

    def _reconcile_deletes(self, con: duckdb.DuckDBPyConnection, job: TableJob, keys: str,
                           lo: Any) -> None:
        """Inside the merge transaction: delete target rows whose key the source lost, unless
        that is more than `reconcile_max_delete` of the rows in scope (a partial read looks
        like a mass delete): then the whole run rolls back."""
        t, k = tg.qi(job.target), tg.qi(keys)
        match = " AND ".join(f"{t}.{tg.qi(c)} = {k}.{tg.qi(c)}" for c in job.key_targets)
        scope, params = "TRUE", []
        if job.config.reconcile_window and job.cursor_target and lo is not None:
            scope, params = f"{t}.{tg.qi(job.cursor_target)} >= {_duck_bound(lo)}", [_duck_param(lo)]
        total = con.execute(f"SELECT COUNT(*) FROM {t} WHERE {scope}", params).fetchone()[0]
        gone = f"{scope} AND NOT EXISTS (SELECT 1 FROM {k} WHERE {match})"
        doomed = con.execute(f"SELECT COUNT(*) FROM {t} WHERE {gone}", params).fetchone()[0]
        limit = self.config.sync.reconcile_max_delete
        if doomed and doomed > limit * total:
            raise TuiSyncError(
                f"{job.name}: reconcile refused: it would delete {doomed:,} of {total:,} rows "
                f"({doomed / total:.0%}), more than reconcile_max_delete = {limit:.0%}; a partial "
                "source read looks like a mass delete. Check the source, then raise the limit")
        if doomed:
            con.execute(f"DELETE FROM {t} WHERE {gone}", params)
        self.log("info", f"reconcile: {doomed:,} row(s) deleted in the source removed", job.target)
        tg.drop_table(con, keys)

    def _finish_ok(self, con: duckdb.DuckDBPyConnection, run: st.RunRecord, rows: int) -> None:
        run.finished_at = st.utcnow()
        secs = (run.finished_at - run.started_at).total_seconds()
        # rows_per_s: this run's rows over this run's time (a resume carries earlier rows);
        # `rows` stays the rows the target got from this run's mode (a full: all of them).
        mine = rows - self._carried_rows
        run.status, run.rows, run.rows_per_s = Status.OK.value, rows, mine / secs if secs > 0 else 0.0
        st.finish_run(con, run)


def shown(name: str) -> str:
    """A name fit for a one-line message (control characters escaped)."""
    return name if name.isprintable() else repr(name)


def list_source_tables(config: Config) -> list[TableInfo]:
    source = open_source(config.source, base_dir=config.base_dir)
    with source:
        return source.list_tables()


__all__ = ["Engine", "PlanReport", "TableJob", "list_source_tables"]
