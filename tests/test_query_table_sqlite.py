"""Query-backed tables (`[table NAME]` with `query = SELECT ...`) end to end: a real SQLite
source, a real DuckDB target (and a lake), every mode, plan, verify and doctor."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import duck_rows, duck_types, make_sqlite, target_of, write_config
from tui_sync import cli
from tui_sync.engine import Engine
from tui_sync.errors import ConfigError
from tui_sync.events import Mode
from tui_sync.sources.sqlite import SqliteSource
from tui_sync.target import state as st

T0 = datetime(2026, 3, 1, 8, 0, 0)

DDL = """
CREATE TABLE ORDERS (ID NUMBER(10) PRIMARY KEY, CUST NUMBER(10), TS TIMESTAMP(6) NOT NULL,
                     AMOUNT NUMBER(12,3), NOTE VARCHAR2(40));
CREATE TABLE CUSTOMERS (ID NUMBER(10) PRIMARY KEY, NAME VARCHAR2(30), REGION CHAR(2));
"""

QUERY = ("SELECT o.ID, o.TS, o.AMOUNT, c.NAME AS CUSTOMER, o.AMOUNT * 2 AS DOUBLED, "
         "length(o.NOTE) AS NOTE_LEN FROM ORDERS o JOIN CUSTOMERS c ON c.ID = o.CUST "
         "WHERE c.REGION = 'EU'")

TABLE = f"""[table EU_ORDERS]
query = {QUERY}
primary_key = ID
cursor = TS
lookback = 1 minute
"""


def ts(i: int) -> str:
    return (T0 + timedelta(minutes=i)).strftime("%Y-%m-%d %H:%M:%S.%f")


def source(tmp_path: Path, n: int = 60) -> Path:
    path = make_sqlite(tmp_path / "src.sqlite", DDL, [
        ("INSERT INTO CUSTOMERS VALUES (?, ?, ?)", [(1, "Ann", "EU"), (2, "Bob", "US"), (3, "Cy", "EU")]),
        ("INSERT INTO ORDERS VALUES (?, ?, ?, ?, ?)",
         [(i, 1 + i % 3, ts(i), f"{i}.125", f"note {i}") for i in range(1, n + 1)])])
    return path


def write(path: Path, sql: str, rows: list[tuple] = ()) -> None:
    con = sqlite3.connect(path)
    if rows:
        con.executemany(sql, rows)
    else:
        con.execute(sql)
    con.commit()
    con.close()


def expected(path: Path) -> list[tuple]:
    """The query's rows as SQLite computes them (the truth a target must equal)."""
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT ID, TS, AMOUNT, CUSTOMER, NOTE_LEN FROM ({QUERY}) ORDER BY ID").fetchall()
    finally:
        con.close()


def target_rows(cfg) -> list[tuple]:
    got = duck_rows(target_of(cfg), "eu_orders", "id")
    # id, ts, amount, customer, doubled, note_len -> as SQLite text/numbers for comparison
    return [(r[0], r[1].strftime("%Y-%m-%d %H:%M:%S.%f"), float(r[2]), r[3], r[5]) for r in got]


def test_describe_declared_types_of_plain_columns_values_for_expressions(tmp_path: Path) -> None:
    src = SqliteSource(source(tmp_path))
    with src:
        desc = src.describe_query("EU_ORDERS", QUERY)
    assert desc.query == QUERY and desc.primary_key == ()
    cols = {c.name: c.declared() for c in desc.columns}
    # plain references keep the declared type of their table column (a TEMP VIEW's
    # PRAGMA table_info); expressions have none and are typed from their storage classes
    assert cols == {"ID": "NUMBER(10,0)", "TS": "TIMESTAMP(6)", "AMOUNT": "NUMBER(12,3)",
                    "CUSTOMER": "VARCHAR2(30)", "DOUBLED": "BINARY_DOUBLE", "NOTE_LEN": "INTEGER"}
    notes = dict(desc.type_notes)
    assert set(notes) == {"DOUBLED", "NOTE_LEN"}
    assert "no declared type" in notes["NOTE_LEN"] and "(integer)" in notes["NOTE_LEN"]
    # nothing written to the source: the describing view lived in the temp schema
    con = sqlite3.connect(src.path)
    assert con.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'view'").fetchone()[0] == 0
    con.close()


@pytest.mark.usefixtures("target_kind")
def test_full_then_incremental_upserts_around_the_query(tmp_path: Path) -> None:
    path = source(tmp_path)
    cfg = write_config(tmp_path, path, TABLE, sync="batch_rows = 7")
    result = Engine(cfg).run(["EU_ORDERS"], Mode.AUTO)
    assert result.ok, result
    assert result.results[0].mode == Mode.FULL
    assert target_rows(cfg) == expected(path)
    assert duck_types(target_of(cfg), "eu_orders") == {
        "id": "BIGINT", "ts": "TIMESTAMP", "amount": "DECIMAL(12,3)", "customer": "VARCHAR",
        "doubled": "DOUBLE", "note_len": "DECIMAL(38,0)"}
    # new rows, a row AT the watermark, an update inside the lookback, a row leaving the
    # query's filter (stays: an incremental never deletes by key) and one of another region
    write(path, "INSERT INTO ORDERS VALUES (?, ?, ?, ?, ?)",
          [(i, 1, ts(i), "5.5", "new") for i in range(61, 70)] + [(70, 2, ts(65), "1", "us")])
    write(path, f"UPDATE ORDERS SET AMOUNT = 99, TS = '{ts(69)}' WHERE ID = 60")
    result = Engine(cfg).run(["EU_ORDERS"], Mode.AUTO)
    assert result.ok and result.results[0].mode == Mode.INCREMENTAL, result
    assert target_rows(cfg) == expected(path)
    state = st.read_table_states(target_of(cfg))["eu_orders"]
    assert state.source_table == "EU_ORDERS" and state.cursor_column == "TS"
    # again with nothing new: the lookback window is re-read, nothing duplicated
    assert Engine(cfg).run(["EU_ORDERS"], Mode.INCREMENTAL).ok
    assert target_rows(cfg) == expected(path)


@pytest.mark.usefixtures("target_kind")
def test_keyless_query_incremental_deletes_the_window_and_appends(tmp_path: Path) -> None:
    path = source(tmp_path)
    tables = f"[table EU_ORDERS]\nquery = {QUERY}\ncursor = TS\nlookback = 2 minutes\n"
    cfg = write_config(tmp_path, path, tables, sync="chunk_rows = 5")  # keyless: never chunked
    assert Engine(cfg).run(["EU_ORDERS"], Mode.FULL).ok
    assert st.read_runs(target_of(cfg))[-1].consistency == "one statement"
    write(path, "INSERT INTO ORDERS VALUES (?, ?, ?, ?, ?)", [(i, 3, ts(i), "2", "k") for i in range(61, 64)])
    write(path, f"UPDATE ORDERS SET AMOUNT = 7 WHERE ID = {max(i for i in range(55, 61) if i % 3 != 1)}")
    assert Engine(cfg).run(["EU_ORDERS"], Mode.INCREMENTAL).ok
    assert target_rows(cfg) == expected(path)


def test_where_filter_and_test_mode_apply_around_the_query(tmp_path: Path) -> None:
    path = source(tmp_path)
    cfg = write_config(tmp_path, path, TABLE + "where = AMOUNT >= 30\n", sync="test_rows = 4")
    assert Engine(cfg).run(["EU_ORDERS"], Mode.TEST).ok
    got = duck_rows(target_of(cfg), "eu_orders_test", "id")
    assert [r[0] for r in got] == [r[0] for r in expected(path) if r[2] >= 30][:4]
    assert Engine(cfg).run(["EU_ORDERS"], Mode.FULL).ok
    assert target_rows(cfg) == [r for r in expected(path) if r[2] >= 30]


def test_parallel_key_ranges_on_a_numeric_key_of_the_query(tmp_path: Path) -> None:
    path = source(tmp_path)
    cfg = write_config(tmp_path, path, TABLE + "parallel = 3\n")
    assert Engine(cfg).run(["EU_ORDERS"], Mode.FULL).ok
    assert target_rows(cfg) == expected(path)


@pytest.mark.parametrize(("extra", "key", "words"), [
    ("consistent = true\n", "consistent", "cannot be read as of one point in time"),
    ("parallel = 2\n", "parallel", "no row address"),
])
def test_row_address_features_are_refused_naming_the_key(tmp_path: Path, extra: str, key: str,
                                                          words: str) -> None:
    path = source(tmp_path)
    tables = TABLE.replace("primary_key = ID\n", "primary_key = CUSTOMER\n") + extra
    cfg = write_config(tmp_path, path, tables)
    with pytest.raises(ConfigError) as err:
        Engine(cfg).run(["EU_ORDERS"], Mode.FULL)
    assert str(err.value).startswith(f"{cfg.path}:[table EU_ORDERS]:{key}: ")
    assert words in str(err.value) and "\n" not in str(err.value)
    assert not (tmp_path / "t.duckdb").exists()


@pytest.mark.parametrize(("tables", "key", "words"), [
    (TABLE.replace("cursor = TS", "cursor = NOPE"), "cursor", "column NOPE is not in"),
    (TABLE.replace("primary_key = ID", "primary_key = ID, NOPE"), "primary_key", "column NOPE"),
    (TABLE.replace(QUERY, "SELECT * FROM MISSING_TABLE"), "query", "no such table: MISSING_TABLE"),
    (TABLE.replace(QUERY, "SELECT ID, TS FROM ORDERS WHERE"), "query", "SQLite"),
    (TABLE.replace(QUERY, "SELECT o.ID, c.ID, o.TS FROM ORDERS o JOIN CUSTOMERS c ON c.ID = o.CUST"),
     "query", "column ID appears twice"),
])
def test_bad_query_or_column_is_one_line_exit_2_nothing_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], tables: str, key: str, words: str) -> None:
    path = source(tmp_path)
    cfg = write_config(tmp_path, path, tables)
    code = cli.main(["sync", "EU_ORDERS", "--config", str(cfg.path)])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert f"{cfg.path}:[table EU_ORDERS]:{key}: " in err and words in err, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "t.duckdb").exists()


def test_plan_shows_the_wrapped_sql_and_the_typing_warnings(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    cfg = write_config(tmp_path, source(tmp_path), TABLE + "where = AMOUNT > 1\n")
    assert cli.main(["plan", "EU_ORDERS", "--config", str(cfg.path)]) == 0
    out = capsys.readouterr().out
    assert f"FROM (\n{QUERY}\n) AS \"Q\"" in out
    assert "WHERE (AMOUNT > 1)" in out and 'ORDER BY' not in out.split("incremental")[0]
    assert "NOTE_LEN: no declared type" in out and "DOUBLED: no declared type" in out
    assert not (tmp_path / "t.duckdb").exists()
    report = Engine(cfg).plan("EU_ORDERS")
    assert report.cursor_index is None  # a query has no index information
    sql, binds = report.sql["incremental"]
    assert sql.startswith('SELECT "ID" AS "id"') and f"FROM (\n{QUERY}\n) AS \"Q\" WHERE" in sql


def test_verify_quick_and_content_and_doctor_on_a_query_table(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = source(tmp_path)
    cfg = write_config(tmp_path, path, TABLE)
    assert Engine(cfg).run(["EU_ORDERS"], Mode.FULL).ok
    ini = str(cfg.path)
    assert cli.main(["verify", "EU_ORDERS", "--config", ini]) == 0
    assert cli.main(["verify", "EU_ORDERS", "--quick", "--config", ini]) == 0
    capsys.readouterr()
    write(path, "UPDATE ORDERS SET NOTE = 'a much longer note' WHERE ID = 3")  # NOTE_LEN changes
    assert cli.main(["verify", "EU_ORDERS", "--config", ini, "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False
    assert cli.main(["doctor", "EU_ORDERS", "--config", ini, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    steps = {(s["group"], s["name"]): s for s in doc["steps"]}
    exists = steps[("table EU_ORDERS", "exists")]
    assert exists["status"] == "ok" and exists["detail"].startswith("query, 6 columns")
    assert steps[("table EU_ORDERS", "cursor index")]["status"] == "skipped"
    assert steps[("table EU_ORDERS", "type plan")]["status"] == "warning"


def test_tables_lists_the_query_table_with_its_sync_state(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    cfg = write_config(tmp_path, source(tmp_path), TABLE + "\n[table ORDERS]\nquery = SELECT ID, TS FROM ORDERS\n"
                       "target = orders_copy\n")
    assert Engine(cfg).run(["EU_ORDERS"], Mode.FULL).ok
    assert cli.main(["tables", "--config", str(cfg.path), "--json"]) == 0
    rows = {r["table"]: r for r in json.loads(capsys.readouterr().out)}
    # the source's tables, then the query tables; a query named like a source table shadows it
    assert list(rows) == ["CUSTOMERS", "EU_ORDERS", "ORDERS"]
    assert rows["EU_ORDERS"]["target"] == "eu_orders" and rows["EU_ORDERS"]["rows"] == 40
    assert rows["EU_ORDERS"]["configured"] and rows["ORDERS"]["target"] == "orders_copy"


def test_requested_parallel_on_a_keyless_query_reads_in_one_statement_and_says_so(tmp_path: Path) -> None:
    path = source(tmp_path)
    cfg = write_config(tmp_path, path, f"[table EU_ORDERS]\nquery = {QUERY}\ncursor = TS\n")
    lines: list = []
    result = Engine(cfg, on_event=lines.append).run(["EU_ORDERS"], Mode.FULL, parallel=3)
    assert result.ok
    assert sorted(target_rows(cfg)) == expected(path)
    said = [e.message for e in lines if type(e).__name__ == "LogLine"]
    assert any("parallel read not possible" in m for m in said), said
    assert st.read_runs(target_of(cfg))[-1].consistency == "one statement"


def test_a_query_on_indented_continuation_lines_loads_and_syncs(tmp_path: Path) -> None:
    path = source(tmp_path)
    tables = ("[table eu_orders]\nquery = SELECT o.ID, o.TS FROM ORDERS o\n"
              "    JOIN CUSTOMERS c ON c.ID = o.CUST\n    WHERE c.REGION = 'EU';\nprimary_key = ID\n")
    cfg = write_config(tmp_path, path, tables)
    assert cfg.tables["eu_orders"].query.endswith("WHERE c.REGION = 'EU'")
    assert Engine(cfg).run(["eu_orders"], Mode.FULL).ok
    assert [r[0] for r in duck_rows(target_of(cfg), "eu_orders", "id")] == [r[0] for r in expected(path)]


def test_a_column_override_settles_a_value_typed_column(tmp_path: Path) -> None:
    path = source(tmp_path)
    q = "SELECT ID, NULL AS NONE_SEEN, CASE WHEN ID % 2 = 0 THEN ID ELSE 'odd' END AS MIXED FROM ORDERS"
    cfg = write_config(tmp_path, path, f"[table mixed]\nquery = {q}\nprimary_key = ID\n"
                                       "column.MIXED = VARCHAR\n")
    report = Engine(cfg).plan("mixed")
    warnings = report.warnings
    # NONE_SEEN: only NULLs seen, typed TEXT and warned; MIXED: overridden, so no warning
    assert [w.split(":")[0] for w in warnings] == ["NONE_SEEN"] and "(only NULL)" in warnings[0]
    assert report.plan.column("MIXED").duckdb_type == "VARCHAR"
    assert Engine(cfg).run(["mixed"], Mode.FULL).ok
    got = duck_rows(target_of(cfg), "mixed", "id")
    assert got[:2] == [(1, None, "odd"), (2, None, "2")]


@pytest.mark.parametrize("quick", [False, True])
def test_verify_partitions_a_keyed_query_without_cursor_by_key(tmp_path: Path, quick: bool) -> None:
    from tui_sync.services.verify import verify_table

    path = source(tmp_path)
    cfg = write_config(tmp_path, path, f"[table EU_ORDERS]\nquery = {QUERY}\nprimary_key = ID\n")
    assert Engine(cfg).run(["EU_ORDERS"], Mode.FULL).ok
    report = verify_table(cfg, "EU_ORDERS", buckets=4, quick=quick)
    assert report.ok and report.partition_by == "key_range" and report.source_rows == 40
    write(path, "UPDATE ORDERS SET AMOUNT = 1000 WHERE ID = 3")
    report = verify_table(cfg, "EU_ORDERS", buckets=4, quick=quick)
    assert not report.ok and report.differences


def test_property_incremental_of_a_query_always_equals_the_source(target_kind: str) -> None:
    """The incremental property (test_property_incremental.py) on a query-backed table: any
    inserts and in-window updates, any cursor text shapes, windows applied around the query."""
    from hypothesis import given, settings
    from hypothesis import strategies as hst

    from tests.test_property_incremental import check_incremental, ops, shape_st

    def as_query(ops: list, with_key: bool, batch_rows: int, ts_type: str, first_shapes: list) -> None:
        check_incremental(ops, with_key, batch_rows, ts_type, first_shapes, as_query=True)

    check = given(ops=ops, with_key=hst.booleans(), batch_rows=hst.sampled_from([1, 3, 50]),
                  ts_type=hst.sampled_from(["TIMESTAMP(6)", "DATE"]),
                  first_shapes=hst.lists(shape_st, min_size=20, max_size=20))(as_query)
    settings(max_examples={"duckdb": 15, "ducklake": 2}[target_kind], deadline=None)(check)()
