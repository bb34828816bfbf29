"""Read-only commands: `plan`, `tables`, `status`, `history` (and its `--stats` table) and
`doctor`. None of them writes to the target."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime, tzinfo
from typing import Any

from rich.cells import cell_len

from ..cells import pad
from ..config import Config, find_table_key
from ..errors import ExitCode, TuiSyncError, UnknownTableError
from ..i18n import _
from ..scheduler import schedule_zone
from ..stats import TableStats, stats_document, table_stats
from ..target.spec import target_spec
from ..words import mode_word, status_word
from .backfill import add_backfill_options, backfill_of
from .common import common_options, load, print_json


def cmd_plan(args: argparse.Namespace) -> int:
    from ..engine import Engine
    from ..services.table_globs import expand_table_names, is_glob

    config = load(args)
    engine = Engine(config)
    backfill = backfill_of(args)
    reports = [engine.plan(name, backfill=backfill)
               for name in expand_table_names(config, args.tables)]
    if args.json:
        docs = [_plan_doc(r) for r in reports]
        # one plain name: one document, as before; several names or a glob: a list
        one = len(args.tables) == 1 and not is_glob(args.tables[0])
        print_json(docs[0] if one else docs)
        return ExitCode.OK
    from ..services.plan import plan_lines  # the TUI's Plan view shows the same lines

    print("\n\n".join("\n".join(plan_lines(r)) for r in reports))
    return ExitCode.OK


def _plan_doc(report: Any) -> dict[str, Any]:
    return {
        "table": report.description.info.name, "target": report.target,
        "cursor": report.cursor, "primary_key": list(report.primary_key),
        "columns": [{"source": c.name, "source_type": c.source.declared(),
                     "precision": c.source.precision, "scale": c.source.scale,
                     "target": c.target_name, "duckdb_type": c.duckdb_type,
                     "conversion": c.conversion.value, "skipped": c.skipped,
                     "warning": c.warning} for c in report.plan.columns],
        "sync_columns": report.sync_columns,
        "warnings": report.warnings,
        "cursor_index": None if report.cursor_index is None else {
            "index": report.cursor_index.index, "create": report.cursor_index.create or None},
        "sql": {k: {"sql": s, "binds": b} for k, (s, b) in report.sql.items()},
    }


def cmd_tables(args: argparse.Namespace) -> int:
    from ..services.catalog import load_catalog

    config = load(args)
    rows = []
    for e in load_catalog(config).entries(config):
        s = e.state
        rows.append({"table": e.name, "estimated_rows": e.estimated_rows, "configured": e.configured,
                     "target": e.target, "rows": s.rows if s else None,
                     "last_success_at": s.last_success_at if s else None,
                     "last_status": s.last_status if s else None})
    if args.json:
        print_json(rows)
        return ExitCode.OK
    print(" ".join([pad(_("table"), 36), pad(_("est. rows"), 12, right=True), pad(_("target"), 28),
                    pad(_("synced rows"), 12, right=True)]) + "  " + _("last sync"))
    for r in rows:
        est = f"{r['estimated_rows']:,}" if r["estimated_rows"] is not None else "?"
        synced = f"{r['rows']:,}" if r["rows"] is not None else "-"
        last = f"{r['last_success_at']:%Y-%m-%d %H:%M}" if r["last_success_at"] else _("never")
        print(f"{pad(r['table'], 36)} {est:>12} {pad(r['target'], 28)} {synced:>12}  {last}"
              + (f" ({r['last_status']})" if r["last_status"] else ""))
    return ExitCode.OK


def cmd_status(args: argparse.Namespace) -> int:
    from ..services.catalog import read_target_state
    from ..target.open_lines import open_lines

    config = load(args)
    states = read_target_state(config).states
    lines = open_lines(target_spec(config))
    if args.json:
        # still a list of tables (what scripts read); each also says how to open the data
        print_json([{**asdict(s), "open": lines.as_dict()} for s in states.values()])
        return ExitCode.OK
    if not states:
        print(_("no sync state yet in {target}").format(target=target_spec(config).display))
        return ExitCode.OK
    print(" ".join([pad(_("target"), 28), pad(_("rows"), 12, right=True), pad(_("mode"), 12),
                    pad(_("last success (UTC)"), 20), pad(_("watermark"), 28), _("status")]))
    for s in states.values():
        last = f"{s.last_success_at:%Y-%m-%d %H:%M:%S}" if s.last_success_at else _("never")
        rows = f"{s.rows:,}" if s.rows is not None else "-"
        status = status_word(s.last_status) if s.last_status else "-"
        if s.last_error and s.last_status != "ok":
            status += f": {s.last_error}"
        if s.last_consistency and s.last_consistency != "one statement":
            # one point in time, or why not
            status += " " + _("[reads: {consistency}]").format(consistency=s.last_consistency)
        mode = mode_word(s.last_mode) if s.last_mode else "-"
        print(f"{pad(s.target_table, 28)} {rows:>12} {pad(mode, 12)} {pad(last, 20)} "
              f"{pad(s.watermark or '-', 28)} {status}")
    print("\n".join(lines.text()))
    return ExitCode.OK


def cmd_history(args: argparse.Namespace) -> int:
    from ..target.state import read_runs

    config = load(args)
    if (args.table and find_table_key(config.tables, args.table) is None
            and not read_runs(target_spec(config), args.table, limit=1)):
        # like `plan NOPE` or `sync NOPE`: a name neither configured nor ever synced is a typo
        raise UnknownTableError(
            _("table {table} not found: it has no [table] section in {config} and no runs "
              "recorded").format(table=args.table, config=config.path or _("the config")))
    if getattr(args, "stats", False):
        return run_history_stats(args, config)
    runs = read_runs(target_spec(config), args.table, limit=args.last)
    if args.json:
        print_json([asdict(r) for r in runs])
        return ExitCode.OK
    if not runs:
        print(_("no runs recorded yet"))
        return ExitCode.OK
    # a lake: each ok run is a snapshot (`verify --at RUN`, Preview "as of run")
    lake = any(r.snapshot_id is not None for r in runs)
    head = pad(_("run"), 16) + "  " + pad(_("snapshot"), 8, right=True) + "  " if lake else ""
    print(pad(_("started (UTC)"), 20) + " " + head + " ".join([
        pad(_("table"), 24), pad(_("mode"), 12), pad(_("status"), 10), pad(_("rows"), 10, right=True),
        pad(_("secs"), 7, right=True), pad(_("rows/s"), 10, right=True)]) + "  " + _("error / note"))
    for r in runs:
        secs = (r.finished_at - r.started_at).total_seconds() if r.finished_at else 0.0
        snap = "" if r.snapshot_id is None else str(r.snapshot_id)
        cells = f"{r.run_id:<16}  {snap:>8}  " if lake else ""
        print(f"{r.started_at:%Y-%m-%d %H:%M:%S}  {cells}{pad(r.target_table, 24)} "
              f"{pad(mode_word(r.mode), 12)} {pad(status_word(r.status), 10)} {r.rows or 0:>10,} "
              f"{secs:>7.1f} {r.rows_per_s or 0:>10,.0f}  "
              f"{'; '.join(x for x in (r.error, r.note) if x)}")  # note: a backfill, a repair
    return ExitCode.OK


def cmd_doctor(args: argparse.Namespace) -> int:
    """Check config, connection, rights and the read path; exit 0 when nothing failed."""
    from ..doctor import config_failure_report, render_step, run_doctor

    try:
        config = load(args)
    except TuiSyncError as exc:
        report = config_failure_report(str(getattr(args, "config", "") or ""), exc)
    else:
        from ..services.table_globs import expand_table_names

        tables = expand_table_names(config, args.tables)  # a glob matching nothing: exit 2
        live = None if args.json else (lambda step: print(render_step(step), flush=True))
        if live is not None:
            print("tui-sync doctor: " + str(config.path or _("(demo)")), flush=True)
        report = run_doctor(config, tables, on_step=live)
        if live is not None:
            failed = sum(s.status.value == "fail" for s in report.steps)
            warned = sum(s.status.value == "warning" for s in report.steps)
            print((_("all checks passed") if report.ok
                   else _("{n} check(s) failed").format(n=failed))
                  + (_(", {n} warning(s)").format(n=warned)
                     if warned else ""))
            return report.exit_code
    if args.json:
        print_json(report.to_json())
    else:
        print(report.render())
    return report.exit_code


# -- history --stats ---------------------------------------------------------------------

def run_history_stats(args: argparse.Namespace, config: Config, *, now: datetime | None = None) -> int:
    """`tui-sync history [TABLE] --stats [--json]`. A TargetBusyError (another process has
    the DuckDB file open for writing) propagates to the main CLI's error handler (exit 3)."""
    name = getattr(args, "table", None)
    if isinstance(name, list):  # a nargs='*' TABLE positional
        name = name[0] if name else None
    target = config.table(name).target_name() if name else None
    include = [target] if target else [tc.target_name() for tc in config.tables.values()]
    stats = table_stats(target_spec(config), now=now, table=target, include=include)
    if getattr(args, "json", False):
        print(json.dumps(stats_document(stats, now), ensure_ascii=False, indent=2))
    else:
        print(format_stats(stats, schedule_zone(config)), end="")
    return ExitCode.OK


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
        return _("no runs recorded yet") + "\n"
    head = [_("table"), _("runs 7d"), _("30d"), _("ok%"), _("mean"), _("last run"), _("status"),
            _("time"), _("rows"), _("rows/s")]
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
            out.append("    " + _("last error {time}: {error}").format(
                time=_local(s.last_error_at, tz), error=s.last_error))
    tz_name = datetime.now(tz).strftime("%Z")
    out.append(_("(times in {zone}; ok%, mean time and rows/s over the last 30 days' runs)")
               .format(zone=tz_name))
    return "\n".join(out) + "\n"


def add_report_parsers(sub: Any) -> None:
    p = sub.add_parser("plan", parents=[common_options()], help=_("print the type plan and SQL; writes nothing"))
    p.add_argument("tables", nargs="+", metavar="TABLE", help=_("table names or globs ('SALES.*')"))
    add_backfill_options(p)  # the SQL of a backfill window (`sync --since`)
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("tables", parents=[common_options()], help=_("source tables, estimates, sync state"))
    p.set_defaults(func=cmd_tables)

    p = sub.add_parser("status", parents=[common_options()], help=_("per-table sync state"))
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("history", parents=[common_options()], help=_("past runs"))
    p.add_argument("table", nargs="?", metavar="TABLE")
    p.add_argument("--last", type=int, default=50, metavar="N", help=_("how many runs (default 50)"))
    p.add_argument("--stats", action="store_true", help=_("per-table statistics of the runs"))
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("doctor", parents=[common_options()],
                       help=_("check config, connection, rights and the type round trip; moves no data"))
    p.add_argument("tables", nargs="*", metavar="TABLE",
                   help=_("tables or globs to check (default: the configured ones)"))
    p.set_defaults(func=cmd_doctor)
