"""Move a DuckDB-file target into a DuckLake (`tui-sync migrate-target`).

Every table of the file (its synced tables, leftovers of an interrupted load included, and
the `tui_sync.*` state: watermarks, schema versions, runs, resume points) is copied into the
lake in ONE lake transaction, so a reader sees all of it or none, and the next sync on the
lake continues from the file's watermarks. The file is attached READ_ONLY and never
changed. Both sync locks are held, so no sync writes either side meanwhile.

Column types are copied exactly (the DDL is built from the file's own column types, NOT NULL
kept) and checked after the copy, as are the row counts; any difference rolls it all back.
DuckLake has no PRIMARY KEY/UNIQUE constraints: the state's keys are dropped, as the lake's
own state tables have none (state.LAKE_SCHEMA_DDL).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..errors import ConfigError, TuiSyncError, one_line
from ..i18n import _
from . import lake, state
from .duckdb import busy_error, qi
from .lock import SyncLock
from .names import TargetName
from .spec import TargetSpec

SRC = "tui_sync_migrate_src"  # the file's name inside the lake's DuckDB instance
STATE_SCHEMA = "tui_sync"
_KEYED_STATE = ("tables", "schema_versions", "resume")  # one row set per target table


@dataclass
class Migrated:
    tables: dict[str, int] = field(default_factory=dict)  # "schema.table" -> rows copied
    state: dict[str, int] = field(default_factory=dict)  # "tui_sync.x" -> rows copied
    snapshot: int | None = None  # the lake snapshot the copy committed
    views_skipped: list[str] = field(default_factory=list)
    pending_runs: int = 0  # queued runs carried to the lake's queue


def migrate_file_to_lake(file: Path, spec: TargetSpec) -> Migrated:
    if spec.kind != "ducklake":
        raise ConfigError(_("migrate-target copies into a DuckLake"))
    if not file.is_file():
        raise ConfigError(_("DuckDB file {file} does not exist (nothing to migrate)").format(file=file))
    with SyncLock(file, holder="migrate-target"), SyncLock(spec, holder="migrate-target"):
        _check_file(file)  # before the lake is opened: a refusal leaves no new lake behind
        con = lake.connect(spec)
        try:
            _attach(con, file)
            try:
                result = _copy(con, file, spec)
            finally:
                con.execute(f"DETACH {SRC}")
        finally:
            con.close()
        result.pending_runs = _carry_pending_runs(file, spec)
    return result


def _check_file(file: Path) -> None:
    """The file opens read-only here and has tables to copy."""
    try:
        con = duckdb.connect(str(file), read_only=True)
    except duckdb.Error as exc:
        raise _open_error(file, exc) from None
    try:
        n = con.execute("SELECT count(*) FROM duckdb_tables() WHERE NOT internal AND "
                        "database_name = current_database()").fetchall()[0][0]
    finally:
        con.close()
    if not n:
        raise ConfigError(_("DuckDB file {file} has no tables (nothing to migrate)").format(file=file))


def _open_error(file: Path, exc: duckdb.Error) -> TuiSyncError:
    if isinstance(exc, duckdb.IOException):
        return busy_error(file, exc)  # a duckdb shell has it open for writing: exit 3
    return TuiSyncError(_("cannot open DuckDB file {file}: {error}").format(file=file, error=one_line(exc)))


def _attach(con: duckdb.DuckDBPyConnection, file: Path) -> None:
    try:
        con.execute(f"ATTACH {_lit(str(file))} AS {SRC} (READ_ONLY)")
    except duckdb.Error as exc:
        raise _open_error(file, exc) from None


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _name(schema: str, table: str) -> str:
    """A table's target name in text form: `events`, `analytics.events` (config/names.py)."""
    return TargetName(None if schema == "main" else schema, table).text()


def _columns(con: duckdb.DuckDBPyConnection, db: str, schema: str, table: str
             ) -> list[tuple[str, str, bool]]:
    return [(r[0], r[1], bool(r[2])) for r in con.execute(
        "SELECT column_name, data_type, is_nullable FROM duckdb_columns() WHERE database_name = ? "
        "AND schema_name = ? AND table_name = ? ORDER BY column_index",
        [db, schema, table]).fetchall()]


def _tables(con: duckdb.DuckDBPyConnection, db: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? "
        "AND NOT internal ORDER BY schema_name = 'tui_sync', schema_name, table_name",
        [db]).fetchall()]


def _state_targets(con: duckdb.DuckDBPyConnection, db: str, have: set[tuple[str, str]]
                   ) -> set[str]:
    """The target tables the state tables of `db` hold rows for (lower case)."""
    out: set[str] = set()
    for table in _KEYED_STATE:
        if (STATE_SCHEMA, table) in have:
            out |= {r[0].lower() for r in con.execute(
                f"SELECT DISTINCT target_table FROM {db}.{STATE_SCHEMA}.{qi(table)}").fetchall()}
    return out


def _refuse_clashes(con: duckdb.DuckDBPyConnection, src: list[tuple[str, str]], spec: TargetSpec
                    ) -> None:
    """One-line refusal (exit 2) when the lake has a table, or sync state, of the same name."""
    in_lake = set(_tables(con, lake.ALIAS))
    lower = {(s.lower(), t.lower()) for s, t in in_lake}
    clash = [_name(s, t) for s, t in src if s != STATE_SCHEMA and (s.lower(), t.lower()) in lower]
    src_targets = {_name(s, t).lower() for s, t in src if s != STATE_SCHEMA} | _state_targets(con, SRC, set(src))
    clash += sorted(src_targets & _state_targets(con, lake.ALIAS, in_lake) - set(clash))
    if clash:
        raise ConfigError(_(
            "{target} already has table(s) or sync state named {names}: "
            "nothing was copied; migrate into a new lake, or drop those there first").format(
            target=spec.display, names=", ".join(clash)))


def _copy(con: duckdb.DuckDBPyConnection, file: Path, spec: TargetSpec) -> Migrated:
    src = _tables(con, SRC)
    out = Migrated(views_skipped=[_name(s, v) for s, v in con.execute(
        "SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = ? "
        "AND NOT internal ORDER BY 1, 2", [SRC]).fetchall()])
    con.execute("BEGIN TRANSACTION")
    try:
        _refuse_clashes(con, src, spec)
        lake_tables = set(_tables(con, lake.ALIAS))
        if any(schema == STATE_SCHEMA for schema, _table in lake_tables):
            # a lake syncing other tables: its state gets the columns the file's rows bring
            state.ensure_schema(con)
            lake_tables = set(_tables(con, lake.ALIAS))
        for schema, table in src:
            rows = copy_table(con, schema, table, exists=(schema, table) in lake_tables)
            (out.state if schema == STATE_SCHEMA else out.tables)[f"{schema}.{table}"] = rows
        state.ensure_schema(con)  # columns and tables an older file lacks
        con.execute(f"CALL {lake.ALIAS}.set_commit_message('tui-sync', ?, extra_info => ?)",
                    [f"migrated from DuckDB file {file}", json.dumps({"migrated_from": str(file)})])
        con.execute("COMMIT")
    except BaseException as exc:
        con.execute("ROLLBACK")
        if isinstance(exc, duckdb.Error):
            raise TuiSyncError(_("cannot copy {file} into {target}: {error}; "
                                 "nothing was copied").format(
                file=file, target=spec.display, error=one_line(exc))) from None
        raise
    out.snapshot = lake.current_snapshot(con)
    return out


def copy_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, *, exists: bool) -> int:
    """Copy one table inside the open transaction; returns its rows. `exists`: a state table
    the lake has already (other tables' state, checked free of clashes): rows appended."""
    cols = _columns(con, SRC, schema, table)
    dest = f"{lake.ALIAS}.{qi(schema)}.{qi(table)}"
    if exists:
        con.execute(f"INSERT INTO {dest} BY NAME SELECT * FROM {SRC}.{qi(schema)}.{qi(table)}")
    else:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {lake.ALIAS}.{qi(schema)}")
        ddl = ", ".join(f"{qi(c)} {t}{'' if nullable else ' NOT NULL'}" for c, t, nullable in cols)
        con.execute(f"CREATE TABLE {dest} ({ddl})")
        con.execute(f"INSERT INTO {dest} SELECT * FROM {SRC}.{qi(schema)}.{qi(table)}")
        got = [(c, t) for c, t, _null in _columns(con, lake.ALIAS, schema, table)]
        want = [(c, t) for c, t, _null in cols]
        if got != want:  # a type DuckLake cannot hold as is: never a silent conversion
            diff = next(f"{c} {t} (lake: {g})" for (c, t), (_c, g) in zip(want, got, strict=True)
                        if t != g)
            raise TuiSyncError(_("DuckLake cannot keep the type of {column}: "
                                 "nothing was copied").format(column=f"{_name(schema, table)}.{diff}"))
    n_src = _count(con, f"{SRC}.{qi(schema)}.{qi(table)}")
    if not exists and _count(con, dest) != n_src:
        raise TuiSyncError(_("the copy of {table} lost rows: nothing was copied").format(
            table=_name(schema, table)))
    return n_src


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def _carry_pending_runs(file: Path, spec: TargetSpec) -> int:
    """Runs queued beside the file (recorded while it was busy) go to the lake's queue, which
    its next sync flushes; the file's own queue is left as it is."""
    queued = state.pending_path(file)
    if not queued.is_file():
        return 0
    lines = [ln for ln in queued.read_text(encoding="utf-8").splitlines() if ln.strip()]
    with open(state.pending_path(spec), "a", encoding="utf-8") as f:
        f.writelines(ln + "\n" for ln in lines)
    return len(lines)
