"""The Preview pane: a target table's rows, type detection, chart and export (DESIGN §9).

`PreviewPane(db_path)` is mounted by the Preview screen, which then calls
`show_table(table, cursor_column)`. Every DuckDB read, the detection and the
export run in thread workers that only post the typed messages below; the
`@on` handlers are the only code that touches widgets. A worker's result is
dropped when a newer request has been made since (`token`), so a slow query
never overwrites a newer one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from time import perf_counter
from typing import Any, ClassVar

import polars as pl
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
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
from tui_sync.preview.detect import ColumnDetection, Detection, Kind, detect_frame
from tui_sync.preview.export import ExportFormat, default_export_path, export_frame
from tui_sync.preview.query import ColumnInfo, Preset, TargetTable

from .chart import ChartData, ChartKind, ChartView, Overlays

ROW_LIMIT = 500
_TABS = Binding.Group("Tabs ", compact=True)
_EXPORT = Binding.Group("Export CSV/Parquet ", compact=True)
MAX_Y = 4
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


@dataclass(frozen=True)
class ChartRequest:
    """What a chart shows; equal requests are not fetched twice."""

    table: str
    preset: Preset
    cursor: str | None
    kind: ChartKind
    x: str | None
    ys: tuple[str, ...]
    with_stats: bool
    width: int
    casts: dict[str, ColumnDetection] = field(default_factory=dict, compare=False, hash=False)


class PreviewPane(Widget):
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

    class ChartLoaded(Message):
        def __init__(self, token: int, request: ChartRequest, data: ChartData) -> None:
            super().__init__()
            self.token = token
            self.request = request
            self.data = data

    class Exported(Message):
        """A file was written; also bubbles up for screens that want to know."""

        def __init__(self, path: Path, rows: int) -> None:
            super().__init__()
            self.path = path
            self.rows = rows

    class Failed(Message):
        def __init__(self, what: str, error: str, token: int | None = None) -> None:
            super().__init__()
            self.what = what
            self.error = error
            self.token = token

    # --- construction -------------------------------------------------------------

    def __init__(
        self,
        db_path: Path,
        *,
        export_dir: Path | None = None,
        row_limit: int = ROW_LIMIT,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.db_path = Path(db_path)
        self.export_dir = Path(export_dir) if export_dir else self.db_path.parent / "exports"
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
                        yield Checkbox(_toggle_label(label, False), id=key, compact=True)
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

    @work(thread=True, exclusive=True, exit_on_error=False, group="preview-tables", description="Tables")
    def _load_tables(self) -> None:
        try:
            tables = query.list_tables(self.db_path)
        except Exception as exc:  # noqa: BLE001 - any failure becomes one line, never a crash
            self.post_message(self.Failed("tables", one_line(exc, named=True)))
            return
        self.post_message(self.TablesLoaded(tables))

    @work(thread=True, exclusive=True, exit_on_error=False, group="preview-rows", description="Reading rows")
    def _fetch_rows(self, token: int, table: str, preset: Preset, cursor: str | None) -> None:
        started = perf_counter()
        try:
            rows = query.fetch_preview(self.db_path, table, self.row_limit, preset, cursor)
            detection = detect_frame(rows.frame)
        except Exception as exc:  # noqa: BLE001
            self.post_message(self.Failed("rows", one_line(exc, named=True), token))
            return
        self.post_message(self.RowsLoaded(token, preset, rows, detection, perf_counter() - started))

    @work(thread=True, exclusive=True, exit_on_error=False, group="preview-chart", description="Chart data")
    def _fetch_chart(self, token: int, req: ChartRequest) -> None:
        try:
            data = _chart_data(self.db_path, req, self.row_limit)
        except Exception as exc:  # noqa: BLE001
            self.post_message(self.Failed("chart", one_line(exc, named=True), token))
            return
        self.post_message(self.ChartLoaded(token, req, data))

    @work(thread=True, exit_on_error=False, group="preview-export", description="Exporting rows")
    def _export(self, frame: pl.DataFrame, path: Path) -> None:
        try:
            written = export_frame(frame, path)
        except Exception as exc:  # noqa: BLE001
            self.post_message(self.Failed("export", one_line(exc, named=True)))
            return
        self.post_message(self.Exported(written, frame.height))

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
        self.query_one("#pv-status", Static).update(text)

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

    @on(ChartLoaded)
    def _chart_loaded(self, message: ChartLoaded) -> None:
        message.stop()
        if message.token != self._chart_token:
            return
        self.query_one("#pv-chart", ChartView).show(message.data, self._overlays())

    @on(Exported)
    def _exported(self, message: Exported) -> None:
        self.last_export = message.path
        self._set_status(f"Exported {message.rows:,} rows to {message.path}")
        self.notify(f"Exported {message.rows:,} rows to {message.path}", title="Export")

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        message.stop()
        if message.what == "rows" and message.token != self._rows_token:
            return
        if message.what == "chart" and message.token != self._chart_token:
            return
        self._set_status(f"{message.what}: {message.error}")
        self.notify(message.error, title=f"Preview {message.what}", severity="error")

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

    @on(Select.Changed, "#pv-kind")
    @on(Select.Changed, "#pv-x")
    def _chart_control_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._maybe_request_chart()

    @on(SelectionList.SelectedChanged, "#pv-ys")
    def _ys_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        event.stop()
        selected = list(event.selection_list.selected)
        self._ys_order = [y for y in self._ys_order if y in selected]
        self._ys_order += [y for y in selected if y not in self._ys_order]
        if len(self._ys_order) > MAX_Y:
            extra = self._ys_order.pop()
            event.selection_list.deselect(extra)
            self.notify(f"At most {MAX_Y} y columns", severity="warning")
            return
        self._maybe_request_chart()

    @on(Checkbox.Changed)
    def _overlay_toggled(self, event: Checkbox.Changed) -> None:
        event.stop()
        # The state in words too: with NO_COLOR a checkbox's X differs by colour only.
        box = event.checkbox
        box.label = _toggle_label(_OVERLAY_LABELS.get(box.id or "", str(box.label)), event.value)
        self._apply_overlays()

    @on(Input.Changed, "#pv-lower, #pv-upper")
    def _limit_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._apply_overlays()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        event.stop()
        self._maybe_request_chart()

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

    def _time_like(self, columns: list[ColumnInfo], detection: Detection) -> list[str]:
        return [c.name for c in columns if c.is_temporal or _converted_to(detection, c.name, _TIME_KINDS)]

    def _number_like(self, columns: list[ColumnInfo], detection: Detection) -> list[str]:
        return [c.name for c in columns if c.is_numeric or _converted_to(detection, c.name, _NUMBER_KINDS)]

    def _fill_cursor(self, columns: list[ColumnInfo], detection: Detection, cursor: str | None) -> None:
        options = self._time_like(columns, detection)
        if cursor and cursor not in options:
            options.insert(0, cursor)
        select = self.query_one("#pv-cursor", Select)
        with select.prevent(Select.Changed):
            select.set_options([(f"Cursor: {name}", name) for name in options])
            if cursor:
                select.value = cursor

    def _fill_chart_controls(
        self, columns: list[ColumnInfo], detection: Detection, cursor: str | None
    ) -> None:
        times = self._time_like(columns, detection)
        numbers = self._number_like(columns, detection)
        xs = times + [n for n in numbers if n not in times]
        x_select = self.query_one("#pv-x", Select)
        old_x = x_select.value
        if isinstance(old_x, str) and old_x in xs:
            x = old_x
        elif cursor in xs:
            x = cursor
        else:
            x = xs[0] if xs else None
        with x_select.prevent(Select.Changed):  # the caller asks for the chart once
            x_select.set_options([(f"x: {name}", name) for name in xs])
            if x is not None:
                x_select.value = x
        ys = self.query_one("#pv-ys", SelectionList)
        keep = [y for y in self._ys_order if y in numbers]
        if not keep:
            keep = [n for n in numbers if n != x][:1]
        with ys.prevent(SelectionList.SelectedChanged):
            ys.clear_options()
            ys.add_options([(name, name, name in keep) for name in numbers])
        self._ys_order = keep

    # --- chart ---------------------------------------------------------------------

    def _overlays(self) -> Overlays:
        def level(selector: str) -> float | None:
            text = self.query_one(selector, Input).value.strip()
            try:
                value = float(text)
            except ValueError:
                return None
            return value if math.isfinite(value) else None

        return Overlays(
            mean=self.query_one("#pv-mean", Checkbox).value,
            median=self.query_one("#pv-median", Checkbox).value,
            sigma=self.query_one("#pv-sigma", Checkbox).value,
            lower=level("#pv-lower"),
            upper=level("#pv-upper"),
        )

    def _apply_overlays(self) -> None:
        overlays = self._overlays()
        self.query_one("#pv-chart", ChartView).set_overlays(overlays)
        if overlays.mean or overlays.median or overlays.sigma:
            self._maybe_request_chart()  # statistics are fetched only once an overlay needs them

    def _current_request(self) -> ChartRequest | None:
        if self._table is None or self._detection is None:
            return None
        kind = self.query_one("#pv-kind", Select).value
        x = self.query_one("#pv-x", Select).value
        preset = self.query_one("#pv-preset", Select).value
        overlays = self._overlays()
        chart = self.query_one("#pv-chart", ChartView)
        return ChartRequest(
            table=self._table,
            preset=preset if isinstance(preset, Preset) else Preset.FIRST,
            cursor=self._cursor,
            kind=kind if isinstance(kind, ChartKind) else ChartKind.LINE,
            x=x if isinstance(x, str) else None,
            ys=tuple(self._ys_order),
            with_stats=overlays.mean or overlays.median or overlays.sigma,
            width=max(40, chart.size.width or 200),
            casts={c.name: c for c in self._detection.converted},
        )

    def _maybe_request_chart(self) -> None:
        """Fetch chart data when the chart tab is showing and what it should show changed."""
        if self.query_one(TabbedContent).active != "pv-tab-chart":
            return
        req = self._current_request()
        if req is None:
            return
        chart = self.query_one("#pv-chart", ChartView)
        if not req.ys or (req.kind is not ChartKind.HISTOGRAM and req.x is None):
            self._chart_request = None
            chart.show(ChartData(req.kind, title="choose an x and at least one y column"), self._overlays())
            return
        last = self._chart_request
        if (
            last is not None
            and replace(last, width=req.width, with_stats=req.with_stats) == req
            and (last.with_stats or not req.with_stats)
        ):
            return  # same data (a resized chart only re-downsamples what it has)
        self._chart_request = req
        self._chart_token += 1
        self._fetch_chart(self._chart_token, req)


_OVERLAY_LABELS = {"pv-mean": "mean", "pv-median": "median", "pv-sigma": "±1σ band"}


def _toggle_label(label: str, on: bool) -> str:
    return f"{label}: {'on' if on else 'off'}"


_TIME_KINDS = (Kind.DATE, Kind.DATETIME)
_NUMBER_KINDS = (Kind.INTEGER, Kind.DECIMAL)


def _converted_to(detection: Detection, name: str, kinds: tuple[Kind, ...]) -> bool:
    det = detection.get(name)
    return det is not None and det.converted and det.kind in kinds


def _chart_data(db: Path, req: ChartRequest, limit: int) -> ChartData:
    """Worker side: the chart's data straight from DuckDB (no widget access)."""
    ys = list(req.ys)
    stats = (
        query.column_stats(db, req.table, ys, req.preset, req.cursor, limit=limit, casts=req.casts)
        if req.with_stats
        else {}
    )
    title = f"{req.table} · {req.preset.label.lower()}"
    if req.kind is ChartKind.HISTOGRAM:
        bins = max(10, min(60, req.width // 3))
        hist = query.fetch_histogram(
            db, req.table, ys, req.preset, req.cursor, bins, limit=limit, casts=req.casts
        )
        return ChartData(req.kind, histogram=hist, stats=stats, title=title)
    assert req.x is not None
    series = query.fetch_series(
        db, req.table, req.x, ys, req.preset, req.cursor, max_points=req.width, limit=limit, casts=req.casts
    )
    if series.reduced_in_db:
        title += f" · {series.rows:,} rows, downsampled"
    return ChartData(req.kind, req.x, series.x_is_time, series.series, stats=stats, title=title)
