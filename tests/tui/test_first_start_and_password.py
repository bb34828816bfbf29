"""Pilot tests of starting and asking (issue 14): the first start without a config, the
password dialog, the palette's texts and its one Quit, questions about a sync that ended."""

from __future__ import annotations

import fcntl
import importlib
import os
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import Checkbox, Input, Select, Static

from tui_sync.config import SourceConfig, load_config
from tui_sync.events import Mode
from tui_sync.tui.app import create_app
from tui_sync.tui.commands import app_commands
from tui_sync.tui.screens.connection import ConnectionScreen
from tui_sync.tui.screens.dialogs import ConfirmScreen, PasswordScreen

from .conftest import run_finished, screen_text, tables_loaded, wait_for


def _connection(app) -> ConnectionScreen:
    screen = app.mounted_screen("connection")
    assert isinstance(screen, ConnectionScreen)
    return screen


async def _to_connection(pilot) -> ConnectionScreen:
    await tables_loaded(pilot)
    await pilot.press("c")
    return _connection(pilot.app)


# -- defect 7: the first start opens the Connection screen ------------------------------------------

async def test_first_start_opens_an_empty_connection_screen_and_save_writes_the_config(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_config: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("TUI_SYNC_CONFIG", raising=False)
    monkeypatch.setenv("TUI_SYNC_HOME", str(tmp_path / "empty-home"))
    source = demo_config.parent / load_config(demo_config).source.path
    app = create_app(None, scheduler=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.current_mode == "connection", "the Connection screen")
        screen = _connection(app)
        assert all(not w.value for w in screen.query(Input)), [w.value for w in screen.query(Input)]
        assert "no config file yet" in str(screen.query_one("#config-file", Static).render())
        assert not app._notifications  # no error: a first start is not a failure
        screen.query_one("#kind", Select).value = "sqlite"
        screen.query_one("#path", Input).value = str(source)
        screen.query_one("#target", Input).value = "first.duckdb"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.session.config_ok, "the saved config")
        app.action_goto("tables")
        await tables_loaded(pilot)
        assert "EQUIPMENT_EVENTS" in app.session.table_names()
    written = work / "tui-sync.ini"  # where `tui-sync init` writes
    assert load_config(written).source.path == str(source)
    assert load_config(written).target.path == "first.duckdb"


def test_cli_without_any_config_opens_the_tui(tmp_path: Path) -> None:
    """`tui-sync` on a terminal with no config anywhere: the Connection screen, not an exit."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", TUI_SYNC_HOME=str(tmp_path / "home"))
    env.pop("TUI_SYNC_CONFIG", None)
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "tui_sync"], stdin=slave, stdout=slave, stderr=slave,
                            cwd=tmp_path, env=env, start_new_session=True)
    os.close(slave)
    out = bytearray()
    try:
        deadline = time.monotonic() + 60  # only stops a hung test
        while b"Source kind" not in out and proc.poll() is None and time.monotonic() < deadline:
            if select.select([master], [], [], 0.2)[0]:
                out += os.read(master, 65536)
        assert b"Source kind" in out, bytes(out[-400:])
        os.write(master, b"q")
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert not (tmp_path / "tui-sync.ini").exists()  # written only when the user saves


def test_cli_still_refuses_a_broken_config_in_one_line(tmp_path: Path, capsys) -> None:
    cli = importlib.import_module("tui_sync.cli.main")

    bad = tmp_path / "bad.ini"
    bad.write_text("[source\n", encoding="utf-8")
    assert cli.main(["--config", str(bad)]) == 2
    assert "bad.ini" in capsys.readouterr().err


# -- defect 8: a missing password is asked for ---------------------------------------------------

def _oracle_without_password(app, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUI_SYNC_ORACLE_PASSWORD", raising=False)
    app.session.config.source = SourceConfig(kind="oracle", dsn="127.0.0.1:1/NOPE", user="scott")
    app.session.password = None
    app.session._file_password = None


async def test_a_sync_without_a_password_asks_for_it_then_runs(make_app, demo_config: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    before = demo_config.read_text(encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        _oracle_without_password(app, monkeypatch)
        assert app.start_sync(["PRODUCTS"], Mode.FULL) is False
        await wait_for(pilot, lambda: isinstance(app.screen, PasswordScreen)
                       and bool(app.screen.query("#password-save")), "the password dialog")
        assert app.run_state is None  # nothing started yet
        save = app.screen.query_one("#password-save", Checkbox)
        assert not save.value  # not saved unless asked
        await pilot.press("escape", "escape")  # leave the field, then cancel
        assert not isinstance(app.screen, PasswordScreen) and app.run_state is None
        app.start_sync(["PRODUCTS"], Mode.FULL)
        await wait_for(pilot, lambda: isinstance(app.screen, PasswordScreen)
                       and any(w.has_focus for w in app.screen.query("#password-field")), "the dialog again")
        await pilot.press(*"tiger", "enter")
        await wait_for(pilot, lambda: app.run_state is not None, "the run to start")
        await run_finished(pilot)
        assert app.session.password == "tiger" and app.config.source.password == "tiger"
        assert "no password" not in str(app.run_state.error or "")
        assert _connection_field(app) in ("", "tiger")
    assert demo_config.read_text(encoding="utf-8") == before  # never written


def _connection_field(app) -> str:
    screen = app.mounted_screen("connection")
    return screen.query_one("#password", Input).value if screen is not None else ""


async def test_check_without_a_password_asks_and_then_checks(make_app, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUI_SYNC_ORACLE_PASSWORD", raising=False)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _to_connection(pilot)
        screen.query_one("#kind", Select).value = "oracle"
        screen.query_one("#dsn", Input).value = "127.0.0.1:1/NOPE"
        screen.query_one("#user", Input).value = "scott"
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: "scott@127.0.0.1:1/NOPE" in screen_text(app), "the password dialog")
        await pilot.press(*"tiger", "enter")
        result = screen.query_one("#test-result", Static)
        await wait_for(pilot, lambda: result.has_class("-error"), "the check's result")
        text = str(result.render())
        assert "DPY-" in text and "no password" not in text, text
        assert screen.query_one("#password", Input).value == "tiger"


# -- defect 10: palette texts, one Quit, questions about an ended sync -------------------------------

async def test_palette_shows_bracketed_words_and_one_quit(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        titles = [c.title for c in app_commands(app)] + [c.title for c in app.get_system_commands(app.screen)]
        assert titles.count("Quit") == 1
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"save connection")
        await wait_for(pilot, lambda: "[source] and [target]" in screen_text(app), "the help text")


async def test_quit_question_turns_into_a_plain_quit_when_the_sync_ends(make_app) -> None:
    app = make_app(batch_rows=500)
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        app.start_sync(["EQUIPMENT_EVENTS"], Mode.FULL)
        await wait_for(pilot, lambda: app.run_state is not None and app.run_state.running, "the run")
        app.run_state.control.pause()  # so the run cannot end before the question is up
        await pilot.press("q")
        await wait_for(pilot, lambda: "Quit while a sync runs?" in screen_text(app), "the question")
        app.run_state.control.resume()
        await run_finished(pilot)
        await wait_for(pilot, lambda: "The sync has ended" in screen_text(app), "the updated question")
        assert "Quit (y)" in screen_text(app) and "Cancel sync and quit" not in screen_text(app)
        await pilot.press("n")
        assert not isinstance(app.screen, ConfirmScreen) and app.is_running


async def test_cancel_question_closes_when_the_sync_ends(make_app) -> None:
    app = make_app(batch_rows=500)
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        app.start_sync(["EQUIPMENT_EVENTS"], Mode.FULL)
        await wait_for(pilot, lambda: app.run_state is not None and app.run_state.running, "the run")
        app.run_state.control.pause()  # so the run cannot end before the question is up
        app.action_cancel_sync()
        await wait_for(pilot, lambda: "Cancel the sync?" in screen_text(app), "the question")
        app.run_state.control.resume()
        await run_finished(pilot)
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen), "the question to close")
        assert app.run_state.finished is not None and app.run_state.finished.ok  # not cancelled
