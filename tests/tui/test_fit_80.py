"""Issue 14, defect 11: at 80x24 the screen bar keeps the sync's status whole."""

from __future__ import annotations

from tui_sync.events import Mode
from tui_sync.progress import RunState
from tui_sync.tui.widgets.nav import NavBar

from .conftest import FIXED_NOW, tables_loaded, wait_for


async def test_the_header_status_is_whole_at_80_columns(make_app) -> None:
    app = make_app(now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await tables_loaded(pilot)
        run = RunState.create([("LOT_HISTORY", "lot_history")], Mode.AUTO)
        run.error = "ORA-12541: no listener"
        app.session.run = run
        app.refresh_nav()
        bar = app.screen.query_one(NavBar)
        await wait_for(pilot, lambda: bar.render_line(0).text.rstrip().endswith(app.run_status_line()),
                       "the whole status in the screen bar")
        line = bar.render_line(0).text
        assert len(line) <= 80 and "Tables" in line  # the current screen keeps its name
        await pilot.resize_terminal(120, 40)
        await wait_for(pilot, lambda: "Connection" in bar.render_line(0).text, "the names back at 120 columns")


async def test_footer_keys_have_words_most_used_first(make_app) -> None:
    """Posting-style footer: each key with its word, no "sfix Sync" or "ctgvh? Go" clusters."""
    from .conftest import screen_text

    app = make_app(now=FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await tables_loaded(pilot)
        await wait_for(pilot, lambda: "⏎ View" in screen_text(app).splitlines()[-1], "the footer")
        footer = screen_text(app).splitlines()[-1]
        assert footer.startswith("⏎ View ␣ Mark s Sync f Full e Edit p Plan / Filter y Verify q Quit"), footer
        assert footer.rstrip().endswith("^p palette") and len(footer) <= 80
        assert "sfix" not in footer and "ctgvh" not in footer
        # the screen keys are in the screen bar, with their names
        assert screen_text(app).splitlines()[0].startswith(" c Connection  t Tables  g Progress")
