"""The DuckDB target: connections, DDL, and Arrow batch ingestion.

Batches arrive as Arrow and go in with `INSERT INTO t SELECT * FROM batch` on a
registered view: no per-row Python. Identifiers are always quoted.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from ..errors import TargetBusyError, TuiSyncError, one_line
from ..i18n import _
from ..typeplan import TypePlan
from . import lake
from .lock import describe_holder, held_by_another, is_held, read_holder
from .names import TargetName
from .spec import Target, as_spec

STAGE_SUFFIX = "__tui_sync_stage"


def qi(name: str) -> str:
    """Quote a DuckDB identifier (a column, or one part of a name)."""
    return '"' + name.replace('"', '""') + '"'


def tref(name: str) -> str:
    """The SQL reference of a table given in target-name text form (target/names.py):
    `events` -> "events", `analytics.events` -> "analytics"."events". Every statement on a
    target, stage, `_test` or scratch table goes through this, never qi()."""
    return TargetName.parse(name).sql()


def sibling(name: str, suffix: str) -> str:
    """A helper table of `name` (stage, `_test`, keys) in text form, in the SAME schema:
    DuckDB's `ALTER TABLE s.t RENAME TO x` keeps the table in s."""
    t = TargetName.parse(name)
    return t.with_table(t.table + suffix).text()


def _schema_table(name: str) -> tuple[str, str]:
    t = TargetName.parse(name)
    return t.schema or "main", t.table


_HOLDER_RE = re.compile(r"held in (.+?) \(PID (\d+)\)")
_PID_RE = re.compile(r"PID (\d+)")
# A sync waits this long for a brief open by another process (the TUI reading its history,
# a `status`) to end before it gives up with exit 3; a sync holding the lock is not waited for.
BRIEF_OPEN_WAIT_S = 15.0


def connect(target: Target, *, create: bool = True, wait: float = 0.0,
            read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the target read-write: a DuckDB file (the same config everywhere in this process,
    so in-process users share one database instance), or a lake (a connection whose default
    catalog is the lake).

    `wait`: seconds to keep retrying while another process has the file open and no other
    process holds the sync lock (a brief read, not a sync); 0 fails at once.

    `read_only`: DuckDB refuses every write through the connection (`query`, `export`); a
    file is then opened with read_only=True, which fails like a read-write open while
    another process writes it, and never creates anything.
    """
    spec = as_spec(target)
    if spec.is_lake:
        return lake.connect(spec, create=create and not read_only, read_only=read_only)
    assert spec.path is not None
    path = spec.path
    if (read_only or not create) and not path.exists():
        raise TuiSyncError(_("DuckDB file {path} does not exist yet (run a sync first)").format(path=path))
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    pause = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            error = busy_error(path, exc)
            if (not isinstance(error, TargetBusyError) or time.monotonic() + pause > deadline
                    or held_by_another(path)):
                raise error from None
        except duckdb.Error as exc:
            raise TuiSyncError(_("cannot open DuckDB file {path}: {error}").format(
                path=path, error=one_line(exc))) from None
        time.sleep(pause)
        pause = min(pause * 2, 1.0)


def tune_for_loading(con: duckdb.DuckDBPyConnection, memory_limit: str = "") -> None:
    """Settings for the sync's own connection."""
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")  # validated by the config


def busy_error(path: Path, exc: Exception) -> TuiSyncError:
    text = str(exc)
    if "lock" not in text.lower():
        return TuiSyncError(_("cannot open DuckDB file {path}: {error}").format(path=path, error=one_line(exc)))
    m = _HOLDER_RE.search(text)
    pid = m.group(2) if m else (p.group(1) if (p := _PID_RE.search(text)) else None)
    note = read_holder(path)
    if note and str(note.get("pid")) == pid and is_held(path):  # the sync the lock names
        return TargetBusyError(_("DuckDB file {path} is in use by a sync: {holder}; retry when it "
                                 "ends (a DuckLake target is read during a sync)").format(
            path=path, holder=describe_holder(note)))
    if m:
        who = f"{Path(m.group(1)).name} (pid {m.group(2)})"
    else:
        who = _("process {pid}").format(pid=pid) if pid else _("another process")
    return TargetBusyError(_(
        "DuckDB file {path} is in use by {who} (a sync or a duckdb shell); close it and retry"
    ).format(path=path, who=who))


def table_exists(con: duckdb.DuckDBPyConnection, name: str, schema: str | None = None) -> bool:
    """`name` in text form (`analytics.events`), or a bare table name with its `schema`."""
    if schema is None:
        schema, name = _schema_table(name)
    row = con.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_catalog = current_database() "
        "AND lower(table_schema) = lower(?) AND table_name = ?",  # DuckDB: schemas ignore case
        [schema, name]).fetchone()
    return row is not None


def table_columns(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, str]:
    schema, table = _schema_table(name)
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND lower(table_schema) = lower(?) AND table_name = ? "
        "ORDER BY ordinal_position", [schema, table]).fetchall()
    return {r[0]: r[1] for r in rows}


def create_table(con: duckdb.DuckDBPyConnection, name: str, plan: TypePlan,
                 extra: Mapping[str, str] | None = None) -> None:
    """The plan's columns, then `extra` (name -> DuckDB type: the sync columns) last."""
    cols = ", ".join([f"{qi(c.target_name)} {c.duckdb_type}" for c in plan.included]
                     + [f"{qi(c)} {t}" for c, t in (extra or {}).items()])
    ensure_schema_of(con, name)
    con.execute(f"CREATE TABLE {tref(name)} ({cols})")


def ensure_schema_of(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """CREATE SCHEMA IF NOT EXISTS for a schema-qualified name (`analytics.events`)."""
    schema = TargetName.parse(name).schema
    if schema is not None:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {qi(schema)}")


def recreate_table(con: duckdb.DuckDBPyConnection, name: str, plan: TypePlan,
                   extra: Mapping[str, str] | None = None) -> None:
    """An empty table of the plan's shape, replacing any leftover of that name."""
    drop_table(con, name)
    create_table(con, name, plan, extra)


def drop_table(con: duckdb.DuckDBPyConnection, name: str) -> None:
    con.execute(f"DROP TABLE IF EXISTS {tref(name)}")


def settle(con: duckdb.DuckDBPyConnection) -> None:
    """Finish a half-read result (a fetchone()): DuckDB 2 refuses other work until then."""
    complete = getattr(con, "complete", None)
    if complete is not None:
        complete()


def append(con: duckdb.DuckDBPyConnection, name: str, batch: pa.RecordBatch) -> None:
    """Insert one Arrow batch; columns match by position (the plan's order)."""
    settle(con)
    view = "__tui_sync_batch"
    con.register(view, batch)
    try:
        con.execute(f"INSERT INTO {tref(name)} SELECT * FROM {view}")
    finally:
        con.unregister(view)


def append_stream(con: duckdb.DuckDBPyConnection, name: str, schema: pa.Schema,
                  batches: Iterator[pa.RecordBatch], fill: Sequence[tuple[str, str]] = ()) -> None:
    """Insert a whole stream of batches with ONE statement.

    One INSERT per batch runs each on one thread and pins every registered batch
    until COMMIT; a single INSERT over a RecordBatchReader lets DuckDB use all cores
    and release batches as it goes. The statement is atomic. Columns are named (the
    schema's, then `fill`'s: (column, SQL literal) pairs the INSERT sets, the sync columns);
    a table column in neither gets NULL. DuckDB pulls `batches`
    from its own threads (one at a time) and wraps an exception raised inside it, so
    the original exception is kept and raised again here.
    """
    raised: list[BaseException] = []

    def guarded() -> Iterator[pa.RecordBatch]:
        try:
            yield from batches
        except BaseException as exc:
            raised.append(exc)
            raise

    settle(con)
    view = "__tui_sync_stream"
    con.register(view, pa.RecordBatchReader.from_batches(schema, guarded()))
    # preserve_insertion_order = false would load ~35% faster, but the unordered table
    # it leaves makes later key merges ~3x slower (bench: 5M rows): not worth it.
    cols = ", ".join([qi(f.name) for f in schema] + [qi(c) for c, _ in fill])
    values = "".join(f", {v}" for _, v in fill)
    try:
        con.execute(f"INSERT INTO {tref(name)} ({cols}) SELECT *{values} FROM {view}")
    except duckdb.Error:
        if raised:
            raise raised[0] from None
        raise
    finally:
        try:
            con.unregister(view)
        except duckdb.Error:
            pass  # an aborted transaction refuses it; the next register replaces the view
    if raised:  # swallowed somewhere on DuckDB's side: never report success then
        raise raised[0]


def row_count(con: duckdb.DuckDBPyConnection, name: str) -> int:
    return int(con.execute(f"SELECT COUNT(*) FROM {tref(name)}").fetchone()[0])  # type: ignore[index]


def stage_name(target: str) -> str:
    """The staging table of `target` (text form), in the target's schema."""
    return sibling(target, STAGE_SUFFIX)
