"""The Textual application (DESIGN §9): screens, global keys, and the one sync worker.

Shape (after harlequin and posting):
- one screen per mode (Connection, Tables, Progress, Preview, History, Help), the
  global keys switch modes, so every screen keeps its state while you look elsewhere;
- every database or engine call runs in a thread worker (`exit_on_error=False`) that
  only posts typed messages (`messages.py`); `@on` handlers on the UI thread own the
  state (`RunState`) and update the screens;
- one `Worker.StateChanged` handler turns any worker failure into an error dialog
  (with Retry when the DuckDB file or the sync lock is held by another process);
- SIGHUP (a dropped SSH session) and SIGTERM cancel a running sync, wait for its
  rollback, and exit;
- `create_app` is the factory the CLI and the tests share.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import threading
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.worker import Worker, WorkerFailed, WorkerState

from .. import paths
from ..config import Config, find_config, load_config
from ..engine import Engine, one_line
from ..errors import ConfigError, ExitCode, LockHeldError, TargetBusyError, TuiSyncError
from ..events import Control, LogLine, Mode, RunFinished, Status, TableResult
from ..scheduler import Scheduler
from ..state import read_resume_points, read_table_states
from ..typeplan import target_name
from .commands import TuiSyncCommands
from .messages import (
    SchedulerReady,
    SyncLog,
    SyncPhase,
    SyncProgress,
    SyncRunFailed,
    SyncRunFinished,
    SyncStarted,
    SyncTableFinished,
    TableStatesLoaded,
    VerifyDone,
    VerifyResult,
    VerifyStarted,
    message_for,
)
from .screens.base import AppScreen
from .screens.connection import ConnectionScreen
from .screens.dialogs import RETRY, ChoiceScreen, ConfirmScreen, ErrorScreen
from .screens.help import HelpScreen
from .screens.history import HistoryScreen
from .screens.preview import PreviewScreen
from .screens.progress import ProgressScreen
from .screens.tables import TablesScreen, resume_text
from .screens.verify import VerifyOutcome, VerifyScreen
from .widgets.run_view import LOG_LINES_KEPT, RunState

SCHEDULE_CHECK_S = 10.0  # how often the open app looks for due scheduled tables
EXIT_INTERRUPTED = ExitCode.INTERRUPTED  # the app's return code after SIGHUP/SIGTERM
BUSY_ERRORS = (TargetBusyError, LockHeldError)  # another process has the file: Retry makes sense

_logger = logging.getLogger("tui_sync.tui")


def terminal_fds() -> list[int]:
    """The standard streams that are a terminal (checked while it is alive: on a hung-up
    tty even isatty() fails)."""
    out = []
    for fd in (0, 1, 2):
        try:
            if os.isatty(fd):
                out.append(fd)
        except OSError:
            pass
    return out


def terminal_gone(fds: Sequence[int]) -> bool:
    """Has the terminal hung up? A zero-byte write to a hung-up tty fails (EIO); to a live
    one it writes nothing."""
    for fd in fds:
        try:
            os.write(fd, b"")
        except OSError:
            return True
    return False


def detach_from_terminal() -> None:
    """Point the standard streams at /dev/null, as a daemon does: the terminal is gone,
    and whatever Textual still writes while the sync rolls back must not fail or block."""
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        for fd in (0, 1, 2):
            try:
                os.dup2(devnull, fd)
            except OSError:
                pass
    finally:
        os.close(devnull)


@dataclass(frozen=True)
class SyncStep:
    """One Engine.run of a manual sync; a run is one or more steps on the same thread."""

    tables: tuple[str, ...]
    mode: Mode
    resume: bool = False

_SCREEN_GROUP = Binding.Group("Go ", compact=True)


def _goto(key: str, mode: str, label: str, display: str | None = None) -> Binding:
    return Binding(key, f"goto('{mode}')", label, key_display=display, group=_SCREEN_GROUP,
                   tooltip=f"Show the {label} screen", id=f"goto.{mode}")


class TuiSyncApp(App[None]):
    """tui-sync's terminal UI."""

    TITLE = "tui-sync"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {TuiSyncCommands}
    SCREENS: ClassVar[dict[str, Any]] = {
        "connection": ConnectionScreen,
        "tables": TablesScreen,
        "progress": ProgressScreen,
        "preview": PreviewScreen,
        "history": HistoryScreen,
        "help": HelpScreen,
    }
    MODES: ClassVar[dict[str, Any]] = {name: name for name in SCREENS}
    BINDINGS: ClassVar[list[BindingType]] = [
        _goto("c", "connection", "Connection"),
        _goto("t", "tables", "Tables"),
        _goto("g", "progress", "Progress"),
        _goto("v", "preview", "Preview"),
        _goto("h", "history", "History"),
        _goto("question_mark", "help", "Help", "?"),
        Binding("q", "quit", "Quit", tooltip="Quit (asks while a sync runs)", id="app.quit"),
    ]

    def __init__(self, config_path: Path, config: Config | None, *, config_error: str | None = None,
                 now: Callable[[], datetime] | None = None, scheduler: bool = True) -> None:
        super().__init__()
        self.config_path = Path(config_path)
        self.config: Config = config or Config(path=self.config_path)
        self.config_ok = config is not None
        self.config_error = config_error
        self.session_password: str | None = None  # typed on the Connection screen; never saved
        self._file_password = self.config.source.password  # only if the user chose to save one
        self.now: Callable[[], datetime] = now or (lambda: datetime.now(UTC))
        self.run_state: RunState | None = None
        self.log_lines: deque[LogLine] = deque(maxlen=LOG_LINES_KEPT)
        self.marked: set[str] = set()  # source table names marked on the Tables screen
        self.preview_target: tuple[str, str | None] | None = None  # (target table, cursor column)
        self.scheduler: Scheduler | None = None
        self._scheduler_wanted = scheduler
        self._sync_worker: Worker[object] | None = None
        self._quitting = False
        self.verify_results: dict[str, VerifyOutcome] = {}  # by source table, latest verify
        self._verify_token = 0
        self._verify_worker: Worker[object] | None = None
        self._verify_control = Control()  # cancels a running verify's source queries (on exit)
        self._retries: dict[Worker[object], Callable[[], object]] = {}
        self._signal_handlers: dict[int, Any] = {}  # signal -> the handler it had before
        self._signal_loop: asyncio.AbstractEventLoop | None = None
        self._tty_fds: list[int] = []
        self.signal_received: int | None = None
        self.detached = False  # the terminal hung up: stdin/stdout/stderr now point at /dev/null

    # -- start-up ------------------------------------------------------------------------
    def on_mount(self) -> None:
        if self.config_ok:
            self.switch_mode("tables")
        else:
            self.switch_mode("connection")
            if self.config_error:
                self.notify(self.config_error, title="Config", severity="error", timeout=10)
        self._show_config_warnings()
        # A sync allocates and frees objects by the million; with the default thresholds
        # Python then runs full collections over every live object of the UI, pausing key
        # handling for up to a few hundred ms. Rarer collections, and the start-up objects
        # moved out of the collector's sight, keep keys answering promptly.
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 50, 100)
        self._start_scheduler()
        self.set_interval(SCHEDULE_CHECK_S, self.check_schedule, name="schedule-check")
        self._install_signal_handlers()

    def _show_config_warnings(self) -> None:
        for warning in getattr(self.config, "warnings", []):
            self.notify(warning, title="Config", severity="warning", timeout=10)

    # -- navigation ----------------------------------------------------------------------
    def action_goto(self, mode: str) -> None:
        if mode == "preview" and self.preview_target is None:
            # Nothing chosen yet: preview the highlighted table if it has been synced.
            tables = self.mounted_screen("tables")
            name = tables.highlighted() if isinstance(tables, TablesScreen) else None
            if name is not None and self.config.table(name).target_name() in tables.states:
                self.preview(name)
                return
        self.switch_mode(mode)

    def mounted_screen(self, mode: str) -> AppScreen | None:
        """The screen of a mode if it has been shown once (so its widgets exist)."""
        try:
            screen = self.get_screen(mode)
        except KeyError:  # shutting down: the screens are already uninstalled
            return None
        return screen if isinstance(screen, AppScreen) and screen.is_mounted else None

    def progress_screen(self) -> ProgressScreen | None:
        screen = self.mounted_screen("progress")
        return screen if isinstance(screen, ProgressScreen) else None

    def _each_mounted(self) -> list[AppScreen]:
        return [s for s in (self.mounted_screen(m) for m in self.SCREENS) if s is not None]

    # -- config --------------------------------------------------------------------------
    def set_config(self, config: Config) -> None:
        """Install a freshly saved and reloaded config; screens refresh what depends on it."""
        self._file_password = config.source.password
        if self.session_password is not None:
            config.source.password = self.session_password
        self.config, self.config_ok, self.config_error = config, True, None
        self._show_config_warnings()
        self.config_path = config.path or self.config_path
        if self.scheduler is not None:
            self.scheduler.reload(config)
        elif self._scheduler_wanted:
            self._start_scheduler()
        for screen in self._each_mounted():
            screen.config_changed()

    def set_session_password(self, password: str | None) -> None:
        self.session_password = password or None
        # An emptied field falls back to the saved password (if any), then to password_env.
        self.config.source.password = self.session_password or self._file_password

    def reload_config(self) -> None:
        try:
            self.set_config(load_config(self.config_path))
        except ConfigError as exc:
            self.show_error("Config", str(exc))
        else:
            self.notify(f"Reloaded {self.config_path}", title="Config")

    # -- errors --------------------------------------------------------------------------
    def run_in_thread(self, job: Callable[[], object], *, group: str, description: str,
                      retry: Callable[[], object] | None = None) -> Worker[object]:
        """Run blocking work (database, source, engine) on a thread worker owned by the app.

        Every worker belongs to the app so that `_worker_state_changed`, the one handler,
        sees every failure (Worker.StateChanged does not bubble up from screens). The job
        reports back by posting messages to whoever asked. `retry` starts the same action
        again: the error dialog offers it when another process holds the DuckDB file.
        """
        worker = self.run_worker(job, name=group, group=group, description=description, thread=True,
                                 exclusive=True, exit_on_error=False)
        if retry is not None:
            self._retries[worker] = retry
        return worker

    def show_error(self, title: str, message: str, details: str | None = None, *,
                   retry: Callable[[], object] | None = None) -> None:
        def answered(answer: str | None) -> None:
            if answer == RETRY and retry is not None:
                retry()

        self.push_screen(ErrorScreen(title, message, details, retry=retry is not None), answered)

    @on(Worker.StateChanged)
    def _worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a worker failure becomes visible: an error dialog, never a crash."""
        worker = event.worker
        if event.state not in (WorkerState.ERROR, WorkerState.SUCCESS, WorkerState.CANCELLED):
            return
        retry = self._retries.pop(worker, None)
        if event.state != WorkerState.ERROR:
            return
        error = worker.error
        assert error is not None
        if worker.group == "sync" and self.run_state is not None and self.run_state.running:
            self._run_failed(self.run_state, one_line(error))
        details = None
        if not isinstance(error, TuiSyncError):  # a bug, not a user error: keep the traceback
            details = "".join(traceback.format_exception(error)).strip()
        if self._quitting:
            return  # nobody is left to read it
        message = one_line(error)
        busy = isinstance(error, BUSY_ERRORS)
        if busy and any(isinstance(s, ErrorScreen) and s.message == message for s in self.screen_stack):
            return  # the same holder is already on screen (a sync and the state refresh after it)
        self.show_error(worker.description or worker.name or "Background task", message, details,
                        retry=retry if busy else None)

    # -- syncing -------------------------------------------------------------------------
    @property
    def sync_busy(self) -> bool:
        return (self._sync_worker is not None and not self._sync_worker.is_finished) or (
            self.run_state is not None and self.run_state.running)

    def start_sync(self, tables: list[str], mode: Mode, *, resume: bool | None = None) -> bool:
        """Start a manual sync in the sync worker and show it on the Progress screen.

        When a table to sync in full (or auto) mode has an interrupted full sync, ask
        first: resume it, start over, or cancel. Scripts (benchmarks, tests) can decide
        instead: `resume=True` resumes, `resume=False` starts over, without a question.
        Returns whether a run started now (False while the question is open).
        """
        if not self._can_sync(tables):
            return False
        mode = Mode(mode)
        resumable = self.resume_points_of(tables) if mode in (Mode.AUTO, Mode.FULL) else {}
        if not resumable:
            return self._launch(tables, mode, [SyncStep(tuple(tables), mode, resume=bool(resume))])
        if resume is not None:
            steps = ([SyncStep(tuple(tables), mode, resume=True)] if resume
                     else self._start_over_steps(tables, mode, set(resumable)))
            return self._launch(tables, mode, steps)

        def answered(choice: str | None) -> None:
            if choice == "resume":
                self._launch(tables, mode, [SyncStep(tuple(tables), mode, resume=True)])
            elif choice == "over":
                self._launch(tables, mode, self._start_over_steps(tables, mode, set(resumable)))

        lines = [f"{name}: {self.resume_text(name)} already in DuckDB (kept from an interrupted full sync)"
                 for name in resumable]
        self.push_screen(ChoiceScreen(
            "Resume the interrupted full sync?",
            "\n".join(lines) + "\n\nResume reads only the rest and swaps the table in at the end; "
            "start over reads the whole table again.",
            [("r", "Resume", "resume"), ("o", "Start over", "over"), ("n", "Cancel", "cancel")]), answered)
        return False

    @staticmethod
    def _start_over_steps(tables: list[str], mode: Mode, resumable: set[str]) -> list[SyncStep]:
        """Full mode without resume starts over; auto would resume, so those tables run full."""
        if mode == Mode.FULL:
            return [SyncStep(tuple(tables), Mode.FULL)]
        again = tuple(t for t in tables if t in resumable)
        rest = tuple(t for t in tables if t not in resumable)
        return [SyncStep(again, Mode.FULL)] + ([SyncStep(rest, mode)] if rest else [])

    def _can_sync(self, tables: Sequence[str]) -> bool:
        if not self.config_ok:
            self.show_error("Sync", "There is no valid config yet: fix it on the Connection screen (c).")
            return False
        if not tables:
            self.notify("Mark tables with space, or highlight one.", title="Sync", severity="warning")
            return False
        if self.sync_busy:
            self.notify("A sync is running: wait for it, or cancel it on the Progress screen (g).",
                        title="Sync", severity="warning")
            return False
        return True

    def _launch(self, tables: list[str], mode: Mode, steps: list[SyncStep]) -> bool:
        """Run `steps` on the sync thread as one run of `tables` shown on the Progress screen."""
        if not self._can_sync(tables):
            return False
        run = self._new_run(tables, mode)
        self._install_run(run)
        config = self.config
        self._sync_worker = self._start_sync_worker(
            lambda: self._engine_steps(config, steps, run), f"{mode.value.capitalize()} sync",
            retry=partial(self._launch, tables, mode, steps))
        self.switch_mode("progress")
        return True

    def resume_points_of(self, tables: Sequence[str]) -> dict[str, Any]:
        """The pending resume points (as last read) of these source tables, by source table."""
        screen = self.mounted_screen("tables")
        points = screen.resume if isinstance(screen, TablesScreen) else {}
        out = {}
        for name in tables:
            point = points.get(self.config.table(name).target_name())
            if point is not None:
                out[name] = point
        return out

    def resume_text(self, name: str) -> str:
        point = self.resume_points_of([name]).get(name)
        return resume_text(point) if point is not None else ""

    def _new_run(self, tables: list[str], mode: Mode, *, scheduled: bool = False,
                 control: Control | None = None) -> RunState:
        pairs = [(name, self.config.table(name).target_name()) for name in tables]
        run = RunState.create(pairs, mode, scheduled=scheduled)
        if control is not None:
            run.control = control
        return run

    def _install_run(self, run: RunState) -> None:
        self.run_state = run
        what = "scheduled " if run.scheduled else ""
        names = ", ".join(r.source for r in run.tables.values())
        self._log(LogLine("info", f"── {what}{run.mode.value} sync of {names} ──"))
        progress = self.progress_screen()
        if progress is not None:
            progress.rebuild()
        self._refresh_nav()

    def _engine_run(self, config: Config, tables: list[str], mode: Mode, run: RunState) -> RunFinished:
        """Runs on the sync worker's thread: the engine posts its events as messages."""
        return self._engine_steps(config, [SyncStep(tuple(tables), mode)], run)

    def _engine_steps(self, config: Config, steps: list[SyncStep], run: RunState) -> RunFinished:
        """On the sync thread: one Engine.run per step, reported as one run (one RunFinished)."""
        results: list[TableResult] = []

        def post(event: Any) -> None:
            if isinstance(event, RunFinished) and len(steps) > 1:
                results.extend(event.results)  # the combined one is posted after the last step
                return
            self.post_message(message_for(event, run))

        finished = RunFinished(())
        for step in steps:
            engine = Engine(config, on_event=post, control=run.control, holder="tui")
            finished = engine.run(list(step.tables), step.mode, resume=step.resume)
        if len(steps) > 1:
            finished = RunFinished(tuple(results))
            self.post_message(message_for(finished, run))
        return finished

    def _start_sync_worker(self, job: Callable[[], object], description: str, *,
                           retry: Callable[[], object] | None = None) -> Worker[object]:
        """The one thread every sync runs on, manual or scheduled."""
        return self.run_in_thread(job, group="sync", description=description, retry=retry)

    def _is_current(self, message: Any) -> bool:
        return self.run_state is not None and message.run is self.run_state

    @on(SyncStarted)
    def _scheduled_run_started(self, message: SyncStarted) -> None:
        self._install_run(message.run)
        if self.current_mode != "progress":
            names = ", ".join(r.source for r in message.run.tables.values())
            self.notify(f"Scheduled sync of {names} started (g shows it).", title="Schedule")

    @on(SyncPhase)
    @on(SyncProgress)
    @on(SyncTableFinished)
    def _sync_event(self, message: SyncPhase | SyncProgress | SyncTableFinished) -> None:
        if not self._is_current(message):
            return
        assert self.run_state is not None
        target = self.run_state.apply(message.event)
        progress = self.progress_screen()
        if progress is not None and target is not None:
            progress.update_table(target)

    @on(SyncLog)
    def _sync_log(self, message: SyncLog) -> None:
        self._log(message.event)

    @on(SyncRunFinished)
    def _sync_finished(self, message: SyncRunFinished) -> None:
        if not self._is_current(message):
            return
        run = self.run_state
        assert run is not None
        run.apply(message.event)
        self._run_ended(run)

    @on(SyncRunFailed)
    def _sync_failed(self, message: SyncRunFailed) -> None:
        if self._is_current(message) and message.run.running:
            self._run_failed(message.run, message.error)

    def _run_failed(self, run: RunState, error: str) -> None:
        run.fail(error)
        self._log(LogLine("error", f"run failed: {error}"))
        self._run_ended(run)

    def _run_ended(self, run: RunState) -> None:
        progress = self.progress_screen()
        if progress is not None:
            progress.rebuild()
        summary = run.summary()
        if self.current_mode != "progress" and not self._quitting:
            ok = run.error is None and run.finished is not None and run.finished.ok
            self.notify(summary, title="Sync finished" if ok else "Sync ended with problems",
                        severity="information" if ok else "error", timeout=8)
        self.refresh_states()
        history = self.mounted_screen("history")
        if isinstance(history, HistoryScreen):
            history.load()
        self._reload_preview(run)
        self._refresh_nav()

    def _reload_preview(self, run: RunState) -> None:
        """The Preview pane shows a table this run just wrote: read it again."""
        screen = self.mounted_screen("preview")
        if not isinstance(screen, PreviewScreen) or run.finished is None:
            return
        written = set()
        for res in run.finished.results:
            if res.status == Status.OK:
                written |= {res.table, f"{res.table}_test"}
        screen.reload_if_showing(written)

    def _log(self, line: LogLine) -> None:
        self.log_lines.append(line)
        progress = self.progress_screen()
        if progress is not None:
            progress.append_log(line)

    def _refresh_nav(self) -> None:
        for screen in self._each_mounted():
            screen.run_changed()
        self.screen.refresh_bindings()

    def run_status_line(self) -> str:
        """A few words for the screen bar: what the sync is doing."""
        run = self.run_state
        if run is None:
            return ""
        if run.running:
            done = sum(1 for r in run.tables.values() if r.finished)
            word = "paused" if run.control.paused else "syncing"
            return f"{word} {done}/{len(run.tables)}"
        if run.error is not None or (run.finished is not None and not run.finished.ok):
            return "last sync: problems"
        return "last sync: ok"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Pause and cancel stay in the footer, dimmed, while nothing runs.
        if action in ("toggle_pause", "cancel_sync"):
            return True if self.run_state is not None and self.run_state.running else None
        return True

    def action_toggle_pause(self) -> None:
        run = self.run_state
        if run is None or not run.running:
            self.notify("No sync is running.", title="Pause", severity="warning")
            return
        if run.control.paused:
            run.control.resume()
            self._log(LogLine("info", "resume requested"))
        else:
            run.control.pause()
            self._log(LogLine("info", "pause requested: the sync stops after the current batch"))
        progress = self.progress_screen()
        if progress is not None:
            progress.rebuild()
        self._refresh_nav()

    def action_cancel_sync(self) -> None:
        run = self.run_state
        if run is None or not run.running:
            self.notify("No sync is running.", title="Cancel", severity="warning")
            return

        def answered(yes: bool | None) -> None:
            if yes and run.running:
                run.control.cancel()
                self._log(LogLine("warning", "cancel requested: rolling back, targets stay as they were"))
                self._refresh_nav()

        self.push_screen(ConfirmScreen(
            "Cancel the sync?",
            "The running table is rolled back and its target stays exactly as it was; "
            "tables not started yet are not synced.", yes="Cancel sync", no="Keep running"), answered)

    # -- quitting ------------------------------------------------------------------------
    async def action_quit(self) -> None:
        if not self.sync_busy:
            self.exit()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._cancel_and_exit()

        self.push_screen(ConfirmScreen(
            "Quit while a sync runs?",
            "The sync is cancelled first: the running table is rolled back and its target "
            "stays as it was.", yes="Cancel sync and quit", no="Keep running"), answered)

    @work(exclusive=True, group="quit", exit_on_error=False)
    async def _cancel_and_exit(self, return_code: int = 0) -> None:
        """Cancel cleanly, wait for the sync thread to finish its rollback, then exit."""
        self._quitting = True
        if self.scheduler is not None:
            self.scheduler.stop()
        if self.run_state is not None:
            self.run_state.control.cancel()
        self.notify("Cancelling the sync…", title="Quit")
        worker = self._sync_worker
        if worker is not None and not worker.is_finished:
            try:
                await worker.wait()
            except WorkerFailed:
                pass  # already reported; quitting anyway
        self.exit(return_code=return_code)

    # -- signals -------------------------------------------------------------------------
    def _install_signal_handlers(self) -> None:
        """SIGHUP (the SSH session dropped) and SIGTERM (kill, a service stop) cancel the
        running sync cleanly and exit; the previous handlers come back when the app unmounts.

        Textual handles neither: a SIGHUP would kill the process mid-batch and leave the run
        recorded as 'running'. A plain `signal.signal` handler (not `loop.add_signal_handler`)
        because on a hang-up the kernel sends SIGCONT right after SIGHUP, and Textual's own
        SIGCONT handler would restart application mode on the dead terminal; ours runs first
        (handlers run in signal-number order) and takes that handler away.
        """
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set from the main thread
        self._signal_loop = asyncio.get_running_loop()
        self._tty_fds = terminal_fds()
        for sig in (getattr(signal, "SIGHUP", None), signal.SIGTERM):
            if sig is None:
                continue
            try:
                self._signal_handlers[sig] = signal.signal(sig, self._signal_arrived)
            except (ValueError, OSError):
                continue

    def _restore_signal_handlers(self) -> None:
        for sig, previous in self._signal_handlers.items():
            try:
                signal.signal(sig, previous if previous is not None else signal.SIG_DFL)
            except (ValueError, TypeError, OSError):
                pass
        self._signal_handlers.clear()

    def _signal_arrived(self, signum: int, _frame: object) -> None:
        """The signal handler proper (main thread, between two bytecodes): only what cannot
        wait, then the rest on the event loop (`handle_signal`)."""
        if signum == getattr(signal, "SIGHUP", None):
            sigcont = getattr(signal, "SIGCONT", None)
            if sigcont is not None:
                signal.signal(sigcont, signal.SIG_DFL)  # nothing to resume: we are leaving
            if terminal_gone(self._tty_fds):
                detach_from_terminal()  # writes to a hung-up tty fail; Textual's writer would stall
                self.detached = True
        run = self.run_state
        if run is not None and run.running:
            run.control.cancel()  # at once: the engine stops at its next batch and rolls back
        loop = self._signal_loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.handle_signal, signum)

    def handle_signal(self, signum: int) -> None:
        """On the UI thread: cancel the sync, wait for its rollback, exit (return code 130).

        A second signal exits at once; the engine still rolls back, because the process
        waits for the sync thread before it ends."""
        name = signal.Signals(signum).name
        if self.signal_received is not None:
            _logger.warning("%s again: exiting now", name)
            self.exit(return_code=EXIT_INTERRUPTED)
            return
        self.signal_received = signum
        why = "the terminal went away" if signum == getattr(signal, "SIGHUP", None) else "asked to stop"
        _logger.warning("%s (%s%s): cancelling any running sync and exiting", name, why,
                        "; output now goes to /dev/null" if self.detached else "")
        if self.scheduler is not None:
            self.scheduler.stop()
        if self.run_state is not None and self.run_state.running:
            self.run_state.control.cancel()
            self._log(LogLine("warning", f"{name} ({why}): cancelling the sync, then exiting"))
        if self.sync_busy:
            self._cancel_and_exit(EXIT_INTERRUPTED)
        else:
            self._quitting = True
            self.exit(return_code=EXIT_INTERRUPTED)

    # -- table states, preview -----------------------------------------------------------
    def refresh_states(self) -> None:
        """Re-read the sync state and resume points (after a run) for the Tables screen."""
        if self.config_ok:
            self.run_in_thread(partial(self._load_states, self.config.target_path()), group="states",
                               description="Reading the sync state", retry=self.refresh_states)

    def _load_states(self, db_path: Path) -> None:
        """On a thread: posts TableStatesLoaded."""
        self.post_message(TableStatesLoaded(read_table_states(db_path), read_resume_points(db_path)))

    @on(TableStatesLoaded)
    def _states_loaded(self, message: TableStatesLoaded) -> None:
        tables = self.mounted_screen("tables")
        if isinstance(tables, TablesScreen):
            tables.set_states(message.states, message.resume)

    # -- verify --------------------------------------------------------------------------
    @property
    def verify_busy(self) -> bool:
        return self._verify_worker is not None and not self._verify_worker.is_finished

    def start_verify(self, tables: list[str]) -> bool:
        """Compare the source and the DuckDB target of each table (counts and sums per
        partition) on a thread; show the results in a dialog and the Tables screen."""
        if not self.config_ok:
            self.show_error("Verify", "There is no valid config yet: fix it on the Connection screen (c).")
            return False
        if not tables:
            self.notify("Mark tables with space, or highlight one.", title="Verify", severity="warning")
            return False
        if self.verify_busy:
            self.notify("A verify is running: wait for it to finish.", title="Verify", severity="warning")
            return False
        self._verify_token += 1
        token = self._verify_token
        for name in tables:
            self.verify_results[name] = VerifyOutcome(name)
        self._verify_control = Control()
        self._verify_worker = self.run_in_thread(
            partial(self._verify_job, self.config, list(tables), token, self._verify_control), group="verify",
            description="Verifying", retry=partial(self.start_verify, list(tables)))
        if isinstance(self.screen, VerifyScreen):
            self.screen.reset(tables)
        else:
            self.push_screen(VerifyScreen(tables))
        self._verify_changed()
        return True

    def _verify_job(self, config: Config, tables: list[str], token: int, control: Control) -> None:
        """On a thread: verify table after table; a busy DuckDB file stops it (and is retried).
        `control.cancel()` (the app is closing) breaks the running source query."""
        from ..sources import open_source
        from ..verify import verify_table  # the source aggregates load when first needed

        def source_factory() -> Any:
            source = open_source(config.source, base_dir=config.base_dir)
            control.add_cancel_hook(source.cancel)
            return source

        self.post_message(VerifyStarted(tables, token))
        try:
            for name in tables:
                if control.cancelled:
                    break
                self.post_message(VerifyResult(name, None, None, token))  # "running"
                try:
                    report = verify_table(config, name, source_factory=source_factory)
                except BUSY_ERRORS:
                    raise
                except Exception as exc:  # noqa: BLE001 - one table's failure is its result
                    self.post_message(VerifyResult(name, None, one_line(exc), token))
                else:
                    self.post_message(VerifyResult(name, report, None, token))
        except BaseException as exc:
            self.post_message(VerifyDone(token, one_line(exc)))
            raise
        self.post_message(VerifyDone(token))

    @on(VerifyStarted)
    def _verify_started(self, message: VerifyStarted) -> None:
        self._verify_changed()

    @on(VerifyResult)
    def _verify_result(self, message: VerifyResult) -> None:
        if message.token != self._verify_token:
            return
        outcome = self.verify_results.setdefault(message.table, VerifyOutcome(message.table))
        if message.error is not None:
            outcome.status, outcome.report, outcome.error = "error", None, message.error
        elif message.report is not None:
            outcome.report, outcome.error = message.report, None
            outcome.status = "ok" if message.report.ok else "differs"
        else:
            outcome.status = "running"
        self._verify_changed()

    @on(VerifyDone)
    def _verify_done(self, message: VerifyDone) -> None:
        if message.token != self._verify_token:
            return
        for outcome in self.verify_results.values():
            if not outcome.done:  # stopped early (the DuckDB file was busy)
                outcome.status, outcome.error = "error", message.error or "not verified"
        self._verify_changed()

    def _verify_changed(self) -> None:
        tables = self.mounted_screen("tables")
        if isinstance(tables, TablesScreen):
            tables.refresh_rows()
        for screen in self.screen_stack:
            if isinstance(screen, VerifyScreen):
                screen.refresh_results()

    def preview(self, source_table: str) -> None:
        """Show a source table's target in the Preview screen."""
        tc = self.config.table(source_table)
        # The cursor as named in DuckDB (lower-cased like the plan does by default).
        cursor = target_name(tc.cursor, self.config.sync.lowercase_names) if tc.cursor else None
        self.preview_target = (tc.target_name(), cursor)
        tables = self.mounted_screen("tables")
        if isinstance(tables, TablesScreen) and tables.loaded and tc.target_name() not in tables.states:
            self.notify(f"{source_table} has not been synced yet: its target {tc.target_name()} may not "
                        "exist (a test sync writes <target>_test).", title="Preview", severity="warning")
        self.switch_mode("preview")
        screen = self.mounted_screen("preview")
        if isinstance(screen, PreviewScreen):
            screen.show_target()

    # -- scheduler -----------------------------------------------------------------------
    def _start_scheduler(self) -> None:
        if self._scheduler_wanted and self.config_ok and self.scheduler is None:
            self._make_scheduler(self.config)

    @work(thread=True, exclusive=True, group="scheduler", exit_on_error=False,
          description="Starting the scheduler")
    def _make_scheduler(self, config: Config) -> None:
        # Built on a thread: it reads the run history to catch up missed runs.
        scheduler = Scheduler(config, self._scheduled_sync, now=self.now,
                              on_log=lambda line: self.post_message(SyncLog(line, None)))
        self.post_message(SchedulerReady(scheduler))

    @on(SchedulerReady)
    def _scheduler_ready(self, message: SchedulerReady) -> None:
        self.scheduler = message.scheduler
        if self.scheduler.config is not self.config:
            self.scheduler.reload(self.config)  # the config changed while it was starting
        tables = self.mounted_screen("tables")
        if isinstance(tables, TablesScreen):
            tables.refresh_rows()
        self.check_schedule()

    def check_schedule(self) -> None:
        """Timer: start due scheduled tables through the sync worker, when idle."""
        scheduler = self.scheduler
        if scheduler is None or self.sync_busy or self._quitting or not scheduler.due():
            return
        self._sync_worker = self._start_sync_worker(scheduler.run_due, "Scheduled sync")

    def _scheduled_sync(self, tables: list[str], mode: Mode, *, control: Control) -> RunFinished:
        """The scheduler's run_sync, called on the sync worker's thread."""
        run = self._new_run(tables, mode, scheduled=True, control=control)
        self.post_message(SyncStarted(run))
        try:
            return self._engine_run(self.scheduler.config if self.scheduler else self.config,
                                    tables, mode, run)
        except Exception as exc:
            # The scheduler records this (skipped when the lock is held); the run view ends.
            self.post_message(SyncRunFailed(run, one_line(exc)))
            raise

    def next_runs(self) -> dict[str, datetime]:
        return self.scheduler.next_runs() if self.scheduler is not None else {}

    # -- teardown ------------------------------------------------------------------------
    def on_unmount(self) -> None:
        # The terminal went away without a confirmed quit: never leave a sync running.
        # (The process then waits for the sync thread, which rolls back and records it.)
        if self.scheduler is not None:
            self.scheduler.stop()
        if self.run_state is not None and self.run_state.running:
            self.run_state.control.cancel()
        self._verify_control.cancel()  # the process waits for worker threads before it ends
        self._restore_signal_handlers()


def create_app(config_path: Path | None, demo: bool = False, *,
               now: Callable[[], datetime] | None = None, scheduler: bool = True) -> TuiSyncApp:
    """The app factory shared by the CLI (`tui-sync`, `tui-sync --demo`) and the tests.

    A missing or invalid config opens the Connection screen with the error shown, so
    the user can write one there.
    """
    error: str | None = None
    if demo:
        from ..demo import ensure_demo

        config_path = ensure_demo()
    elif config_path is None:
        try:
            config_path = find_config(None)
        except ConfigError as exc:
            config_path, error = paths.config_dir() / "tui-sync.ini", str(exc)
    config: Config | None = None
    if error is None:
        try:
            config = load_config(config_path)
        except ConfigError as exc:
            error = str(exc)
    return TuiSyncApp(Path(config_path), config, config_error=error, now=now, scheduler=scheduler)


__all__ = ["TuiSyncApp", "create_app"]
