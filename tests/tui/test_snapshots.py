"""SVG snapshots of the main screens at 80x24 (pytest-textual-snapshot).

Deterministic: a frozen clock and TZ=UTC for the next-run column, no wall-clock
times on screen, the Progress screen fed a fixed sequence of engine events, and
cursor blink off. Update with `pytest tests/tui/test_snapshots.py --snapshot-update`
after checking the new pictures.
"""

from __future__ import annotations

import re

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from tui_sync.events import (
    LogLine,
    Mode,
    Phase,
    PhaseChanged,
    Progress,
    Status,
    TableFinished,
    TableResult,
)
from tui_sync.progress import RunState
from tui_sync.tui.app import TuiSyncApp
from tui_sync.tui.messages import SyncStarted, message_for

from .conftest import FIXED_NOW, no_blink, tables_loaded, wait_for

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")


async def _settle(pilot: Pilot[None]) -> None:
    no_blink(pilot.app)  # type: ignore[arg-type]
    await pilot.pause()


def test_tables_screen(snap_compare, make_app) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await tables_loaded(pilot)
        details = pilot.app.screen.query_one("#table-details", Static)
        await wait_for(pilot, lambda: "plan:" in str(details.render()), "the type plan")
        await pilot.press("down", "space")  # mark LOT_HISTORY; the cursor moves to PRODUCTS
        await wait_for(pilot, lambda: "warning" in str(details.render()), "PRODUCTS' plan")
        await _settle(pilot)

    assert snap_compare(make_app(now=FIXED_NOW), terminal_size=SIZE, run_before=run_before)


def test_connection_screen(snap_compare, make_app) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await tables_loaded(pilot)
        await pilot.press("c")
        # The config file's folder is a per-test temp dir: keep only its name on the picture.
        app: TuiSyncApp = pilot.app  # type: ignore[assignment]
        app.screen.query_one("#config-file", Static).update(f"Config file: {app.config_path.name}")
        await _settle(pilot)

    assert snap_compare(make_app(now=FIXED_NOW), terminal_size=SIZE, run_before=run_before)


def test_table_settings_form(snap_compare, make_app) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await tables_loaded(pilot)
        await pilot.press("down", "e")
        plan = pilot.app.screen.query_one("#plan-table", DataTable)
        await wait_for(pilot, lambda: plan.row_count == 7, "LOT_HISTORY's plan")
        # the columns widen to their rows on a later refresh (CI once drew the frame before)
        await wait_for(pilot, lambda: plan.columns[next(iter(plan.columns))].get_render_width(plan) > 10,
                       "the plan's columns sized to their rows")
        # ...and the header drawn at those widths (a fresh-clone CI run caught the frame
        # between the two)
        await wait_for(pilot, lambda: re.search(r"Column\s{4,}Source type", plan.render_line(0).text)
                       is not None, "the plan's header drawn at the sized widths")
        plan.refresh()
        for widget in pilot.app.screen.query(Input):
            widget.cursor_blink = False
        await pilot.pause()

    assert snap_compare(make_app(now=FIXED_NOW), terminal_size=(100, 32), run_before=run_before)


def test_help_screen(snap_compare, make_app) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await tables_loaded(pilot)
        await pilot.press("question_mark")
        await _settle(pilot)

    assert snap_compare(make_app(now=FIXED_NOW), terminal_size=SIZE, run_before=run_before)


def test_progress_screen_mid_run(snap_compare, make_app) -> None:
    """The Progress screen drawn from a fixed sequence of engine events."""

    async def run_before(pilot: Pilot[None]) -> None:
        app: TuiSyncApp = pilot.app  # type: ignore[assignment]
        await tables_loaded(pilot)
        await pilot.press("g")
        run = RunState.create([("EQUIPMENT_EVENTS", "equipment_events"), ("LOT_HISTORY", "lot_history"),
                               ("설비_알람", "설비_알람")], Mode.AUTO)
        events = [
            PhaseChanged("equipment_events", Phase.READING, Mode.FULL),
            Progress("equipment_events", 20_000, 20_000, 21_500.0, 0.93, 0.0),
            LogLine("info", "auto: no previous sync of this table, running full", "equipment_events"),
            TableFinished(TableResult("equipment_events", "EQUIPMENT_EVENTS", Mode.FULL, Status.OK,
                                      20_000, 0.93, 21_500.0)),
            PhaseChanged("lot_history", Phase.READING, Mode.INCREMENTAL),
            LogLine("info", "window UPDATED_AT >= 2026-01-01 09:00:00 and <= 2026-01-01 10:00:00",
                    "lot_history"),
            Progress("lot_history", 2_500, 4_000, 1_250.0, 2.0, 1.2),
            LogLine("warning", "DPY-4011: the database closed the connection - reconnecting in 2s "
                    "(retry 1 of 3)", "lot_history"),
            LogLine("error", "ORA-00942: table or view does not exist", "설비_알람"),
        ]
        app.post_message(SyncStarted(run))
        for event in events:
            app.post_message(message_for(event, run))
        await wait_for(pilot, lambda: run.tables["lot_history"].rows_done == 2_500, "the events")
        await _settle(pilot)

    assert snap_compare(make_app(now=FIXED_NOW), terminal_size=SIZE, run_before=run_before)
