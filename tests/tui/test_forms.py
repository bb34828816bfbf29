"""Pilot tests of the forms and dialogs (issue 14): text fields, check boxes without colour,
the first start, the password dialog, the palette's texts, questions about a finished sync,
the Connection screen's hints and check result, the saved theme, tooltips."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.command import CommandPalette
from textual.widgets import Button, Checkbox, Input, Select, SelectionList, Static

import tui_sync.tui
from tui_sync.config import SourceConfig, load_config
from tui_sync.events import Mode
from tui_sync.tui.app import create_app
from tui_sync.tui.commands import app_commands
from tui_sync.tui.screens.connection import ConnectionScreen
from tui_sync.tui.screens.dialogs import ChoiceScreen, ConfirmScreen, ErrorScreen, PasswordScreen
from tui_sync.tui.screens.table_settings import TableSettingsScreen
from tui_sync.tui.widgets.toggles import CheckList, Toggle

from .conftest import no_blink, run_finished, screen_text, tables_loaded, wait_for


def _connection(app) -> ConnectionScreen:
    screen = app.mounted_screen("connection")
    assert isinstance(screen, ConnectionScreen)
    return screen


async def _to_connection(pilot) -> ConnectionScreen:
    await tables_loaded(pilot)
    await pilot.press("c")
    return _connection(pilot.app)


# -- defect 2: text fields keep their text; escape leaves them ------------------------------------

async def test_a_key_typed_into_a_focused_field_appends_instead_of_replacing(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _to_connection(pilot)
        field = screen.query_one("#path", Input)
        before = field.value
        assert before
        field.focus()
        await pilot.pause()
        assert field.selection.is_empty and field.cursor_position == len(before)
        await pilot.press("t")  # out of habit: meant the Tables screen
        assert field.value == before + "t"


async def test_escape_leaves_a_field_so_global_keys_work_again(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _to_connection(pilot)
        field = screen.query_one("#target", Input)
        field.focus()
        await pilot.press("escape")
        assert app.screen.focused is None and app.current_mode == "connection"
        await pilot.press("t")
        assert app.current_mode == "tables"
        assert field.value == load_config(app.config_path).target.path  # nothing was typed into it


async def test_in_a_dialog_escape_first_leaves_the_field_then_closes(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await tables_loaded(pilot)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, TableSettingsScreen), "the settings dialog")
        target = app.screen.query_one("#target", Input)
        await wait_for(pilot, lambda: target.has_focus, "the first field focused")
        await pilot.press("x")
        assert target.value.endswith("x") and len(target.value) > 1  # appended, not replaced
        await pilot.press("escape")
        assert isinstance(app.screen, TableSettingsScreen) and app.screen.focused is None
        await pilot.press("escape")
        assert not isinstance(app.screen, TableSettingsScreen)


def test_every_text_field_of_the_tui_is_a_text_field() -> None:
    """A plain Input would select all its text on focus again (defect 2 of issue 14)."""
    root = Path(tui_sync.tui.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        if path.name == "fields.py":
            continue  # TextField itself
        tree = ast.parse(path.read_text(encoding="utf-8"))
        plain = any(isinstance(n, ast.ImportFrom) and n.module == "textual.widgets"
                    and any(a.name == "Input" and a.asname is None for a in n.names) for n in ast.walk(tree))
        if not plain:
            continue  # Input not imported from Textual (or imported as TextField under that name)
        for node in ast.walk(tree):
            func = node.func if isinstance(node, ast.Call) else None
            if isinstance(func, ast.Name) and func.id == "Input":
                offenders.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.ClassDef) and any(isinstance(b, ast.Name) and b.id == "Input"
                                                      for b in node.bases):
                offenders.append(f"{path.name}:{node.lineno} (class {node.name})")
    assert not offenders, f"use widgets.fields.TextField instead of Input: {offenders}"


# -- defect 6: check boxes read without colour ----------------------------------------------------

async def test_save_password_box_shows_its_state_and_focus_without_colour(make_app,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _to_connection(pilot)
        screen.query_one("#kind", Select).value = "oracle"
        box = screen.query_one("#save-password", Checkbox)
        await wait_for(pilot, lambda: "Save password" in screen_text(app), "the oracle fields")
        line = next(ln for ln in screen_text(app).splitlines() if "Save password" in ln)
        assert "[ ] Save password" in line and ">" not in line
        box.focus()
        await pilot.press("space")
        assert box.value
        line = next(ln for ln in screen_text(app).splitlines() if "Save password" in ln)
        assert ">[x] Save password" in line


class _ListApp(App[None]):
    def compose(self) -> ComposeResult:
        yield CheckList[str](("temperature", "t", True), ("pressure", "p"), id="ys", compact=True)
        yield Button("other")


async def test_check_list_draws_boxes_and_the_focused_row() -> None:
    app = _ListApp()
    async with app.run_test(size=(40, 8)) as pilot:
        ys = app.query_one(CheckList)
        app.query_one(Button).focus()
        await pilot.pause()
        lines = screen_text(app).splitlines()
        assert lines[0].startswith(" [x] temperature") and lines[1].startswith(" [ ] pressure")
        ys.focus()
        await pilot.press("down", "space")
        lines = screen_text(app).splitlines()
        assert lines[0].startswith(" [x] temperature") and lines[1].startswith(">[x] pressure")
        assert ys.selected == ["t", "p"]


def test_the_chart_uses_the_drawn_check_boxes() -> None:
    from tui_sync.tui.widgets import preview

    assert issubclass(preview.SelectionList, CheckList) and issubclass(preview.Checkbox, Toggle)
    assert issubclass(preview.SelectionList, SelectionList)


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


def test_cli_without_any_config_opens_the_tui(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli = importlib.import_module("tui_sync.cli.main")

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TUI_SYNC_CONFIG", raising=False)
    monkeypatch.setenv("TUI_SYNC_HOME", str(tmp_path / "home"))
    opened: list[object] = []

    class FakeApp:
        return_code = 0

        def run(self) -> None:
            opened.append("run")

    def fake_create_app(config_path, demo=False):
        opened.append(config_path)
        return FakeApp()

    monkeypatch.setattr("tui_sync.tui.app.create_app", fake_create_app)
    assert cli.main([]) == 0
    assert opened == [None, "run"]


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


# -- defect 13: hints, named empty fields, stale results -----------------------------------------

async def test_placeholders_read_as_hints(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _to_connection(pilot)
        hints = [str(w.placeholder) for w in screen.query(Input)]
        assert hints and all(h.startswith(("e.g. ", "(")) for h in hints), hints


async def test_check_with_an_empty_user_names_the_empty_fields(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _to_connection(pilot)
        screen.query_one("#kind", Select).value = "oracle"
        screen.query_one("#dsn", Input).value = "dbhost:1521/ORCLPDB1"
        await pilot.press("ctrl+t")
        result = screen.query_one("#test-result", Static)
        assert str(result.render()) == "Fill in: User"
        assert not isinstance(app.screen, PasswordScreen)


async def test_an_old_check_result_goes_when_the_form_changes(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _to_connection(pilot)
        await pilot.press("ctrl+t")
        result = screen.query_one("#test-result", Static)
        await wait_for(pilot, lambda: result.has_class("-ok"), "the check's result")
        screen.query_one("#target", Input).value = "elsewhere.duckdb"
        await wait_for(pilot, lambda: str(result.render()) == "", "the result cleared")
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: result.has_class("-ok"), "the check's result")
        screen.query_one("#kind", Select).value = "oracle"
        await wait_for(pilot, lambda: str(result.render()) == "", "the result cleared")
        assert str(screen.query_one("#check-steps", Static).render()) == ""


# -- defect 15: the theme is kept; drop-downs have a border --------------------------------------

async def test_the_chosen_theme_is_restored_at_the_next_start(make_app, demo_home: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        assert app.theme != "nord"
        app.theme = "nord"
        await wait_for(pilot, lambda: (demo_home / "config" / "ui.ini").is_file(), "ui.ini")
    assert "theme = nord" in (demo_home / "config" / "ui.ini").read_text(encoding="utf-8")
    again = make_app()
    async with again.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        assert again.theme == "nord"


async def test_an_open_drop_down_has_a_border(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _to_connection(pilot)
        kind = screen.query_one("#kind", Select)
        kind.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: kind.expanded, "the list open")
        overlay = kind.query_one("SelectOverlay")
        assert overlay.styles.border_top[0] not in ("", "none", "hidden")
        assert overlay.styles.text_wrap == "nowrap"  # one line per choice


# -- tooltips on every control of the Connection screen and the dialogs ---------------------------

async def test_every_control_of_the_connection_screen_and_dialogs_has_a_tooltip(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _to_connection(pilot)
        controls = list(screen.query("Input, Select, Button, Checkbox"))
        missing = [w.id for w in controls if not w.tooltip]
        assert controls and not missing, missing
        for dialog in (ConfirmScreen("t", "m"), ChoiceScreen("t", "m", [("a", "A", "a"), ("b", "B", "b")]),
                       ErrorScreen("t", "m", retry=True), PasswordScreen("scott", "db", "X", "This")):
            await app.push_screen(dialog)
            await pilot.pause()
            controls = list(dialog.query("Input, Button, Checkbox"))
            missing = [w.id for w in controls if not w.tooltip]
            assert controls and not missing, (type(dialog).__name__, missing)
            dialog.dismiss(None)
            await pilot.pause()
        await pilot.press("t", "e")
        await wait_for(pilot, lambda: isinstance(app.screen, TableSettingsScreen), "the settings dialog")
        await pilot.pause()
        controls = list(app.screen.query("Input, Select, Button"))
        missing = [w.id for w in controls if not w.tooltip]
        assert controls and not missing, missing



# -- snapshots: the Oracle form and the password dialog at 80x24 without colour -------------------

def _fixed_config_line(screen: ConnectionScreen) -> None:
    # The config file's folder is a per-test temp dir: keep only its name on the picture.
    screen.query_one("#config-file", Static).update(f"Config file: {screen.tui.config_path.name}")


def test_snapshot_oracle_connection_form_no_color(snap_compare, make_app, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("TUI_SYNC_ORACLE_PASSWORD", raising=False)

    async def run_before(pilot) -> None:
        screen = await _to_connection(pilot)
        _fixed_config_line(screen)
        screen.query_one("#kind", Select).value = "oracle"
        screen.query_one("#dsn", Input).value = "dbhost:1521/ORCLPDB1"
        screen.query_one("#save-password", Checkbox).focus()
        await pilot.press("space")
        await wait_for(pilot, lambda: ">[x] Save password" in screen_text(pilot.app), "the ticked box")
        no_blink(pilot.app)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


def test_snapshot_password_dialog_no_color(snap_compare, make_app, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("TUI_SYNC_ORACLE_PASSWORD", raising=False)

    async def run_before(pilot) -> None:
        screen = await _to_connection(pilot)
        _fixed_config_line(screen)
        screen.query_one("#kind", Select).value = "oracle"
        screen.query_one("#dsn", Input).value = "dbhost:1521/ORCLPDB1"
        screen.query_one("#user", Input).value = "SCOTT"
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: "Password for SCOTT@" in screen_text(pilot.app), "the password dialog")
        no_blink(pilot.app)
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)
