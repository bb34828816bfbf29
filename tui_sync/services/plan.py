"""A table's type plan as text: what `tui-sync plan` prints and the TUI's Plan view shows.

The report comes from `Engine(config).plan(name)` (it describes the table at the source
and builds the SQL; nothing is written)."""

from __future__ import annotations

from ..cells import pad
from ..engine import PlanReport


def plan_lines(report: PlanReport) -> list[str]:
    """The column plan, the warnings and the SQL, one line each (no colour: reads as plain text)."""
    out = [f"Table {report.description.info.name} -> {report.target}",
           f"  primary key: {', '.join(report.primary_key) or '(none: incremental deletes the window)'}",
           f"  cursor:      {report.cursor or '(none: auto mode runs full)'}", "",
           f"  {'source column':<24} {'source type':<26} {'target column':<24} duckdb type"]
    for c in report.plan.columns:
        src = c.source.declared()
        dst = c.duckdb_type or "(skipped)"
        if c.conversion.value != "none":
            dst += f"  [{c.conversion.value}]"
        out.append(f"  {pad(c.name, 24)} {src:<26} {pad(c.target_name, 24)} {dst}")
    for name, duckdb_type in report.sync_columns.items():  # [sync] sync_columns = true
        out.append(f"  {'(sync column)':<24} {'':<26} {pad(name, 24)} {duckdb_type}")
    if report.warnings:
        out += ["", "Warnings:"] + [f"  - {w}" for w in report.warnings]
    for kind, (sql, binds) in report.sql.items():
        out += ["", f"SQL ({kind}):", f"  {sql}"]
        if binds:
            out.append(f"  binds: {binds}")
    return out


__all__ = ["plan_lines"]
