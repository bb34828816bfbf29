"""What every main screen shares: the screen bar on top, the footer below."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from ..widgets.nav import NavBar

if TYPE_CHECKING:
    from ..app import TuiSyncApp


class AppScreen(Screen[None]):
    """A main screen of the app (one per mode). Subclasses write `compose_body`."""

    MODE: ClassVar[str] = ""

    @property
    def tui(self) -> TuiSyncApp:
        """The app, typed (screens call its orchestration methods)."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield NavBar(self.MODE)
        yield from self.compose_body()
        yield Footer(compact=True)

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_screen_resume(self) -> None:
        self.refresh_nav()
        # Back from a dialog or another screen: the focus may come back (or be restored)
        # after this handler, and the footer must show the focused widget's keys (⏎ View).
        self.call_after_refresh(self._restore_keys)

    def _restore_keys(self) -> None:
        if self.focused is None and self.AUTO_FOCUS:
            for widget in self.query(self.AUTO_FOCUS):
                if widget.focusable:
                    self.set_focus(widget)
                    break
        self.refresh_bindings()

    def refresh_nav(self) -> None:
        for nav in self.query(NavBar):
            nav.refresh()

    def config_changed(self) -> None:
        """Called by the app after the config was saved and reloaded."""

    def run_changed(self) -> None:
        """Called by the app when its run state changes (start, pause, finish)."""
        self.refresh_nav()
