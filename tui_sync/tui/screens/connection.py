"""Connection screen: source and target settings, a session password, Check and Save.

"Check" runs the same doctor as `tui-sync doctor` (connection steps, rights, the
configured tables, the type round trip) on a thread and lists its steps as they
finish; the line above the list sums it up (OK: version · mode, or the first failure).

The password typed here lives in memory for this session only. It is written to
the config file only when the user ticks "Save password" and confirms a warning.
A check without one asks for it in the app's password dialog; a check with empty
required fields names them; a result is cleared as soon as the form differs from
what was checked. Without a config file (a first start) the fields start empty
and Save creates the file.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.markup import escape
from textual.widgets import Button, Input, Label, Select, Static

from ...config import DEFAULT_PASSWORD_ENV, SOURCE_KINDS, Config, SourceConfig
from ...config.write import save_source
from ...errors import ConfigError, one_line
from ...i18n import N_, _
from ..messages import ConnectionTested, DoctorStepDone
from ..widgets.fields import TextField
from ..widgets.toggles import Toggle
from .base import AppScreen
from .dialogs import ConfirmScreen

# (field id, label, placeholder, shown for which kinds, tooltip). Placeholders are hints that
# cannot pass for values ("e.g. ...", "(...)"): under NO_COLOR they look like typed text.
# Marked with N_() and translated where shown (placeholders name {variable}: the default one).
_FIELDS: tuple[tuple[str, str, str, tuple[str, ...], str], ...] = (
    ("dsn", N_("DSN"), N_("e.g. dbhost:1521/ORCLPDB1, or a tnsnames alias"), ("oracle",),
     N_("Easy Connect (host:port/service) or an alias from tnsnames.ora")),
    ("user", N_("User"), N_("e.g. SCOTT (your Oracle user name)"), ("oracle",),
     N_("The Oracle user the sync reads as")),
    ("password", N_("Password"), N_("(this session only; or set the variable below)"), ("oracle",),
     N_("Kept in memory for this session; written to the file only with \"Save password\"")),
    ("password_env", N_("Password env"), N_("(empty: {variable})"), ("oracle",),
     N_("The environment variable that holds the password (for cron and the CLI)")),
    ("lib_dir", N_("Client lib dir"), N_("(thick mode: the Instant Client folder)"), ("oracle",),
     N_("Oracle Instant Client folder; thick mode only (Oracle 11.2)")),
    ("config_dir", N_("Config dir"), N_("(folder with tnsnames.ora / sqlnet.ora)"), ("oracle",),
     N_("Where tnsnames.ora and sqlnet.ora are; empty: the usual places")),
    ("path", N_("SQLite file"), N_("e.g. data/source.sqlite (the .sqlite file)"), ("sqlite",),
     N_("The SQLite database file to read (relative to the config file)")),
)
_REQUIRED = {"oracle": ("dsn", "user"), "sqlite": ("path",)}  # Check names the empty ones
_LABELS = {key: label for key, label, *_rest in _FIELDS}


SECTIONS = escape("[source] and [target]")  # tooltips and the palette read markup
# SECTIONS written out (the extractor needs a literal): tooltips read markup.
SAVE_TIP = N_("Write \\[source] and \\[target] into the config file")
# The language select: each language in its own words; "" leaves it to the locale.
LANGUAGE_LABEL = "Language / 언어"  # both words, so either reader finds it


class ConnectionScreen(AppScreen):
    MODE = "connection"
    AUTO_FOCUS = "#kind"

    BINDINGS = [
        Binding("ctrl+t", "test_connection", N_("Check"), tooltip=N_("Check connection, rights, tables and types "
                "(the doctor, in the background)"), id="connection.test"),
        Binding("ctrl+s", "save", N_("Save"), tooltip=SAVE_TIP, id="connection.save"),
    ]

    def compose_body(self) -> ComposeResult:
        src = self.tui.session.config.source
        with VerticalScroll(id="connection-form", classes="form"):
            yield Static(id="config-file", classes="hint")
            with Horizontal(classes="field"):
                yield Label(_("Source kind"), classes="field-label")
                yield Select([("Oracle", "oracle"), (_("SQLite file"), "sqlite")], value=src.kind,
                             allow_blank=False, compact=True, id="kind",
                             tooltip=_("What to read from: an Oracle database or a SQLite file"))
            with Horizontal(classes="field oracle-only"):
                yield Label(_("Client mode"), classes="field-label")
                yield Select([(_("thin (no client needed)"), "thin"),
                              (_("thick (Instant Client; Oracle 11.2)"), "thick")],
                             value=src.mode, allow_blank=False, compact=True, id="mode",
                             tooltip=_("thin needs nothing installed; thick uses the Oracle Instant Client "
                                       "(needed for Oracle 11.2)"))
            for key, label, placeholder, kinds, tip in _FIELDS:
                classes = "field " + " ".join(f"{k}-only" for k in kinds)
                with Horizontal(classes=classes):
                    yield Label(_(label), classes="field-label")
                    yield TextField(placeholder=_(placeholder).format(variable=DEFAULT_PASSWORD_ENV),
                                    compact=True, id=key, tooltip=_(tip), password=key == "password")
            with Horizontal(classes="field oracle-only"):
                yield Label("", classes="field-label")
                yield Toggle(_("Save password in the config file (plain text)"), compact=True,
                             id="save-password", tooltip=_("Off: the password is kept for this session "
                             "only. On: written to the config file in plain text (asks first)"))
            with Horizontal(classes="field"):
                yield Label(_("DuckDB target"), classes="field-label")
                yield TextField(placeholder=_("e.g. data/sync.duckdb (relative to the config file)"),
                                compact=True, id="target",
                                tooltip=_("The DuckDB file the tables are copied into"))
            with Horizontal(classes="field", id="lang-field"):
                yield Label(LANGUAGE_LABEL, classes="field-label")
                yield Select([(_("Automatic (the locale)"), ""), ("English", "en"), ("한국어", "ko")],
                             value=self.tui.session.config.ui.lang or "", allow_blank=False,
                             compact=True, id="ui-lang",
                             tooltip=_("The language of the screens, saved as [ui] lang with Save; "
                                       "applied at the next start"))
            yield Static(_("Language: saved with Save, applied at the next start."), id="lang-hint",
                         classes="hint")
            with Horizontal(classes="buttons"):
                yield Button(_("Check (^t)"), id="test", compact=True, tooltip=_("Check the connection, rights, "
                             "tables and types (the doctor, in the background)"))
                yield Button(_("Save (^s)"), id="save", variant="primary", compact=True,
                             tooltip=_(SAVE_TIP))
            yield Static("", id="test-result", classes="result")
            yield Static("", id="check-steps", markup=False)

    _checked: tuple[str, ...] | None = None  # the form as the shown check result saw it
    _lang_loaded = ""  # the language select as loaded: unchanged, Save leaves [ui] alone

    def on_mount(self) -> None:
        self.load_fields()

    def config_changed(self) -> None:
        self.load_fields()

    def load_fields(self) -> None:
        """Fill the form from the app's config (the password only from this session).

        Without a loaded config the fields stay empty: the defaults show as hints only.
        """
        session = self.tui.session
        cfg = session.config
        src = cfg.source
        if session.config_ok:
            note = ""
        elif not session.config_path.exists():
            note = "  " + _("(no config file yet: fill in the fields and save to create it)")
        else:
            note = "  " + _("(not loaded: fix the settings and save)")
        self.query_one("#config-file", Static).update(
            Text(_("Config file: {path}").format(path=session.config_path) + note))
        self.query_one("#kind", Select).value = src.kind
        self.query_one("#mode", Select).value = src.mode
        for key, *_rest in _FIELDS:
            if key == "password":
                value = session.password or ""
            else:
                value = (getattr(src, key) or "") if session.config_ok else ""
            self.query_one(f"#{key}", Input).value = value
        password = self.query_one("#password", Input)
        if session.password is None and src.password:
            password.placeholder = _("(saved in the config file; type to use another this session)")
        self.query_one("#target", Input).value = (
            (cfg.target.catalog if cfg.target.kind == "ducklake" else cfg.target.path)
            if session.config_ok else "")
        self._lang_loaded = cfg.ui.lang or ""
        self.query_one("#ui-lang", Select).value = self._lang_loaded
        self._show_kind(src.kind)

    @on(Select.Changed, "#kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        self._show_kind(str(event.value))

    def _show_kind(self, kind: str) -> None:
        form = self.query_one("#connection-form")
        shown = SourceConfig(kind=kind).spec.name  # an unknown kind shows as the default one
        for name in SOURCE_KINDS:
            form.set_class(name == shown, f"-{name}")

    @on(Input.Changed, "#password")
    def _password_changed(self, event: Input.Changed) -> None:
        # Session only: used by Test, syncs and previews of this run of the app.
        self.tui.set_session_password(event.value)

    @on(Input.Changed)
    @on(Select.Changed)
    def _form_changed(self) -> None:
        """A check's result describes the form as it was checked: once it differs, clear it."""
        if self._checked is not None and self._checked != self._form_key():
            self._checked = None
            self.query_one("#test-result", Static).set_classes("result")
            self.query_one("#test-result", Static).update("")
            self.query_one("#check-steps", Static).update("")

    def _form_key(self) -> tuple[str, ...]:
        return tuple(str(w.value) for w in self.query(".field Input, .field Select") if w.id != "ui-lang")

    def form_source(self) -> tuple[SourceConfig, str]:
        """The source settings as typed (not saved) and the target path."""
        values = {key: self.query_one(f"#{key}", Input).value.strip() for key, *_rest in _FIELDS}
        password = values.pop("password") or None
        current = self.tui.session.config.source
        src = replace(current, kind=str(self.query_one("#kind", Select).value),
                      mode=str(self.query_one("#mode", Select).value), **values)
        src.password = password or current.password  # an empty field: the saved one, if any
        return src, self.query_one("#target", Input).value.strip()

    def missing_fields(self, src: SourceConfig) -> list[str]:
        """Labels of the fields the source kind needs that are empty."""
        return [_(_LABELS[key]) for key in _REQUIRED.get(src.spec.name, ()) if not str(getattr(src, key) or "")]

    def set_password_field(self, password: str) -> None:
        """The password typed in the app's password dialog, shown (masked) here too."""
        self.query_one("#password", Input).value = password

    # -- check (the doctor) -------------------------------------------------------------------
    @on(Button.Pressed, "#test")
    def action_test_connection(self) -> None:
        src, target = self.form_source()
        result = self.query_one("#test-result", Static)
        self._steps: list[Any] = []
        self.query_one("#check-steps", Static).update("")
        self._checked = self._form_key()
        missing = self.missing_fields(src)
        if missing:  # say what to fill in, not what the driver makes of an empty user
            result.set_classes("result -error")
            result.update(Text(_("Fill in: {fields}").format(fields=", ".join(missing))))
            return
        if not self.tui.passwords.ensure(self.action_test_connection, src, why=_("The check")):
            result.set_classes("result")
            result.update("")
            return  # the password dialog is open; its answer runs the check
        result.set_classes("result -pending")
        result.update(_("Checking…"))
        current = self.tui.session.config
        if current.target.kind == "ducklake":  # the field holds the lake's catalog
            config = replace(current, source=src,
                             target=replace(current.target, catalog=target or current.target.catalog))
        else:
            config = replace(current, source=src,
                             target=replace(current.target, path=target or current.target.path))
        self.tui.run_in_thread(partial(self._check_worker, config), group="connection-test",
                               description=_("Checking the connection (doctor)"))

    action_check = action_test_connection

    def _check_worker(self, config: Config) -> None:
        """On a thread: run the doctor; posts each step, then ConnectionTested."""
        from ...doctor import StepStatus, run_doctor

        try:
            report = run_doctor(config, on_step=lambda step: self.post_message(DoctorStepDone(step)))
        except Exception as exc:  # noqa: BLE001 - the doctor reports failures as steps; belt and braces
            self.post_message(ConnectionTested(None, one_line(exc)))
            return
        failed = [s for s in report.steps if s.status == StepStatus.FAIL]
        info = report.server_info
        if info is not None and not any(s.group in ("connect", "source", "driver", "config") for s in failed):
            self.post_message(ConnectionTested(info, None, failures=len(failed)))
        else:
            first = failed[0] if failed else None
            self.post_message(ConnectionTested(None, first.detail if first else _("the check did not connect")))

    @on(DoctorStepDone)
    def _step_done(self, message: DoctorStepDone) -> None:
        from ...doctor import render_step

        if self._checked is None:
            return  # the form changed since this check started: its steps describe another one
        self._steps = [*getattr(self, "_steps", []), message.step]
        self.query_one("#check-steps", Static).update("\n".join(render_step(s) for s in self._steps))

    @on(ConnectionTested)
    def _tested(self, message: ConnectionTested) -> None:
        if self._checked is None:
            return  # the form changed since this check started
        result = self.query_one("#test-result", Static)
        if message.info is not None:
            info = message.info
            mode = {"thin": _("thin mode"), "thick": _("thick mode")}.get(info.mode, info.mode)
            failures = getattr(message, "failures", 0)
            result.set_classes("result -ok" if not failures else "result -error")
            result.update(_("OK: {version} · {mode}").format(version=info.version, mode=mode)
                          + (" · " + _("{failures} check(s) failed, see below").format(failures=failures)
                             if failures else ""))
        else:
            result.set_classes("result -error")
            result.update(Text(_("FAILED: {error}").format(error=message.error)))

    # -- save ------------------------------------------------------------------------------
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        src, target = self.form_source()
        save_password = self.query_one("#save-password", Toggle).value and src.needs_password
        if not save_password:
            self._save(src, target, False)
            return
        if not src.password:
            self.tui.show_error(_("Save"), _("Type the password first, or untick \"Save password\"."))
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._save(src, target, True)

        self.app.push_screen(ConfirmScreen(
            _("Save the password in plain text?"),
            _("Anyone who can read {path} will see it. The safer way is the "
              "environment variable {variable}, or typing it "
              "here each session.").format(path=self.tui.session.config_path,
                                           variable=src.password_env or "TUI_SYNC_ORACLE_PASSWORD"),
            yes=_("Save it anyway"), no=_("Don't save it")), answered)

    def _save(self, src: SourceConfig, target: str, save_password: bool) -> None:
        try:
            lang = str(self.query_one("#ui-lang", Select).value or "")
            # an unloaded config shows no language: Save keeps the file's [ui] unless it was changed
            config = save_source(self.tui.session.config_path, src, target, save_password=save_password,
                                 ui_lang=lang if lang != self._lang_loaded else None)
        except ConfigError as exc:
            self.tui.show_error(_("Save"), str(exc))
            return
        lang_before = self.tui.session.config.ui.lang
        self.tui.set_config(config)
        text = _("Saved {path}").format(path=self.tui.session.config_path)
        if save_password:
            text += " " + _("(with the password)")
        if config.ui.lang != lang_before:
            text += "\n" + _("The language changes at the next start.")
        self.notify(text, title=_("Connection"))
