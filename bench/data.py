"""Synthetic time-series data and a bench-only in-memory Arrow source.

The table is the shape the product is built for: a 10-column equipment
time-series with integers, decimals, doubles, timestamps and short strings.
Batches are generated with pyarrow compute kernels (no per-row Python) and are
deterministic: row `i` always has the same values, whatever the batch size.

`ArrowSource` implements the engine's Source contract over batches that are
either pre-built (held in memory: the engine's own cost, nothing else) or made
lazily per batch (so the source never holds the table: the memory benchmark).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from tui_sync.config import Config, SourceConfig, SyncConfig, TableConfig, TargetConfig
from tui_sync.sources.base import ReadSpec, ServerInfo, Source, TableDescription, TableInfo
from tui_sync.typeplan import PlanOptions, SourceColumn, TypePlan, build_plan

TABLE = "TS_EVENTS"
TARGET = "ts_events"
CURSOR = "EVENT_TIME"
KEY = "EVENT_ID"
BASE_TIME = datetime(2026, 1, 1)
STEP = timedelta(seconds=1)  # one row per second: row i is at BASE_TIME + i * STEP
DEFAULT_BATCH_ROWS = 50_000  # the engine's default batch_rows

COLUMNS: tuple[SourceColumn, ...] = (
    SourceColumn("EVENT_ID", "NUMBER", 12, 0, nullable=False, position=1),
    SourceColumn("EQUIPMENT_ID", "VARCHAR2", length=20, nullable=False, position=2),
    SourceColumn("EVENT_TIME", "TIMESTAMP", scale=6, nullable=False, position=3),
    SourceColumn("STEP_SEQ", "NUMBER", 9, 0, position=4),
    SourceColumn("VALUE", "NUMBER", 12, 3, position=5),
    SourceColumn("AMOUNT", "NUMBER", 18, 4, position=6),
    SourceColumn("TEMPERATURE", "BINARY_DOUBLE", position=7),
    SourceColumn("PRESSURE", "BINARY_DOUBLE", position=8),
    SourceColumn("STATUS", "VARCHAR2", length=8, position=9),
    SourceColumn("UPDATED_AT", "DATE", position=10),
)

_EQUIPMENT = pa.array([f"EQ-{i:03d}" for i in range(40)], pa.large_string())
_STATUS = pa.array(["OK", "WARN", "FAIL", "IDLE"], pa.large_string())
_BASE_US = int((BASE_TIME - datetime(1970, 1, 1)).total_seconds()) * 1_000_000
_STEP_US = int(STEP.total_seconds() * 1_000_000)
_ranges: dict[int, pa.Array] = {}


def plan() -> TypePlan:
    return build_plan(list(COLUMNS), PlanOptions())


def schema() -> pa.Schema:
    return plan().arrow_schema()


def _mod(values: pa.Array, m: int) -> pa.Array:
    return pc.subtract(values, pc.multiply(pc.divide(values, m), m))


def _hash(values: pa.Array, salt: int) -> pa.Array:
    """A cheap deterministic scramble of the row number (Knuth's multiplicative hash)."""
    return pc.bit_wise_and(pc.multiply(pc.add(values, salt), 2654435761), 0x7FFFFFFF)


def _range(n: int) -> pa.Array:
    if n not in _ranges:
        _ranges[n] = pa.array(range(n), pa.int64())
    return _ranges[n]


def make_batch(start: int, n: int, *, version: int = 0, time_shift: int = 0,
               stride: int = 1) -> pa.RecordBatch:
    """Rows start+1 .. start+n (EVENT_ID is 1-based; with `stride` k, the rows k*i + 1 for
    i in start .. start+n-1). `version` changes the measured values (an update of the same
    rows); `time_shift` moves EVENT_TIME by that many steps."""
    ids = pc.add(pc.multiply(pc.add(_range(n), start), stride), 1) if stride != 1 \
        else pc.add(_range(n), start + 1)
    h = _hash(ids, 7 * version)
    h2 = _hash(ids, 104729 + 7 * version)
    us = pc.add(pc.multiply(pc.add(ids, time_shift), _STEP_US), _BASE_US)
    event_time = us.cast(pa.timestamp("us"))
    updated = pc.add(us, pc.multiply(_mod(h2, 3600), 1_000_000)).cast(pa.timestamp("us"))
    value = pc.divide(pc.cast(_mod(h, 10_000_000), pa.float64()), 1000.0).cast(pa.decimal128(12, 3))
    amount = pc.divide(pc.cast(_mod(h2, 100_000_000), pa.float64()), 10_000.0).cast(pa.decimal128(18, 4))
    temperature = pc.add(pc.divide(pc.cast(_mod(h, 4000), pa.float64()), 100.0), 45.0)
    pressure = pc.divide(pc.cast(_mod(h2, 100_000), pa.float64()), 1000.0)
    arrays = [
        ids,
        pc.take(_EQUIPMENT, _mod(ids, 40)),
        event_time,
        _mod(h, 1000),
        value,
        amount,
        temperature,
        pressure,
        pc.take(_STATUS, _mod(h2, 4)),
        updated,
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema())


def iter_batches(rows: int, batch_rows: int = DEFAULT_BATCH_ROWS, *, first: int = 0, version: int = 0,
                 time_shift: int = 0) -> Iterator[pa.RecordBatch]:
    """Lazily generated batches of rows first+1 .. first+rows."""
    done = 0
    while done < rows:
        n = min(batch_rows, rows - done)
        yield make_batch(first + done, n, version=version, time_shift=time_shift)
        done += n


def build_batches(rows: int, batch_rows: int = DEFAULT_BATCH_ROWS) -> list[pa.RecordBatch]:
    return list(iter_batches(rows, batch_rows))


def row_time(event_id: int) -> datetime:
    return BASE_TIME + STEP * event_id


class ArrowSource(Source):
    """A Source over the bench table: the engine's cost with (almost) no source cost.

    The table holds EVENT_ID 1 .. `rows` in key order. Its batches are either
    pre-built (`batches`, held in memory: every read hands out zero-copy slices of
    them) or generated lazily per read (so the source never holds the table). A
    read honours the ReadSpec's keyset paging (`after`), key range, limit and batch
    size, so chunked and parallel full syncs read exactly what they ask for; a
    windowed read (incremental) returns `window_batches`, the changed rows.
    """

    kind = "bench"

    def __init__(self, rows: int, *, batches: Sequence[pa.RecordBatch] | None = None,
                 primary_key: tuple[str, ...] = (KEY,), max_cursor: Any = None,
                 window_batches: Sequence[pa.RecordBatch] | None = None):
        self._rows = rows
        self._table = pa.Table.from_batches(batches) if batches is not None else None
        if self._table is not None and self._table.num_rows != rows:
            raise ValueError(f"{self._table.num_rows} pre-built rows, expected {rows}")
        self._primary_key = primary_key
        self._max_cursor = max_cursor if max_cursor is not None else row_time(rows)
        self._window = list(window_batches) if window_batches is not None else None
        self.reads = 0

    def connect(self) -> None:
        pass

    def close(self) -> None:
        pass

    def server_info(self) -> ServerInfo:
        return ServerInfo(kind="bench", version=f"pyarrow {pa.__version__}", mode="memory")

    def _info(self) -> TableInfo:
        return TableInfo(name=TABLE, owner=None, table=TABLE, estimated_rows=self._rows)

    def list_tables(self) -> list[TableInfo]:
        return [self._info()]

    def describe(self, name: str) -> TableDescription:
        return TableDescription(info=self._info(), columns=COLUMNS, primary_key=self._primary_key)

    def max_cursor(self, table: TableDescription, cursor: str, where: str = "") -> Any:
        return self._max_cursor

    def key_bounds(self, table: TableDescription, column: str, where: str = "") -> tuple[Any, Any]:
        return (1, self._rows) if self._rows else (None, None)

    def _span(self, spec: ReadSpec) -> tuple[int, int]:
        """The read as row offsets [lo, hi): EVENT_ID lo+1 .. hi."""
        lo, hi = 0, self._rows
        for column, value in getattr(spec, "after", ()) or ():
            if column.upper() == KEY:
                lo = max(lo, int(value))
        key_range = getattr(spec, "key_range", None)
        if key_range is not None:
            if key_range.lo is not None:
                lo = max(lo, int(key_range.lo) - 1)
            if key_range.hi is not None:
                hi = min(hi, int(key_range.hi) - 1)
        if spec.limit is not None:
            hi = min(hi, lo + spec.limit)
        return lo, max(lo, hi)

    def count_rows(self, spec: ReadSpec) -> int:
        if spec.window is not None and self._window is not None:
            n = sum(b.num_rows for b in self._window)
            return n if spec.limit is None else min(n, spec.limit)
        lo, hi = self._span(spec)
        return hi - lo

    def build_select(self, spec: ReadSpec) -> tuple[str, dict[str, Any]]:
        lo, hi = self._span(spec)
        return f"-- in-memory Arrow rows {lo + 1}..{hi}", {}

    def read_batches(self, spec: ReadSpec) -> Iterator[pa.RecordBatch]:
        self.reads += 1
        if spec.window is not None and self._window is not None:
            yield from self._window
            return
        lo, hi = self._span(spec)
        if self._table is None:
            yield from iter_batches(hi - lo, spec.batch_rows, first=lo)
            return
        for batch in self._table.slice(lo, hi - lo).to_batches(max_chunksize=spec.batch_rows):
            if batch.num_rows:
                yield batch


def make_config(folder: Path, *, primary_key: bool = True, cursor: bool = True,
                lookback: timedelta | None = None, batch_rows: int = DEFAULT_BATCH_ROWS,
                db_name: str = "bench.duckdb") -> Config:
    """A Config built in code: the bench table into a DuckDB file in `folder`."""
    folder = Path(folder).resolve()
    tc = TableConfig(source_table=TABLE, target=TARGET, primary_key=[KEY] if primary_key else [],
                     cursor=CURSOR if cursor else "", lookback=lookback)
    return Config(path=None, source=SourceConfig(kind="sqlite", path=str(folder / "unused.sqlite")),
                  target=TargetConfig(path=str(folder / db_name)), sync=SyncConfig(batch_rows=batch_rows),
                  tables={TABLE: tc})
