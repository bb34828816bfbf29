"""The three modes of a table's sync (DESIGN §5): a full load swapped in, a test load
into `<target>_test`, an incremental window merged (with delete reconciliation). Mixed
into the Engine (run.py); the SQL they run is in target/loads.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import duckdb

from .. import target as tg
from ..errors import ConfigError, SchemaDriftError, TuiSyncError
from ..events import Mode, Phase, Status
from ..i18n import _
from ..sources.base import ReadSpec, Source, Window
from ..target import loads, sync_columns, travel
from ..target import state as st
from ..target.spec import TargetSpec
from ..typeplan import build_plan
from . import hooks
from .backfill import covers, cut_to_cursor
from .jobs import TableJob, apply_lookback, cursor_index, plan_options, read_spec

if TYPE_CHECKING:
    from ..config import Config
    from ..events import SyncRequest
    from .meter import TableRunState

TEST_SUFFIX = "_test"


class Modes:
    """Full, test and incremental loads of one resolved table; the Engine supplies the rest."""

    config: Config
    spec: TargetSpec
    _request: SyncRequest
    _table: TableRunState
    _clock: Callable[[], float]
    _sync: sync_columns.SyncColumns | None  # this table run's sync columns (None: none)

    if TYPE_CHECKING:
        def log(self, level: str, message: str, table: str | None = None) -> None: ...
        def _phase(self, table: str, phase: Phase, mode: Mode | None = None) -> None: ...
        def _checkpoint(self, job: TableJob, mode: Mode) -> None: ...
        def _schema_drift(self, con: duckdb.DuckDBPyConnection, job: TableJob) -> str | None: ...
        def _parallel(self, job: TableJob) -> int: ...
        def _parallel_key(self, job: TableJob) -> str | None: ...
        def _chunked(self, job: TableJob, expected: int | None, source: Source) -> bool: ...
        _load_stage: Callable[..., int]
        _load_parallel: Callable[..., int]
        _load_chunked: Callable[..., tuple[int, Any]]

    def _expected(self, source: Source, job: TableJob, spec: ReadSpec, mode: Mode) -> int | None:
        est = job.description.info.estimated_rows
        if spec.window is None and not spec.where and est is not None:
            return min(est, spec.limit) if spec.limit is not None else est
        found = cursor_index(source, job) if spec.window is not None else None
        if found is not None and not found.indexed:
            # Without an index on the cursor the window's COUNT is one more scan of the whole
            # table (after MAX(cursor), before the read): progress shows rows without a total.
            self.log("info", _("{problem}; rows are not counted first (tui-sync plan shows the "
                               "CREATE INDEX)").format(problem=found.problem()), job.target)
            return None
        estimate = source.estimate_rows(spec) if spec.window is not None else None
        if estimate is not None:  # a bound cheaper than the exact COUNT, good for a progress bar
            return estimate
        self._phase(job.target, Phase.COUNTING, mode)
        return source.count_rows(spec)

    def _full(self, con: duckdb.DuckDBPyConnection, source: Source, job: TableJob,
              run: st.RunRecord) -> int:
        spec = read_spec(job)
        expected = self._expected(source, job, spec, Mode.FULL)
        if self._chunked(job, expected, source):
            rows, watermark = self._load_chunked(con, source, job, run, expected)
        else:
            # The watermark is the source's MAX(cursor) taken BEFORE the first read (DESIGN
            # §5), never the MAX of what was read: a row committed while the full sync reads
            # (say into a key range already read) has a newer cursor value and is re-read by
            # the next incremental instead of being passed over for good.
            watermark = self._start_watermark(source, job)
            if self._parallel(job) > 1 and (self._parallel_key(job) is not None
                                            or source.has_row_address(job.description)):
                # (a keyless view has no row address to hash: it reads in one statement below)
                rows = self._load_parallel(con, job, spec, expected, run)
            else:
                if self._parallel(job) > 1:  # say so: --parallel asked for what cannot be split
                    self.log("warning", _("parallel read not possible (no numeric key and no "
                                          "row address to split by): reading in one statement"),
                             job.target)
                st.clear_resume(con, job.target)
                rows = self._load_stage(con, source, job, spec, Mode.FULL, expected)
                run.consistency = "one statement"  # one SELECT reads one point in time
        stage = tg.stage_name(job.target)
        if watermark is not None and job.cursor_target:
            # The same bound in the target's own terms (a padded CHAR lands trimmed, a time
            # with nanoseconds in a microsecond column): the newest loaded value at or below
            # it. Incremental windows and the keyless DELETE compare target values with it; a
            # value no target row holds made the DELETE miss the row the window re-read.
            watermark = loads.max_value(con, stage, job.cursor_target, upto=watermark)
        self._phase(job.target, Phase.SWAPPING, Mode.FULL)
        loads.begin(con)
        loads.swap(con, stage, job.target)
        version = st.add_schema_version(con, job.target, job.plan.target_columns())
        wm_text, wm_type = st.encode_watermark(watermark)
        st.put_table_state(con, st.TableState(
            job.target, job.description.info.name, job.cursor, wm_text, wm_type, rows, version,
            Mode.FULL.value, st.utcnow(), ",".join(job.primary_key) or None))
        st.clear_resume(con, job.target)
        self._finish_ok(con, run, rows)
        hooks._fault("swap")
        loads.commit(con)
        return rows

    def _start_watermark(self, source: Source, job: TableJob) -> Any:
        """The source's MAX(cursor) now, as the source holds it. The swap turns it into the
        target's terms (the newest loaded value at or below it): a cast here would round
        1.006 up to a NUMBER(10,2) target's 1.01, above a value the target never got."""
        if not job.cursor:
            return None
        return source.max_cursor(job.description, job.cursor, job.config.where)

    def _test(self, con: duckdb.DuckDBPyConnection, source: Source, job: TableJob,
              run: st.RunRecord, limit: int) -> int:
        spec = read_spec(job, limit=limit)
        rows = self._load_stage(con, source, job, spec, Mode.TEST,
                                self._expected(source, job, spec, Mode.TEST))
        test_table = tg.sibling(job.target, TEST_SUFFIX)  # in the target's schema
        self._phase(job.target, Phase.SWAPPING, Mode.TEST)
        loads.begin(con)
        loads.swap(con, tg.stage_name(job.target), test_table)
        self._finish_ok(con, run, rows)
        loads.commit(con)
        self.log("info", _("test rows are in {test_table}; {target} and its state are "
                           "untouched").format(test_table=test_table, target=job.target),
                 job.target)
        return rows

    def _incremental(self, con: duckdb.DuckDBPyConnection, source: Source, job: TableJob,
                     run: st.RunRecord) -> int:
        if job.backfill is not None:  # history tells a backfill apart, a failed one too
            run.note = job.backfill.note()
        if not job.cursor or not job.cursor_target:
            raise ConfigError(_("{table}: incremental sync needs a cursor column "
                                "(cursor = ... in [table {source_table}])").format(
                table=job.name, source_table=job.config.source_table))
        state = st.get_table_state(con, job.target)
        if state is None or state.watermark is None or not tg.table_exists(con, job.target):
            raise TuiSyncError(_("{table}: incremental sync needs a previous full sync "
                                 "(run --mode full or auto)").format(table=job.name))
        if state.cursor_column != job.cursor:
            raise TuiSyncError(_("{table}: the cursor changed from {old} to {new}; "
                                 "run a full sync").format(
                table=job.name, old=state.cursor_column, new=job.cursor))
        drift = self._schema_drift(con, job)
        if drift:
            raise SchemaDriftError(_("{table}: columns {drift}; run a full sync").format(
                table=job.name, drift=drift))
        existing = tg.table_columns(con, job.target)
        added = [c for c in job.plan.included if c.target_name not in existing]

        self._phase(job.target, Phase.PLANNING, Mode.INCREMENTAL)
        watermark = st.decode_watermark(state.watermark, state.watermark_type)
        backfill = job.backfill
        # the window an incremental run reads; a backfill's replaces it (no lookback below an
        # explicit --since) but moves the watermark only when it covers this one's start
        # at the cursor's precision, as the source binds it: the target's delete must use the
        # same bound (a hand-set watermark or a fractional lookback can be finer)
        lo = normal_lo = cut_to_cursor(apply_lookback(
            watermark, job.config.lookback, job.cursor,
            f"{self.config.path}:[table {job.config.source_table}]:lookback: "),
            job.description.column(job.cursor))
        if backfill is not None:
            lo = backfill.lo
            hi = (backfill.hi if backfill.hi is not None
                  else source.max_cursor(job.description, job.cursor, job.config.where))
        else:
            hi = source.max_cursor(job.description, job.cursor, job.config.where)
        self.log("info", (_("backfill window {cursor} >= {lo} and <= {hi}") if backfill
                          else _("window {cursor} >= {lo} and <= {hi}")).format(
            cursor=job.cursor, lo=lo, hi=hi), job.target)
        spec = read_spec(job, window=Window(job.cursor, lo, hi))
        if hi is None:
            rows = 0
            tg.recreate_table(con, tg.stage_name(job.target), job.plan, sync_columns.extra(self._sync))
        else:
            rows = self._load_stage(con, source, job, spec, Mode.INCREMENTAL,
                                    self._expected(source, job, spec, Mode.INCREMENTAL))
        stage = tg.stage_name(job.target)
        reconcile = (self._request.reconcile if self._request.reconcile is not None
                     else job.config.reconcile)
        keys = self._load_source_keys(con, source, job, lo) if reconcile else None
        self._phase(job.target, Phase.MERGING, Mode.INCREMENTAL)
        loads.begin(con)
        if self._sync is not None:  # sync_columns turned on for an existing target
            for name, duckdb_type in sync_columns.missing(existing):
                loads.add_column(con, job.target, name, duckdb_type)
                self.log("info", _("sync column {name} added; rows synced before hold NULL "
                                   "there").format(name=name), job.target)
        for c in added:
            loads.add_column(con, job.target, c.target_name, c.duckdb_type)
            self.log("warning", _("column {name} added (new in the source, or newly selected); "
                                  "rows outside this window hold NULL there until a full "
                                  "sync").format(name=c.name), job.target)
        merged = [c.target_name for c in job.plan.included]
        if self._sync is not None:  # the stage's values (this run's, or NULL when off)
            merged += self._sync.names
        # A keyless backfill with --until replaces only [since, until]: rows above it were not
        # read again, and deleting them would lose them.
        replaced = loads.merge(con, job.target, stage, merged, job.key_targets, job.cursor_target,
                               lo, hi=backfill.hi if backfill is not None else None)
        # A keyless window may also drop rows the source deleted: never more than were read.
        self._table.reread = run.rows_reread = min(replaced, rows)
        if keys is not None:
            self._reconcile_deletes(con, job, keys, lo)
        # at or below the window's top in the target's terms: a value the target rounded up
        # past the source's (1.006 landing as 1.01) would start the next window above it
        new_wm = loads.max_value(con, stage, job.cursor_target, upto=hi)
        if new_wm is None or (watermark is not None and new_wm < watermark):
            new_wm = watermark  # never backwards (a backfill of an old window)
        elif backfill is not None and not covers(backfill, normal_lo):
            # a window starting above `watermark - lookback` left [that, since) unread (rows
            # committed late, a keyless row's old copy an update moved up): moving the
            # watermark would make the next incremental skip them; it stays
            self.log("info", _("backfill: the watermark stays at {watermark} (the window starts "
                               "above {start}, where an incremental run starts)").format(
                watermark=watermark, start=normal_lo), job.target)
            new_wm = watermark
        version = st.add_schema_version(con, job.target, job.plan.target_columns())
        wm_text, wm_type = st.encode_watermark(new_wm)
        st.put_table_state(con, st.TableState(
            job.target, job.description.info.name, job.cursor, wm_text, wm_type,
            tg.row_count(con, job.target), version, Mode.INCREMENTAL.value, st.utcnow(),
            ",".join(job.primary_key) or None))
        tg.drop_table(con, stage)
        self._finish_ok(con, run, rows)
        hooks._fault("merge")
        loads.commit(con)
        return rows

    # -- delete reconciliation (no CDC): drop target keys the source no longer has -------------
    def _load_source_keys(self, con: duckdb.DuckDBPyConnection, source: Source, job: TableJob,
                          lo: Any) -> str:
        if not job.key_targets:
            raise ConfigError(_("{table}: reconcile needs a primary key (primary_key = ...)").format(
                table=job.name))
        key_plan = build_plan([job.description.column(k) for k in job.primary_key],
                              plan_options(self.config, job.config))
        window = Window(job.cursor, lo, None) if job.config.reconcile_window and job.cursor else None
        spec = ReadSpec(table=job.description, plan=key_plan, where=job.config.where, window=window,
                        batch_rows=max(job.batch_rows, 100_000))
        keys = loads.keys_name(job.target)
        tg.recreate_table(con, keys, key_plan)
        self.log("info", _("reading the source's keys to reconcile deletes inside the window")
                 if window else _("reading the source's keys to reconcile deletes"), job.target)
        for batch in source.read_batches(spec):
            self._checkpoint(job, Mode.INCREMENTAL)
            tg.append(con, keys, batch)
        return keys

    def _reconcile_deletes(self, con: duckdb.DuckDBPyConnection, job: TableJob, keys: str,
                           lo: Any) -> None:
        """Inside the merge transaction: delete target rows whose key the source lost, unless
        that is more than `reconcile_max_delete` of the rows in scope (a partial read looks
        like a mass delete): then the whole run rolls back."""
        windowed = job.config.reconcile_window and job.cursor_target
        doomed = loads.reconcile(con, job.target, keys, job.key_targets,
                                 cursor_column=job.cursor_target if windowed else None, lo=lo,
                                 max_delete=self.config.sync.reconcile_max_delete, name=job.name)
        self.log("info", _("reconcile: {rows} row(s) deleted in the source removed").format(
            rows=f"{doomed:,}"), job.target)
        tg.drop_table(con, keys)

    def _finish_ok(self, con: duckdb.DuckDBPyConnection, run: st.RunRecord, rows: int) -> None:
        run.finished_at = st.utcnow()
        secs = self._table.active_s(self._clock())  # without pauses: the rate History shows
        # rows_per_s: this run's rows over this run's time (a resume carries earlier rows);
        # `rows` stays the rows the target got from this run's mode (a full: all of them).
        mine = rows - self._table.carried_rows
        run.status, run.rows, run.rows_per_s = Status.OK.value, rows, mine / secs if secs > 0 else 0.0
        st.finish_run(con, run)
        if self.spec.is_lake:
            travel.tag_run_commit(con, run)

