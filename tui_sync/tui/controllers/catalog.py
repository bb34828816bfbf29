"""The Tables screen's data: the source's tables and the target's sync state, read on threads
through `services.catalog` and kept in the session."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from ...config import Config
from ...errors import one_line
from ...i18n import _
from ...services import catalog
from ...target.spec import target_spec
from ..messages import SourceTablesLoaded, TableStatesLoaded
from ..screens.tables import TablesScreen
from ..workers import wait_while_busy

if TYPE_CHECKING:
    from ..app import TuiSyncApp


class CatalogController:
    def __init__(self, app: TuiSyncApp) -> None:
        self.app = app
        self.session = app.session

    def refresh_tables(self, *, retry: Callable[[], object] | None = None) -> None:
        """List the source's tables and read the sync state (posts SourceTablesLoaded)."""
        if not self.app.passwords.ensure(partial(self.refresh_tables, retry=retry), why=_("Listing the tables"),
                                         on_cancel=lambda: self._redraw(_("no password was given"))):
            return
        self.app.run_in_thread(partial(self._list_worker, self.session.config), group="list-tables",
                               description=_("Listing the source tables"), retry=retry or self.refresh_tables)

    def _list_worker(self, config: Config) -> None:
        """On a thread: the source's tables and the sync state."""
        post = self.app.post_message
        try:
            tables = catalog.list_tables(config)
        except Exception as exc:
            post(SourceTablesLoaded([], {}, one_line(exc)))
            raise  # the app's worker handler shows it in the error dialog
        try:
            target = self._read_state(config)
        except Exception:
            # The DuckDB file is busy or broken: still list the tables, and report why.
            post(SourceTablesLoaded(tables, {}))
            raise
        if target is not None:  # None: a newer read replaced this one while it waited
            post(SourceTablesLoaded(tables, target.states, resume=target.resume))

    def _read_state(self, config: Config) -> catalog.TargetState | None:
        """On a thread: the target's state, waiting (and saying so) while a sync has the file."""
        read = wait_while_busy(self.app, partial(catalog.read_target_state, config), target_spec(config),
                               self._waiting)
        return read()  # type: ignore[return-value]

    def _waiting(self, text: str) -> None:
        screen = self.app.mounted_screen("tables")
        if isinstance(screen, TablesScreen):
            screen.show_waiting(text)

    def refresh_states(self) -> None:
        """Re-read the sync state and resume points (after a run) for the Tables screen."""
        if self.session.config_ok:
            self.app.run_in_thread(partial(self._states_worker, self.session.config), group="states",
                                   description=_("Reading the sync state"), retry=self.refresh_states)

    def _states_worker(self, config: Config) -> None:
        target = self._read_state(config)
        if target is not None:
            self.app.post_message(TableStatesLoaded(target.states, target.resume))

    def tables_loaded(self, message: SourceTablesLoaded) -> None:
        if message.error is None:
            self.session.set_catalog(message.tables, catalog.TargetState(message.states, message.resume))
        self._redraw(message.error)

    def states_loaded(self, message: TableStatesLoaded) -> None:
        self.session.target = catalog.TargetState(message.states, message.resume)
        self._redraw(None)

    def _redraw(self, error: str | None) -> None:
        screen = self.app.mounted_screen("tables")
        if isinstance(screen, TablesScreen):
            screen.catalog_changed(error)


__all__ = ["CatalogController"]
