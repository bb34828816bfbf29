"""The Preview pane lists and shows a target table in a DuckDB schema (`analytics.events`)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
from textual.widgets import Input, Select

from tui_sync.tui.widgets.preview import PreviewPane
from tui_sync.tui.widgets.preview_dialogs import ExportDialog

from .test_preview_pane import PreviewApp, grid, wait_for


async def test_a_schema_table_is_listed_shown_and_exported(tmp_path: Path) -> None:
    db = tmp_path / "target.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE SCHEMA analytics; CREATE SCHEMA tui_sync")
    con.execute("CREATE TABLE analytics.events AS SELECT range AS id FROM range(42)")
    con.execute("CREATE TABLE analytics.events__tui_sync_stage AS SELECT 1 AS id")
    con.execute("CREATE TABLE tui_sync.runs AS SELECT 1 AS id")
    con.execute("CREATE TABLE plain AS SELECT 1 AS id")
    con.close()
    app = PreviewApp(db, table=None)
    async with app.run_test(size=(120, 36)) as pilot:
        select = app.query_one("#pv-table", Select)
        await wait_for(pilot, lambda: len(select._options) > 1, "the table list")
        values = [v for _, v in select._options if isinstance(v, str)]
        assert values == ["plain", "analytics.events"]  # no stage, no sync state
        select.value = "analytics.events"
        await wait_for(pilot, lambda: grid(app).row_count == 42, "rows")
        pane = app.query_one(PreviewPane)
        await pilot.press("E")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog), "the export dialog")
        out = Path(app.screen.query_one("#export-path", Input).value)
        await pilot.press("enter")
        await wait_for(pilot, lambda: pane.last_export is not None, "the export")
        assert pl.read_parquet(out).height == 42
