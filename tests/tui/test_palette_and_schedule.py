"""The command palette offers every key's action; the in-app scheduler runs due tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from textual.binding import Binding

from tui_sync.target.state import read_runs
from tui_sync.tui.app import TuiSyncApp
from tui_sync.tui.commands import app_commands
from tui_sync.tui.screens.progress import ProgressScreen
from tui_sync.tui.widgets.preview import PreviewPane

from .conftest import DEMO_ROWS, run_finished, screen_text, tables_loaded, wait_for


def _actions(bindings: list) -> set[str]:
    out = set()
    for b in bindings:
        if isinstance(b, Binding) and b.show:
            out.add(b.action.removeprefix("app.").removeprefix("screen."))
    return out


async def test_every_shown_key_has_a_palette_command(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        commands = app_commands(app)
        offered = {c.action.removeprefix("app.") for c in commands if c.action}
        wanted = _actions(TuiSyncApp.BINDINGS) | _actions(PreviewPane.BINDINGS)
        for screen_class in TuiSyncApp.SCREENS.values():
            wanted |= _actions(screen_class.BINDINGS)
        wanted.discard("command_palette")
        assert wanted <= offered, f"not in the palette: {sorted(wanted - offered)}"
        # Per-table commands are found by name (not listed up front).
        titles = {c.title for c in commands}
        assert {"Sync 설비_알람: full", "Preview PRODUCTS", "Edit settings of LOT_HISTORY",
                "Verify PRODUCTS", "Verify marked tables", "Preview: Chart kind"} <= titles


async def test_palette_command_starts_a_sync(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        await pilot.press("ctrl+p", *"Sync PRODUCTS: test")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.run_state is not None, "the run")
        await run_finished(pilot)
        assert app.run_state.finished.results[0].rows == 500  # PRODUCTS has fewer rows than test_rows


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


async def test_a_due_scheduled_table_runs_and_shows_on_the_progress_screen(
        make_app, demo_db, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")  # the demo's cron times are in the machine's zone
    clock = Clock(datetime(2026, 1, 6, 1, 59, tzinfo=UTC))
    app = make_app()
    app.now = clock  # the scheduler and the Tables screen read the app's clock
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        await wait_for(pilot, lambda: app.scheduler is not None, "the scheduler")
        await pilot.pause()
        assert "01-06 02:00" in screen_text(app)  # EQUIPMENT_EVENTS: schedule = 0 2 * * *
        assert "01-06 02:30" in screen_text(app)  # LOT_HISTORY: 30 2 * * *
        app.check_schedule()
        assert app.run_state is None  # nothing is due yet
        clock.now += timedelta(minutes=1, seconds=5)
        app.check_schedule()  # what the timer does every few seconds
        await wait_for(pilot, lambda: app.run_state is not None, "the scheduled run")
        assert app.run_state.scheduled
        await run_finished(pilot)
        assert [r.source for r in app.run_state.tables.values()] == ["EQUIPMENT_EVENTS"]
        assert app.run_state.finished.results[0].rows == DEMO_ROWS
        assert any(n.title == "Schedule" for n in app._notifications)
        await pilot.press("g")
        assert isinstance(app.screen, ProgressScreen)
        assert "Scheduled auto sync of 1 table(s)" in screen_text(app)
        await pilot.press("t")
        await wait_for(pilot, lambda: "01-07 02:00" in screen_text(app), "the next run moved on")
    runs = read_runs(demo_db)
    assert [(r.target_table, r.status) for r in runs] == [("equipment_events", "ok")]
