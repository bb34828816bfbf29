"""The Tables screen's plan lines and the table settings form show an unindexed cursor's
warning with the CREATE INDEX (the demo's 설비_알람 has no index on 발생시각)."""

from __future__ import annotations

from textual.widgets import Static

from tui_sync.tui.screens.table_settings import TableSettingsScreen

from .conftest import tables_loaded, wait_for

CREATE = 'CREATE INDEX "설비_알람_발생시각_ix" ON "설비_알람" ("발생시각");'


async def test_plan_views_warn_of_an_unindexed_cursor(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await tables_loaded(pilot)
        details = app.screen.query_one("#table-details", Static)
        await pilot.press("down", "down", "down")  # EQUIPMENT_EVENTS, LOT_HISTORY, PRODUCTS, 설비_알람
        await wait_for(pilot, lambda: "warning(s)" in str(details.render()), "설비_알람's plan")
        text = str(details.render())
        assert "1 warning(s)" in text and "cursor 발생시각 is not the first column of any index" in text
        await pilot.press("e")
        assert isinstance(app.screen, TableSettingsScreen)
        warnings = app.screen.query_one("#plan-warnings", Static)
        await wait_for(pilot, lambda: CREATE in str(warnings.render()), "the form's plan warnings")
        assert "every incremental run scans the whole table" in str(warnings.render())
