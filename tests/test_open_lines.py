"""The lines `tui-sync status` prints to open the synced data (target/open_lines.py): quoted
right for the shell, Python and SQL whatever the path holds, never a password, and (where the
ducklake extension loads) the lake's lines really open a lake the engine synced."""

from __future__ import annotations

import ast
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import lake_unavailable, make_sqlite, target_of
from tui_sync.config import load_config
from tui_sync.target.open_lines import open_lines
from tui_sync.target.spec import DUCKDB, DUCKLAKE, TargetSpec

SCRIPT = str(Path(sys.executable).parent / "tui-sync")
ODD = "it's a \"dir\" $HOME `x` ü"  # a quote of each kind, shell specials, non-ASCII


def _python_literal(line: str) -> str:
    """The first argument of the call on `line` (a Python statement), evaluated."""
    call = ast.parse(line).body[0].value  # type: ignore[attr-defined]
    return ast.literal_eval(call.args[0])


def _sql_literal(statement: str, before: str) -> str:
    """The SQL string literal that follows `before` in `statement`, as DuckDB reads it."""
    start = statement.index(before) + len(before)
    end = start + 1
    while True:  # the literal ends at a quote that is not doubled
        end = statement.index("'", end)
        if statement[end + 1:end + 2] == "'":
            end += 2
            continue
        break
    return duckdb.sql("SELECT " + statement[start:end + 1]).fetchall()[0][0]


def test_file_lines_quote_an_odd_path(tmp_path: Path) -> None:
    db = tmp_path / ODD / "t.duckdb"
    lines = open_lines(db)
    assert lines.kind == DUCKDB
    assert shlex.split(lines.duckdb_cli) == ["duckdb", "-readonly", str(db)]
    assert lines.python[0] == "import duckdb"
    assert _python_literal(lines.python[1]) == str(db) and "read_only=True" in lines.python[1]
    assert str(db) in lines.dbeaver[0] and "duckdb.read_only = true" in lines.dbeaver[1]
    assert any("while a sync writes" in n for n in lines.notes)


def test_file_lines_open_the_file_read_only(tmp_path: Path) -> None:
    db = tmp_path / ODD / "t.duckdb"
    db.parent.mkdir()
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE t AS SELECT 42 AS x")
    con.close()
    scope: dict = {}
    exec("\n".join(open_lines(db).python), scope)  # the lines as printed
    ro = scope["con"]
    assert ro.execute("SELECT x FROM t").fetchall() == [(42,)]
    with pytest.raises(duckdb.Error, match="read-only"):
        ro.execute("INSERT INTO t VALUES (1)")
    ro.close()


def test_lake_lines_quote_odd_paths() -> None:
    catalog = f"/data/{ODD}/lake.sqlite"
    spec = TargetSpec(DUCKLAKE, None, catalog, f"/data/{ODD}/files/")
    lines = open_lines(spec)
    assert lines.sql[:2] == ["INSTALL ducklake;", "INSTALL sqlite;"]
    attach = lines.sql[2]
    assert _sql_literal(attach, "ATTACH ") == "ducklake:sqlite:" + catalog
    assert _sql_literal(attach, "DATA_PATH ") == f"/data/{ODD}/files/"
    assert attach.endswith(" AS lake (DATA_PATH " + attach.split("DATA_PATH ", 1)[1])
    assert "READ_ONLY" in attach and lines.sql[-1] == "USE lake;"
    # the shell gives duckdb exactly the statements; Python executes the same ones
    assert shlex.split(lines.duckdb_cli) == ["duckdb", "-cmd", " ".join(lines.sql)]
    executed = [_python_literal(p) for p in lines.python if p.startswith("con.execute(")]
    assert executed == [s.rstrip(";") for s in lines.sql]
    assert [d.strip() for d in lines.dbeaver[2:]] == lines.sql


def test_lake_lines_of_a_plain_path_read_well() -> None:
    spec = TargetSpec(DUCKLAKE, None, "/srv/lake.sqlite", "/srv/lake.files/")
    assert open_lines(spec).duckdb_cli == (
        "duckdb -cmd \"INSTALL ducklake; INSTALL sqlite; ATTACH 'ducklake:sqlite:/srv/lake.sqlite' "
        "AS lake (DATA_PATH '/srv/lake.files/', READ_ONLY); USE lake;\"")


def test_postgres_lines_never_hold_a_password(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "s3cr3t-MARKER"
    monkeypatch.setenv("LAKE_PW", secret)
    spec = TargetSpec(DUCKLAKE, None, "postgres:host=db1 dbname=lake user=sync",
                      "s3://bucket/lake/", password_env="LAKE_PW", s3_endpoint="localhost:9000",
                      s3_url_style="path", s3_use_ssl=False)
    lines = open_lines(spec)
    text = json.dumps(lines.as_dict()) + "\n".join(lines.text())
    assert secret not in text
    assert lines.sql[:3] == ["INSTALL ducklake;", "INSTALL postgres;", "INSTALL httpfs;"]
    assert _sql_literal(lines.sql[4], "ATTACH ") == "ducklake:postgres:host=db1 dbname=lake user=sync"
    assert lines.duckdb_cli.startswith('PGPASSWORD="$LAKE_PW" duckdb -cmd ')
    assert shlex.split(lines.duckdb_cli)[0] == "PGPASSWORD=$LAKE_PW"
    assert "os.environ['PGPASSWORD'] = os.environ['LAKE_PW']" in lines.python
    assert "ENDPOINT 'localhost:9000'" in lines.sql[3] and "USE_SSL false" in lines.sql[3]
    # a password that slipped into a connection string is never echoed
    leaked = TargetSpec(DUCKLAKE, None, f"postgres:host=db1 password={secret}", "/d/")
    assert secret not in json.dumps(open_lines(leaked).as_dict())


# -- the lines against a real lake the engine synced --------------------------------------

def _synced(tmp_path: Path, kind: str):
    from tui_sync.engine import Engine

    src = make_sqlite(tmp_path / "s.sqlite", "CREATE TABLE T (ID NUMBER(10) PRIMARY KEY, V VARCHAR2(9));",
                      [("INSERT INTO T VALUES (?, ?)", [(i, f"v{i}") for i in range(7)])])
    target = f"kind = ducklake\ncatalog = {ODD}.sqlite" if kind == DUCKLAKE else f"path = {ODD}.duckdb"
    p = tmp_path / "tui-sync.ini"
    p.write_text(f"[source]\nkind = sqlite\npath = {src}\n\n[target]\n{target}\n\n[table T]\n",
                 encoding="utf-8")
    cfg = load_config(p)
    assert target_of(cfg).kind == kind
    Engine(cfg).run(["T"])
    return cfg


def test_lake_lines_open_a_lake_the_engine_synced(tmp_path: Path) -> None:
    why = lake_unavailable()
    if why:
        pytest.skip(why)
    from tui_sync.target import lake

    cfg = _synced(tmp_path, DUCKLAKE)
    spec = target_of(cfg)
    lines = open_lines(spec)
    # Offline, the extension comes from the duckdb-extension-* package: load it the
    # product's way, then run every other printed Python line exactly as printed.
    code = [p for p in lines.python if "INSTALL" not in p]
    assert len(code) == len(lines.python) - 2
    scope: dict = {}
    exec("\n".join(code[:2]), scope)
    for name in lake.extensions_for(spec):
        lake.load_extension(scope["con"], name)
    exec("\n".join(code[2:]), scope)
    con = scope["con"]
    assert con.execute('SELECT count(*) FROM "t"').fetchall() == [(7,)]
    assert con.execute("SELECT count(*) FROM tui_sync.runs").fetchall() == [(1,)]
    with pytest.raises(duckdb.Error, match="read-only"):
        con.execute('INSERT INTO "t" VALUES (99, \'x\')')
    con.close()


@pytest.mark.parametrize("kind", [DUCKDB, DUCKLAKE])
def test_status_prints_the_lines_and_json_keeps_its_list(tmp_path: Path, kind: str) -> None:
    if kind == DUCKLAKE and lake_unavailable():
        pytest.skip(str(lake_unavailable()))
    cfg = _synced(tmp_path, kind)
    lines = open_lines(target_of(cfg))
    r = subprocess.run([SCRIPT, "status", "--config", str(cfg.path)], capture_output=True,
                       text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    table, _, tail = r.stdout.partition("\nOpen the synced data read-only:\n")
    assert "t " in table.splitlines()[1] and tail
    assert f"  DuckDB CLI: {lines.duckdb_cli}\n" in r.stdout
    r = subprocess.run([SCRIPT, "status", "--config", str(cfg.path), "--json"],
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    doc = json.loads(r.stdout)
    assert isinstance(doc, list) and doc[0]["target_table"] == "t" and doc[0]["rows"] == 7
    assert doc[0]["open"]["duckdb_cli"] == lines.duckdb_cli
    assert doc[0]["open"]["kind"] == kind


@pytest.mark.postgres
def test_postgres_lines_open_a_lake_with_the_password_from_the_named_variable(
        tmp_path: Path) -> None:
    """The printed Python lines, run in another process that has only the variable the config
    names (no PGPASSWORD of its own): libpq gets the password through PGPASSWORD."""
    import os
    import uuid

    dsn = os.environ.get("TUI_SYNC_TEST_PG_DSN")
    if not dsn:
        pytest.skip("no PostgreSQL server (set TUI_SYNC_TEST_PG_DSN)")
    if lake_unavailable():
        pytest.skip(str(lake_unavailable()))
    from tui_sync.engine import Engine
    from tui_sync.target.lake import load_extension

    password = os.environ.get("TUI_SYNC_TEST_PG_PASSWORD", "")
    name = f"tuisync_lines_{uuid.uuid4().hex[:10]}"
    admin = duckdb.connect()
    load_extension(admin, "postgres_scanner")
    secret = (" password='" + password.replace("\\", "\\\\").replace("'", "\\'") + "'") if password else ""
    admin.execute("ATTACH '" + (dsn + secret).replace("'", "''") + "' AS pg (TYPE postgres)")
    admin.execute(f"CALL postgres_execute('pg', 'CREATE DATABASE {name}', use_transaction => false)")
    try:
        lake_dsn = re.sub(r"\bdbname\s*=\s*\S+", "", dsn).strip() + f" dbname={name}"
        src = make_sqlite(tmp_path / "s.sqlite", "CREATE TABLE T (ID NUMBER(10) PRIMARY KEY);",
                          [("INSERT INTO T VALUES (?)", [(i,) for i in range(5)])])
        ini = tmp_path / "pg.ini"
        ini.write_text(f"[source]\nkind = sqlite\npath = {src}\n\n[target]\nkind = ducklake\n"
                       f"catalog = postgres:{lake_dsn}\ndata_path = {tmp_path / 'files'}\n"
                       "password_env = LINES_PG_PW\n\n[table T]\n", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != "PGPASSWORD"}
        env["LINES_PG_PW"] = password
        os.environ["LINES_PG_PW"] = password
        try:
            cfg = load_config(ini)
            assert Engine(cfg).run(["T"]).ok
        finally:
            del os.environ["LINES_PG_PW"]
        spec = target_of(cfg)
        lines = open_lines(spec)
        assert password not in json.dumps(lines.as_dict()) or not password
        code = [p for p in lines.python if "INSTALL" not in p]
        at = code.index("con = duckdb.connect()") + 1
        code[at:at] = ["from tui_sync.target.lake import load_extension",
                       "load_extension(con, 'ducklake')", "load_extension(con, 'postgres_scanner')"]
        code.append("print(con.execute('SELECT count(*) FROM t').fetchall()[0][0])")
        r = subprocess.run([sys.executable, "-c", "\n".join(code)], capture_output=True, text=True,
                           env=env, timeout=120)
        assert r.returncode == 0 and r.stdout.strip() == "5", r.stderr
    finally:
        from tui_sync.target import lake

        lake.forget(spec) if "spec" in locals() else None
        admin.execute(f"CALL postgres_execute('pg', 'DROP DATABASE IF EXISTS {name} WITH (FORCE)', "
                      "use_transaction => false)")
        admin.close()
