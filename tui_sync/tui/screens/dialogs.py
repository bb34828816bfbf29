"""Small modal dialogs: confirm a risky action, choose between a few, show an error, ask for
the source's password."""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ...i18n import N_, _
from ..widgets.fields import TextField
from ..widgets.toggles import Toggle

CLOSE = "close"
# What a question about the running sync becomes when the sync ends: CLOSE (answered "no"),
# or a new (title, message, yes, no).
AfterSync = str | tuple[str, str, str, str]


class ConfirmScreen(ModalScreen[bool]):
    """Yes/no question; `y`/`enter` on Yes confirms, `n`/`escape` declines."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 64; max-width: 100%; height: auto; max-height: 100%;
        border: thick $warning; background: $surface; padding: 1 2;
    }
    ConfirmScreen .title { text-style: bold; margin-bottom: 1; }
    ConfirmScreen .message { margin-bottom: 1; }
    ConfirmScreen Horizontal { height: auto; align-horizontal: right; }
    ConfirmScreen Button { margin-left: 2; }
    """

    BINDINGS = [
        Binding("y", "answer(True)", N_("Yes"), id="confirm.yes"),
        Binding("n,escape", "answer(False)", N_("No"), id="confirm.no"),
        Binding("right", "app.focus_next", show=False),
        Binding("left", "app.focus_previous", show=False),
    ]

    def __init__(self, title: str, message: str, *, yes: str | None = None, no: str | None = None,
                 after_sync: AfterSync | None = None) -> None:
        super().__init__()
        self.title_text, self.message = title, message
        self.yes, self.no = yes or _("Yes"), no or _("No")
        self.after_sync = after_sync  # a question about the running sync: what it becomes after

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title", id="confirm-title", markup=False)
            yield Static(Text(self.message), classes="message", id="confirm-message")
            with Horizontal():
                yield Button(f"{self.yes} (y)", variant="warning", id="yes",
                             tooltip=_("{answer} (key y)").format(answer=self.yes))
                yield Button(f"{self.no} (n)", id="no",
                             tooltip=_("{answer} (key n or escape)").format(answer=self.no))

    def sync_ended(self) -> None:
        """The sync this question is about has ended: close it, or ask the question that is left."""
        after = self.after_sync
        if after is None:
            return
        if after == CLOSE:
            self.dismiss(False)
            return
        self.title_text, self.message, self.yes, self.no = after
        self.query_one("#confirm-title", Label).update(self.title_text)
        self.query_one("#confirm-message", Static).update(Text(self.message))
        self.query_one("#yes", Button).label = f"{self.yes} (y)"
        self.query_one("#yes", Button).tooltip = _("{answer} (key y)").format(answer=self.yes)
        self.query_one("#no", Button).label = f"{self.no} (n)"
        self.query_one("#no", Button).tooltip = _("{answer} (key n or escape)").format(answer=self.no)
        self.after_sync = None

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class ChoiceScreen(ModalScreen[str | None]):
    """A question with a few answers, each with its own key; `escape` answers None.

    `choices` are (key, label, value); the first one is focused.
    """

    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    ChoiceScreen > Vertical {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: thick $warning; background: $surface; padding: 1 2;
    }
    ChoiceScreen .title { text-style: bold; margin-bottom: 1; }
    ChoiceScreen .message { margin-bottom: 1; }
    ChoiceScreen Horizontal { height: auto; align-horizontal: right; }
    ChoiceScreen Button { margin-left: 1; }
    """

    BINDINGS = [
        Binding("escape", "choose('')", N_("Cancel"), id="choice.cancel"),
        Binding("right", "app.focus_next", show=False),
        Binding("left", "app.focus_previous", show=False),
    ]

    def __init__(self, title: str, message: str, choices: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.title_text, self.message, self.choices = title, message, choices

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title")
            yield Static(Text(self.message), classes="message")
            with Horizontal():
                for i, (key, label, value) in enumerate(self.choices):
                    yield Button(f"{label} ({key})", variant="warning" if i == 0 else "default",
                                 id=f"choice-{value}", tooltip=_("{answer} (key {key})").format(answer=label, key=key))

    def on_mount(self) -> None:
        self.query(Button).first().focus()

    def on_key(self, event: events.Key) -> None:
        for key, _label, value in self.choices:
            if event.key == key:
                event.stop()
                self.dismiss(value)
                return

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss((event.button.id or "").removeprefix("choice-") or None)

    def action_choose(self, value: str) -> None:
        self.dismiss(value or None)


RETRY = "retry"


class ErrorScreen(ModalScreen[str | None]):
    """An error in one clear line, with optional details below it.

    With `retry`, a Retry button (key r) dismisses with `RETRY` so the caller can
    run the same action again (a busy DuckDB file or a held sync lock). Enter and
    escape close: the safe answer is the default.
    """

    DEFAULT_CSS = """
    ErrorScreen { align: center middle; }
    ErrorScreen > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 90%;
        border: thick $error; background: $surface; padding: 1 2;
    }
    ErrorScreen .title { text-style: bold; color: $error; }
    ErrorScreen .message { margin: 1 0; }
    ErrorScreen VerticalScroll { height: auto; max-height: 12; }
    ErrorScreen .details { color: $text-muted; }
    ErrorScreen Horizontal { height: auto; align-horizontal: right; }
    ErrorScreen Button { margin-left: 2; }
    """

    BINDINGS = [
        Binding("escape,enter,q", "close", N_("Close"), id="error.close"),
        Binding("r", "retry", N_("Retry"), id="error.retry"),
    ]

    def __init__(self, title: str, message: str, details: str | None = None, *,
                 retry: bool = False) -> None:
        super().__init__()
        self.title_text, self.message, self.details = title, message, details
        self.retry = retry

    def compose(self) -> ComposeResult:
        with Vertical():
            # "Error:" in the text, not only in red, so it reads the same with NO_COLOR.
            yield Label(_("Error: {title}").format(title=self.title_text), classes="title")
            yield Static(Text(self.message), classes="message", id="error-message")
            if self.details:
                with VerticalScroll():
                    yield Static(Text(self.details), classes="details")
            with Horizontal():
                if self.retry:
                    yield Button(_("Retry (r)"), variant="primary", id="retry",
                                 tooltip=_("Run the same action again (key r)"))
                yield Button(_("Close (enter)"), variant="error", id="close",
                             tooltip=_("Close this message (enter or escape)"))

    def on_mount(self) -> None:
        # query, not query_one: an app shutting down may unmount the children first (CI saw
        # NoMatches here when a test ended as the dialog opened)
        for button in self.query("#close").results(Button):
            button.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            return self.retry
        return True

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#retry")
    def action_retry(self) -> None:
        self.dismiss(RETRY)


class PasswordScreen(ModalScreen[tuple[str, bool] | None]):
    """Ask for the source's password: (password, save it in the config file) or None.

    "Save" is off unless ticked: by default the password lives in memory for this
    session only. Enter in the field answers OK; escape leaves the field, then cancels.
    """

    DEFAULT_CSS = """
    PasswordScreen { align: center middle; }
    PasswordScreen > Vertical {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; background: $surface; padding: 1 2;
    }
    PasswordScreen .title { text-style: bold; margin-bottom: 1; }
    PasswordScreen .message { margin-bottom: 1; }
    PasswordScreen #password-field { width: 1fr; }
    PasswordScreen Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    PasswordScreen Button { margin-left: 2; }
    """

    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), tooltip=N_("Close without a password"), id="password.cancel"),
    ]

    def __init__(self, user: str, dsn: str, password_env: str, why: str) -> None:
        super().__init__()
        self.user, self.dsn, self.password_env, self.why = user, dsn, password_env, why

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(_("Password for {user}@{dsn}").format(user=self.user, dsn=self.dsn),
                        classes="title", markup=False)
            yield Static(Text(_("{why} needs the Oracle password, and ${variable} is not set. "
                                "It is kept in memory for this session.").format(
                                    why=self.why, variable=self.password_env)), classes="message")
            yield TextField(password=True, placeholder=_("(the Oracle password)"), id="password-field",
                            tooltip=_("The password of the Oracle user; enter to go on"))
            yield Toggle(_("Save it in the config file (plain text)"), compact=True, id="password-save",
                         tooltip=_("Off: this session only. On: written to the config file, readable by "
                                   "anyone who can read that file"))
            with Horizontal():
                yield Button(_("OK (enter)"), variant="primary", id="ok",
                             tooltip=_("Use this password and go on"))
                yield Button(_("Cancel (esc)"), id="cancel", tooltip=_("Close without a password"))

    def on_mount(self) -> None:
        self.query_one("#password-field").focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def action_ok(self) -> None:
        password = self.query_one("#password-field", Input).value
        if not password:
            self.notify(_("Type the password, or press escape to cancel."), title=_("Password"),
                        severity="warning")
            return
        self.dismiss((password, self.query_one("#password-save", Toggle).value))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
