"""The per-table settings form, with the type plan and its warnings.

Target, primary key, cursor (DATE/TIMESTAMP columns suggested first), lookback,
filter and schedule. Values are checked with the config's own parsers and
against the source's columns, then written with `config.write.save_table`; the
form returns the reloaded config.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, Select, Static

from ...config import Config, TableConfig, parse_cron, parse_lookback, parse_name_list
from ...config.write import save_table
from ...engine import PlanReport
from ...errors import ConfigError
from ...i18n import N_, _
from ...sources.base import TableDescription
from ..messages import PlanLoaded
from ..widgets.fields import TextField
from .plan import read_plan

if TYPE_CHECKING:
    from ..app import TuiSyncApp

_TIME_TYPES = ("DATE", "TIMESTAMP")
_NUMBER_TYPES = ("NUMBER", "FLOAT", "BINARY_FLOAT", "BINARY_DOUBLE")
_TEXT_TYPES = ("CHAR", "NCHAR", "VARCHAR2", "NVARCHAR2", "VARCHAR")

# (id, label, placeholder)
_INPUTS: tuple[tuple[str, str, str], ...] = (
    ("target", N_("Target table"), ""),
    ("primary_key", N_("Primary key"), N_("(comma list; empty: the source's key)")),
    ("lookback", N_("Lookback"), N_("e.g. 10 minutes (DATE/TIMESTAMP cursor) or 100 (NUMBER)")),
    ("where", N_("Filter (SQL)"), N_("e.g. FACTORY = 'F1' (trusted SQL in the source's dialect)")),
    ("schedule", N_("Schedule (cron)"), N_("e.g. 0 2 * * * (empty: no schedule)")),
)
_TIPS = {
    "target": N_("The DuckDB table the rows go into (empty: the source table's name; SCHEMA.TABLE "
                 "puts it in that schema)"),
    "primary_key": N_("Columns that identify a row; incremental syncs update rows by it"),
    "lookback": N_("Incremental syncs read again this far behind the last cursor value (late commits)"),
    "where": N_("A WHERE condition sent to the source as written: only matching rows are synced"),
    "schedule": N_("When the app syncs this table by itself, as a cron line (minute hour day month weekday)"),
}


def cursor_kind(data_type: str) -> str | None:
    """'time', 'number' or 'text' for a column that can be a cursor, else None."""
    t = data_type.upper()
    if t.startswith(_TIME_TYPES):
        return "time"
    if t in _NUMBER_TYPES:
        return "number"
    if t in _TEXT_TYPES:
        return "text"
    return None


def cursor_options(desc: TableDescription) -> list[tuple[str, str]]:
    """Select options: DATE/TIMESTAMP columns first (suggested), then numbers, then text."""
    order = {"time": 0, "number": 1, "text": 2}
    eligible = [(order[k], c.position, c) for c in desc.columns
                if (k := cursor_kind(c.data_type)) is not None]
    options = []
    for rank, _pos, col in sorted(eligible, key=lambda e: (e[0], e[1])):
        tag = "  ★ " + _("suggested") if rank == 0 else ""
        options.append((f"{col.name}  {col.data_type}{tag}", col.name))
    return options


def lookback_text(value: timedelta | Decimal | None) -> str:
    """A lookback as config text; the loaded config keeps no original text, so whole units."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(value)
    secs = value.total_seconds()
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if secs and secs % size == 0:
            n = int(secs // size)
            return f"{n} {unit[:-1] if n == 1 else unit}"
    return f"{secs:g} seconds"


class TableSettingsScreen(ModalScreen[Config | None]):
    """Edit one table's section of the config; dismisses with the reloaded config."""

    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), tooltip=N_("Check and write the settings"), id="settings.save"),
        Binding("escape", "cancel", N_("Cancel"), tooltip=N_("Close without saving"), id="settings.cancel"),
    ]

    DEFAULT_CSS = """
    TableSettingsScreen { align: center middle; }
    TableSettingsScreen > Vertical {
        width: 100; max-width: 100%; height: 100%; max-height: 40;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    TableSettingsScreen .title { text-style: bold; height: 1; }
    TableSettingsScreen .field { height: auto; }
    TableSettingsScreen .field-label { width: 16; height: 1; }
    TableSettingsScreen .field Input, TableSettingsScreen .field Select { width: 1fr; }
    TableSettingsScreen .field-error { color: $error; height: auto; padding-left: 16; }
    TableSettingsScreen .field-error:disabled, TableSettingsScreen .field-error.-empty { display: none; }
    TableSettingsScreen #plan-title { text-style: bold; margin-top: 1; height: 1; }
    TableSettingsScreen #plan-table { height: auto; max-height: 12; }
    TableSettingsScreen #plan-warnings { height: auto; color: $warning; }
    TableSettingsScreen #form-status { height: auto; }
    TableSettingsScreen .buttons { height: auto; align-horizontal: right; }
    TableSettingsScreen .buttons Button { margin-left: 2; }
    """

    def __init__(self, table: str, report: PlanReport | None = None) -> None:
        super().__init__()
        self.table = table
        self.report = report
        self.plan_error: str | None = None
        self.initial: dict[str, str] = {}  # the values the form opened with

    @property
    def _config(self) -> Config:
        return self.app.session.config  # type: ignore[attr-defined, no-any-return]

    def compose(self) -> ComposeResult:
        tc = self._config.table(self.table)
        with Vertical():
            yield Label(_("Settings of {table}").format(table=self.table), classes="title")
            with VerticalScroll(id="settings-body"):
                values = {"target": tc.target, "primary_key": ", ".join(tc.primary_key),
                          "lookback": lookback_text(tc.lookback), "where": tc.where,
                          "schedule": tc.schedule}
                self.initial = dict(values, cursor=tc.cursor)
                for key, label, placeholder in _INPUTS:
                    with Horizontal(classes="field"):
                        yield Label(_(label), classes="field-label")
                        default = TableConfig(source_table=self.table).target_name()
                        hint = _(placeholder) if placeholder else _("(empty: {default})").format(default=default)
                        yield TextField(values[key], placeholder=hint, compact=True, id=key,
                                        tooltip=_(_TIPS[key]))
                    yield Static("", id=f"{key}-error", classes="field-error -empty")
                    if key == "primary_key":
                        with Horizontal(classes="field"):
                            yield Label(_("Cursor column"), classes="field-label")
                            options = [(tc.cursor, tc.cursor)] if tc.cursor else []
                            yield Select(options, value=tc.cursor or Select.NULL, compact=True,
                                         tooltip=_("The column that grows with new rows (a DATE/TIMESTAMP or "
                                                   "number): incremental syncs read rows after its last value"),
                                         prompt=_("(none: full syncs only)"), id="cursor")
                        yield Static("", id="cursor-error", classes="field-error -empty")
                yield Label(_("Type plan"), id="plan-title")
                yield Static(_("Reading the table's columns…"), id="plan-status")
                plan_table = DataTable[object](id="plan-table", cursor_type="row", zebra_stripes=True)
                plan_table.add_columns(_("Column"), _("Source type"), _("DuckDB type"), _("Note"))
                yield plan_table
                yield Static("", id="plan-warnings")
            yield Static("", id="form-status")
            with Horizontal(classes="buttons"):
                yield Button(_("Save (^s)"), variant="primary", id="save", compact=True,
                             tooltip=_("Check the settings and write them into the config file"))
                yield Button(_("Cancel (esc)"), id="cancel", compact=True, tooltip=_("Close without saving"))

    def on_mount(self) -> None:
        self.query_one("#target", Input).focus()
        if self.report is not None:
            self._show_plan(self.report)
        else:
            app: TuiSyncApp = self.app  # type: ignore[assignment]
            app.run_in_thread(partial(read_plan, self, self._config, self.table), group="settings-plan",
                              description=_("Reading the type plan"))

    @on(PlanLoaded)
    def _plan_loaded(self, message: PlanLoaded) -> None:
        message.stop()
        if message.report is not None:
            self.report = message.report
            self._show_plan(message.report)
        else:
            self.plan_error = message.error
            self.query_one("#plan-status", Static).update(
                Text(_("Could not read the table: {error}").format(error=message.error)))

    def _show_plan(self, report: PlanReport) -> None:
        desc = report.description
        pk = ", ".join(desc.primary_key) or _("none")
        self.query_one("#plan-status", Static).update(
            _("{columns} columns · source primary key: {key} · est. rows: {rows}").format(
                columns=len(desc.columns), key=pk,
                rows=desc.info.estimated_rows if desc.info.estimated_rows is not None else "?"))
        if not self.query_one("#primary_key", Input).value:
            self.query_one("#primary_key", Input).placeholder = (
                _("(empty: the source's key, {key})").format(key=pk) if desc.primary_key
                else _("(comma list of columns)"))
        select = self.query_one("#cursor", Select)
        current = select.value
        options = cursor_options(desc)
        select.set_options(options)
        names = {value for _label, value in options}
        if isinstance(current, str) and current in names:
            select.value = current
        table = self.query_one("#plan-table", DataTable)
        table.clear()
        for cp in report.plan.columns:
            src = cp.source
            stype = src.declared()  # as `tui-sync plan` shows it: VARCHAR2(20), NUMBER(12,3), TIMESTAMP(6)
            note = _("skipped") if cp.skipped else (_("override") if cp.overridden else "")
            if cp.warning:
                note = (note + ": " if note else "") + cp.warning
            table.add_row(src.name, stype, cp.duckdb_type or "-", note)
        warnings = report.warnings
        self.query_one("#plan-warnings", Static).update(
            Text("\n".join(_("warning: {warning}").format(warning=w) for w in warnings)) if warnings
            else _("No warnings."))

    # -- save ------------------------------------------------------------------------------
    def _set_error(self, key: str, message: str) -> None:
        widget = self.query_one(f"#{key}-error", Static)
        widget.update(Text(message))
        widget.set_class(not message, "-empty")

    def validate(self) -> dict[str, str] | None:
        """The values to save, or None after showing what is wrong under each field."""
        values = {key: self.query_one(f"#{key}", Input).value.strip() for key, *_rest in _INPUTS}
        cursor_value = self.query_one("#cursor", Select).value
        values["cursor"] = cursor_value if isinstance(cursor_value, str) else ""
        errors: dict[str, str] = {}
        desc = self.report.description if self.report is not None else None
        if values["primary_key"]:
            try:
                names = parse_name_list(values["primary_key"])
            except ValueError as exc:
                errors["primary_key"] = str(exc)
            else:
                if desc is not None:
                    missing = [n for n in names if not self._has_column(desc, n)]
                    if missing:
                        errors["primary_key"] = _("not a column of {table}: {columns}").format(
                            table=self.table, columns=", ".join(missing))
        cursor_type: str | None = None
        if values["cursor"] and desc is not None:
            if not self._has_column(desc, values["cursor"]):
                errors["cursor"] = _("not a column of {table}: {columns}").format(
                    table=self.table, columns=values["cursor"])
            else:
                cursor_type = cursor_kind(desc.column(values["cursor"]).data_type)
        if values["lookback"]:
            try:
                lookback = parse_lookback(values["lookback"])
            except ValueError as exc:
                errors["lookback"] = str(exc)
            else:
                if not values["cursor"]:
                    errors["lookback"] = _("a lookback needs a cursor column")
                elif cursor_type == "time" and isinstance(lookback, Decimal) and lookback != 0:
                    errors["lookback"] = _("the cursor is a DATE/TIMESTAMP: give a unit "
                                           "(like '{lookback} minutes')").format(lookback=lookback)
                elif cursor_type == "number" and isinstance(lookback, timedelta):
                    errors["lookback"] = _("the cursor is a NUMBER: give a plain number")
        if values["schedule"]:
            try:
                values["schedule"] = parse_cron(values["schedule"])
            except ValueError as exc:
                errors["schedule"] = str(exc)
        for key in ("target", "primary_key", "cursor", "lookback", "where", "schedule"):
            self._set_error(key, errors.get(key, ""))
        status = self.query_one("#form-status", Static)
        if errors:
            status.update(Text(_("Not saved: {count} field(s) to fix.").format(count=len(errors)), style="bold"))
            first = next(k for k in ("target", "primary_key", "cursor", "lookback", "where", "schedule")
                         if k in errors)
            self.query_one(f"#{first}").focus()
            return None
        status.update("")
        return values

    @staticmethod
    def _has_column(desc: TableDescription, name: str) -> bool:
        try:
            desc.column(name)
        except KeyError:
            return False
        return True

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        values = self.validate()
        if values is None:
            return
        # Only what the user changed is written: untouched lines stay exactly as they were.
        values = {k: v for k, v in values.items() if v != self.initial.get(k, "")}
        if not values:
            self.notify(_("Nothing changed."), title=_("Table settings"))
            self.dismiss(None)
            return
        path: Path | None = self._config.path
        if path is None:
            self.query_one("#form-status", Static).update(_("There is no config file to save into."))
            return
        try:
            config = save_table(path, self.table, values)
        except ConfigError as exc:
            self.query_one("#form-status", Static).update(Text(_("Not saved: {error}").format(error=exc)))
            return
        self.dismiss(config)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
