"""The whole path with keys only: Tables → mark → full sync → Preview → chart."""

from __future__ import annotations

import polars as pl
from textual.widgets import DataTable

from tui_sync.tui.screens.preview import PreviewScreen
from tui_sync.tui.widgets.chart import ChartView
from tui_sync.tui.widgets.preview import PreviewPane
from tui_sync.tui.widgets.preview_dialogs import ExportDialog

from .conftest import DEMO_ROWS, run_finished, screen_text, tables_loaded, wait_for


async def test_walkthrough_with_keys_only(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        await pilot.press("down", "down", "space")  # mark PRODUCTS (the cursor moves on)
        await pilot.press("up", "up", "up", "space")  # and EQUIPMENT_EVENTS
        assert app.marked == {"EQUIPMENT_EVENTS", "PRODUCTS"}
        await pilot.press("f")
        assert app.current_mode == "progress"
        await run_finished(pilot)
        await pilot.pause()
        text = screen_text(app)
        assert f"{DEMO_ROWS:,} of {DEMO_ROWS:,} rows" in text and "500 of 500 rows" in text
        assert "Finished: 2 ok" in text
        await pilot.press("t")
        await wait_for(pilot, lambda: any(str(c).startswith("ok ") for c in app.screen.query_one(
            "#source-tables", DataTable).get_row_at(0)), "the sync state on the Tables screen")
        await pilot.press("up", "enter")  # preview EQUIPMENT_EVENTS (the mark moved the cursor down)
        assert isinstance(app.screen, PreviewScreen)
        await wait_for(pilot, lambda: bool(app.screen.query(PreviewPane)), "the preview pane")
        pane = app.screen.query_one(PreviewPane)
        await wait_for(pilot, lambda: pane.frame is not None, "rows in the preview")
        assert pane.frame is not None and pane.frame.height > 0
        assert "event_time" in pane.frame.columns
        rows = pane.query_one("#pv-rows", DataTable)
        assert rows.row_count > 0
        await pilot.press("p")  # the pane's Chart tab
        chart = pane.query_one(ChartView)
        await wait_for(pilot, lambda: chart.data is not None and chart.drawn_points > 0, "the chart")
        assert chart.data is not None and chart.data.x == "event_time"
        await pilot.press("e")  # export the window to CSV: the dialog offers a name, enter takes it
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog), "the export dialog")
        await pilot.press("enter")
        await wait_for(pilot, lambda: pane.last_export is not None and pane.last_export.exists(), "the export")
        exported = pl.read_csv(pane.last_export)
        assert exported.height == DEMO_ROWS and "event_id" in exported.columns  # every row, not a page
