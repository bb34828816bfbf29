"""History (issue 14): filters by table and status, and Rows/s and the error readable at 80x24."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from textual.widgets import DataTable, Label, Static

from tui_sync.target.state import record_unrun
from tui_sync.tui.screens.history import HistoryScreen

from .conftest import FIXED_NOW, screen_text, tables_loaded, wait_for

T0 = datetime(2026, 1, 5, 9, 0)


def _record(db: Path) -> None:
    runs = [("lot_history", "LOT_HISTORY", "ok", ""), ("products", "PRODUCTS", "failed",
            "ORA-00942: table or view does not exist"), ("lot_history", "LOT_HISTORY", "failed", "DPY-4011: closed"),
            ("lot_history", "LOT_HISTORY", "skipped", "another sync holds it")]
    for i, (target, source, status, error) in enumerate(runs):
        at = T0 + timedelta(minutes=i)
        record_unrun(db, target, source, "incremental", status, error, at, at + timedelta(seconds=3))


def _tables(app) -> list[tuple[str, str]]:
    runs = app.screen.query_one("#runs", DataTable)
    return [(str(runs.get_row_at(i)[1]), str(runs.get_row_at(i)[3])) for i in range(runs.row_count)]


async def _history(pilot) -> HistoryScreen:
    app = pilot.app
    await tables_loaded(pilot)
    await pilot.press("h")
    title = app.screen.query_one("#runs-title", Label)
    await wait_for(pilot, lambda: "Runs: 4" in str(title.render()), "the runs")
    assert isinstance(app.screen, HistoryScreen)
    return app.screen


async def test_history_filters_by_table_and_status(make_app, demo_db: Path) -> None:
    _record(demo_db)
    app = make_app(now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _history(pilot)
        await pilot.press("f")  # the first table found: lot_history
        assert {t for t, _ in _tables(app)} == {"lot_history"} and len(_tables(app)) == 3
        await pilot.press("s")  # then the first status found among all runs: ok
        assert _tables(app) == [("lot_history", "ok")]
        await pilot.press("s")  # next status: failed
        assert _tables(app) == [("lot_history", "failed")]
        assert "table lot_history and status failed" in str(screen.query_one("#runs-title", Label).render())
        await pilot.press("f")  # next table: products
        assert _tables(app) == [("products", "failed")]
        await pilot.press("f", "s", "s")  # all tables; status skipped, then all
        assert len(_tables(app)) == 4
        footer = screen_text(app).splitlines()[-1]
        assert "f Table filter" in footer and "s Status filter" in footer


async def test_history_at_80x24_shows_rows_per_second_and_the_error(make_app, demo_db: Path) -> None:
    _record(demo_db)
    app = make_app(now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await _history(pilot)
        await pilot.press("down")  # the newest run first: the skipped one; then PRODUCTS' failure...
        text = screen_text(app)
        assert "Rows/s" in text
        error = app.screen.query_one("#run-error", Static)
        await wait_for(pilot, lambda: "DPY-4011: closed" in str(error.render()), "the highlighted run's error")
        assert "error: DPY-4011: closed" in screen_text(app)


async def test_the_highlighted_run_says_how_many_rows_the_lookback_read_again(make_app, demo_db: Path) -> None:
    import duckdb

    _record(demo_db)
    con = duckdb.connect(str(demo_db))
    con.execute("UPDATE tui_sync.runs SET rows = 18, rows_reread = 11, started_at = started_at + INTERVAL 1 HOUR, "
                "finished_at = finished_at + INTERVAL 1 HOUR WHERE status = 'ok'")  # the newest run now
    con.close()
    app = make_app(now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _history(pilot)
        line = screen.query_one("#run-error", Static)
        await wait_for(pilot, lambda: "7 new, 11 re-read in the lookback window" in str(line.render()),
                       "the newest run's split")  # the highlighted run
        assert "7 new, 11 re-read" in screen_text(app)
