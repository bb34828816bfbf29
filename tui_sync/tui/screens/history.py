"""History screen: past runs from tui_sync.runs, and per-table statistics.

`f` and `s` filter the runs by table and by status (each press shows the next table or
status found in the runs, then all again). The highlighted run's error is shown in full
width under the list, so it reads at 80 columns too.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Label, Static

from ...i18n import N_, _
from ...progress import fmt_duration, fmt_rate, window_words
from ...stats import TableStats, table_stats
from ...target.spec import target_spec
from ...target.state import RunRecord, read_runs
from ...words import mode_word, status_word
from ..messages import HistoryLoaded
from ..workers import wait_while_busy
from .base import AppScreen
from .dialogs import ErrorScreen
from .tables import local_time

_STATUSES = ("ok", "failed", "cancelled", "skipped", "running")
_MODE_SHORT = {"incremental": N_("incr")}  # the run list fits 80 columns
_STATUS_STYLE = {"ok": "green", "failed": "bold red", "cancelled": "yellow", "skipped": "yellow",
                 "running": "cyan"}


def _duration(run: RunRecord) -> float | None:
    if run.finished_at is None or run.started_at is None:
        return None
    return (run.finished_at - run.started_at).total_seconds()


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _next(choices: list[str], current: str | None) -> str | None:
    """The choice after `current`; after the last one, None (all)."""
    if current not in choices:
        return choices[0] if choices else None
    i = choices.index(current) + 1
    return choices[i] if i < len(choices) else None


def _reread_words(run: RunRecord) -> str:
    """An incremental's rows split into new ones and those its lookback window read again."""
    if not run.rows_reread or not run.rows:
        return ""
    return _("{new} new, {reread} re-read in the {window}").format(
        new=f"{max(run.rows - run.rows_reread, 0):,}", reread=f"{run.rows_reread:,}",
        window=window_words(run.note))


def _mode_short(mode: str) -> str:
    return _(_MODE_SHORT[mode]) if mode in _MODE_SHORT else mode_word(mode)


def _short_time(run: RunRecord) -> str:
    return local_time(run.started_at)[5:]  # "01-05 12:00": the year only costs width


class HistoryScreen(AppScreen):
    MODE = "history"
    AUTO_FOCUS = "#runs"

    BINDINGS = [
        Binding("f", "filter_table", N_("Table filter"), tooltip=N_("Show the runs of one table (again: the next; "
                "then all)"), id="history.filter.table"),
        Binding("s", "filter_status", N_("Status filter"), tooltip=N_("Show the runs of one status (ok, failed, "
                "cancelled, skipped; then all)"), id="history.filter.status"),
        Binding("r", "reload", N_("Reload"), tooltip=N_("Read tui_sync.runs again"), id="history.reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[RunRecord] = []
        self.stats: list[TableStats] = []
        self.table_filter: str | None = None
        self.status_filter: str | None = None

    def compose_body(self) -> ComposeResult:
        yield Label(_("Runs (newest first; enter shows a run's full error)"), classes="section-title",
                    id="runs-title")
        runs = DataTable[object](id="runs", cursor_type="row", zebra_stripes=True)
        runs.add_column(_("Started"), key="started")
        runs.add_column(_("Table"), key="table")
        runs.add_column(_("Mode"), key="mode")
        runs.add_column(_("Status"), key="status")
        runs.add_column(_("Rows"), key="rows")
        runs.add_column(_("Rows/s"), key="rate")
        runs.add_column(_("Time"), key="duration")
        runs.add_column(_("Error"), key="error")
        yield runs
        yield Static("", id="run-error")
        yield Label(_("Per table, last 30 days"), classes="section-title", id="stats-title")
        stats = DataTable[object](id="stats", cursor_type="row", zebra_stripes=True)
        stats.add_column(_("Table"), key="table")
        stats.add_column(_("Runs 7d"), key="r7")
        stats.add_column(_("Runs 30d"), key="r30")
        stats.add_column(_("Success"), key="ok")
        stats.add_column(_("Mean time"), key="mean")
        stats.add_column(_("Mean rows/s"), key="rate")
        stats.add_column(_("Last"), key="last")
        stats.add_column(_("Last time"), key="last_dur")
        stats.add_column(_("Last error"), key="error")
        yield stats

    def on_mount(self) -> None:
        self.load()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        if self.is_mounted:
            self.load()

    def config_changed(self) -> None:
        self.load()

    def action_reload(self) -> None:
        self.load()

    def load(self) -> None:
        if not self.tui.session.config_ok:
            self.query_one("#runs-title", Label).update(_("No valid config yet (c)."))
            return
        targets = [tc.target_name() for tc in self.tui.session.config.tables.values()]
        spec = target_spec(self.tui.session.config)
        job = partial(self._load_worker, spec, targets, self.tui.session.now())
        # A sync holding the file: wait for it (saying so); only a long wait ends in the dialog.
        self.tui.run_in_thread(wait_while_busy(self, job, spec, self._waiting), group="history",
                               description=_("Reading the run history"), retry=self.load)

    def _waiting(self, text: str) -> None:
        self.query_one("#runs-title", Label).update(Text(_("Runs: {waiting}").format(waiting=text)))

    def _load_worker(self, db_path: Path, targets: list[str], now: datetime) -> None:
        """On a thread: runs and statistics; posts HistoryLoaded."""
        runs = read_runs(db_path, limit=500)
        stats = table_stats(db_path, now=now, include=targets)
        self.post_message(HistoryLoaded(runs, stats))

    # -- filters ----------------------------------------------------------------------------
    def action_filter_table(self) -> None:
        self.table_filter = _next(sorted({r.target_table for r in self.runs}), self.table_filter)
        self._fill_runs()

    def action_filter_status(self) -> None:
        found = {r.status for r in self.runs}
        self.status_filter = _next([s for s in _STATUSES if s in found] + sorted(found - set(_STATUSES)),
                                   self.status_filter)
        self._fill_runs()

    def shown_runs(self) -> list[tuple[int, RunRecord]]:
        return [(i, r) for i, r in enumerate(self.runs)
                if self.table_filter in (None, r.target_table) and self.status_filter in (None, r.status)]

    def _fill_runs(self) -> None:
        runs = self.query_one("#runs", DataTable)
        runs.clear()
        shown = self.shown_runs()
        for i, run in shown:
            status = Text(status_word(run.status), style=_STATUS_STYLE.get(run.status, ""))
            error = (run.error or "").splitlines()[0] if run.error else ""
            runs.add_row(_short_time(run), run.target_table, _mode_short(run.mode), status,
                         Text(f"{run.rows:,}" if run.rows is not None else "-", justify="right"),
                         Text(fmt_rate(run.rows_per_s or 0.0), justify="right"),
                         Text(fmt_duration(_duration(run)), justify="right"), error, key=str(i))
        filters = [_("table {table}").format(table=self.table_filter) if self.table_filter else "",
                   _("status {status}").format(status=status_word(self.status_filter))
                   if self.status_filter else ""]
        said = _(" and ").join(f for f in filters if f)
        if not self.runs:
            title = _("Runs: none yet")
        elif said:
            title = _("Runs: {shown} of {total} ({filters}; f/s change the filter)").format(
                shown=len(shown), total=len(self.runs), filters=said)
        else:
            title = _("Runs: {total} (newest first; enter shows a run's full error)").format(
                total=len(self.runs))
        self.query_one("#runs-title", Label).update(Text(title))
        self._show_error()

    @on(DataTable.RowHighlighted, "#runs")
    def _show_error(self) -> None:
        """The highlighted run's error in full width: the Error column is off screen at 80 columns."""
        table = self.query_one("#runs", DataTable)
        line = ""
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            run = self.runs[int(str(key))] if key is not None else None
            if run is not None and run.error:
                line = _("error: {error}").format(error=run.error.splitlines()[0])
            elif run is not None and (split := _reread_words(run)):
                line = _("rows: {split}").format(split=split)
        widget = self.query_one("#run-error", Static)
        widget.update(Text(line))
        widget.display = bool(line)

    @on(HistoryLoaded)
    def _loaded(self, message: HistoryLoaded) -> None:
        self.runs, self.stats = message.runs, message.stats
        self._fill_runs()
        stats = self.query_one("#stats", DataTable)
        stats.clear()
        for st in message.stats:
            stats.add_row(
                st.table, Text(str(st.runs_7d), justify="right"), Text(str(st.runs_30d), justify="right"),
                Text(_pct(st.success_rate_30d), justify="right"),
                Text(fmt_duration(st.mean_duration_s_30d), justify="right"),
                Text(fmt_rate(st.mean_rows_per_s_30d or 0.0), justify="right"),
                Text(status_word(st.last_status) if st.last_status else "-",
                     style=_STATUS_STYLE.get(st.last_status or "", "")),
                Text(fmt_duration(st.last_duration_s), justify="right"),
                (st.last_error or "").splitlines()[0] if st.last_error else "")

    @on(DataTable.RowSelected, "#runs")
    def _run_selected(self, event: DataTable.RowSelected) -> None:
        run = self.runs[int(str(event.row_key.value))]
        lines = [_("{mode} sync of {source} → {target}").format(
                     mode=mode_word(run.mode), source=run.source_table, target=run.target_table),
                 _("started {time} · {status} · {rows} rows · {duration}").format(
                     time=local_time(run.started_at), status=status_word(run.status),
                     rows=f"{run.rows or 0:,}", duration=fmt_duration(_duration(run)))]
        if split := _reread_words(run):
            lines.append(split)
        if run.error:
            self.app.push_screen(ErrorScreen(_("Run {run_id}").format(run_id=run.run_id), run.error,
                                             "\n".join(lines)))
        else:
            self.notify("\n".join(lines), title=_("Run {run_id}: no error").format(run_id=run.run_id))
