"""Help screen: every key, per screen.

Each section is a two-column table with ONE key-column width everywhere (the widest
key, "f / i / x", fits without wrapping); the descriptions wrap to the screen."""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...i18n import N_, _
from .base import AppScreen

Section = tuple[str, list[tuple[str, str]], str]  # (title, [(keys, what)], prose after it)

SECTIONS: list[Section] = [
    (N_("Everywhere"), [
        ("c t g v h ?", N_("Connection, Tables, Progress, Preview, History, this Help")),
        ("q", N_("quit (asks while a sync runs; the sync is cancelled cleanly)")),
        ("ctrl+p", N_("command palette")),
        ("escape", N_("in a text field: leave it, so the keys above work again (in a dialog, escape again "
                   "closes it)")),
    ], ""),
    (N_("Tables"), [
        ("/", N_("filter as you type (enter or down back to the list, escape clears)")),
        ("space", N_("mark or unmark the highlighted table")),
        ("a", N_("mark all shown tables (again: unmark them)")),
        ("s", N_("sync the marked tables, auto mode (full the first time, then incremental)")),
        ("f / i / x", N_("full, incremental or test sync (test: the first rows into <target>_test)")),
        ("y", N_("verify: compare row counts and sums per day (or key range) with the source; OK or the "
              "differences")),
        ("e", N_("edit the table's settings: target, key, cursor, lookback, filter, schedule; shows the type plan")),
        ("p", N_("plan: the column plan, warnings and SQL, as tui-sync plan prints them (writes nothing)")),
        ("enter", N_("preview the table's target")),
        ("r", N_("list the source tables again")),
    ], N_("With no table marked, the sync and verify keys act on the highlighted table. A table shown as "
       "resumable has an interrupted full sync whose committed chunks are kept in DuckDB: s or f asks "
       "whether to resume it (r), start over (o) or do nothing (n).")),
    (N_("Progress"), [
        ("p", N_("pause after the current batch, or resume")),
        ("escape", N_("cancel the run (asks); the running table is rolled back, its target stays as it was")),
    ], ""),
    (N_("Preview"), [
        ("r / d / p", N_("the Rows, Types (detection summary) or Chart tab")),
        ("k", N_("next chart kind: line, scatter, bar, histogram")),
        ("[ / ]", N_("previous / next page: every row of the range, a page at a time")),
        ("s", N_("sort by the column under the cursor (again: descending, then off), or click its header")),
        ("e / E", N_("export every row of the range to CSV / Parquet (asks for the file name)")),
        ("f5", N_("read the table again (done by itself after a sync of the table)")),
    ], ""),
    (N_("Connection"), [
        ("ctrl+t", N_("test the connection (server version, thin or thick mode)")),
        ("ctrl+s", N_("save [source] and [target] into the config file, keeping its comments")),
    ], N_("The password field is for this session only. It is written to the file only when you tick "
       "Save password and confirm; the safer way is the environment variable named in Password env. "
       "When a sync, a check or the table list needs a password that is not there, a dialog asks "
       "for it (saved only if you tick it).")),
    (N_("Table settings form"), [
        ("ctrl+s", N_("check and save")),
        ("escape", N_("close without saving")),
    ], ""),
    (N_("History"), [
        ("f", N_("filter by table: each press shows the next table's runs, then all")),
        ("s", N_("filter by status: ok, failed, cancelled, skipped, then all")),
        ("enter", N_("show the highlighted run's full error")),
        ("r", N_("read the history again")),
    ], N_("Scheduled tables (a schedule in their settings) run while the app is open and show on the "
       "Progress screen like a manual sync.")),
]

CLOSING = (N_("When another process holds the DuckDB file (a cron sync, a duckdb shell), a read waits "
           "for it and says whom it waits for (\"waiting for the running sync: ...\"); a sync waits "
           "up to 15 s for a brief read to end. If it takes too long, the error names the holder "
           "and offers Retry (r). If the terminal goes away (a dropped SSH session: SIGHUP) or the "
           "app gets SIGTERM, a running sync is cancelled and rolled back, recorded as cancelled, "
           "and the app exits."))

KEY_WIDTH = max(cell_len(keys) for _title, rows, _prose in SECTIONS for keys, _what in rows)


def help_renderable() -> RenderableType:
    parts: list[RenderableType] = [
        Text(_("tui-sync keys"), style="bold underline"), Text(""),
        Text(_("Everything works from the keyboard. ctrl+p opens the command palette, which offers every "
               "action below by name. tab / shift+tab move between fields.")), Text("")]
    for title, rows, prose in SECTIONS:
        table = Table(title=_(title), title_justify="left", title_style="bold", show_header=False,
                      box=None, padding=(0, 1), expand=True)
        table.add_column(width=KEY_WIDTH, no_wrap=True, style="bold")
        # fold, not the column's default ellipsis: rich (15) strips a wrapped line's trailing
        # blank by len(), so a Korean line one cell too wide lost its last syllable to "…"
        table.add_column(ratio=1, overflow="fold")
        for keys, what in rows:
            table.add_row(Text(keys), Text(_(what)))  # Text: "[source]" is words here, not markup
        parts.append(table)
        if prose:
            parts.append(Text(_(prose), style="italic"))
        parts.append(Text(""))
    parts.append(Text(_(CLOSING)))
    return Group(*parts)


class HelpScreen(AppScreen):
    MODE = "help"
    AUTO_FOCUS = "#help-scroll"

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="help-scroll", can_focus=True):
            yield Static(help_renderable(), id="help-text")
