"""The headless CLI (DESIGN §7) and the entry point that opens the TUI.

Exit codes: 0 ok, 1 a sync failed, 2 bad usage/config/input, 3 another sync
holds the lock, 130 interrupted. Errors are one line on stderr unless --debug.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import __version__
from .config import Config, find_config, load_config
from .errors import ConfigError, LockHeldError, TuiSyncError
from .events import Control, Event, LogLine, Mode, Progress, RunFinished, Status, TableFinished

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Path):
        return str(value)
    return str(value)


def print_json(doc: Any) -> None:
    json.dump(doc, sys.stdout, default=_json_default, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def load(args: argparse.Namespace) -> Config:
    if getattr(args, "demo", False):
        from .demo import ensure_demo

        config = load_config(ensure_demo())
    else:
        config = load_config(find_config(getattr(args, "config", None)))
    for warning in config.warnings:
        print(f"tui-sync: warning: {warning}", file=sys.stderr)
    return config


# -- sync ------------------------------------------------------------------------------

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
    from .state import record_unrun

    for name in tables:
        tc = config.table(name)
        try:
            record_unrun(config.target_path(), tc.target_name(), tc.source_table, mode.value,
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
    from .engine import Engine

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
    if args.parallel is not None:
        if not 1 <= args.parallel <= 64:
            raise ConfigError("--parallel takes 1 to 64")
        for name in tables:
            tc = config.table(name)
            tc.parallel = args.parallel
            config.tables.setdefault(tc.source_table, tc)
    control = Control()
    fired = install_signal_handlers(control)
    use_bar = sys.stderr.isatty() and not args.json
    with _Reporter(use_bar) as reporter:
        engine = Engine(config, on_event=reporter, control=control, holder="cli")
        try:
            finished: RunFinished = engine.run(tables, mode, limit=args.limit, resume=args.resume,
                                               reconcile=True if args.reconcile else None)
        except LockHeldError as exc:
            record_skipped(config, tables, mode, str(exc))  # cron overlaps show in history
            raise
    if args.json:
        print_json({"ok": finished.ok, "results": [
            {**asdict(r), "mode": r.mode.value, "status": r.status.value} for r in finished.results]})
    if fired:
        return EXIT_INTERRUPTED
    failed = [r for r in finished.results if r.status != Status.OK]
    if failed and all(r.config_mistake for r in failed):
        return EXIT_USAGE  # e.g. a tnsnames alias that does not exist: fix the config, not the server
    return EXIT_OK if finished.ok else EXIT_FAILED


# -- plan / tables / status / history ------------------------------------------------------

def cmd_plan(args: argparse.Namespace) -> int:
    from .engine import Engine

    config = load(args)
    report = Engine(config).plan(args.table)
    if args.json:
        print_json({
            "table": report.description.info.name, "target": report.target,
            "cursor": report.cursor, "primary_key": list(report.primary_key),
            "columns": [{"source": c.name, "source_type": c.source.declared(),
                         "precision": c.source.precision, "scale": c.source.scale,
                         "target": c.target_name, "duckdb_type": c.duckdb_type,
                         "conversion": c.conversion.value, "skipped": c.skipped,
                         "warning": c.warning} for c in report.plan.columns],
            "warnings": report.warnings,
            "cursor_index": None if report.cursor_index is None else {
                "index": report.cursor_index.index, "create": report.cursor_index.create or None},
            "sql": {k: {"sql": s, "binds": b} for k, (s, b) in report.sql.items()},
        })
        return EXIT_OK
    out = [f"Table {report.description.info.name} -> {report.target}",
           f"  primary key: {', '.join(report.primary_key) or '(none: incremental deletes the window)'}",
           f"  cursor:      {report.cursor or '(none: auto mode runs full)'}", "",
           f"  {'source column':<24} {'source type':<26} {'target column':<24} duckdb type"]
    for c in report.plan.columns:
        src = c.source.declared()
        dst = c.duckdb_type or "(skipped)"
        if c.conversion.value != "none":
            dst += f"  [{c.conversion.value}]"
        out.append(f"  {c.name:<24} {src:<26} {c.target_name:<24} {dst}")
    if report.warnings:
        out += ["", "Warnings:"] + [f"  - {w}" for w in report.warnings]
    for kind, (sql, binds) in report.sql.items():
        out += ["", f"SQL ({kind}):", f"  {sql}"]
        if binds:
            out.append(f"  binds: {binds}")
    print("\n".join(out))
    return EXIT_OK


def cmd_tables(args: argparse.Namespace) -> int:
    from .engine import list_source_tables
    from .state import read_table_states

    config = load(args)
    infos = list_source_tables(config)
    states = read_table_states(config.target_path())
    rows = []
    for info in infos:
        tc = config.table(info.name)
        s = states.get(tc.target_name())
        rows.append({"table": info.name, "estimated_rows": info.estimated_rows,
                     "configured": info.name in config.tables or tc.target != "",
                     "target": tc.target_name(), "rows": s.rows if s else None,
                     "last_success_at": s.last_success_at if s else None,
                     "last_status": s.last_status if s else None})
    if args.json:
        print_json(rows)
        return EXIT_OK
    print(f"{'table':<36} {'est. rows':>12} {'target':<28} {'synced rows':>12}  last sync")
    for r in rows:
        est = f"{r['estimated_rows']:,}" if r["estimated_rows"] is not None else "?"
        synced = f"{r['rows']:,}" if r["rows"] is not None else "-"
        last = f"{r['last_success_at']:%Y-%m-%d %H:%M}" if r["last_success_at"] else "never"
        print(f"{r['table']:<36} {est:>12} {r['target']:<28} {synced:>12}  {last}"
              + (f" ({r['last_status']})" if r["last_status"] else ""))
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from .state import read_table_states

    config = load(args)
    states = read_table_states(config.target_path())
    if args.json:
        print_json([asdict(s) for s in states.values()])
        return EXIT_OK
    if not states:
        print(f"no sync state yet in {config.target_path()}")
        return EXIT_OK
    print(f"{'target':<28} {'rows':>12} {'mode':<12} {'last success (UTC)':<20} {'watermark':<28} status")
    for s in states.values():
        last = f"{s.last_success_at:%Y-%m-%d %H:%M:%S}" if s.last_success_at else "never"
        rows = f"{s.rows:,}" if s.rows is not None else "-"
        status = s.last_status or "-"
        if s.last_error and s.last_status != "ok":
            status += f": {s.last_error}"
        if s.last_consistency and s.last_consistency != "one statement":
            status += f" [reads: {s.last_consistency}]"  # one point in time, or why not
        print(f"{s.target_table:<28} {rows:>12} {s.last_mode or '-':<12} {last:<20} "
              f"{s.watermark or '-':<28} {status}")
    return EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    from .state import read_runs

    config = load(args)
    if getattr(args, "stats", False):
        from .cli_schedule import run_history_stats

        return run_history_stats(args, config)
    runs = read_runs(config.target_path(), args.table, limit=args.last)
    if args.json:
        print_json([asdict(r) for r in runs])
        return EXIT_OK
    if not runs:
        print("no runs recorded yet")
        return EXIT_OK
    print(f"{'started (UTC)':<20} {'table':<24} {'mode':<12} {'status':<10} {'rows':>10} "
          f"{'secs':>7} {'rows/s':>10}  error")
    for r in runs:
        secs = (r.finished_at - r.started_at).total_seconds() if r.finished_at else 0.0
        print(f"{r.started_at:%Y-%m-%d %H:%M:%S}  {r.target_table:<24} {r.mode:<12} {r.status:<10} "
              f"{r.rows or 0:>10,} {secs:>7.1f} {r.rows_per_s or 0:>10,.0f}  {r.error or ''}")
    return EXIT_OK


def cmd_doctor(args: argparse.Namespace) -> int:
    """Check config, connection, rights and the read path; exit 0 when nothing failed."""
    from .doctor import config_failure_report, render_step, run_doctor

    try:
        config = load(args)
    except TuiSyncError as exc:
        report = config_failure_report(str(getattr(args, "config", "") or ""), exc)
    else:
        live = None if args.json else (lambda step: print(render_step(step), flush=True))
        if live is not None:
            print(f"tui-sync doctor: {config.path or '(demo)'}", flush=True)
        report = run_doctor(config, args.tables, on_step=live)
        if live is not None:
            failed = sum(s.status.value == "fail" for s in report.steps)
            warned = sum(s.status.value == "warning" for s in report.steps)
            print(f"{'all checks passed' if report.ok else f'{failed} check(s) failed'}"
                  + (f", {warned} warning(s)" if warned else ""))
            return report.exit_code
    if args.json:
        print_json(report.to_json())
    else:
        print(report.render())
    return report.exit_code


def cmd_init(args: argparse.Namespace) -> int:
    from importlib.resources import files

    path = Path(args.path or "tui-sync.ini")
    if path.exists():
        raise ConfigError(f"{path} already exists; not overwriting it")
    path.write_text(files("tui_sync").joinpath("config_template.ini").read_text(encoding="utf-8"),
                    encoding="utf-8")
    print(f"wrote {path}; edit [source] and add [table ...] sections, then: tui-sync tables --config {path}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import add_rows, ensure_demo

    path = ensure_demo()
    if args.add_rows is None:
        print(f"demo config: {path}")
        return EXIT_OK
    added = add_rows(args.add_rows)
    for table, n in added.items():
        print(f"added {n:,} rows to {table}")
    return EXIT_OK


def cmd_schedule(args: argparse.Namespace) -> int:
    from .cli_schedule import run_schedule

    return run_schedule(args, load(args))


def cmd_tui(args: argparse.Namespace) -> int:
    try:
        from .tui.app import create_app
    except ImportError as exc:
        raise TuiSyncError(f"the terminal UI is not available in this build ({exc}); "
                           "use the headless commands: tui-sync --help") from None
    config_path = None
    if not args.demo:
        config_path = find_config(args.config)
        load_config(config_path)  # a bad config is a one-line error, not a broken screen
    app = create_app(config_path, demo=args.demo)
    app.run()
    return app.return_code or EXIT_OK  # 130 when a signal (SIGHUP, SIGTERM) ended a run


# -- parser ------------------------------------------------------------------------------------

def _common(json_flag: bool = True) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    src = p.add_mutually_exclusive_group()
    src.add_argument("--config", metavar="PATH", help="config file (default: $TUI_SYNC_CONFIG, "
                     "./tui-sync.ini, then the user config dir)")
    src.add_argument("--demo", action="store_true", help="use the built-in demo source")
    if json_flag:
        p.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tui-sync", parents=[_common(json_flag=False)],
        description="Copy Oracle tables into a local DuckDB file. Without a command, opens the TUI.")
    parser.add_argument("--version", action="version", version=f"tui-sync {__version__}")
    parser.set_defaults(func=cmd_tui)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("sync", parents=[_common()], help="sync tables")
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

    p = sub.add_parser("plan", parents=[_common()], help="print the type plan and SQL; writes nothing")
    p.add_argument("table", metavar="TABLE")
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("tables", parents=[_common()], help="source tables, estimates, sync state")
    p.set_defaults(func=cmd_tables)

    p = sub.add_parser("status", parents=[_common()], help="per-table sync state")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("history", parents=[_common()], help="past runs")
    p.add_argument("table", nargs="?", metavar="TABLE")
    p.add_argument("--last", type=int, default=50, metavar="N", help="how many runs (default 50)")
    p.add_argument("--stats", action="store_true", help="per-table statistics of the runs")
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("doctor", parents=[_common()],
                       help="check config, connection, rights and the type round trip; moves no data")
    p.add_argument("tables", nargs="*", metavar="TABLE", help="tables to check (default: the configured ones)")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("init", help="write a commented config file")
    p.add_argument("path", nargs="?", metavar="PATH", help="default ./tui-sync.ini")
    p.add_argument("--debug", action="store_true")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", help="build or grow the demo source")
    p.add_argument("--add-rows", type=int, metavar="N", help="append N new rows (to try incremental)")
    p.add_argument("--debug", action="store_true")
    p.set_defaults(func=cmd_demo)

    from .cli_schedule import add_schedule_parser
    from .verify import add_verify_parser

    add_verify_parser(sub)

    p = add_schedule_parser(sub)
    if "--debug" not in p._option_string_actions:  # argparse has no public "has option"
        p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.set_defaults(func=cmd_schedule)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from .logs import setup_file_log

    setup_file_log(logging.DEBUG if args.debug else logging.INFO)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except TuiSyncError as exc:
        if args.debug:
            raise
        print(f"tui-sync: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("tui-sync: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `tui-sync ... | head`: the reader left, nothing to report
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
