"""The `tui-sync verify` command: its argparse parser and its exit codes. The use case is
services/verify (shared with the TUI); the report's text is services/verify_report."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import ConfigError, ExitCode, TuiSyncError
from ..i18n import N_, _
from ..services.verify import verify_table
from ..services.verify_report import format_report
from .common import common_options, load, print_json
from .help_format import CellRawDescriptionFormatter

VERIFY_HELP = N_("""\
Compare the source table with its DuckDB target, per partition (cursor day, primary-key
range, or the whole table). Exit 0 when they match, 1 when they differ.

Default: row counts, sums of numeric columns, and a content hash over every column of
every row (a canonical text of what the SOURCE holds: a target value that was edited,
rounded, truncated, moved to another row, or NULL instead of '' is reported, with its
partition and column). It reads the whole table on both sides.

--quick: row counts and numeric sums only. It sees lost, extra and duplicated rows and
changed numbers, but not edited text, timestamps or binary values, nor values swapped
between rows. On Oracle the content check needs 12c or later (STANDARD_HASH) and does
not hash LOB, LONG or VECTOR columns (listed as not content-checked).

--at RUN (a DuckLake target): the lake as that run committed it, against the source as of
the SCN the run's reads were pinned to (chunked full syncs of an Oracle table record it).""")


def cmd_verify(args: argparse.Namespace) -> int:
    from ..services.table_globs import expand_table_names, is_glob

    config = load(args)
    names = expand_table_names(config, args.tables)
    quick, at = bool(getattr(args, "quick", False)), getattr(args, "at", None)
    if len(args.tables) == 1 and not is_glob(args.tables[0]):  # one table: as before
        report = verify_table(config, names[0], quick=quick, at=at)
        if args.json:
            print_json(report.to_dict())
        else:
            print(format_report(report))
        return ExitCode.OK if report.ok else ExitCode.FAILED
    if at is not None:
        raise ConfigError(_("--at names one run, of one table: give one TABLE (not several or a glob)"))
    # Several: each table is verified (one that cannot be is reported, the rest still run);
    # the exit code is the worst of them.
    code, docs, texts = int(ExitCode.OK), [], []
    for name in names:
        try:
            report = verify_table(config, name, quick=quick, at=at)
        except TuiSyncError as exc:
            print(_("tui-sync: error: {message}").format(message=exc), file=sys.stderr)
            docs.append({"table": name, "ok": False, "error": str(exc), "exit_code": exc.exit_code})
            code = max(code, int(exc.exit_code))
            continue
        docs.append(report.to_dict())
        texts.append(format_report(report))
        code = max(code, int(ExitCode.OK if report.ok else ExitCode.FAILED))
    if args.json:
        print_json(docs)
    elif texts:
        print("\n\n".join(texts))
    return code


def add_verify_parser(subparsers: Any) -> argparse.ArgumentParser:
    """`tui-sync verify TABLE... [--quick] [--json] [--config PATH | --demo]`."""
    p = subparsers.add_parser(
        "verify", parents=[common_options()], formatter_class=CellRawDescriptionFormatter,
        help=_("compare source and target by content, per partition"),
        description=_(VERIFY_HELP))
    p.add_argument("tables", nargs="+", metavar="TABLE",
                   help=_("table names or globs ('SALES.*'); several: each is verified, the exit "
                          "code is the worst"))
    p.add_argument("--quick", action="store_true",
                   help=_("row counts and sums of numeric columns only: fast, but blind to edited "
                          "text, timestamps and binary values and to values swapped between rows"))
    p.add_argument("--at", metavar="RUN",
                   help=_("a lake target: compare the table as run RUN left it (tui-sync history "
                          "shows run ids) with the source at the Oracle SCN that run read"))
    p.set_defaults(func=cmd_verify)
    return p


__all__ = ["VERIFY_HELP", "add_verify_parser", "cmd_verify"]
