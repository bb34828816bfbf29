"""The DuckLake target: opening a lake, tagging a run's commit, time travel and retention.

A lake is a catalog database (a SQLite file, or PostgreSQL) plus Parquet files; readers in
other processes read committed snapshots while a sync writes, so nothing waits on a file lock
the way a DuckDB file does. Every run's data commit carries the run_id in the snapshot's
`commit_extra_info`, so `history` and `--at RUN` find the exact snapshot a run produced.

Extensions come from, in order: the `duckdb-extension-*` PyPI packages (the `lake` extra,
built for one DuckDB version), DuckDB's own extension folder, or `INSTALL` from DuckDB's
repository where the machine reaches it. Loading checks the extension's signature (~0.15 s
for each of 36 MB files), so a process keeps one in-memory DuckDB per lake with the lake
attached and hands out cursors on it.
"""

from __future__ import annotations

import glob
import importlib.util
import json
import os
import threading
from datetime import timedelta
from pathlib import Path

import duckdb

from ..errors import ConfigError, TuiSyncError, one_line
from ..i18n import _
from .spec import POSTGRES_PREFIX, TargetSpec, redact

ALIAS = "lake"
LAKE_DUCKDB = "1.5.5"  # the DuckDB the `lake` extra pins: the newest the extension packages exist for
_roots: dict[TargetSpec, duckdb.DuckDBPyConnection] = {}
# instances that attached a lake READ_ONLY (`query`, `export`): DuckDB refuses any write there
_read_roots: dict[TargetSpec, duckdb.DuckDBPyConnection] = {}
_roots_lock = threading.Lock()


def packaged_extension(name: str) -> Path | None:
    """The extension file of the `duckdb-extension-<name>` package, if one is installed for
    this DuckDB version (DuckDB refuses a build for another version)."""
    spec = importlib.util.find_spec(f"duckdb_extension_{name}")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "extensions" / f"v{duckdb.__version__}"
    found = glob.glob(str(folder / f"{name}.duckdb_extension"))
    return Path(found[0]) if found else None


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    path = packaged_extension(name)
    try:
        if path is not None:
            con.execute(f"LOAD '{path}'")
        else:
            con.execute(f"LOAD {name}")  # installed already, or auto-installed from the repository
        return
    except duckdb.Error as exc:
        why = one_line(exc)
    raise TuiSyncError(_(
        "the DuckLake target needs DuckDB's {name} extension, which could not be loaded "
        "({error}); install the extension packages with pip install 'tui-sync[lake]' "
        "(DuckDB {lake_version}), or run INSTALL {name} in DuckDB {version} on a "
        "machine that reaches extensions.duckdb.org").format(
            name=name, error=why, lake_version=LAKE_DUCKDB, version=duckdb.__version__))


def extensions_for(spec: TargetSpec) -> list[str]:
    names = ["ducklake", "postgres_scanner" if spec.postgres else "sqlite_scanner"]
    if spec.s3:
        names.append("httpfs")
    return names


def check_extensions(spec: TargetSpec) -> None:
    """Load what `spec` needs in a throwaway instance (doctor: a lake not created yet)."""
    con = duckdb.connect()
    try:
        for name in extensions_for(spec):
            load_extension(con, name)
    finally:
        con.close()


def catalog_password(spec: TargetSpec) -> str | None:
    if not spec.postgres or not spec.password_env:
        return None
    value = os.environ.get(spec.password_env)
    if value is None:
        raise ConfigError(_("the DuckLake catalog's password is read from ${variable}, "
                            "which is not set").format(variable=spec.password_env))
    return value


def attach_sql(spec: TargetSpec, *, password: str | None = None, new: bool = False,
               read_only: bool = False) -> str:
    """The ATTACH statement (a password only inside the string sent, never shown). A new
    SQLite catalog is made in WAL mode (kept by the file, so every later opener uses it):
    in SQLite's default mode a reader's open transaction (a long query, a DBeaver session)
    blocks the sync's COMMIT until it fails with "database is locked". Not on an existing
    catalog: switching fails while another process has it open."""
    if spec.postgres:
        conn = spec.catalog[len(POSTGRES_PREFIX):].strip()
        if password is not None:
            conn += " password=" + _libpq_quote(password)
        location = "ducklake:postgres:" + conn
    else:
        location = "ducklake:sqlite:" + spec.catalog
    options = f"DATA_PATH {_sql_text(spec.data_path)}"
    if new and not spec.postgres:  # WAL: a reader's open transaction does not block the commit
        options += ", META_JOURNAL_MODE 'WAL'"
    if spec.at_snapshot is not None:  # time travel: the lake as a run left it, read-only
        options += f", SNAPSHOT_VERSION {int(spec.at_snapshot)}, READ_ONLY"
    elif read_only:
        options += ", READ_ONLY"
    return f"ATTACH {_sql_text(location)} AS {ALIAS} ({options})"


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _libpq_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _s3_secret(con: duckdb.DuckDBPyConnection, spec: TargetSpec) -> None:
    """Credentials from the standard AWS variables (a config file never holds them)."""
    parts = ["TYPE s3"]
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if key and secret:
        parts += [f"KEY_ID {_sql_text(key)}", f"SECRET {_sql_text(secret)}"]
        if os.environ.get("AWS_SESSION_TOKEN"):
            parts.append(f"SESSION_TOKEN {_sql_text(os.environ['AWS_SESSION_TOKEN'])}")
    region = spec.s3_region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        parts.append(f"REGION {_sql_text(region)}")
    if spec.s3_endpoint:
        parts.append(f"ENDPOINT {_sql_text(spec.s3_endpoint)}")
    if spec.s3_url_style:
        parts.append(f"URL_STYLE {_sql_text(spec.s3_url_style)}")
    parts.append(f"USE_SSL {'true' if spec.s3_use_ssl else 'false'}")
    con.execute("CREATE OR REPLACE SECRET tui_sync_s3 (" + ", ".join(parts) + ")")


def _open_root(spec: TargetSpec, create: bool, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    create = create and spec.at_snapshot is None and not read_only
    new = spec.catalog_file is not None and not spec.catalog_file.exists()
    if spec.catalog_file is not None:
        if not create and not spec.catalog_file.is_file():
            raise TuiSyncError(_("{target} does not exist yet (run a sync first)").format(
                target=spec.display))
        spec.catalog_file.parent.mkdir(parents=True, exist_ok=True)
        if not spec.s3:
            Path(spec.data_path).mkdir(parents=True, exist_ok=True)
    password = catalog_password(spec)
    root = duckdb.connect()
    try:
        for name in extensions_for(spec):
            load_extension(root, name)
        if spec.s3:
            _s3_secret(root, spec)
        root.execute(attach_sql(spec, password=password, new=new, read_only=read_only))
    except duckdb.Error as exc:
        root.close()
        text = one_line(exc)
        if password:
            text = text.replace(password, "***")
        raise TuiSyncError(_("cannot open {target}: {error}").format(
            target=spec.display, error=redact(text))) from None
    except BaseException:
        root.close()
        raise
    return root


def connect(spec: TargetSpec, *, create: bool = True, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection whose default catalog is the lake (a cursor on the process's one
    instance for this lake; closing it leaves the instance for the next open).

    `read_only`: a cursor on a second instance that attached the lake READ_ONLY, so DuckDB
    itself refuses any write made through it (the `query` and `export` commands)."""
    roots = _read_roots if read_only else _roots
    with _roots_lock:
        root = roots.get(spec)
        if root is None:
            root = roots[spec] = _open_root(spec, create, read_only)
    con = root.cursor()
    con.execute(f"USE {ALIAS}")
    return con


def forget(spec: TargetSpec) -> None:
    """Close this process's instance of a lake (tests that delete one; a moved catalog)."""
    with _roots_lock:
        found = [_roots.pop(spec, None), _read_roots.pop(spec, None)]
    for root in found:
        if root is not None:
            root.close()


def is_lake(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute("SELECT type FROM duckdb_databases() WHERE database_name = current_database()"
                      ).fetchall()
    return bool(row) and row[0][0] == "ducklake"


# -- a run's snapshot ---------------------------------------------------------------------

def tag_commit(con: duckdb.DuckDBPyConnection, run_id: str, table: str, mode: str) -> None:
    """Inside the run's data transaction: the snapshot it commits names the run."""
    extra = json.dumps({"run_id": run_id, "table": table, "mode": mode})
    con.execute(f"CALL {ALIAS}.set_commit_message('tui-sync', ?, extra_info => ?)",
                [f"{mode} sync of {table}", extra])


def current_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute(f"SELECT id FROM {ALIAS}.current_snapshot()").fetchall()[0][0])


def run_snapshots(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """run_id -> the snapshot its data commit made, for every snapshot still kept."""
    rows = con.execute(f"SELECT snapshot_id, commit_extra_info FROM {ALIAS}.snapshots() "
                       "WHERE author = 'tui-sync'").fetchall()
    out: dict[str, int] = {}
    for snapshot, extra in rows:
        try:
            out[json.loads(extra)["run_id"]] = int(snapshot)
        except (TypeError, ValueError, KeyError):
            continue
    return out


def snapshot_exists(con: duckdb.DuckDBPyConnection, snapshot: int) -> bool:
    return bool(con.execute(f"SELECT 1 FROM {ALIAS}.snapshots() WHERE snapshot_id = ?",
                            [snapshot]).fetchall())


# -- retention ---------------------------------------------------------------------------

def expire(con: duckdb.DuckDBPyConnection, keep: timedelta) -> tuple[int, int]:
    """Expire snapshots older than `keep` and delete the files only they used (DuckLake's own
    functions; the newest snapshot is never expired). Returns (snapshots, files) removed."""
    seconds = int(keep.total_seconds())
    cutoff = f"now() - INTERVAL '{seconds} seconds'"
    expired = con.execute(f"SELECT count(*) FROM ducklake_expire_snapshots('{ALIAS}', "
                          f"older_than => {cutoff})").fetchall()[0][0]
    # The files of expired snapshots, whenever they were scheduled: a reader still scanning
    # one would read a snapshot older than `keep`, which the user asked not to keep.
    files = con.execute(f"SELECT count(*) FROM ducklake_cleanup_old_files('{ALIAS}', "
                        "cleanup_all => true)").fetchall()[0][0]
    return int(expired), int(files)
