"""Issue 9, "Wrong values" (items 1-5), on real SQLite files and DuckDB files or DuckLakes.

Each value lands exactly, or the table fails with one line naming the column and the
value; nothing lands changed.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_sqlite, target_of, write_config
from tui_sync import target
from tui_sync.engine import Engine
from tui_sync.events import Mode, Status
from tui_sync.target import Target

# Everything here syncs: each test runs on a DuckDB file and on a DuckLake.
pytestmark = pytest.mark.usefixtures("target_kind")


def sync_one(tmp_path: Path, decl: str, values: list[Any], *, table_keys: str = "",
             sync: str = "") -> tuple[Any, Target]:
    src = make_sqlite(tmp_path / "s.sqlite", f"CREATE TABLE T (ID NUMBER(9) PRIMARY KEY, V {decl});",
                      [("INSERT INTO T VALUES (?, ?)", list(enumerate(values)))])
    tables = f"[table T]\n{table_keys}\n" if table_keys else ""
    cfg = write_config(tmp_path, src, tables, sync=sync)
    result = Engine(cfg).run(["T"], Mode.FULL)
    return result.results[0], target_of(cfg)


def target_values(db: Target) -> tuple[str, list[Any]]:
    con = target.connect(db, create=False)
    try:
        duck_type = con.execute("SELECT data_type FROM information_schema.columns "
                                "WHERE table_name = 't' AND column_name = 'v'").fetchone()[0]
        return duck_type, [r[0] for r in con.execute("SELECT v FROM t ORDER BY id").fetchall()]
    finally:
        con.close()


def assert_fails_naming(result: Any, *parts: str) -> None:
    assert result.status == Status.FAILED
    assert result.error and "\n" not in result.error
    for part in parts:
        assert part in result.error, result.error


# -- item 1 ----------------------------------------------------------------------------------

def test_number_star_scale_lands_as_decimal_38_s(tmp_path: Path) -> None:
    result, db = sync_one(tmp_path, '"NUMBER(*,2)"', ["19.99", "0.49", None])
    assert result.status == Status.OK, result.error
    assert target_values(db) == ("DECIMAL(38,2)", [Decimal("19.99"), Decimal("0.49"), None])


# -- item 2 ----------------------------------------------------------------------------------

def test_a_value_too_wide_for_a_decimal_override_fails_naming_column_and_value(tmp_path: Path) -> None:
    result, _ = sync_one(tmp_path, "NUMBER(12)", [5, 1234567], table_keys="column.V = DECIMAL(10,4)")
    assert_fails_naming(result, "column V", "1234567", "DECIMAL(10,4)")


def test_number_without_precision_as_decimal_past_28_integer_digits_fails_naming_it(tmp_path: Path) -> None:
    # SQLite keeps this as the REAL 1.71e28; DECIMAL(38,10) holds 28 integer digits
    result, _ = sync_one(tmp_path, "NUMBER", ["1.5", 1.71e28], sync="number_without_precision = decimal")
    assert_fails_naming(result, "column V", "17100000000000000000000000000", "DECIMAL(38,10)")


def test_number_without_precision_as_decimal_lands_28_integer_digits(tmp_path: Path) -> None:
    result, db = sync_one(tmp_path, "NUMBER", ["1.5", 1e27], sync="number_without_precision = decimal")
    assert result.status == Status.OK, result.error
    assert target_values(db)[1] == [Decimal("1.5"), Decimal(10) ** 27]


# -- item 3: a TIMESTAMP(9) cursor keeps its nanoseconds -----------------------------------------

@pytest.mark.parametrize("key", [True, False], ids=["with-key", "keyless"])
def test_timestamp9_cursor_incremental_picks_up_a_row_later_in_the_same_microsecond(
        tmp_path: Path, key: bool) -> None:
    pk = "PRIMARY KEY" if key else ""
    src = make_sqlite(tmp_path / "s.sqlite", f"CREATE TABLE T (ID NUMBER(9) {pk}, T TIMESTAMP(9));",
                      [("INSERT INTO T VALUES (?, ?)", [(1, "2024-01-01 10:00:00.000000001"),
                                                        (2, "2024-01-01 10:00:00.123456789")])])
    cfg = write_config(tmp_path, src, "[table T]\ncursor = T\n")

    def run(mode: Mode) -> None:
        result = Engine(cfg).run(["T"], mode)
        assert result.results[0].status == Status.OK, result.results[0].error

    def target_rows() -> list[tuple]:
        con = target.connect(target_of(cfg), create=False)
        try:
            return con.execute("SELECT id, CAST(t AS VARCHAR) FROM t ORDER BY id").fetchall()
        finally:
            con.close()

    run(Mode.FULL)
    con = target.connect(target_of(cfg), create=False)
    try:
        assert con.execute("SELECT watermark FROM tui_sync.tables").fetchone()[0] == \
            "2024-01-01 10:00:00.123456789"
    finally:
        con.close()
    con2 = __import__("sqlite3").connect(src)
    con2.execute("INSERT INTO T VALUES (3, '2024-01-01 10:00:00.123456999')")  # same µs, later ns
    con2.commit()
    con2.close()
    run(Mode.INCREMENTAL)
    want = [(1, "2024-01-01 10:00:00.000000001"), (2, "2024-01-01 10:00:00.123456789"),
            (3, "2024-01-01 10:00:00.123456999")]
    assert target_rows() == want
    run(Mode.INCREMENTAL)
    assert target_rows() == want


# -- item 5: values Python / Arrow / DuckDB cannot hold ---------------------------------------------

@pytest.mark.parametrize("decl, value", [
    ("DATE", "-0044-03-15 00:00:00"),
    ("TIMESTAMP(9)", "9999-12-31 00:00:00.000000000"),
])
def test_values_outside_python_arrow_duckdb_fail_naming_column_and_value(
        tmp_path: Path, decl: str, value: str) -> None:
    result, _ = sync_one(tmp_path, decl, ["2024-01-01 00:00:00", value])
    assert_fails_naming(result, "column V", value)


def test_timestamp9_with_an_offset_keeps_its_nanoseconds(tmp_path: Path) -> None:
    # an offset sends the batch down the per-value path, which once cut to microseconds
    result, db = sync_one(tmp_path, "TIMESTAMP(9)", ["2024-01-01T09:00:00.123456789+09:00",
                                                     "2024-01-01 00:00:00.5"])
    assert result.status == Status.OK, result.error
    con = target.connect(db, create=False)
    try:
        got = [r[0] for r in con.execute("SELECT CAST(v AS VARCHAR) FROM t ORDER BY id").fetchall()]
    finally:
        con.close()
    assert got == ["2024-01-01 00:00:00.123456789", "2024-01-01 00:00:00.5"]


def test_timestamp9_out_of_range_on_the_per_value_path_fails_naming_it(tmp_path: Path) -> None:
    result, _ = sync_one(tmp_path, "TIMESTAMP(9)", ["2024-01-01T09:00:00+09:00", "1500-01-01 00:00:00"])
    assert_fails_naming(result, "column V", "1500-01-01 00:00:00", "1677-09-21")


def test_chunked_full_sync_on_a_timestamp9_key_reads_every_row_once(tmp_path: Path) -> None:
    rows = [(f"2024-01-01 10:00:00.12345678{i}", i) for i in range(5)]  # one microsecond
    src = make_sqlite(tmp_path / "s.sqlite", "CREATE TABLE K (T TIMESTAMP(9) PRIMARY KEY, N NUMBER(3));",
                      [("INSERT INTO K VALUES (?, ?)", rows)])
    cfg = write_config(tmp_path, src, "[table K]\nbatch_rows = 2\n", sync="chunk_rows = 2")
    result = Engine(cfg).run(["K"], Mode.FULL)
    assert result.results[0].status == Status.OK, result.results[0].error
    con = target.connect(target_of(cfg), create=False)
    try:
        got = con.execute("SELECT CAST(t AS VARCHAR), n FROM k ORDER BY t").fetchall()
    finally:
        con.close()
    assert got == [(t.rstrip("0"), n) for t, n in rows]  # DuckDB prints no trailing zeros


def test_a_value_too_large_for_an_integer_override_fails_naming_column_and_value(tmp_path: Path) -> None:
    result, _ = sync_one(tmp_path, "NUMBER", [1, 1e30], table_keys="column.V = BIGINT")
    assert_fails_naming(result, "column V", "1000000000000000000000000000000")


def test_a_fraction_under_an_integer_override_rounds_half_away_from_zero(tmp_path: Path) -> None:
    result, db = sync_one(tmp_path, '"FLOAT(126)"', [2.5, -2.5, 2.4], table_keys="column.V = BIGINT")
    assert result.status == Status.OK, result.error
    assert target_values(db) == ("BIGINT", [3, -3, 2])
