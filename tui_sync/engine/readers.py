"""How a full load reads: in one statement, in keyset chunks each committed with a resume
point, or on N connections in parallel into one DuckDB writer. Mixed into the Engine
(run.py), whose events, checkpoints and per-table counters they use."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
import pyarrow.types as pa_types

from .. import target as tg
from ..errors import SourceError, english_line
from ..events import Mode, Phase
from ..i18n import _, line_of
from ..readahead import prefetched
from ..sources.base import ROWID_FIELD, ROWID_KEY, KeyRange, ReadSpec, Source, key_fields
from ..target import loads, sync_columns
from ..target import state as st
from ..timens import arrow_value
from . import hooks
from .jobs import TableJob
from .meter import Meter

if TYPE_CHECKING:
    from ..config import Config
    from ..events import Control, Event, SyncRequest
    from .meter import TableRunState

# Oracle errors that refuse a flashback (AS OF SCN) read: no FLASHBACK privilege (01031),
# no snapshot or no valid SCN (08180, 08181), the table changed since the SCN (01466), the
# undo for it is gone (01555, typically on a late resume). The read falls back to unpinned.
FLASHBACK_REFUSED = frozenset({"ORA-01031", "ORA-08180", "ORA-08181", "ORA-01466", "ORA-01555"})


class Readers:
    """The full load's read paths; the Engine supplies what is declared here."""

    config: Config
    control: Control
    source_factory: Callable[[], Source]
    _request: SyncRequest
    _table: TableRunState
    _clock: Callable[[], float]
    _sync: sync_columns.SyncColumns | None  # this table run's sync columns (None: none)

    if TYPE_CHECKING:
        def emit(self, event: Event) -> None: ...
        def log(self, level: str, message: str, table: str | None = None) -> None: ...
        def _phase(self, table: str, phase: Phase, mode: Mode | None = None) -> None: ...
        def _checkpoint(self, job: TableJob, mode: Mode) -> None: ...
        def _start_watermark(self, source: Source, job: TableJob) -> Any: ...

    def _new_meter(self, table: str, expected: int | None) -> Meter:
        """The table's reading meter; the engine keeps it so a pause can force a last event."""
        meter = self._table.meter = Meter(self.emit, table, expected, self._clock)
        # Timed from the table's start, pauses excluded: the live rate is the rate the
        # result and History report (rows over the table's active time), not a read-only one.
        meter.start, meter.paused_s = self._table.started, self._table.paused_s
        return meter

    def _parallel(self, job: TableJob) -> int:
        """The connections a full load of `job` reads on: the request's, else the table's."""
        wanted = self._request.parallel
        return wanted if wanted is not None else job.config.parallel

    def _load_stage(self, con: duckdb.DuckDBPyConnection, source: Source, job: TableJob,
                    spec: ReadSpec, mode: Mode, expected: int | None) -> int:
        """Read `spec` into a fresh staging table; returns the rows read."""
        stage = tg.stage_name(job.target)
        tg.recreate_table(con, stage, job.plan, sync_columns.extra(self._sync))
        self._phase(job.target, Phase.READING, mode)
        meter = self._new_meter(job.target, expected)
        meter.add(0, force=True)
        tg.append_stream(con, stage, job.plan.arrow_schema(),
                         self._metered(prefetched(source.read_batches(spec)), job, mode, meter),
                         fill=sync_columns.fill(self._sync))
        meter.add(0, force=True)
        self._checkpoint(job, mode)
        return meter.rows

    def _metered(self, batches: Iterator[pa.RecordBatch], job: TableJob, mode: Mode,
                 meter: Meter, on_batch: Callable[[pa.RecordBatch], pa.RecordBatch] | None = None,
                 ) -> Iterator[pa.RecordBatch]:
        """The source's batches with pause/cancel checks and progress between them.
        DuckDB pulls this from its own threads: everything here is thread-safe."""
        try:
            for batch in batches:
                self._checkpoint(job, mode)
                self._table.batches += 1  # counted over the table's whole run, chunks included
                hooks._fault(f"batch:{self._table.batches}")
                meter.add(batch.num_rows)
                if on_batch is not None:
                    batch = on_batch(batch)
                yield batch
        finally:
            # Stop the read-ahead now: a cancel's traceback keeps `batches` alive in a
            # reference cycle until gc runs, and the engine closes the source next (closing
            # the ADBC connection under a running read crashed the process).
            close = getattr(batches, "close", None)
            if close is not None:
                close()


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
        if self._parallel(job) > 1:
            return False
        if not (expected is None or expected > self.config.sync.chunk_rows):
            return False
        if keyed and self._null_keys(source, job):
            self.log("warning", _("a primary key column holds NULL, which keyset paging cannot "
                                  "reach: loading in one piece (not resumable)"), job.target)
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
                  # the stage has the sync columns exactly when this run writes them
                  and sync_columns.has_any(tg.table_columns(con, stage)) == (self._sync is not None)
                  # a point from an older version lacks its start's watermark: start over
                  and point.start is not None and point.start.cursor_column == job.cursor
                  and (self._request.resume or run.run_id == point.run_id or self._table.auto_requested))
        if usable:
            assert point is not None and point.start is not None
            after, rows, chunks, start = point.last_key, point.rows, point.chunks, point.start
            if point.run_id != run.run_id:
                self._table.carried_rows = rows  # read by an earlier run: not this run's work
            self.log("info", _("resuming the full sync after {rows} rows in {chunks} committed "
                               "chunk(s); the watermark stays the one its start took").format(
                rows=f"{rows:,}", chunks=chunks), job.target)
        else:
            if point is not None:
                self.log("info", _("starting the full sync over (the interrupted one does not "
                                   "match this run; use --resume or auto mode to continue one)"),
                         job.target)
            st.clear_resume(con, job.target)
            tg.recreate_table(con, stage, job.plan, sync_columns.extra(self._sync))
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
        run.consistency = self._table.consistency
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
        self._table.consistency = consistency
        level = "warning" if consistency.startswith("not pinned") else "info"
        self.log(level, _("chunked full sync reads: {consistency}").format(
            consistency=consistency), job.target)
        return snapshot, consistency

    def _read_chunks(self, con: duckdb.DuckDBPyConnection, source: Source, job: TableJob,
                     run: st.RunRecord, expected: int | None, start: st.FullStart,
                     after: list[Any], rows: int, chunks: int) -> int:
        stage = tg.stage_name(job.target)
        chunk_rows = self.config.sync.chunk_rows
        self._phase(job.target, Phase.READING, Mode.FULL)
        meter = self._new_meter(job.target, expected)
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
            loads.begin(con)
            try:
                tg.append_stream(con, stage, job.plan.arrow_schema(),
                                 self._metered(prefetched(source.read_batches(spec)), job, Mode.FULL, meter, note),
                                 fill=sync_columns.fill(self._sync))
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
                loads.commit(con)
            except SourceError as exc:
                loads.rollback(con)  # this chunk only; the committed ones stay for a resume
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
                start = replace(start, snapshot=None, consistency=f"not pinned: {english_line(exc)}")
                self._table.consistency = start.consistency
                self.log("warning", _("the source refused to read as of SCN: {error}; the "
                                      "remaining chunks are read unpinned (rows changed meanwhile "
                                      "are picked up by the next incremental through the "
                                      "watermark)").format(error=line_of(exc)), job.target)
                continue
            except BaseException:
                loads.rollback(con)  # this chunk only; the committed ones stay for a resume
                raise
            pinned_ok = True
            hooks._fault(f"chunk:{chunks}")
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
        n = self._parallel(job)
        key = self._parallel_key(job)
        stage = tg.stage_name(job.target)
        st.clear_resume(con, job.target)
        tg.recreate_table(con, stage, job.plan, sync_columns.extra(self._sync))
        probe = self.source_factory()
        with probe:
            snapshot = probe.snapshot() if job.config.consistent else None
            bounds_lo_hi = probe.key_bounds(job.description, key, job.config.where) if key else None
        if snapshot is not None:
            self.log("info", _("parallel read pinned to source snapshot {snapshot}").format(
                snapshot=snapshot), job.target)
            spec = replace(spec, snapshot=snapshot)
            run.consistency = f"scn {snapshot}"
        else:
            run.consistency = "not pinned: parallel partitions read apart (consistent = false)"
        parts, what = partitions(spec, n, key, bounds_lo_hi)
        self.log("info", _("parallel read: {n} {parts} on {n} connections").format(
            n=len(parts), parts=what), job.target)
        self._phase(job.target, Phase.READING, Mode.FULL)
        meter = self._new_meter(job.target, expected)
        meter.add(0, force=True)
        with ParallelReads(self.source_factory, parts, self.control,
                           lambda note: self.log("info", note, job.target)) as reads:
            tg.append_stream(con, stage, job.plan.arrow_schema(),
                             self._metered(reads.batches(), job, Mode.FULL, meter),
                             fill=sync_columns.fill(self._sync))
        meter.add(0, force=True)
        self._checkpoint(job, Mode.FULL)
        return meter.rows


def partitions(spec: ReadSpec, n: int, key: str | None,
               bounds: tuple[Any, Any] | None) -> tuple[list[ReadSpec], str]:
    """Split a full read into N parts, and say how: key ranges on a numeric key from its
    MIN/MAX `bounds`, else hash buckets of the row address."""
    if key is not None and bounds is not None and bounds[0] is None:
        key = None  # no key value at all (empty, or every key NULL): hash buckets
    if key is None or bounds is None:
        return [replace(spec, bucket=(i, n)) for i in range(n)], _("row-address hash buckets")
    lo, hi = int(bounds[0]), int(bounds[1])
    step = max((hi - lo + 1) // n, 1)
    inner = [lo + i * step for i in range(1, n) if lo + i * step <= hi]
    edges: list[Any] = [None, *inner, None]  # open ends: every key lands in one range
    # A configured key may be nullable: the first range takes the NULL keys.
    parts = [replace(spec, key_range=KeyRange(key, edges[i], edges[i + 1], nulls=i == 0))
             for i in range(len(edges) - 1)]
    return parts, _("key ranges of {key}").format(key=key)


class ParallelReads:
    """One reader thread per part, each on its own source connection, feeding the single
    DuckDB writer through a bounded queue. Leaving the `with` stops and joins the readers;
    `batches()` yields in arrival order and raises what a reader raised."""

    def __init__(self, source_factory: Callable[[], Source], parts: list[ReadSpec],
                 control: Control, note: Callable[[str], None]):
        self.source_factory, self.parts, self.control, self.note = source_factory, parts, control, note
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=2 * len(parts))
        self.stop = threading.Event()
        self.done = object()
        self.threads = [threading.Thread(target=self._read, args=(part,), daemon=True,
                                         name=f"tui-sync-read-{i}") for i, part in enumerate(parts)]

    def __enter__(self) -> ParallelReads:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)

    def _put(self, item: Any) -> None:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def _read(self, part: ReadSpec) -> None:
        src = self.source_factory()
        self.control.add_cancel_hook(src.cancel)
        try:
            src.connect()
            for batch in src.read_batches(part):
                if self.stop.is_set():
                    break
                self._put(batch)
            for note in src.read_notes():
                self.note(note)
            self._put(self.done)
        except BaseException as exc:  # noqa: BLE001 - handed to the writer thread
            self._put(exc)
        finally:
            self.control.remove_cancel_hook(src.cancel)
            try:
                src.close()
            except Exception:  # noqa: BLE001
                pass

    def batches(self) -> Iterator[pa.RecordBatch]:
        finished = 0
        while finished < len(self.threads):
            item = self.queue.get()
            if item is self.done:
                finished += 1
                continue
            if isinstance(item, BaseException):
                raise item
            yield item
