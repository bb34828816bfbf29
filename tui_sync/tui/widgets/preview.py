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

import math
from collections.abc import Callable
from functools import partial
from pathlib import Path
from time import perf_counter
from typing import Any, ClassVar

import polars as pl
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import (
    Checkbox,
    DataTable,
    Input,
    Select,
    SelectionList,
    Static,
    TabbedContent,
    TabPane,
)

from tui_sync.errors import one_line
from tui_sync.preview import query
from tui_sync.preview.detect import Detection, detect_frame
from tui_sync.preview.export import ExportFormat, default_export_path, export_frame
from tui_sync.preview.query import ColumnInfo, Preset, TargetTable
from tui_sync.target.spec import TargetSpec, as_spec

from ..workers import run_in_thread, wait_while_busy
from .chart import ChartKind, ChartView
from .preview_chart import _OVERLAY_LABELS, MAX_Y, ChartRequest, ChartTab, time_like, toggle_label

ROW_LIMIT = 500
_TABS = Binding.Group("Tabs ", compact=True)
_EXPORT = Binding.Group("Export ", compact=True)  # e CSV, E Parquet (tooltips; 80 columns)
_CELL_MAX = 60  # long text (CLOBs) is cut in the grid; exports keep it whole


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else repr(value)
    if isinstance(value, bytes):
        shown = value[:16].hex()
        return f"0x{shown}…" if len(value) > 16 else f"0x{shown}"
    text = str(value)
    return text if len(text) <= _CELL_MAX else text[: _CELL_MAX - 1] + "…"


class PreviewPane(ChartTab):
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
    PreviewPane #pv-controls { width: 26; height: 1fr; }
    PreviewPane #pv-controls > * { margin-bottom: 1; }
    PreviewPane #pv-ys { height: 6; border-title-align: left; }
    PreviewPane #pv-chart { height: 1fr; }
    """

    # Grouped so that the footer fits 80 columns next to the global keys and `q Quit`
    # ("rdp Tabs k Kind eE Export CSV/Parquet f5 Reload"); the palette lists each one by its description.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "show_tab('pv-tab-rows')", "Rows", group=_TABS, tooltip="Show the rows"),
        Binding("d", "show_tab('pv-tab-types')", "Types", group=_TABS,
                tooltip="Show the type detection of text columns"),
        Binding("p", "show_tab('pv-tab-chart')", "Chart", group=_TABS, tooltip="Show the chart"),
        Binding("k", "cycle_kind", "Kind", tooltip="Chart kind: line, scatter, bar, histogram"),
        Binding("e", "export('csv')", "Export CSV", group=_EXPORT, tooltip="Write the shown rows to CSV"),
        Binding("E", "export('parquet')", "Export Parquet", group=_EXPORT,
                tooltip="Write the shown rows to Parquet"),
        Binding("f5", "reload", "Reload", tooltip="Read the table again"),
    ]

    # --- messages (posted by workers, handled on the UI thread) -----------------------

    class TablesLoaded(Message):
        def __init__(self, tables: list[TargetTable]) -> None:
            super().__init__()
            self.tables = tables

    class RowsLoaded(Message):
        def __init__(
            self, token: int, preset: Preset, rows: query.PreviewRows, detection: Detection, seconds: float
        ) -> None:
            super().__init__()
            self.token = token
            self.preset = preset
            self.rows = rows
            self.detection = detection
            self.seconds = seconds

    class Exported(Message):
        """A file was written; also bubbles up for screens that want to know."""

        def __init__(self, path: Path, rows: int) -> None:
            super().__init__()
            self.path = path
            self.rows = rows

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
        self.export_dir = Path(export_dir) if export_dir else self.db_path.anchor.parent / "exports"
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

    def compose(self) -> ComposeResult:
        with Horizontal(id="pv-bar"):
            yield Select[str]([], prompt="Table", id="pv-table", compact=True)
            yield Select[Preset](
                [(p.label, p) for p in Preset], value=Preset.FIRST, allow_blank=False, id="pv-preset",
                compact=True,
            )
            yield Select[str]([], prompt="Cursor: none", id="pv-cursor", compact=True)
        yield Static("Loading…", id="pv-status", markup=False)
        with TabbedContent(initial="pv-tab-rows", id="pv-tabs"):
            with TabPane("Rows", id="pv-tab-rows"):
                yield DataTable(id="pv-rows", zebra_stripes=True)
            with TabPane("Types", id="pv-tab-types"):
                yield Static("", id="pv-detect-summary", markup=False)
                yield DataTable(id="pv-types", cursor_type="row")
            with TabPane("Chart", id="pv-tab-chart"), Horizontal():
                with VerticalScroll(id="pv-controls"):
                    yield Select[ChartKind](
                        [(f"Kind: {k.value}", k) for k in ChartKind], value=ChartKind.LINE,
                        allow_blank=False, id="pv-kind", compact=True,
                    )
                    yield Select[str]([], prompt="x: (none)", id="pv-x", compact=True)
                    yield SelectionList[str](id="pv-ys", compact=True)
                    for key, label in _OVERLAY_LABELS.items():
                        yield Checkbox(toggle_label(label, False), id=key, compact=True)
                    yield Input(placeholder="lower limit", type="number", id="pv-lower", compact=True)
                    yield Input(placeholder="upper limit", type="number", id="pv-upper", compact=True)
                yield ChartView(id="pv-chart")

    def on_mount(self) -> None:
        self.query_one("#pv-ys", SelectionList).border_title = f"y (up to {MAX_Y})"
        types = self.query_one("#pv-types", DataTable)
        types.add_columns("column", "looks like", "format", "parsed", "values", "result")
        if self.screen.focused is None:
            self.query_one("#pv-rows", DataTable).focus()
        self._load_tables()

    # --- public API ---------------------------------------------------------------

    def show_table(self, table: str, cursor_column: str | None = None) -> None:
        """Show `table` (cursor from the argument, the sync state, or the first time column)."""
        if self._tables is None:
            self._wanted = (table, cursor_column)
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

    def action_export(self, fmt: str) -> None:
        if self._frame is None or self._shown_table is None:
            self.notify("Nothing to export yet", severity="warning")
            return
        path = default_export_path(self.export_dir, self._shown_table, ExportFormat(fmt))
        self._set_status(f"Exporting {self._frame.height:,} rows to {path}…")
        self._export(self._frame, path)

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
        self._run(job, "preview-tables", "Tables", partial(self._failed, "tables", None))

    def _fetch_rows(self, token: int, table: str, preset: Preset, cursor: str | None) -> None:
        def job() -> None:
            started = perf_counter()
            rows = query.fetch_preview(self.db_path, table, self.row_limit, preset, cursor)
            detection = detect_frame(rows.frame)
            self.post_message(self.RowsLoaded(token, preset, rows, detection, perf_counter() - started))

        job = wait_while_busy(self, job, self.db_path, self._set_status)
        self._run(job, "preview-rows", "Reading rows", partial(self._failed, "rows", token))

    def _export(self, frame: pl.DataFrame, path: Path) -> None:
        def job() -> None:
            self.post_message(self.Exported(export_frame(frame, path), frame.height))

        self._run(job, "preview-export", "Exporting rows", partial(self._failed, "export", None),
                  exclusive=False)

    # --- loading ---------------------------------------------------------------------

    def _load(self, table: str, cursor: str | None) -> None:
        self._table = table
        self._cursor = cursor
        self._rows_token += 1
        preset = self.query_one("#pv-preset", Select).value
        preset = preset if isinstance(preset, Preset) else Preset.FIRST
        self._set_status(f"Reading {table} ({preset.label.lower()})…")
        self._fetch_rows(self._rows_token, table, preset, cursor)

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
            select.set_options([(f"{t.name} ({t.rows:,} rows)", t.name) for t in message.tables])
            if self._table is not None and any(t.name == self._table for t in message.tables):
                select.value = self._table
        if not message.tables:
            self._set_status(f"{self.db_path.name} has no tables yet: run a sync first")
        elif self._table is None and self._wanted is None:
            self._set_status(f"{len(message.tables)} tables in {self.db_path.name}: choose one above")
        if self._wanted is not None:
            table, cursor = self._wanted
            self._wanted = None
            self.show_table(table, cursor)

    @on(RowsLoaded)
    def _rows_loaded(self, message: RowsLoaded) -> None:
        message.stop()
        if message.token != self._rows_token:
            return  # a newer request is on its way
        rows, detection = message.rows, message.detection
        if rows.preset is not message.preset:
            preset_select = self.query_one("#pv-preset", Select)
            with preset_select.prevent(Select.Changed):
                preset_select.value = rows.preset
            self.notify(f"{rows.table} has no date or time column: showing its first rows",
                        severity="warning")
        self._shown_table = rows.table
        self._cursor = rows.cursor
        self._detection = detection
        self._frame = detection.frame
        self._fill_grid(detection.frame)
        self._fill_types(rows.columns, detection)
        self._fill_cursor(rows.columns, detection, rows.cursor)
        self._fill_chart_controls(rows.columns, detection, rows.cursor)
        converted = len(detection.converted)
        texts = len(detection.columns)
        shown = detection.frame.height
        where = rows.preset.label.lower()
        if rows.preset is not Preset.FIRST and rows.cursor:
            where += f" on {rows.cursor}"
        self._set_status(
            f"{rows.table} · {rows.rows:,} rows · {shown:,} shown ({where}) · "
            f"{converted}/{texts} text cols converted · {message.seconds:.2f}s"
        )
        self._chart_request = None  # new rows: the chart must be fetched again
        self._maybe_request_chart()
        if self.screen.focused is None:
            self.query_one("#pv-rows", DataTable).focus()

    @on(Exported)
    def _exported(self, message: Exported) -> None:
        self.last_export = message.path
        self._set_status(f"Exported {message.rows:,} rows to {message.path}")
        self.notify(f"Exported {message.rows:,} rows to {message.path}", title="Export")

    def _failed(self, what: str, token: int | None, error: BaseException) -> None:
        """A worker failed (called on the UI thread by the app's worker handler)."""
        if not self.is_mounted:
            return  # the pane was replaced while the worker ran
        if what == "rows" and token != self._rows_token:
            return
        if what == "chart" and token != self._chart_token:
            return
        text = one_line(error, named=True)
        self._set_status(f"{what}: {text}")
        self.notify(text, title=f"Preview {what}", severity="error")

    @on(Select.Changed, "#pv-table")
    def _table_changed(self, event: Select.Changed) -> None:
        event.stop()
        if not isinstance(event.value, str) or event.value == self._table:
            return
        self._load(event.value, None)

    @on(Select.Changed, "#pv-preset")
    def _preset_changed(self, event: Select.Changed) -> None:
        event.stop()
        if self._table is not None:
            self._load(self._table, self._cursor)

    @on(Select.Changed, "#pv-cursor")
    def _cursor_changed(self, event: Select.Changed) -> None:
        event.stop()
        value = event.value if isinstance(event.value, str) else None
        if value == self._cursor or self._table is None:
            return
        self._cursor = value
        preset = self.query_one("#pv-preset", Select).value
        if preset is not Preset.FIRST:  # the first rows do not depend on the cursor
            self._load(self._table, value)

    # --- filling widgets ------------------------------------------------------------------

    def _fill_grid(self, frame: pl.DataFrame) -> None:
        grid = self.query_one("#pv-rows", DataTable)
        grid.clear(columns=True)
        for i, name in enumerate(frame.columns):
            grid.add_column(name, key=f"c{i}")
        grid.add_rows([tuple(_cell(v) for v in row) for row in frame.iter_rows()])

    def _fill_types(self, columns: list[ColumnInfo], detection: Detection) -> None:
        summary = self.query_one("#pv-detect-summary", Static)
        converted = detection.converted
        if not detection.columns:
            summary.update("No text columns: every column already has a type.")
        elif not converted:
            summary.update(f"{len(detection.columns)} text columns; none looks like numbers or times.")
        else:
            parts = [f"{c.name} → {c.kind} ({c.format}, {c.parse_ratio:.1%})" for c in converted]
            head = f"Converted {len(converted)} of {len(detection.columns)} text columns: "
            summary.update(head + "; ".join(parts))
        table = self.query_one("#pv-types", DataTable)
        table.clear()
        for det in detection.columns:
            result = "converted" if det.converted else f"kept as text: {det.reason}"
            ratio = f"{det.parse_ratio:.1%}" + (" (sample)" if det.sampled else "")
            table.add_row(det.name, str(det.kind), det.format or "", ratio, f"{det.non_null:,}", result)

    def _fill_cursor(self, columns: list[ColumnInfo], detection: Detection, cursor: str | None) -> None:
        options = time_like(columns, detection)
        if cursor and cursor not in options:
            options.insert(0, cursor)
        select = self.query_one("#pv-cursor", Select)
        with select.prevent(Select.Changed):
            select.set_options([(f"Cursor: {name}", name) for name in options])
            if cursor:
                select.value = cursor

    # --- chart ---------------------------------------------------------------------



