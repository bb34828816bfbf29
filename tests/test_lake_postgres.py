"""A DuckLake with a PostgreSQL catalog, through the real console script.

Needs a PostgreSQL server: `TUI_SYNC_TEST_PG_DSN` is a libpq string WITHOUT the password
(e.g. `host=127.0.0.1 port=5432 user=tuisync dbname=tuisync`, a role allowed to CREATE
DATABASE) and `TUI_SYNC_TEST_PG_PASSWORD` its password (unset: libpq's own ways, ~/.pgpass or
trust). `.ci/run` starts a throwaway cluster and sets both. Each test gets its own database,
so no test sees another's lake.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.conftest import env_with_home, lake_unavailable, make_sqlite

DSN_ENV, PASSWORD_ENV = "TUI_SYNC_TEST_PG_DSN", "TUI_SYNC_TEST_PG_PASSWORD"
SCRIPT = str(Path(sys.executable).parent / "tui-sync")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get(DSN_ENV), reason=f"no PostgreSQL server (set {DSN_ENV})"),
]


@pytest.fixture(autouse=True)
def _lake_extension() -> None:
    why = lake_unavailable()
    if why:
        pytest.skip(why)


def _admin(dsn: str) -> duckdb.DuckDBPyConnection:
    """The test's own way into the server (DuckDB's postgres extension: no driver to add)."""
    from tui_sync.target.lake import load_extension

    con = duckdb.connect()
    load_extension(con, "postgres_scanner")
    password = os.environ.get(PASSWORD_ENV)
    quoted = (password or "").replace("\\", "\\\\").replace("'", "\\'")
    conn = dsn + (f" password='{quoted}'" if password else "")
    con.execute("ATTACH '" + conn.replace("'", "''") + "' AS pg (TYPE postgres)")
    return con


def _with_dbname(dsn: str, dbname: str) -> str:
    return re.sub(r"\bdbname\s*=\s*\S+", "", dsn).strip() + f" dbname={dbname}"


@pytest.fixture
def pg_dsn() -> Iterator[str]:
    """A fresh database for this test (dropped afterwards), as a libpq string."""
    dsn = os.environ[DSN_ENV]
    name = f"tuisync_test_{uuid.uuid4().hex[:12]}"
    admin = _admin(dsn)
    # CREATE DATABASE refuses to run inside a transaction block
    admin.execute(f"CALL postgres_execute('pg', 'CREATE DATABASE {name}', use_transaction => false)")
    try:
        yield _with_dbname(dsn, name)
    finally:
        admin.execute(f"CALL postgres_execute('pg', 'DROP DATABASE IF EXISTS {name} WITH (FORCE)', "
                      "use_transaction => false)")
        admin.close()


def run(args: list[str], home: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    e = env_with_home(home)
    e.update(env or {})
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, env=e, timeout=180,
                          stdin=subprocess.DEVNULL)


def add_rows(source: Path, first: int, last: int) -> None:
    con = sqlite3.connect(source)
    con.executemany("INSERT INTO EVENTS VALUES (?, ?, ?, ?)",
                    [(i, f"2026-03-01 08:{i // 60 % 60:02d}:{i % 60:02d}", f"{i}.25", f"n{i}")
                     for i in range(first, last + 1)])
    con.commit()
    con.close()


def lake_config(tmp_path: Path, dsn: str, password_env: str | None) -> tuple[Path, Path]:
    source = make_sqlite(tmp_path / "src.sqlite", "CREATE TABLE EVENTS (ID NUMBER(10) PRIMARY KEY, "
                         "TS TIMESTAMP(6) NOT NULL, AMOUNT NUMBER(12,2), NAME VARCHAR2(20));")
    add_rows(source, 1, 300)
    cfg = tmp_path / "tui-sync.ini"
    cfg.write_text(
        f"[source]\nkind = sqlite\npath = {source}\n\n"
        f"[target]\nkind = ducklake\ncatalog = postgres:{dsn}\ndata_path = {tmp_path / 'lake-data'}\n"
        + (f"password_env = {password_env}\n" if password_env else "")
        + "\n[table EVENTS]\ntarget = events\nprimary_key = ID\ncursor = TS\n", encoding="utf-8")
    return cfg, source


def _password_env() -> str | None:
    return PASSWORD_ENV if os.environ.get(PASSWORD_ENV) else None


def _no_secret(r: subprocess.CompletedProcess, secret: str | None) -> None:
    if secret:
        assert secret not in r.stdout and secret not in r.stderr


def test_full_incremental_status_history_verify(tmp_path: Path, pg_dsn: str) -> None:
    cfg, source = lake_config(tmp_path, pg_dsn, _password_env())
    home, secret = tmp_path / "home", os.environ.get(PASSWORD_ENV)
    r = run(["sync", "--config", str(cfg), "--all", "--json"], home)
    assert r.returncode == 0, r.stderr
    _no_secret(r, secret)
    assert [(x["mode"], x["rows"]) for x in json.loads(r.stdout)["results"]] == [("full", 300)]
    assert list((tmp_path / "lake-data").rglob("*.parquet")), "the data is Parquet beside, not in PostgreSQL"

    add_rows(source, 301, 350)
    r = run(["sync", "--config", str(cfg), "EVENTS", "--json"], home)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)["results"][0]
    assert res["mode"] == "incremental" and res["rows"] >= 50

    r = run(["status", "--config", str(cfg), "--json"], home)
    assert r.returncode == 0, r.stderr
    assert {s["target_table"]: s["rows"] for s in json.loads(r.stdout)}["events"] == 350
    r = run(["history", "--config", str(cfg), "--json", "EVENTS"], home)
    assert r.returncode == 0, r.stderr
    runs = json.loads(r.stdout)
    assert [h["mode"] for h in runs] == ["incremental", "full"]
    snapshots = [h["snapshot_id"] for h in runs]
    assert all(isinstance(s, int) for s in snapshots) and snapshots[0] > snapshots[1]

    r = run(["verify", "--config", str(cfg), "EVENTS", "--json"], home)
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["ok"] is True
    _no_secret(r, secret)
    assert "Traceback" not in r.stderr


def test_wrong_password_is_one_line_without_the_password(tmp_path: Path, pg_dsn: str) -> None:
    if not os.environ.get(PASSWORD_ENV):
        pytest.skip(f"the server asks no password here ({PASSWORD_ENV} unset)")
    wrong = "Wr0ng-" + uuid.uuid4().hex[:10]
    cfg, _ = lake_config(tmp_path, pg_dsn, "TUI_SYNC_TEST_PG_WRONG")
    r = run(["sync", "--config", str(cfg), "--all"], tmp_path / "home", {"TUI_SYNC_TEST_PG_WRONG": wrong})
    assert r.returncode not in (0, 2), r.stderr  # the config is right; the server refused
    assert wrong not in r.stdout and wrong not in r.stderr
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "password authentication failed" in lines[0], r.stderr
    assert "DuckLake postgres:" in lines[0]  # names the catalog (password-free) it could not open


def test_missing_password_variable_is_exit_2_naming_it(tmp_path: Path, pg_dsn: str) -> None:
    cfg, _ = lake_config(tmp_path, pg_dsn, "TUI_SYNC_TEST_PG_UNSET")
    env = env_with_home(tmp_path / "home")
    env.pop("TUI_SYNC_TEST_PG_UNSET", None)
    r = subprocess.run([SCRIPT, "sync", "--config", str(cfg), "--all"], capture_output=True, text=True,
                       env=env, timeout=180, stdin=subprocess.DEVNULL)
    assert r.returncode == 2, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "$TUI_SYNC_TEST_PG_UNSET" in lines[0] and "not set" in lines[0], r.stderr
    assert "Traceback" not in r.stderr
