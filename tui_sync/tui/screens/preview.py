"""Preview screen: the target table of the chosen source table, in the preview pane.

The pane (DataTable, type detection, chart, export) is `widgets.preview.PreviewPane`;
this screen only decides which DuckDB file and table it shows.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Container
from textual.widgets import Static

from ...target.spec import target_spec
from .base import AppScreen


class PreviewScreen(AppScreen):
    MODE = "preview"

    def __init__(self) -> None:
        super().__init__()
        self._db_path: Path | None = None
        self._shown: tuple[str, str | None] | None = None

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
            title.update("No valid config yet: set up the source on the Connection screen (c).")
            return
        if target is None:
            title.update("Pick a table on the Tables screen (t) and press enter to preview it.")
            return
        # Imported here: polars and plotext load when a preview is first asked for,
        # which keeps the app's start-up quick.
        from ..widgets.preview import PreviewPane

        db_path = target_spec(self.tui.session.config)
        host = self.query_one("#preview-host", Container)
        if db_path != self._db_path or not host.children:
            host.remove_children()
            host.mount(PreviewPane(db_path))
            self._db_path, self._shown = db_path, None
        table, cursor = target
        title.display = False  # the pane's own bar names the table: keep the rows for data
        if self._shown != target:
            self._shown = target
            pane = host.query_one(PreviewPane)
            self.call_after_refresh(pane.show_table, table, cursor)

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
