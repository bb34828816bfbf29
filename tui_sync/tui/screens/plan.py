"""The Plan view (Tables `p`): a table's column plan, warnings and SQL, as `tui-sync plan`
prints them (services.plan). Reading it describes the table at the source; nothing is written."""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer, Vertical
from textual.message_pump import MessagePump
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

from ...config import Config
from ...engine import Engine, PlanReport
from ...errors import one_line
from ...i18n import N_, _
from ...services.plan import plan_lines
from ..messages import PlanLoaded


def read_plan(poster: MessagePump, config: Config, name: str) -> None:
    """On a thread: describe the table and plan its types; posts PlanLoaded to `poster`
    (the Plan view, or the Tables screen's details panel). A failure is shown there, not
    raised: a plan is informative only."""
    try:
        report = Engine(config).plan(name)
    except Exception as exc:  # noqa: BLE001
        poster.post_message(PlanLoaded(name, None, one_line(exc)))
        return
    poster.post_message(PlanLoaded(name, report))


class PlanScreen(ModalScreen[None]):
    """Full screen, scrollable both ways (SQL lines are long); escape closes."""

    DEFAULT_CSS = """
    PlanScreen { align: center middle; }
    PlanScreen > Vertical { width: 100%; height: 100%; background: $surface; border: round $primary; }
    PlanScreen #plan-heading { height: 1; text-style: bold; padding: 0 1; }
    PlanScreen #plan-scroll { height: 1fr; padding: 0 1; }
    PlanScreen #plan-body { width: auto; }
    """

    BINDINGS = [
        Binding("escape,q,p", "close", N_("Close"), tooltip=N_("Back to the Tables screen"), id="plan.close"),
    ]

    def __init__(self, table: str, report: PlanReport | None = None) -> None:
        super().__init__()
        self.table = table
        self.report = report

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(_("Plan of {table}: columns, warnings and SQL (nothing is written)").format(
                table=self.table), id="plan-heading")
            with ScrollableContainer(id="plan-scroll", can_focus=True):
                yield Static(_("Reading the table at the source…"), id="plan-body")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#plan-scroll").focus()
        if self.report is not None:
            self._show(self.report)
            return
        config: Config = self.app.session.config  # type: ignore[attr-defined]
        self.app.run_in_thread(  # type: ignore[attr-defined]
            partial(read_plan, self, config, self.table), group="plan-view",
            description=_("Reading the type plan"))

    @on(PlanLoaded)
    def _loaded(self, message: PlanLoaded) -> None:
        message.stop()  # the Tables screen caches its own plans
        if message.report is not None:
            self.report = message.report
            self._show(message.report)
        else:
            self.query_one("#plan-body", Static).update(
                Text(_("Could not plan {table}: {error}").format(table=self.table, error=message.error)))

    def _show(self, report: PlanReport) -> None:
        self.query_one("#plan-body", Static).update(Text("\n".join(plan_lines(report)), no_wrap=True))

    def action_close(self) -> None:
        self.dismiss(None)
