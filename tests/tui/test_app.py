"""Pilot tests of the TUI against the real demo source, engine and DuckDB target."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import duckdb
import pytest
from textual.widgets import Checkbox, DataTable, Input, Select, Static

from tui_sync import demo
from tui_sync.config import load_config
from tui_sync.events import Phase, Status
from tui_sync.target.lock import SyncLock
from tui_sync.target.state import read_runs, read_table_states
from tui_sync.tui.screens.connection import ConnectionScreen
from tui_sync.tui.screens.dialogs import ConfirmScreen, ErrorScreen
from tui_sync.tui.screens.history import HistoryScreen
from tui_sync.tui.screens.tables import TablesScreen

from .conftest import DEMO_ROWS, FIXED_NOW, run_finished, screen_text, send_keys, tables_loaded, wait_for


def _tables(app) -> TablesScreen:
    screen = app.mounted_screen("tables")
    assert isinstance(screen, TablesScreen)
    return screen


def _shown_names(app) -> list[str]:
    table = app.screen.query_one("#source-tables", DataTable)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


def _count(db: Path, table: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    finally:
        con.close()


async def _go_to_row(pilot, name: str) -> None:
    app = pilot.app
    table = app.screen.query_one("#source-tables", DataTable)
    while _tables(app).highlighted() != name:
        assert table.cursor_row < table.row_count - 1, f"{name} is not listed"
        await pilot.press("down")


# -- Connection -------------------------------------------------------------------------------

async def test_connection_test_reports_sqlite_version_in_one_line(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        await pilot.press("c")
        assert isinstance(app.screen, ConnectionScreen)
        await pilot.press("ctrl+t")
        result = app.screen.query_one("#test-result", Static)
        await wait_for(pilot, lambda: result.has_class("-ok") or result.has_class("-error"), "test result")
        text = str(result.render())
        assert result.has_class("-ok"), text
        assert text.startswith("OK: SQLite 3.") and "\n" not in text


async def test_check_runs_the_doctor_and_lists_its_steps(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 48)) as pilot:
        await tables_loaded(pilot)
        await pilot.press("c")
        await pilot.press("ctrl+t")
        result = app.screen.query_one("#test-result", Static)
        await wait_for(pilot, lambda: result.has_class("-ok") or result.has_class("-error"), "check result")
        steps = str(app.screen.query_one("#check-steps", Static).render())
        assert result.has_class("-ok"), str(result.render()) + steps
        for line in ("✓ config: loaded", "✓ target: lock - free", "✓ source: opens", "✓ source: tables"):
            assert line in steps, steps
        assert "EQUIPMENT_EVENTS: exists" in steps and "✗" not in steps and "Traceback" not in steps


async def test_connection_test_failure_is_one_clear_line(make_app, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        await pilot.press("c")
        app.screen.query_one("#path", Input).value = str(tmp_path / "missing.sqlite")
        await pilot.press("ctrl+t")
        result = app.screen.query_one("#test-result", Static)
        await wait_for(pilot, lambda: result.has_class("-error"), "the failure")
        text = str(result.render())
        assert text.startswith("FAILED: ") and "missing.sqlite" in text and "does not exist" in text
        assert "\n" not in text
        assert not isinstance(app.screen, ErrorScreen)  # an expected outcome, not a crash dialog


async def test_connection_test_failure_for_an_unreachable_oracle(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        await pilot.press("c")
        screen = app.screen
        screen.query_one("#kind", Select).value = "oracle"
        screen.query_one("#dsn", Input).value = "127.0.0.1:1/NOPE"
        screen.query_one("#user", Input).value = "scott"
        screen.query_one("#password", Input).value = "tiger"
        await pilot.press("ctrl+t")
        result = screen.query_one("#test-result", Static)
        await wait_for(pilot, lambda: result.has_class("-error"), "the failure")
        text = str(result.render())
        assert text.startswith("FAILED: ") and "DPY-" in text and "\n" not in text


async def test_connection_save_keeps_comments_and_never_writes_the_password(make_app, demo_config: Path,
                                                                            demo_home: Path) -> None:
    before = demo_config.read_text(encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        await pilot.press("c")
        screen = app.screen
        screen.query_one("#password", Input).value = "s3cret-session"
        screen.query_one("#target", Input).value = "other.duckdb"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.config.target.path == "other.duckdb", "config reloaded")
        assert app.config.source.password == "s3cret-session"  # kept for this session
    after = demo_config.read_text(encoding="utf-8")
    assert "s3cret" not in after
    assert "path = other.duckdb" in after
    comments = [line for line in before.splitlines() if line.startswith(";")]
    assert comments and all(c in after for c in comments)
    assert load_config(demo_config).target.path == "other.duckdb"


async def test_saving_the_password_needs_the_tick_and_a_confirmation(make_app, demo_config: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        await pilot.press("c")
        screen = app.screen
        screen.query_one("#kind", Select).value = "oracle"
        screen.query_one("#dsn", Input).value = "dbhost:1521/ORCLPDB1"
        screen.query_one("#user", Input).value = "SCOTT"
        screen.query_one("#password", Input).value = "tiger"
        screen.query_one("#save-password", Checkbox).value = True
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ConfirmScreen)
        assert "plain text" in str(app.screen.query_one(".title").render())
        await pilot.press("n")  # declined: nothing is written
        assert "oracle" not in demo_config.read_text(encoding="utf-8")
        await pilot.press("ctrl+s", "y")
        await wait_for(pilot, lambda: app.config.source.kind == "oracle", "the saved config")
    text = demo_config.read_text(encoding="utf-8")
    assert "password = tiger" in text and "plain-text password" in text
    assert (demo_config.stat().st_mode & 0o077) == 0
    assert load_config(demo_config).source.password == "tiger"


# -- Tables -----------------------------------------------------------------------------------

async def test_filter_as_you_type_and_marking(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        assert _shown_names(app) == ["EQUIPMENT_EVENTS", "LOT_HISTORY", "PRODUCTS", "설비_알람"]
        await pilot.press("slash", "l", "o")
        assert _shown_names(app) == ["LOT_HISTORY"]
        await pilot.press("t")  # typed into the filter, not the "Tables" key
        assert _shown_names(app) == ["LOT_HISTORY"] and app.current_mode == "tables"
        await pilot.press("escape")  # clears the filter and returns to the list
        assert _shown_names(app) == ["EQUIPMENT_EVENTS", "LOT_HISTORY", "PRODUCTS", "설비_알람"]
        assert app.screen.query_one("#filter", Input).value == ""
        assert _tables(app).highlighted() == "LOT_HISTORY"  # the cursor stayed on its table
        await pilot.press("space")  # marks the highlighted row and moves down
        assert app.marked == {"LOT_HISTORY"}
        assert _tables(app).highlighted() == "PRODUCTS"
        await pilot.press("slash", *"설비", "enter")
        assert _shown_names(app) == ["설비_알람"]
        await pilot.press("a")  # mark all shown
        assert app.marked == {"LOT_HISTORY", "설비_알람"}
        assert "2 marked" in screen_text(app)
        await pilot.press("a")  # again: unmark the shown ones only
        assert app.marked == {"LOT_HISTORY"}
        assert _tables(app).selection() == ["LOT_HISTORY"]


async def test_type_plan_and_warnings_shown_before_a_first_load(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        await _go_to_row(pilot, "PRODUCTS")
        details = app.screen.query_one("#table-details", Static)
        await wait_for(pilot, lambda: "warning" in str(details.render()), "the plan's warnings")
        text = str(details.render())
        assert "not loaded yet" in text and "WEIGHT: NUMBER without precision" in text


async def test_edit_table_settings_validates_and_saves_into_the_ini(make_app, demo_config: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        await _go_to_row(pilot, "LOT_HISTORY")
        await pilot.press("e")
        form = app.screen
        plan = form.query_one("#plan-table", DataTable)
        await wait_for(pilot, lambda: plan.row_count == 7, "the plan")
        cursor = form.query_one("#cursor", Select)
        labels = [str(label) for label, _ in cursor._options if _ is not Select.NULL]
        assert labels[0].startswith("UPDATED_AT  DATE") and "suggested" in labels[0]
        assert cursor.value == "UPDATED_AT"
        form.query_one("#schedule", Input).value = "every night"
        form.query_one("#lookback", Input).value = "15"  # a DATE cursor needs a unit
        form.query_one("#primary_key", Input).value = "LOT_ID, NOPE"
        await pilot.press("ctrl+s")
        assert form.is_current  # not saved
        assert "5-field cron" in str(form.query_one("#schedule-error", Static).render())
        assert "give a unit" in str(form.query_one("#lookback-error", Static).render())
        assert "NOPE" in str(form.query_one("#primary_key-error", Static).render())
        form.query_one("#schedule", Input).value = "15 3 * * *"
        form.query_one("#lookback", Input).value = "15 minutes"
        form.query_one("#primary_key", Input).value = "LOT_ID, STEP_SEQ"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, TablesScreen), "the form to close")
        tc = app.config.tables["LOT_HISTORY"]
        assert tc.schedule == "15 3 * * *" and tc.primary_key == ["LOT_ID", "STEP_SEQ"]
    text = demo_config.read_text(encoding="utf-8")
    assert "schedule = 15 3 * * *" in text and "lookback = 15 minutes" in text
    assert text.startswith("; tui-sync demo configuration")


# -- Syncing ----------------------------------------------------------------------------------

async def test_full_sync_from_the_keyboard_shows_rows_and_lands_in_history(make_app, demo_db: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        assert _tables(app).highlighted() == "EQUIPMENT_EVENTS"
        await pilot.press("f")
        assert app.current_mode == "progress"
        await run_finished(pilot)
        await pilot.pause()
        text = screen_text(app)
        assert f"{DEMO_ROWS:,} of {DEMO_ROWS:,} rows" in text
        assert "DONE" in text and "Finished: 1 ok" in text
        await pilot.press("h")
        history = app.screen
        assert isinstance(history, HistoryScreen)
        runs = history.query_one("#runs", DataTable)
        await wait_for(pilot, lambda: runs.row_count == 1, "the run in the history")
        row = [str(c) for c in runs.get_row_at(0)]
        assert row[1:5] == ["equipment_events", "full", "ok", f"{DEMO_ROWS:,}"]
        stats = history.query_one("#stats", DataTable)
        assert any(str(stats.get_row_at(i)[0]) == "equipment_events" for i in range(stats.row_count))
        await pilot.press("t")
        await wait_for(pilot, lambda: any(str(c).startswith("ok ") for c in app.screen.query_one(
            "#source-tables", DataTable).get_row_at(0)), "the Tables screen to show the result")
    assert _count(demo_db, "equipment_events") == DEMO_ROWS


async def test_pause_then_resume(make_app) -> None:
    app = make_app(batch_rows=100)
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        send_keys(app, "f", "p")
        await wait_for(pilot, lambda: app.run_state is not None, "the run to start")
        run = app.run_state
        row = run.tables["equipment_events"]
        await wait_for(pilot, lambda: row.phase == Phase.PAUSED, "the engine to pause")
        assert "paused" in screen_text(app)
        done = row.rows_done
        assert done < DEMO_ROWS
        await pilot.pause(0.3)
        assert row.rows_done == done and run.running  # nothing moves while paused
        await pilot.press("p")
        await run_finished(pilot)
        assert row.result is not None and row.result.status == Status.OK
        assert row.rows_done == DEMO_ROWS


async def test_cancel_asks_then_leaves_the_target_as_it_was(make_app, demo_db: Path) -> None:
    app = make_app(batch_rows=100)
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        await pilot.press("f")
        await run_finished(pilot)
        before_state = read_table_states(demo_db)["equipment_events"]
        demo.add_rows(500)  # the source moves on: a finished run would change the target
        await pilot.press("t")
        send_keys(app, "f", "p")
        await wait_for(pilot, lambda: app.run_state.running, "the second run to start")
        row = app.run_state.tables["equipment_events"]
        await wait_for(pilot, lambda: row.phase == Phase.PAUSED, "the engine to pause")
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # keep running
        assert app.run_state.running and not app.run_state.control.cancelled
        await pilot.press("escape", "y")
        await run_finished(pilot)
        assert row.result is not None and row.result.status == Status.CANCELLED
        assert "CANCELLED" in screen_text(app)
    assert _count(demo_db, "equipment_events") == DEMO_ROWS
    after_state = read_table_states(demo_db)["equipment_events"]
    assert (after_state.watermark, after_state.rows) == (before_state.watermark, before_state.rows)
    assert [r.status for r in read_runs(demo_db)][:2] == ["cancelled", "ok"]


async def test_quit_during_a_run_asks_and_cancels_cleanly(make_app, demo_db: Path) -> None:
    app = make_app(batch_rows=100)
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        send_keys(app, "f", "p")
        await wait_for(pilot, lambda: app.run_state is not None, "the run to start")
        row = app.run_state.tables["equipment_events"]
        await wait_for(pilot, lambda: row.phase == Phase.PAUSED, "the engine to pause")
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert app.is_running and app.run_state.running
        await pilot.press("q", "y")
        await wait_for(pilot, lambda: not app.is_running, "the app to exit")
    assert app.run_state.finished is not None
    assert app.run_state.finished.results[0].status == Status.CANCELLED
    assert [r.status for r in read_runs(demo_db)] == ["cancelled"]
    con = duckdb.connect(str(demo_db), read_only=True)
    try:  # a cancelled first load leaves no target table behind
        names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_schema = 'main'").fetchall()}
    finally:
        con.close()
    assert not any(n.startswith("equipment_events") for n in names)


async def test_ui_answers_keys_while_the_largest_table_syncs(make_app) -> None:
    # small batches: the 20,000-row demo table then syncs for a few seconds even on a fast
    # machine, long enough to count key round trips made while it runs
    app = make_app(batch_rows=25)
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        # Keys go in as the terminal driver sends them: Pilot.press would wait for the whole
        # process (sync thread included) to go idle, which is not what a user waits for.
        send_keys(app, "f")
        await wait_for(pilot, lambda: app.run_state is not None, "the run to start")
        handled_while_running = 0
        for key, mode in [("t", "tables"), ("g", "progress")] * 500:
            if not app.run_state.running or handled_while_running >= 6:
                break  # enough seen; constant screen switching would only slow the run down
            send_keys(app, key)
            deadline = asyncio.get_running_loop().time() + 30
            while app.current_mode != mode:
                assert asyncio.get_running_loop().time() < deadline, f"key {key!r} not handled in 30 s"
                await asyncio.sleep(0.005)
            handled_while_running += app.run_state.running
        assert handled_while_running >= 3
        await run_finished(pilot)
        assert app.run_state.finished is not None and app.run_state.finished.ok


async def test_a_worker_failure_becomes_an_error_dialog(make_app, demo_db: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        with SyncLock(demo_db, "cli", ["EQUIPMENT_EVENTS"]):  # a cron sync holds the file
            await pilot.press("f")
            await wait_for(pilot, lambda: isinstance(app.screen, ErrorScreen), "the error dialog")
            message = str(app.screen.query_one("#error-message", Static).render())
            assert "another sync holds" in message and "cli pid" in message
        await pilot.press("enter")
        assert app.current_mode == "progress" and not isinstance(app.screen, ErrorScreen)
        assert app.run_state.error is not None and not app.sync_busy
        assert "Run failed" in screen_text(app)
        await pilot.press("t", "f")  # the app keeps working: the lock is free now
        await run_finished(pilot)
        assert app.run_state.finished is not None and app.run_state.finished.ok


async def test_an_unreachable_source_is_an_error_dialog_and_the_app_keeps_working(
        make_app, demo_config: Path) -> None:
    text = demo_config.read_text(encoding="utf-8")
    demo_config.write_text(text.replace(f"path = {demo.SOURCE_NAME}", "path = moved.sqlite"),
                           encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorScreen), "the error dialog")
        assert "Error: Listing the source tables" in screen_text(app)
        assert "does not exist" in str(app.screen.query_one("#error-message", Static).render())
        await pilot.press("enter")
        assert "press r to retry" in str(app.screen.query_one("#table-details", Static).render())
        shutil.copy(demo_config.parent / demo.SOURCE_NAME, demo_config.parent / "moved.sqlite")
        await pilot.press("r")
        await tables_loaded(pilot)
        assert len(_shown_names(app)) == 4


async def test_notification_when_a_run_ends_on_another_screen(make_app) -> None:
    app = make_app(now=FIXED_NOW, batch_rows=10)
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        # A test sync, paused once it shows on Progress so that it cannot end before the user
        # moves on; then History, then resume. (Keys x and h sent together raced the switch to
        # Progress: a fresh-clone CI run once ended on Progress.)
        send_keys(app, "x")
        await wait_for(pilot, lambda: app.run_state is not None and app.current_mode == "progress",
                       "the run to start")
        app.action_toggle_pause()
        send_keys(app, "h")
        await wait_for(pilot, lambda: app.current_mode == "history", "the History screen")
        app.action_toggle_pause()
        await run_finished(pilot)
        assert app.current_mode == "history"
        await pilot.pause()
        notes = [n for n in app._notifications if n.title == "Sync finished"]
        assert notes and "1 ok" in notes[-1].message


@pytest.mark.parametrize("size", [(80, 24)])
async def test_every_screen_at_80x24_with_no_color(make_app, monkeypatch: pytest.MonkeyPatch,
                                                   size: tuple[int, int]) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    assert app.no_color  # Textual took NO_COLOR: colour is off, so meaning must not rely on it
    async with app.run_test(size=size) as pilot:
        await tables_loaded(pilot)
        # the footer may land a frame after the table: wait for it rather than race it
        # the footer and the table's rows may land a frame apart: wait for one frame holding
        # both (CI caught the frames in between), and check that frame
        seen: list[str] = []

        def drawn() -> bool:
            seen.append(screen_text(app))
            return "설비_알람" in seen[-1] and "q Quit" in seen[-1].splitlines()[-1]

        await wait_for(pilot, drawn, "the table rows and the footer")
        text = seen[-1]
        assert "설비_알람" in text, text  # Korean names render (double-width cells)
        assert "q Quit" in text.splitlines()[-1]  # global keys fit in the footer
        for key, mode, expected in [("c", "connection", "Check (^t)"), ("g", "progress", "No sync"),
                                    ("v", "preview", "Pick a table"), ("h", "history", "Runs"),
                                    ("question_mark", "help", "tui-sync keys"), ("t", "tables", "Filter")]:
            await pilot.press(key)
            await pilot.pause()
            assert app.current_mode == mode
            text = screen_text(app)
            assert expected in text, text
            assert text.splitlines()[0].startswith(" c Connection")


async def test_command_palette_runs_actions(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        await pilot.press("ctrl+p", *"Go to History")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current_mode == "history", "the History screen")


async def test_unresolvable_oracle_host_is_a_one_line_dialog_without_traceback(make_app, monkeypatch) -> None:
    # issue 10: thin mode raises a bare socket.gaierror for an unknown host; before the fix it
    # reached the dialog as a non-TuiSyncError, with a traceback in the details
    from tui_sync.config import SourceConfig
    from tui_sync.sources.oracle import OracleSource

    monkeypatch.setenv("TUI_SYNC_ORACLE_PASSWORD", "x")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        cfg = SourceConfig(kind="oracle", dsn="no-such-host.invalid:1521/FREEPDB1", user="scott")
        app.run_in_thread(lambda: OracleSource(cfg).list_tables(), group="tables",
                          description="Listing source tables")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorScreen), "the error dialog")
        assert app.screen.details is None
        assert "no-such-host.invalid" in app.screen.message and "does not resolve" in app.screen.message
        assert "\n" not in app.screen.message
