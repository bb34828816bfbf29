"""The sync engine (DESIGN §5): test, full, incremental and auto runs.

Plain Python: it reads Arrow batches from a Source, writes them into DuckDB,
keeps the state in the same file, emits typed events through a callback and
obeys a Control between batches. It never imports Textual. This module runs a
request: the lock, the mode choice per table, retries and checkpoints; how a mode
loads is in modes.py, how a full load reads in readers.py, the SQL in target/loads.py.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import duckdb

from .. import target as tg
from ..config import Config
from ..errors import (
    ConfigError,
    SourceError,
    SyncCancelled,
    TuiSyncError,
    english_line,
    one_line,
)
from ..events import (
    Backfill,
    Control,
    Event,
    EventCallback,
    LogLine,
    Mode,
    Phase,
    PhaseChanged,
    RunFinished,
    Status,
    SyncRequest,
    TableFinished,
    TableResult,
)
from ..i18n import _, english_of, line_of
from ..sources import open_source
from ..sources.base import Source, Window
from ..target import loads, sync_columns, travel
from ..target import state as st
from ..target.lock import SyncLock
from ..words import mode_word, status_word
from .backfill import bounds_for, check_request
from .jobs import PlanReport, TableJob, cursor_index, read_spec, resolve_job
from .meter import TableRunState
from .modes import Modes
from .readers import Readers

_logger = logging.getLogger("tui_sync.engine")
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
           "error": logging.ERROR}


class Engine(Modes, Readers):
    """Runs sync requests; one request at a time per instance (the per-run state is reset
    by each `run`)."""

    def __init__(self, config: Config, *, on_event: EventCallback | None = None,
                 control: Control | None = None,
                 source_factory: Callable[[], Source] | None = None, holder: str = "cli",
                 sleep: Callable[[float], None] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.config = config
        self.on_event = on_event
        self.control = control or Control()
        self.source_factory = source_factory or (
            lambda: open_source(config.source, base_dir=config.base_dir))
        self.holder = holder
        self._sleep = sleep
        self._clock = clock  # times rates and pauses (tests inject one to pause "for an hour")
        self._request = SyncRequest(())  # the run in progress (run() sets it)
        self._table = TableRunState()  # the table in progress (_run_table() sets it)
        self._sync: sync_columns.SyncColumns | None = None  # its sync columns (_run_table())
        self.spec = tg.target_spec(config)  # where the data goes (run() reads it again)

    # -- events ---------------------------------------------------------------------
    def emit(self, event: Event) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def log(self, level: str, message: str, table: str | None = None) -> None:
        # The rotating log file (set up by the CLI/TUI) gets every engine line too.
        # The log file is English (DESIGN §6); the event carries the user's language.
        _logger.log(_LEVELS.get(level, logging.INFO), "%s%s", f"{table}: " if table else "",
                    english_of(message))
        self.emit(LogLine(level, message, table))

    def _phase(self, table: str, phase: Phase, mode: Mode | None = None) -> None:
        self.emit(PhaseChanged(table, phase, mode))

    # -- public API -------------------------------------------------------------------
    def plan(self, name: str, *, backfill: Backfill | None = None) -> PlanReport:
        """The type plan and the exact SQL of each mode (with `backfill`, the window `sync
        --since` reads, with its bounds); writes nothing."""
        source = self.source_factory()
        with source:
            job = resolve_job(self.config, source, name)
            sql = {
                "full": source.build_select(read_spec(job)),
                "test": source.build_select(read_spec(job, limit=self.config.sync.test_rows)),
            }
            if job.cursor:
                if source.implements_max_cursor_sql:
                    text, binds, _kind = source.build_max_cursor(job.description, job.cursor,
                                                             job.config.where)
                    sql["max_cursor"] = (text, binds)
                sql["incremental"] = source.build_select(
                    read_spec(job, window=Window(job.cursor, "<watermark - lookback>", "<max cursor>")))
            if backfill is not None:  # ConfigError without cursor or for a bad value (exit 2)
                bounds = bounds_for(job, backfill)
                sql["backfill"] = source.build_select(read_spec(job, window=Window(
                    job.cursor, bounds.lo, "<max cursor>" if bounds.hi is None else bounds.hi)))
            found = cursor_index(source, job)
        extra = dict(sync_columns.COLUMNS) if self.config.sync.sync_columns else {}
        return PlanReport(job.description, job.config, job.plan, job.target, job.cursor,
                          job.primary_key, sql, found, extra)

    def run(self, tables: SyncRequest | Sequence[str], mode: Mode = Mode.AUTO, *,
            limit: int | None = None, resume: bool = False, reconcile: bool | None = None,
            parallel: int | None = None) -> RunFinished:
        """Sync the request's tables one after another under the file's lock.

        Takes a SyncRequest, or its fields as arguments (`run(tables, mode, limit=...)`).
        Raises LockHeldError, TargetBusyError, UnknownTableError or ConfigError
        before any data moves; per-table failures and cancels are results.
        """
        if isinstance(tables, SyncRequest):
            request = tables
        else:
            request = SyncRequest(tuple(tables), Mode(mode), limit, resume, reconcile, parallel)
        self._request = request
        tables, mode, limit = request.tables, request.mode, request.limit
        if not tables:
            raise ConfigError(_("no tables to sync: name tables or use --all"))
        claimed: dict[str, str] = {}  # two names on one target would replace each other's data
        for name in tables:
            target = self.config.table(name).target_name()
            other = claimed.setdefault(target.lower(), name)
            if other != name:
                raise ConfigError(_("{table} and {other} would both load the target table "
                                    "{target}; give them [table ...] sections with distinct "
                                    "targets").format(table=other, other=name, target=target))
        mode = check_request(request.backfill, Mode(mode))  # --since: incremental, or exit 2
        db_path = self.spec = tg.target_spec(self.config)
        results: list[TableResult] = []
        with SyncLock(db_path, self.holder, list(tables)):
            source = self.source_factory()
            self.control.add_cancel_hook(source.cancel)
            try:
                for name in tables:
                    self._phase(self.config.table(name).target_name(), Phase.CONNECTING, mode)
                try:
                    self._retrying(_("connecting"), source.connect, source, reconnect=False)
                    jobs = [resolve_job(self.config, source, name) for name in tables]
                    if request.backfill is not None:  # every table's bounds before any data moves
                        jobs = [replace(j, backfill=bounds_for(j, request.backfill)) for j in jobs]
                    for job in jobs:  # connected: each table waits for the ones before it
                        self.emit(PhaseChanged(job.target, Phase.QUEUED, mode,
                                               job.description.info.estimated_rows))
                except (SourceError, SyncCancelled) as exc:
                    # The source is unreachable: every table's run failed, and history says why.
                    results = self._record_unreachable(db_path, tables, mode, exc)
                    jobs = []
                if jobs:
                    # another process's brief read (the TUI's history) may still have the file
                    con = tg.connect(db_path, wait=tg.BRIEF_OPEN_WAIT_S)
                    try:
                        tg.tune_for_loading(con, self.config.target.memory_limit)
                        st.ensure_schema(con)
                        stale = st.close_stale_runs(con)
                        if stale:
                            self.log("warning", _("{n} earlier run(s) had been interrupted; "
                                                  "recorded as failed").format(n=stale))
                        st.flush_pending_runs(con, db_path)
                        for job in jobs:
                            results.append(self._run_table(con, source, job, mode, limit))
                        if any(r.status == Status.OK for r in results):
                            self._expire_snapshots(con)
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
    def _choose_mode(self, con: duckdb.DuckDBPyConnection, job: TableJob, mode: Mode) -> Mode:
        if mode != Mode.AUTO:
            return mode
        if st.get_resume(con, job.target) is not None:
            self.log("info", _("auto: an interrupted full sync can be resumed, running full"),
                     job.target)
            return Mode.FULL
        state = st.get_table_state(con, job.target)
        if state is None or not tg.table_exists(con, job.target):
            self.log("info", _("auto: no previous sync of this table, running full"), job.target)
            return Mode.FULL
        drift = self._schema_drift(con, job)
        if drift:
            self.log("warning", _("auto: {drift}; running full").format(drift=drift), job.target)
            return Mode.FULL
        if job.cursor and state.cursor_column == job.cursor and state.watermark is not None:
            return Mode.INCREMENTAL
        if job.cursor:
            self.log("info", _("auto: the cursor changed or has no watermark yet, running full"),
                     job.target)
        return Mode.FULL

    def _sync_columns(self, con: duckdb.DuckDBPyConnection, job: TableJob,
                      run: st.RunRecord) -> sync_columns.SyncColumns | None:
        """The sync columns this table run writes ([sync] sync_columns; target/sync_columns.py)."""
        sc = sync_columns.for_run(self.config.sync.sync_columns, run.run_id, run.started_at,
                                  tg.table_columns(con, job.target))
        if sc is not None:
            sync_columns.check_plan(job.plan.target_columns(), job.name)
        return sc

    def _schema_drift(self, con: duckdb.DuckDBPyConnection, job: TableJob) -> str | None:
        """Describe dropped or retyped columns (incompatible), or None."""
        latest = st.latest_schema(con, job.target)
        if latest is None:
            return None
        old, new = latest[1], job.plan.target_columns()
        dropped = [c for c in old if c not in new and c not in job.left_out]
        unselected = [c for c in old if c not in new and c in job.left_out]
        retyped = [f"{c} {old[c]} -> {new[c]}" for c in old if c in new and old[c] != new[c]]
        parts = []
        if dropped:
            parts.append("dropped in the source: " + ", ".join(dropped))
        if unselected:  # still in the source: the target's shape changes all the same
            parts.append("no longer selected (columns = / exclude =): " + ", ".join(unselected))
        if retyped:
            parts.append("retyped: " + ", ".join(retyped))
        return "; ".join(parts) or None

    def _run_table(self, con: duckdb.DuckDBPyConnection, source: Source, job: TableJob,
                   requested: Mode, limit: int | None) -> TableResult:
        started = st.utcnow()
        mode = requested
        run = st.RunRecord(st.new_run_id(), job.target, job.description.info.name,
                           requested.value, "running", started)
        rows = 0
        shown: str | None = None  # a refusal in the user's language; `error` is recorded (English)
        self._table = TableRunState(auto_requested=requested == Mode.AUTO, started=self._clock())
        self._sync = None
        try:
            mode = self._choose_mode(con, job, requested)
            run.mode = mode.value
            self._phase(job.target, Phase.PLANNING, mode)  # no longer queued
            st.start_run(con, run, self.holder)
            self._sync = self._sync_columns(con, job, run)
            for w in job.plan.warnings:
                self.log("warning", w, job.target)  # the log file gets its English

            def attempt() -> int:
                if mode == Mode.FULL:
                    return self._full(con, source, job, run)
                if mode == Mode.TEST:
                    return self._test(con, source, job, run, limit or self.config.sync.test_rows)
                return self._incremental(con, source, job, run)

            # A transient error restarts the table from its last committed point: the
            # staging table is rebuilt and nothing of a failed attempt reaches the target.
            rows = self._retrying(_("reading"), attempt, source, reconnect=True, table=job.target,
                                   mode=mode)
            status, error = Status.OK, None
            snapshot = travel.record_snapshot(con, run.run_id) if self.spec.is_lake else None
            if snapshot is not None:
                self.log("info", _("committed as lake snapshot {snapshot}").format(
                    snapshot=snapshot), job.target)
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
                status, error = Status.FAILED, english_line(exc)  # recorded: English (§6)
                shown = line_of(exc)  # the result the user reads: their language
            else:
                _logger.exception("internal error while syncing %s", job.target)
                status, error = (Status.FAILED,
                                 f"internal error: {type(exc).__name__}: {one_line(exc)}")
        for note in source.read_notes():  # a slower path the source took, counted
            self.log("info", note, job.target)
        duration = self._table.active_s(self._clock())  # paused time is not sync time
        # This run's work over this run's time: a resumed run does not count the rows an
        # earlier run loaded (its `rows` still reports the table's total loaded).
        rate = ((rows - self._table.carried_rows) / duration if duration > 0 and status == Status.OK
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
                     _("{mode} sync {status}: {error}").format(
                         mode=mode_word(mode), status=status_word(status),
                         error=shown or error), job.target)
        else:
            self._phase(job.target, Phase.DONE, mode)
            done = (_("{mode} sync ok: {rows} rows ({new} new, {reread} re-read in the lookback "
                      "window) in {secs}s") if mode == Mode.INCREMENTAL
                    else _("{mode} sync ok: {rows} rows in {secs}s"))
            self.log("info", done.format(mode=mode_word(mode), rows=f"{rows:,}",
                                         new=f"{rows - self._table.reread:,}",
                                         reread=f"{self._table.reread:,}", secs=f"{duration:.1f}"),
                     job.target)
        result = TableResult(job.target, job.description.info.name, mode, status, rows if
                             status == Status.OK else 0, duration, rate, shown or error, run.run_id,
                             reread=self._table.reread if status == Status.OK else 0,
                             paused_s=self._table.paused_s, note=run.note)
        self.emit(TableFinished(result))
        return result

    def _expire_snapshots(self, con: duckdb.DuckDBPyConnection) -> None:
        """A lake keeps `keep_snapshots` of history: older snapshots and their files go after
        a successful run. A failure here is logged; the data is committed already."""
        keep = self.spec.keep_snapshots
        if not self.spec.is_lake or keep is None:
            return
        try:
            snapshots, files = tg.expire_snapshots(con, keep)
        except (duckdb.Error, TuiSyncError) as exc:
            self.log("warning", _("expiring lake snapshots older than {keep} failed: {error}").format(
                keep=keep, error=line_of(exc)))
            return
        if snapshots or files:
            self.log("info", _("lake: {snapshots} snapshot(s) older than {keep} expired, {files} "
                               "file(s) deleted").format(snapshots=snapshots, keep=keep, files=files))

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
                self.log("warning", _("{what}: {error} - retrying in {delay}s (retry {attempt} "
                                      "of {retries})").format(
                    what=what, error=line_of(exc), delay=f"{delay:g}", attempt=attempt,
                    retries=self.config.sync.retries), table)
                self._wait(delay)
                if reconnect:
                    pending_reconnect = True

    def _record_unreachable(self, db_path: Any, tables: Sequence[str], mode: Mode,
                            exc: Exception) -> list[TableResult]:
        cancelled = isinstance(exc, SyncCancelled)
        status = Status.CANCELLED if cancelled else Status.FAILED
        error = (self.control.reason or "cancelled by the user") if cancelled else english_line(exc)
        results = []
        for name in tables:
            tc = self.config.table(name)
            run_id = st.record_unrun(db_path, tc.target_name(), tc.source_table, mode.value,
                                     status.value, error)
            result = TableResult(tc.target_name(), tc.source_table, mode, status, error=error,
                                 run_id=run_id,
                                 config_mistake=bool(getattr(exc, "config_mistake", False)))
            self._phase(result.table, Phase.FAILED if not cancelled else Phase.CANCELLED, mode)
            self.log("error", _("{mode} sync {status}: {error}").format(
                mode=mode_word(mode), status=status_word(status),
                error=error if cancelled else line_of(exc)), result.table)
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
            loads.rollback(con)
        except duckdb.Error:
            pass  # no transaction was open
        try:
            if st.get_resume(con, job.target) is not None:
                self.log("info", _("the chunks committed so far are kept: the next auto or "
                                   "--resume run continues from there"), job.target)
                return
            tg.drop_table(con, tg.stage_name(job.target))
        except duckdb.Error:
            pass
        try:
            tg.drop_table(con, loads.keys_name(job.target))
        except duckdb.Error:
            pass

    def _checkpoint(self, job: TableJob, mode: Mode) -> None:
        """Between batches: honour cancel, and block while paused."""
        if self.control.cancelled:
            raise SyncCancelled("cancelled")
        if self.control.paused:
            if self._table.meter is not None:
                self._table.meter.add(0, force=True)  # the paused screen shows the rows really done
            self._phase(job.target, Phase.PAUSED, mode)
            self.log("info", _("paused"), job.target)
            since = self._clock()
            while not self.control.wait_while_paused(0.2):
                pass
            paused = self._clock() - since  # neither rows/s, ETA nor the duration count it
            self._table.paused_s += paused
            if self._table.meter is not None:
                self._table.meter.paused_s += paused
            if self.control.cancelled:
                raise SyncCancelled("cancelled")
            self.log("info", _("resumed"), job.target)
            self._phase(job.target, Phase.READING, mode)

