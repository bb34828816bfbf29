"""The command palette (ctrl+p): every action of the app, searchable by name.

`app_commands` is the single list; the palette provider and the tests read it.
Commands about one table are searchable (type its name) but not listed when the
palette opens, so a schema with thousands of tables does not flood the list.
The key a command names in its help comes from the binding it mirrors (`key_of`),
so a rebound key shows right in the palette too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape  # help is read as markup: "[source]" would vanish

from ..events import Mode
from ..i18n import N_, _
from .screens.tables import SourceTable

if TYPE_CHECKING:
    from .app import TuiSyncApp


@dataclass(frozen=True)
class Command:
    title: str
    help: str
    run: Callable[[], object]
    discover: bool = True  # listed when the palette opens (else only found by search)
    action: str = ""  # the binding action it mirrors, if any (tests check coverage)


def key_of(owner: type, action: str) -> str:
    """The key of the binding of `action` (or with that id) in `owner.BINDINGS`, as the help
    shows it: a printable key display (`/`, `?`) or the key's name (`space`, `escape`)."""
    for binding in getattr(owner, "BINDINGS", []):
        if isinstance(binding, Binding) and action in (binding.action, binding.id):
            shown = binding.key_display
            return shown if shown and shown.isascii() else binding.key.split(",")[0]
    return ""


def _keyed(help_text: str, owner: type, action: str) -> str:
    key = key_of(owner, action)
    return _("{help} (key {key})").format(help=help_text, key=key) if key else help_text


def _on_screen(app: TuiSyncApp, mode: str, method: str, *args: object) -> None:
    """Show a screen, then call one of its actions once it is mounted."""
    app.switch_mode(mode)

    def call() -> None:
        screen = app.mounted_screen(mode)
        if screen is not None:
            getattr(screen, method)(*args)

    app.call_after_refresh(call)


_MODE_HELP = {
    Mode.AUTO: N_("full the first time, then incremental when a cursor is set"),
    Mode.FULL: N_("reload completely; the old table stays readable until the swap"),
    Mode.INCREMENTAL: N_("only rows after the watermark (minus lookback)"),
    Mode.TEST: N_("the first test_rows rows into <target>_test; the real target is untouched"),
}


def app_commands(app: TuiSyncApp) -> list[Command]:
    from ..words import mode_word
    from .widgets.nav import SCREENS

    screens = type(app).SCREENS
    connection, tables, progress, history, preview = (
        screens[m] for m in ("connection", "tables", "progress", "history", "preview"))

    def on(mode: str, action: str, *args: object) -> Callable[[], None]:
        return partial(_on_screen, app, mode, f"action_{action}", *args)

    cmds: list[Command] = []
    for mode, _key, label in SCREENS:
        cmds.append(Command(_("Go to {screen}").format(screen=_(label)),
                            _keyed(_("Show the {screen} screen").format(screen=_(label)), type(app), f"goto('{mode}')"),
                            partial(app.action_goto, mode), action=f"goto('{mode}')"))
    cmds += [
        Command(_("Check connection"), _keyed(_("Run the doctor: connection, rights, tables and the type round trip"),
                                           connection, "test_connection"),
                on("connection", "test_connection"), action="test_connection"),
        Command(_("Save connection settings"), _keyed(_("Write [source] and [target] into the config file"),
                                                   connection, "save"),
                on("connection", "save"), action="save"),
        Command(_("Reload config file"), _("Read the config file again"), app.reload_config),
        Command(_("Refresh source tables"), _keyed(_("List the source's tables and the sync state again"),
                                                tables, "refresh"),
                on("tables", "refresh"), action="refresh"),
        Command(_("Filter tables"), _keyed(_("Type to filter the Tables screen"), tables, "filter"),
                on("tables", "filter"), action="filter"),
        Command(_("Mark or unmark highlighted table"), _keyed(_("Toggle the mark of the highlighted table"),
                                                           tables, "toggle_mark"),
                on("tables", "toggle_mark"), action="toggle_mark"),
        Command(_("Mark all shown tables"), _keyed(_("Mark every table the filter shows"), tables, "mark_all"),
                on("tables", "mark_all"), action="mark_all"),
        Command(_("Clear marks"), _("Unmark every table"), on("tables", "clear_marks"), action="clear_marks"),
    ]
    for mode in (Mode.AUTO, Mode.FULL, Mode.INCREMENTAL, Mode.TEST):
        action = f"sync('{mode.value}')"
        cmds.append(Command(_("Sync marked tables: {mode}").format(mode=mode_word(mode)),
                            _keyed(_(_MODE_HELP[mode]), tables, action),
                            on("tables", "sync", mode.value), action=action))
    cmds += [
        Command(_("Verify marked tables"), _keyed(_("Compare row counts and sums per day or key range with the "
                                               "source; shows OK or the differences"), tables, "verify"),
                on("tables", "verify"), action="verify"),
        Command(_("Edit table settings"), _keyed(_("Target, key, cursor, lookback, filter, schedule; type plan"),
                                              tables, "edit"),
                on("tables", "edit"), action="edit"),
        Command(_("Show the plan of highlighted table"), _keyed(_("Column plan, warnings and SQL, as tui-sync plan; "
                                                            "writes nothing"), tables, "plan"),
                on("tables", "plan"), action="plan"),
        Command(_("Preview highlighted table"), _keyed(_("Show its target table's data"), SourceTable, "select_cursor"),
                on("tables", "preview"), action="preview"),
        Command(_("Pause or resume sync"), _keyed(_("Pause after the current batch, or go on"),
                                               progress, "app.toggle_pause"),
                app.action_toggle_pause, action="app.toggle_pause"),
        Command(_("Cancel sync"), _keyed(_("Roll back the running table; targets stay as they were"),
                                      progress, "app.cancel_sync"),
                app.action_cancel_sync, action="app.cancel_sync"),
        Command(_("Reload history"), _keyed(_("Read tui_sync.runs again"), history, "reload"),
                partial(_on_screen, app, "history", "load"), action="reload"),
        Command(_("Filter history by table"), _keyed(_("Show one table's runs (again: the next table, then all)"),
                                                  history, "filter_table"),
                on("history", "filter_table"), action="filter_table"),
        Command(_("Filter history by status"), _keyed(_("Show the runs of one status (again: the next, then all)"),
                                                   history, "filter_status"),
                on("history", "filter_status"), action="filter_status"),
        Command(_("Preview as of a run"), _keyed(_("A DuckLake target: show the previewed table as one of "
                                              "its runs committed it"), preview, "as_of_run"),
                partial(_on_screen, app, "preview", "action_as_of_run"), action="as_of_run"),
        Command(_("Quit"), _keyed(_("Leave tui-sync (asks while a sync runs)"), type(app), "quit"), app.action_quit,
                action="quit"),
    ]
    cmds += _preview_commands(app)
    for name in app.session.table_names():
        for mode in Mode:
            cmds.append(Command(_("Sync {table}: {mode}").format(table=name, mode=mode_word(mode)), _(_MODE_HELP[mode]),
                                partial(app.start_sync, [name], mode), discover=False))
        cmds.append(Command(_("Preview {table}").format(table=name), _("Show its target table's data"),
                            partial(app.preview, name), discover=False))
        cmds.append(Command(_("Verify {table}").format(table=name), _("Compare its DuckDB target with the source"),
                            partial(app.start_verify, [name]), discover=False))
        cmds.append(Command(_("Plan of {table}").format(table=name),
                            _("Column plan, warnings and SQL; writes nothing"),
                            partial(_on_screen, app, "tables", "show_plan", name), discover=False))
        cmds.append(Command(_("Edit settings of {table}").format(table=name),
                            _("Target, key, cursor, lookback, filter, schedule"),
                            partial(_on_screen, app, "tables", "edit_table", name), discover=False))
    return cmds


_PREVIEW_TITLES = {"cycle_kind": N_("Chart kind")}  # footer words kept short for 80 columns


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
                app.notify(_("Pick a table to preview first (Tables screen, enter)."), title=_("Preview"),
                           severity="warning")

        app.call_after_refresh(call)

    out = []
    for binding in PreviewPane.BINDINGS:
        if isinstance(binding, Binding) and binding.description:
            title = _PREVIEW_TITLES.get(binding.action, binding.description)
            out.append(Command(_("Preview: {command}").format(command=_(title)),
                               _keyed(_("In the Preview screen"), PreviewPane, binding.action),
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
                yield DiscoveryHit(cmd.title, cmd.run, help=escape(cmd.help))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for cmd in app_commands(self._app):
            score = matcher.match(cmd.title)
            if score > 0:
                yield Hit(score, matcher.highlight(cmd.title), cmd.run, help=escape(cmd.help))
