"""Data you can trust, in the TUI (issue 4): verify, resume, a busy DuckDB file, SIGHUP/SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from textual.widgets import Button, DataTable, Static

from tui_sync.engine import hooks as engine
from tui_sync.events import Mode, Phase, Status, SyncRequest
from tui_sync.target.state import read_resume_points, read_runs, read_table_states
from tui_sync.tui.app import TuiSyncApp
from tui_sync.tui.controllers.run import start_over_steps
from tui_sync.tui.controllers.signals import EXIT_INTERRUPTED
from tui_sync.tui.screens.dialogs import ChoiceScreen, ErrorScreen
from tui_sync.tui.screens.tables import TablesScreen
from tui_sync.tui.screens.verify import VerifyScreen

from .conftest import DEMO_ROWS, run_finished, screen_text, send_keys, tables_loaded, wait_for


def _tables(app: TuiSyncApp) -> TablesScreen:
    screen = app.mounted_screen("tables")
    assert isinstance(screen, TablesScreen)
    return screen


def _cell(app: TuiSyncApp, table: str, column: str) -> str:
    grid = _tables(app).query_one("#source-tables", DataTable)
    return str(grid.get_cell(table, column))


def _count(db: Path, table: str) -> int:
    # The app in this same process may still hold the file for its after-run refresh, and
    # DuckDB refuses a second in-process open with another configuration: wait it out.
    deadline = time.monotonic() + 20
    while True:
        try:
            con = duckdb.connect(str(db), read_only=True)
            break
        except duckdb.ConnectionException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        return con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    finally:
        con.close()


def _set_sync_option(config: Path, key: str, value: int) -> None:
    text = config.read_text(encoding="utf-8")
    if re.search(rf"(?m)^{key} = ", text):
        text = re.sub(rf"(?m)^{key} = \d+", f"{key} = {value}", text)
    else:
        text = text.replace("[sync]\n", f"[sync]\n{key} = {value}\n", 1)
    config.write_text(text, encoding="utf-8")


# -- verify -------------------------------------------------------------------------------------

async def test_verify_shows_ok_then_the_difference_after_a_row_is_deleted(make_app, demo_db: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        await pilot.press("f")
        await run_finished(pilot)
        await pilot.press("t")
        assert "verify" not in _tables(app).query_one("#source-tables", DataTable).columns
        await pilot.press("y")  # the highlighted table: EQUIPMENT_EVENTS
        assert isinstance(app.screen, VerifyScreen)
        await wait_for(pilot, lambda: app.verify_results["EQUIPMENT_EVENTS"].done, "the verify")
        await pilot.pause()
        text = app.screen.text()
        assert "all match the source" in text
        assert f"OK  EQUIPMENT_EVENTS → equipment_events: {DEMO_ROWS:,} rows match the source" in text
        await pilot.press("escape")
        assert isinstance(app.screen, TablesScreen)
        assert _cell(app, "EQUIPMENT_EVENTS", "verify") == "OK"
        assert _cell(app, "PRODUCTS", "verify") == ""  # not verified: no verdict
        assert "verify OK" in str(app.screen.query_one("#table-details", Static).render())

        # Someone deletes a row in DuckDB behind tui-sync's back.
        con = duckdb.connect(str(demo_db))
        try:
            day = con.execute("SELECT CAST(event_time AS DATE) FROM equipment_events "
                              "WHERE event_id = 5000").fetchone()[0]
            per_day = con.execute("SELECT count(*) FROM equipment_events WHERE CAST(event_time AS DATE) = ?",
                                  [day]).fetchone()[0]
            con.execute("DELETE FROM equipment_events WHERE event_id = 5000")
        finally:
            con.close()
        await pilot.press("y")
        await wait_for(pilot, lambda: app.verify_results["EQUIPMENT_EVENTS"].done, "the second verify")
        await pilot.pause()
        text = app.screen.text()
        assert "DIFFERS  EQUIPMENT_EVENTS" in text and "1 with problems" in text
        assert f"{DEMO_ROWS:,} rows in the source, {DEMO_ROWS - 1:,} in DuckDB" in text
        rows_line = [line for line in text.splitlines() if line.startswith(str(day)) and " rows " in line]
        assert len(rows_line) == 1, text  # the day of the deleted row, and no other day
        assert rows_line[0].split()[-2:] == [f"{per_day:,}", f"{per_day - 1:,}"]
        assert any(line.startswith(str(day)) and "sum(event_id)" in line for line in text.splitlines())
        await pilot.press("enter")
        assert _cell(app, "EQUIPMENT_EVENTS", "verify") == "DIFFERS"


async def test_verify_a_table_never_synced_is_an_error_line_not_a_crash(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        await pilot.press("ctrl+p", *"Verify PRODUCTS")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "PRODUCTS" in app.verify_results
                       and app.verify_results["PRODUCTS"].done, "the verify")
        outcome = app.verify_results["PRODUCTS"]
        assert outcome.status == "error" and "run a sync first" in (outcome.error or "")
        assert isinstance(app.screen, VerifyScreen)
        assert "ERROR  PRODUCTS" in app.screen.text()
        await pilot.press("escape")
        assert _cell(app, "PRODUCTS", "verify") == "error"


# -- resume -------------------------------------------------------------------------------------

CHUNK_ROWS = 2_000


def _interrupt_after_chunks(monkeypatch: pytest.MonkeyPatch, app: TuiSyncApp, chunks: int) -> None:
    """Pause the engine (from its own thread, like a user would from the UI) once `chunks`
    chunks are committed, so the test cancels at a known point however fast the machine is."""

    def fault(point: str) -> None:
        if point == f"chunk:{chunks}" and app.run_state is not None:
            app.run_state.control.pause()

    monkeypatch.setattr(engine, "_fault", fault)


async def _interrupt_a_full_sync(pilot, app: TuiSyncApp) -> None:
    await tables_loaded(pilot)
    send_keys(app, "f")
    await wait_for(pilot, lambda: app.run_state is not None, "the run to start")
    row = app.run_state.tables["equipment_events"]
    await wait_for(pilot, lambda: row.phase == Phase.PAUSED, "the engine to pause after 3 chunks")
    await pilot.press("escape", "y")  # cancel, confirmed
    await run_finished(pilot)
    assert row.result is not None and row.result.status == Status.CANCELLED
    await pilot.press("t")
    await wait_for(pilot, lambda: "resumable" in _cell(app, "EQUIPMENT_EVENTS", "last"), "the resume offer")


async def test_an_interrupted_full_sync_is_offered_and_resumed(make_app, demo_config: Path, demo_db: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _set_sync_option(demo_config, "chunk_rows", CHUNK_ROWS)
    app = make_app(batch_rows=500)
    _interrupt_after_chunks(monkeypatch, app, 3)
    async with app.run_test(size=(120, 36)) as pilot:
        await _interrupt_a_full_sync(pilot, app)
        details = str(app.screen.query_one("#table-details", Static).render())
        assert f"resumable: {3 * CHUNK_ROWS:,} rows in 3 chunks" in details
        assert read_resume_points(demo_db)["equipment_events"].rows == 3 * CHUNK_ROWS
        cancelled = app.run_state

        await pilot.press("s")  # auto would resume by itself: still, ask
        assert isinstance(app.screen, ChoiceScreen)
        assert "6,000 rows in 3 chunks" in screen_text(app)
        await pilot.press("n")  # cancel: nothing starts
        assert isinstance(app.screen, TablesScreen) and app.run_state is cancelled

        await pilot.press("f")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("r")  # resume
        assert app.current_mode == "progress"
        await run_finished(pilot)
        row = app.run_state.tables["equipment_events"]
        assert row.result is not None and row.result.status == Status.OK, row.result
        assert row.result.rows == DEMO_ROWS
        logged = [line.message for line in app.log_lines]
        assert any(f"resuming the full sync after {3 * CHUNK_ROWS:,} rows in 3" in m for m in logged), logged
        await pilot.press("t")
        await wait_for(pilot, lambda: _cell(app, "EQUIPMENT_EVENTS", "last").startswith("ok "),
                       "the resume offer to go")
    assert _count(demo_db, "equipment_events") == DEMO_ROWS
    assert read_resume_points(demo_db) == {}
    assert [r.status for r in read_runs(demo_db)] == ["ok", "cancelled"]


async def test_start_over_reads_the_whole_table_again(make_app, demo_config: Path, demo_db: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _set_sync_option(demo_config, "chunk_rows", CHUNK_ROWS)
    app = make_app(batch_rows=500)
    _interrupt_after_chunks(monkeypatch, app, 2)
    async with app.run_test(size=(120, 36)) as pilot:
        await _interrupt_a_full_sync(pilot, app)
        monkeypatch.setattr(engine, "_fault", lambda point: None)
        await pilot.press("s", "o")  # auto, start over
        await run_finished(pilot)
        row = app.run_state.tables["equipment_events"]
        assert row.result is not None and row.result.status == Status.OK and row.result.mode == Mode.FULL
        logged = [line.message for line in app.log_lines]
        assert any("starting the full sync over" in m for m in logged), logged
        assert not any("resuming the full sync" in m for m in logged)
    assert _count(demo_db, "equipment_events") == DEMO_ROWS
    assert read_resume_points(demo_db) == {}


def test_start_over_in_auto_mode_runs_only_the_interrupted_tables_in_full() -> None:
    steps = start_over_steps(["A", "B", "C"], Mode.AUTO, {"B"})
    assert steps == [SyncRequest(("B",), Mode.FULL), SyncRequest(("A", "C"), Mode.AUTO)]
    assert start_over_steps(["A", "B"], Mode.FULL, {"B"}) == [SyncRequest(("A", "B"), Mode.FULL)]


# -- a DuckDB file held by another process ------------------------------------------------------

HOLD = "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); sys.stdin.read()"


async def test_a_busy_duckdb_file_names_its_holder_and_retry_runs_the_sync_again(make_app, demo_db: Path,
                                                                                 monkeypatch) -> None:
    monkeypatch.setattr("tui_sync.target.BRIEF_OPEN_WAIT_S", 0.2)  # a shell keeps it: do not wait 15 s
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        holder = subprocess.Popen([sys.executable, "-c", HOLD, str(demo_db)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
            await pilot.press("f")
            await wait_for(pilot, lambda: isinstance(app.screen, ErrorScreen), "the error dialog")
            message = str(app.screen.query_one("#error-message", Static).render())
            assert "\n" not in message and f"(pid {holder.pid})" in message and "in use by" in message
            assert app.screen.query_one("#retry", Button)
            assert app.run_state is not None and app.run_state.error is not None
            await pilot.pause(0.3)  # the state refresh after the failed run hits the same holder...
            assert sum(isinstance(s, ErrorScreen) for s in app.screen_stack) == 1  # ...and says so once
            failed = app.run_state
        finally:
            if holder.stdin is not None:
                holder.stdin.close()
            holder.wait(timeout=30)
        await pilot.press("r")  # retry: the same full sync of the same table
        await wait_for(pilot, lambda: app.run_state is not failed, "the retried run")
        await run_finished(pilot)
        assert app.run_state.finished is not None and app.run_state.finished.ok
        assert [r.source for r in app.run_state.tables.values()] == ["EQUIPMENT_EVENTS"]
        assert app.run_state.finished.results[0].mode == Mode.FULL
    assert _count(demo_db, "equipment_events") == DEMO_ROWS


async def test_a_lock_error_offers_retry_but_enter_just_closes(make_app, demo_db: Path) -> None:
    from tui_sync.target.lock import SyncLock

    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        with SyncLock(demo_db, "cli", ["EQUIPMENT_EVENTS"]):
            await pilot.press("f")
            await wait_for(pilot, lambda: isinstance(app.screen, ErrorScreen), "the error dialog")
            assert "Retry (r)" in screen_text(app)
            failed = app.run_state
        await pilot.press("enter")  # the safe default: close, do not run again
        assert not isinstance(app.screen, ErrorScreen) and app.run_state is failed and not app.sync_busy


# -- SIGHUP / SIGTERM ---------------------------------------------------------------------------

async def test_sigterm_cancels_the_sync_waits_for_the_rollback_and_exits(make_app, demo_db: Path) -> None:
    """A real SIGTERM to this process, handled by the app under Pilot."""
    app = make_app(batch_rows=100)
    before = signal.getsignal(signal.SIGTERM)
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        assert signal.getsignal(signal.SIGTERM) == app.signals.arrived  # installed while it runs
        send_keys(app, "f", "p")
        await wait_for(pilot, lambda: app.run_state is not None, "the run to start")
        row = app.run_state.tables["equipment_events"]
        await wait_for(pilot, lambda: row.phase == Phase.PAUSED, "the engine to pause")
        os.kill(os.getpid(), signal.SIGTERM)
        await wait_for(pilot, lambda: not app.is_running, "the app to exit")
    assert app.return_code == EXIT_INTERRUPTED
    assert row.result is not None and row.result.status == Status.CANCELLED
    assert [r.status for r in _runs_once_closed(demo_db)] == ["cancelled"]
    assert signal.getsignal(signal.SIGTERM) == before  # restored when the app ended


def _runs_once_closed(db: Path, timeout: float = 10.0) -> list:
    """The runs, once the sync thread has closed its connection: the app exits on the result
    (the rollback is done), and the thread closes a moment later; until then DuckDB 1.5.5
    refuses a second open in this process ("Unique file handle conflict", CI under load)."""
    from tui_sync.errors import TuiSyncError

    deadline = time.monotonic() + timeout
    while True:
        try:
            return read_runs(db)
        except TuiSyncError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


PTY_SCRIPT = Path(__file__).with_name("pty_driver.py")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal and SIGHUP")
@pytest.mark.parametrize("how", ["sighup", "hangup"])
def test_a_dropped_terminal_cancels_the_tui_sync_and_records_it(demo_home: Path, demo_config: Path,
                                                               demo_db: Path, how: str) -> None:
    """`tui-sync --demo` on a real pseudo-terminal: `f` starts a full sync, `p` holds it,
    then SIGHUP (or the terminal's master side closing, as sshd does when the link drops)."""
    env_cli = [sys.executable, "-m", "tui_sync"]
    subprocess.run([*env_cli, "sync", "EQUIPMENT_EVENTS", "--demo"], check=True, capture_output=True,
                   timeout=120)
    before = read_table_states(demo_db)["equipment_events"]
    from tui_sync import demo

    demo.add_rows(500)  # the source moved on: a sync that finished would change the target
    _set_sync_option(demo_config, "batch_rows", 100)
    done = subprocess.run([sys.executable, str(PTY_SCRIPT), how, str(demo_db)], capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    report = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    assert report["exited"] == "yes", done.stdout
    assert "signal" not in report, done.stdout  # it handled the signal, it was not killed by it
    assert report["code"] in ("0", str(EXIT_INTERRUPTED)), done.stdout
    runs = read_runs(demo_db)
    assert [r.status for r in runs[:2]] == ["cancelled", "ok"], [(r.status, r.error) for r in runs]
    after = read_table_states(demo_db)["equipment_events"]
    assert (after.rows, after.watermark) == (before.rows, before.watermark)
    assert _count(demo_db, "equipment_events") == DEMO_ROWS


# -- Preview after a sync -----------------------------------------------------------------------

async def test_preview_reloads_after_a_sync_and_its_footer_fits_80_columns(make_app, monkeypatch) -> None:
    from tui_sync import demo
    from tui_sync.tui.widgets.preview import PreviewPane

    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await tables_loaded(pilot)
        await pilot.press("f")
        await run_finished(pilot)
        await pilot.press("t", "enter")
        assert app.current_mode == "preview"
        pane = app.screen.query_one(PreviewPane)
        status = pane.query_one("#pv-status", Static)
        await wait_for(pilot, lambda: f"of {DEMO_ROWS:,} (" in str(status.render()), "the preview")
        footer = screen_text(app).splitlines()[-1]
        for words in ("rdp Tabs", "[] Page", "eE Export", "q Quit", "^p palette"):
            assert words in footer, footer
        added = demo.add_rows(300)["EQUIPMENT_EVENTS"]
        await pilot.press("t", "i")  # an incremental sync while the Preview keeps its table
        await run_finished(pilot)
        assert app.run_state.finished is not None and app.run_state.finished.ok
        await wait_for(pilot, lambda: f"of {DEMO_ROWS + added:,} (" in str(status.render()),
                       "the preview to show the new rows")
        await pilot.press("v")
        assert app.screen.query_one(PreviewPane) is pane  # the same pane, read again
