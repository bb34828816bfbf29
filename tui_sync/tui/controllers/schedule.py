"""The in-app scheduler: due scheduled tables run through the same sync worker as manual syncs."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from ...config import Config
from ...errors import one_line
from ...events import Control, Mode, RunFinished, SyncRequest
from ...i18n import _
from ...scheduler import Scheduler
from ..messages import SchedulerReady, SyncLog, SyncRunFailed, SyncStarted
from ..screens.tables import TablesScreen

if TYPE_CHECKING:
    from ..app import TuiSyncApp

SCHEDULE_CHECK_S = 10.0  # how often the open app looks for due scheduled tables


class ScheduleController:
    def __init__(self, app: TuiSyncApp, *, wanted: bool) -> None:
        self.app = app
        self.session = app.session
        self.wanted = wanted
        self.scheduler: Scheduler | None = None

    def start(self) -> None:
        if self.wanted and self.session.config_ok and self.scheduler is None:
            # Built on a thread: it reads the run history to catch up missed runs.
            self.app.run_in_thread(partial(self._make, self.session.config), group="scheduler",
                                   description=_("Starting the scheduler"))

    def _make(self, config: Config) -> None:
        scheduler = Scheduler(config, self._scheduled_sync, now=self.app.now,
                              on_log=lambda line: self.app.post_message(SyncLog(line, None)))
        self.app.post_message(SchedulerReady(scheduler))

    def ready(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        if scheduler.config is not self.session.config:
            scheduler.reload(self.session.config)  # the config changed while it was starting
        tables = self.app.mounted_screen("tables")
        if isinstance(tables, TablesScreen):
            tables.refresh_rows()
        self.check()

    def config_changed(self, config: Config) -> None:
        if self.scheduler is not None:
            self.scheduler.reload(config)
        else:
            self.start()

    def check(self) -> None:
        """Timer: start due scheduled tables through the sync worker, when idle."""
        scheduler, runs = self.scheduler, self.app.runs
        if scheduler is None or runs.busy or runs.quitting or not scheduler.due():
            return
        runs.worker = runs.start_worker(scheduler.run_due, _("Scheduled sync"))

    def _scheduled_sync(self, tables: list[str], mode: Mode, *, control: Control) -> RunFinished:
        """The scheduler's run_sync, called on the sync worker's thread."""
        runs = self.app.runs
        run = runs.new_run(tables, mode, scheduled=True, control=control)
        self.app.post_message(SyncStarted(run))
        try:
            config = self.scheduler.config if self.scheduler else self.session.config
            return runs.engine_steps(config, [SyncRequest(tuple(tables), mode)], run)
        except Exception as exc:
            # The scheduler records this (skipped when the lock is held); the run view ends.
            self.app.post_message(SyncRunFailed(run, one_line(exc)))
            raise

    def next_runs(self) -> dict[str, datetime]:
        return self.scheduler.next_runs() if self.scheduler is not None else {}

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()


__all__ = ["SCHEDULE_CHECK_S", "ScheduleController"]
