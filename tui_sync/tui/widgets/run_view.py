"""The widget that draws one table of a sync run: a `TableRun` of `tui_sync.progress`.

The app folds engine events into its `RunState` on the UI thread; the Progress
screen renders from it (so a run started while another screen is shown is
complete when you look) and asks each row to `update_view`.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, ProgressBar

from ...events import Phase, Status
from ...i18n import N_, _
from ...progress import TableRun, fmt_duration, fmt_rate, fmt_rows
from ...words import mode_word

_PHASE_STYLE = {
    Phase.DONE: "bold green",
    Phase.FAILED: "bold red",
    Phase.CANCELLED: "bold yellow",
    Phase.PAUSED: "bold yellow",
    Phase.RETRYING: "bold yellow",
}

# The words shown for a phase and a mode (the enum values stay English in logs and --json).
_PHASE_WORDS = {
    Phase.WAITING: N_("waiting"), Phase.QUEUED: N_("queued"), Phase.CONNECTING: N_("connecting"),
    Phase.PLANNING: N_("planning"), Phase.COUNTING: N_("counting"), Phase.READING: N_("reading"),
    Phase.PAUSED: N_("paused"), Phase.MERGING: N_("merging"), Phase.SWAPPING: N_("swapping"),
    Phase.RETRYING: N_("retrying"), Phase.DONE: N_("DONE"), Phase.FAILED: N_("FAILED"),
    Phase.CANCELLED: N_("CANCELLED"),
}


def phase_word(phase: Phase, finished: bool) -> str:
    """The phase as the Progress row shows it: upper case when final (readable without colour)."""
    word = _(_PHASE_WORDS.get(phase, phase.value))
    return word.upper() if finished else word


class TableProgressRow(Vertical):
    """Two lines for one table: name, mode and phase; bar, rows, rate, elapsed, ETA.

    The mode has its own cell, so a long table name is cut (…) before the mode is."""

    DEFAULT_CSS = """
    TableProgressRow {
        height: auto;
        padding: 0 1;
        margin-bottom: 1;
    }
    TableProgressRow Horizontal { height: 1; }
    TableProgressRow .title { width: 1fr; height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    TableProgressRow .mode { width: auto; height: 1; padding-left: 1; color: $text-muted; }
    TableProgressRow .timing { width: 26; height: 1; padding-left: 1; text-align: right; }
    TableProgressRow .phase { width: auto; min-width: 10; height: 1; padding-left: 1; }
    TableProgressRow ProgressBar { width: 28; height: 1; }
    TableProgressRow ProgressBar Bar { width: 1fr; }
    TableProgressRow .rows { width: 1fr; height: 1; padding-left: 1; }
    """

    def __init__(self, run: TableRun) -> None:
        super().__init__(classes="table-progress")
        self.run = run

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label(classes="title")
            yield Label(classes="mode")
            yield Label(classes="timing")
            yield Label(classes="phase")
        with Horizontal():
            yield ProgressBar(total=None, show_eta=False, show_percentage=True)
            yield Label(classes="rows")

    def on_mount(self) -> None:
        self.update_view()

    def update_view(self) -> None:
        if not self.is_attached or len(self.query(".title")) == 0:
            return  # being removed (a new run replaced the rows), or not composed yet
        run = self.run
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(run.source, style="bold")
        if run.target != run.source:
            title.append(f" → {run.target}")
        self.query_one(".title", Label).update(title)
        self.query_one(".mode", Label).update(mode_word(run.mode))
        timing = f"{fmt_rate(run.rows_per_s)}  {fmt_duration(run.elapsed_s)}"
        if run.phase == Phase.PAUSED:
            timing += "  " + _("ETA paused")  # the clock stops while paused: no frozen countdown
        elif not run.finished and run.eta_s is not None:
            timing += "  " + _("ETA {duration}").format(duration=fmt_duration(run.eta_s))
        self.query_one(".timing", Label).update(timing)
        # Upper case when final, so the outcome reads without colour too (NO_COLOR).
        phase = phase_word(Phase.QUEUED if run.queued and not run.finished else run.phase, run.finished)
        self.query_one(".phase", Label).update(Text(phase, style=_PHASE_STYLE.get(run.phase, "")))
        bar = self.query_one(ProgressBar)
        ok = run.result is not None and run.result.status == Status.OK
        if run.rows_expected:
            bar.update(total=max(run.rows_expected, run.rows_done), progress=run.rows_done)
        elif run.finished:
            bar.update(total=1, progress=1 if ok else 0)  # an empty table is done, not pending
        elif run.phase in (Phase.READING, Phase.COUNTING, Phase.MERGING, Phase.SWAPPING):
            bar.update(total=None)  # working on an unknown total: the bar pulses
        else:
            bar.update(total=1, progress=0)  # not started yet: an empty bar, not a busy one
        if run.queued and not run.rows_done and run.rows_expected is None:
            # Not started: what the source says it holds, not a "0 of ?" that reads as stuck.
            est = (_("rows not estimated") if run.estimate is None
                   else _("~{count} rows in the source").format(count=f"{run.estimate:,}"))
            rows = Text(est, no_wrap=True, overflow="ellipsis")
        else:
            rows = Text(_("{done} of {expected} rows").format(done=fmt_rows(run.rows_done),
                                                               expected=fmt_rows(run.rows_expected)),
                        no_wrap=True, overflow="ellipsis")
        if run.result is not None and run.result.error:
            rows.append(f"  {run.result.error}", style="red" if not ok else "")
        self.query_one(".rows", Label).update(rows)
