"""A table's type plan as text: what `tui-sync plan` prints and the TUI's Plan view shows.

The report comes from `Engine(config).plan(name)` (it describes the table at the source
and builds the SQL; nothing is written). Headings are in the user's language; SQL, binds,
type names and column names stay as they are."""

from __future__ import annotations

from ..cells import cell_len, pad
from ..engine import PlanReport
from ..i18n import N_, _

# The kind of each SQL statement, as its heading shows it: "SQL (full):".
_SQL_KINDS = {"full": N_("full"), "test": N_("test"), "incremental": N_("incremental")}


def plan_lines(report: PlanReport) -> list[str]:
    """The column plan, the warnings and the SQL, one line each (no colour: reads as plain text)."""
    pk_label, cursor_label = _("primary key:"), _("cursor:")
    width = max(cell_len(pk_label), cell_len(cursor_label)) + 1
    out = [_("Table {table} -> {target}").format(table=report.description.info.name,
                                                  target=report.target),
           "  " + pad(pk_label, width)
           + (", ".join(report.primary_key) or _("(none: incremental deletes the window)")),
           "  " + pad(cursor_label, width) + (report.cursor or _("(none: auto mode runs full)")),
           "",
           "  " + " ".join([pad(_("source column"), 24), pad(_("source type"), 26),
                            pad(_("target column"), 24), _("duckdb type")])]
    for c in report.plan.columns:
        src = c.source.declared()
        dst = c.duckdb_type or _("(skipped)")
        if c.conversion.value != "none":
            dst += f"  [{c.conversion.value}]"
        out.append(f"  {pad(c.name, 24)} {src:<26} {pad(c.target_name, 24)} {dst}")
    sync_column = _("(sync column)")
    for name, duckdb_type in report.sync_columns.items():  # [sync] sync_columns = true
        out.append(f"  {pad(sync_column, 24)} {'':<26} {pad(name, 24)} {duckdb_type}")
    if report.warnings:
        out += ["", _("Warnings:")] + [f"  - {w}" for w in report.warnings]
    for kind, (sql, binds) in report.sql.items():
        shown = _(_SQL_KINDS[kind]) if kind in _SQL_KINDS else kind
        out += ["", _("SQL ({kind}):").format(kind=shown), f"  {sql}"]
        if binds:
            out.append(_("  binds: {binds}").format(binds=binds))
    return out


__all__ = ["plan_lines"]
