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
)
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
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
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
            task = self.tasks.get(event.table)
            if task is None:
                task = self.tasks[event.table] = self.progress.add_task(
                    event.table, total=event.rows_expected, rate="")
            self.progress.update(task, completed=event.rows_done, total=event.rows_expected,
                                 rate=f"{event.rows_per_s:,.0f} rows/s")
        elif isinstance(event, LogLine):
            if event.level == "debug":
                return
            prefix = f"{event.table}: " if event.table else ""
            self._print(f"{event.level}: {prefix}{event.message}")
        elif isinstance(event, TableFinished):
            r = event.result
            line = f"{r.table}: {r.mode.value} {r.status.value}, {r.rows:,} rows, {r.duration_s:.1f}s"
            if r.status == Status.OK:
                line += f", {r.rows_per_s:,.0f} rows/s"
            self._print(line)


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

    config = load(args)
    if args.all and args.tables:
        raise ConfigError("name tables or use --all, not both")
    tables = list(config.tables) if args.all else list(args.tables)
    if args.all and not tables:
        raise ConfigError(f"{config.path}: --all needs [table NAME] sections in the config")
    if not tables:
        raise ConfigError("name the tables to sync, or use --all")
    mode = Mode(args.mode)
    if args.limit is not None and mode != Mode.TEST:
        raise ConfigError("--limit applies to --mode test")
    if args.parallel is not None and not 1 <= args.parallel <= 64:
        raise ConfigError("--parallel takes 1 to 64")
    # --parallel is this run's, not the config's: it travels in the request
    request = SyncRequest(tuple(tables), mode, args.limit, args.resume,
                          True if args.reconcile else None, args.parallel)
    control = Control()
    fired = install_signal_handlers(control)
    use_bar = sys.stderr.isatty() and not args.json
    with _Reporter(use_bar) as reporter:
        engine = Engine(config, on_event=reporter, control=control, holder="cli")
        try:
            finished: RunFinished = engine.run(request)
        except LockHeldError as exc:
            record_skipped(config, tables, mode, str(exc))  # cron overlaps show in history
            raise
    if args.json:
        print_json({"ok": finished.ok, "results": [
            {**asdict(r), "mode": r.mode.value, "status": r.status.value} for r in finished.results]})
    if fired:
        return ExitCode.INTERRUPTED
    failed = [r for r in finished.results if r.status != Status.OK]
    if failed and all(r.config_mistake for r in failed):
        return ExitCode.USAGE  # e.g. a tnsnames alias that does not exist: fix the config, not the server
    return ExitCode.OK if finished.ok else ExitCode.FAILED


def add_sync_parser(sub: Any) -> None:
    p = sub.add_parser("sync", parents=[common_options()], help="sync tables")
    p.add_argument("tables", nargs="*", metavar="TABLE")
    p.add_argument("--all", action="store_true", help="every table configured in the file")
    p.add_argument("--mode", choices=[m.value for m in Mode], default=Mode.AUTO.value)
    p.add_argument("--limit", type=int, metavar="N", help="rows for --mode test (default test_rows)")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted full sync from its last committed chunk")
    p.add_argument("--reconcile", action="store_true",
                   help="also delete target rows whose key is gone from the source")
    p.add_argument("--parallel", type=int, metavar="N", help="read full syncs on N connections")
    p.set_defaults(func=cmd_sync)
