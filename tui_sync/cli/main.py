"""The headless CLI (DESIGN §7) and the entry point that opens the TUI.

Exit codes are tui_sync.errors.ExitCode: 0 ok, 1 a sync failed, 2 bad usage/config/input,
3 another sync holds the lock, 130 interrupted. Errors are one line on stderr unless --debug.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from .. import __version__, i18n
from ..config import find_config, load_config
from ..errors import ConfigError, ExitCode, TuiSyncError
from .common import common_options, print_json
from .export import add_export_parser
from .help_format import CellHelpFormatter, install
from .language import add_lang_option, choose_language
from .migrate import add_migrate_parser
from .query import add_query_parser
from .reports import add_report_parsers
from .schedule import add_schedule_parser
from .state import add_state_parser
from .sync import add_sync_parser


def cmd_init(args: argparse.Namespace) -> int:
    from importlib.resources import files

    path = Path(args.path or "tui-sync.ini")
    if path.exists():
        raise ConfigError(i18n._("{path} already exists; not overwriting it").format(path=path))
    path.write_text(files("tui_sync").joinpath("config_template.ini").read_text(encoding="utf-8"),
                    encoding="utf-8")
    print(i18n._("wrote {path}; edit [source] and add [table ...] sections, then: tui-sync tables "
                 "--config {path}").format(path=path))
    return ExitCode.OK


def cmd_demo(args: argparse.Namespace) -> int:
    from ..demo import add_rows, ensure_demo

    path = ensure_demo()
    if args.add_rows is None:
        print(i18n._("demo config: {path}").format(path=path))
        return ExitCode.OK
    added = add_rows(args.add_rows)
    for table, n in added.items():
        print(i18n._("added {rows} rows to {table}").format(rows=f"{n:,}", table=table))
    return ExitCode.OK


def cmd_tui(args: argparse.Namespace) -> int:
    try:
        from ..tui.app import create_app
    except ImportError as exc:
        raise TuiSyncError(i18n._("the terminal UI is not available in this build ({error}); "
                                  "use the headless commands: tui-sync --help").format(error=exc)) from None
    config_path = None
    if not args.demo:
        try:
            config_path = find_config(args.config)
        except ConfigError:
            config_path = None  # a first start: the TUI opens the Connection screen to write one
        if config_path is not None and config_path.exists():
            load_config(config_path)  # a bad config is a one-line error, not a broken screen
    app = create_app(config_path, demo=args.demo)
    app.run()
    return app.return_code or ExitCode.OK  # 130 when a signal (SIGHUP, SIGTERM) ended a run


class _Parser(argparse.ArgumentParser):
    """argparse, keeping its usage error's message for the `--json` error document."""

    last_error: str | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", CellHelpFormatter)  # subcommands' parsers too
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        _Parser.last_error = message
        super().error(message)


def _json_error(message: str, code: int) -> None:
    """With --json, a failure is one JSON document on stdout too (scripts parse stdout)."""
    print_json({"error": message, "exit_code": int(code)})


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tui-sync", parents=[common_options(json_flag=False)],
        description=i18n._("Copy Oracle tables into a local DuckDB file. Without a command, opens "
                           "the TUI."))
    parser.add_argument("--version", action="version", version=f"tui-sync {__version__}")
    parser.set_defaults(func=cmd_tui)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_sync_parser(sub)
    add_report_parsers(sub)

    p = sub.add_parser("init", help=i18n._("write a commented config file"))
    p.add_argument("path", nargs="?", metavar="PATH", help=i18n._("default ./tui-sync.ini"))
    p.add_argument("--debug", action="store_true")
    add_lang_option(p)
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", help=i18n._("build or grow the demo source"))
    p.add_argument("--add-rows", type=int, metavar="N", help=i18n._("append N new rows (to try incremental)"))
    p.add_argument("--debug", action="store_true")
    add_lang_option(p)
    p.set_defaults(func=cmd_demo)

    from .verify import add_verify_parser

    add_verify_parser(sub)
    add_schedule_parser(sub)
    add_migrate_parser(sub)
    add_export_parser(sub)
    add_query_parser(sub)
    add_state_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    i18n.set_language(choose_language(words))  # before the parser: its --help is translated
    install()  # argparse's own words ("usage: ", "options") in that language too
    parser = build_parser()
    try:
        args = parser.parse_args(words)
    except SystemExit as exc:
        if exc.code not in (0, None) and "--json" in words:  # a usage error, not --help
            _json_error(_Parser.last_error or "bad usage", ExitCode.USAGE)
        raise
    wants_json = bool(getattr(args, "json", False))
    from ..logs import setup_file_log

    setup_file_log(logging.DEBUG if args.debug else logging.INFO)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except TuiSyncError as exc:
        if args.debug:
            raise
        print(i18n._("tui-sync: error: {message}").format(message=exc), file=sys.stderr)
        if wants_json:
            _json_error(str(exc), exc.exit_code)
        return exc.exit_code
    except (KeyboardInterrupt, RuntimeError) as exc:
        # DuckDB turns a Ctrl-C during a statement (query, export) into
        # RuntimeError("Query interrupted"); any other RuntimeError is a bug: shown as one
        if isinstance(exc, RuntimeError) and "interrupted" not in str(exc).lower():
            raise
        print(i18n._("tui-sync: interrupted"), file=sys.stderr)
        if wants_json:
            _json_error("interrupted", ExitCode.INTERRUPTED)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:  # `tui-sync ... | head`: the reader left, nothing to report
        sys.stderr.close()
        return ExitCode.OK
