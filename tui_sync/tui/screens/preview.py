"""Preview screen: the target table of the chosen source table, in the preview pane.

The pane (DataTable, type detection, chart, export) is `widgets.preview.PreviewPane`;
this screen only decides which DuckDB file and table it shows.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.widgets import Static

from ...i18n import N_, _
from ...target.spec import TargetSpec, target_spec
from ...target.state import read_runs
from ...target.travel import as_of_run
from ...words import mode_word
from ..messages import AsOfReady, RunsForAsOf
from .as_of import LATEST, AsOfRunScreen
from .base import AppScreen

if TYPE_CHECKING:
    from ..widgets.preview import PreviewPane


class PreviewScreen(AppScreen):
    MODE = "preview"

    BINDINGS = [
        Binding("o", "as_of_run", N_("As of"), id="preview.as_of",
                tooltip=N_("Show the table as one of its runs committed it (a DuckLake target)")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._db_path: Path | TargetSpec | None = None
        self._shown: tuple[str, str | None] | None = None
        self._as_of: tuple[str, TargetSpec] | None = None  # (what the title says, the old lake)

    def compose_body(self) -> ComposeResult:
        yield Static("", id="preview-title")
        yield Container(id="preview-host")

    def on_mount(self) -> None:
        self.show_target()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        if self.is_mounted:
            self.show_target()

    def config_changed(self) -> None:
        self.show_target()

    def show_target(self) -> None:
        """Show the app's chosen target table (set by `app.preview`), if it changed."""
        title = self.query_one("#preview-title", Static)
        title.display = True
        target = self.tui.session.preview_target
        if not self.tui.session.config_ok:
            title.update(_("No valid config yet: set up the source on the Connection screen (c)."))
            return
        if target is None:
            title.update(_("Pick a table on the Tables screen (t) and press enter to preview it."))
            return
        # Imported here: polars and plotext load when a preview is first asked for,
        # which keeps the app's start-up quick.
        from ..widgets.preview import PreviewPane

        db_path: TargetSpec = target_spec(self.tui.session.config)
        if self._as_of is not None:
            db_path = self._as_of[1]
        host = self.query_one("#preview-host", Container)
        pane: PreviewPane | None = None
        if db_path != self._db_path or not host.children:
            host.remove_children()  # removed a moment later: use the new pane, not a query
            pane = PreviewPane(db_path)
            host.mount(pane)
            self._db_path, self._shown = db_path, None
        table, cursor = target
        # the pane's own bar names the table: keep the rows for data, unless it is an old state
        title.display = self._as_of is not None
        if self._as_of is not None:
            title.update(self._as_of[0])
        if self._shown != target:
            self._shown = target
            if pane is None:
                pane = host.query_one(PreviewPane)
            self.call_after_refresh(pane.show_table, table, cursor)

    def on_preview_pane_table_chosen(self, message: PreviewPane.TableChosen) -> None:
        """The pane's selector picked a table: it becomes the remembered choice, so a later
        `v` keeps it and enter on Tables can show the table shown before again. (Handled by
        name: the pane's module loads only when a preview is first shown.)"""
        self.tui.session.preview_target = self._shown = (message.table, None)

    def reload_if_showing(self, tables: set[str]) -> bool:
        """After a sync: read the pane's table again if the run wrote it."""
        from ..widgets.preview import PreviewPane

        panes = self.query(PreviewPane)
        if not panes:
            return False
        pane = panes.first()
        if pane.table is None or pane.table not in tables:
            return False
        pane.action_reload()
        return True

    # -- "as of run" (a lake target) ---------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`o` is offered (and in the footer) only for a lake: a DuckDB file has no old runs."""
        if action == "as_of_run":
            return self.tui.session.config_ok and target_spec(self.tui.session.config).is_lake
        return True

    def action_as_of_run(self) -> None:
        target = self.tui.session.preview_target
        if not self.tui.session.config_ok or target is None:
            self.notify(_("Pick a table first (t, then enter)"), severity="warning")
            return
        spec = target_spec(self.tui.session.config)
        if not spec.is_lake:
            self.notify(_("Runs can be read back from a DuckLake target only ([target] kind = "
                          "ducklake); a DuckDB file keeps its latest state"), severity="warning")
            return
        self.tui.run_in_thread(partial(self._runs_worker, spec, target[0]), group="preview-as-of",
                               description=_("reading the table's runs"))

    def _runs_worker(self, spec: TargetSpec, table: str) -> None:
        runs = [r for r in read_runs(spec, table) if r.status == "ok" and r.snapshot_id is not None
                and r.mode != "test"]
        self.post_message(RunsForAsOf(table, runs))

    @on(RunsForAsOf)
    def _runs_read(self, message: RunsForAsOf) -> None:
        def picked(choice: str | None) -> None:
            if choice is None:
                return
            if choice == LATEST:
                self._as_of = None
                self._reshow()
                return
            spec = target_spec(self.tui.session.config)
            self.tui.run_in_thread(partial(self._resolve_worker, spec, choice), group="preview-as-of",
                                   description=_("opening the lake as of the run"))

        self.app.push_screen(AsOfRunScreen(message.table, message.runs), picked)

    def _resolve_worker(self, spec: TargetSpec, run_id: str) -> None:
        run, old = as_of_run(spec, run_id)  # a failure goes to the app's one error dialog
        label = _("As of run {run_id} ({mode}, {time} UTC, snapshot {snapshot}); "
                  "o: pick another run or latest").format(
            run_id=run.run_id, mode=mode_word(run.mode), time=f"{run.started_at:%Y-%m-%d %H:%M}",
            snapshot=old.at_snapshot)
        self.post_message(AsOfReady(label, old))

    @on(AsOfReady)
    def _show_as_of(self, message: AsOfReady) -> None:
        self._as_of = (message.label, message.spec)
        self._reshow()

    def _reshow(self) -> None:
        self._shown = None
        self.show_target()
