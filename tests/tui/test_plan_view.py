"""The Tables screen's Plan view (issue 14) and the type plan's declared types (defect 15)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from textual.widgets import DataTable, Static

from tui_sync.tui.screens.plan import PlanScreen
from tui_sync.tui.screens.table_settings import TableSettingsScreen

from .conftest import FIXED_NOW, screen_text, tables_loaded, wait_for


def _cli_plan(demo_home: Path, table: str) -> str:
    done = subprocess.run([sys.executable, "-m", "tui_sync", "plan", table, "--demo"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.rstrip("\n")


async def test_p_shows_the_plan_as_the_cli_prints_it_and_writes_nothing(make_app, demo_home: Path,
                                                                        demo_db: Path) -> None:
    expected = _cli_plan(demo_home, "LOT_HISTORY")
    before = demo_db.stat().st_mtime_ns if demo_db.exists() else None
    app = make_app(now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await tables_loaded(pilot)
        await pilot.press("down", "p")  # LOT_HISTORY
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen), "the Plan view")
        body = app.screen.query_one("#plan-body", Static)
        await wait_for(pilot, lambda: "source column" in str(body.render()), "the plan")
        assert str(body.render()).rstrip("\n") == expected
        assert "VARCHAR2(20)" in screen_text(app)  # at 80 columns too (it scrolls sideways)
        await pilot.press("escape")
        assert not isinstance(app.screen, PlanScreen)
    assert (demo_db.stat().st_mtime_ns if demo_db.exists() else None) == before


async def test_the_palette_opens_the_plan_view(make_app) -> None:
    app = make_app(now=FIXED_NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await tables_loaded(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"plan of highlighted")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen), "the Plan view from the palette")


async def test_table_settings_show_declared_types_with_lengths(make_app) -> None:
    app = make_app(now=FIXED_NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await tables_loaded(pilot)
        await pilot.press("down", "e")
        await wait_for(pilot, lambda: isinstance(app.screen, TableSettingsScreen), "the settings")
        plan = app.screen.query_one("#plan-table", DataTable)
        await wait_for(pilot, lambda: plan.row_count == 7, "LOT_HISTORY's plan")
        types = [str(plan.get_row_at(i)[1]) for i in range(plan.row_count)]
        assert types == ["VARCHAR2(20)", "NUMBER(6,0)", "VARCHAR2(40)", "NUMBER(10,0)", "NUMBER(5,2)", "DATE",
                         "NVARCHAR2(30)"]


async def test_the_view_key_stays_in_the_footer_after_each_dialog(make_app) -> None:
    """Defect 15: after a dialog closes the footer still offers ⏎ View on the Tables screen."""
    from tui_sync.tui.screens.tables import SourceTable

    app = make_app(now=FIXED_NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await tables_loaded(pilot)

        def footer_has_view() -> bool:
            return "⏎ View" in screen_text(app).splitlines()[-1]

        tables = app.screen
        for open_key, close_key in (("p", ("escape",)), ("e", ("escape", "escape")), ("question_mark", ("t",))):
            await pilot.press(open_key)
            await wait_for(pilot, lambda: app.screen is not tables, f"the screen of {open_key}")
            await pilot.press(*close_key)  # in the settings form the first escape leaves the field
            await wait_for(pilot, lambda: app.screen is tables and footer_has_view(),
                           f"⏎ View back in the footer after {open_key}")
            assert isinstance(app.focused, SourceTable)
        # a dialog closed while the table had lost its focus (a reload under it): focus comes back
        app.screen.set_focus(None)
        app.show_error("Test", "an error")
        await pilot.press("escape")
        await wait_for(pilot, footer_has_view, "⏎ View back after the error dialog")
