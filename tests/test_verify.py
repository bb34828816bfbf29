"""`tui-sync verify`: source and target compared by counts and sums per partition."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from decimal import Decimal, localcontext
from pathlib import Path

import duckdb
import pytest

from tests.conftest import env_with_home, make_sqlite, write_config
from tests.test_edge_values import CASES as EDGE_CASES
from tests.test_edge_values import sync_case
from tui_sync import cli
from tui_sync.cli.verify import add_verify_parser, cmd_verify
from tui_sync.config import load_config
from tui_sync.engine import Engine
from tui_sync.errors import TuiSyncError, UnknownTableError
from tui_sync.events import Mode, Status
from tui_sync.services.verify import sum_columns, verify_table
from tui_sync.services.verify_duckdb import target_aggregates
from tui_sync.services.verify_report import format_report
from tui_sync.sources.oracle.verify import oracle_aggregate_sql
from tui_sync.sources.sqlite import format_timestamp
from tui_sync.sources.verify_spec import Partitioning
from tui_sync.typeplan import PlanOptions, SourceColumn, build_plan

SCRIPT = str(Path(sys.executable).parent / "tui-sync")
T0 = datetime(2026, 3, 1, 20, 0, 0)

DDL = """
CREATE TABLE EVENTS (
    ID NUMBER(10) PRIMARY KEY,
    TS TIMESTAMP(6) NOT NULL,
    AMOUNT NUMBER(12,3),
    BIG NUMBER(24),
    RATIO BINARY_DOUBLE,
    NAME VARCHAR2(20)
);
"""
TABLES = "[table EVENTS]\ntarget = events\ncursor = TS\nlookback = 5 minutes\n"


def events_source(path: Path, n: int = 600) -> Path:
    # 600 rows 7 minutes apart: about three days, every partition well filled
    rows = [(i, format_timestamp(T0 + timedelta(minutes=7 * i, microseconds=i)),
             None if i % 13 == 0 else f"{i}.{i % 1000:03d}", str(10**18 + i), i / 7, f"n{i}")
            for i in range(1, n + 1)]
    return make_sqlite(path, DDL, [("INSERT INTO EVENTS VALUES (?, ?, ?, ?, ?, ?)", rows)])


def synced(tmp_path: Path, tables: str = TABLES, n: int = 600, name: str = "EVENTS"):
    src = events_source(tmp_path / "src.sqlite", n)
    cfg = write_config(tmp_path, src, tables, sync="batch_rows = 200")
    assert Engine(cfg).run([name], Mode.FULL).ok
    return cfg, src


def duck_exec(cfg, sql: str, params: list | None = None) -> None:
    con = duckdb.connect(str(cfg.target_path()))
    try:
        con.execute(sql, params or [])
    finally:
        con.close()


def test_a_fresh_full_sync_verifies_by_cursor_day(tmp_path: Path) -> None:
    cfg, _ = synced(tmp_path)
    r = verify_table(cfg, "EVENTS")
    assert r.ok, format_report(r)
    assert (r.partition_by, r.partition_column) == ("day", "ts")
    assert r.source_rows == r.target_rows == 600 and r.partitions == 4
    assert r.columns == ["id", "amount", "big", "ratio"]  # NAME and TS are not summed
    assert "OK" in format_report(r)


def test_a_deleted_target_row_shows_in_its_day_only(tmp_path: Path) -> None:
    cfg, _ = synced(tmp_path)
    duck_exec(cfg, "DELETE FROM events WHERE id = 250")
    r = verify_table(cfg, "EVENTS")
    assert not r.ok and (r.source_rows, r.target_rows) == (600, 599)
    day = (T0 + timedelta(minutes=7 * 250)).date().isoformat()
    by_col = {d.column: d for d in r.differences}
    assert {d.partition for d in r.differences} == {day}
    assert (by_col["rows"].source, by_col["rows"].target) == (tuple_rows(cfg, day) + 1, tuple_rows(cfg, day))
    assert by_col["sum(id)"].source - by_col["sum(id)"].target == 250
    assert set(by_col) == {"rows", "sum(id)", "sum(amount)", "sum(big)", "sum(ratio)"}
    text = format_report(r)
    assert "DIFFERENT" in text and day in text


def tuple_rows(cfg, day: str) -> int:
    con = duckdb.connect(str(cfg.target_path()))
    try:
        return con.execute("SELECT COUNT(*) FROM events WHERE CAST(ts AS DATE) = ?", [day]).fetchone()[0]
    finally:
        con.close()


def test_an_altered_decimal_sum_is_found_exactly(tmp_path: Path) -> None:
    cfg, _ = synced(tmp_path)
    duck_exec(cfg, "UPDATE events SET amount = amount + 0.001 WHERE id = 10")
    r = verify_table(cfg, "EVENTS")
    assert not r.ok and r.source_rows == r.target_rows
    (d,) = r.differences
    assert d.partition == T0.date().isoformat() and d.column == "sum(amount)"
    assert d.target - d.source == Decimal("0.001")


def test_a_one_off_in_a_24_digit_number_is_found(tmp_path: Path) -> None:
    cfg, _ = synced(tmp_path)
    duck_exec(cfg, "UPDATE events SET big = big + 1 WHERE id = 599")
    r = verify_table(cfg, "EVENTS")
    assert [(d.column, d.target - d.source) for d in r.differences] == [("sum(big)", 1)]


def test_doubles_compare_with_a_relative_tolerance(tmp_path: Path) -> None:
    cfg, _ = synced(tmp_path)
    duck_exec(cfg, "UPDATE events SET ratio = ratio * (1 + 1e-12) WHERE id = 3")
    assert verify_table(cfg, "EVENTS", quick=True).ok  # rounding noise is not a sum difference
    # ...but the content check compares every double exactly: the target holds another value
    assert [d.column for d in verify_table(cfg, "EVENTS").differences] == ["content(ratio)"]
    duck_exec(cfg, "UPDATE events SET ratio = ratio + 1 WHERE id = 3")
    r = verify_table(cfg, "EVENTS")
    assert [d.column for d in r.differences] == ["sum(ratio)"]
    assert r.differences[0].target - r.differences[0].source == pytest.approx(1.0)


def test_a_row_moved_to_another_day(tmp_path: Path) -> None:
    cfg, _ = synced(tmp_path)
    duck_exec(cfg, "UPDATE events SET ts = ts + INTERVAL 2 DAY WHERE id = 20")
    r = verify_table(cfg, "EVENTS")
    assert r.source_rows == r.target_rows  # the total alone would not notice
    parts = {(d.partition, d.column) for d in r.differences}
    assert (T0.date().isoformat(), "rows") in parts
    assert ((T0 + timedelta(days=2)).date().isoformat(), "rows") in parts


def test_rows_present_only_in_the_source_are_reported(tmp_path: Path) -> None:
    cfg, src = synced(tmp_path)
    con = sqlite3.connect(src)
    con.execute("INSERT INTO EVENTS VALUES (9999, '2030-01-01 00:00:00.000000', '1.000', '1', 1.0, 'x')")
    con.commit()
    con.close()
    r = verify_table(cfg, "EVENTS")
    rows = [d for d in r.differences if d.column == "rows"]
    assert [(d.partition, d.source, d.target) for d in rows] == [("2030-01-01", 1, 0)]
    # an incremental sync catches up, and then they match again
    assert Engine(cfg).run(["EVENTS"], Mode.INCREMENTAL).ok
    assert verify_table(cfg, "EVENTS").ok


def test_no_cursor_partitions_by_key_ranges(tmp_path: Path) -> None:
    cfg, _ = synced(tmp_path, "[table EVENTS]\ntarget = events\n")
    r = verify_table(cfg, "EVENTS", buckets=8)
    assert r.ok and r.partition_by == "key_range" and r.partition_column == "id"
    assert r.partitions == 8
    duck_exec(cfg, "UPDATE events SET amount = amount - 1 WHERE id = 301")
    r = verify_table(cfg, "EVENTS", buckets=8)
    (d,) = r.differences
    assert d.column == "sum(amount)" and d.source - d.target == 1
    # the label names the key range holding id 301, and only that one
    assert d.partition == "301 <= id < 376"


def test_a_text_key_with_blank_padding_and_rtrim(tmp_path: Path) -> None:
    rows = [(f"K{i:04d}" + " " * (i % 3), i) for i in range(500)]
    src = make_sqlite(tmp_path / "k.sqlite", "CREATE TABLE K (CODE CHAR(8) PRIMARY KEY, QTY NUMBER(6));",
                      [("INSERT INTO K VALUES (?, ?)", rows)])
    cfg = write_config(tmp_path, src, "[table K]\n", sync="rtrim_char = true")
    assert Engine(cfg).run(["K"], Mode.FULL).ok
    r = verify_table(cfg, "K", buckets=5)
    assert r.ok and r.partition_by == "key_range" and r.partitions == 5, format_report(r)
    duck_exec(cfg, "DELETE FROM k WHERE code = 'K0499'")
    r = verify_table(cfg, "K", buckets=5)
    assert {(d.partition, d.column) for d in r.differences} == {
        ("code >= 'K0400'", "rows"), ("code >= 'K0400'", "sum(qty)")}


def test_no_cursor_and_no_key_compares_the_whole_table(tmp_path: Path) -> None:
    src = make_sqlite(tmp_path / "w.sqlite", "CREATE TABLE W (A NUMBER(5), B BINARY_FLOAT, C VARCHAR2(5));",
                      [("INSERT INTO W VALUES (?, ?, ?)", [(i, i / 3, "x") for i in range(300)])])
    cfg = write_config(tmp_path, src, "[table W]\n")
    assert Engine(cfg).run(["W"], Mode.FULL).ok
    r = verify_table(cfg, "W")
    # B lands as FLOAT (float32): its sum differs from the source's doubles only by rounding
    assert r.ok and r.partition_by == "whole" and r.columns == ["a", "b"], format_report(r)
    duck_exec(cfg, "INSERT INTO w VALUES (1, 1, 'y')")
    r = verify_table(cfg, "W")
    assert {d.column for d in r.differences} == {"rows", "sum(a)", "sum(b)"}
    assert {d.partition for d in r.differences} == {"(whole table)"}


def test_time_zone_cursor_days_are_utc_days(tmp_path: Path) -> None:
    # 23:30-02:00 is the next day in UTC; 00:30+09:00 is the previous day
    values = ["2026-03-01 23:30:00-02:00", "2026-03-02 00:30:00+09:00", "2026-03-01 12:00:00+00:00"]
    src = make_sqlite(tmp_path / "tz.sqlite",
                      'CREATE TABLE TZ (ID NUMBER(5), AT "TIMESTAMP(6) WITH TIME ZONE", V NUMBER(5));',
                      [("INSERT INTO TZ VALUES (?, ?, ?)", [(i, v, i) for i, v in enumerate(values, 1)])])
    cfg = write_config(tmp_path, src, "[table TZ]\ncursor = AT\n")
    assert Engine(cfg).run(["TZ"], Mode.FULL).ok
    r = verify_table(cfg, "TZ")
    assert r.ok and r.partition_by == "day" and r.partitions == 2, format_report(r)
    duck_exec(cfg, "DELETE FROM tz WHERE id = 1")
    r = verify_table(cfg, "TZ")
    assert {(d.partition, d.column) for d in r.differences} == {("2026-03-02", "rows"), ("2026-03-02", "sum(id)"),
                                                              ("2026-03-02", "sum(v)")}


def test_the_where_filter_applies_to_the_source_side(tmp_path: Path) -> None:
    cfg, _ = synced(tmp_path, TABLES + "where = ID <= 300\n")
    r = verify_table(cfg, "EVENTS")
    assert r.ok and r.source_rows == 300


def test_wide_decimal_sums_do_not_overflow_in_duckdb() -> None:
    """DuckDB's SUM of DECIMAL(38,s) overflows past 38 digits; verify sums in halves."""
    cols = [SourceColumn("A", "NUMBER", 38, 0, position=1), SourceColumn("B", "NUMBER", 38, 10, position=2)]
    plan = build_plan(cols, PlanOptions())
    sums = sum_columns(plan.included)
    assert all(s.wide and s.exact for s in sums)
    con = duckdb.connect()
    con.execute("CREATE TABLE t (a DECIMAL(38,0), b DECIMAL(38,10))")
    big = Decimal(10**38 - 1)
    frac = Decimal("9999999999999999999999999999.9999999999")
    con.execute("INSERT INTO t VALUES (?, ?), (?, ?), (?, ?), (-1, -0.0000000001)",
                [big, frac, big, frac, big, frac])
    total, aggs, _ = target_aggregates(con, "t", Partitioning("whole"), sums)
    assert total == 4
    with localcontext() as ctx:
        ctx.prec = 100
        assert aggs[None][1] == [3 * big - 1, 3 * frac - Decimal("0.0000000001")]


def test_unknown_table_missing_target_and_missing_file(tmp_path: Path) -> None:
    src = events_source(tmp_path / "src.sqlite", 20)
    cfg = write_config(tmp_path, src, TABLES)
    with pytest.raises(TuiSyncError, match="does not exist yet"):
        verify_table(cfg, "EVENTS")
    assert not cfg.target_path().exists()  # verify never creates the file
    with pytest.raises(UnknownTableError, match="NO_SUCH"):
        verify_table(cfg, "NO_SUCH")
    con = sqlite3.connect(src)
    con.execute("CREATE TABLE OTHER (A NUMBER(3))")
    con.commit()
    con.close()
    assert Engine(cfg).run(["OTHER"], Mode.FULL).ok
    with pytest.raises(TuiSyncError, match=r"target table events is not in .*run a sync first"):
        verify_table(cfg, "EVENTS")


def test_oracle_sql_is_quoted_bound_and_groups_in_an_inline_view() -> None:
    cols = [SourceColumn("ID", "NUMBER", 10, 0, position=1),
            SourceColumn("odd name 값", "NUMBER", None, None, position=2),
            SourceColumn("AMT", "NUMBER", 12, 5, position=3),
            SourceColumn("AT", "TIMESTAMP WITH TIME ZONE", scale=6, position=4)]
    plan = build_plan(cols, PlanOptions(overrides={"AMT": "DECIMAL(12,2)"}))
    sums = sum_columns(plan.included)
    part = Partitioning("key_range", plan.column("ID"), (10, 20), (10, 20))
    sql, binds = oracle_aggregate_sql('"APP"."T"', "SITE = 'F1'", part, sums)
    assert binds == {"b0": 10, "b1": 20}
    assert sql == (
        'SELECT p, COUNT(*) AS n, TO_CHAR(SUM(s0)) AS s0, TO_CHAR(SUM(s1)) AS s1, TO_CHAR(SUM(s2)) AS s2 '
        'FROM (SELECT CASE WHEN "ID" IS NULL THEN NULL WHEN "ID" < :b0 THEN 0 WHEN "ID" < :b1 THEN 1 '
        'ELSE 2 END AS p, "ID" AS s0, "odd name 값" AS s1, "AMT" AS s2 FROM "APP"."T" '
        "WHERE (SITE = 'F1')) GROUP BY p")
    day = Partitioning("day", plan.column("AT"))
    sql, binds = oracle_aggregate_sql('"APP"."T"', "", day, sums[:1])
    assert binds == {} and "TRUNC(CAST(SYS_EXTRACT_UTC(\"AT\") AS DATE))" in sql


# -- the CLI command ---------------------------------------------------------------------------

def verify_main(argv: list[str]) -> int:
    """The console script's error path (cli.main) with the verify parser added."""
    parser = argparse.ArgumentParser(prog="tui-sync")
    add_verify_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    try:
        return cmd_verify(args)
    except TuiSyncError as exc:
        print(f"tui-sync: error: {exc}", file=sys.stderr)
        return exc.exit_code


def test_cmd_verify_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg, _ = synced(tmp_path)
    ini = str(cfg.path)
    assert verify_main(["verify", "EVENTS", "--config", ini]) == 0
    assert "OK: source and target match" in capsys.readouterr().out
    duck_exec(cfg, "UPDATE events SET big = big * 2 WHERE id = 7")
    assert verify_main(["verify", "events", "--config", ini, "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False and doc["partition_by"] == "day"
    (d,) = doc["differences"]
    assert d["column"] == "sum(big)" and Decimal(d["target"]) - Decimal(d["source"]) == 10**18 + 7
    assert verify_main(["verify", "NOPE", "--config", ini]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tui-sync: error:") and "NOPE" in err and len(err.splitlines()) == 1


def _cli_has_verify() -> bool:
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            cli.build_parser().parse_args(["verify", "X", "--demo"])
    except SystemExit:  # argparse: invalid choice 'verify'
        return False
    return True


@pytest.mark.xfail(not _cli_has_verify(), strict=True,
                   reason="the lead wires add_verify_parser into cli.build_parser")
def test_console_script_verify(tmp_path: Path) -> None:
    cfg, _ = synced(tmp_path)
    home = tmp_path / "home"
    run = subprocess.run([SCRIPT, "verify", "EVENTS", "--config", str(cfg.path), "--json"],
                         capture_output=True, text=True, env=env_with_home(home), timeout=120)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["ok"] is True
    duck_exec(cfg, "DELETE FROM events WHERE id < 5")
    run = subprocess.run([SCRIPT, "verify", "EVENTS", "--config", str(cfg.path)],
                         capture_output=True, text=True, env=env_with_home(home), timeout=120)
    assert run.returncode == 1 and "DIFFERENT" in run.stdout


def test_verify_never_imports_textual() -> None:
    probe = ("import sys, tui_sync.services.verify, tui_sync.cli.verify; "
             "print(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stderr


# -- the content check (issue 9 item 12) and what the source holds (item 1) -------------------

DOCS_DDL = """
CREATE TABLE DOCS (
    ID NUMBER(10) PRIMARY KEY,
    TS TIMESTAMP(6) NOT NULL,
    NAME VARCHAR2(20),
    NOTE VARCHAR2(20),
    DATA BLOB,
    PRICE NUMBER(12,2)
);
"""
DOCS = "[table DOCS]\ntarget = docs\ncursor = TS\n"


def docs_synced(tmp_path: Path, tables: str = DOCS, n: int = 300):
    # 300 rows 20 minutes apart: about four days; every 5th NOTE is NULL, prices have cents
    rows = [(i, format_timestamp(T0 + timedelta(minutes=20 * i, microseconds=i)), f"name {i}",
             None if i % 5 == 0 else f"note {i}", bytes([i % 256, 0, 255]) * 3, f"{i}.{i % 100:02d}")
            for i in range(1, n + 1)]
    src = make_sqlite(tmp_path / "docs.sqlite", DOCS_DDL, [("INSERT INTO DOCS VALUES (?, ?, ?, ?, ?, ?)", rows)])
    cfg = write_config(tmp_path, src, tables, sync="batch_rows = 100")
    assert Engine(cfg).run(["DOCS"], Mode.FULL).ok
    return cfg, src


def day_of(i: int) -> str:
    return (T0 + timedelta(minutes=20 * i)).date().isoformat()


def checks(r) -> set[tuple[str, str]]:
    return {(d.partition, d.column) for d in r.differences}


def test_a_clean_sync_verifies_by_content(tmp_path: Path) -> None:
    cfg, _ = docs_synced(tmp_path)
    r = verify_table(cfg, "DOCS")
    assert r.ok, format_report(r)
    assert r.content and r.content_columns == ["id", "ts", "name", "note", "data", "price"]
    assert "content of 6 column(s)" in format_report(r)


@pytest.mark.parametrize("sql, column, row", [
    ("UPDATE docs SET name = 'name 4O' WHERE id = 40", "content(name)", 40),
    ("UPDATE docs SET ts = ts + INTERVAL 1 MICROSECOND WHERE id = 41", "content(ts)", 41),
    ("UPDATE docs SET data = data || '\\x00'::BLOB WHERE id = 42", "content(data)", 42),
    ("UPDATE docs SET note = '' WHERE id = 45", "content(note)", 45),  # NULL -> ''
], ids=["text", "timestamp-microsecond", "blob", "null-to-empty"])
def test_one_changed_value_is_reported_with_its_partition(tmp_path: Path, sql: str, column: str,
                                                          row: int) -> None:
    cfg, _ = docs_synced(tmp_path)
    duck_exec(cfg, sql)
    assert verify_table(cfg, "DOCS", quick=True).ok  # counts and sums cannot see it
    r = verify_table(cfg, "DOCS")
    assert not r.ok and checks(r) == {(day_of(row), column)}, format_report(r)
    assert column in format_report(r)


def test_values_swapped_between_rows_are_reported_and_quick_is_blind_to_them(tmp_path: Path) -> None:
    cfg, _ = docs_synced(tmp_path)
    duck_exec(cfg, "UPDATE docs SET name = CASE id WHEN 50 THEN 'name 51' ELSE 'name 50' END "
                   "WHERE id IN (50, 51)")
    quick = verify_table(cfg, "DOCS", quick=True)
    assert quick.ok and not quick.content  # the documented blind spot of --quick
    assert "--quick" in format_report(quick)
    r = verify_table(cfg, "DOCS")
    # every column still holds the same values: only the rows changed
    assert checks(r) == {(day_of(50), "content")}, format_report(r)


def test_a_number_override_that_rounds_is_reported(tmp_path: Path) -> None:
    """Item 1: verify compares what the source holds (19.99), not what the plan made of it (20)."""
    cfg, _ = docs_synced(tmp_path, DOCS + "column.PRICE = DECIMAL(10,0)\n", n=30)
    r = verify_table(cfg, "DOCS", quick=True)
    assert not r.ok, format_report(r)
    assert {c for _, c in checks(r)} == {"sum(price)"}
    (first,) = [d for d in r.differences if d.partition == day_of(1)]
    assert first.source != first.target and first.source % 1 != 0  # cents in the source
    r = verify_table(cfg, "DOCS")
    # each day is reported once for PRICE: by its sum, or by content where roundings cancel out
    assert {c for _, c in checks(r)} <= {"sum(price)", "content(price)"}
    assert sorted(p for p, _ in checks(r)) == sorted({day_of(i) for i in range(1, 31)})


def test_an_override_rounding_that_keeps_the_sum_is_seen_by_content(tmp_path: Path) -> None:
    src = make_sqlite(tmp_path / "p.sqlite", "CREATE TABLE P (ID NUMBER(5) PRIMARY KEY, PRICE NUMBER(12,2));",
                      [("INSERT INTO P VALUES (?, ?)", [(1, "1.40"), (2, "1.60"), (3, "7")])])
    cfg = write_config(tmp_path, src, "[table P]\ncolumn.PRICE = DECIMAL(10,0)\n")
    assert Engine(cfg).run(["P"], Mode.FULL).ok  # 1.40 + 1.60 lands as 1 + 2: the same sum
    assert verify_table(cfg, "P", buckets=1, quick=True).ok
    assert checks(verify_table(cfg, "P", buckets=1)) == {("all id", "content(price)")}


def test_a_target_value_rounded_after_the_sync_is_reported(tmp_path: Path) -> None:
    cfg, _ = docs_synced(tmp_path)
    duck_exec(cfg, "UPDATE docs SET price = price + 0.01 WHERE id = 60")
    duck_exec(cfg, "UPDATE docs SET price = price - 0.01 WHERE id = 61")  # the sum is unchanged
    assert verify_table(cfg, "DOCS", quick=True).ok
    assert checks(verify_table(cfg, "DOCS")) == {(day_of(60), "content(price)")}


def test_content_check_by_key_range_and_whole_table(tmp_path: Path) -> None:
    cfg, _ = docs_synced(tmp_path, "[table DOCS]\ntarget = docs\n")
    duck_exec(cfg, "UPDATE docs SET name = 'x' WHERE id = 77")
    r = verify_table(cfg, "DOCS", buckets=4)
    assert r.partition_by == "key_range"
    assert checks(r) == {("76 <= id < 151", "content(name)")}, format_report(r)


def test_cli_quick_flag_and_help(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg, _ = docs_synced(tmp_path)
    duck_exec(cfg, "UPDATE docs SET name = 'x' WHERE id = 7")
    ini = str(cfg.path)
    assert verify_main(["verify", "DOCS", "--config", ini, "--quick"]) == 0
    capsys.readouterr()
    assert verify_main(["verify", "DOCS", "--config", ini, "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["content"] is True and doc["differences"][0]["column"] == "content(name)"
    parser = argparse.ArgumentParser(prog="tui-sync")
    add_verify_parser(parser.add_subparsers(dest="command"))
    with pytest.raises(SystemExit):
        parser.parse_args(["verify", "--help"])
    text = capsys.readouterr().out
    assert "--quick" in text and "swapped" in text


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=c.marks) for c in EDGE_CASES])
def test_content_check_agrees_on_a_clean_sync_of_every_type(tmp_path: Path, case) -> None:
    result, _ = sync_case(tmp_path, case.decl, case.values, case.sync)
    assert result.status == Status.OK, result.error
    r = verify_table(load_config(tmp_path / "tui-sync.ini"), "T")
    assert r.ok and r.content and "v" in r.content_columns, format_report(r)


def test_oracle_content_sql_renders_what_the_source_holds() -> None:
    """No Oracle server here and the fake does not evaluate aggregates: the SQL is checked as text."""
    from tui_sync.services.verify import content_columns
    from tui_sync.sources.oracle.verify import oracle_content_sql

    cols = [SourceColumn("ID", "NUMBER", 10, 0, position=1),
            SourceColumn("PRICE", "NUMBER", 12, 2, position=2),
            SourceColumn("RAW_NUM", "NUMBER", None, None, position=3),
            SourceColumn("STAR", "NUMBER", None, 2, position=4),
            SourceColumn("F", "BINARY_FLOAT", position=5),
            SourceColumn("D", "DATE", position=6),
            SourceColumn("T9", "TIMESTAMP", scale=9, position=7),
            SourceColumn("TZ", "TIMESTAMP WITH TIME ZONE", scale=6, position=8),
            SourceColumn("DS", "INTERVAL DAY TO SECOND", scale=6, position=9),
            SourceColumn("YM", "INTERVAL YEAR TO MONTH", position=10),
            SourceColumn("C", "CHAR", length=4, position=11),
            SourceColumn("N", "NVARCHAR2", length=20, position=12),
            SourceColumn("R", "RAW", length=16, position=13),
            SourceColumn("DOC", "CLOB", position=14)]
    plan = build_plan(cols, PlanOptions(rtrim_char=True, number_without_precision="decimal",
                                        overrides={"PRICE": "DECIMAL(10,0)"}))
    hashed, unchecked = content_columns("oracle", plan.included, {c.target_name for c in plan.included})
    assert unchecked == {"doc": "Oracle CLOB is not hashed in SQL"}
    part = Partitioning("key_range", plan.column("ID"), (10,), (10,))
    sql, binds = oracle_content_sql('"APP"."T"', "SITE = 'F1'", part, hashed)
    assert binds == {"b0": 10}
    nls = "'NLS_NUMERIC_CHARACTERS=''.,'''"
    # item 1: PRICE (NUMBER(12,2) overridden to DECIMAL(10,0)) and NUMBER(*,2) are never rounded;
    # a NUMBER without scale is rounded to the planned DECIMAL(38,10), as the plan warns
    assert f"""TO_CHAR("PRICE", 'TM9', {nls})""" in sql
    assert f"""TO_CHAR("STAR", 'TM9', {nls})""" in sql
    assert f"""TO_CHAR(ROUND("RAW_NUM", 10), 'TM9', {nls})""" in sql
    assert 'TO_BINARY_DOUBLE(TO_BINARY_FLOAT("F")) IS NAN' in sql
    assert "EXTRACT(SECOND FROM CAST(\"T9\" AS TIMESTAMP(9))) * 1000000000" in sql
    assert "EXTRACT(YEAR FROM SYS_EXTRACT_UTC(\"TZ\"))" in sql
    assert "EXTRACT(YEAR FROM \"YM\") * 12 + EXTRACT(MONTH FROM \"YM\")" in sql
    assert 'TO_CHAR(RTRIM("C"))' in sql and 'TO_CHAR("N")' in sql and 'RAWTOHEX("R")' in sql
    assert '"DOC"' not in sql
    assert sql.count("STANDARD_HASH(") == len(hashed) + 1  # one per cell, one per row
    assert sql.startswith("SELECT p, COUNT(*) AS n, TO_CHAR(SUM(TO_NUMBER(LOWER(SUBSTR(RAWTOHEX(STANDARD_HASH(")
    assert sql.endswith("FROM \"APP\".\"T\" WHERE (SITE = 'F1')) GROUP BY p")


def _cells_reference(src: Path, table: str, cols) -> tuple[int, list[int]]:
    """The "cells" definition computed in plain Python from the raw SQLite values."""
    from tui_sync.services import verify_duckdb as vc

    con = sqlite3.connect(src)
    names = ", ".join(f'"{c.plan.name}"' for c in cols)
    total, per_col = 0, [0] * len(cols)
    for row in con.execute(f'SELECT {names} FROM "{table}"'):
        cells = []
        for i, (c, v) in enumerate(zip(cols, row, strict=True)):
            text = vc.render(c, v)
            h = vc.NULL_CELL if text is None else vc._h16(text)
            cells.append(h)
            per_col[i] += 0 if text is None else int(h, 16)
        total += vc.row_hashes(cells)
    con.close()
    return total, per_col


@pytest.mark.parametrize("group", [200, 2])
def test_duckdb_cells_mode_matches_the_python_definition(tmp_path: Path, monkeypatch, group: int) -> None:
    """The DuckDB half of an Oracle verify ("cells" hashing, grouped past GROUP columns) agrees
    with the definition the Oracle SQL implements, on a real synced target."""
    from tui_sync import target as tg
    from tui_sync.services import verify_duckdb as vc
    from tui_sync.services.verify import content_columns

    monkeypatch.setattr(vc, "GROUP", group)
    cfg, src = docs_synced(tmp_path)
    plan = Engine(cfg).plan("DOCS").plan
    cols, _ = content_columns("sqlite", plan.included, {c.target_name for c in plan.included})
    con = tg.connect(cfg.target_path(), create=False)
    try:
        got = vc.duckdb_content(con, "docs", "NULL", [], cols, True, "cells")
    finally:
        con.close()
    rows, total, per_col = got[None]
    assert rows == 300 and (total, per_col) == _cells_reference(src, "DOCS", cols)


def test_python_and_duckdb_render_the_same_text_for_random_values() -> None:
    """The canonical rendering's two twins agree value by value (numbers, doubles, floats, times)."""
    import random

    from tui_sync.services import verify_duckdb as vc
    from tui_sync.verify_render import _to_f32

    rnd = random.Random(9)
    specs = [("NUMBER", 38, 10, None), ("NUMBER", 18, 0, None), ("BINARY_DOUBLE", None, None, None),
             ("BINARY_FLOAT", None, None, None), ("TIMESTAMP", None, 6, None), ("TIMESTAMP", None, 9, None),
             ("TIMESTAMP WITH TIME ZONE", None, 6, None)]
    cols = [SourceColumn(f"C{i}", t, p, s, position=i) for i, (t, p, s, _) in enumerate(specs)]
    plan = build_plan(cols, PlanOptions())
    content = [vc.content_column(cp) for cp in plan.included]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (" + ", ".join(f"c{i} {cp.duckdb_type}" for i, cp in enumerate(plan.included)) + ")")
    raw_rows = []
    for _ in range(400):
        d = Decimal(rnd.randrange(-10**27, 10**27)).scaleb(-rnd.randrange(0, 11))
        f = rnd.choice([rnd.uniform(-1e6, 1e6), rnd.random() * 10.0 ** rnd.randrange(-300, 300), 0.0, -0.0,
                        float("inf"), float("-inf"), float("nan"), 5e-324, 1.7976931348623157e308])
        us = datetime(rnd.randrange(1, 10000), rnd.randrange(1, 13), rnd.randrange(1, 29), rnd.randrange(24),
                      rnd.randrange(60), rnd.randrange(60), rnd.randrange(10**6))
        ns = f"{datetime(rnd.randrange(1678, 2262), 5, 6, 7, 8, 9):%Y-%m-%d %H:%M:%S}.{rnd.randrange(10**9):09d}"
        tz = f"{us:%Y-%m-%d %H:%M:%S.%f}{rnd.choice(['+09:00', '-02:30', 'Z', '+00:00'])}"
        if us.year == 1 or us.year == 9999:
            tz = f"{us:%Y-%m-%d %H:%M:%S.%f}+00:00"  # DuckDB's own range ends there
        raw_rows.append((str(d), rnd.randrange(-10**18 + 1, 10**18), f, f, f"{us:%Y-%m-%d %H:%M:%S.%f}", ns, tz))
    for row in raw_rows:  # the FLOAT column gets the float32 the sync's Arrow cast makes
        con.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [row[0], row[1], row[2], _to_f32(row[3]), row[4], row[5], row[6]])
    sql = "SELECT " + ", ".join(vc.duckdb_render(c).replace(f'"{c.target}"', f"c{i}")
                                for i, c in enumerate(content)) + " FROM t"
    for raw, got in zip(raw_rows, con.execute(sql + " ORDER BY rowid").fetchall(), strict=True):
        want = tuple(vc.render(c, v) for c, v in zip(content, raw, strict=True))
        assert got == want, (raw, got, want)


def test_oracle_11g_content_check_is_refused_in_one_line_before_any_query(tmp_path: Path,
                                                                         monkeypatch) -> None:
    from tests.oracle_fake import FakeOracle, events_table
    from tests.test_oracle_engine import PASSWORD, TABLE, make_config
    from tui_sync.sources.oracle import OracleSource
    from tui_sync.sources.oracle import source as oracle_mod

    monkeypatch.setattr(oracle_mod, "_thick_args", None)
    monkeypatch.setenv("TUI_SYNC_ORACLE_PASSWORD", PASSWORD)
    fake = FakeOracle([events_table(5)], version="11.2.0.4.0")
    cfg = make_config(tmp_path)
    with pytest.raises(TuiSyncError, match=r"needs Oracle 12c or later .*verify --quick") as err:
        verify_table(cfg, TABLE, source_factory=lambda: OracleSource(cfg.source, driver=fake))
    assert "\n" not in str(err.value)
    assert not any("GROUP BY" in sql for sql, _ in fake.calls)


def test_number_star_scale_is_compared_as_the_source_holds_it(tmp_path: Path) -> None:
    """Item 1: NUMBER(*,2) holding 19.99. Planned (wrongly) as DECIMAL(38,0) it lands as 20 and
    verify must say so; planned as DECIMAL(38,2) (the plan's fix) it lands exactly and verifies."""
    src = make_sqlite(tmp_path / "n.sqlite", 'CREATE TABLE N (ID NUMBER(5) PRIMARY KEY, P "NUMBER(*,2)");',
                      [("INSERT INTO N VALUES (?, ?)", [(1, "19.99"), (2, "0.49"), (3, "-0.5")])])
    cfg = write_config(tmp_path, src, "[table N]\n")
    assert Engine(cfg).run(["N"], Mode.FULL).ok
    planned = Engine(cfg).plan("N").plan.column("P").duckdb_type
    for quick in (True, False):
        r = verify_table(cfg, "N", buckets=1, quick=quick)
        if planned == "DECIMAL(38,2)":
            assert r.ok, format_report(r)
        else:
            assert planned == "DECIMAL(38,0)" and not r.ok
            assert {d.column for d in r.differences} == {"sum(p)"}
            (d,) = r.differences
            assert (d.source, d.target) == (Decimal("19.98"), Decimal("19"))  # -0.5 lands as -1


def test_a_source_column_the_target_lacks_is_a_difference(tmp_path: Path) -> None:
    cfg, src = docs_synced(tmp_path, n=20)
    con = sqlite3.connect(src)
    con.execute("ALTER TABLE DOCS ADD COLUMN EXTRA VARCHAR2(5)")
    con.commit()
    con.close()
    assert verify_table(cfg, "DOCS", quick=True).ok  # counts and sums: nothing to compare
    r = verify_table(cfg, "DOCS")
    assert [(d.partition, d.column, d.target) for d in r.differences] == [
        ("(whole table)", "column extra", "missing")]
    assert r.unchecked == {"extra": "not in the target (a sync adds it)"}
    assert "not content-checked: extra" in format_report(r)
    assert Engine(cfg).run(["DOCS"], Mode.AUTO).ok  # the sync adds it (schema drift)
    assert verify_table(cfg, "DOCS").ok
