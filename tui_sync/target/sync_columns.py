"""Optional sync metadata columns (`[sync] sync_columns = true`, dlt's load ids):
`_tui_sync_run_id` (the run's id in tui_sync.runs) and `_tui_sync_synced_at` (TIMESTAMPTZ, the
run's START time) as the last columns of every target.

Values are written by the INSERT that loads a batch into the staging table (literals in its
SELECT, never through Python rows), so a full swap and an incremental merge carry them as they
are: an upserted row gets the new run's id, a keyless window's re-read rows too. The START time,
not the commit time, because it is known before the first row is written: a commit time would
need an UPDATE of every loaded row after the fact, which in a lake rewrites every data file. It
is also tui_sync.runs.started_at, so a row joins its run on either column. A chunked full sync
resumed by a later run keeps the id (and start) of the run that read each chunk.

Turned off, the columns of a target that has them stay (new rows hold NULL). They are never
part of the type plan: the schema versions, schema drift and verify see the source's columns only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from ..errors import ConfigError
from ..i18n import _

RUN_ID = "_tui_sync_run_id"
SYNCED_AT = "_tui_sync_synced_at"
COLUMNS: dict[str, str] = {RUN_ID: "VARCHAR", SYNCED_AT: "TIMESTAMPTZ"}


@dataclass(frozen=True)
class SyncColumns:
    """The sync columns one run's tables get: filled with `run_id`/`started` when the setting
    is on; None values (setting off, the target has them already) leave them NULL."""

    run_id: str | None = None
    started: datetime | None = None  # naive UTC (tui_sync.runs' convention) or aware

    @property
    def names(self) -> list[str]:
        return list(COLUMNS)

    def fill(self) -> list[tuple[str, str]]:
        """(column, SQL literal) pairs an INSERT sets; empty when off (the columns stay NULL)."""
        if self.run_id is None or self.started is None:
            return []
        at = self.started if self.started.tzinfo else self.started.replace(tzinfo=UTC)
        return [(RUN_ID, _literal(self.run_id)),
                (SYNCED_AT, f"CAST({_literal(at.isoformat())} AS TIMESTAMPTZ)")]


def for_run(on: bool, run_id: str, started: datetime, target_columns: Iterable[str]
            ) -> SyncColumns | None:
    """What a run writes: filled when `on`; kept NULL when off but the target has them (they
    stay: a full sync recreates them); None when off and the target has none."""
    if on:
        return SyncColumns(run_id, started)
    if has_any(target_columns):
        return SyncColumns()
    return None


def has_any(columns: Iterable[str]) -> bool:
    return any(c in COLUMNS for c in columns)


def missing(columns: Iterable[str]) -> list[tuple[str, str]]:
    """The sync columns (name, type) a table with `columns` lacks."""
    have = set(columns)
    return [(c, t) for c, t in COLUMNS.items() if c not in have]


def check_plan(target_names: Iterable[str], table: str) -> None:
    """ConfigError when a source column would land on a sync column's name (DuckDB names
    match case-insensitively)."""
    lowered = {c.lower() for c in COLUMNS}
    hit = next((n for n in target_names if n.lower() in lowered), None)
    if hit is not None:
        raise ConfigError(_("{table}: source column {column} has the name of a sync column "
                            "([sync] sync_columns); leave it out (exclude = ...) or set "
                            "sync_columns = false").format(table=table, column=hit))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def extra(sc: SyncColumns | None) -> dict[str, str] | None:
    """The columns a staging table gets beyond the plan's (create_table's `extra`)."""
    return dict(COLUMNS) if sc is not None else None


def fill(sc: SyncColumns | None) -> list[tuple[str, str]]:
    """What an INSERT into the staging table sets (append_stream's `fill`)."""
    return sc.fill() if sc is not None else []
