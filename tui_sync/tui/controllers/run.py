"""Manual syncs: start (asking about interrupted full syncs), pause, cancel, and the run's events.

Every sync, manual or scheduled, runs on one thread worker (group "sync"); the engine's
events come back as typed messages that the app hands to `RunController`, which folds
them into the session's `RunState` and redraws the Progress screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.worker import Worker, WorkerFailed

from ...config import Config
from ...engine import Engine
from ...engine.modes import TEST_SUFFIX
from ...events import (
    Control,
    LogLine,
    Mode,
    RunFinished,
    Status,
    SyncRequest,
    TableFinished,
    TableResult,
)
from ...i18n import N_, _
from ...progress import RunState
from ...target import sibling
from ...words import mode_word
from ..messages import message_for
from ..screens.dialogs import CLOSE, ChoiceScreen, ConfirmScreen
from ..screens.history import HistoryScreen
from ..screens.preview import PreviewScreen
from ..screens.tables import resume_text

if TYPE_CHECKING:
    from ..app import TuiSyncApp


# The sync worker's name (an error dialog's title when it fails).
_SYNC_TITLES = {Mode.AUTO: N_("Auto sync"), Mode.FULL: N_("Full sync"), Mode.INCREMENTAL: N_("Incremental sync"),
                Mode.TEST: N_("Test sync")}


def start_over_steps(tables: list[str], mode: Mode, resumable: set[str]) -> list[SyncRequest]:
    """Full mode without resume starts over; auto would resume, so those tables run full."""
    if mode == Mode.FULL:
        return [SyncRequest(tuple(tables), Mode.FULL)]
    again = tuple(t for t in tables if t in resumable)
    rest = tuple(t for t in tables if t not in resumable)
    return [SyncRequest(again, Mode.FULL)] + ([SyncRequest(rest, mode)] if rest else [])


class RunController:
    """Starts, pauses and cancels syncs; keeps `session.run` up to date from the engine's events."""

    def __init__(self, app: TuiSyncApp) -> None:
        self.app = app
        self.session = app.session
        self.worker: Worker[object] | None = None  # the sync thread (manual or scheduled)
        self.quitting = False

    @property
    def busy(self) -> bool:
        run = self.session.run
        return (self.worker is not None and not self.worker.is_finished) or (run is not None and run.running)

    # -- starting ------------------------------------------------------------------------------
    def start(self, tables: list[str], mode: Mode, *, resume: bool | None = None) -> bool:
        """Start a manual sync in the sync worker and show it on the Progress screen.

        When a table to sync in full (or auto) mode has an interrupted full sync, ask
        first: resume it, start over, or cancel. Scripts (benchmarks, tests) can decide
        instead: `resume=True` resumes, `resume=False` starts over, without a question.
        Returns whether a run started now (False while the question is open).
        """
        if not self._can_sync(tables):
            return False
        mode = Mode(mode)
        resumable = self.session.resume_points_of(tables) if mode in (Mode.AUTO, Mode.FULL) else {}
        if not resumable:
            return self._launch(tables, mode, [SyncRequest(tuple(tables), mode, resume=bool(resume))])
        if resume is not None:
            steps = ([SyncRequest(tuple(tables), mode, resume=True)] if resume
                     else start_over_steps(tables, mode, set(resumable)))
            return self._launch(tables, mode, steps)

        def answered(choice: str | None) -> None:
            if choice == "resume":
                self._launch(tables, mode, [SyncRequest(tuple(tables), mode, resume=True)])
            elif choice == "over":
                self._launch(tables, mode, start_over_steps(tables, mode, set(resumable)))

        lines = [_("{name}: {point} already in DuckDB (kept from an interrupted full sync)").format(
                     name=name, point=resume_text(point)) for name, point in resumable.items()]
        self.app.push_screen(ChoiceScreen(
            _("Resume the interrupted full sync?"),
            "\n".join(lines) + "\n\n" + _("Resume reads only the rest and swaps the table in at the end; "
                                          "start over reads the whole table again."),
            [("r", _("Resume"), "resume"), ("o", _("Start over"), "over"), ("n", _("Cancel"), "cancel")]),
            answered)
        return False

    def _can_sync(self, tables: Sequence[str]) -> bool:
        if not self.session.config_ok:
            self.app.show_error(_("Sync"), _("There is no valid config yet: fix it on the Connection screen (c)."))
            return False
        if not tables:
            self.app.notify(_("Mark tables with space, or highlight one."), title=_("Sync"), severity="warning")
            return False
        if self.busy:
            self.app.notify(_("A sync is running: wait for it, or cancel it on the Progress screen (g)."),
                            title=_("Sync"), severity="warning")
            return False
        return True

    def _launch(self, tables: list[str], mode: Mode, steps: list[SyncRequest]) -> bool:
        """Run `steps` on the sync thread as one run of `tables` shown on the Progress screen."""
        if not self._can_sync(tables):
            return False
        run = self.new_run(tables, mode)
        self.install(run)
        config = self.session.config
        self.worker = self.start_worker(lambda: self.engine_steps(config, steps, run),
                                        _(_SYNC_TITLES.get(mode, "Sync")),
                                        retry=partial(self._launch, tables, mode, steps))
        self.app.switch_mode("progress")
        return True

    def new_run(self, tables: list[str], mode: Mode, *, scheduled: bool = False,
                control: Control | None = None) -> RunState:
        known = {t.name: t.estimated_rows for t in self.session.tables}  # shown while queued
        run = RunState.create([(name, self.session.target_of(name)) for name in tables], mode,
                              scheduled=scheduled, estimates=known)
        if control is not None:
            run.control = control
        return run

    def install(self, run: RunState) -> None:
        self.session.run = run
        names = ", ".join(r.source for r in run.tables.values())
        said = _("── scheduled {mode} sync of {tables} ──") if run.scheduled else _(
            "── {mode} sync of {tables} ──")
        self.log(LogLine("info", said.format(mode=mode_word(run.mode), tables=names)))
        progress = self.app.progress_screen()
        if progress is not None:
            progress.rebuild()
        self.app.refresh_nav()

    def scheduled_started(self, run: RunState) -> None:
        """The scheduler started a run on the sync thread: show it, and say so elsewhere."""
        self.install(run)
        if self.app.current_mode != "progress":
            names = ", ".join(r.source for r in run.tables.values())
            self.app.notify(_("Scheduled sync of {names} started (g shows it).").format(names=names),
                            title=_("Schedule"))

    def engine_steps(self, config: Config, steps: list[SyncRequest], run: RunState) -> RunFinished:
        """On the sync thread: one Engine.run per request (a step), reported as one run (one
        RunFinished): a start-over of some tables is a full request, then the rest's."""
        results: list[TableResult] = []

        def post(event: Any) -> None:
            if isinstance(event, RunFinished) and len(steps) > 1:
                results.extend(event.results)  # the combined one is posted after the last step
                return
            self.app.post_message(message_for(event, run))

        finished = RunFinished(())
        for step in steps:
            engine = Engine(config, on_event=post, control=run.control, holder="tui")
            finished = engine.run(step)
        if len(steps) > 1:
            finished = RunFinished(tuple(results))
            self.app.post_message(message_for(finished, run))
        return finished

    def start_worker(self, job: Callable[[], object], description: str, *,
                     retry: Callable[[], object] | None = None) -> Worker[object]:
        """The one thread every sync runs on, manual or scheduled."""
        return self.app.run_in_thread(job, group="sync", description=description, retry=retry)

    # -- events (on the UI thread) ------------------------------------------------------------
    def is_current(self, run: RunState | None) -> bool:
        return self.session.run is not None and run is self.session.run

    def event(self, run: RunState | None, event: Any) -> None:
        """A phase, progress or table result of the current run."""
        if not self.is_current(run):
            return
        assert self.session.run is not None
        target = self.session.run.apply(event)
        progress = self.app.progress_screen()
        if progress is not None and target is not None:
            progress.update_table(target)
        if isinstance(event, TableFinished):
            self.app.refresh_nav()  # the screen bar's "syncing N/M" counts finished tables

    def finished(self, run: RunState | None, event: RunFinished) -> None:
        if self.is_current(run):
            assert run is not None
            run.apply(event)
            self._ended(run)

    def failed(self, run: RunState, error: str) -> None:
        """The run ended with an error outside any table result (lock held, crash)."""
        if not (self.is_current(run) and run.running):
            return
        run.fail(error)
        self.log(LogLine("error", _("run failed: {error}").format(error=error)))
        self._ended(run)

    def _ended(self, run: RunState) -> None:
        for screen in self.app.screen_stack:  # "cancel the sync?" and the like are moot now
            if isinstance(screen, ConfirmScreen):
                screen.sync_ended()
        progress = self.app.progress_screen()
        if progress is not None:
            progress.rebuild()
        summary = run.summary()
        if self.app.current_mode != "progress" and not self.quitting:
            ok = run.error is None and run.finished is not None and run.finished.ok
            self.app.notify(summary, title=_("Sync finished") if ok else _("Sync ended with problems"),
                            severity="information" if ok else "error", timeout=8)
        self.app.catalog.refresh_states()
        history = self.app.mounted_screen("history")
        if isinstance(history, HistoryScreen):
            history.load()
        self._reload_preview(run)
        ok = [run.tables[r.table].source for r in run.finished.results
              if r.status == Status.OK and r.table in run.tables] if run.finished else []
        if ok:  # `v` shows what was just written
            self.session.synced_last = ok[-1]
        self.app.refresh_nav()

    def _reload_preview(self, run: RunState) -> None:
        """The Preview pane shows a table this run just wrote: read it again."""
        screen = self.app.mounted_screen("preview")
        if not isinstance(screen, PreviewScreen) or run.finished is None:
            return
        written = set()
        for res in run.finished.results:
            if res.status == Status.OK:
                written |= {res.table, sibling(res.table, TEST_SUFFIX)}
        screen.reload_if_showing(written)

    def log(self, line: LogLine) -> None:
        self.session.log_lines.append(line)
        progress = self.app.progress_screen()
        if progress is not None:
            progress.append_log(line)

    def status_line(self) -> str:
        """A few words for the screen bar: what the sync is doing."""
        run = self.session.run
        if run is None:
            return ""
        if run.running:
            text = _("paused {done}/{total}") if run.control.paused else _("syncing {done}/{total}")
            return text.format(done=run.done, total=len(run.tables))  # the count the summary says
        if run.error is not None or (run.finished is not None and not run.finished.ok):
            return _("last sync: problems")
        return _("last sync: ok")

    # -- pause, cancel, quit -------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.session.run is not None and self.session.run.running

    def toggle_pause(self) -> None:
        run = self.session.run
        if run is None or not run.running:
            self.app.notify(_("No sync is running."), title=_("Pause"), severity="warning")
            return
        if run.control.paused:
            run.control.resume()
            self.log(LogLine("info", _("resume requested")))
        else:
            run.control.pause()
            self.log(LogLine("info", _("pause requested: the sync stops after the current batch")))
        progress = self.app.progress_screen()
        if progress is not None:
            progress.rebuild()
        self.app.refresh_nav()

    def cancel(self) -> None:
        run = self.session.run
        if run is None or not run.running:
            self.app.notify(_("No sync is running."), title=_("Cancel"), severity="warning")
            return

        def answered(yes: bool | None) -> None:
            if yes and run.running:
                run.control.cancel()
                self.log(LogLine("warning", _("cancel requested: rolling back, targets stay as they "
                                              "were")))
                self.app.refresh_nav()

        self.app.push_screen(ConfirmScreen(
            _("Cancel the sync?"),
            _("The running table is rolled back and its target stays exactly as it was; "
              "tables not started yet are not synced."), yes=_("Cancel sync"), no=_("Keep running"),
            after_sync=CLOSE), answered)

    def cancel_now(self) -> None:
        """No question: stop the running sync at its next batch (it rolls back)."""
        if self.running:
            assert self.session.run is not None
            self.session.run.control.cancel()

    def quit(self) -> None:
        if not self.busy:
            self.app.exit()
            return

        def answered(yes: bool | None) -> None:
            if yes and self.busy:
                self.cancel_and_exit()
            elif yes:  # the sync ended while the question was open
                self.app.exit()

        self.app.push_screen(ConfirmScreen(
            _("Quit while a sync runs?"),
            _("The sync is cancelled first: the running table is rolled back and its target "
              "stays as it was."), yes=_("Cancel sync and quit"), no=_("Keep running"),
            after_sync=(_("The sync has ended"), _("Nothing runs any more. Quit tui-sync now?"), _("Quit"),
                        _("Stay"))),
            answered)

    def cancel_and_exit(self, return_code: int = 0) -> None:
        self.app.run_worker(self._cancel_and_exit(return_code), group="quit", exclusive=True,
                            exit_on_error=False)

    async def _cancel_and_exit(self, return_code: int) -> None:
        """Cancel cleanly, wait for the sync thread to finish its rollback, then exit."""
        self.quitting = True
        self.app.schedule.stop()
        if self.session.run is not None:
            self.session.run.control.cancel()
        self.app.notify(_("Cancelling the sync…"), title=_("Quit"))
        worker = self.worker
        if worker is not None and not worker.is_finished:
            try:
                await worker.wait()
            except WorkerFailed:
                pass  # already reported; quitting anyway
        self.app.exit(return_code=return_code)


__all__ = ["RunController", "start_over_steps"]
