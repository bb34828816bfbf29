"""Verify: compare each chosen table's source and DuckDB target on a thread worker.

Results land in `session.verify_results` (the Tables screen's Verify column) and in the
Verify dialog as they arrive. A token drops the late messages of an earlier verify.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from textual.worker import Worker

from ...config import Config
from ...errors import one_line
from ...events import Control
from ...i18n import _
from ..messages import VerifyDone, VerifyResult, VerifyStarted
from ..screens.tables import TablesScreen
from ..screens.verify import VerifyOutcome, VerifyScreen
from ..workers import BUSY_ERRORS

if TYPE_CHECKING:
    from ..app import TuiSyncApp

class VerifyController:
    def __init__(self, app: TuiSyncApp) -> None:
        self.app = app
        self.session = app.session
        self._token = 0
        self._worker: Worker[object] | None = None
        self.control = Control()  # cancels a running verify's source queries (on exit)

    @property
    def busy(self) -> bool:
        return self._worker is not None and not self._worker.is_finished

    def start(self, tables: list[str]) -> bool:
        """Compare the source and the DuckDB target of each table (counts and sums per
        partition) on a thread; show the results in a dialog and the Tables screen."""
        app = self.app
        if not self.session.config_ok:
            app.show_error(_("Verify"), _("There is no valid config yet: fix it on the Connection screen (c)."))
            return False
        if not tables:
            app.notify(_("Mark tables with space, or highlight one."), title=_("Verify"), severity="warning")
            return False
        if self.busy:
            app.notify(_("A verify is running: wait for it to finish."), title=_("Verify"), severity="warning")
            return False
        self._token += 1
        token = self._token
        for name in tables:
            self.session.verify_results[name] = VerifyOutcome(name)
        self.control = Control()
        self._worker = app.run_in_thread(
            partial(self._job, self.session.config, list(tables), token, self.control), group="verify",
            description=_("Verifying"), retry=partial(self.start, list(tables)))
        if isinstance(app.screen, VerifyScreen):
            app.screen.reset(tables)
        else:
            app.push_screen(VerifyScreen(tables))
        self.changed()
        return True

    def _job(self, config: Config, tables: list[str], token: int, control: Control) -> None:
        """On a thread: verify table after table; a busy DuckDB file stops it (and is retried).
        `control.cancel()` (the app is closing) breaks the running source query."""
        from ...services.verify import verify_table  # the source aggregates load when first needed
        from ...sources import open_source

        post = self.app.post_message

        def source_factory() -> Any:
            source = open_source(config.source, base_dir=config.base_dir)
            control.add_cancel_hook(source.cancel)
            return source

        post(VerifyStarted(tables, token))
        try:
            for name in tables:
                if control.cancelled:
                    break
                post(VerifyResult(name, None, None, token))  # "running"
                try:
                    report = verify_table(config, name, source_factory=source_factory)
                except BUSY_ERRORS:
                    raise
                except Exception as exc:  # noqa: BLE001 - one table's failure is its result
                    post(VerifyResult(name, None, one_line(exc), token))
                else:
                    post(VerifyResult(name, report, None, token))
        except BaseException as exc:
            post(VerifyDone(token, one_line(exc)))
            raise
        post(VerifyDone(token))

    def result(self, message: VerifyResult) -> None:
        if message.token != self._token:
            return
        outcome = self.session.verify_results.setdefault(message.table, VerifyOutcome(message.table))
        if message.error is not None:
            outcome.status, outcome.report, outcome.error = "error", None, message.error
        elif message.report is not None:
            outcome.report, outcome.error = message.report, None
            outcome.status = "ok" if message.report.ok else "differs"
        else:
            outcome.status = "running"
        self.changed()

    def done(self, message: VerifyDone) -> None:
        if message.token != self._token:
            return
        for outcome in self.session.verify_results.values():
            if not outcome.done:  # stopped early (the DuckDB file was busy)
                outcome.status, outcome.error = "error", message.error or _("not verified")
        self.changed()

    def changed(self) -> None:
        tables = self.app.mounted_screen("tables")
        if isinstance(tables, TablesScreen):
            tables.refresh_rows()
        for screen in self.app.screen_stack:
            if isinstance(screen, VerifyScreen):
                screen.refresh_results()


__all__ = ["VerifyController"]
