"""Issue 14 defect 5: the TUI and another process (a cron sync, a duckdb shell) share the DuckDB
file. Reads wait for a running sync on their own and say whom they wait for; the TUI never keeps
the file open while idle; a busy error that does show offers Retry."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from textual.widgets import Button, Label, Static

from tui_sync.tui.screens.dialogs import ErrorScreen

from .conftest import FIXED_NOW, screen_text, tables_loaded, wait_for

# A sync as cron runs it, reduced to what matters here: the sync lock (with its holder note)
# and the file open read-write, until the test says "go".
SYNC = ("import sys, duckdb\nfrom tui_sync.target.lock import SyncLock\n"
        "with SyncLock(sys.argv[1], 'cli', ['EQUIPMENT_EVENTS']):\n"
        "    con = duckdb.connect(sys.argv[1]); print('ready', flush=True); sys.stdin.readline()\n"
        "    con.close()\n")


@contextmanager
def running_sync(db: Path) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen([sys.executable, "-c", SYNC, str(db)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        yield proc
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        proc.wait(timeout=30)


def _text(widget: Static | Label) -> str:
    return str(widget.render())


async def test_history_waits_for_a_running_sync_and_loads_when_it_ends(make_app, demo_db: Path) -> None:
    app = make_app(now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        with running_sync(demo_db) as sync:
            await pilot.press("h")
            title = app.screen.query_one("#runs-title", Label)
            await wait_for(pilot, lambda: "waiting for the running sync" in _text(title), "the waiting note")
            assert f"cli pid {sync.pid} " in _text(title)  # the holder note: who, which tables
            assert not any(isinstance(s, ErrorScreen) for s in app.screen_stack)
        await wait_for(pilot, lambda: _text(title).startswith("Runs:") and "waiting" not in _text(title),
                       "the history read after the sync ended")
        assert not any(isinstance(s, ErrorScreen) for s in app.screen_stack)


async def test_tables_state_and_preview_wait_for_a_running_sync(make_app, demo_db: Path) -> None:
    app = make_app(now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        details = app.screen.query_one("#table-details", Static)
        with running_sync(demo_db):
            await pilot.press("r")  # read the source's tables and the sync state again
            await wait_for(pilot, lambda: "waiting for the running sync: cli pid" in _text(details),
                           "the Tables screen's waiting note")
            app.preview("EQUIPMENT_EVENTS")
            await wait_for(pilot, lambda: "waiting for the running sync: cli pid" in screen_text(app),
                           "the Preview's waiting note")
            assert not any(isinstance(s, ErrorScreen) for s in app.screen_stack)
        await wait_for(pilot, lambda: "waiting for" not in screen_text(app), "the Preview read")
        await pilot.press("t")
        await wait_for(pilot, lambda: "waiting for" not in _text(details), "the state read")
        assert not any(isinstance(s, ErrorScreen) for s in app.screen_stack)


async def test_a_long_wait_ends_in_the_busy_dialog_with_retry(make_app, demo_db: Path, monkeypatch) -> None:
    monkeypatch.setattr("tui_sync.tui.workers.BUSY_WAIT_S", 0.0)  # give up at the first refusal
    app = make_app(now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        with running_sync(demo_db):
            await pilot.press("h")
            await wait_for(pilot, lambda: isinstance(app.screen, ErrorScreen), "the busy dialog")
            assert app.screen.query_one("#retry", Button)
            assert "in use by a sync: cli pid" in _text(app.screen.query_one("#error-message", Static))
        await pilot.press("r")  # Retry: the history is read again, now the file is free
        title = app.screen.query_one("#runs-title", Label)
        await wait_for(pilot, lambda: not isinstance(app.screen, ErrorScreen)
                       and _text(title).startswith("Runs:"), "the history after Retry")


async def test_the_idle_tui_leaves_the_file_to_other_processes(make_app, demo_db: Path) -> None:
    app = make_app(now=FIXED_NOW)
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        for key, ready in (("h", lambda: _text(app.screen.query_one("#runs-title", Label)).startswith("Runs")),
                           ("t", lambda: True)):
            await pilot.press(key)
            await wait_for(pilot, ready, f"screen {key} read")
        app.preview("EQUIPMENT_EVENTS")
        await wait_for(pilot, lambda: any(w in screen_text(app) for w in ("tables in", "rows", "nothing synced")),
                       "the Preview read")
        await pilot.pause(0.3)
        writer = subprocess.run([sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1]).close()",
                                 str(demo_db)], capture_output=True, text=True, timeout=60)
        assert writer.returncode == 0, writer.stderr
