"""Pilot tests of the forms and dialogs (issue 14): text fields, check boxes without colour,
the Connection screen's hints and check result, the saved theme, drop-downs, tooltips.
(The first start and the password dialog: test_first_start_and_password.py.)"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Button, Checkbox, Input, Select, SelectionList, Static

import tui_sync.tui
from tui_sync.config import load_config
from tui_sync.tui.screens.connection import ConnectionScreen
from tui_sync.tui.screens.dialogs import ChoiceScreen, ConfirmScreen, ErrorScreen, PasswordScreen
from tui_sync.tui.screens.table_settings import TableSettingsScreen
from tui_sync.tui.widgets.toggles import CheckList, Toggle

from .conftest import no_blink, screen_text, tables_loaded, wait_for


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
    from tui_sync.tui.widgets import preview_chart as preview

    assert issubclass(preview.SelectionList, CheckList) and issubclass(preview.Checkbox, Toggle)
    assert issubclass(preview.SelectionList, SelectionList)


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
