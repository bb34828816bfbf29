"""Connection screen: source and target settings, a session password, Check and Save.

"Check" runs the same doctor as `tui-sync doctor` (connection steps, rights, the
configured tables, the type round trip) on a thread and lists its steps as they
finish; the line above the list sums it up (OK: version · mode, or the first failure).

The password typed here lives in memory for this session only. It is written to
the config file only when the user ticks "Save password" and confirms a warning.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from ...config import SOURCE_KINDS, Config, SourceConfig
from ...config.write import save_source
from ...errors import ConfigError, one_line
from ..messages import ConnectionTested, DoctorStepDone
from .base import AppScreen
from .dialogs import ConfirmScreen

# (field id, label, placeholder, shown for which kinds)
_FIELDS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("dsn", "DSN", "host:1521/SERVICE or a tnsnames alias", ("oracle",)),
    ("user", "User", "SCOTT", ("oracle",)),
    ("password", "Password", "this session only; or set the variable below", ("oracle",)),
    ("password_env", "Password env", "TUI_SYNC_ORACLE_PASSWORD", ("oracle",)),
    ("lib_dir", "Client lib dir", "Oracle Instant Client folder (thick mode)", ("oracle",)),
    ("config_dir", "Config dir", "folder with tnsnames.ora / sqlnet.ora", ("oracle",)),
    ("path", "SQLite file", "path to the .sqlite file", ("sqlite",)),
)


class ConnectionScreen(AppScreen):
    MODE = "connection"
    AUTO_FOCUS = "#kind"

    BINDINGS = [
        Binding("ctrl+t", "test_connection", "Check", tooltip="Check connection, rights, tables and types "
                "(the doctor, in the background)", id="connection.test"),
        Binding("ctrl+s", "save", "Save", tooltip="Write [source] and [target] into the config file",
                id="connection.save"),
    ]

    def compose_body(self) -> ComposeResult:
        src = self.tui.session.config.source
        with VerticalScroll(id="connection-form", classes="form"):
            yield Static(id="config-file", classes="hint")
            with Horizontal(classes="field"):
                yield Label("Source kind", classes="field-label")
                yield Select([("Oracle", "oracle"), ("SQLite file", "sqlite")], value=src.kind,
                             allow_blank=False, compact=True, id="kind")
            with Horizontal(classes="field oracle-only"):
                yield Label("Client mode", classes="field-label")
                yield Select([("thin (no client needed)", "thin"),
                              ("thick (Instant Client; Oracle 11.2)", "thick")],
                             value=src.mode, allow_blank=False, compact=True, id="mode")
            for key, label, placeholder, kinds in _FIELDS:
                classes = "field " + " ".join(f"{k}-only" for k in kinds)
                with Horizontal(classes=classes):
                    yield Label(label, classes="field-label")
                    yield Input(placeholder=placeholder, compact=True, id=key,
                                password=key == "password")
            with Horizontal(classes="field oracle-only"):
                yield Label("", classes="field-label")
                yield Checkbox("Save password in the config file (plain text)", compact=True,
                               id="save-password")
            with Horizontal(classes="field"):
                yield Label("DuckDB target", classes="field-label")
                yield Input(placeholder="data/sync.duckdb (relative to the config file)",
                            compact=True, id="target")
            with Horizontal(classes="buttons"):
                yield Button("Check (^t)", id="test", compact=True)
                yield Button("Save (^s)", id="save", variant="primary", compact=True)
            yield Static("", id="test-result", classes="result")
            yield Static("", id="check-steps", markup=False)

    def on_mount(self) -> None:
        self.load_fields()

    def config_changed(self) -> None:
        self.load_fields()

    def load_fields(self) -> None:
        """Fill the form from the app's config (the password only from this session)."""
        cfg = self.tui.session.config
        src = cfg.source
        self.query_one("#config-file", Static).update(
            f"Config file: {self.tui.session.config_path}"
            + ("" if self.tui.session.config_ok else "  (not loaded: fix the settings and save)"))
        self.query_one("#kind", Select).value = src.kind
        self.query_one("#mode", Select).value = src.mode
        for key, *_ in _FIELDS:
            value = (self.tui.session.password or "") if key == "password" else (getattr(src, key) or "")
            self.query_one(f"#{key}", Input).value = value
        password = self.query_one("#password", Input)
        if self.tui.session.password is None and src.password:
            password.placeholder = "saved in the config file (type to use another this session)"
        self.query_one("#target", Input).value = (
            (cfg.target.catalog if cfg.target.kind == "ducklake" else cfg.target.path)
            if self.tui.session.config_ok else "")
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

    def form_source(self) -> tuple[SourceConfig, str]:
        """The source settings as typed (not saved) and the target path."""
        values = {key: self.query_one(f"#{key}", Input).value.strip() for key, *_ in _FIELDS}
        password = values.pop("password") or None
        src = replace(self.tui.session.config.source, kind=str(self.query_one("#kind", Select).value),
                      mode=str(self.query_one("#mode", Select).value), **values)
        src.password = password
        return src, self.query_one("#target", Input).value.strip()

    # -- check (the doctor) -------------------------------------------------------------------
    @on(Button.Pressed, "#test")
    def action_test_connection(self) -> None:
        src, target = self.form_source()
        result = self.query_one("#test-result", Static)
        result.set_classes("result -pending")
        result.update("Checking…")
        self._steps: list[Any] = []
        self.query_one("#check-steps", Static).update("")
        current = self.tui.session.config
        if current.target.kind == "ducklake":  # the field holds the lake's catalog
            config = replace(current, source=src,
                             target=replace(current.target, catalog=target or current.target.catalog))
        else:
            config = replace(current, source=src,
                             target=replace(current.target, path=target or current.target.path))
        self.tui.run_in_thread(partial(self._check_worker, config), group="connection-test",
                               description="Checking the connection (doctor)")

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
            self.post_message(ConnectionTested(None, first.detail if first else "the check did not connect"))

    @on(DoctorStepDone)
    def _step_done(self, message: DoctorStepDone) -> None:
        from ...doctor import render_step

        self._steps = [*getattr(self, "_steps", []), message.step]
        self.query_one("#check-steps", Static).update("\n".join(render_step(s) for s in self._steps))

    @on(ConnectionTested)
    def _tested(self, message: ConnectionTested) -> None:
        result = self.query_one("#test-result", Static)
        if message.info is not None:
            info = message.info
            mode = {"thin": "thin mode", "thick": "thick mode"}.get(info.mode, info.mode)
            failures = getattr(message, "failures", 0)
            result.set_classes("result -ok" if not failures else "result -error")
            result.update(f"OK: {info.version} · {mode}"
                          + (f" · {failures} check(s) failed, see below" if failures else ""))
        else:
            result.set_classes("result -error")
            result.update(f"FAILED: {message.error}")

    # -- save ------------------------------------------------------------------------------
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        src, target = self.form_source()
        save_password = self.query_one("#save-password", Checkbox).value and src.needs_password
        if not save_password:
            self._save(src, target, False)
            return
        if not src.password:
            self.tui.show_error("Save", "Type the password first, or untick \"Save password\".")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._save(src, target, True)

        self.app.push_screen(ConfirmScreen(
            "Save the password in plain text?",
            f"Anyone who can read {self.tui.session.config_path} will see it. The safer way is the "
            f"environment variable {src.password_env or 'TUI_SYNC_ORACLE_PASSWORD'}, or typing it "
            "here each session.", yes="Save it anyway", no="Don't save it"), answered)

    def _save(self, src: SourceConfig, target: str, save_password: bool) -> None:
        try:
            config = save_source(self.tui.session.config_path, src, target, save_password=save_password)
        except ConfigError as exc:
            self.tui.show_error("Save", str(exc))
            return
        self.tui.set_config(config)
        self.notify(f"Saved {self.tui.session.config_path}" + (" (with the password)" if save_password else ""),
                    title="Connection")
