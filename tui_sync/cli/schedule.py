"""`tui-sync schedule`: the foreground runner (the crontab/systemd text is schedule_text.py).

    tui-sync schedule [--config PATH | --demo] [--once | --print-cron | --print-systemd]

Foreground: logs each run to stderr, sleeps until the next due table. SIGINT or
SIGTERM stops it: a running sync is cancelled through its Control (the engine
rolls back, the target stays as it was, the run is recorded 'cancelled').
Exit codes: SIGTERM (a service manager's normal stop) 0; SIGINT (Ctrl-C) 130 as
DESIGN §7 says for "interrupted"; a second signal forces the exit at once.
`--once` runs what is due now plus its retries and exits 0, or 1 if a table's
last attempt failed (a run skipped because another sync held the lock is not a
failure: it is recorded as 'skipped'). No scheduled table: exit 2.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import datetime
from types import FrameType
from typing import Any

from .. import paths
from ..config import Config
from ..errors import ConfigError, ExitCode
from ..events import Control, Event, LogLine, Mode, RunFinished, Status, TableResult
from ..i18n import _, english_of
from ..scheduler import Scheduler, schedule_zone
from .common import common_options, load
from .schedule_text import cron_text, systemd_text, tui_sync_command

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}
log = logging.getLogger("tui_sync.schedule")


def add_schedule_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `schedule` to the main CLI's subparsers; returns the new parser."""
    p = subparsers.add_parser(
        "schedule", parents=[common_options(json_flag=False)],
        help=_("run the scheduled syncs (schedule = cron per table)"),
        description=_("Run each table's sync when its `schedule` (cron) says so, in the "
                      "foreground, or print crontab lines / systemd units that do the same."))
    what = p.add_mutually_exclusive_group()
    what.add_argument("--once", action="store_true",
                      help=_("run what is due now (and its retries), then exit; for cron"))
    what.add_argument("--print-cron", action="store_true",
                      help=_("print crontab lines calling `tui-sync sync` per scheduled table"))
    what.add_argument("--print-systemd", action="store_true",
                      help=_("print a systemd service + timer pair per scheduled table"))
    p.set_defaults(func=cmd_schedule)
    return p


def cmd_schedule(args: argparse.Namespace) -> int:
    return run_schedule(args, load(args))


def run_schedule(args: argparse.Namespace, config: Config) -> int:
    scheduled = [k for k, tc in config.tables.items() if tc.schedule]
    if not scheduled:
        where = config.path or _("the config")
        print(_("tui-sync: error: {message}").format(
            message=_("no table in {config} has a schedule (add `schedule = 0 2 * * *` to a "
                      "[table NAME] section)").format(config=where)), file=sys.stderr)
        return ExitCode.USAGE
    if getattr(args, "print_cron", False):
        print(cron_text(config, command=tui_sync_command(), log_dir=paths.log_dir(),
                        home=os.environ.get("TUI_SYNC_HOME")), end="")
        return ExitCode.OK
    if getattr(args, "print_systemd", False):
        try:
            text = systemd_text(config, command=tui_sync_command(),
                                home=os.environ.get("TUI_SYNC_HOME"))
        except ConfigError as exc:
            print(_("tui-sync: error: {message}").format(message=exc), file=sys.stderr)
            return ExitCode.USAGE
        print(text, end="")
        return ExitCode.OK
    return _run_foreground(config, once=bool(getattr(args, "once", False)))


def _run_foreground(config: Config, *, once: bool) -> int:
    tz = schedule_zone(config)
    write_lock = threading.Lock()

    def emit(level: str, message: str, table: str | None = None) -> None:
        stamp = datetime.now(tz).strftime("%Y-%m-%d %H:%M:%S")
        prefix = f"[{table}] " if table and table.lower() not in message.lower() else ""
        with write_lock:
            print(f"{stamp} {level.upper():<7} {prefix}{message}", file=sys.stderr, flush=True)
        # the rotating log file: English (DESIGN §6), whatever the user reads
        log.log(_LEVELS.get(level, logging.INFO), "%s%s", prefix, english_of(message))

    def on_engine_event(event: Event) -> None:
        if isinstance(event, LogLine) and event.level != "debug":
            emit(event.level, event.message, event.table)

    def run_sync(tables: Sequence[str], mode: Mode, *, control: Control) -> RunFinished:
        # Imported here: the engine pulls in pyarrow and oracledb, which --print-cron,
        # --print-systemd and `history --stats` do not need.
        from ..engine import Engine

        engine = Engine(config, on_event=on_engine_event, control=control, holder="scheduler")
        return engine.run(list(tables), mode)

    zone = config.sync.timezone or f"local time ({datetime.now(tz).strftime('%Z')})"
    count = sum(1 for tc in config.tables.values() if tc.schedule)
    emit("info", (_("tui-sync schedule: {count} scheduled table(s) in {config}, times in {zone}")
                  if once else
                  _("tui-sync schedule: {count} scheduled table(s) in {config}, times in {zone}; "
                    "Ctrl-C stops")).format(count=count, config=config.path, zone=zone))
    sched = Scheduler(config, run_sync, on_log=lambda line: emit(line.level, line.message, line.table))
    for s in sched.schedules():
        when = s.next_run.strftime("%Y-%m-%d %H:%M") if s.next_run else _("never")
        said = (_("{table} ({cron}): next run {when} (missed: now)") if s.reason == "missed"
                else _("{table} ({cron}): next run {when}"))
        emit("info", said.format(table=s.key, cron=s.cron, when=when), s.target)

    signals: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if signals:  # a second signal: the user wants out now; DuckDB rolls back on reopen
            os._exit(ExitCode.INTERRUPTED)
        signals.append(signum)
        emit("warning", f"{signal.Signals(signum).name}: stopping; cancelling the running sync, if any "
             "(a second signal exits at once)")
        sched.stop()

    results: list[TableResult] = []

    def work() -> None:
        if once:
            results.extend(sched.once())
        else:
            sched.run_forever()

    # The scheduler runs in a worker so that the signal handler (main thread) never
    # interrupts code holding a lock it then needs to cancel the sync.
    worker = threading.Thread(target=work, name="tui-sync-scheduler", daemon=True)
    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        worker.start()
        while worker.is_alive():
            worker.join(0.2)
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
    if once and not results and not signals:
        emit("info", "nothing is due now")
    if signals:
        emit("info", "stopped")
        return ExitCode.INTERRUPTED if signals[0] == signal.SIGINT else ExitCode.OK
    return once_exit_code(results)


def once_exit_code(results: Sequence[TableResult]) -> int:
    """1 if any table's last attempt failed, else 0 (skipped and retried-then-ok are fine)."""
    last: dict[str, TableResult] = {}
    for r in results:
        last[r.table] = r
    return ExitCode.FAILED if any(r.status == Status.FAILED for r in last.values()) else ExitCode.OK
