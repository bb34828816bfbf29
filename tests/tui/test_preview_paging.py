"""Pilot tests of the Preview grid as a daily tool (issue 14): export of the whole window
through a file-name dialog, keyset pages, sorting, a custom range, right-aligned numbers,
and a table selector that fits 80 columns."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from rich.text import Text
from textual.widgets import Input, Select, Static

from tui_sync.preview.query import Preset
from tui_sync.tui.widgets.chart import ChartView
from tui_sync.tui.widgets.preview import PreviewPane
from tui_sync.tui.widgets.preview_data import compact_count
from tui_sync.tui.widgets.preview_dialogs import ExportDialog, RangeDialog

from .test_preview_pane import END, ROWS, TABLE, PreviewApp, db, grid, text_of, wait_for

__all__ = ["db"]  # the fixture, shared with test_preview_pane


def status(app) -> str:
    return str(app.query_one("#pv-status", Static).render())


async def _rows_ready(pilot, app) -> PreviewPane:
    await wait_for(pilot, lambda: grid(app).row_count > 0, "rows")
    return app.query_one(PreviewPane)


async def _type(pilot, field: Input, text: str) -> None:
    field.value = ""
    await pilot.press(*text)


async def test_export_asks_for_a_name_and_writes_the_whole_window(db: Path, tmp_path: Path) -> None:
    app = PreviewApp(db)
    async with app.run_test(size=(120, 36)) as pilot:
        pane = await _rows_ready(pilot, app)
        assert grid(app).row_count == 500
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog), "the export dialog")
        field = app.screen.query_one("#export-path", Input)
        default = Path(field.value)
        assert default.parent == db.parent / "exports" and default.suffix == ".csv"
        assert default.name in text_of(app)  # the default is shown (and editable)
        await pilot.press("enter")
        await wait_for(pilot, lambda: pane.last_export is not None, "the export")
        assert pane.last_export == default.resolve()
        assert pl.read_csv(default).height == ROWS  # every row, not the 500 on screen
        assert f"Wrote {ROWS:,} rows to {default.resolve()}" in status(app)

        # A bad extension: one line in the dialog, which stays open with what was typed.
        await pilot.press("E")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog), "the dialog again")
        field = app.screen.query_one("#export-path", Input)
        assert field.value.endswith(".parquet")
        await _type(pilot, field, str(tmp_path / "out.xlsx"))
        await pilot.press("enter")
        assert isinstance(app.screen, ExportDialog)
        assert "use .csv or .parquet" in text_of(app) and field.value.endswith("out.xlsx")

        # An unwritable place: one line in the status; the name typed comes back with e.
        blocker = tmp_path / "a_file"
        blocker.write_text("x")
        await _type(pilot, field, str(blocker / "x.parquet"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "export: cannot write" in status(app), "the error line")
        assert "\n" not in status(app) and app.is_running
        await pilot.press("E")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog), "the dialog once more")
        assert app.screen.query_one("#export-path", Input).value == str(blocker / "x.parquet")
        await pilot.press("escape", "escape")  # the first leaves the field, the second closes

        # The window chosen is what is written: the last 24 hours, converted types included.
        app.query_one("#pv-preset", Select).value = Preset.LAST_24H
        await wait_for(pilot, lambda: grid(app).row_count == 24 * 12 + 1, "last 24 hours")
        await pilot.press("E")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog), "the parquet dialog")
        await _type(pilot, app.screen.query_one("#export-path", Input), str(tmp_path / "day.parquet"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: (tmp_path / "day.parquet").exists(), "the day's export")
        day = pl.read_parquet(tmp_path / "day.parquet")
        assert day.height == 24 * 12 + 1 and day["event_time"][0] == END
        assert day.schema["ts_text"] == pl.Datetime("us")  # as the grid shows it: detected types


async def test_pages_and_sort_by_keys_with_the_footer_showing_them(db: Path) -> None:
    app = PreviewApp(db)
    async with app.run_test(size=(120, 36)) as pilot:
        pane = await _rows_ready(pilot, app)
        assert "[] Page" in text_of(app).splitlines()[-1]
        first = pane.frame
        assert first is not None and first["lot"][0] == "LOT-0"
        await pilot.press("]")
        await wait_for(pilot, lambda: "rows 501–1,000 of 3,000" in status(app), "page 2")
        assert pane.frame is not None and pane.frame["lot"][0] == "LOT-500"
        for _ in range(4):
            await pilot.press("]")
        await wait_for(pilot, lambda: "rows 2,501–3,000 of 3,000" in status(app), "the last page")
        await pilot.press("[")
        await wait_for(pilot, lambda: "rows 2,001–2,500" in status(app), "back one page")
        assert pane.frame is not None and pane.frame["lot"][0] == "LOT-2000"

        # s sorts by the cursor's column: 온도 (the 2nd column) up, then down; a new sort starts at page 1
        await pilot.press("right", "s")
        await wait_for(pilot, lambda: "by 온도 ▲" in status(app) and "rows 1–500" in status(app), "sorted up")
        assert pane.frame is not None and pane.frame["온도"].max() == 8.0  # 3,000 rows: 60 of each 0..49
        assert "온도 ▲" in text_of(app)  # the header says it with a glyph (NO_COLOR safe)
        await pilot.press("s")
        await wait_for(pilot, lambda: "by 온도 ▼" in status(app), "sorted down")
        assert pane.frame is not None and pane.frame["온도"][0] == 49.0
        await pilot.press("]")
        await wait_for(pilot, lambda: "rows 501–1,000" in status(app), "the next page of the sort")
        assert pane.frame is not None and pane.frame["온도"][0] == 41.0  # 60 rows per value: 49..42 before

        # numbers are right-aligned, text is not
        cells = grid(app).get_row_at(0)
        assert isinstance(cells[1], Text) and cells[1].justify == "right"
        assert not isinstance(cells[4], Text)


async def test_custom_range_dialog(db: Path) -> None:
    app = PreviewApp(db)
    async with app.run_test(size=(120, 36)) as pilot:
        pane = await _rows_ready(pilot, app)
        labels = [str(label) for label, _ in app.query_one("#pv-preset", Select)._options]
        assert "24h to newest row" in labels and "Custom range…" in labels
        app.query_one("#pv-preset", Select).value = Preset.CUSTOM
        await wait_for(pilot, lambda: isinstance(app.screen, RangeDialog), "the range dialog")
        await pilot.press(*"2021-06-30", "enter", *"tomorrow", "enter")
        assert isinstance(app.screen, RangeDialog) and "not a date" in text_of(app)
        await _type(pilot, app.screen.query_one("#range-to", Input), "2021-06-30")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "of 288 " in status(app), "the day's rows")  # every 5 minutes
        assert "(from 2021-06-30 until 2021-07-01 on event_time)" in status(app)
        assert pane.frame is not None and pane.frame["event_time"][0] == END  # newest first
        await pilot.press("p")  # the chart covers the same range
        chart = app.query_one(ChartView)
        await wait_for(pilot, lambda: chart.data is not None and bool(chart.data.series), "the range's chart")
        xs = chart.data.series["온도"]["x"]
        day = datetime(2021, 6, 30, tzinfo=UTC).timestamp()
        assert xs.min() >= day and xs.max() < day + 86_400
        await pilot.press("r")

        app.query_one("#pv-preset", Select).value = Preset.FIRST
        await wait_for(pilot, lambda: "of 3,000" in status(app), "table order")
        app.query_one("#pv-preset", Select).value = Preset.CUSTOM
        await wait_for(pilot, lambda: isinstance(app.screen, RangeDialog), "the dialog again")
        await pilot.press("escape", "escape")  # cancelled: the select shows what the grid shows
        assert app.query_one("#pv-preset", Select).value is Preset.FIRST


def test_compact_counts() -> None:
    assert [compact_count(n) for n in (0, 999, 1500, 20_000, 855_000, 1_234_567, 10_000_000)] == [
        "0", "999", "1.5k", "20k", "855k", "1.2M", "10M"]


@pytest.mark.parametrize("name", ["equipment_events"])
async def test_table_selector_fits_80_columns(tmp_path: Path, name: str) -> None:
    import duckdb

    path = tmp_path / "wide.duckdb"
    con = duckdb.connect(str(path))
    con.execute(f"CREATE TABLE {name} AS SELECT range AS id FROM range(855000)")
    con.close()
    app = PreviewApp(path, name)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: grid(app).row_count > 0, "rows")
        assert f"{name} (855k)" in text_of(app).splitlines()[0]


assert TABLE  # the pane's table (imported for the fixture's module)
