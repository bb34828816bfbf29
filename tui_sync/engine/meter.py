"""Throttled progress for one table, and the counters one table's run keeps as it goes."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ..events import Event, Progress
from . import hooks


class Meter:
    """Throttled progress events for one table."""

    def __init__(self, emit: Callable[[Event], None], table: str, expected: int | None):
        self.emit, self.table, self.expected = emit, table, expected
        self.rows = 0
        self.base = 0  # rows loaded before this meter started (a resume): not in its rate
        self.start = time.monotonic()
        self.last = 0.0

    def add(self, n: int, force: bool = False) -> None:
        self.rows += n
        now = time.monotonic()
        if force or now - self.last >= hooks.PROGRESS_INTERVAL_S:
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


@dataclass
class TableRunState:
    """What one table's run counts as it goes; a fresh one per table (engine `_table`)."""

    auto_requested: bool = False  # the run asked for auto: an interrupted full resumes
    meter: Meter | None = None  # the reading meter: a pause forces a last event from it
    batches: int = 0  # over the table's whole run, chunks included (fault points count them)
    carried_rows: int = 0  # rows a resumed run found loaded by an earlier run
    consistency: str | None = None  # how the chunked reads were pinned
