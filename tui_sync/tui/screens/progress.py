"""Progress screen: one row per table of the current run, the summary, and the log.

It renders the app's `RunState` (so a run started elsewhere shows complete here);
the app calls `update_table`, `append_log` and `rebuild` as events arrive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import RichLog, Static

from ...events import LogLine
from ...i18n import N_, _
from ...words import mode_word
from ..widgets.run_view import TableProgressRow
from .base import AppScreen

_LEVEL_STYLE = {"error": "bold red", "warning": "yellow", "debug": "dim"}


def format_log(line: LogLine) -> Text:
    """`LEVEL table: message`; the level is spelled out so errors stand out without colour."""
    style = _LEVEL_STYLE.get(line.level, "")
    text = Text(no_wrap=False)
    text.append(f"{line.level.upper():<7} ", style=style or "bold")
    if line.table:
        text.append(f"{line.table}: ", style="bold")
    text.append(line.message, style=style if line.level == "error" else "")
    return text


class SyncLog(RichLog):
    """The run's log. RichLog wraps a line once, at the width it had when written: after a
    resize (120 columns, then 60) the lines are drawn again so they wrap, never clip."""

    def __init__(self, lines: Callable[[], Iterable[LogLine]], **kwargs: object) -> None:
        super().__init__(wrap=True, max_lines=5_000, min_width=20, **kwargs)  # type: ignore[arg-type]
        self._lines = lines
        self._drawn_width = 0

    def on_resize(self, event: events.Resize) -> None:
        width = event.size.width
        if width and width != self._drawn_width:
            first = self._drawn_width == 0
            self._drawn_width = width
            if not first:
                self.refill()

    def refill(self) -> None:
        self.clear()
        for line in self._lines():
            self.write(format_log(line))


class ProgressScreen(AppScreen):
    MODE = "progress"
    AUTO_FOCUS = "#sync-log"

    BINDINGS = [
        Binding("p", "app.toggle_pause", N_("Pause/resume"), tooltip=N_("Pause after the current batch, or go on"),
                id="progress.pause"),
        Binding("escape", "app.cancel_sync", N_("Cancel sync"), tooltip=N_("Cancel the run (asks first)"),
                id="progress.cancel"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Static("", id="run-header")
        yield VerticalScroll(id="progress-rows")
        yield Static("", id="run-summary")
        yield SyncLog(lambda: self.tui.session.log_lines, id="sync-log")

    def on_mount(self) -> None:
        self.rebuild()
        self.query_one("#sync-log", SyncLog).refill()

    def run_changed(self) -> None:
        super().run_changed()
        self.refresh_bindings()

    def rebuild(self) -> None:
        """Draw every row again (a new run, pause, or the end of a run)."""
        rows = self.query_one("#progress-rows", VerticalScroll)
        run = self.tui.session.run
        rows.remove_children()
        header = self.query_one("#run-header", Static)
        if run is None:
            header.update(_("No sync has run yet. On the Tables screen (t): mark tables with space, "
                            "then s (auto), f (full), i (incremental) or x (test)."))
            self.query_one("#run-summary", Static).update("")
            self.refresh_bindings()
            return
        state = _("paused") if run.paused else (_("running") if run.running else _("finished"))
        if run.running and run.control.cancelled:
            state = _("cancelling")
        count = len(run.tables)
        what = (_("Scheduled {mode} sync of {count} table(s) · {state}") if run.scheduled
                else _("{mode} sync of {count} table(s) · {state}"))
        header.update(Text(what.format(mode=mode_word(run.mode.value), count=count, state=state),
                           style="bold"))
        rows.mount_all(TableProgressRow(r) for r in run.tables.values())
        summary = self.query_one("#run-summary", Static)
        summary.update(Text(run.summary(), style="bold" if not run.running else ""))
        summary.set_class(not run.running and (run.error is not None or not (
            run.finished is not None and run.finished.ok)), "-problem")
        self.refresh_bindings()
        self.refresh_nav()

    def update_table(self, target: str) -> None:
        run = self.tui.session.run
        if run is None:
            return
        wanted = run.tables.get(target)
        for row in self.query(TableProgressRow):
            if row.run is wanted:  # identity: rows of an earlier run may still be leaving
                if row.is_mounted:
                    row.update_view()
                break
        else:
            self.rebuild()  # a table we had no row for
            return
        self.query_one("#run-summary", Static).update(Text(run.summary()))

    def append_log(self, line: LogLine) -> None:
        self.query_one("#sync-log", RichLog).write(format_log(line))
