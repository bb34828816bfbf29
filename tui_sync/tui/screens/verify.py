"""Verify results: per table OK / DIFFERS with the differences (DESIGN §9, issue 4).

The app runs `verify_table` for each chosen table on a thread worker; results
arrive as `VerifyResult` messages and land in `app.session.verify_results` (which the
Tables screen shows in its Verify column). This modal draws them as they come.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from ...i18n import N_, _

if TYPE_CHECKING:
    from ...services.verify_report import VerifyReport
    from ..app import TuiSyncApp

MAX_DIFFERENCES = 20  # per table in the dialog; the CLI's --json has them all


@dataclass
class VerifyOutcome:
    """What the UI knows of one table's verify: waiting, running, ok, differs or error."""

    table: str  # source table name
    status: str = "waiting"
    report: VerifyReport | None = None
    error: str | None = None

    @property
    def done(self) -> bool:
        return self.status in ("ok", "differs", "error")

    def cell(self) -> Text:
        """The Tables screen's Verify cell: a word that reads without colour."""
        word, style = {
            "waiting": ("…", "dim"),
            "running": ("…", "dim"),
            "ok": (N_("OK"), "green"),
            "differs": (N_("DIFFERS"), "bold red"),
            "error": (N_("error"), "red"),
        }[self.status]
        return Text(_(word) if word != "…" else word, style=style)

    def summary(self) -> str:
        """One line: 'OK: 20,000 rows match', 'DIFFERS: 4 difference(s), ...', 'error: ...'."""
        r = self.report
        if self.status == "ok" and r is not None:
            return _("OK: {rows} rows match the source").format(rows=f"{r.target_rows:,}")
        if self.status == "differs" and r is not None:
            rows = ("; " + _("{source} rows in the source, {target} in DuckDB").format(
                        source=f"{r.source_rows:,}", target=f"{r.target_rows:,}")
                    if r.source_rows != r.target_rows
                    else "; " + _("{rows} rows on both sides").format(rows=f"{r.target_rows:,}"))
            return _("DIFFERS: {count} difference(s)").format(count=len(r.differences)) + rows
        if self.status == "error":
            return _("error: {error}").format(error=self.error)
        return _("verifying…") if self.status == "running" else _("waiting")

    def renderable(self) -> RenderableType:
        """The dialog's block for this table: verdict, what was compared, the differences."""
        word, style = {"ok": (_("OK"), "bold green"), "differs": (_("DIFFERS"), "bold red"),
                       "error": (_("ERROR"), "bold red")}.get(self.status, ("…", "dim"))
        head = Text.assemble((word, style), "  ", (self.table, "bold"))
        r = self.report
        if r is None:
            head.append(f": {self.summary()}" if self.status != "error" else f": {self.error}")
            return head
        head.append(f" → {r.target}: {self.summary().split(': ', 1)[1]}")
        by = {"day": _("{count} day(s) of {column}"),
              "key_range": _("{count} key range(s) of {column}"),
              "whole": _("the whole table")}.get(r.partition_by, r.partition_by).format(
                  count=r.partitions, column=r.partition_column)
        sums = ", ".join(r.columns) if r.columns else _("no numeric columns")
        # what the check could see: content of N columns, or --quick's counts and sums only
        content = (_("content of {count} column(s)").format(count=len(r.content_columns)) if r.content
                   else _("counts and sums only"))
        unchecked = ("; " + _("not content-checked: {columns}").format(columns=", ".join(r.unchecked))
                     if r.unchecked else "")
        how = Text(_("compared by {by}; sums of {sums}; {content}").format(by=by, sums=sums, content=content)
                   + unchecked, style="dim")
        if not r.differences:
            return Group(head, how)
        table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold", expand=False)
        table.add_column(_("partition"), overflow="fold")
        table.add_column(_("column"), overflow="fold")
        table.add_column(_("source"), justify="right", overflow="fold")
        table.add_column("DuckDB", justify="right", overflow="fold")
        for d in r.differences[:MAX_DIFFERENCES]:
            table.add_row(d.partition, d.column, _value(d.source), _value(d.target))
        parts: list[RenderableType] = [head, how, table]
        if len(r.differences) > MAX_DIFFERENCES:
            parts.append(Text(_("… and {count} more (tui-sync verify {table} --json lists them all)").format(
                count=len(r.differences) - MAX_DIFFERENCES, table=self.table), style="dim"))
        return Group(*parts)


def _value(v: object) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


class VerifyScreen(ModalScreen[None]):
    """Per table OK / DIFFERS and the differences; `r` verifies the same tables again."""

    DEFAULT_CSS = """
    VerifyScreen { align: center middle; }
    VerifyScreen > Vertical {
        width: 100; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    VerifyScreen .title { text-style: bold; margin-bottom: 1; }
    VerifyScreen #verify-results { height: auto; max-height: 30; }
    VerifyScreen .verify-table { height: auto; margin-bottom: 1; }
    VerifyScreen .verify-body { color: $text-muted; }
    VerifyScreen Horizontal { height: auto; align-horizontal: right; }
    VerifyScreen Button { margin-left: 2; }
    """

    BINDINGS = [
        Binding("escape,enter,q", "close", N_("Close"), id="verify.close"),
        Binding("r", "again", N_("Verify again"), id="verify.again"),
    ]

    def __init__(self, tables: list[str]) -> None:
        super().__init__()
        self.tables = list(tables)

    @property
    def tui(self) -> TuiSyncApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("", classes="title", id="verify-title")
            yield VerticalScroll(id="verify-results")
            with Horizontal():
                yield Button(_("Verify again (r)"), id="again", tooltip=_("Compare the same tables again"))
                yield Button(_("Close (enter)"), variant="primary", id="close", tooltip=_("Close the results"))

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()
        self.refresh_results()

    def reset(self, tables: list[str]) -> None:
        """A new verify (of these tables) started while the dialog is open."""
        self.tables = list(tables)
        self.refresh_results()

    def refresh_results(self) -> None:
        if not self.is_mounted:
            return
        outcomes = [self.tui.session.verify_results.get(t) or VerifyOutcome(t) for t in self.tables]
        done = sum(o.done for o in outcomes)
        if done < len(outcomes):
            title = _("Verifying {count} table(s): {done} done…").format(count=len(outcomes), done=done)
        else:
            bad = sum(o.status != "ok" for o in outcomes)
            title = (_("Verified {count} table(s): ").format(count=len(outcomes))
                     + (_("all match the source") if not bad
                        else _("{bad} with problems").format(bad=bad)))
        self.query_one("#verify-title", Label).update(title)
        box = self.query_one("#verify-results", VerticalScroll)
        blocks = list(box.query(".verify-table").results(Static))
        if len(blocks) != len(outcomes):
            box.remove_children()
            blocks = [Static(classes="verify-table") for _ in outcomes]
            box.mount_all(blocks)
        for block, outcome in zip(blocks, outcomes, strict=True):
            block.update(outcome.renderable())

    def text(self) -> str:
        """What the dialog shows, as plain text (tests read it)."""
        from rich.console import Console

        console = Console(width=200, no_color=True, record=True, file=io.StringIO())
        console.print(self.query_one("#verify-title", Label).render())
        for name in self.tables:
            outcome = self.tui.session.verify_results.get(name) or VerifyOutcome(name)
            console.print(outcome.renderable())
        return console.export_text()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#again")
    def action_again(self) -> None:
        self.tui.start_verify(self.tables)
