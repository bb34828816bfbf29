"""SVG snapshots of every screen at 80x24 and 120x40, each also with NO_COLOR=1 (issue 14).

Deterministic like test_snapshots.py: a frozen clock, TZ=UTC, no cursor blink, the Progress
screen fed a fixed sequence of engine events, History fed runs with fixed times, and the
Preview's read time and the config folder (temp paths, wall-clock seconds) blanked out.
The demo is synced once per module for the Preview pictures; every picture gets its own copy.

Update with `pytest tests/tui/test_snapshot_matrix.py --snapshot-update`, then look at them.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Label, Static

from tui_sync import demo
from tui_sync.config import load_config
from tui_sync.engine import Engine
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
from tui_sync.target.state import record_unrun
from tui_sync.tui.app import TuiSyncApp, create_app
from tui_sync.tui.messages import SyncStarted, message_for
from tui_sync.tui.screens.plan import PlanScreen
from tui_sync.tui.widgets.chart import ChartView
from tui_sync.tui.widgets.preview import PreviewPane

from .conftest import DEMO_ROWS, FIXED_NOW, no_blink, tables_loaded, wait_for

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
Scene = Callable[[Pilot[None]], Awaitable[None]]


@pytest.fixture(scope="module")
def synced_template(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with every table synced (for Preview), built once for the module."""
    home = tmp_path_factory.mktemp("synced") / "home"
    shutil.copytree(demo_template, home)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TUI_SYNC_HOME", str(home))
        mp.setenv("TUI_SYNC_DEMO_ROWS", str(DEMO_ROWS))
        config = load_config(demo.ensure_demo())
        assert Engine(config).run(list(config.tables), Mode.FULL).ok
    return home


def _app(home: Path, monkeypatch: pytest.MonkeyPatch, no_color: bool) -> TuiSyncApp:
    monkeypatch.setenv("TUI_SYNC_HOME", str(home))
    monkeypatch.setenv("TUI_SYNC_DEMO_ROWS", str(DEMO_ROWS))
    monkeypatch.setenv("TZ", "UTC")
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")  # read (and removed from its copy) when the app is made
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    return create_app(None, demo=True, now=lambda: FIXED_NOW, scheduler=False)


async def _settle(pilot: Pilot[None]) -> None:
    no_blink(pilot.app)  # type: ignore[arg-type]
    await pilot.pause()


def _text(widget: Static | Label) -> str:
    return str(widget.render())


# -- the scenes: one per screen ----------------------------------------------------------------

async def connection(pilot: Pilot[None]) -> None:
    app: TuiSyncApp = pilot.app  # type: ignore[assignment]
    await tables_loaded(pilot)
    await pilot.press("c")
    app.screen.query_one("#config-file", Static).update(f"Config file: {app.config_path.name}")


async def tables(pilot: Pilot[None]) -> None:
    await tables_loaded(pilot)
    details = pilot.app.screen.query_one("#table-details", Static)
    await wait_for(pilot, lambda: "plan:" in _text(details), "the type plan")


async def table_settings(pilot: Pilot[None]) -> None:
    await tables_loaded(pilot)
    await pilot.press("down", "e")
    plan = pilot.app.screen.query_one("#plan-table", DataTable)
    await wait_for(pilot, lambda: plan.row_count == 7, "LOT_HISTORY's plan")
    await wait_for(pilot, lambda: re.search(r"Column\s{4,}Source type", plan.render_line(0).text) is not None,
                   "the plan's header drawn at the sized widths")
    plan.refresh()


async def progress(pilot: Pilot[None]) -> None:
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
        Progress("lot_history", 2_500, 4_000, 1_250.0, 2.0, 1.2),
        LogLine("warning", "DPY-4011: the database closed the connection - reconnecting in 2s "
                "(retry 1 of 3)", "lot_history"),
    ]
    app.post_message(SyncStarted(run))
    for event in events:
        app.post_message(message_for(event, run))
    await wait_for(pilot, lambda: run.tables["lot_history"].rows_done == 2_500, "the events")


async def _preview(pilot: Pilot[None]) -> PreviewPane:
    app: TuiSyncApp = pilot.app  # type: ignore[assignment]
    await tables_loaded(pilot)
    app.preview("EQUIPMENT_EVENTS")
    await wait_for(pilot, lambda: bool(app.screen.query(PreviewPane)), "the Preview pane")
    pane = app.screen.query_one(PreviewPane)
    status = pane.query_one("#pv-status", Static)
    await wait_for(pilot, lambda: _text(status).startswith(("rows ", "no rows of")), "the rows")
    return pane


def _blank_seconds(pane: PreviewPane) -> None:
    status = pane.query_one("#pv-status", Static)
    status.update(re.sub(r" · [0-9.]+s$", "", _text(status)))  # the read time is wall-clock


async def preview_table(pilot: Pilot[None]) -> None:
    pane = await _preview(pilot)
    _blank_seconds(pane)


async def preview_chart(pilot: Pilot[None]) -> None:
    pane = await _preview(pilot)
    await pilot.press("p")  # the Chart tab
    chart = pane.query_one(ChartView)
    await wait_for(pilot, lambda: chart.data is not None and chart.drawn_points > 0, "the chart")
    _blank_seconds(pane)


async def history(pilot: Pilot[None]) -> None:
    app: TuiSyncApp = pilot.app  # type: ignore[assignment]
    db = app.config.target_path()
    runs = [("equipment_events", "EQUIPMENT_EVENTS", "ok", ""),
            ("lot_history", "LOT_HISTORY", "failed", "ORA-00942: table or view does not exist"),
            ("lot_history", "LOT_HISTORY", "skipped", "another sync holds demo.duckdb: cli pid 4242")]
    start = FIXED_NOW.replace(tzinfo=None) - timedelta(hours=3)
    for i, (target, source, status, error) in enumerate(runs):
        at = start + timedelta(minutes=10 * i)
        record_unrun(db, target, source, "incremental", status, error, at, at + timedelta(seconds=42))
    await tables_loaded(pilot)
    await pilot.press("h")
    title = app.screen.query_one("#runs-title", Label)
    await wait_for(pilot, lambda: "Runs: 3" in _text(title), "the runs")
    await pilot.press("down")  # the failed run: its error under the list


async def help_screen(pilot: Pilot[None]) -> None:
    await tables_loaded(pilot)
    await pilot.press("question_mark")


async def plan(pilot: Pilot[None]) -> None:
    app: TuiSyncApp = pilot.app  # type: ignore[assignment]
    await tables_loaded(pilot)
    await pilot.press("down", "p")
    await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen), "the Plan view")
    body = app.screen.query_one("#plan-body", Static)
    await wait_for(pilot, lambda: "source column" in _text(body), "the plan")


SCENES: dict[str, tuple[Scene, bool]] = {  # name: (scene, needs the synced demo)
    "connection": (connection, False),
    "tables": (tables, False),
    "table_settings": (table_settings, False),
    "progress": (progress, False),
    "preview_table": (preview_table, True),
    "preview_chart": (preview_chart, True),
    "history": (history, False),
    "help": (help_screen, False),
    "plan": (plan, False),
}


@pytest.mark.parametrize("colour", ["colour", "nocolor"])
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("scene", list(SCENES))
def test_screen(snap_compare, scene: str, size: str, colour: str, demo_home: Path, synced_template: Path,
                tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_scene, synced = SCENES[scene]
    home = demo_home
    if synced:
        home = tmp_path / "synced-home"
        shutil.copytree(synced_template, home)
    app = _app(home, monkeypatch, colour == "nocolor")

    async def run_before(pilot: Pilot[None]) -> None:
        await run_scene(pilot)
        await _settle(pilot)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)
