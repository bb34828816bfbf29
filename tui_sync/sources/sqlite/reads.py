"""How a SQLite source reads: the Arrow-native path where it is exact and cancellable, the
stdlib driver's per-value path otherwise, and one snapshot across a chunked sync's reads.
A mixin of SqliteSource: it reads through the source's connection, SQL and row address.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from ...i18n import _
from ..base import ReadSpec, key_fields
from .arrow import ArrowReads
from .cursor import is_time_cursor, scan_bound, window_bound
from .query import qualifier, relation
from .shape import ReadShape, build_shape, quote
from .shape import kind_of as arrow_kind
from .values import raw_keys, to_arrow

if TYPE_CHECKING:
    from .source import SqliteSource


class SqliteReads:
    """The reading half of SqliteSource."""

    _arrow: ArrowReads | None
    _pinned_route: str | None
    _notes: list[str]
    _conn: sqlite3.Connection | None

    # -- reading ----------------------------------------------------------------------------
    def read_batches(self: SqliteSource, spec: ReadSpec) -> Iterator[pa.RecordBatch]:
        """Arrow-native through ADBC where it is exact and cancellable between batches;
        else the stdlib read (the reason is noted for the run's log)."""
        reason = self._stdlib_reason(spec)
        if reason is None:
            assert self._arrow is not None
            try:
                yield from self._arrow.read(spec, self._arrow_shape(spec),
                                            lambda: self._arrow_shape(spec, projected=True))
            finally:
                self._note_per_value()
            return
        self._notes.append(_("{table}: read value by value (slower): {reason}").format(
            table=spec.table.info.name, reason=reason))
        yield from self._stdlib_batches(spec)

    def read_notes(self) -> list[str]:
        notes, self._notes = self._notes, []
        return list(dict.fromkeys(notes))  # one line per reason, however many chunks

    def _note_per_value(self) -> None:
        if self._arrow is not None and self._arrow.reruns:
            self._notes.append(_("a column held a value of another storage class than its first "
                                 "rows: the read was re-run with every column checked (slower)"))
            self._arrow.reruns = 0
        if self._arrow is not None and self._arrow.per_value:
            self._notes.append(_("{count} irregular value(s) converted one by one (a storage class "
                                 "other than the column's, or text no kernel parses)").format(
                count=self._arrow.per_value))
            self._arrow.per_value = 0

    def _stdlib_reason(self, spec: ReadSpec) -> str | None:
        if self._arrow is None:
            return _("the ADBC SQLite driver (adbc-driver-sqlite) is not installed")
        if self._pinned_route is not None:
            return None if self._pinned_route == "arrow" else self._pinned_route
        reason = self._route(spec)
        if self._arrow.pinned:
            self._pinned_route = reason or "arrow"
        return reason

    def _route(self, spec: ReadSpec) -> str | None:
        if self._row_alias(spec.table) is None:
            return _("a view, a query or a WITHOUT ROWID table has no rowid to re-read irregular "
                     "values by")
        for cp in spec.plan.included:
            if arrow_kind(cp.arrow_type) is None:
                return _("column {column} ({type}) has no Arrow conversion").format(
                    column=cp.name, type=cp.duckdb_type)
        if spec.window is not None and spec.limit is not None and is_time_cursor(
                spec.table.column(spec.window.cursor)):
            return _("a limited read of a time window")
        # ADBC cannot be interrupted inside a statement: a query that works long before its
        # first row (a sort, a subquery in `where`) stays on the stdlib driver, which can.
        sql, binds = self.build_select(spec)
        plan = " ".join(str(r[-1]) for r in self._all(f"EXPLAIN QUERY PLAN {sql}", binds)).upper()
        for marker, sorts in (("TEMP B-TREE", True), ("SUBQUERY", False), ("CORRELATED", False)):
            if marker in plan:
                return (_("the query sorts before its first row, which only the stdlib driver can "
                          "interrupt") if sorts else
                        _("the query has a subquery before its first row, which only the stdlib "
                          "driver can interrupt"))
        return None

    def _arrow_shape(self, spec: ReadSpec, *, projected: bool = False) -> ReadShape:
        binds: dict[str, Any] = {}
        odd: list[tuple[str, str, Any, Any]] = []
        where = self._where(spec, binds, odd_rows=odd)
        table, qual = relation(spec.table), qualifier(spec.table)
        order = ""
        if spec.order_by:
            order = " ORDER BY " + ", ".join(f"{qual}.{quote(n)}" for n in spec.order_by)
        if spec.limit is not None:
            order += " LIMIT :max_rows"
            binds["max_rows"] = spec.limit
        alias = self._row_alias(spec.table)
        assert alias is not None
        return build_shape(spec, [self._expr(c) for c in spec.plan.included], f"FROM {table}{where}",
                           order, binds, f"{qual}.{alias}", table, odd[0] if odd else None,
                           projected=projected)

    def _stdlib_batches(self, spec: ReadSpec) -> Iterator[pa.RecordBatch]:
        sql, binds = self.build_select(spec)
        cur = self._execute(sql, binds)
        schema = spec.plan.arrow_schema()
        plans = spec.plan.included
        raw_names = key_fields(spec)
        while True:
            try:
                rows = cur.fetchmany(spec.batch_rows)
            except sqlite3.Error as exc:
                raise self._map_error(exc) from None
            if not rows:
                return
            columns = list(zip(*rows, strict=True))
            arrays = [to_arrow(cp, values) for cp, values in zip(plans, columns, strict=False)]
            batch = pa.RecordBatch.from_arrays(arrays, schema=schema)
            for name, key, values in zip(raw_names, spec.order_by, columns[len(plans):], strict=True):
                batch = batch.append_column(name, raw_keys(key, values))
            yield batch

    # -- how many rows a read returns -------------------------------------------------------
    def count_rows(self, spec: ReadSpec) -> int:
        """Exact: the read's own filter, window and limit."""
        binds: dict[str, Any] = {}
        inner = f"SELECT 1 FROM {relation(spec.table)}{self._where(spec, binds)}"
        if spec.limit is not None:
            inner += " LIMIT :max_rows"
            binds["max_rows"] = spec.limit
        return int(self._one(f"SELECT COUNT(*) FROM ({inner})", binds)[0])

    def estimate_rows(self, spec: ReadSpec) -> int | None:
        """An upper bound for the progress bar of a time window: the rows of its indexed scan
        range, counted without evaluating each row's canonical time (which costs as much as
        the read: the exact COUNT measured 30 % of an incremental run). None: not cheaper."""
        window = spec.window
        if window is None or spec.where or spec.limit is not None or window.lo is None:
            return None
        col = spec.table.column(window.cursor)
        if not is_time_cursor(col):
            return None  # a plain range on the column: the exact COUNT is as cheap
        scan = scan_bound(window_bound(window.lo))
        if scan is None:
            return None
        qc = quote(col.name)
        sql = f"SELECT COUNT(*) FROM {relation(spec.table)} WHERE ({qc} >= :lo_scan OR {qc} < '0')"
        return int(self._one(sql, {"lo_scan": scan})[0])

    # -- one point in time for chunked reads ---------------------------------------------
    def pin_reads(self, snapshot: Any = None) -> tuple[Any, str]:
        """Hold one read transaction across the chunks of a full sync, where that does not
        stop the application writing.

        In WAL mode a read transaction reads one snapshot and writers carry on beside it.
        In rollback-journal mode (DELETE, TRUNCATE, PERSIST, MEMORY) a held read keeps a
        SHARED lock that makes every writer's COMMIT fail with "database is locked" for as
        long as the full sync runs: we do not hold it there. Each chunk is then its own
        read; the watermark taken before the first read still makes the next incremental
        re-read every row written meanwhile with a newer cursor value.
        """
        journal = str(self._one("PRAGMA journal_mode")[0]).lower()
        if journal != "wal":
            return None, (f"not pinned: the SQLite file is in {journal} journal mode, where a "
                          "read held across chunks would block its writers (WAL mode allows it)")
        self.unpin_reads()
        self._execute("BEGIN")
        # A deferred transaction takes its snapshot at its first read: take it now.
        self._one("SELECT COUNT(*) FROM sqlite_master")
        if self._arrow is not None:
            # Both drivers hold a snapshot; every chunk of this read takes one path
            # (_pinned_route), so all chunks read the same snapshot.
            self._arrow.begin()
            self._arrow.pinned = True
        return None, "one SQLite read transaction (WAL snapshot)"

    def unpin_reads(self) -> None:
        self._pinned_route = None
        if self._arrow is not None and self._arrow.pinned:
            self._arrow.pinned = False
            self._arrow.commit()
        conn = self._conn
        if conn is not None and conn.in_transaction:
            try:
                conn.execute("COMMIT")
            except sqlite3.Error:
                pass  # nothing was written: closing the connection ends it as well
