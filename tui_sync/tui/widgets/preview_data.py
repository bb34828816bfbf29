"""The Preview pane's data part: the rows grid (pages, sort), the type table, the cursor
choice and the export of the whole window.

`DataTab` is a base of `PreviewPane` (kept apart from the pane's layout and loading so
each file stays readable; the chart part is `ChartTab`). Like the chart part it only
fills widgets on the UI thread and starts its reads through the pane's `_run`.

Paging is keyset paging (`preview.paging`): the pane keeps the key each visited page
started after, so `]` asks for the rows after the last one shown and `[` asks again for
the page before, and neither reads the rows in front of it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, time
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl
from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import DataTable, Select, Static

from tui_sync.i18n import _
from tui_sync.preview.detect import Detection
from tui_sync.preview.export import ExportFormat, default_export_path, export_window
from tui_sync.preview.paging import Page, PageKey, Sort
from tui_sync.preview.query import ColumnInfo
from tui_sync.preview.window import Bounds, Preset

from .preview_chart import ChartTab, time_like
from .preview_dialogs import ExportDialog, RangeDialog

_CELL_MAX = 60  # long text (CLOBs) is cut in the grid; exports keep it whole
_UP, _DOWN = " ▲", " ▼"  # the sorted column's header: a glyph, readable with NO_COLOR


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


def compact_count(n: int) -> str:
    """855000 -> '855k', 1234567 -> '1.2M': a row count that fits a narrow selector."""
    for size, unit in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if n >= size:
            value = n / size
            text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
            return text.removesuffix(".0") + unit
    return str(n)


def range_words(bounds: Bounds) -> str:
    """'from 2021-06-30 until 2021-07-01' (the end is exclusive; midnight shows as the date)."""

    def when(value: datetime) -> str:
        if value.time() == time():
            return f"{value:%Y-%m-%d}"
        return f"{value:%Y-%m-%d %H:%M}" + (f":{value:%S}" if value.second else "")

    start, end = bounds
    parts = (([_("from {start}").format(start=when(start))] if start else [])
             + ([_("until {end}").format(end=when(end))] if end else []))
    return " ".join(parts)


class DataTab(ChartTab):
    """Rows, types and export of the Preview pane (see `PreviewPane`)."""

    # Set by PreviewPane.
    export_dir: Path
    last_export: Path | None
    _frame: pl.DataFrame | None
    _shown_table: str | None
    _page: Page | None
    _page_starts: list[PageKey | None]  # the key each visited page starts after
    _sort: Sort | None  # the user's order (None: the window's own)
    _bounds: Bounds | None  # the custom range
    _window_rows: int | None  # rows in the window, counted with its first page
    _export_text: dict[str, str]
    _preset: Preset  # the preset shown
    _load: Callable[[str, str | None], None]  # what was last typed per format: a failed export loses nothing
    _set_status: Callable[[str], None]
    _fetch_page: Callable[[PageKey | None], None]

    class Exported(Message):
        """A file was written; also bubbles up for screens that want to know."""

        def __init__(self, path: Path, rows: int) -> None:
            super().__init__()
            self.path = path
            self.rows = rows

    class ExportProgress(Message):
        def __init__(self, path: Path, percent: float) -> None:
            super().__init__()
            self.path = path
            self.percent = percent

    # --- paging and sorting ------------------------------------------------------------

    def action_page(self, step: int) -> None:
        page = self._page
        if page is None:
            return
        if step > 0:
            if not page.has_next:
                self.notify(_("This is the last page"), severity="information", timeout=3)
                return
            self._page_starts.append(page.last)
        else:
            if len(self._page_starts) == 1:
                self.notify(_("This is the first page"), severity="information", timeout=3)
                return
            self._page_starts.pop()
        self._fetch_page(self._page_starts[-1])

    def action_sort(self) -> None:
        """Sort by the grid's cursor column: ascending, then descending, then the window's order."""
        grid = self.query_one("#pv-rows", DataTable)
        if self._frame is None or not self._frame.columns:
            return
        self._sort_by(self._frame.columns[min(grid.cursor_column, len(self._frame.columns) - 1)])

    @on(DataTable.HeaderSelected, "#pv-rows")
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        if self._frame is not None and event.column_index < len(self._frame.columns):
            self._sort_by(self._frame.columns[event.column_index])

    def _sort_by(self, name: str) -> None:
        current = self._page.sort if self._page is not None else None
        if current is None or current.column != name:
            self._sort = Sort(name)
        elif not current.descending:
            self._sort = Sort(name, descending=True)
        else:
            self._sort = None if self._sort is not None else Sort(name)  # back to the window's order
        self._page_starts = [None]
        self._fetch_page(None)

    def _page_status(self, page: Page, window_rows: int | None, where: str) -> str:
        first = (len(self._page_starts) - 1) * self.row_limit + 1
        last = first + page.frame.height - 1
        total = f"{window_rows:,}" if window_rows is not None else "?"
        shown = (_("rows {first}–{last} of {total}").format(first=f"{first:,}", last=f"{last:,}", total=total)
                 if page.frame.height else _("no rows of {total}").format(total=total))
        order = ""
        if page.sort.column is not None:
            order = " · " + _("by {column}").format(column=page.sort.column) + (
                _DOWN if page.sort.descending else _UP)
        return f"{shown} ({where}){order}"

    def _ask_range(self) -> None:
        """The custom range: asked in a dialog; cancelled, the select goes back to what is shown."""
        select = self.query_one("#pv-preset", Select)
        if self._cursor is None or self._table is None:
            with select.prevent(Select.Changed):
                select.value = self._preset
            self.notify(_("A date range needs a cursor (a date or time column)"), severity="warning")
            return

        def chosen(bounds: object) -> None:
            if isinstance(bounds, tuple) and self._table is not None:
                self._bounds = bounds
                self._load(self._table, self._cursor)
            else:
                with select.prevent(Select.Changed):
                    select.value = self._preset

        self.app.push_screen(RangeDialog(self._cursor, self._bounds), chosen)

    # --- export ---------------------------------------------------------------------------

    def action_export(self, fmt: str) -> None:
        page = self._page
        if page is None or self._shown_table is None:
            self.notify(_("Nothing to export yet"), severity="warning")
            return
        table, preset, cursor, sort, bounds = page.table, page.preset, page.cursor, page.sort, self._bounds
        casts = {c.name: c for c in self._detection.converted} if self._detection else {}
        default = self._export_text.get(fmt) or str(
            default_export_path(self.export_dir, table, ExportFormat(fmt)))
        what = f"{table}: {preset.label.lower()}"
        if self._window_rows is not None:
            what += _(", all {count} rows").format(count=f"{self._window_rows:,}")

        def chosen(path: object) -> None:
            if not isinstance(path, Path):
                return
            self._export_text[fmt] = str(path)
            self._set_status(_("Exporting {what} to {path}…").format(what=what, path=path))

            def job() -> None:
                def progress(percent: float) -> None:
                    self.post_message(self.ExportProgress(path, percent))

                written, rows = export_window(self.db_path, table, path, preset, cursor, sort=sort,
                                              bounds=bounds, casts=casts, progress=progress)
                self.post_message(self.Exported(written, rows))

            self._run(job, "preview-export", _("Exporting rows"), partial(self._failed, "export", None),
                      exclusive=False)

        self.app.push_screen(ExportDialog(what, default), chosen)

    @on(ExportProgress)
    def _export_progress(self, message: ExportProgress) -> None:
        message.stop()
        self._set_status(_("Exporting to {path}… {percent}%").format(path=message.path,
                                                                      percent=f"{message.percent:.0f}"))

    @on(Exported)
    def _exported(self, message: Exported) -> None:
        self.last_export = message.path
        self._export_text.clear()  # the next export gets a fresh default name
        wrote = _("Wrote {rows} rows to {path}").format(rows=f"{message.rows:,}", path=message.path)
        self._set_status(wrote)
        self.notify(wrote, title=_("Export"))

    # --- filling widgets ---------------------------------------------------------------------

    def _fill_grid(self, frame: pl.DataFrame, sort: Sort | None = None) -> None:
        grid = self.query_one("#pv-rows", DataTable)
        cursor = grid.cursor_coordinate
        grid.clear(columns=True)
        numeric = [dtype.is_numeric() for dtype in frame.dtypes]
        for i, name in enumerate(frame.columns):
            label = name
            if sort is not None and sort.column == name:
                label += _DOWN if sort.descending else _UP
            # numbers right-aligned, as in a spreadsheet, so their digits line up
            grid.add_column(Text(label, justify="right") if numeric[i] else label, key=f"c{i}")
        grid.add_rows([
            tuple(Text(_cell(v), justify="right") if numeric[i] else _cell(v) for i, v in enumerate(row))
            for row in frame.iter_rows()
        ])
        if frame.width:  # a new page keeps the column the user was on (to sort by it again)
            grid.cursor_coordinate = cursor._replace(row=0, column=min(cursor.column, frame.width - 1))

    def _fill_types(self, columns: list[ColumnInfo], detection: Detection) -> None:
        summary = self.query_one("#pv-detect-summary", Static)
        converted = detection.converted
        if not detection.columns:
            summary.update(_("No text columns: every column already has a type."))
        elif not converted:
            summary.update(_("{count} text columns; none looks like numbers or times.").format(
                count=len(detection.columns)))
        else:
            parts = [f"{c.name} → {c.kind} ({c.format}, {c.parse_ratio:.1%})" for c in converted]
            head = _("Converted {converted} of {columns} text columns: ").format(
                converted=len(converted), columns=len(detection.columns))
            summary.update(head + "; ".join(parts))
        table = self.query_one("#pv-types", DataTable)
        table.clear()
        for det in detection.columns:
            result = _("converted") if det.converted else _("kept as text: {reason}").format(reason=det.reason)
            ratio = f"{det.parse_ratio:.1%}" + (_(" (sample)") if det.sampled else "")
            table.add_row(det.name, str(det.kind), det.format or "", ratio, f"{det.non_null:,}", result)

    def _fill_cursor(self, columns: list[ColumnInfo], detection: Detection, cursor: str | None) -> None:
        options = time_like(columns, detection)
        if cursor and cursor not in options:
            options.insert(0, cursor)
        select = self.query_one("#pv-cursor", Select)
        with select.prevent(Select.Changed):
            select.set_options([(_("Cursor: {name}").format(name=name), name) for name in options])
            if cursor:
                select.value = cursor

