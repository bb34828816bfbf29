"""Type detection of text columns (DESIGN §9): every listed format, mixed and sparse columns."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import polars as pl
import pytest

from tui_sync.preview.detect import Family, Kind, detect_column, detect_frame, duckdb_expression


def _one(values: list[str | None], **kw: float) -> tuple[object, pl.Series]:
    det, out = detect_column(pl.Series("c", values, dtype=pl.String), **kw)  # type: ignore[arg-type]
    return det, out


def test_integers_with_sign_and_thousands_separators() -> None:
    det, out = _one(["1", "-2", "+3", "1,234", "1,234,567", "0", " 42 ", "10", "11", "-12"])
    assert det.converted and det.kind is Kind.INTEGER
    assert out.dtype == pl.Int64
    assert out.to_list() == [1, -2, 3, 1234, 1234567, 0, 42, 10, 11, -12]
    assert det.parse_ratio == 1.0 and det.non_null == 10


def test_decimals() -> None:
    det, out = _one(["1.5", "-0.25", "1,234.50", ".5", "1e3", "+2.0", "3", "4.75", "-5.5", "6.125"])
    assert det.converted and det.kind is Kind.DECIMAL
    assert out.dtype == pl.Float64
    assert out.to_list() == [1.5, -0.25, 1234.5, 0.5, 1000.0, 2.0, 3.0, 4.75, -5.5, 6.125]


def test_codes_with_leading_zeros_stay_text() -> None:
    det, out = _one(["007", "008", "010", "011", "012", "013", "014", "015", "016", "017"])
    assert not det.converted
    assert out.dtype == pl.String


def test_iso_date_only_becomes_date() -> None:
    values = [f"2024-01-{d:02d}" for d in range(1, 13)]
    det, out = _one(values)
    assert det.converted and det.kind is Kind.DATE and det.family is Family.ISO
    assert out.dtype == pl.Date
    assert out[0] == date(2024, 1, 1) and out[11] == date(2024, 1, 12)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05 06:07:08", datetime(2024, 3, 5, 6, 7, 8)),
        ("2024-03-05T06:07:08", datetime(2024, 3, 5, 6, 7, 8)),
        ("2024-03-05 06:07:08.123456", datetime(2024, 3, 5, 6, 7, 8, 123456)),
        ("2024-03-05T06:07:08.5", datetime(2024, 3, 5, 6, 7, 8, 500000)),
        ("2024-03-05 06:07", datetime(2024, 3, 5, 6, 7)),
    ],
)
def test_iso_date_times(text: str, expected: datetime) -> None:
    det, out = _one([text] * 12)
    assert det.converted and det.kind is Kind.DATETIME
    assert out.to_list() == [expected] * 12


def test_mixed_iso_shapes_in_one_column() -> None:
    values = ["2024-01-02", "2024-01-02 03:04:05", "2024-01-02T03:04:05.25", "2024-01-02 03:04"] * 3
    det, out = _one(values)
    assert det.converted and det.kind is Kind.DATETIME
    assert out.to_list()[:4] == [
        datetime(2024, 1, 2),
        datetime(2024, 1, 2, 3, 4, 5),
        datetime(2024, 1, 2, 3, 4, 5, 250000),
        datetime(2024, 1, 2, 3, 4),
    ]


def test_yyyymmddhh24miss() -> None:
    values = ["20240102030405", "20231231235959", "19991231000000", "20240229120000"] * 3
    det, out = _one(values)
    assert det.converted and det.kind is Kind.DATETIME and det.format == "YYYYMMDDHH24MISS"
    assert out[0] == datetime(2024, 1, 2, 3, 4, 5)
    assert out[3] == datetime(2024, 2, 29, 12, 0, 0)


def test_fourteen_digits_with_an_impossible_date_are_numbers() -> None:
    # 2023-02-29 does not exist: one bad value makes the whole column numbers, not times.
    values = ["20240102030405", "20231231235959", "20230229120000", "20240229120000"] * 3
    det, out = _one(values)
    assert det.converted and det.kind is Kind.INTEGER
    assert out.dtype == pl.Int64 and out[2] == 20230229120000


def test_slash_format() -> None:
    values = ["2024/01/02 03:04:05", "2024/12/31 23:59:59", "2024/01/02"] * 4
    det, out = _one(values)
    assert det.converted and det.kind is Kind.DATETIME and det.family is Family.SLASH
    assert out.to_list()[:3] == [datetime(2024, 1, 2, 3, 4, 5), datetime(2024, 12, 31, 23, 59, 59),
                                 datetime(2024, 1, 2)]


def test_oracle_dd_mon_yy_any_case_and_rr_century() -> None:
    values = ["01-JAN-24", "15-jun-75", "31-Dec-49", "02-FEB-50", "28-feb-2023", "01-Mar-1999"] * 2
    det, out = _one(values)
    assert det.converted and det.kind is Kind.DATE and det.family is Family.ORACLE
    # Oracle RR: 00-49 -> 20xx, 50-99 -> 19xx; four-digit years as written
    assert out.to_list()[:6] == [date(2024, 1, 1), date(1975, 6, 15), date(2049, 12, 31), date(1950, 2, 2),
                                 date(2023, 2, 28), date(1999, 3, 1)]


def test_oracle_default_timestamp_format() -> None:
    det, out = _one(["01-JAN-24 10.15.30.123456 PM", "02-FEB-24 01.02.03.000000 AM"] * 6)
    assert det.converted and det.kind is Kind.DATETIME
    assert out[0] == datetime(2024, 1, 1, 22, 15, 30, 123456)
    assert out[1] == datetime(2024, 2, 2, 1, 2, 3)


def test_mixed_column_is_reported_but_not_converted() -> None:
    values = ["1", "2", "x", "2024-01-01", "5"] * 4  # 60% integers
    det, out = _one(values)
    assert not det.converted
    assert det.kind is Kind.INTEGER and det.parse_ratio == pytest.approx(0.6)
    assert "60.0%" in det.reason
    assert out.dtype == pl.String and out.to_list() == values


def test_mostly_null_column_reports_ratio_but_needs_enough_values() -> None:
    values: list[str | None] = [None] * 1000
    values[10], values[500], values[900] = "1.5", "2.5", ""  # 2 real values, one empty string
    values[950] = "3.5"
    det, out = _one(values)
    assert det.non_null == 3 and det.parse_ratio == 1.0
    assert not det.converted and "only 3 values" in det.reason
    assert out.dtype == pl.String


def test_sparse_but_sufficient_column_converts_and_keeps_nulls() -> None:
    values: list[str | None] = [None] * 200
    for i in range(0, 200, 10):
        values[i] = str(i)
    det, out = _one(values)
    assert det.converted and det.non_null == 20
    assert out.null_count() == 180 and out[100] == 100 and out[101] is None


def test_threshold_decides() -> None:
    values = [str(i) for i in range(96)] + ["n/a"] * 4
    det, out = _one(values)
    assert det.converted and det.parse_ratio == pytest.approx(0.96)
    assert out.null_count() == 4  # what did not parse becomes null
    det_strict, _ = _one(values, threshold=0.99)
    assert not det_strict.converted


def test_empty_and_plain_text_columns() -> None:
    det, _ = _one([None, "", "  "] * 5)
    assert det.kind is Kind.EMPTY and not det.converted and det.non_null == 0
    det, _ = _one(["alpha", "beta", "gamma"] * 5)
    assert det.kind is Kind.TEXT and not det.converted


def test_values_the_sample_never_saw_are_still_parsed() -> None:
    # 100k ISO date-times; three rows with fractions sit between the sampled rows.
    n = 100_000
    start = datetime(2024, 1, 1)
    base = pl.datetime_range(start, start + timedelta(seconds=n - 1), "1s", eager=True)
    values = base.dt.strftime("%Y-%m-%d %H:%M:%S").to_list()
    values[1], values[2], values[3] = "2024-05-05 05:05:05.5", "2024-05-06", "2024-05-07T07:07:07"
    det, out = detect_column(pl.Series("c", values))
    assert det.converted and det.parse_ratio == 1.0
    assert out[1] == datetime(2024, 5, 5, 5, 5, 5, 500000)
    assert out[2] == datetime(2024, 5, 6) and out[3] == datetime(2024, 5, 7, 7, 7, 7)


def test_clearly_text_large_column_is_judged_on_a_sample() -> None:
    det, out = detect_column(pl.Series("c", [f"LOT-{i}" for i in range(50_000)]))
    assert not det.converted and det.kind is Kind.TEXT
    assert out.dtype == pl.String


def test_detect_frame_touches_only_text_columns() -> None:
    frame = pl.DataFrame(
        {
            "id": [1, 2, 3] * 4,
            "설비_시간": ["20240102030405"] * 12,
            "qty": ["1,000", "2,000", "3"] * 4,
            "note": ["a", "b", "c"] * 4,
        }
    )
    result = detect_frame(frame)
    assert [c.name for c in result.columns] == ["설비_시간", "qty", "note"]
    assert [c.name for c in result.converted] == ["설비_시간", "qty"]
    assert result.frame.columns == frame.columns  # same names, same order
    assert result.frame.schema["id"] == pl.Int64
    assert result.frame.schema["설비_시간"] == pl.Datetime("us")
    assert result.frame["qty"].to_list()[:3] == [1000, 2000, 3]
    assert result.frame.schema["note"] == pl.String
    assert "→ datetime" in result.get("설비_시간").summary  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "values",
    [
        ["1", "-2", "1,234", "5.5"] * 3,
        ["2024-01-02", "2024-01-02 03:04:05", "2024-01-02T03:04:05.25"] * 4,
        ["20240102030405", "20231231235959"] * 6,
        ["2024/01/02 03:04:05", "2024/01/02"] * 6,
        ["01-JAN-24", "15-jun-75", "31-Dec-2023"] * 4,
    ],
)
def test_duckdb_conversion_matches_polars(values: list[str]) -> None:
    # The chart converts detected columns in DuckDB: it must read them the same way.
    det, out = _one(values)
    assert det.converted
    sql = duckdb_expression('"c"', det)  # type: ignore[arg-type]
    con = duckdb.connect()
    try:
        con.execute('CREATE TABLE t ("c" VARCHAR)')
        con.executemany("INSERT INTO t VALUES (?)", [[v] for v in values])
        got = [r[0] for r in con.execute(f"SELECT {sql} FROM t").fetchall()]
    finally:
        con.close()
    expected = out.to_list()
    if out.dtype == pl.Date:
        got = [g.date() for g in got]
    assert got == pytest.approx(expected) if out.dtype.is_numeric() else got == expected
