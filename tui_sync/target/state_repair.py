"""Repairs of the sync state by hand (`tui-sync state set-watermark TABLE VALUE`): under the
sync lock, the new watermark and a tui_sync.runs row saying old and new are written in one
transaction, on a DuckDB file or a lake alike."""

from __future__ import annotations

from dataclasses import dataclass, replace

import duckdb

from ..errors import ConfigError
from ..i18n import _, line_of
from . import travel
from .duckdb import connect
from .lock import SyncLock
from .spec import Target, as_spec
from .state import (
    REPAIR_MODE,
    RunRecord,
    TableState,
    ensure_schema,
    get_table_state,
    insert_run,
    new_run_id,
    put_table_state,
    utcnow,
)
from .watermark import decode_watermark, encode_watermark, parse_watermark_input


@dataclass(frozen=True)
class WatermarkChange:
    table: str
    cursor: str
    kind: str
    old: str | None
    new: str
    run_id: str


def set_watermark(db_path: Target, table: str, text: str) -> WatermarkChange:
    """Set `table`'s watermark to `text` parsed as its recorded watermark_type. Raises
    LockHeldError (exit 3) while a sync holds the target, ConfigError (exit 2) for a table
    with no state to repair (never fully synced, no cursor) or a value of the wrong kind."""
    spec = as_spec(db_path)
    if not spec.exists():
        raise ConfigError(_("{table}: never synced into {target}: no watermark to repair").format(
            table=table, target=spec.display))
    with SyncLock(spec, "state set-watermark", [table]):
        con = connect(spec, create=False)
        try:
            if not _has_state(con):
                raise ConfigError(_("{table}: never synced into {target}: no watermark to repair")
                                  .format(table=table, target=spec.display))
            ensure_schema(con)  # a file of an older version gets the newer columns (runs.note)
            row = con.execute("SELECT target_table FROM tui_sync.tables WHERE lower(target_table) "
                              "= lower(?)", [table]).fetchone()
            state = get_table_state(con, row[0]) if row else None
            if state is None:
                raise ConfigError(_("{table}: never fully synced: no watermark to repair (run a "
                                    "full sync)").format(table=table))
            kind = _kind_of(state)
            old_value = decode_watermark(state.watermark, kind)
            try:
                value = parse_watermark_input(text, kind, old_value)
            except ValueError as exc:
                raise ConfigError(_("{table}: watermark {text!r}: the cursor {cursor} holds {kind} "
                                    "values; {error}").format(
                    table=table, text=text, cursor=state.cursor_column, kind=kind, error=line_of(exc))
                ) from None
            new_text, new_kind = encode_watermark(value)
            assert new_text is not None and new_kind is not None
            now = utcnow()
            run = RunRecord(new_run_id(), state.target_table, state.source_table, REPAIR_MODE,
                            "ok", now, now, 0, 0.0, None,
                            note=f"watermark {state.watermark} -> {new_text}")
            con.execute("BEGIN TRANSACTION")
            try:
                put_table_state(con, replace(state, watermark=new_text, watermark_type=new_kind))
                insert_run(con, run)
                if spec.is_lake:
                    travel.tag_run_commit(con, run)
                con.execute("COMMIT")
            except BaseException:
                try:
                    con.execute("ROLLBACK")
                except duckdb.Error:
                    pass  # the failed COMMIT ended the transaction already
                raise
        finally:
            con.close()
    return WatermarkChange(state.target_table, state.cursor_column or "", new_kind,
                           state.watermark, new_text, run.run_id)


def _kind_of(state: TableState) -> str:
    if not state.cursor_column:
        raise ConfigError(_("{table}: has no cursor column: it syncs in full, there is no "
                            "watermark to set").format(table=state.target_table))
    if state.watermark_type is None:
        raise ConfigError(_("{table}: no watermark recorded yet (the source held no rows at its "
                            "last full sync); its type is unknown: run a sync").format(
            table=state.target_table))
    return state.watermark_type


def _has_state(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_catalog = current_database() "
        "AND table_schema = 'tui_sync' AND table_name = 'tables'").fetchone()
    return found is not None


__all__ = ["WatermarkChange", "set_watermark"]
