"""Preview "as of run": pick one of a lake table's runs; the preview then reads the lake as that
run committed it (target/travel.py). A DuckDB file keeps only its latest state."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from ...cells import pad
from ...i18n import N_, _
from ...target.state import RunRecord
from ...words import mode_word

LATEST = "latest"


class AsOfRunScreen(ModalScreen[str | None]):
    """The runs that committed data (newest first) plus "latest"; answers a run_id, LATEST,
    or None (escape)."""

    DEFAULT_CSS = """
    AsOfRunScreen { align: center middle; }
    AsOfRunScreen > Vertical {
        width: 90; max-width: 100%; height: auto; max-height: 90%;
        border: thick $accent; background: $surface; padding: 1 2;
    }
    AsOfRunScreen OptionList { height: auto; max-height: 16; }
    """

    BINDINGS = [Binding("escape", "dismiss(None)", N_("Cancel"), id="as_of.cancel")]

    def __init__(self, table: str, runs: list[RunRecord]) -> None:
        super().__init__()
        self.table, self.runs = table, runs

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(_("Show {table} as of a run (enter picks, escape cancels)").format(table=self.table))
            options = [Option(_("latest: the lake as it is now"), id=LATEST)]
            for r in self.runs:
                options.append(Option(
                    f"{r.started_at:%Y-%m-%d %H:%M}  {pad(mode_word(r.mode), 11)} "
                    + _("{rows} rows  snapshot {snapshot}  run {run_id}").format(
                        rows=f"{r.rows or 0:>12,}", snapshot=r.snapshot_id, run_id=r.run_id), id=r.run_id))
            yield OptionList(*options, id="as-of-runs")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
