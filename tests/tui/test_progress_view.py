"""The Progress screen tells one story (issue 14, defects 4, 9 and 11): the screen bar and the
body count the same tables, queued tables say so with their estimate, a paused run shows no
frozen ETA, the mode stays visible beside long names, and log lines wrap in narrow terminals."""

from __future__ import annotations

from textual.pilot import Pilot

from tests.tui.conftest import screen_text, tables_loaded, wait_for
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

LONG = "EQUIPMENT_EVENTS_WITH_A_VERY_LONG_NAME_FROM_THE_PLANT_HISTORIAN"


async def _show(pilot: Pilot[None], run: RunState, events: list) -> None:
    """Install `run` as the current sync and feed it `events` as the sync worker would."""
    app: TuiSyncApp = pilot.app  # type: ignore[assignment]
    await tables_loaded(pilot)
    await pilot.press("g")
    app.post_message(SyncStarted(run))
    for event in events:
        app.post_message(message_for(event, run))
    last = events[-1]  # a LogLine: the app keeps those in the session's log
    await wait_for(pilot, lambda: app.session.run is run and last in app.session.log_lines,
                   "the events", timeout=10)
    await pilot.pause()


async def test_bar_and_body_agree_and_queued_tables_show_their_estimate(make_app) -> None:
    app = make_app()
    run = RunState.create([("EQUIPMENT_EVENTS", "equipment_events"), ("LOT_HISTORY", "lot_history")],
                          Mode.FULL, estimates={"LOT_HISTORY": 4_321})
    events = [
        PhaseChanged("equipment_events", Phase.CONNECTING, Mode.FULL),
        PhaseChanged("lot_history", Phase.CONNECTING, Mode.FULL),
        PhaseChanged("equipment_events", Phase.QUEUED, Mode.FULL, 20_000),
        PhaseChanged("lot_history", Phase.QUEUED, Mode.FULL, 4_321),
        PhaseChanged("equipment_events", Phase.READING, Mode.FULL),
        TableFinished(TableResult("equipment_events", "EQUIPMENT_EVENTS", Mode.FULL, Status.OK,
                                  20_000, 1.0, 20_000.0)),
        LogLine("info", "one table done", "equipment_events"),
    ]
    async with app.run_test(size=(120, 36)) as pilot:
        await _show(pilot, run, events)
        text = screen_text(app)
        assert "syncing 1/2" in text and "Running: 1 of 2 tables done" in text
        lot = next(line for line in text.splitlines() if "LOT_HISTORY" in line)
        assert "queued" in lot and "connecting" not in lot
        assert "~4,321 rows in the source" in text and "0 of ? rows" not in text


async def test_paused_table_shows_eta_paused(make_app) -> None:
    app = make_app()
    run = RunState.create([("EQUIPMENT_EVENTS", "equipment_events")], Mode.FULL)
    events = [
        PhaseChanged("equipment_events", Phase.READING, Mode.FULL),
        Progress("equipment_events", 5_000, 20_000, 10_000.0, 0.5, 1.5),
        PhaseChanged("equipment_events", Phase.PAUSED, Mode.FULL),
        LogLine("info", "paused", "equipment_events"),
    ]
    async with app.run_test(size=(120, 36)) as pilot:
        await _show(pilot, run, events)
        text = screen_text(app)
        assert "ETA paused" in text and "ETA 0:02" not in text


async def test_mode_stays_visible_beside_a_long_name_at_80x24(make_app) -> None:
    app = make_app()
    run = RunState.create([(LONG, LONG.lower())], Mode.INCREMENTAL)
    events = [
        PhaseChanged(LONG.lower(), Phase.READING, Mode.INCREMENTAL),
        Progress(LONG.lower(), 2_500, 4_000, 1_250.0, 2.0, 1.2),
        LogLine("info", "reading", LONG.lower()),
    ]
    async with app.run_test(size=(80, 24)) as pilot:
        await _show(pilot, run, events)
        title = next(line for line in screen_text(app).splitlines() if "EQUIPMENT_EVENTS" in line)
        assert "incremental" in title and "reading" in title and "…" in title


async def test_log_lines_wrap_at_60_columns(make_app) -> None:
    app = make_app()
    run = RunState.create([("EQUIPMENT_EVENTS", "equipment_events")], Mode.FULL)
    tail = "and this end of the line must stay readable"
    message = "a long log line that does not fit sixty columns " + tail
    events = [LogLine("warning", message, "equipment_events")]
    async with app.run_test(size=(120, 36)) as pilot:
        await _show(pilot, run, events)
        assert tail in " ".join(screen_text(app).split())
        await pilot.resize_terminal(60, 24)  # written at 120 columns, now read at 60
        await wait_for(pilot, lambda: app.size.width == 60, "the resize")
        await pilot.pause()
        flat = " ".join(screen_text(app).split())
        assert tail in flat, screen_text(app)
        second = LogLine("info", "second " + message, None)
        app.post_message(message_for(second, run))
        await wait_for(pilot, lambda: second in app.session.log_lines, "the second line", timeout=10)
        await pilot.pause()
        assert " ".join(screen_text(app).split()).count(tail) == 2, screen_text(app)
