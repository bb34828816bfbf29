"""The Textual application (DESIGN §9): screens, global keys, and the one sync worker.

Shape (after harlequin and posting):
- one screen per mode (Connection, Tables, Progress, Preview, History, Help), the
  global keys switch modes, so every screen keeps its state while you look elsewhere;
- every database or engine call runs in a thread worker (`exit_on_error=False`) that
  only posts typed messages (`messages.py`); `@on` handlers on the UI thread own the
  state (`RunState`) and update the screens;
- one `Worker.StateChanged` handler turns any worker failure into an error dialog;
- `create_app` is the factory the CLI and the tests share.
"""

from __future__ import annotations

import traceback
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.worker import Worker, WorkerFailed, WorkerState

from .. import paths
from ..config import Config, find_config, load_config
from ..engine import Engine, one_line
from ..errors import ConfigError, TuiSyncError
from ..events import Control, LogLine, Mode, RunFinished
from ..scheduler import Scheduler
from ..state import read_table_states
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
    message_for,
)
from .screens.base import AppScreen
from .screens.connection import ConnectionScreen
from .screens.dialogs import ConfirmScreen, ErrorScreen
from .screens.help import HelpScreen
from .screens.history import HistoryScreen
from .screens.preview import PreviewScreen
from .screens.progress import ProgressScreen
from .screens.tables import TablesScreen
from .widgets.run_view import LOG_LINES_KEPT, RunState

SCHEDULE_CHECK_S = 10.0  # how often the open app looks for due scheduled tables

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

    # -- start-up ------------------------------------------------------------------------
    def on_mount(self) -> None:
        if self.config_ok:
            self.switch_mode("tables")
        else:
            self.switch_mode("connection")
            if self.config_error:
                self.notify(self.config_error, title="Config", severity="error", timeout=10)
        self._show_config_warnings()
        self._start_scheduler()
        self.set_interval(SCHEDULE_CHECK_S, self.check_schedule, name="schedule-check")

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
    def run_in_thread(self, job: Callable[[], object], *, group: str, description: str) -> Worker[object]:
        """Run blocking work (database, source, engine) on a thread worker owned by the app.

        Every worker belongs to the app so that `_worker_state_changed`, the one handler,
        sees every failure (Worker.StateChanged does not bubble up from screens). The job
        reports back by posting messages to whoever asked.
        """
        return self.run_worker(job, name=group, group=group, description=description, thread=True,
                               exclusive=True, exit_on_error=False)

    def show_error(self, title: str, message: str, details: str | None = None) -> None:
        self.push_screen(ErrorScreen(title, message, details))

    @on(Worker.StateChanged)
    def _worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a worker failure becomes visible: an error dialog, never a crash."""
        worker = event.worker
        if event.state != WorkerState.ERROR:
            return
        error = worker.error
        assert error is not None
        if worker.group == "sync" and self.run_state is not None and self.run_state.running:
            self._run_failed(self.run_state, one_line(error))
        details = None
        if not isinstance(error, TuiSyncError):  # a bug, not a user error: keep the traceback
            details = "".join(traceback.format_exception(error)).strip()
        self.show_error(worker.description or worker.name or "Background task", one_line(error), details)

    # -- syncing -------------------------------------------------------------------------
    @property
    def sync_busy(self) -> bool:
        return (self._sync_worker is not None and not self._sync_worker.is_finished) or (
            self.run_state is not None and self.run_state.running)

    def start_sync(self, tables: list[str], mode: Mode) -> bool:
        """Start a manual sync in the sync worker and show it on the Progress screen."""
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
        run = self._new_run(tables, mode)
        self._install_run(run)
        config = self.config
        self._sync_worker = self._start_sync_worker(
            lambda: self._engine_run(config, tables, mode, run), f"{mode.value.capitalize()} sync")
        self.switch_mode("progress")
        return True

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

        def post(event: Any) -> None:
            self.post_message(message_for(event, run))

        engine = Engine(config, on_event=post, control=run.control, holder="tui")
        return engine.run(tables, mode)

    def _start_sync_worker(self, job: Callable[[], object], description: str) -> Worker[object]:
        """The one thread every sync runs on, manual or scheduled."""
        return self.run_in_thread(job, group="sync", description=description)

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
        self._refresh_nav()

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
    async def _cancel_and_exit(self) -> None:
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
        self.exit()

    # -- table states, preview -----------------------------------------------------------
    def refresh_states(self) -> None:
        """Re-read the sync state (after a run) for the Tables screen."""
        if self.config_ok:
            self._load_states(self.config.target_path())

    @work(thread=True, exclusive=True, group="states", exit_on_error=False,
          description="Reading the sync state")
    def _load_states(self, db_path: Path) -> None:
        self.post_message(TableStatesLoaded(read_table_states(db_path)))

    @on(TableStatesLoaded)
    def _states_loaded(self, message: TableStatesLoaded) -> None:
        tables = self.mounted_screen("tables")
        if isinstance(tables, TablesScreen):
            tables.set_states(message.states)

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
        if self.scheduler is not None:
            self.scheduler.stop()
        if self.run_state is not None and self.run_state.running:
            self.run_state.control.cancel()


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
