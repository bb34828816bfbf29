"""Issue 14: the focused widget shows by shape or text style, not by colour alone (NO_COLOR)."""

from __future__ import annotations

import pytest
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input

from .conftest import FIXED_NOW, tables_loaded, wait_for


def _styled(widget: Widget, attr: str) -> bool:
    """Whether any cell the widget draws has `attr` (reverse, underline) set."""
    for y in range(widget.size.height):
        for seg in widget.render_line(y):
            if seg.style is not None and getattr(seg.style, attr):
                return True
    return False


def _bordered_heavy(widget: Widget) -> bool:
    return any("┏" in widget.render_line(y).text or "┃" in widget.render_line(y).text
               for y in range(widget.size.height))


@pytest.fixture(autouse=True)
def _no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")


async def test_focus_shows_without_colour(make_app) -> None:
    app = make_app(now=FIXED_NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        await tables_loaded(pilot)
        table = app.screen.query_one("#source-tables", DataTable)
        await wait_for(pilot, lambda: _styled(table, "reverse"), "the focused table's cursor row in reverse")
        await pilot.press("slash")  # the compact filter field
        await wait_for(pilot, lambda: not _styled(table, "reverse"), "the blurred table without reverse")
        filt = app.screen.query_one("#filter", Input)
        await wait_for(pilot, lambda: _styled(filt, "underline"), "the focused compact field underlined")
        await pilot.press("escape", "down", "e")  # table settings: bordered fields and buttons
        await wait_for(pilot, lambda: isinstance(app.focused, Input), "a focused field in the form")
        field = app.focused
        assert _styled(field, "underline") or _bordered_heavy(field)
        others = [w for w in app.screen.query(Input) if w is not field and w.display]
        assert others and not any(_styled(w, "underline") or _bordered_heavy(w) for w in others)
        button = app.screen.query(Button).first()
        button.focus()
        await wait_for(pilot, lambda: _styled(button, "reverse"), "the focused button in reverse")
