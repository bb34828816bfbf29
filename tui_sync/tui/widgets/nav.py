"""The one-line screen bar at the top: which screen you are on, the key of every
screen, and what the current sync is doing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from ...i18n import N_, _

if TYPE_CHECKING:
    from ..app import TuiSyncApp

# (mode, key, label): the order of the bar and of the Help screen.
SCREENS: tuple[tuple[str, str, str], ...] = (
    ("connection", "c", N_("Connection")),
    ("tables", "t", N_("Tables")),
    ("progress", "g", N_("Progress")),
    ("preview", "v", N_("Preview")),
    ("history", "h", N_("History")),
    ("help", "?", N_("Help")),
)


class NavBar(Widget):
    """Screens with their keys; the current one in reverse video (readable with NO_COLOR)."""

    DEFAULT_CSS = """
    NavBar { height: 1; background: $panel; color: $text; }
    """

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def _screens(self, labels: bool) -> Text:
        """The screen keys; without `labels` only the current screen keeps its name."""
        text = Text(no_wrap=True, overflow="ellipsis")
        for mode, key, label in SCREENS:
            current = mode == self.current
            style = "reverse bold" if current else ""
            text.append(f" {key} ", style="bold " + style)
            if labels or current:
                text.append(f"{_(label)} ", style=style)
        return text

    def render(self) -> Text:
        app: TuiSyncApp = self.app  # type: ignore[assignment]
        status = app.run_status_line() if hasattr(app, "run_status_line") else ""
        text = self._screens(labels=True)
        if status and text.cell_len + cell_len(status) + 2 > self.size.width:
            text = self._screens(labels=False)  # 80 columns: the sync's status must stay whole
        if status:
            pad = self.size.width - text.cell_len - cell_len(status) - 1
            text.append(" " * max(pad, 1))
            text.append(status, style="bold")
        return text
