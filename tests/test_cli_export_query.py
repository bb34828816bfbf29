"""`tui-sync export` and `tui-sync query` (issue 15): a target table to Parquet/CSV through
DuckDB's COPY, and a read-only query printed as a table, JSON or CSV. Both read through a
read-only connection; bad input is one line and exit 2, and no partial file stays behind."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from rich.cells import cell_len

from tests.conftest import env_with_home, make_sqlite, target_of, write_config
from tui_sync.cli import main
from tui_sync.config import Config
from tui_sync.engine import Engine
from tui_sync.events import Mode
from tui_sync.target import connect

SCRIPT = str(Path(sys.executable).parent / "tui-sync")
ROWS = [
    (1, "2026-01-01 08:00:00", "12.500", "alpha"),
    (2, "2026-01-02 09:30:00", "0.125", "설비 알람"),
    (3, "2026-01-03 10:45:00", None, "gamma"),
]


@pytest.fixture
def cfg(tmp_path: Path, target_kind: str) -> Config:
    """EV (3 rows, a decimal, a Korean value) synced into the target, both target kinds."""
    return _synced(tmp_path)


@pytest.fixture
def file_cfg(tmp_path: Path) -> Config:
    """The same in a DuckDB file only: for refusals decided before the target is read (DuckDB's
    parser, the argument checks). A lake costs seconds per test; test_a_lake_is_attached_read_only
    covers what a lake refuses itself."""
    return _synced(tmp_path)


def _synced(tmp_path: Path) -> Config:
    src = make_sqlite(tmp_path / "src.sqlite",
                      "CREATE TABLE EV (ID NUMBER(10) PRIMARY KEY, TS TIMESTAMP(6) NOT NULL, "
                      "AMOUNT NUMBER(12,3), NAME VARCHAR2(30));",
                      [("INSERT INTO EV VALUES (?, ?, ?, ?)", ROWS)])
    config = write_config(tmp_path, src, "[table Ev]\ntarget = ev\nprimary_key = ID\ncursor = TS\n")
    assert Engine(config).run(["EV"], Mode.FULL).ok
    return config


def cli(config: Config, *args: str) -> int:
    return main([*args, "--config", str(config.path)])


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def read_parquet(path: Path) -> list[tuple]:
    con = duckdb.connect()
    try:
        return con.execute("SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    finally:
        con.close()


# -- export ----------------------------------------------------------------------------------

def test_export_parquet_by_section_name_keeps_rows_and_types(cfg: Config, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out" / "ev.parquet"
    assert cli(cfg, "export", "EV", "--to", str(out)) == 0  # the section is [table Ev]: any case
    assert capsys.readouterr().out.strip() == f"wrote 3 rows to {out}"
    rows = read_parquet(out)
    assert rows == [(1, datetime(2026, 1, 1, 8), Decimal("12.500"), "alpha"),
                    (2, datetime(2026, 1, 2, 9, 30), Decimal("0.125"), "설비 알람"),
                    (3, datetime(2026, 1, 3, 10, 45), None, "gamma")]
    assert not list(out.parent.glob("*.partial"))


def test_export_csv_with_where_and_columns_as_json(cfg: Config, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "ev.csv"
    assert cli(cfg, "export", "ev", "--to", str(out), "--where", "amount IS NOT NULL -- a comment",
               "--columns", "NAME,id", "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc == {"table": "ev", "path": str(out.resolve()), "rows": 2, "format": "csv"}
    assert list(csv.reader(io.StringIO(out.read_text(encoding="utf-8")))) == [
        ["name", "id"], ["alpha", "1"], ["설비 알람", "2"]]


def test_export_a_schema_qualified_target_table(cfg: Config, tmp_path: Path,
                                                capsys: pytest.CaptureFixture) -> None:
    con = connect(target_of(cfg))
    try:
        con.execute('CREATE SCHEMA analytics; CREATE TABLE analytics.events AS '
                    'SELECT 7 AS "a.b", \'x\' AS note UNION ALL SELECT 8, \'y\'')
    finally:
        con.close()
    out = tmp_path / "events.csv"
    assert cli(cfg, "export", "analytics.events", "--to", str(out), "--columns", "a.b") == 0
    assert f"wrote 2 rows to {out}" in capsys.readouterr().out
    assert out.read_text(encoding="utf-8").splitlines() == ["a.b", "7", "8"]


@pytest.mark.parametrize("args, says", [
    (["NOPE", "--to", "{d}/x.csv"], "table NOPE not found"),
    (["EV", "--to", "{d}/x.csv", "--columns", "id,nope"], "unknown column nope"),
    (["EV", "--to", "{d}/x.csv", "--where", "id >"], "bad --where"),
    (["EV", "--to", "{d}/x.csv", "--where", "no_such_col = 1"], "bad --where"),
    (["EV", "--to", "{d}/x.csv", "--where", "1=1); DROP TABLE ev; SELECT (1"], "bad --where"),
    (["EV", "--to", "{d}/x.json"], "use .csv or .parquet"),
    (["EV", "--to", "{d}/afile/x.parquet"], "cannot write"),
], ids=["table", "column", "where-syntax", "where-binder", "where-two-statements", "extension",
        "unwritable"])
def test_export_errors_are_one_line_exit_2_and_leave_no_file(
        file_cfg: Config, tmp_path: Path, capsys: pytest.CaptureFixture, args: list[str], says: str) -> None:
    d = tmp_path / "exports"
    d.mkdir()
    (d / "afile").write_text("a file where a folder should be")
    before = sorted(p.name for p in d.rglob("*"))
    assert cli(file_cfg, "export", *[a.format(d=d) for a in args]) == 2
    assert says in one_error_line(capsys.readouterr().err)
    assert sorted(p.name for p in d.rglob("*")) == before
    con = connect(target_of(file_cfg), create=False)  # and the table is untouched
    try:
        assert con.execute("SELECT count(*) FROM ev").fetchall() == [(3,)]
    finally:
        con.close()


# -- query -----------------------------------------------------------------------------------

def test_query_prints_an_aligned_table_with_a_row_count(cfg: Config, capsys: pytest.CaptureFixture) -> None:
    assert cli(cfg, "query", "SELECT name, id, amount FROM ev ORDER BY id") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "3 rows"
    table = [line for line in lines[:-1] if line.strip()]
    assert table[0].split() == ["name", "id", "amount"]
    body = [line for line in table if any(v in line for v in ("alpha", "설비 알람", "gamma"))]
    assert len(body) == 3
    # every row's id ends in the same terminal cell, the Korean one too
    assert len({cell_len(line[:line.index(str(i)) + 1]) for i, line in enumerate(body, 1)}) == 1, lines
    assert "NULL" in body[2]


def test_query_json_is_one_document_with_exact_values(cfg: Config, capsys: pytest.CaptureFixture) -> None:
    assert cli(cfg, "query", "SELECT id, ts, amount, name FROM ev ORDER BY id", "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in doc["columns"]] == ["id", "ts", "amount", "name"]
    assert doc["columns"][2]["type"] == "DECIMAL(12,3)"
    assert doc["rows"][0] == [1, "2026-01-01T08:00:00", "12.500", "alpha"]
    assert doc["rows"][2][2] is None and doc["row_count"] == 3


def test_query_csv_streams_header_and_rows(cfg: Config, capsys: pytest.CaptureFixture) -> None:
    assert cli(cfg, "query", "WITH x AS (SELECT * FROM ev) SELECT id, name FROM x ORDER BY id",
               "--csv") == 0
    got = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert got == [["id", "name"], ["1", "alpha"], ["2", "설비 알람"], ["3", "gamma"]]


@pytest.mark.parametrize("sql", ["SHOW TABLES", "DESCRIBE ev", "SUMMARIZE ev", "EXPLAIN SELECT * FROM ev",
                                 "PRAGMA table_info('ev')", "FROM ev"])
def test_query_accepts_the_read_statements(file_cfg: Config, capsys: pytest.CaptureFixture, sql: str) -> None:
    assert cli(file_cfg, "query", sql, "--json") == 0, capsys.readouterr().err
    assert json.loads(capsys.readouterr().out)["row_count"] >= 1


@pytest.mark.parametrize("sql, kind", [
    ("INSERT INTO ev VALUES (9, TIMESTAMP '2026-01-09 00:00:00', 1, 'x')", "INSERT"),
    ("DELETE FROM ev", "DELETE"),
    ("UPDATE ev SET name = 'x'", "UPDATE"),
    ("DROP TABLE ev", "DROP"),
    ("CREATE TABLE x AS SELECT 1", "CREATE"),
    ("COPY ev TO 'stolen.csv'", "COPY"),
    ("ATTACH 'other.duckdb'", "ATTACH"),
    ("SET threads = 1", "SET"),
    ("CALL checkpoint()", "CALL"),
    ("PRAGMA enable_profiling", "PRAGMA"),
    ("EXPLAIN ANALYZE DELETE FROM ev", "DELETE"),
    ("SELECT 1; DELETE FROM ev", "2 statements"),
], ids=lambda v: v.split()[0] if " " in v else v)
def test_query_refuses_anything_but_a_read_before_running_it(
        file_cfg: Config, tmp_path: Path, capsys: pytest.CaptureFixture, sql: str, kind: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli(file_cfg, "query", sql) == 2
    line = one_error_line(capsys.readouterr().err)
    assert kind in line and ("query is read-only" in line or "one statement" in line), line
    assert not (tmp_path / "stolen.csv").exists() and not (tmp_path / "other.duckdb").exists()
    con = connect(target_of(file_cfg), create=False)
    try:
        assert con.execute("SELECT count(*), min(name) FROM ev").fetchall() == [(3, "alpha")]
    finally:
        con.close()


@pytest.mark.parametrize("sql, says", [("SELEC 1", "syntax error"), ("SELECT nope FROM ev", "nope"),
                                       ("SELECT 1/0::INTEGER, 'a'::INTEGER", "Conversion")])
def test_query_sql_errors_are_one_line_exit_2(file_cfg: Config, capsys: pytest.CaptureFixture,
                                              sql: str, says: str) -> None:
    assert cli(file_cfg, "query", sql, "--json") == 2
    captured = capsys.readouterr()
    assert says in one_error_line(captured.err)
    assert json.loads(captured.out)["exit_code"] == 2


def test_query_text_output_is_capped_but_counts_every_row(file_cfg: Config,
                                                          capsys: pytest.CaptureFixture) -> None:
    assert cli(file_cfg, "query", "SELECT range AS n FROM range(2500)", "--max-rows", "10") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "2,500 rows (the first 10 shown; --max-rows, or --csv/--json for all)"
    assert sum(line.strip().isdigit() for line in lines) == 10


# -- the connection is read-only ---------------------------------------------------------------

HOLD_READ_ONLY = r"""
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("open", flush=True)
sys.stdin.readline()
"""


def test_a_file_target_is_opened_read_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process reading the file read-only keeps every read-write open out (status),
    not export and query: they open it read-only too."""
    src = make_sqlite(tmp_path / "src.sqlite", "CREATE TABLE EV (ID NUMBER(10) PRIMARY KEY, "
                      "NAME VARCHAR2(30)); INSERT INTO EV VALUES (1, 'a'), (2, 'b');")
    config = write_config(tmp_path, src, "[table EV]\ntarget = ev\nprimary_key = ID\n")
    assert Engine(config).run(["EV"], Mode.FULL).ok
    env = env_with_home(tmp_path / "home")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_READ_ONLY, str(config.target_path())],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"

        def run(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run([SCRIPT, *args, "--config", str(config.path)], capture_output=True,
                                  text=True, env=env, timeout=120, stdin=subprocess.DEVNULL)

        assert run("status").returncode == 3  # a read-write open: refused
        q = run("query", "SELECT count(*) AS n FROM ev", "--csv")
        assert q.returncode == 0, q.stderr
        assert q.stdout.splitlines() == ["n", "2"]
        e = run("export", "EV", "--to", str(tmp_path / "ev.parquet"))
        assert e.returncode == 0 and "wrote 2 rows" in e.stdout, e.stderr
    finally:
        holder.communicate("\n", timeout=60)
    assert len(read_parquet(tmp_path / "ev.parquet")) == 2


def test_a_lake_is_attached_read_only(cfg: Config, target_kind: str, capsys: pytest.CaptureFixture) -> None:
    """A SELECT the parser lets through but that writes (DuckLake's maintenance functions are
    table functions) is refused by the read-only attach itself: nothing is expired."""
    if target_kind != "ducklake":
        pytest.skip("a lake's maintenance functions")
    count = "SELECT count(*) AS n FROM lake.snapshots()"
    assert cli(cfg, "query", count, "--csv") == 0
    before = capsys.readouterr().out
    sql = "SELECT * FROM ducklake_expire_snapshots('lake', older_than => now())"
    assert cli(cfg, "query", sql) == 2
    assert "read-only" in one_error_line(capsys.readouterr().err)
    assert cli(cfg, "query", count, "--csv") == 0
    assert capsys.readouterr().out == before and int(before.split()[-1]) > 1
