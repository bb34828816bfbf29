"""The Preview's two small dialogs: the export file name and a custom date range.

Each checks what was typed before it closes: a bad file name or date is one line in
the dialog, and what was typed stays there to be fixed (nothing is lost).
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from tui_sync.errors import TuiSyncError
from tui_sync.i18n import N_, _
from tui_sync.preview.export import check_export_path
from tui_sync.preview.window import Bounds, parse_bound

from .fields import TextField as Input  # no select-all on focus; escape leaves the field

_CSS = """
{cls} {{ align: center middle; }}
{cls} > Vertical {{
    width: 76; max-width: 100%; height: auto; max-height: 100%;
    border: thick $primary; background: $surface; padding: 0 1;
}}
{cls} .title {{ text-style: bold; }}
{cls} .hint {{ color: $text-muted; }}
{cls} .error {{ text-style: bold; }}
{cls} Input {{ margin-bottom: 1; }}
{cls} Horizontal {{ height: auto; align-horizontal: right; }}
{cls} Button {{ margin-left: 2; }}
"""


class _Form(ModalScreen[object]):
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="preview-dialog.cancel")]

    def _error(self, text: str) -> None:
        error = self.query_one(".error", Static)
        error.update(text)
        error.display = bool(text)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class ExportDialog(_Form):
    """Asks for the export's file name (shown with its default, editable); returns a Path."""

    DEFAULT_CSS = _CSS.format(cls="ExportDialog")

    def __init__(self, what: str, default: str) -> None:
        super().__init__()
        self.what, self.default = what, default

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(_("Export {what}").format(what=self.what), classes="title", markup=False)
            yield Static(_("File (.csv or .parquet; the extension picks the format):"), classes="hint")
            # the cursor at the end, not the whole name selected: a stray key must not replace it
            yield Input(self.default, id="export-path", select_on_focus=False,
                        tooltip=_("Where to write; .csv or .parquet"))
            yield Static("", id="export-full", classes="hint", markup=False)  # the whole path, wrapped
            yield Static("", classes="error", markup=False)
            with Horizontal():
                yield Button(_("Export (enter)"), variant="primary", id="ok")
                yield Button(_("Cancel (esc)"), id="cancel")

    def on_mount(self) -> None:
        self._error("")
        field = self.query_one(Input)
        field.focus()
        field.action_end()  # the file name (the end) in view, the cursor after it
        self._show_path()

    @on(Input.Changed)
    def _show_path(self) -> None:
        self.query_one("#export-full", Static).update(f"→ {self.query_one(Input).value}")

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _submit(self) -> None:
        try:
            path = check_export_path(self.query_one(Input).value)
        except TuiSyncError as exc:
            self._error(str(exc))
            return
        self.dismiss(path)


class RangeDialog(_Form):
    """Asks for a from..to date range on the cursor column; returns `Bounds`."""

    DEFAULT_CSS = _CSS.format(cls="RangeDialog")

    def __init__(self, cursor: str, bounds: Bounds | None = None) -> None:
        super().__init__()
        self.cursor = cursor
        start, end = bounds or (None, None)
        self.start_text = f"{start:%Y-%m-%d %H:%M:%S}" if start else ""
        self.end_text = f"{end:%Y-%m-%d %H:%M:%S}" if end else ""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(_("Rows by {cursor}: from .. to").format(cursor=self.cursor), classes="title",
                        markup=False)
            yield Static(_("YYYY-MM-DD or YYYY-MM-DD HH:MM; an end date alone takes that whole day; "
                           "either may be empty (open). The presets end at the newest row, not now."),
                         classes="hint", markup=False)
            yield Input(self.start_text, placeholder=_("from (empty: the oldest row)"), id="range-from",
                        select_on_focus=False, tooltip=_("First time shown (inclusive)"))
            yield Input(self.end_text, placeholder=_("to (empty: the newest row)"), id="range-to",
                        select_on_focus=False, tooltip=_("Last time shown"))
            yield Static("", classes="error", markup=False)
            with Horizontal():
                yield Button(_("Show (enter)"), variant="primary", id="ok")
                yield Button(_("Cancel (esc)"), id="cancel")

    def on_mount(self) -> None:
        self._error("")
        self.query_one("#range-from", Input).focus()

    @on(Input.Submitted, "#range-from")
    def _next_field(self) -> None:
        self.query_one("#range-to", Input).focus()

    @on(Input.Submitted, "#range-to")
    @on(Button.Pressed, "#ok")
    def _submit(self) -> None:
        try:
            start = parse_bound(self.query_one("#range-from", Input).value)
            end = parse_bound(self.query_one("#range-to", Input).value, end=True)
        except TuiSyncError as exc:
            self._error(str(exc))
            return
        if start is None and end is None:
            self._error(_("give a start, an end or both"))
            return
        if start is not None and end is not None and end <= start:
            self._error(_("the end must come after the start"))
            return
        self.dismiss((start, end))

