"""Typed events the engine emits, and the control object it obeys.

The TUI turns events into Textual messages; the CLI draws a progress bar from
them. Nothing here imports Textual.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class Mode(StrEnum):
    AUTO = "auto"
    FULL = "full"
    INCREMENTAL = "incremental"
    TEST = "test"


class Phase(StrEnum):
    WAITING = "waiting"
    QUEUED = "queued"  # connected and planned, waiting for the tables before it
    CONNECTING = "connecting"
    PLANNING = "planning"
    COUNTING = "counting"
    READING = "reading"
    PAUSED = "paused"
    MERGING = "merging"  # incremental: delete/upsert in one transaction
    SWAPPING = "swapping"  # full: replace the target in one transaction
    RETRYING = "retrying"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Status(StrEnum):
    OK = "ok"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Backfill:
    """A backfill window as the user typed it (`sync --since VALUE [--until VALUE]`): the
    engine parses the text with each table's cursor type (engine/backfill.py). `until`
    None: up to the source's MAX(cursor) at run start, like an incremental run."""

    since: str
    until: str | None = None


@dataclass(frozen=True)
class SyncRequest:
    """One sync run as a front end asks for it; the engine keeps nothing else per run.

    `limit` caps a test load (default: the config's test_rows); `resume` continues an
    interrupted chunked full sync (auto always does); `reconcile` and `parallel`, when
    given, override the tables' settings for this run only (the config stays as loaded).
    """

    tables: tuple[str, ...]
    mode: Mode = Mode.AUTO
    limit: int | None = None
    resume: bool = False
    reconcile: bool | None = None
    parallel: int | None = None
    backfill: Backfill | None = None  # an incremental window from these bounds, not the watermark


@dataclass(frozen=True)
class PhaseChanged:
    table: str  # target table name
    phase: Phase
    mode: Mode | None = None
    estimate: int | None = None  # QUEUED: the source's row estimate of the table, when known


@dataclass(frozen=True)
class Progress:
    table: str
    rows_done: int
    rows_expected: int | None
    rows_per_s: float
    elapsed_s: float
    eta_s: float | None


@dataclass(frozen=True)
class LogLine:
    level: str  # "debug" | "info" | "warning" | "error"
    message: str
    table: str | None = None


@dataclass(frozen=True)
class TableResult:
    table: str  # target table
    source_table: str
    mode: Mode
    status: Status
    rows: int = 0
    duration_s: float = 0.0
    rows_per_s: float = 0.0
    error: str | None = None
    run_id: str = ""
    config_mistake: bool = False  # failed before any read because the config is wrong (exit 2)
    # Of `rows`, those an incremental window read again that the target already had (the
    # lookback's overlap: upserted keys that existed, or keyless rows deleted and re-appended).
    reread: int = 0
    paused_s: float = 0.0  # time the table spent paused (not in duration_s nor rows_per_s)
    note: str | None = None  # what set the run apart, as tui_sync.runs.note has it (a backfill)

    @property
    def new_rows(self) -> int:
        return max(self.rows - self.reread, 0)


@dataclass(frozen=True)
class TableFinished:
    result: TableResult


@dataclass(frozen=True)
class RunFinished:
    results: tuple[TableResult, ...]

    @property
    def ok(self) -> bool:
        return all(r.status in (Status.OK, Status.SKIPPED) for r in self.results)


Event = PhaseChanged | Progress | LogLine | TableFinished | RunFinished
EventCallback = Callable[[Event], None]


@dataclass
class Control:
    """Pause, resume and cancel, checked by the engine between batches.

    Thread-safe: the UI thread calls `pause`/`resume`/`cancel`; the sync thread
    calls `checkpoint`. `cancel` also runs the registered hooks (a source's
    `cancel`, which breaks a running fetch).
    """

    _running: threading.Event = field(default_factory=threading.Event)
    _cancelled: threading.Event = field(default_factory=threading.Event)
    _hooks: list[Callable[[], None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._running.set()
        self._reason = ""

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def reason(self) -> str:
        return self._reason

    def cancel(self, reason: str = "cancelled by the user") -> None:
        if not self._cancelled.is_set():
            self._reason = reason
        self._cancelled.set()
        self._running.set()  # wake a paused run so it can stop
        with self._lock:
            hooks = list(self._hooks)
        for hook in hooks:
            try:
                hook()
            except Exception:  # noqa: BLE001 - best effort: the flag is what counts
                pass

    def add_cancel_hook(self, hook: Callable[[], None]) -> None:
        with self._lock:
            self._hooks.append(hook)

    def remove_cancel_hook(self, hook: Callable[[], None]) -> None:
        with self._lock:
            if hook in self._hooks:
                self._hooks.remove(hook)

    def wait_while_paused(self, timeout: float | None = None) -> bool:
        """Block while paused; True once running (or cancelled)."""
        return self._running.wait(timeout)
