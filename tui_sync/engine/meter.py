"""Throttled progress for one table, and the counters one table's run keeps as it goes."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ..events import Event, Progress
from . import hooks


class Meter:
    """Throttled progress events for one table."""

    def __init__(self, emit: Callable[[Event], None], table: str, expected: int | None,
                 clock: Callable[[], float] = time.monotonic):
        self.emit, self.table, self.expected, self.clock = emit, table, expected, clock
        self.rows = 0
        self.base = 0  # rows loaded before this meter started (a resume): not in its rate
        self.start = clock()
        self.paused_s = 0.0  # time spent paused since start: rate and ETA count active time only
        self.last = float("-inf")

    def add(self, n: int, force: bool = False) -> None:
        self.rows += n
        now = self.clock()
        if force or now - self.last >= hooks.PROGRESS_INTERVAL_S:
            self.last = now
            elapsed = now - self.start - self.paused_s
            rate = (self.rows - self.base) / elapsed if elapsed > 0 else 0.0
            eta = None
            if self.expected and rate > 0:
                eta = max(self.expected - self.rows, 0) / rate
            self.emit(Progress(self.table, self.rows, self.expected, rate, elapsed, eta))

    @property
    def elapsed(self) -> float:
        return self.clock() - self.start - self.paused_s


@dataclass
class TableRunState:
    """What one table's run counts as it goes; a fresh one per table (engine `_table`)."""

    auto_requested: bool = False  # the run asked for auto: an interrupted full resumes
    meter: Meter | None = None  # the reading meter: a pause forces a last event from it
    batches: int = 0  # over the table's whole run, chunks included (fault points count them)
    carried_rows: int = 0  # rows a resumed run found loaded by an earlier run
    consistency: str | None = None  # how the chunked reads were pinned
    started: float = 0.0  # the engine clock when the table's run began
    paused_s: float = 0.0  # time the table spent paused: not sync time (duration, rows_per_s)
    reread: int = 0  # rows of an incremental window that were already in the target

    def active_s(self, now: float) -> float:
        """The table's time so far without its pauses."""
        return max(now - self.started - self.paused_s, 0.0)
