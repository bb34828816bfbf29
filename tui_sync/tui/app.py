"""The Textual application (DESIGN §9): modes, global keys, and the one worker-error handler.

Shape (after harlequin and posting):
- one screen per mode; the global keys switch modes, so every screen keeps its state;
- `session` (`session.py`) holds what the app knows; screens render it, only the app
  and its controllers (`controllers/`: runs, signals, verify, schedule, catalog) change it;
- every database or engine call runs in a thread worker (`run_in_thread`) that only
  posts typed messages (`messages.py`); the `@on` handlers here hand them to a controller;
- one `Worker.StateChanged` handler turns any worker failure into an error dialog
  (Retry when another process holds the DuckDB file or the sync lock), or hands it
  to the worker's own `on_error` (the Preview pane's status line);
- `create_app` is the factory the CLI and the tests share.
"""

from __future__ import annotations

import gc
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from ..config import Config, find_config, load_config
from ..errors import ConfigError, TuiSyncError, one_line
from ..events import LogLine, Mode
from ..i18n import N_, _
from ..progress import RunState
from ..scheduler import Scheduler
from ..typeplan import target_name
from . import messages as msg
from .commands import TuiSyncCommands
from .controllers.catalog import CatalogController
from .controllers.password import PasswordController
from .controllers.run import RunController
from .controllers.schedule import SCHEDULE_CHECK_S, ScheduleController
from .controllers.signals import SignalController
from .controllers.verify import VerifyController
from .prefs import keep_theme
from .screens.base import AppScreen
from .screens.connection import ConnectionScreen
from .screens.dialogs import RETRY, ErrorScreen
from .screens.help import HelpScreen
from .screens.history import HistoryScreen
from .screens.preview import PreviewScreen
from .screens.progress import ProgressScreen
from .screens.tables import TablesScreen
from .session import Session
from .widgets.nav import SCREENS as SCREEN_KEYS
from .workers import BUSY_ERRORS, ErrorCallback

# The tooltips of the screen keys (literal, so the catalog has them; the words come from nav.SCREENS).
_GOTO_TIPS = {
    "connection": N_("Show the Connection screen"), "tables": N_("Show the Tables screen"),
    "progress": N_("Show the Progress screen"), "preview": N_("Show the Preview screen"),
    "history": N_("Show the History screen"), "help": N_("Show the Help screen"),
}
# Textual's own words the app shows: the palette key's footer word and tooltip, ctrl+q's
# tooltip, and the palette's system commands (translated in get_system_commands).
_TEXTUAL_WORDS = (
    N_("palette"), N_("Open the command palette"), N_("Quit the app and return to the command prompt."),
    N_("Bell"), N_("Ring the bell"), N_("Theme"), N_("Change the current theme"),
    N_("Keys"), N_("Hide the keys and widget help panel"),
    N_("Show help for the focused widget and a summary of available keys"),
    N_("Minimize"), N_("Minimize the widget and restore to normal size"),
    N_("Maximize"), N_("Maximize the focused widget"),
    N_("Screenshot"), N_("Save an SVG 'screenshot' of the current screen"),
)


def _goto(mode: str, key: str, label: str) -> Binding:
    binding_key = {"?": "question_mark"}.get(key, key)
    # Not in the footer: the screen bar above shows every screen's key with its name, and
    # the footer's 80 columns go to the screen's own keys, each with its word.
    return Binding(binding_key, f"goto('{mode}')", label, key_display=key if key != binding_key else None,
                   show=False, tooltip=_GOTO_TIPS.get(mode, f"Show the {label} screen"), id=f"goto.{mode}")


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
    # The screen keys come from the one table the screen bar and Help use too.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", N_("Quit"), tooltip=N_("Quit (asks while a sync runs)"), id="app.quit"),
        # Textual adds this one itself unless the app has it: here, so its word is translated.
        Binding(App.COMMAND_PALETTE_BINDING, "command_palette", N_("palette"), show=False, priority=True,
                tooltip=N_("Open the command palette")),
        *(_goto(mode, key, label) for mode, key, label in SCREEN_KEYS),
    ]

    def __init__(self, config_path: Path, config: Config | None, *, config_error: str | None = None,
                 now: Callable[[], datetime] | None = None, scheduler: bool = True) -> None:
        super().__init__()
        self.session = Session(config_path, config, config_error=config_error,
                               now=now or (lambda: datetime.now(UTC)))
        self._on_end: dict[Worker[object], tuple[Callable[[], object] | None, ErrorCallback | None]] = {}
        self.runs = RunController(self)
        self.signals = SignalController(self)
        self.verify = VerifyController(self)
        self.schedule = ScheduleController(self, wanted=scheduler)
        self.catalog = CatalogController(self)
        self.passwords = PasswordController(self)  # asks when an action needs a missing password

    # -- the session, read by scripts, benchmarks and tests ----------------------------------
    @property
    def config(self) -> Config:
        return self.session.config

    @property
    def config_path(self) -> Path:
        return self.session.config_path

    @property
    def now(self) -> Callable[[], datetime]:
        return self.session.now

    @now.setter
    def now(self, clock: Callable[[], datetime]) -> None:
        self.session.now = clock  # a test's clock; the scheduler reads it when it starts

    @property
    def run_state(self) -> RunState | None:
        return self.session.run

    @property
    def log_lines(self) -> deque[LogLine]:
        return self.session.log_lines

    @property
    def marked(self) -> set[str]:
        return self.session.marked

    @property
    def verify_results(self) -> dict[str, Any]:
        return self.session.verify_results

    @property
    def scheduler(self) -> Scheduler | None:
        return self.schedule.scheduler

    @property
    def sync_busy(self) -> bool:
        return self.runs.busy

    # -- start-up ------------------------------------------------------------------------
    def on_mount(self) -> None:
        keep_theme(self)  # the theme chosen in the palette, restored and kept in ui.ini
        if self.session.config_ok:
            self.switch_mode("tables")
        else:
            self.switch_mode("connection")
            if self.session.config_error:
                self.notify(self.session.config_error, title=_("Config"), severity="error", timeout=10)
        self._show_config_warnings()
        # A sync allocates and frees objects by the million; with the default thresholds
        # Python then runs full collections over every live object of the UI, pausing key
        # handling for up to a few hundred ms. Rarer collections, and the start-up objects
        # moved out of the collector's sight, keep keys answering promptly.
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 50, 100)
        self.schedule.start()
        self.set_interval(SCHEDULE_CHECK_S, self.check_schedule, name="schedule-check")
        self.signals.install()

    def _show_config_warnings(self) -> None:
        for warning in getattr(self.session.config, "warnings", []):
            self.notify(warning, title=_("Config"), severity="warning", timeout=10)

    # -- navigation ----------------------------------------------------------------------
    def action_goto(self, mode: str) -> None:
        name = self._table_for_preview() if mode == "preview" else None
        if name is not None:
            self.preview(name)
            return
        self.switch_mode(mode)

    def _table_for_preview(self) -> str | None:
        """The source table `v` opens: on Tables the highlighted one (synced or not: the user
        is on it), after a sync the table the run ended on, else the remembered choice (None),
        else (nothing chosen yet) the table highlighted on Tables if it has been synced."""
        session = self.session
        tables = self.mounted_screen("tables")
        highlighted = tables.highlighted() if isinstance(tables, TablesScreen) else None
        if self.current_mode == "tables" and highlighted is not None:
            return highlighted
        if session.synced_last is not None:
            return session.synced_last
        if session.preview_target is None and highlighted is not None and session.is_synced(highlighted):
            return highlighted  # from another screen: only a table that has rows to show
        return None

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

    def refresh_nav(self) -> None:
        for screen in self._each_mounted():
            screen.run_changed()
        self.screen.refresh_bindings()

    def run_status_line(self) -> str:  # the screen bar's few words about the sync
        return self.runs.status_line()

    # -- what screens ask for ------------------------------------------------------------
    def set_config(self, config: Config) -> None:
        """Install a freshly saved and reloaded config; screens refresh what depends on it."""
        self.session.install_config(config)
        self._show_config_warnings()
        self.schedule.config_changed(self.session.config)
        for screen in self._each_mounted():
            screen.config_changed()

    def set_session_password(self, password: str | None) -> None:
        self.session.set_password(password)

    def reload_config(self) -> None:
        try:
            self.set_config(load_config(self.session.config_path))
        except ConfigError as exc:
            self.show_error(_("Config"), str(exc))
        else:
            self.notify(_("Reloaded {path}").format(path=self.session.config_path), title=_("Config"))

    def set_marks(self, names: set[str]) -> None:  # source table names, from the Tables screen
        self.session.marked = set(names)

    def start_sync(self, tables: list[str], mode: Mode, *, resume: bool | None = None) -> bool:
        again = partial(self.start_sync, tables, mode, resume=resume)  # once a password is typed
        return self.passwords.ready(tables, again, _("The sync")) and self.runs.start(tables, mode, resume=resume)

    def start_verify(self, tables: list[str]) -> bool:
        again = partial(self.start_verify, tables)
        return self.passwords.ready(tables, again, _("Verify")) and self.verify.start(tables)

    def preview(self, source_table: str) -> None:
        """Show a source table's target in the Preview screen."""
        session = self.session
        tc = session.config.table(source_table)
        # The cursor as named in DuckDB (lower-cased like the plan does by default).
        cursor = target_name(tc.cursor, session.config.sync.lowercase_names) if tc.cursor else None
        session.preview_target = (tc.target_name(), cursor)
        session.synced_last = None  # a choice made after the run ended wins over it
        if session.catalog_loaded and not session.is_synced(source_table):
            self.notify(_("{table} has not been synced yet: its target {target} may not "
                          "exist (a test sync writes <target>_test).").format(table=source_table,
                                                                            target=tc.target_name()),
                        title=_("Preview"), severity="warning")
        self.switch_mode("preview")
        screen = self.mounted_screen("preview")
        if isinstance(screen, PreviewScreen):
            screen.show_target()

    def check_schedule(self) -> None:  # the timer's (and tests') way to the scheduler
        self.schedule.check()

    # -- workers and errors --------------------------------------------------------------
    def run_in_thread(self, job: Callable[[], object], *, group: str, description: str,
                      retry: Callable[[], object] | None = None, on_error: ErrorCallback | None = None,
                      exclusive: bool = True) -> Worker[object]:
        """Run blocking work (database, source, engine) on a thread worker owned by the app.

        Every worker belongs to the app so that `_worker_state_changed`, the one handler,
        sees every failure (Worker.StateChanged does not bubble up from screens). The job
        reports back by posting messages to whoever asked. `retry` starts the same action
        again: the error dialog offers it when another process holds the DuckDB file.
        `on_error` takes the failure instead of the dialog (called on the UI thread).
        """
        worker = self.run_worker(job, name=group, group=group, description=description, thread=True,
                                 exclusive=exclusive, exit_on_error=False)
        if retry is not None or on_error is not None:
            self._on_end[worker] = (retry, on_error)
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
        retry, on_error = self._on_end.pop(worker, (None, None))
        if event.state != WorkerState.ERROR:
            return
        error = worker.error
        assert error is not None
        if on_error is not None:
            on_error(error)
            return
        run = self.session.run
        if worker.group == "sync" and run is not None and run.running:
            self.runs.failed(run, one_line(error))
        details = None
        if not isinstance(error, TuiSyncError):  # a bug, not a user error: keep the traceback
            details = "".join(traceback.format_exception(error)).strip()
        if self.runs.quitting:
            return  # nobody is left to read it
        message = one_line(error)
        busy = isinstance(error, BUSY_ERRORS)
        if busy and any(isinstance(s, ErrorScreen) and s.message == message for s in self.screen_stack):
            return  # the same holder is already on screen (a sync and the state refresh after it)
        self.show_error(worker.description or worker.name or _("Background task"), message, details,
                        retry=retry if busy else None)

    # -- messages from the workers -------------------------------------------------------
    @on(msg.SourceTablesLoaded)
    def _tables_loaded(self, message: msg.SourceTablesLoaded) -> None:
        self.catalog.tables_loaded(message)

    @on(msg.TableStatesLoaded)
    def _states_loaded(self, message: msg.TableStatesLoaded) -> None:
        self.catalog.states_loaded(message)

    @on(msg.SyncStarted)
    def _scheduled_run_started(self, message: msg.SyncStarted) -> None:
        self.runs.scheduled_started(message.run)

    @on(msg.SyncPhase)
    @on(msg.SyncProgress)
    @on(msg.SyncTableFinished)
    def _sync_event(self, message: msg.SyncPhase | msg.SyncProgress | msg.SyncTableFinished) -> None:
        self.runs.event(message.run, message.event)

    @on(msg.SyncLog)
    def _sync_log(self, message: msg.SyncLog) -> None:
        self.runs.log(message.event)

    @on(msg.SyncRunFinished)
    def _sync_finished(self, message: msg.SyncRunFinished) -> None:
        self.runs.finished(message.run, message.event)

    @on(msg.SyncRunFailed)
    def _sync_failed(self, message: msg.SyncRunFailed) -> None:
        self.runs.failed(message.run, message.error)

    @on(msg.VerifyStarted)
    def _verify_started(self, message: msg.VerifyStarted) -> None:
        self.verify.changed()

    @on(msg.VerifyResult)
    def _verify_result(self, message: msg.VerifyResult) -> None:
        self.verify.result(message)

    @on(msg.VerifyDone)
    def _verify_done(self, message: msg.VerifyDone) -> None:
        self.verify.done(message)

    @on(msg.SchedulerReady)
    def _scheduler_ready(self, message: msg.SchedulerReady) -> None:
        self.schedule.ready(message.scheduler)

    # -- actions -------------------------------------------------------------------------
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        # The palette's own "Quit" would be a second one beside ours (which names its key).
        return (c._replace(title=_(c.title), help=_(c.help))
                for c in super().get_system_commands(screen) if c.title != "Quit")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Pause and cancel stay in the footer, dimmed, while nothing runs.
        if action in ("toggle_pause", "cancel_sync"):
            return True if self.runs.running else None
        return True

    def action_toggle_pause(self) -> None:
        self.runs.toggle_pause()

    def action_cancel_sync(self) -> None:
        self.runs.cancel()

    async def action_quit(self) -> None:
        self.runs.quit()

    # -- teardown ------------------------------------------------------------------------
    def on_unmount(self) -> None:
        # The terminal went away without a confirmed quit: never leave a sync running.
        # (The process then waits for the sync thread, which rolls back and records it.)
        self.schedule.stop()
        self.runs.cancel_now()
        self.verify.control.cancel()  # the process waits for worker threads before it ends
        self.signals.restore()


def create_app(config_path: Path | None, demo: bool = False, *,
               now: Callable[[], datetime] | None = None, scheduler: bool = True,
               lang: str | None = None) -> TuiSyncApp:
    """The app factory shared by the CLI (`tui-sync`, `tui-sync --demo`) and the tests.

    An invalid config opens the Connection screen with the error shown, so the user can
    fix it there. Without any config file (a first start) the Connection screen opens
    with empty fields, and saving writes the file where `tui-sync init` would
    (./tui-sync.ini), or at --config / $TUI_SYNC_CONFIG when one was named.
    """
    from .. import i18n
    from .localize import localize_bindings

    if lang is not None:  # the CLI chose it already (cli/language.py); tests pass it here
        i18n.set_language(lang)
    localize_bindings()
    error: str | None = None
    if demo:
        from ..demo import ensure_demo

        config_path = ensure_demo()
    elif config_path is None:
        try:
            config_path = find_config(None)
        except ConfigError:
            config_path = Path("tui-sync.ini").absolute()
    config: Config | None = None
    if Path(config_path).exists():
        try:
            config = load_config(config_path)
        except ConfigError as exc:
            error = str(exc)
    return TuiSyncApp(Path(config_path), config, config_error=error, now=now, scheduler=scheduler)


__all__ = ["TuiSyncApp", "create_app"]
