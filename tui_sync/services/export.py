"""`tui-sync export`: one target table (optionally some columns, some rows) to a Parquet or
CSV file, written by DuckDB's COPY (preview.export.copy_select, the Preview's own export
core) through a READ-ONLY connection, so it runs beside a sync into a lake and never writes
to the target. Every check (table, columns, --where, file name) runs before the COPY, and
the file appears under its name only once it is complete."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..config import Config, find_table_key
from ..errors import ExitCode, TuiSyncError, UnknownTableError, one_line
from ..i18n import _
from ..preview.db import ColumnInfo
from ..preview.export import ExportError, ExportFormat, check_export_path, copy_select, export_column
from ..target import connect
from ..target.names import TargetName
from ..target.spec import TargetSpec, target_spec
from .query import QueryError, QueryRefused, check_read_only


class ExportRequestError(TuiSyncError):
    """A bad export request (a column, --where, the file name or place): exit 2."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class ExportResult:
    table: str  # the target table, as target/names.py writes it (`analytics.events`)
    path: Path  # absolute
    rows: int
    format: str  # csv | parquet


def target_table_name(config: Config, name: str) -> TargetName:
    """The target table a name means: a configured table's (its section name in any case, or
    its target), else the name itself as a target name (`analytics.events`)."""
    key = find_table_key(config.tables, name)
    text = config.tables[key].target_name() if key else name
    try:
        return TargetName.parse(text)
    except ValueError as exc:
        raise ExportRequestError(_("bad table name {name}: {error}").format(name=name, error=exc)) from None


def find_table(con: duckdb.DuckDBPyConnection, wanted: TargetName) -> TargetName | None:
    """The table (or view) of the open target a name means, as the catalog spells it (DuckDB
    matches identifiers without regard to case); None when there is none."""
    rows = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND lower(schema_name) = lower(?) AND lower(table_name) = lower(?) "
        "UNION ALL SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal "
        "AND database_name = current_database() AND lower(schema_name) = lower(?) "
        "AND lower(view_name) = lower(?)",
        [wanted.schema or "main", wanted.table] * 2).fetchall()
    if not rows:
        return None
    schema, table = rows[0]
    return TargetName(None if schema == "main" else schema, table)


def table_columns(con: duckdb.DuckDBPyConnection, table: TargetName) -> list[ColumnInfo]:
    rows = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = ? AND table_name = ? ORDER BY column_index",
        [table.schema or "main", table.table]).fetchall()
    return [ColumnInfo(n, t) for n, t in rows]


def pick_columns(all_columns: Sequence[ColumnInfo], wanted: Sequence[str] | None,
                 table: TargetName) -> list[ColumnInfo]:
    """`wanted` in its order (names in any case; each may hold several, comma-separated),
    or every column."""
    names = [n.strip() for w in (wanted or []) for n in w.split(",") if n.strip()]
    if not names:
        return list(all_columns)
    by_lower = {c.name.lower(): c for c in all_columns}
    unknown = [n for n in names if n.lower() not in by_lower]
    if unknown:
        raise ExportRequestError(_("unknown column {names} in {table} (columns: {columns})").format(
            names=", ".join(unknown), table=table.text(),
            columns=", ".join(c.name for c in all_columns)))
    return [by_lower[n.lower()] for n in names]


def export_table(config: Config, name: str, to: str, *, where: str | None = None,
                 columns: Sequence[str] | None = None, spec: TargetSpec | None = None) -> ExportResult:
    """Write target table `name` (see target_table_name) to `to` (.parquet or .csv)."""
    try:
        path = check_export_path(to)
    except ExportError as exc:
        raise ExportRequestError(str(exc)) from None
    spec = spec or target_spec(config)
    wanted = target_table_name(config, name)
    if not spec.exists():
        raise UnknownTableError(_("table {name} not found: nothing synced yet ({target} not found)")
                                .format(name=name, target=spec.display))
    con = connect(spec, create=False, read_only=True)
    try:
        try:
            table = find_table(con, wanted)
            if table is None:
                raise UnknownTableError(_("table {name} not found in {target} (tui-sync status "
                                          "lists the synced tables)").format(
                    name=name, target=spec.display))
            picked = pick_columns(table_columns(con, table), columns, table)
            select = _select(con, table, picked, where, csv=path.suffix.lower() == ".csv")
        except duckdb.Error as exc:
            raise TuiSyncError(_("cannot read {target}: {error}").format(
                target=spec.display, error=one_line(exc))) from None
        try:
            rows = copy_select(con, select, [], path)
        except ExportError as exc:
            raise ExportRequestError(str(exc)) from None
    finally:
        con.close()
    kind = ExportFormat(path.suffix.lower().lstrip("."))
    return ExportResult(table.text(), path.resolve(), rows, kind.value)


def _select(con: duckdb.DuckDBPyConnection, table: TargetName, columns: Sequence[ColumnInfo],
            where: str | None, *, csv: bool) -> str:
    """The SELECT the COPY runs, checked first: one SELECT statement (so --where cannot end
    it and start another) that DuckDB binds (unknown columns, bad types) without reading."""
    picked = ", ".join(export_column(c, None, csv) for c in columns)
    select = f"SELECT {picked} FROM {table.sql()}"
    if where is None:
        return select
    if not where.strip():
        raise ExportRequestError(_("bad --where: it is empty"))
    select += f" WHERE ({where}\n)"  # the newline ends a trailing -- comment before the paren
    try:
        check_read_only(con, select)
        con.execute(f"SELECT * FROM ({select}\n) LIMIT 0").fetchall()  # binds; reads no rows
    except QueryRefused as exc:
        raise ExportRequestError(_("bad --where: it must be one condition ({error})").format(
            error=exc)) from None
    except QueryError as exc:
        raise ExportRequestError(_("bad --where: {error}").format(error=exc)) from None
    except duckdb.Error as exc:
        raise ExportRequestError(_("bad --where: {error}").format(error=one_line(exc))) from None
    return select
