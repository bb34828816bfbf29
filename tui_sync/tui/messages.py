"""Typed messages that thread workers post to the UI.

Workers never touch widgets: they post one of these (`post_message` is
thread-safe), and `@on` handlers on the UI thread own all state. Sync messages
carry the `RunState` they belong to, so a late event of an old run is ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

from ..events import Event, LogLine, PhaseChanged, Progress, RunFinished, TableFinished

if TYPE_CHECKING:  # only for annotations: keeps this module light
    from ..engine import PlanReport
    from ..progress import RunState
    from ..scheduler import Scheduler
    from ..services.verify_report import VerifyReport
    from ..sources.base import ServerInfo, TableDescription, TableInfo
    from ..stats import TableStats
    from ..target.state import ResumePoint, RunRecord, TableState


class ConnectionTested(Message):
    """The result of "Check": server info, or the first failure in one line."""

    def __init__(self, info: ServerInfo | None, error: str | None, *, failures: int = 0) -> None:
        super().__init__()
        self.info = info
        self.error = error
        self.failures = failures  # failed checks after a good connection (rights, tables, types)


class DoctorStepDone(Message):
    """One step of "Check" (the doctor) finished; steps arrive in order."""

    def __init__(self, step: Any) -> None:
        super().__init__()
        self.step = step


class SourceTablesLoaded(Message):
    """The source's tables, the sync state of their targets and pending resume points."""

    def __init__(self, tables: list[TableInfo], states: dict[str, TableState],
                 error: str | None = None, resume: dict[str, ResumePoint] | None = None) -> None:
        super().__init__()
        self.tables = tables
        self.states = states
        self.error = error
        self.resume = resume or {}


class TableStatesLoaded(Message):
    """Fresh sync state and resume points (after a run), without asking the source again."""

    def __init__(self, states: dict[str, TableState], resume: dict[str, ResumePoint] | None = None) -> None:
        super().__init__()
        self.states = states
        self.resume = resume or {}


class VerifyStarted(Message):
    """A verify of these source tables began on its thread."""

    def __init__(self, tables: list[str], token: int) -> None:
        super().__init__()
        self.tables = tables
        self.token = token


class VerifyResult(Message):
    """One table verified: the report, or why it could not be verified (one line)."""

    def __init__(self, table: str, report: VerifyReport | None, error: str | None, token: int) -> None:
        super().__init__()
        self.table = table
        self.report = report
        self.error = error
        self.token = token


class VerifyDone(Message):
    """The verify worker has finished (every table, or stopped by a busy DuckDB file)."""

    def __init__(self, token: int, error: str | None = None) -> None:
        super().__init__()
        self.token = token
        self.error = error


class PlanLoaded(Message):
    """The type plan of one table, or why it could not be made (one line)."""

    def __init__(self, table: str, report: PlanReport | None, error: str | None = None,
                 description: TableDescription | None = None) -> None:
        super().__init__()
        self.table = table
        self.report = report
        self.error = error
        self.description = description


class HistoryLoaded(Message):
    """Runs from tui_sync.runs and per-table statistics."""

    def __init__(self, runs: list[RunRecord], stats: list[TableStats]) -> None:
        super().__init__()
        self.runs = runs
        self.stats = stats


class SchedulerReady(Message):
    """The in-app scheduler was built (on a thread: it reads the run history)."""

    def __init__(self, scheduler: Scheduler) -> None:
        super().__init__()
        self.scheduler = scheduler


class SyncStarted(Message):
    """A scheduled run started on the sync thread (manual runs start on the UI thread)."""

    def __init__(self, run: RunState) -> None:
        super().__init__()
        self.run = run


class SyncRunFailed(Message):
    """A run ended with an exception outside any table result (e.g. the lock was held)."""

    def __init__(self, run: RunState, error: str) -> None:
        super().__init__()
        self.run = run
        self.error = error


class _SyncEvent(Message):
    def __init__(self, event: Any, run: RunState | None) -> None:
        super().__init__()
        self.event = event
        self.run = run


class SyncPhase(_SyncEvent):
    event: PhaseChanged


class SyncProgress(_SyncEvent):
    event: Progress


class SyncLog(_SyncEvent):
    """A log line of the engine (run set) or of the scheduler (run None)."""

    event: LogLine


class SyncTableFinished(_SyncEvent):
    event: TableFinished


class SyncRunFinished(_SyncEvent):
    event: RunFinished


_BY_EVENT: dict[type, type[_SyncEvent]] = {
    PhaseChanged: SyncPhase,
    Progress: SyncProgress,
    LogLine: SyncLog,
    TableFinished: SyncTableFinished,
    RunFinished: SyncRunFinished,
}


def message_for(event: Event, run: RunState | None) -> _SyncEvent:
    """The typed Textual message that carries an engine event to the UI thread."""
    return _BY_EVENT[type(event)](event, run)


class RunsForAsOf(Message):
    """The runs of a lake table that can be read back (Preview "as of run")."""

    def __init__(self, table: str, runs: list[RunRecord]) -> None:
        super().__init__()
        self.table, self.runs = table, runs


class AsOfReady(Message):
    """The lake as of a picked run is open for reading; `label` names the run."""

    def __init__(self, label: str, spec: Any) -> None:
        super().__init__()
        self.label, self.spec = label, spec
