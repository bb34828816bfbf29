"""Issue 9, "Wrong values" (items 1-5), on the Oracle source through the driver-level fake.

Each test pins what python-oracledb 26.1.0 does to a value (the fake models it, citing
the driver source) and that the source never lets a wrong value land: it reads the
value exactly, or fails the table with one line naming the column and the value.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import oracledb
import pyarrow as pa
import pytest

from tests.oracle_fake import FakeColumn, FakeOracle, FakeTable
from tui_sync.config import Config, SourceConfig, TableConfig
from tui_sync.engine import Engine
from tui_sync.errors import SourceError
from tui_sync.events import Mode, Status
from tui_sync.sources.base import ReadSpec, Window
from tui_sync.sources.oracle import OracleSource
from tui_sync.sources.oracle import source as oracle_mod
from tui_sync.target.watermark import decode_watermark, encode_watermark
from tui_sync.timens import DatetimeNs, parse_timestamp
from tui_sync.typeplan import PlanOptions, build_plan

PASSWORD = "s3cret-Passw0rd"
NS_1 = 1_704_103_200_123_456_789  # 2024-01-01 10:00:00.123456789 UTC, in ns since the epoch


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oracle_mod, "_thick_args", None)
    monkeypatch.setenv("TUI_SYNC_ORACLE_PASSWORD", PASSWORD)


def one_column(name: str, col: FakeColumn, values: pa.Array) -> FakeTable:
    n = len(values)
    cols = [FakeColumn("ID", "NUMBER", 9, 0, nullable=False), col]
    data = pa.table({"ID": pa.array(range(1, n + 1), pa.int64()), col.name: values})
    return FakeTable("APP", name, cols, data, ["ID"], num_rows=n)


def source_for(table: FakeTable) -> OracleSource:
    src = OracleSource(SourceConfig(kind="oracle", dsn="fake", user="app"), driver=FakeOracle([table]))
    src.connect()
    return src


def read(table: FakeTable, opts: PlanOptions | None = None) -> tuple[pa.Table, str]:
    src = source_for(table)
    desc = src.describe(f"APP.{table.name}")
    spec = ReadSpec(table=desc, plan=build_plan(list(desc.columns), opts))
    sql, _ = src.build_select(spec)
    batches = list(src.read_batches(spec))
    return pa.Table.from_batches(batches, schema=spec.plan.arrow_schema()), sql


def read_error(table: FakeTable, opts: PlanOptions | None = None) -> str:
    with pytest.raises(SourceError) as info:
        read(table, opts)
    message = str(info.value)
    assert "\n" not in message
    return message


def fetch_raw(table: FakeTable, expr: str, arrow_type: pa.DataType) -> pa.Array:
    """What the driver itself hands back for one select item and requested type."""
    conn = FakeOracle([table]).connect(user="app", password=PASSWORD, dsn="fake")
    odf = conn.fetch_df_all(f'SELECT {expr} AS "X" FROM "APP"."{table.name}"', {},
                            requested_schema=pa.schema([("X", arrow_type)]))
    return pa.table(odf).column(0).combine_chunks()


# -- item 1: NUMBER(*,s) ----------------------------------------------------------------------

def test_number_star_scale_reads_as_decimal_38_s_without_rounding() -> None:
    t = one_column("PRICES", FakeColumn("AMOUNT", "NUMBER", None, 2),
                   pa.array([Decimal("19.99"), Decimal("0.49"), None], pa.decimal128(38, 2)))
    table, sql = read(t)
    assert "ROUND" not in sql
    assert table.schema.field("amount").type == pa.decimal128(38, 2)
    assert table.column("amount").to_pylist() == [Decimal("19.99"), Decimal("0.49"), None]


# -- item 2: decimal overflow -----------------------------------------------------------------

BIG = Decimal("17100000000000000000000000001")  # 1.71e28: 29 integer digits; * 10**10 is past 2**127


def test_driver_pads_the_scale_without_an_integer_digit_check_and_wraps() -> None:
    t = one_column("FREE", FakeColumn("N", "NUMBER"), pa.array([BIG, Decimal(-2) * BIG], pa.decimal128(38, 0)))
    got = fetch_raw(t, '"N"', pa.decimal128(38, 10))
    # 29 significant digits pass the check against 38; 10 zeros are appended; the 39-digit
    # integer does not fit 128 bits and nanoarrow drops the carry: garbage, no error
    assert got.to_pylist()[0] != BIG
    want = int(BIG) * 10**10 % (1 << 128)
    assert int.from_bytes(got.buffers()[1].to_pybytes()[:16], "little") == want
    with pytest.raises(oracledb.DatabaseError, match="DPY-4042"):  # more significant digits than p
        fetch_raw(t, '"N"', pa.decimal128(5, 0))
    wide = fetch_raw(t, '"N"', pa.decimal256(76, 10))  # decimal256: room for every NUMBER
    assert wide.to_pylist() == [BIG, Decimal(-2) * BIG]


def test_number_without_precision_as_decimal_fails_naming_column_and_value() -> None:
    t = one_column("FREE", FakeColumn("N", "NUMBER"), pa.array([Decimal("1.5"), BIG], pa.decimal128(38, 1)))
    message = read_error(t, PlanOptions(number_without_precision="decimal"))
    assert "N" in message and "17100000000000000000000000001" in message
    assert "DECIMAL(38,10)" in message


def test_number_without_precision_as_decimal_reads_values_that_fit() -> None:
    small = Decimal("1234567890123456789012345678.5")  # 28 integer digits: fits DECIMAL(38,10)
    t = one_column("FREE", FakeColumn("N", "NUMBER"), pa.array([small, None], pa.decimal128(38, 1)))
    table, sql = read(t, PlanOptions(number_without_precision="decimal"))
    assert table.column("n").to_pylist() == [small, None]
    assert table.schema.field("n").type == pa.decimal128(38, 10)


def test_a_narrower_decimal_override_fails_naming_column_and_value() -> None:
    # 7 significant digits pass the driver's check against DECIMAL(10,4), but 7 integer
    # digits do not fit it (at most 6)
    t = one_column("NARROW", FakeColumn("N", "NUMBER", 12, 0), pa.array([5, 1234567], pa.int64()))
    message = read_error(t, PlanOptions(overrides={"N": "DECIMAL(10,4)"}))
    assert "N" in message and "1234567" in message and "DECIMAL(10,4)" in message


# -- item 4: FLOAT(b) and other numeric sources with a numeric override --------------------------

def test_driver_truncates_a_fraction_fetched_as_an_integer() -> None:
    t = one_column("F", FakeColumn("F", "FLOAT", 126), pa.array([2.7, -2.7], pa.float64()))
    assert fetch_raw(t, '"F"', pa.int64()).to_pylist() == [2, -2]  # strtoll, no error


@pytest.mark.parametrize("col, values", [
    (FakeColumn("F", "FLOAT", 126), pa.array([2.7, -2.5, None], pa.float64())),
    (FakeColumn("F", "NUMBER"), pa.array([2.7, -2.5, None], pa.float64())),
    (FakeColumn("F", "NUMBER", 10, 2), pa.array([Decimal("2.70"), Decimal("-2.50"), None], pa.decimal128(10, 2))),
], ids=["float", "number", "number-10-2"])
def test_an_integer_override_rounds_in_sql_never_truncates(col: FakeColumn, values: pa.Array) -> None:
    table, sql = read(one_column("F", col, values), PlanOptions(overrides={"F": "BIGINT"}))
    assert 'ROUND("F")' in sql
    assert table.column("f").to_pylist() == [3, -3, None]  # half away from zero, like Oracle


def test_a_decimal_override_on_float_rounds_in_sql_instead_of_dpy_4042() -> None:
    t = one_column("F", FakeColumn("F", "FLOAT", 126), pa.array([3.14159, -0.125, None], pa.float64()))
    table, sql = read(t, PlanOptions(overrides={"F": "DECIMAL(10,2)"}))
    assert 'ROUND("F", 2)' in sql
    assert table.column("f").to_pylist() == [Decimal("3.14"), Decimal("-0.13"), None]


def test_binary_double_with_an_integer_override_rounds_in_sql() -> None:
    t = one_column("BD", FakeColumn("F", "BINARY_DOUBLE"), pa.array([2.7, -1.2, None], pa.float64()))
    table, sql = read(t, PlanOptions(overrides={"F": "BIGINT"}))
    assert 'ROUND("F")' in sql
    assert table.column("f").to_pylist() == [3, -1, None]


# -- item 3: TIMESTAMP(7-9) -------------------------------------------------------------------

def ts9_table(values: list[int | None], unit: str = "ns") -> FakeTable:
    return one_column("TS9", FakeColumn("T", "TIMESTAMP(9)", scale=9), pa.array(values, pa.timestamp(unit)))


def test_driver_keeps_microseconds_only_and_its_ns_multiply_wraps() -> None:
    got = fetch_raw(ts9_table([NS_1]), '"T"', pa.timestamp("ns"))
    assert got[0].value == NS_1 - 789  # decoders.pyx: fsecond // 1000
    sentinel = one_column("S", FakeColumn("T", "TIMESTAMP(9)", scale=9),
                          pa.array([datetime(9999, 12, 31)], pa.timestamp("us")))
    wrapped = fetch_raw(sentinel, '"T"', pa.timestamp("ns"))[0].value
    assert wrapped == (253402214400 * 10**9 + (1 << 63)) % (1 << 64) - (1 << 63)  # no error


def test_timestamp9_is_read_as_text_and_lands_with_its_nanoseconds() -> None:
    table, sql = read(ts9_table([NS_1, None, 1]))
    assert "TO_CHAR(\"T\", 'SYYYY-MM-DD\"T\"HH24:MI:SS.FF9') AS \"t\"" in sql
    assert table.schema.field("t").type == pa.timestamp("ns")
    assert [None if v.value is None else v.value for v in table.column("t")] == [NS_1, None, 1]


def test_timestamp9_outside_the_ns_range_fails_naming_column_and_value() -> None:
    t = one_column("S", FakeColumn("T", "TIMESTAMP(9)", scale=9),
                   pa.array([datetime(2024, 1, 1), datetime(9999, 12, 31)], pa.timestamp("us")))
    message = read_error(t)
    assert "T" in message and "9999-12-31" in message


def test_max_cursor_and_window_bounds_of_a_timestamp9_cursor_keep_nanoseconds() -> None:
    src = source_for(ts9_table([NS_1 - 5, NS_1]))
    desc = src.describe("APP.TS9")
    hi = src.max_cursor(desc, "T")
    assert isinstance(hi, DatetimeNs) and str(hi) == "2024-01-01 10:00:00.123456789"
    assert decode_watermark(*encode_watermark(hi)) == hi
    spec = ReadSpec(table=desc, plan=build_plan(list(desc.columns)), window=Window("T", hi, hi))
    sql, binds = src.build_select(spec)
    assert "TO_TIMESTAMP(:hi, 'YYYY-MM-DD HH24:MI:SS.FF9')" in sql
    assert binds["hi"] == "2024-01-01 10:00:00.123456789"
    assert [r for r in src.read_batches(spec)][0].num_rows == 1  # the newest row, not held back


def make_ts9_config(tmp_path: Path) -> Config:
    config = Config(path=tmp_path / "t.ini")
    config.source = SourceConfig(kind="oracle", dsn="fake", user="app")
    config.target.path = str(tmp_path / "t.duckdb")
    config.sync.retries = 0
    config.tables = {"APP.TS9": TableConfig("APP.TS9", target="ts9", cursor="T", batch_rows=4)}
    return config


@pytest.mark.parametrize("key", [True, False], ids=["with-key", "keyless"])
def test_timestamp9_cursor_incremental_picks_up_a_row_later_in_the_same_microsecond(
        tmp_path: Path, key: bool) -> None:
    table = ts9_table([NS_1 - 10**9, NS_1])
    if not key:
        table.primary_key = []
    fake = FakeOracle([table])
    config = make_ts9_config(tmp_path)

    def run(mode: Mode) -> Any:
        result = Engine(config, source_factory=lambda: OracleSource(config.source, driver=fake)).run(
            ["APP.TS9"], mode)
        assert result.results[0].status == Status.OK, result.results[0].error
        return result

    def target() -> list[tuple]:
        con = duckdb.connect(str(config.target_path()), read_only=True)
        try:
            return con.execute("SELECT id, epoch_ns(t) FROM ts9 ORDER BY id").fetchall()
        finally:
            con.close()

    run(Mode.FULL)
    assert target() == [(1, NS_1 - 10**9), (2, NS_1)]
    con = duckdb.connect(str(config.target_path()), read_only=True)
    try:
        wm = con.execute("SELECT watermark FROM tui_sync.tables").fetchone()[0]
    finally:
        con.close()
    assert wm == "2024-01-01 10:00:00.123456789"
    table.append(pa.table({"ID": pa.array([3], pa.int64()),
                           "T": pa.array([NS_1 + 100], pa.timestamp("ns"))}))  # same µs, later ns
    run(Mode.INCREMENTAL)
    assert target() == [(1, NS_1 - 10**9), (2, NS_1), (3, NS_1 + 100)]
    run(Mode.INCREMENTAL)  # nothing new: nothing duplicated, nothing lost
    assert target() == [(1, NS_1 - 10**9), (2, NS_1), (3, NS_1 + 100)]


def test_ns_watermark_text_round_trips() -> None:
    v = parse_timestamp("2024-01-01 10:00:00.123456789")
    assert v > datetime(2024, 1, 1, 10, 0, 0, 123456) and v - timedelta(0) == v
    assert decode_watermark(*encode_watermark(v)) == v


# -- item 5: values Python / Arrow / DuckDB cannot hold ---------------------------------------------

def _bc(year: int) -> int:
    """µs since the epoch of January 1st of astronomical `year` (0 = 1 BC)."""
    days = (datetime(1, 1, 1) - datetime(1970, 1, 1)).days - sum(
        366 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 365 for y in range(year, 1))
    return days * 86_400_000_000


def test_driver_raises_a_plain_value_error_for_a_bc_date() -> None:
    t = one_column("BC", FakeColumn("D", "DATE"), pa.array([_bc(-43)], pa.int64()).cast(pa.timestamp("us")))
    with pytest.raises(ValueError, match="year -44 is out of range"):
        fetch_raw(t, '"D"', pa.timestamp("us"))


def test_a_bc_date_fails_naming_column_and_value() -> None:
    t = one_column("BC", FakeColumn("D", "DATE"),
                   pa.array([0, _bc(-43)], pa.int64()).cast(pa.timestamp("us")))
    message = read_error(t)
    assert "D" in message and "-0044-01-01" in message


def test_year_zero_after_sys_extract_utc_fails_naming_column_and_value() -> None:
    # 0001-01-01 00:30 +01:00 is 0000-12-31 23:30 UTC: the fake keeps the instant
    instant = _bc(1) - 30 * 60_000_000
    t = one_column("TZ", FakeColumn("T", "TIMESTAMP(6) WITH TIME ZONE", scale=6),
                   pa.array([instant], pa.int64()).cast(pa.timestamp("us", tz="UTC")))
    message = read_error(t)
    assert "T" in message and "-0001-12-31 23:30:00" in message


def test_driver_fails_an_interval_past_int64_microseconds_without_naming_the_column() -> None:
    big = pa.array([pa.MonthDayNano([0, 200_000_000, 5_000_000_000])], pa.month_day_nano_interval())
    t = one_column("IV", FakeColumn("I", "INTERVAL DAY(9) TO SECOND(6)", 9, 6), big)
    expr = ('TRUNC((EXTRACT(DAY FROM "I") * 86400 + EXTRACT(HOUR FROM "I") * 3600 + EXTRACT(MINUTE FROM "I")'
            ' * 60 + EXTRACT(SECOND FROM "I")) * 1000000)')
    with pytest.raises(oracledb.DatabaseError, match="DPY-4036"):  # strtoll: ERANGE
        fetch_raw(t, expr, pa.int64())


def test_intervals_past_int64_microseconds_land_exactly() -> None:
    # DAY(9) holds 999,999,999 days; int64 microseconds stop near 106,751,991 days
    big = pa.array([pa.MonthDayNano([0, 1, 0]), pa.MonthDayNano([0, 999_999_999, 5_000_000_000]),
                    pa.MonthDayNano([0, -200_000_000, -7_000]), None], pa.month_day_nano_interval())
    table, _ = read(one_column("IV", FakeColumn("I", "INTERVAL DAY(9) TO SECOND(6)", 9, 6), big))
    assert table.column("i").to_pylist() == big.to_pylist()


def test_interval_within_range_still_lands() -> None:
    ok = pa.array([pa.MonthDayNano([0, 106_000, 7_000]), None], pa.month_day_nano_interval())
    table, _ = read(one_column("IV", FakeColumn("I", "INTERVAL DAY(9) TO SECOND(6)", 9, 6), ok))
    assert table.column("i").to_pylist() == [pa.MonthDayNano([0, 106_000, 7_000]), None]


def test_utc_timestamps_still_land() -> None:
    t = one_column("TZ", FakeColumn("T", "TIMESTAMP(6) WITH TIME ZONE", scale=6),
                   pa.array([datetime(2024, 1, 1, tzinfo=UTC)], pa.timestamp("us", tz="UTC")))
    assert read(t)[0].column("t").to_pylist() == [datetime(2024, 1, 1, tzinfo=UTC)]


def test_chunked_full_sync_on_a_timestamp9_key_reads_every_row_once(tmp_path: Path) -> None:
    # five keys inside one microsecond: a bound cut to µs would skip or repeat them
    table = one_column("TS9K", FakeColumn("T", "TIMESTAMP(9)", scale=9, nullable=False),
                       pa.array([NS_1 + i for i in range(5)], pa.timestamp("ns")))
    table.primary_key = ["T"]
    fake = FakeOracle([table])
    config = make_ts9_config(tmp_path)
    config.sync.chunk_rows = 2
    config.tables = {"APP.TS9K": TableConfig("APP.TS9K", target="ts9k", primary_key=["T"], batch_rows=2)}
    result = Engine(config, source_factory=lambda: OracleSource(config.source, driver=fake)).run(
        ["APP.TS9K"], Mode.FULL)
    assert result.results[0].status == Status.OK, result.results[0].error
    con = duckdb.connect(str(config.target_path()), read_only=True)
    try:
        got = con.execute("SELECT epoch_ns(t) FROM ts9k ORDER BY t").fetchall()
    finally:
        con.close()
    assert got == [(NS_1 + i,) for i in range(5)]
    assert any("FF9" in sql for sql, _ in fake.data_reads)


def test_binary_double_too_large_for_a_decimal_override_fails_naming_column_and_value() -> None:
    t = one_column("BD", FakeColumn("F", "BINARY_DOUBLE"), pa.array([1.5, 1e30], pa.float64()))
    message = read_error(t, PlanOptions(overrides={"F": "DECIMAL(10,2)"}))
    assert "column F" in message and "1000000000000000019884624838656" in message


def test_max_cursor_the_driver_cannot_convert_is_a_one_line_error() -> None:
    t = one_column("BC", FakeColumn("D", "DATE"), pa.array([_bc(-43)], pa.int64()).cast(pa.timestamp("us")))
    src = source_for(t)
    with pytest.raises(SourceError, match=r"column D.*year -44 is out of range"):
        src.max_cursor(src.describe("APP.BC"), "D")


def test_an_integer_override_too_narrow_fails_naming_column_and_value() -> None:
    t = one_column("WIDE", FakeColumn("N", "NUMBER"), pa.array([1.0, 1e30], pa.float64()))
    message = read_error(t, PlanOptions(overrides={"N": "BIGINT"}))
    assert "column N" in message and "1000000000000000000000000000000" in message and "BIGINT" in message
