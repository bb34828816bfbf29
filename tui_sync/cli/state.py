"""`tui-sync state show TABLE` and `tui-sync state set-watermark TABLE VALUE`: inspect a
table's sync state (tui_sync.tables and its last runs) and repair its watermark by hand."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from ..cells import cell_len, pad
from ..config import Config, find_table_key
from ..errors import ExitCode, UnknownTableError
from ..i18n import _
from ..target.spec import target_spec
from ..target.state import TableState, read_runs, read_table_states
from ..target.watermark import decode_watermark
from ..words import mode_word, status_word
from .common import common_options, load, print_json


def _target_name(config: Config, name: str) -> str:
    """A configured table's target, or the name itself (a target table's name)."""
    key = find_table_key(config.tables, name)
    return config.tables[key].target_name() if key else name


def cmd_state_show(args: argparse.Namespace) -> int:
    config = load(args)
    spec = target_spec(config)
    wanted = _target_name(config, args.table)
    states = read_table_states(spec)
    found = next((s for t, s in states.items() if t.lower() == wanted.lower()), None)
    if found is None:
        configured = find_table_key(config.tables, args.table) is not None
        raise UnknownTableError(
            _("table {table} not found: no sync state for it in {target}").format(
                table=args.table, target=spec.display)
            + (" " + _("(it is configured but was never synced)") if configured else ""))
    runs = read_runs(spec, found.target_table, limit=args.last)
    if args.json:
        print_json({"table": found.target_table, "state": asdict(found),
                    "runs": [asdict(r) for r in runs]})
        return ExitCode.OK
    print("\n".join(_state_lines(found)))
    if runs:
        print("\n" + _("last {n} run(s):").format(n=len(runs)))
        print("  " + pad(_("started (UTC)"), 19) + "  " + " ".join([
            pad(_("mode"), 13), pad(_("status"), 9), pad(_("rows"), 10, right=True)])
            + "  " + _("note / error"))
        for r in runs:
            said = "; ".join(x for x in (r.note, r.error) if x)
            print(f"  {r.started_at:%Y-%m-%d %H:%M:%S}  {pad(mode_word(r.mode), 13)} "
                  f"{pad(status_word(r.status), 9)} "
                  f"{r.rows or 0:>10,}  {said}")
    return ExitCode.OK


def _state_lines(s: TableState) -> list[str]:
    def shown(value: Any) -> str:
        return "-" if value is None or value == "" else str(value)

    watermark = shown(s.watermark) + (f"  ({s.watermark_type})" if s.watermark_type else "")
    last = status_word(s.last_status) if s.last_status else "-"
    if s.last_run_at is not None:
        last += " " + _("at {time}").format(time=f"{s.last_run_at:%Y-%m-%d %H:%M:%S}")
    if s.last_error:
        last += f": {s.last_error}"
    labels = [_("table"), _("cursor"), _("primary key"), _("watermark"), _("rows"),
              _("schema version"), _("last success"), _("last run")]
    width = max(16, *(cell_len(label) + 2 for label in labels))
    values = [_("{table} (source {source})").format(table=s.target_table, source=shown(s.source_table)),
              shown(s.cursor_column), shown(s.primary_key), watermark,
              shown(s.rows if s.rows is None else f"{s.rows:,}"), shown(s.schema_version),
              _("{mode} at {time}").format(mode=mode_word(s.last_mode) if s.last_mode else "-",
                                           time=shown(s.last_success_at)),
              last]
    return [pad(label, width) + value for label, value in zip(labels, values, strict=True)]


def cmd_state_set_watermark(args: argparse.Namespace) -> int:
    from ..target.state_repair import set_watermark

    config = load(args)
    spec = target_spec(config)
    change = set_watermark(spec, _target_name(config, args.table), args.value)
    if args.json:
        print_json(asdict(change))
        return ExitCode.OK
    print(_("{table}: watermark {old} -> {new} (cursor {cursor}, {kind}; run {run})").format(
        table=change.table, old=change.old or _("(none)"), new=change.new, cursor=change.cursor,
        kind=change.kind, run=change.run_id))
    old = decode_watermark(change.old, change.kind)
    try:
        ahead = old is not None and decode_watermark(change.new, change.kind) > old
    except TypeError:
        ahead = False
    if ahead:
        print(_("note: incremental syncs start from the new value: source rows between the two "
                "that the target lacks are not read (a backfill reads them: sync TABLE --since "
                "VALUE)"))
    return ExitCode.OK


def _runs_wanted(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("{text} is not a whole number").format(text=repr(text))) from None
    if value < 0:
        raise argparse.ArgumentTypeError(_("{value} is below 0").format(value=value))
    return value


def add_state_parser(sub: Any) -> None:
    p = sub.add_parser("state", help=_("inspect or repair a table's sync state"))
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    show = verbs.add_parser("show", parents=[common_options()],
                            help=_("a table's row of tui_sync.tables and its last runs"))
    show.add_argument("table", metavar="TABLE", help=_("a configured table or a target table"))
    show.add_argument("--last", type=_runs_wanted, default=5, metavar="N", help=_("runs to show (default 5)"))
    show.set_defaults(func=cmd_state_show)
    sw = verbs.add_parser(
        "set-watermark", parents=[common_options()],
        help=_("set a table's watermark by hand (recorded in tui_sync.runs)"),
        description=_("Set the watermark the next incremental sync starts from (minus the "
                      "lookback). VALUE is parsed with the type recorded for it: an ISO date or "
                      "date-time, a number, or text. Takes the sync lock (exit 3 while a sync "
                      "runs). Moving it forward makes incremental syncs skip source rows below "
                      "it; moving it back re-reads them."))
    sw.add_argument("table", metavar="TABLE", help=_("a configured table or a target table"))
    sw.add_argument("value", metavar="VALUE")
    sw.set_defaults(func=cmd_state_set_watermark)
