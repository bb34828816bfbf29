"""`tui-sync export TABLE --to FILE.parquet|FILE.csv`: a target table to a file, written by
DuckDB (the core is services/export.py), through a read-only connection."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import ExitCode
from ..i18n import _
from ..services.export import export_table
from .common import common_options, load, print_json


def cmd_export(args: argparse.Namespace) -> int:
    config = load(args)
    result = export_table(config, args.table, args.to, where=args.where, columns=args.columns)
    if args.json:
        print_json({"table": result.table, "path": str(result.path), "rows": result.rows,
                    "format": result.format})
    else:
        print((_("wrote {rows} row to {file}") if result.rows == 1
               else _("wrote {rows} rows to {file}")).format(rows=f"{result.rows:,}", file=args.to))
    return ExitCode.OK


def add_export_parser(sub: Any) -> None:
    p = sub.add_parser("export", parents=[common_options()],
                       help=_("write a target table to a Parquet or CSV file"))
    p.add_argument("table", metavar="TABLE",
                   help=_("a configured table (its section name) or a target table (analytics.events)"))
    p.add_argument("--to", required=True, metavar="FILE", help=_("FILE.parquet or FILE.csv"))
    p.add_argument("--where", metavar="SQL", help=_("only the rows this condition holds for"))
    p.add_argument("--columns", nargs="+", metavar="COL",
                   help=_("only these columns, in this order (A,B or A B)"))
    p.set_defaults(func=cmd_export)
