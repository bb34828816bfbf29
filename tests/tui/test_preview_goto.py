"""`v` opens the table the user is on (issue 14, defect 1): the highlighted table on Tables,
the last synced table after a sync, and the remembered choice otherwise."""

from __future__ import annotations

from textual.widgets import DataTable, Select

from tui_sync.tui.screens.tables import TablesScreen
from tui_sync.tui.widgets.preview import PreviewPane

from .conftest import run_finished, screen_text, tables_loaded, wait_for


def _tables(app) -> TablesScreen:
    screen = app.mounted_screen("tables")
    assert isinstance(screen, TablesScreen)
    return screen


async def _go_to_row(pilot, name: str) -> None:
    table = pilot.app.screen.query_one("#source-tables", DataTable)
    wanted = table.get_row_index(name)  # rows are keyed by the source table's name
    while table.cursor_row != wanted:
        await pilot.press("down" if table.cursor_row < wanted else "up")
    assert _tables(pilot.app).highlighted() == name


def _pane_table(app) -> str | None:
    panes = app.screen.query(PreviewPane)
    return panes.first().table if panes else None


async def test_v_previews_the_highlighted_table_without_enter(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        await _go_to_row(pilot, "PRODUCTS")  # never synced, never entered
        await pilot.press("v")
        assert app.current_mode == "preview"
        await wait_for(pilot, lambda: app.session.preview_target is not None, "a table to preview")
        assert app.session.preview_target[0] == "products"
        await pilot.pause()
        assert "Pick a table" not in screen_text(app)


async def test_v_after_a_sync_shows_the_synced_table_and_the_choice_is_kept(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        await pilot.press("enter")  # preview EQUIPMENT_EVENTS (the first row) the usual way
        assert app.session.preview_target is not None and app.session.preview_target[0] == "equipment_events"
        await pilot.press("t")
        await _go_to_row(pilot, "PRODUCTS")
        await pilot.press("f")  # sync PRODUCTS
        assert app.current_mode == "progress"
        await run_finished(pilot)
        await pilot.press("v")  # from Progress: the table just synced, not the older choice
        await wait_for(pilot, lambda: _pane_table(app) == "products", "the synced table in the preview")
        await pilot.press("h")
        await pilot.press("v")  # remembered across screens
        assert app.current_mode == "preview"
        await wait_for(pilot, lambda: _pane_table(app) == "products", "the same table again")


async def test_a_table_picked_in_the_preview_is_the_choice_v_and_enter_respect(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        await _go_to_row(pilot, "LOT_HISTORY")
        await pilot.press("space", "up", "up")  # mark LOT_HISTORY, back to EQUIPMENT_EVENTS
        await _go_to_row(pilot, "PRODUCTS")
        await pilot.press("space", "f")  # sync both
        await run_finished(pilot)
        await pilot.press("t")
        await _go_to_row(pilot, "PRODUCTS")
        await pilot.press("enter")
        await wait_for(pilot, lambda: _pane_table(app) == "products", "products")
        app.screen.query_one("#pv-table", Select).value = "lot_history"  # picked in the pane
        await wait_for(pilot, lambda: _pane_table(app) == "lot_history", "lot_history")
        await pilot.press("h", "v")
        await wait_for(pilot, lambda: _pane_table(app) == "lot_history", "the pick kept")
        await pilot.press("t")
        await _go_to_row(pilot, "PRODUCTS")
        await pilot.press("enter")  # the earlier choice again: shown, not ignored as "already shown"
        await wait_for(pilot, lambda: _pane_table(app) == "products", "products again")
