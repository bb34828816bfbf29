"""Text fields that are safe to land in: no select-all on focus, and escape to leave.

Textual's Input selects its whole text when it gets focus, so one stray key (a `t`
meant for the Tables screen) replaces a DSN or a WHERE clause. `TextField` keeps
the text and puts the cursor at its end instead. Escape takes the focus away from
the field, so the screen's and the app's keys work again; in a dialog a second
escape then reaches the dialog (which closes it).
Every text field of the app is a `TextField` (a test keeps it so).
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.binding import Binding
from textual.widgets import Input

from ...i18n import N_


class TextField(Input):
    """An Input that keeps its text on focus (cursor at the end) and leaves on escape."""

    BINDINGS = [
        Binding("escape", "leave", N_("Leave field"), show=False,
                tooltip=N_("Leave the text field (keys such as t and v work again)"), id="field.leave"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("select_on_focus", False)
        super().__init__(*args, **kwargs)

    def _on_focus(self, event: events.Focus) -> None:
        # Textual calls Input's own _on_focus too (handlers are looked up along the MRO).
        if not self.select_on_focus:
            self.cursor_position = len(self.value)

    def action_leave(self) -> None:
        self.screen.set_focus(None)


__all__ = ["TextField"]
