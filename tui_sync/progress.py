"""A sync run as a front end sees it: `RunState`, a pure reducer over engine events.

No Textual here (core module): the TUI folds the events its sync worker posts into a
`RunState` on the UI thread and draws it; the CLI can fold its own progress events the
same way. `apply(event)` is the only way events change it; `fail(message)` ends a run
that broke outside any table result.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from .events import (
    Control,
    Event,
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
from .i18n import _

LOG_LINES_KEPT = 5_000  # the log pane is for watching a run, not an archive (logs rotate on disk)


def fmt_duration(seconds: float | None) -> str:
    """0:07, 12:30, 1:02:03; '-' when unknown."""
    if seconds is None or seconds != seconds or seconds < 0:  # None, NaN or negative
        return "-"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def fmt_rate(rows_per_s: float) -> str:
    if rows_per_s <= 0:
        return "-"
    if rows_per_s >= 1_000_000:
        return f"{rows_per_s / 1_000_000:.1f}M/s"
    if rows_per_s >= 1_000:
        return f"{rows_per_s / 1_000:.1f}k/s"
    return f"{rows_per_s:.0f}/s"


def fmt_rows(n: int | None) -> str:
    return "?" if n is None else f"{n:,}"


@dataclass
class TableRun:
    """One table of a run: what the last events said about it."""

    target: str
    source: str
    mode: Mode
    phase: Phase = Phase.WAITING
    rows_done: int = 0
    rows_expected: int | None = None
    rows_per_s: float = 0.0
    elapsed_s: float = 0.0
    eta_s: float | None = None
    result: TableResult | None = None
    estimate: int | None = None  # the source's row estimate, shown while the table waits

    @property
    def queued(self) -> bool:
        """Not started yet: the run works on other tables (or is connecting)."""
        return self.phase in (Phase.WAITING, Phase.QUEUED)

    @property
    def finished(self) -> bool:
        return self.result is not None


@dataclass
class RunState:
    """A run started from the UI (or by the scheduler inside the UI)."""

    mode: Mode
    tables: dict[str, TableRun]  # by target name, in run order
    control: Control = field(default_factory=Control)
    scheduled: bool = False
    log: deque[LogLine] = field(default_factory=lambda: deque(maxlen=LOG_LINES_KEPT))
    finished: RunFinished | None = None
    error: str | None = None  # the run failed before or outside any table (lock held, crash)
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None

    @classmethod
    def create(cls, pairs: list[tuple[str, str]], mode: Mode, *, scheduled: bool = False,
               estimates: dict[str, int | None] | None = None) -> RunState:
        """`pairs` are (source table, target table) in run order; `estimates` (by source
        table) are the row counts the front end already knows, shown while tables wait."""
        known = estimates or {}
        tables = {target: TableRun(target=target, source=source, mode=mode,
                                   estimate=known.get(source)) for source, target in pairs}
        return cls(mode=mode, tables=tables, scheduled=scheduled)

    @property
    def done(self) -> int:
        """Tables with a result: what the screen bar and the summary both count."""
        return sum(1 for r in self.tables.values() if r.finished)

    @property
    def running(self) -> bool:
        return self.finished is None and self.error is None

    @property
    def paused(self) -> bool:
        return self.running and self.control.paused

    def apply(self, event: Event) -> str | None:
        """Fold an engine event into the state; returns the target table it touched."""
        if isinstance(event, PhaseChanged):
            row = self._row(event.table)
            row.phase = event.phase
            if event.estimate is not None:
                row.estimate = event.estimate
            if event.mode is not None and event.mode != Mode.AUTO:
                row.mode = event.mode  # auto resolves to full or incremental per table
            return row.target
        if isinstance(event, Progress):
            row = self._row(event.table)
            row.rows_done, row.rows_expected = event.rows_done, event.rows_expected
            row.rows_per_s, row.elapsed_s, row.eta_s = event.rows_per_s, event.elapsed_s, event.eta_s
            return row.target
        if isinstance(event, LogLine):
            self.log.append(event)
            return None
        if isinstance(event, TableFinished):
            res = event.result
            row = self._row(res.table)
            row.result, row.mode = res, res.mode
            row.phase = {Status.OK: Phase.DONE, Status.CANCELLED: Phase.CANCELLED}.get(
                res.status, Phase.FAILED)
            if res.status == Status.OK:
                row.rows_done = res.rows
                row.rows_expected = res.rows  # what was really read is the final expectation
            row.rows_per_s, row.elapsed_s, row.eta_s = res.rows_per_s, res.duration_s, 0.0
            return row.target
        if isinstance(event, RunFinished):
            self.finished = event
            self.ended = time.monotonic()
            for res in event.results:
                if self._row(res.table).result is None:
                    self.apply(TableFinished(res))
            return None
        return None

    def fail(self, message: str) -> None:
        """The whole run ended with an error outside any table result."""
        self.error = message
        self.ended = time.monotonic()
        for row in self.tables.values():
            if row.result is None:
                row.phase = Phase.FAILED
        self.log.append(LogLine("error", message))

    def _row(self, target: str) -> TableRun:
        row = self.tables.get(target)
        if row is None:  # a table we did not predict (renamed target): show it anyway
            row = self.tables[target] = TableRun(target=target, source=target, mode=self.mode)
        return row

    def summary(self) -> str:
        """One line: counts by status, rows, total time."""
        if self.error is not None:
            return _("Run failed: {error}").format(error=self.error)
        if self.finished is None:
            text = (_("Paused: {done} of {total} tables done") if self.control.paused
                    else _("Running: {done} of {total} tables done"))
            return text.format(done=self.done, total=len(self.tables))
        results = self.finished.results
        counts: dict[str, int] = {}
        for r in results:
            counts[r.status.value] = counts.get(r.status.value, 0) + 1
        parts = [f"{n} {status}" for status, n in sorted(counts.items())]
        verdict = (_("Finished: {counts} · {rows}") if self.finished.ok
                   else _("Finished with problems: {counts} · {rows}"))
        return verdict.format(counts=", ".join(parts) or _("nothing ran"), rows=rows_summary(results))


def window_words(note: str | None) -> str:
    """What window an incremental read again: a backfill's (tui_sync.runs.note says so, in
    engine/backfill.py) or the lookback's."""
    return _("backfill window") if note and note.startswith("backfill") else _("lookback window")


def rows_summary(results: Sequence[TableResult]) -> str:
    """'1,234 rows (1,000 new, 234 re-read in the lookback window) in 0:03': an incremental's
    lookback reads rows the target had already; saying so keeps 'rows' from overstating."""
    rows = sum(r.rows for r in results)
    secs = sum(r.duration_s for r in results)  # active time: pauses are not counted
    reread = sum(r.reread for r in results)
    split = ""
    windows = {window_words(r.note) for r in results
               if r.mode == Mode.INCREMENTAL and r.status == Status.OK}
    if windows:
        split = " " + _("({new} new, {reread} re-read in the {window})").format(
            new=f"{rows - reread:,}", reread=f"{reread:,}",
            window=windows.pop() if len(windows) == 1 else _("window"))
    return _("{rows} rows{split} in {time}").format(rows=f"{rows:,}", split=split,
                                                    time=fmt_duration(secs))


__all__ = ["LOG_LINES_KEPT", "RunState", "TableRun", "fmt_duration", "fmt_rate", "fmt_rows",
           "rows_summary", "window_words"]
