"""The command palette (ctrl+p): every action of the app, searchable by name.

`app_commands` is the single list; the palette provider and the tests read it.
Commands about one table are searchable (type its name) but not listed when the
palette opens, so a schema with thousands of tables does not flood the list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from ..events import Mode

if TYPE_CHECKING:
    from .app import TuiSyncApp


@dataclass(frozen=True)
class Command:
    title: str
    help: str
    run: Callable[[], object]
    discover: bool = True  # listed when the palette opens (else only found by search)
    action: str = ""  # the binding action it mirrors, if any (tests check coverage)


def _on_screen(app: TuiSyncApp, mode: str, method: str, *args: object) -> None:
    """Show a screen, then call one of its actions once it is mounted."""
    app.switch_mode(mode)

    def call() -> None:
        screen = app.mounted_screen(mode)
        if screen is not None:
            getattr(screen, method)(*args)

    app.call_after_refresh(call)


_MODE_HELP = {
    Mode.AUTO: "full the first time, then incremental when a cursor is set",
    Mode.FULL: "reload completely; the old table stays readable until the swap",
    Mode.INCREMENTAL: "only rows after the watermark (minus lookback)",
    Mode.TEST: "the first test_rows rows into <target>_test; the real target is untouched",
}


def app_commands(app: TuiSyncApp) -> list[Command]:
    from .widgets.nav import SCREENS

    cmds: list[Command] = []
    for mode, key, label in SCREENS:
        cmds.append(Command(f"Go to {label}", f"Show the {label} screen (key {key})",
                            partial(app.switch_mode, mode), action=f"goto('{mode}')"))
    cmds += [
        Command("Check connection", "Run the doctor: connection, rights, tables and the type round trip",
                partial(_on_screen, app, "connection", "action_test_connection"), action="test_connection"),
        Command("Save connection settings", "Write [source] and [target] into the config file",
                partial(_on_screen, app, "connection", "action_save"), action="save"),
        Command("Reload config file", "Read the config file again", app.reload_config),
        Command("Refresh source tables", "List the source's tables and the sync state again",
                partial(_on_screen, app, "tables", "action_refresh"), action="refresh"),
        Command("Filter tables", "Type to filter the Tables screen (key /)",
                partial(_on_screen, app, "tables", "action_filter"), action="filter"),
        Command("Mark or unmark highlighted table", "Toggle the mark of the highlighted table (space)",
                partial(_on_screen, app, "tables", "action_toggle_mark"), action="toggle_mark"),
        Command("Mark all shown tables", "Mark every table the filter shows (a)",
                partial(_on_screen, app, "tables", "action_mark_all"), action="mark_all"),
        Command("Clear marks", "Unmark every table",
                partial(_on_screen, app, "tables", "action_clear_marks"), action="clear_marks"),
    ]
    for mode, key in ((Mode.AUTO, "s"), (Mode.FULL, "f"), (Mode.INCREMENTAL, "i"), (Mode.TEST, "x")):
        cmds.append(Command(f"Sync marked tables: {mode.value}", f"{_MODE_HELP[mode]} (key {key})",
                            partial(_on_screen, app, "tables", "action_sync", mode.value),
                            action=f"sync('{mode.value}')"))
    cmds += [
        Command("Verify marked tables", "Compare row counts and sums per day or key range with the "
                "source; shows OK or the differences (y)",
                partial(_on_screen, app, "tables", "action_verify"), action="verify"),
        Command("Edit table settings", "Target, key, cursor, lookback, filter, schedule; type plan (e)",
                partial(_on_screen, app, "tables", "action_edit"), action="edit"),
        Command("Preview highlighted table", "Show its target table's data (enter)",
                partial(_on_screen, app, "tables", "action_preview"), action="preview"),
        Command("Pause or resume sync", "Pause after the current batch, or go on (p)",
                app.action_toggle_pause, action="app.toggle_pause"),
        Command("Cancel sync", "Roll back the running table; targets stay as they were (escape)",
                app.action_cancel_sync, action="app.cancel_sync"),
        Command("Reload history", "Read tui_sync.runs again",
                partial(_on_screen, app, "history", "load"), action="reload"),
        Command("Quit", "Leave tui-sync (asks while a sync runs)", app.action_quit, action="quit"),
    ]
    cmds += _preview_commands(app)
    tables = app.mounted_screen("tables")
    for name in getattr(tables, "table_names", lambda: [])():
        for mode in Mode:
            cmds.append(Command(f"Sync {name}: {mode.value}", _MODE_HELP[mode],
                                partial(app.start_sync, [name], mode), discover=False))
        cmds.append(Command(f"Preview {name}", "Show its target table's data",
                            partial(app.preview, name), discover=False))
        cmds.append(Command(f"Verify {name}", "Compare its DuckDB target with the source",
                            partial(app.start_verify, [name]), discover=False))
        cmds.append(Command(f"Edit settings of {name}", "Target, key, cursor, lookback, filter, schedule",
                            partial(_on_screen, app, "tables", "edit_table", name), discover=False))
    return cmds


_PREVIEW_TITLES = {"cycle_kind": "Chart kind"}  # footer words kept short for 80 columns


def _preview_commands(app: TuiSyncApp) -> list[Command]:
    """The preview pane's own keys (tabs, chart kind, export, reload), by name."""
    from .widgets.preview import PreviewPane  # polars and plotext load only when asked for

    def run(action: str) -> None:
        app.switch_mode("preview")

        def call() -> None:
            screen = app.mounted_screen("preview")
            panes = screen.query(PreviewPane) if screen is not None else []
            if panes:
                app.call_later(app.run_action, action, panes.first())
            else:
                app.notify("Pick a table to preview first (Tables screen, enter).", title="Preview",
                           severity="warning")

        app.call_after_refresh(call)

    out = []
    for binding in PreviewPane.BINDINGS:
        if isinstance(binding, Binding) and binding.description:
            title = _PREVIEW_TITLES.get(binding.action, binding.description)
            out.append(Command(f"Preview: {title}", f"In the Preview screen (key {binding.key})",
                               partial(run, binding.action), action=binding.action))
    return out


class TuiSyncCommands(Provider):
    """Offers `app_commands` in the palette."""

    @property
    def _app(self) -> TuiSyncApp:
        return self.app  # type: ignore[return-value]

    async def discover(self) -> Hits:
        for cmd in app_commands(self._app):
            if cmd.discover:
                yield DiscoveryHit(cmd.title, cmd.run, help=cmd.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for cmd in app_commands(self._app):
            score = matcher.match(cmd.title)
            if score > 0:
                yield Hit(score, matcher.highlight(cmd.title), cmd.run, help=cmd.help)
