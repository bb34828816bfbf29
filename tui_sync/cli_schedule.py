"""`tui-sync schedule` and `tui-sync history --stats`: argparse glue for the main CLI.

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
import json
import logging
import os
import re
import shlex
import shutil
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from types import FrameType
from typing import Any

from croniter import croniter
from rich.cells import cell_len

from . import paths
from .config import Config
from .errors import ConfigError
from .events import Control, Event, LogLine, Mode, RunFinished, Status, TableResult
from .scheduler import Scheduler, schedule_zone
from .stats import TableStats, stats_document, table_stats

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}
log = logging.getLogger("tui_sync.schedule")


# -- argparse ---------------------------------------------------------------------------

def add_schedule_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `schedule` to the main CLI's subparsers; returns the new parser."""
    p = subparsers.add_parser(
        "schedule", help="run the scheduled syncs (schedule = cron per table)",
        description="Run each table's sync when its `schedule` (cron) says so, in the foreground, "
                    "or print crontab lines / systemd units that do the same.")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--config", metavar="PATH", help="config file (default: $TUI_SYNC_CONFIG, "
                     "./tui-sync.ini, then the user config dir)")
    src.add_argument("--demo", action="store_true", help="use the built-in demo source")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--once", action="store_true",
                      help="run what is due now (and its retries), then exit; for cron")
    what.add_argument("--print-cron", action="store_true",
                      help="print crontab lines calling `tui-sync sync` per scheduled table")
    what.add_argument("--print-systemd", action="store_true",
                      help="print a systemd service + timer pair per scheduled table")
    return p


def add_history_stats_args(parser: argparse.ArgumentParser) -> None:
    """Add `--stats` (and `--json` unless the history parser has it) to `history`."""
    # argparse has no public "has option" query; adding an option twice would raise.
    if "--stats" not in parser._option_string_actions:
        parser.add_argument("--stats", action="store_true",
                            help="per-table statistics: runs in 7/30 days, success rate, durations, rows/s")
    if "--json" not in parser._option_string_actions:
        parser.add_argument("--json", action="store_true", help="print one JSON document")


# -- schedule ----------------------------------------------------------------------------

def run_schedule(args: argparse.Namespace, config: Config) -> int:
    scheduled = [k for k, tc in config.tables.items() if tc.schedule]
    if not scheduled:
        where = config.path or "the config"
        print(f"tui-sync: error: no table in {where} has a schedule "
              "(add `schedule = 0 2 * * *` to a [table NAME] section)", file=sys.stderr)
        return EXIT_USAGE
    if getattr(args, "print_cron", False):
        print(cron_text(config, command=tui_sync_command(), log_dir=paths.log_dir(),
                        home=os.environ.get("TUI_SYNC_HOME")), end="")
        return EXIT_OK
    if getattr(args, "print_systemd", False):
        try:
            text = systemd_text(config, command=tui_sync_command(),
                                home=os.environ.get("TUI_SYNC_HOME"))
        except ConfigError as exc:
            print(f"tui-sync: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        print(text, end="")
        return EXIT_OK
    return _run_foreground(config, once=bool(getattr(args, "once", False)))


def _run_foreground(config: Config, *, once: bool) -> int:
    tz = schedule_zone(config)
    write_lock = threading.Lock()

    def emit(level: str, message: str, table: str | None = None) -> None:
        stamp = datetime.now(tz).strftime("%Y-%m-%d %H:%M:%S")
        prefix = f"[{table}] " if table and table.lower() not in message.lower() else ""
        with write_lock:
            print(f"{stamp} {level.upper():<7} {prefix}{message}", file=sys.stderr, flush=True)
        log.log(_LEVELS.get(level, logging.INFO), "%s%s", prefix, message)  # the rotating log file

    def on_engine_event(event: Event) -> None:
        if isinstance(event, LogLine) and event.level != "debug":
            emit(event.level, event.message, event.table)

    def run_sync(tables: Sequence[str], mode: Mode, *, control: Control) -> RunFinished:
        # Imported here: the engine pulls in pyarrow and oracledb, which --print-cron,
        # --print-systemd and `history --stats` do not need.
        from .engine import Engine

        engine = Engine(config, on_event=on_engine_event, control=control, holder="scheduler")
        return engine.run(list(tables), mode)

    zone = config.sync.timezone or f"local time ({datetime.now(tz).strftime('%Z')})"
    count = sum(1 for tc in config.tables.values() if tc.schedule)
    emit("info", f"tui-sync schedule: {count} scheduled table(s) in {config.path}, times in {zone}"
         + ("" if once else "; Ctrl-C stops"))
    sched = Scheduler(config, run_sync, on_log=lambda line: emit(line.level, line.message, line.table))
    for s in sched.schedules():
        when = s.next_run.strftime("%Y-%m-%d %H:%M") if s.next_run else "never"
        emit("info", f"{s.key} ({s.cron}): next run {when}" + (" (missed: now)" if s.reason == "missed"
                                                                  else ""), s.target)

    signals: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if signals:  # a second signal: the user wants out now; DuckDB rolls back on reopen
            os._exit(EXIT_INTERRUPTED)
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
        return EXIT_INTERRUPTED if signals[0] == signal.SIGINT else EXIT_OK
    return once_exit_code(results)


def once_exit_code(results: Sequence[TableResult]) -> int:
    """1 if any table's last attempt failed, else 0 (skipped and retried-then-ok are fine)."""
    last: dict[str, TableResult] = {}
    for r in results:
        last[r.table] = r
    return EXIT_FAILED if any(r.status == Status.FAILED for r in last.values()) else EXIT_OK


# -- the tui-sync command to put in crontab / units --------------------------------------

def tui_sync_command() -> list[str]:
    """Absolute argv prefix that runs this tui-sync, for cron and systemd (no PATH there)."""
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.name.startswith("tui-sync") and argv0.exists():
        return [str(argv0.resolve())]
    # `python -m ...` or pytest: the console script of this environment sits beside python.
    beside = Path(sys.executable).parent / ("tui-sync.exe" if os.name == "nt" else "tui-sync")
    if beside.exists():
        return [str(beside.absolute())]
    found = shutil.which("tui-sync")
    if found:
        return [str(Path(found).resolve())]
    # Not the resolved path: a venv's python is a symlink, and resolving it leaves the venv.
    return [str(Path(sys.executable).absolute()), "-m", "tui_sync.cli"]


def _sync_args(config: Config, key: str) -> list[str]:
    if config.path is None:
        raise ConfigError("the config has no file path: pass --config PATH")
    return ["sync", key, "--config", str(Path(config.path).resolve())]


def _file_part(name: str) -> str:
    return re.sub(r"[^\w.-]", "_", name) or "table"


def _password_note(config: Config) -> list[str]:
    if config.source.kind != "oracle":
        return []
    var = config.source.password_env
    return [f"# The Oracle password comes from ${var} (password_env): cron and systemd do not read",
            "# your shell profile, so provide it (see below) and keep that file private."]


# -- crontab -----------------------------------------------------------------------------

def cron_text(config: Config, *, command: list[str], log_dir: Path, home: str | None = None) -> str:
    """Crontab lines, one per scheduled table, ready for `crontab -e`."""
    lines = [
        f"# tui-sync: scheduled syncs of {config.path}",
        "# Generated by `tui-sync schedule --print-cron`. Install with `crontab -e` and paste;",
        "# (`... --print-cron | crontab -` would replace your whole crontab).",
        "# A run that finds another sync holding the lock exits 3 and does nothing.",
    ]
    if config.source.kind == "oracle":
        lines += _password_note(config)
        lines.append(f"# {config.source.password_env}=...")
    if config.sync.timezone:
        lines += ["# CRON_TZ is honoured by cronie (RHEL, Fedora, SUSE) and systemd-cron; Debian and",
                  "# Ubuntu cron ignore it and use the system time zone.",
                  f"CRON_TZ={config.sync.timezone}"]
    if home:
        lines.append(f"TUI_SYNC_HOME={home}")
    log_dir.mkdir(parents=True, exist_ok=True)  # the shell's >> fails if the folder is missing
    for key, tc in config.tables.items():
        if not tc.schedule:
            continue
        log = log_dir / f"cron-{_file_part(tc.target_name())}.log"
        cmd = " ".join(shlex.quote(a) for a in [*command, *_sync_args(config, key)])
        line = f"{tc.schedule} {cmd} >> {shlex.quote(str(log))} 2>&1"
        lines.append(line.replace("%", "\\%"))  # % ends a crontab command unless escaped
    return "\n".join(lines) + "\n"


# -- systemd -----------------------------------------------------------------------------

_DOW_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
_WEEK = [1, 2, 3, 4, 5, 6, 0]  # systemd weeks run Mon..Sun


def _runs(values: list[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for v in values:
        if out and v == out[-1][-1] + 1:
            out[-1].append(v)
        else:
            out.append([v])
    return out


def _render(values: Sequence[int | str], lo: int, hi: int) -> str:
    """A croniter-expanded field as a systemd calendar component."""
    if list(values) == ["*"]:
        return "*"
    vals = sorted({int(v) for v in values})
    if vals == list(range(lo, hi + 1)):
        return "*"
    if len(vals) >= 3:
        step = vals[1] - vals[0]
        # systemd's start/step repeats to the end of the range, so only a progression
        # that runs to the end may use it ('10-50/7' becomes a list).
        if step > 1 and all(b - a == step for a, b in zip(vals, vals[1:], strict=False)) \
                and vals[-1] + step > hi:
            return f"{vals[0]:02d}/{step}"
    parts: list[str] = []
    for run in _runs(vals):
        if len(run) >= 3:
            parts.append(f"{run[0]:02d}..{run[-1]:02d}")
        else:
            parts += [f"{v:02d}" for v in run]
    return ",".join(parts)


def _render_dow(days: Sequence[int]) -> str:
    positions = sorted(_WEEK.index(int(d) % 7) for d in set(days))
    parts: list[str] = []
    for run in _runs(positions):
        names = [_DOW_NAMES[_WEEK[p]] for p in run]
        parts += [f"{names[0]}..{names[-1]}"] if len(run) >= 3 else names
    return ",".join(parts)


def cron_to_oncalendar(expr: str, timezone: str = "") -> list[str]:
    """systemd OnCalendar= values that fire exactly when the 5-field cron `expr` does.

    croniter parses (and expands) the expression. When both day-of-month and day-of-week
    are restricted, cron fires on either; a timer with several OnCalendar= lines fires
    on any of them, so that case becomes two lines. Raises ValueError for forms systemd
    cannot express ('W', the nearest weekday).
    """
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError("not a 5-field cron expression")
    if "w" in fields[2].lower():
        raise ValueError("'W' (nearest weekday) has no systemd equivalent")
    (minutes, hours, days, months, dows), nth = croniter.expand(expr)
    time_part = f"{_render(hours, 0, 23)}:{_render(minutes, 0, 59)}:00"
    month = _render(months, 1, 12)
    dom_any, dow_any = days == ["*"], dows == ["*"]
    if nth and not dom_any:
        # croniter itself finds no dates for this mix, so there is nothing to match.
        raise ValueError("an nth weekday ('#' or 'L') together with a day of month")
    specs: list[str] = []
    if dom_any and dow_any:
        specs.append(f"*-{month}-*")
    if not dom_any:
        numbers = [d for d in days if isinstance(d, int)]
        if numbers:
            specs.append(f"*-{month}-{_render(numbers, 1, 31)}")
        if "l" in days:
            specs.append(f"*-{month}~01")  # the last day of the month
    if not dow_any:
        plain = [d for d in dows if isinstance(d, int) and d not in nth]
        if plain:
            specs.append(f"{_render_dow(plain)} *-{month}-*")
        for d in sorted(nth):
            for n in sorted(nth[d], key=str):
                if n == "l":  # the last such weekday: one of the last 7 days
                    specs.append(f"{_DOW_NAMES[d]} *-{month}~07/1")
                else:
                    first = (int(n) - 1) * 7 + 1
                    specs.append(f"{_DOW_NAMES[d]} *-{month}-{first:02d}..{min(first + 6, 31):02d}")
    suffix = f" {timezone}" if timezone else ""
    return [f"{s} {time_part}{suffix}" for s in specs]


_SYSTEMD_PLAIN = re.compile(r"^[A-Za-z0-9_./:@+,=-]+$")


def _systemd_arg(arg: str) -> str:
    """Quote one ExecStart= argument (systemd has its own rules: % and $ are special)."""
    text = arg.replace("%", "%%").replace("$", "$$")
    if _SYSTEMD_PLAIN.match(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unit_name(target: str) -> str:
    """`tui-sync-<target>` escaped the way systemd-escape does."""
    out = []
    for i, ch in enumerate(target):
        if ch == "/":
            out.append("-")
        elif (ch.isascii() and (ch.isalnum() or ch in ":_.")) and not (i == 0 and ch == "."):
            out.append(ch)
        else:
            out.append("".join(f"\\x{b:02x}" for b in ch.encode("utf-8")))
    return "tui-sync-" + "".join(out)


def systemd_units(config: Config, *, command: list[str],
                  home: str | None = None) -> list[tuple[str, str]]:
    """(file name, content) of a service + timer pair per scheduled table.
    Raises ConfigError naming the table when a schedule has no OnCalendar= form."""
    units: list[tuple[str, str]] = []
    for key, tc in config.tables.items():
        if not tc.schedule:
            continue
        try:
            calendars = cron_to_oncalendar(tc.schedule, config.sync.timezone)
        except ValueError as exc:
            raise ConfigError(
                f"table {key}: schedule {tc.schedule!r} cannot be a systemd timer: {exc}; "
                "use --print-cron or run `tui-sync schedule` instead") from None
        name = unit_name(tc.target_name())
        exec_start = " ".join(_systemd_arg(a) for a in [*command, *_sync_args(config, key)])
        service = [
            "[Unit]",
            f"Description=tui-sync: sync {key} into {config.target_path()}".replace("%", "%%"),
            "",
            "[Service]",
            "Type=oneshot",
            f"ExecStart={exec_start}",
            "# Exit 3: another sync held the lock, so this run was skipped; not a failure.",
            "SuccessExitStatus=3",
        ]
        if home:
            service.append(f"Environment={_systemd_arg('TUI_SYNC_HOME=' + home)}")
        if config.source.kind == "oracle":
            service += [f"# {config.source.password_env}=... in a file only you can read:",
                        "EnvironmentFile=-%h/.config/tui-sync/oracle.env"]
        timer = [
            "[Unit]",
            f"Description=tui-sync schedule of {key} (cron: {tc.schedule})".replace("%", "%%"),
            "",
            "[Timer]",
            *(f"OnCalendar={c}" for c in calendars),
            "# Persistent: a run missed while the machine was off runs once at the next boot.",
            "Persistent=true",
            f"Unit={name}.service",
            "",
            "[Install]",
            "WantedBy=timers.target",
        ]
        units.append((f"{name}.service", "\n".join(service) + "\n"))
        units.append((f"{name}.timer", "\n".join(timer) + "\n"))
    return units


def systemd_text(config: Config, *, command: list[str], home: str | None = None) -> str:
    units = systemd_units(config, command=command, home=home)
    timers = " ".join(shlex.quote(n) for n, _ in units if n.endswith(".timer"))
    head = [
        f"# tui-sync: systemd user units for the scheduled syncs of {config.path}",
        "# Generated by `tui-sync schedule --print-systemd`. Save each file below (named on its",
        "# '==== file:' line) in ~/.config/systemd/user/, then:",
        "#   systemctl --user daemon-reload",
        f"#   systemctl --user enable --now {timers}",
        "#   loginctl enable-linger \"$USER\"   # so the timers run while you are logged out",
        "# Logs: journalctl --user -u 'tui-sync-*'",
    ]
    head += _password_note(config)
    out = "\n".join(head) + "\n"
    for name, content in units:
        out += f"\n# ==== file: {name} ====\n{content}"
    return out


# -- history --stats ---------------------------------------------------------------------

def run_history_stats(args: argparse.Namespace, config: Config, *, now: datetime | None = None) -> int:
    """`tui-sync history [TABLE] --stats [--json]`. A TargetBusyError (another process has
    the DuckDB file open for writing) propagates to the main CLI's error handler (exit 3)."""
    name = getattr(args, "table", None)
    if isinstance(name, list):  # a nargs='*' TABLE positional
        name = name[0] if name else None
    target = config.table(name).target_name() if name else None
    include = [target] if target else [tc.target_name() for tc in config.tables.values()]
    stats = table_stats(config.target_path(), now=now, table=target, include=include)
    if getattr(args, "json", False):
        print(json.dumps(stats_document(stats, now), ensure_ascii=False, indent=2))
    else:
        print(format_stats(stats, schedule_zone(config)), end="")
    return EXIT_OK


def _dur(s: float | None) -> str:
    if s is None:
        return "-"
    if s < 60:
        return f"{s:.1f}s"
    m, sec = divmod(int(round(s)), 60)
    return f"{m}m{sec:02d}s" if m < 60 else f"{m // 60}h{m % 60:02d}m"


def _local(t: datetime | None, tz: tzinfo) -> str:
    return t.replace(tzinfo=UTC).astimezone(tz).strftime("%Y-%m-%d %H:%M") if t else "-"


def format_stats(stats: Sequence[TableStats], tz: tzinfo) -> str:
    """A plain table (fits 100 columns) with the last error under its table."""
    if not stats:
        return "no runs recorded yet\n"
    head = ["table", "runs 7d", "30d", "ok%", "mean", "last run", "status", "time", "rows", "rows/s"]
    rows: list[list[str]] = []
    for s in stats:
        rate = "-" if s.success_rate_30d is None else f"{s.success_rate_30d * 100:.0f}%"
        rows.append([s.table, str(s.runs_7d), str(s.runs_30d), rate, _dur(s.mean_duration_s_30d),
                     _local(s.last_run_at, tz), s.last_status or "-", _dur(s.last_duration_s),
                     "-" if s.last_rows is None else f"{s.last_rows:,}",
                     "-" if s.mean_rows_per_s_30d is None else f"{s.mean_rows_per_s_30d:,.0f}"])
    # Widths in terminal cells: a Korean table name takes two cells per character.
    widths = [max(cell_len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        out = []
        for i, (c, w) in enumerate(zip(cells, widths, strict=True)):
            pad = " " * (w - cell_len(c))
            out.append(c + pad if i in (0, 5, 6) else pad + c)
        return "  ".join(out).rstrip()

    out = [line(head)]
    for s, r in zip(stats, rows, strict=True):
        out.append(line(r))
        if s.last_error:
            out.append(f"    last error {_local(s.last_error_at, tz)}: {s.last_error}")
    tz_name = datetime.now(tz).strftime("%Z")
    out.append(f"(times in {tz_name}; ok%, mean time and rows/s over the last 30 days' runs)")
    return "\n".join(out) + "\n"
