"""Tables screen: the source's tables, their sync state and schedule; mark and sync them.

Keys: `/` filter as you type, `space` mark, `a` mark all shown, `s` `f` `i` `x`
sync the marked tables (or the highlighted one) in auto, full, incremental or
test mode, `y` verify them against the source, `e` edit the table's settings,
`p` show its plan (columns, warnings, SQL), `enter` preview its target. A table whose full sync was interrupted shows as
"resumable"; syncing it asks whether to resume or start over.

The screen renders the session (the catalog, marks, verify results); the app loads
the catalog (`app.catalog`) and changes marks (`app.set_marks`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import partial

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import DataTable, Input, Label, Static
from textual.widgets.data_table import RowKey

from ...config import Config, find_table_key
from ...engine import PlanReport
from ...events import Mode
from ...i18n import N_, _
from ...services.catalog import CatalogEntry
from ...target.state import ResumePoint, TableState
from ...words import mode_word, status_word
from ..messages import PlanLoaded
from ..widgets.fields import TextField
from .base import AppScreen
from .plan import PlanScreen, read_plan
from .table_settings import TableSettingsScreen, lookback_text

PLAN_DELAY_S = 0.4  # wait for the cursor to rest before describing a table at the source
MARK = "✓"

class FilterInput(TextField):
    """The filter box: enter/down go back to the table, escape clears the filter."""

    BINDINGS = [
        Binding("escape", "clear_filter", N_("Clear filter"), id="tables.filter.clear"),
        Binding("down", "leave", N_("To the table"), show=False),
    ]

    def action_clear_filter(self) -> None:
        self.value = ""
        self.action_leave()

    def action_leave(self) -> None:
        self.screen.query_one(SourceTable).focus()


class SourceTable(DataTable[object]):
    """The table list; `enter` previews (shown in the footer, unlike DataTable's hidden select)."""

    BINDINGS = [
        Binding("enter", "select_cursor", N_("View"), key_display="⏎",
                tooltip=N_("Preview the target table (its data)"),
                id="tables.preview"),
    ]

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        # Textual 8's DataTable widens a column for new rows when idle, but keeps the cells it
        # rendered before that under the same cache key: on a busy machine a wider "Next run"
        # or Korean cell stayed cut at the old width. A width change renders the cells again.
        before = [column.content_width for column in self.columns.values()]
        super()._update_dimensions(new_rows)
        if before != [column.content_width for column in self.columns.values()]:
            self._clear_caches()
            self._update_count += 1
            self.refresh()


def local_time(utc_naive: datetime | None) -> str:
    """State times are naive UTC: show them in the local zone, to the minute."""
    if utc_naive is None:
        return "-"
    return utc_naive.replace(tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M")


def resume_text(point: ResumePoint) -> str:
    # Two texts, not ngettext: the catalog test compares .mo and .po by msgid (plurals are lists).
    text = _("{rows} rows in {chunks} chunk") if point.chunks == 1 else _("{rows} rows in {chunks} chunks")
    return text.format(rows=f"{point.rows:,}", chunks=point.chunks)


def last_sync(st: TableState | None, resume: ResumePoint | None = None) -> Text:
    """Result and time of the last (non-test) run: 'ok 01-05 12:00', 'failed 01-05 12:00', 'never';
    'resumable' when an interrupted full sync left committed chunks to continue from."""
    if resume is not None:
        return Text(_("resumable"), style="bold yellow")
    if st is None:
        return Text(_("never"), style="dim")
    status = st.last_status or ("ok" if st.last_success_at is not None else "?")
    when = st.last_run_at or st.last_success_at
    stamp = when.replace(tzinfo=UTC).astimezone().strftime("%m-%d %H:%M") if when else ""
    style = {"ok": "", "failed": "bold red", "cancelled": "yellow", "skipped": "yellow"}.get(status, "")
    return Text(f"{status_word(status)} {stamp}".strip(), style=style)


class TablesScreen(AppScreen):
    MODE = "tables"
    AUTO_FOCUS = "SourceTable"

    # Each key with its word, the most used first (⏎ View comes from the table), so that
    # with q Quit they fit 80 columns; i, x and a are left to Help and the palette.
    BINDINGS = [
        Binding("space", "toggle_mark", N_("Mark"), key_display="␣",
                tooltip=N_("Mark or unmark the highlighted table"),
                id="tables.mark"),
        Binding("s", "sync('auto')", N_("Sync"), tooltip=N_("Sync marked tables: full first, then incremental"),
                id="tables.sync.auto"),
        Binding("f", "sync('full')", N_("Full"), tooltip=N_("Full reload of the marked tables"),
                id="tables.sync.full"),
        Binding("e", "edit", N_("Edit"), tooltip=N_("Edit the table's settings; shows the type plan"),
                id="tables.edit"),
        Binding("p", "plan", N_("Plan"), tooltip=N_("The column plan, warnings and SQL (as tui-sync plan)"),
                id="tables.plan"),
        Binding("slash", "filter", N_("Filter"), key_display="/", tooltip=N_("Type to filter the tables"),
                id="tables.filter"),
        Binding("y", "verify", N_("Verify"), tooltip=N_("Compare the marked tables' targets with the source"),
                id="tables.verify"),
        Binding("i", "sync('incremental')", N_("Incremental"), show=False,
                tooltip=N_("Incremental sync of the marked tables"),
                id="tables.sync.incremental"),
        Binding("x", "sync('test')", N_("Test"), show=False, tooltip=N_("Test sync: first rows into <target>_test"),
                id="tables.sync.test"),
        Binding("a", "mark_all", N_("Mark all"), show=False, tooltip=N_("Mark every table shown (again: unmark them)"),
                id="tables.mark_all"),
        Binding("r", "refresh", N_("Refresh"), show=False, id="tables.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.plans: dict[str, PlanReport | str] = {}  # report, or the error text
        self.filter_text = ""
        self._plan_timer: Timer | None = None
        self.waiting: str | None = None  # a state read waiting for a sync that has the file

    @property
    def loaded(self) -> bool:
        """The source's tables have been listed (the session holds them)."""
        return self.tui.session.catalog_loaded

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="filter-bar"):
            yield Label(_("Filter") + " ", classes="filter-label")
            yield FilterInput(placeholder=_("press / and type part of a name"), compact=True, id="filter",
                              tooltip=_("Show only the tables whose name contains this text (/ to type here)"))
            yield Label("", id="table-count")
        table = SourceTable(id="source-tables", cursor_type="row", zebra_stripes=True)
        # Narrow on purpose: the whole row fits 80 columns for typical names.
        table.add_column(" ", key="mark", width=1)
        table.add_column(_("Table"), key="table")
        table.add_column(_("Est. rows"), key="est")
        table.add_column(_("Target"), key="target")
        table.add_column(_("Last sync"), key="last")
        table.add_column(_("Next run"), key="next")
        # "Verify" is added once a table has been verified (y): until then the row fits 80 columns.
        yield table
        yield Static("", id="table-details")

    def on_mount(self) -> None:
        self.refresh_tables()

    def config_changed(self) -> None:
        self.plans.clear()
        self.refresh_tables()

    # -- loading ------------------------------------------------------------------------
    def action_refresh(self) -> None:
        self.refresh_tables()

    def refresh_tables(self) -> None:
        if not self.tui.session.config_ok:
            self.query_one("#table-details", Static).update(
                _("No valid config yet: set up the source on the Connection screen (c)."))
            return
        self.query_one(SourceTable).loading = True
        self.tui.catalog.refresh_tables(retry=self.refresh_tables)

    def catalog_changed(self, error: str | None) -> None:
        """The app read the catalog again (`error`: why the source could not be listed)."""
        self.waiting = None
        if not self.query(SourceTable):
            return  # mounted but not composed yet (a busy machine): on_mount reads it again
        self.query_one(SourceTable).loading = False
        if error is not None:
            self.query_one("#table-details", Static).update(
                _("Could not list the source tables: {error}\n"
                  "Check the Connection screen (c), then press r to retry.").format(error=error))
            return
        self.refresh_rows()

    def show_waiting(self, text: str) -> None:
        """A read of the sync state waits for another process (shown above the details)."""
        self.waiting = text
        if self.query(SourceTable):
            self._update_details()

    def table_names(self) -> list[str]:
        return self.tui.session.table_names()

    # -- rows ---------------------------------------------------------------------------
    def shown(self) -> list[CatalogEntry]:
        entries = self.tui.session.entries()
        needle = self.filter_text.strip().casefold()
        if not needle:
            return entries
        return [e for e in entries if needle in e.name.casefold() or needle in e.target.casefold()]

    def _next_run(self, name: str, next_runs: dict[str, datetime]) -> str:
        key = find_table_key(self.tui.session.config.tables, name)
        when = next_runs.get(key) if key else None
        if when is None:
            return "-"
        if when <= self.tui.session.now():
            return _("due now")
        return when.strftime("%m-%d %H:%M")

    def refresh_rows(self) -> None:
        """Rebuild the rows for the filter, keeping the cursor on the same table."""
        table = self.query_one(SourceTable)
        current = self.highlighted()
        table.clear()
        session = self.tui.session
        next_runs = self.tui.schedule.next_runs()
        verify_column = bool(session.verify_results)
        if verify_column and "verify" not in table.columns:
            table.add_column(_("Verify"), key="verify")
        shown = self.shown()
        for entry in shown:
            est = Text(f"{entry.estimated_rows:,}" if entry.estimated_rows is not None else "?",
                       justify="right")
            cells: list[object] = [MARK if entry.name in session.marked else " ", entry.name, est, entry.target,
                                   last_sync(entry.state, entry.resume), self._next_run(entry.name, next_runs)]
            if verify_column:
                verified = session.verify_results.get(entry.name)
                cells.append(verified.cell() if verified is not None else "")
            table.add_row(*cells, key=entry.name)
        if current is not None and current in {e.name for e in shown}:
            table.move_cursor(row=table.get_row_index(current))
        self._update_count()
        self._update_details()

    def _update_count(self) -> None:
        shown = len(self.shown())
        marked = len(self.tui.session.marked)
        total = len(self.tui.session.tables)
        text = " " + (_("{shown} of {total}").format(shown=shown, total=total) if self.filter_text
                      else _("{total} tables").format(total=total))
        if marked:
            text += " · " + _("{marked} marked").format(marked=marked)
        self.query_one("#table-count", Label).update(text)

    def highlighted(self) -> str | None:
        table = self.query_one(SourceTable)
        if table.row_count == 0:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:  # noqa: BLE001 - cursor out of range while rows change
            return None
        return str(key.value) if key.value is not None else None

    # -- filter -------------------------------------------------------------------------
    def action_filter(self) -> None:
        self.query_one("#filter", FilterInput).focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self.refresh_rows()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.query_one(SourceTable).focus()

    # -- marks --------------------------------------------------------------------------
    def action_toggle_mark(self) -> None:
        name = self.highlighted()
        if name is None:
            return
        self.tui.set_marks(self.tui.session.marked ^ {name})
        table = self.query_one(SourceTable)
        table.update_cell(name, "mark", MARK if name in self.tui.session.marked else " ")
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)  # mark runs down the list, like a file manager
        self._update_count()

    def action_mark_all(self) -> None:
        names = {e.name for e in self.shown()}
        marked = self.tui.session.marked
        # All shown were marked: unmark them.
        self.tui.set_marks(marked - names if names and names <= marked else marked | names)
        self.refresh_rows()

    def action_clear_marks(self) -> None:
        self.tui.set_marks(set())
        self.refresh_rows()

    # -- actions ------------------------------------------------------------------------
    def selection(self) -> list[str]:
        """Marked tables in list order, or the highlighted one when none is marked."""
        return self.tui.session.selection(self.highlighted())

    def action_sync(self, mode: str) -> None:
        self.tui.start_sync(self.selection(), Mode(mode))

    def action_verify(self) -> None:
        self.tui.start_verify(self.selection())

    def action_edit(self) -> None:
        name = self.highlighted()
        if name is not None:
            self.edit_table(name)

    def edit_table(self, name: str) -> None:
        cached = self.plans.get(name)

        def saved(config: Config | None) -> None:
            if config is not None:
                self.tui.set_config(config)
                self.notify(_("Saved the settings of {table}").format(table=name), title=_("Table settings"))

        self.app.push_screen(TableSettingsScreen(name, cached if isinstance(cached, PlanReport) else None),
                             saved)

    def action_plan(self) -> None:
        name = self.highlighted()
        if name is not None:
            self.show_plan(name)

    def show_plan(self, name: str) -> None:
        cached = self.plans.get(name)
        self.app.push_screen(PlanScreen(name, cached if isinstance(cached, PlanReport) else None))

    def action_preview(self) -> None:
        name = self.highlighted()
        if name is not None:
            self.tui.preview(name)

    @on(DataTable.RowSelected, "#source-tables")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.tui.preview(str(event.row_key.value))

    # -- details and type plan ------------------------------------------------------------
    @on(DataTable.RowHighlighted, "#source-tables")
    def _row_highlighted(self) -> None:
        self._update_details()

    def _update_details(self) -> None:
        details = self.query_one("#table-details", Static)
        name = self.highlighted()
        waiting = [self.waiting] if self.waiting else []
        if name is None:
            details.update(Text("\n".join(waiting) or (
                "" if self.loaded or not self.tui.session.config_ok else _("Loading the source tables…"))))
            return
        session = self.tui.session
        tc = session.config.table(name)
        target = tc.target_name()
        parts = [f"{name} → {target}"]
        if tc.primary_key:
            parts.append(_("key {columns}").format(columns=", ".join(tc.primary_key)))
        parts.append(_("cursor {column}").format(column=tc.cursor) if tc.cursor
                     else _("no cursor (full syncs only)"))
        if tc.lookback is not None:
            parts.append(_("lookback {window}").format(window=lookback_text(tc.lookback)))
        if tc.schedule:
            parts.append(_("schedule {schedule}").format(schedule=tc.schedule))
        lines = [*waiting, " · ".join(parts)]
        if tc.where:
            lines.append(_("filter: {where}").format(where=tc.where))
        point = session.target.resume.get(target)
        if point is not None:
            lines.append(_("resumable: {kept} kept from an interrupted full sync (s/f asks)").format(
                kept=resume_text(point)))
        verified = session.verify_results.get(name)
        st = session.target.states.get(target)
        if st is not None and st.last_success_at is not None:
            rows = f"{st.rows:,}" if st.rows is not None else "?"
            line = _("in DuckDB: {rows} rows · last {mode} sync ok {time}").format(
                rows=rows, mode=mode_word(st.last_mode or "?"), time=local_time(st.last_success_at))
            if st.watermark:
                line += " · " + _("watermark {watermark}").format(watermark=st.watermark)
            lines.append(line)
            if st.last_status and st.last_status != "ok" and st.last_error:
                lines.append(_("last run {status}: {error}").format(status=status_word(st.last_status),
                                                                     error=st.last_error))
        else:
            lines += self._plan_lines(name)
        if verified is not None:
            lines.append(_("verify {summary}").format(summary=verified.summary())
                         + (" " + _("(y again)") if verified.done else ""))
        details.update(Text("\n".join(lines)))

    def _plan_lines(self, name: str) -> list[str]:
        """Before a first load: the type plan and its warnings (loaded in the background)."""
        plan = self.plans.get(name)
        if plan is None:
            self._schedule_plan(name)
            return [_("not loaded yet · reading the type plan…")]
        if isinstance(plan, str):
            return [_("not loaded yet · type plan failed: {error}").format(error=plan)]
        cols = plan.plan.columns
        included = [c for c in cols if not c.skipped]
        lines = [_("not loaded yet · plan: {included} of {total} columns → DuckDB").format(
                     included=len(included), total=len(cols))
                 + (" · " + _("{count} warning(s) (e shows all):").format(count=len(plan.warnings))
                    if plan.warnings else " · " + _("no warnings"))]
        lines += [f"  ! {w}" for w in plan.warnings[:2]]
        return lines

    def _schedule_plan(self, name: str) -> None:
        if self._plan_timer is not None:
            self._plan_timer.stop()
        self._plan_timer = self.set_timer(PLAN_DELAY_S, lambda: self._load_plan_if_current(name))

    def _load_plan_if_current(self, name: str) -> None:
        if self.highlighted() == name and name not in self.plans:
            self.tui.run_in_thread(partial(read_plan, self, self.tui.session.config, name), group="plan",
                                   description=_("Reading the type plan"))

    @on(PlanLoaded)
    def _plan_loaded(self, message: PlanLoaded) -> None:
        self.plans[message.table] = message.report if message.report is not None else (
            message.error or _("unknown error"))
        if self.highlighted() == message.table:
            self._update_details()
