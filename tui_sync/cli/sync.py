"""`tui-sync sync`: run the engine on named tables with a progress bar (TTY) or log lines."""

from __future__ import annotations

import argparse
import signal
import sys
from dataclasses import asdict
from typing import Any

from ..config import Config
from ..errors import ConfigError, ExitCode, LockHeldError, TuiSyncError
from ..events import (
    Control,
    Event,
    LogLine,
    Mode,
    Progress,
    RunFinished,
    Status,
    SyncRequest,
    TableFinished,
    TableResult,
)
from ..i18n import _, english_of
from ..progress import fmt_rows, rows_summary, window_words
from ..words import mode_word, status_word
from .backfill import add_backfill_options, backfill_of
from .common import common_options, load, print_json


class _Reporter:
    """Turns engine events into a rich progress bar (TTY) or log lines on stderr."""

    def __init__(self, use_bar: bool):
        self.use_bar = use_bar
        self.progress = None
        self.tasks: dict[str, Any] = {}
        if use_bar:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            # Counts with separators ("250,000/250,000"): rich's MofN column prints bare digits.
            self.progress = Progress(
                TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[count]}"),
                TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                console=Console(stderr=True), transient=False)

    def __enter__(self) -> _Reporter:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def _print(self, text: str) -> None:
        if self.progress is not None:
            self.progress.console.print(text, markup=False, highlight=False)
        else:
            print(text, file=sys.stderr, flush=True)

    def __call__(self, event: Event) -> None:
        if isinstance(event, Progress) and self.progress is not None:
            self._bar(event.table, event.rows_done, event.rows_expected, event.rows_per_s)
        elif isinstance(event, LogLine):
            if event.level == "debug":
                return
            prefix = f"{event.table}: " if event.table else ""
            self._print(f"{event.level}: {prefix}{event.message}")
        elif isinstance(event, TableFinished):
            r = event.result
            if r.status == Status.OK and self.progress is not None and r.table in self.tasks:
                # the bar ends on the result's own numbers, so it and the line below agree
                self._bar(r.table, r.rows, r.rows, r.rows_per_s)
            self._print(result_line(r))
        elif isinstance(event, RunFinished) and len(event.results) > 1:
            self._print((_("finished: {summary}") if event.ok
                         else _("finished with problems: {summary}")).format(
                summary=rows_summary(event.results)))

    def _bar(self, table: str, done: int, expected: int | None, rate: float) -> None:
        assert self.progress is not None
        task = self.tasks.get(table)
        if task is None:
            task = self.tasks[table] = self.progress.add_task(table, total=expected, rate="",
                                                              count="")
        self.progress.update(task, completed=done, total=expected, rate=rate_text(rate),
                             count=f"{done:,}/{fmt_rows(expected)}")


def rate_text(rows_per_s: float) -> str:
    """One spelling for the bar and the result line (both: rows over active time)."""
    return _("{rate} rows/s").format(rate=f"{rows_per_s:,.0f}")


def result_line(r: TableResult) -> str:
    """`events: incremental ok, 1,234 rows (1,000 new, 234 re-read in the lookback window),
    0.5s, 2,468 rows/s`."""
    line = _("{table}: {mode} {status}, {rows} rows").format(
        table=r.table, mode=mode_word(r.mode), status=status_word(r.status), rows=f"{r.rows:,}")
    if r.status == Status.OK and r.mode == Mode.INCREMENTAL:
        line += " " + _("({new} new, {reread} re-read in the {window})").format(
            new=f"{r.new_rows:,}", reread=f"{r.reread:,}", window=window_words(r.note))
    line += f", {r.duration_s:.1f}s"
    if r.status == Status.OK:
        line += f", {rate_text(r.rows_per_s)}"
    if r.note:
        line += f" [{r.note}]"
    if r.paused_s >= 0.05:
        line += " " + _("(paused {secs}s, not counted)").format(secs=f"{r.paused_s:.1f}")
    return line


def record_skipped(config: Config, tables: list[str], mode: Mode, why: str) -> None:
    from ..target.spec import target_spec
    from ..target.state import record_unrun

    for name in tables:
        tc = config.table(name)
        try:
            record_unrun(target_spec(config), tc.target_name(), tc.source_table, mode.value,
                         "skipped", why)
        except TuiSyncError:
            return  # history is a courtesy here; the refusal itself is what matters


def install_signal_handlers(control: Control) -> dict[int, bool]:
    """SIGINT, SIGTERM and SIGHUP (a dropped SSH session) cancel the run cleanly."""
    fired: dict[int, bool] = {}

    def handler(signum: int, _frame: object) -> None:
        fired[signum] = True
        control.cancel(f"cancelled by {signal.Signals(signum).name}"
                       + (" (the terminal hung up)" if signum == getattr(signal, "SIGHUP", -1) else ""))

    for sig in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            signal.signal(sig, handler)
    return fired


def cmd_sync(args: argparse.Namespace) -> int:
    from ..engine import Engine
    from ..services.table_globs import expand_table_names

    config = load(args)
    if args.all and args.tables:
        raise ConfigError(_("name tables or use --all, not both"))
    tables = list(config.tables) if args.all else expand_table_names(config, args.tables)
    if args.all and not tables:
        raise ConfigError(_("{config}: --all needs [table NAME] sections in the config")
                          .format(config=config.path))
    if not tables:
        raise ConfigError(_("name the tables to sync, or use --all"))
    mode = Mode(args.mode)
    if args.limit is not None and mode != Mode.TEST:
        raise ConfigError(_("--limit applies to --mode test"))
    if args.parallel is not None and not 1 <= args.parallel <= 64:
        raise ConfigError(_("--parallel takes 1 to 64"))
    # --parallel is this run's, not the config's: it travels in the request
    request = SyncRequest(tuple(tables), mode, args.limit, args.resume,
                          True if args.reconcile else None, args.parallel, backfill_of(args))
    control = Control()
    fired = install_signal_handlers(control)
    use_bar = sys.stderr.isatty() and not args.json
    with _Reporter(use_bar) as reporter:
        engine = Engine(config, on_event=reporter, control=control, holder="cli")
        try:
            finished: RunFinished = engine.run(request)
        except LockHeldError as exc:
            record_skipped(config, tables, mode, english_of(exc))  # in history, English (§6)
            raise
    if args.json:
        print_json({"ok": finished.ok, "results": [
            {**asdict(r), "mode": r.mode.value, "status": r.status.value, "new_rows": r.new_rows}
            for r in finished.results]})
    if fired:
        return ExitCode.INTERRUPTED
    failed = [r for r in finished.results if r.status != Status.OK]
    if failed and all(r.config_mistake for r in failed):
        return ExitCode.USAGE  # e.g. a tnsnames alias that does not exist: fix the config, not the server
    return ExitCode.OK if finished.ok else ExitCode.FAILED


def add_sync_parser(sub: Any) -> None:
    p = sub.add_parser("sync", parents=[common_options()], help=_("sync tables"))
    p.add_argument("tables", nargs="*", metavar="TABLE",
                   help=_("table names or globs ('LOT*', 'SALES.*'): configured tables first, "
                          "then the source's"))
    p.add_argument("--all", action="store_true", help=_("every table configured in the file"))
    p.add_argument("--mode", choices=[m.value for m in Mode], default=Mode.AUTO.value)
    p.add_argument("--limit", type=int, metavar="N", help=_("rows for --mode test (default test_rows)"))
    p.add_argument("--resume", action="store_true",
                   help=_("continue an interrupted full sync from its last committed chunk"))
    p.add_argument("--reconcile", action="store_true",
                   help=_("also delete target rows whose key is gone from the source"))
    p.add_argument("--parallel", type=int, metavar="N", help=_("read full syncs on N connections"))
    add_backfill_options(p)
    p.set_defaults(func=cmd_sync)
