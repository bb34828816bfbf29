"""`tui-sync query "SQL" [--json | --csv]`: one read-only statement on the target (the core,
and what counts as read-only, is services/query.py), printed as a table aligned in terminal
cells, one JSON document, or CSV. Rows are fetched in batches and written as they come
(JSON, CSV) or counted past --max-rows (the table), so a huge result never sits in memory."""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from rich.cells import cell_len, set_cell_size

from ..cells import pad
from ..errors import ExitCode
from ..i18n import _
from ..preview.db import ColumnInfo
from ..services.query import QueryColumn, run_query
from ..target.spec import target_spec
from .common import common_options, load

MAX_CELL = 60  # a long text is cut to this many terminal cells in the table (not in JSON/CSV)


def cmd_query(args: argparse.Namespace) -> int:
    config = load(args)
    with run_query(target_spec(config), args.sql) as result:
        batches = iter(result.batches())
        first = next(batches, [])  # a failure on the first rows is one error, nothing printed
        rows = _chain(first, batches)
        if args.json:
            _write_json(result.columns, rows)
        elif args.csv:
            _write_csv(result.columns, rows)
        else:
            _write_table(result.columns, rows, args.max_rows)
    return ExitCode.OK


def _chain(first: list[tuple], rest: Iterable[list[tuple]]) -> Iterable[tuple]:
    yield from first
    for batch in rest:
        yield from batch


# -- JSON: decimals as strings (exact), times in ISO 8601 ------------------------------------

def json_value(v: Any) -> Any:
    """A value JSON holds exactly: DECIMAL as a string ("12.500", no float rounding), times
    ISO 8601 ("2026-01-01T08:00:00"), INTERVAL an ISO 8601 duration, BLOB hex, NaN/inf text."""
    if v is None or isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, datetime | date | time):
        return v.isoformat()
    if isinstance(v, timedelta):
        return iso_duration(v)
    if isinstance(v, bytes | bytearray | memoryview):
        return bytes(v).hex()
    if isinstance(v, UUID):
        return str(v)
    if isinstance(v, dict):
        return {str(k): json_value(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [json_value(x) for x in v]
    return str(v)


def iso_duration(d: timedelta) -> str:
    sign = "-" if d < timedelta(0) else ""
    d = abs(d)
    seconds = d.seconds + d.microseconds / 1_000_000
    secs = f"{seconds:f}".rstrip("0").rstrip(".") or "0"
    return f"{sign}P{d.days}DT{secs}S" if d.days else f"{sign}PT{secs}S"


def _write_json(columns: Sequence[QueryColumn], rows: Iterable[tuple]) -> None:
    out = sys.stdout
    head = json.dumps([{"name": c.name, "type": c.type} for c in columns], ensure_ascii=False)
    out.write('{\n  "columns": ' + head + ',\n  "rows": [')
    n = 0
    for row in rows:
        out.write(("," if n else "") + "\n    " + json.dumps([json_value(v) for v in row],
                                                          ensure_ascii=False))
        n += 1
    out.write(("\n  " if n else "") + f'],\n  "row_count": {n}\n}}\n')


# -- CSV: what DuckDB's COPY writes --------------------------------------------------------

def csv_value(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dict | list | tuple):
        return json.dumps(json_value(v), ensure_ascii=False)
    if isinstance(v, float | Decimal | int | str):
        return v
    return json_value(v)


def _write_csv(columns: Sequence[QueryColumn], rows: Iterable[tuple]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow([c.name for c in columns])
    for row in rows:
        writer.writerow([csv_value(v) for v in row])


# -- the table -----------------------------------------------------------------------------

def text_value(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dict | list | tuple):
        text = json.dumps(json_value(v), ensure_ascii=False)
    elif isinstance(v, str):
        text = v
    else:
        text = str(json_value(v))
    # one line per row: a newline or tab inside a value would break the columns
    text = text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    if cell_len(text) > MAX_CELL:
        text = set_cell_size(text, MAX_CELL - 1) + "…"
    return text


def _write_table(columns: Sequence[QueryColumn], rows: Iterable[tuple], max_rows: int) -> None:
    shown: list[list[str]] = []
    total = 0
    for row in rows:
        total += 1
        if len(shown) < max_rows:
            shown.append([text_value(v) for v in row])
    heads = [c.name for c in columns]
    widths = [max([cell_len(h)] + [cell_len(r[i]) for r in shown]) for i, h in enumerate(heads)]
    right = [ColumnInfo(c.name, c.type).is_numeric for c in columns]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(pad(c, w, right=r) for c, w, r in zip(cells, widths, right, strict=True)).rstrip()

    print(line(heads))
    print("  ".join("-" * w for w in widths))
    for r in shown:
        print(line(r))
    count = (_("{n} row") if total == 1 else _("{n} rows")).format(n=f"{total:,}")
    if total > len(shown):
        count += " " + _("(the first {n} shown; --max-rows, or --csv/--json for all)").format(
            n=f"{len(shown):,}")
    print(count)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(_("{text} is not a whole number of rows (0 or more)").format(text=repr(text)))
    return value


def add_query_parser(sub: Any) -> None:
    p = sub.add_parser("query", parents=[common_options(json_flag=False)],
                       help=_("run one read-only SQL statement on the target"))
    p.add_argument("sql", metavar="SQL", help=_("one SELECT (WITH, SHOW, DESCRIBE, SUMMARIZE, "
                                               "EXPLAIN, a reading PRAGMA); anything else is refused"))
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help=_("one JSON document: columns, rows, row_count"))
    out.add_argument("--csv", action="store_true", help=_("CSV on stdout (header and every row)"))
    p.add_argument("--max-rows", type=_count, default=1000, metavar="N",
                   help=_("rows the table shows (default 1000; every row is still counted)"))
    p.set_defaults(func=cmd_query)
