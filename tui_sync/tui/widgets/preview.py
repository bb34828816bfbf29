"""The Preview pane: a target table's rows, type detection, chart and export (DESIGN §9).

`PreviewPane(db_path)` is mounted by the Preview screen, which then calls
`show_table(table, cursor_column)`. Every DuckDB read, the detection and the
export run in thread workers that only post the typed messages below; the
`@on` handlers are the only code that touches widgets. The workers are the app's
(`workers.run_in_thread`): a failure goes through the app's one
`Worker.StateChanged` handler, which hands it back to `_failed` (the status line).
A worker's result is dropped when a newer request has been made since (`token`),
so a slow query never overwrites a newer one. The Chart tab is `ChartTab`, the base
class (`preview_chart.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from time import perf_counter
from typing import ClassVar

import polars as pl
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import (
    DataTable,
    Select,
    Static,
    TabbedContent,
    TabPane,
)

from tui_sync import paths
from tui_sync.errors import one_line
from tui_sync.i18n import N_, _
from tui_sync.preview import paging, query
from tui_sync.preview.detect import Detection, detect_frame
from tui_sync.preview.paging import Page, PageKey, Sort
from tui_sync.preview.query import Preset, TargetTable
from tui_sync.preview.window import Bounds
from tui_sync.target.spec import TargetSpec, as_spec

from ..workers import run_in_thread, wait_while_busy
from .chart import ChartKind
from .preview_chart import ChartRequest
from .preview_data import DataTab, compact_count, range_words

ROW_LIMIT = 500
_TABS = Binding.Group(N_("Tabs "), compact=True)
_EXPORT = Binding.Group(N_("Export "), compact=True)  # e CSV, E Parquet (tooltips; 80 columns)
_PAGE = Binding.Group(N_("Page "), compact=True)  # [ previous, ] next


class PreviewPane(DataTab):
    """Rows grid, detection summary, chart and export of one DuckDB target table."""

    DEFAULT_CSS = """
    PreviewPane { height: 1fr; }
    PreviewPane #pv-bar { height: 1; }
    PreviewPane #pv-table { width: 1fr; }
    PreviewPane #pv-preset { width: 24; }
    PreviewPane #pv-cursor { width: 24; }
    PreviewPane #pv-status { height: 1; color: $text-muted; }
    PreviewPane TabbedContent { height: 1fr; }
    PreviewPane TabPane { padding: 0; }
    PreviewPane #pv-rows, PreviewPane #pv-types { height: 1fr; }
    PreviewPane #pv-detect-summary { height: auto; max-height: 4; }
    """

    # Grouped so that the footer fits 80 columns next to the global keys and `q Quit`
    # ("rdp Tabs k Kind [] Page eE Export"); the palette lists each one by its description.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "show_tab('pv-tab-rows')", N_("Rows"), group=_TABS, tooltip=N_("Show the rows")),
        Binding("d", "show_tab('pv-tab-types')", N_("Types"), group=_TABS,
                tooltip=N_("Show the type detection of text columns")),
        Binding("p", "show_tab('pv-tab-chart')", N_("Chart"), group=_TABS, tooltip=N_("Show the chart")),
        Binding("k", "cycle_kind", N_("Kind"), tooltip=N_("Chart kind: line, scatter, bar, histogram")),
        Binding("[", "page(-1)", N_("Previous page"), group=_PAGE, tooltip=N_("The rows before these")),
        Binding("]", "page(1)", N_("Next page"), group=_PAGE, tooltip=N_("The rows after these")),
        # s and f5 are not in the footer (80 columns with a lake's `o As of`); the palette has them
        Binding("s", "sort", N_("Sort"), tooltip=N_("Sort by the column under the cursor: up, down, off (or "
                "click its header)"), show=False),
        Binding("e", "export('csv')", N_("Export CSV"), group=_EXPORT,
                tooltip=N_("Write every row of the chosen range to a CSV file (asks for its name)")),
        Binding("E", "export('parquet')", N_("Export Parquet"), group=_EXPORT,
                tooltip=N_("Write every row of the chosen range to a Parquet file (asks for its name)")),
        Binding("f5", "reload", N_("Reload"), tooltip=N_("Read the table again"), show=False),
    ]

    # --- messages (posted by workers, handled on the UI thread) -----------------------

    class TablesLoaded(Message):
        def __init__(self, tables: list[TargetTable]) -> None:
            super().__init__()
            self.tables = tables

    class TableChosen(Message):
        """The user picked a table in the pane's own selector."""

        def __init__(self, table: str) -> None:
            super().__init__()
            self.table = table

    class RowsLoaded(Message):
        def __init__(
            self, token: int, preset: Preset, rows: Page, detection: Detection, seconds: float
        ) -> None:
            super().__init__()
            self.token = token
            self.preset = preset
            self.rows = rows
            self.detection = detection
            self.seconds = seconds

    # --- construction -------------------------------------------------------------

    def __init__(
        self,
        db_path: Path | TargetSpec,
        *,
        export_dir: Path | None = None,
        row_limit: int = ROW_LIMIT,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.db_path = as_spec(db_path)  # a DuckDB file or a lake (as of a run, maybe)
        self.export_dir = Path(export_dir) if export_dir else paths.data_dir() / "exports"
        self.row_limit = row_limit
        self._tables: list[TargetTable] | None = None
        self._wanted: tuple[str, str | None] | None = None  # show_table before the list arrived
        self._table: str | None = None
        self._cursor: str | None = None
        self._shown_table: str | None = None  # the table whose rows are on screen now
        self._detection: Detection | None = None
        self._frame: pl.DataFrame | None = None
        self._rows_token = 0
        self._chart_token = 0
        self._chart_request: ChartRequest | None = None  # last one sent (or shown)
        self._ys_order: list[str] = []
        self.last_export: Path | None = None
        self._page: Page | None = None
        self._page_starts: list[PageKey | None] = [None]
        self._sort: Sort | None = None
        self._bounds: Bounds | None = None
        self._preset: Preset = Preset.FIRST  # the preset shown (the select goes back to it on cancel)
        self._window_rows: int | None = None
        self._table_rows: int | None = None
        self._export_text: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        with Horizontal(id="pv-bar"):
            yield Select[str]([], prompt=_("Table"), id="pv-table", compact=True,
                              tooltip=_("The target table to show (rows in the target, in brackets)"))
            yield Select[Preset](
                [(p.label, p) for p in Preset], value=Preset.FIRST, allow_blank=False, id="pv-preset",
                compact=True, tooltip=_("Which rows: the first ones, a range ending at the newest row of the "
                                        "cursor column, or a custom from..to range"),
            )
            yield Select[str]([], prompt=_("Cursor: none"), id="pv-cursor", compact=True,
                              tooltip=_("The time column the date ranges apply to"))
        yield Static(_("Loading…"), id="pv-status", markup=False)
        with TabbedContent(initial="pv-tab-rows", id="pv-tabs"):
            with TabPane(_("Rows"), id="pv-tab-rows"):
                yield DataTable(id="pv-rows", zebra_stripes=True)
            with TabPane(_("Types"), id="pv-tab-types"):
                yield Static("", id="pv-detect-summary", markup=False)
                yield DataTable(id="pv-types", cursor_type="row")
            with TabPane(_("Chart"), id="pv-tab-chart"):
                yield from self.compose_chart()  # preview_chart.py

    def on_mount(self) -> None:
        types = self.query_one("#pv-types", DataTable)
        types.add_columns(_("column"), _("looks like"), _("format"), _("parsed"), _("values"), _("result"))
        if self.screen.focused is None:
            self.query_one("#pv-rows", DataTable).focus()
        self._load_tables()

    # --- public API ---------------------------------------------------------------

    def show_table(self, table: str, cursor_column: str | None = None) -> None:
        """Show `table` (cursor from the argument, the sync state, or the first time column)."""
        if self._tables is None:
            self._wanted = (table, cursor_column)
            self._load_tables()  # the list may have failed before (no file until a first sync)
            return
        self._select_table(table)
        self._load(table, cursor_column)

    @property
    def table(self) -> str | None:
        """The table shown (or being loaded)."""
        return self._table

    @property
    def frame(self) -> pl.DataFrame | None:
        """The rows shown (after type detection): what an export writes."""
        return self._frame

    @property
    def detection(self) -> Detection | None:
        return self._detection

    # --- actions -------------------------------------------------------------------

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        focus_id = {"pv-tab-rows": "#pv-rows", "pv-tab-types": "#pv-types", "pv-tab-chart": "#pv-kind"}[tab]
        self.query_one(focus_id).focus()

    def action_cycle_kind(self) -> None:
        kinds = list(ChartKind)
        select = self.query_one("#pv-kind", Select)
        current = select.value if isinstance(select.value, ChartKind) else ChartKind.LINE
        select.value = kinds[(kinds.index(current) + 1) % len(kinds)]
        self.query_one(TabbedContent).active = "pv-tab-chart"

    def action_reload(self) -> None:
        self._load_tables()
        if self._table is not None:
            self._load(self._table, self._cursor)

    # --- workers (no widget access in here) ---------------------------------------------

    def _run(self, job: Callable[[], object], group: str, description: str,
             on_error: Callable[[BaseException], None], *, exclusive: bool = True) -> None:
        run_in_thread(self, job, group=group, description=description, on_error=on_error,
                      exclusive=exclusive)

    def _load_tables(self) -> None:
        def job() -> None:
            self.post_message(self.TablesLoaded(query.list_tables(self.db_path)))

        job = wait_while_busy(self, job, self.db_path, self._set_status)  # a sync has the file: wait
        self._run(job, "preview-tables", _("Tables"), partial(self._failed, "tables", None))

    def _fetch_page(self, after: PageKey | None) -> None:
        """Read one page of the shown window (`after`: the key it starts after, None: the first)."""
        if self._table is None:
            return
        self._rows_token += 1
        token, table, preset, cursor = self._rows_token, self._table, self._preset, self._cursor
        sort, bounds, limit = self._sort, self._bounds, self.row_limit

        def job() -> None:
            started = perf_counter()
            rows = paging.fetch_page(self.db_path, table, limit, preset, cursor, sort=sort, after=after, bounds=bounds)
            detection = detect_frame(rows.frame)
            self.post_message(self.RowsLoaded(token, preset, rows, detection, perf_counter() - started))

        job = wait_while_busy(self, job, self.db_path, self._set_status)
        self._run(job, "preview-rows", _("Reading rows"), partial(self._failed, "rows", token))

    # --- loading ---------------------------------------------------------------------

    def _load(self, table: str, cursor: str | None) -> None:
        """Show the first page of `table`'s window (a new table, cursor, preset or range)."""
        if table != self._table:
            self._sort = None  # another table's columns
        self._table = table
        self._cursor = cursor
        preset = self.query_one("#pv-preset", Select).value
        self._preset = preset if isinstance(preset, Preset) else Preset.FIRST
        self._page_starts = [None]
        self._set_status(_("Reading {table} ({preset})…").format(table=table, preset=self._preset.label.lower()))
        self._fetch_page(None)

    def _select_table(self, table: str) -> None:
        select = self.query_one("#pv-table", Select)
        if self._tables is not None and any(t.name == table for t in self._tables):
            with select.prevent(Select.Changed):  # set from code: not a user's choice
                select.value = table

    def _set_status(self, text: str) -> None:
        # query, not query_one: a pane being replaced (another target, a run picked in
        # "as of run") may still get its last worker's message
        for status in self.query("#pv-status").results(Static):
            status.update(text)

    # --- handlers ----------------------------------------------------------------------

    @on(TablesLoaded)
    def _tables_loaded(self, message: TablesLoaded) -> None:
        message.stop()
        self._tables = message.tables
        select = self.query_one("#pv-table", Select)
        with select.prevent(Select.Changed):
            # compact counts ("855k"): the whole label fits the selector at 80 columns
            select.set_options([(f"{t.name} ({compact_count(t.rows)})", t.name) for t in message.tables])
            if self._table is not None and any(t.name == self._table for t in message.tables):
                select.value = self._table
        if not message.tables:
            self._set_status(_("{name} has no tables yet: run a sync first").format(name=self.db_path.name))
        elif self._table is None and self._wanted is None:
            self._set_status(_("{count} tables in {name}: choose one above").format(
                count=len(message.tables), name=self.db_path.name))
        if self._wanted is not None:
            table, cursor = self._wanted
            self._wanted = None
            self.show_table(table, cursor)

    @on(RowsLoaded)
    def _rows_loaded(self, message: RowsLoaded) -> None:
        message.stop()
        if message.token != self._rows_token:
            return  # a newer request is on its way
        page, detection = message.rows, message.detection
        first_page = page.rows is not None  # counted: the first page of a new window
        if page.preset is not message.preset:
            self._preset = page.preset
            preset_select = self.query_one("#pv-preset", Select)
            with preset_select.prevent(Select.Changed):
                preset_select.value = page.preset
            self.notify(_("{table} has no date or time column: showing it in table order").format(table=page.table),
                        severity="warning")
        self._page = page
        self._shown_table = page.table
        self._cursor = page.cursor
        if first_page:
            self._table_rows, self._window_rows = page.rows, page.window_rows
        self._detection = detection
        self._frame = detection.frame
        self._fill_grid(detection.frame, page.sort)
        self._fill_types(page.columns, detection)
        where = page.preset.label.lower()
        if page.preset is Preset.CUSTOM and self._bounds is not None:
            where = range_words(self._bounds)
        if page.preset is not Preset.FIRST and page.cursor:
            where += _(" on {cursor}").format(cursor=page.cursor)
        self._set_status(
            f"{self._page_status(page, self._window_rows, where)} · "
            + _("{converted}/{columns} text cols converted").format(
                converted=len(detection.converted), columns=len(detection.columns))
            + f" · {message.seconds:.2f}s"
        )
        if first_page:  # the chart covers the window, not the page: only a new window redraws it
            self._fill_cursor(page.columns, detection, page.cursor)
            self._fill_chart_controls(page.columns, detection, page.cursor)
            self._chart_request = None
            self._maybe_request_chart()
        if self.screen.focused is None:
            self.query_one("#pv-rows", DataTable).focus()

    def _failed(self, what: str, token: int | None, error: BaseException) -> None:
        """A worker failed (called on the UI thread by the app's worker handler)."""
        if not self.is_mounted:
            return  # the pane was replaced while the worker ran
        if what == "rows" and token != self._rows_token:
            return
        if what == "chart" and token != self._chart_token:
            return
        text = one_line(error, named=True)
        shown = {"tables": _("tables"), "rows": _("rows"), "chart": _("chart"), "export": _("export")}.get(what, what)
        self._set_status(f"{shown}: {text}")
        self.notify(text, title=_("Preview {what}").format(what=shown), severity="error")

    @on(Select.Changed, "#pv-table")
    def _table_changed(self, event: Select.Changed) -> None:
        event.stop()
        if not isinstance(event.value, str) or event.value == self._table:
            return
        self._load(event.value, None)
        self.post_message(self.TableChosen(event.value))  # the screen remembers the user's choice

    @on(Select.Changed, "#pv-preset")
    def _preset_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.value is Preset.CUSTOM:
            self._ask_range()
        elif self._table is not None:
            self._load(self._table, self._cursor)

    @on(Select.Changed, "#pv-cursor")
    def _cursor_changed(self, event: Select.Changed) -> None:
        event.stop()
        value = event.value if isinstance(event.value, str) else None
        if value == self._cursor or self._table is None:
            return
        self._cursor = value
        if self._preset is not Preset.FIRST:  # table order does not depend on the cursor
            self._load(self._table, value)

    # --- chart ---------------------------------------------------------------------



