"""The Preview pane's data part: the rows grid, the type table, the cursor choice and export.

`DataTab` is a base of `PreviewPane` (kept apart from the pane's layout and loading so
each file stays readable; the chart part is `ChartTab`). Like the chart part it only
fills widgets on the UI thread and starts its reads through the pane's `_run`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl
from textual import on
from textual.message import Message
from textual.widgets import DataTable, Select, Static

from tui_sync.preview.detect import Detection
from tui_sync.preview.export import ExportFormat, default_export_path, export_frame
from tui_sync.preview.query import ColumnInfo

from .preview_chart import ChartTab, time_like

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


class DataTab(ChartTab):
    """Rows, types and export of the Preview pane (see `PreviewPane`)."""

    # Set by PreviewPane.
    export_dir: Path
    last_export: Path | None
    _frame: pl.DataFrame | None
    _shown_table: str | None
    _set_status: Callable[[str], None]

    class Exported(Message):
        """A file was written; also bubbles up for screens that want to know."""

        def __init__(self, path: Path, rows: int) -> None:
            super().__init__()
            self.path = path
            self.rows = rows

    def action_export(self, fmt: str) -> None:
        if self._frame is None or self._shown_table is None:
            self.notify("Nothing to export yet", severity="warning")
            return
        path = default_export_path(self.export_dir, self._shown_table, ExportFormat(fmt))
        self._set_status(f"Exporting {self._frame.height:,} rows to {path}…")
        self._export(self._frame, path)

    def _export(self, frame: pl.DataFrame, path: Path) -> None:
        def job() -> None:
            self.post_message(self.Exported(export_frame(frame, path), frame.height))

        self._run(job, "preview-export", "Exporting rows", partial(self._failed, "export", None),
                  exclusive=False)

    @on(Exported)
    def _exported(self, message: Exported) -> None:
        self.last_export = message.path
        self._set_status(f"Exported {message.rows:,} rows to {message.path}")
        self.notify(f"Exported {message.rows:,} rows to {message.path}", title="Export")

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
