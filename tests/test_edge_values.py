"""Edge values of every DESIGN §4 type the SQLite source carries, round-tripped into DuckDB
(a file, and a DuckLake: the types are kept exactly there too).

Each value lands exactly (value and DuckDB type) or the table fails with a clean
one-line error naming the column, while the other tables of the run still sync.
Every case also carries a NULL row: NULLs in every type.
"""

from __future__ import annotations

import math
import random
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Context, Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_sqlite, target_of, write_config
from tui_sync import target
from tui_sync.engine import Engine
from tui_sync.events import Mode, Status
from tui_sync.target import Target

MB3 = 3 * 1024 * 1024
BLOB_3MB = random.Random(20260101).randbytes(MB3)
CLOB_3MB = ("가나다 é " * (MB3 // 13 + 1))[: MB3 // 2]  # multibyte: well over 3 MB of UTF-8

# The tests that sync run on a DuckDB file and on a DuckLake (SQLite's own storage is left alone).
on_both_targets = pytest.mark.usefixtures("target_kind")


@dataclass
class Case:
    decl: str  # declared type in SQLite (Oracle spelling; quoted where SQLite needs it)
    values: list[Any]  # as stored in SQLite
    duck_type: str
    expected: list[Any] | None = None  # Python values fetched from DuckDB
    text: list[str] | None = None  # or CAST(v AS VARCHAR) in a UTC session
    sync: str = ""
    id: str = ""
    marks: list[Any] = field(default_factory=list)


def d(text: str) -> Decimal:
    return Decimal(text)


CASES = [
    # NUMBER(p,0), p <= 18 -> BIGINT
    Case("NUMBER(18)", ["999999999999999999", "-999999999999999999", 0, 3.0], "BIGINT",
         [999999999999999999, -999999999999999999, 0, 3], id="number18-extremes"),
    # NUMBER(19..38,0) -> DECIMAL(p,0); SQLite keeps integers up to 64 bits exactly
    Case("NUMBER(38)", [9223372036854775807, -9223372036854775808, 0], "DECIMAL(38,0)",
         [d("9223372036854775807"), d("-9223372036854775808"), d("0")], id="number38-int64"),
    Case("NUMBER(19)", ["-1000000000000000000", 10**18 + 7], "DECIMAL(19,0)",
         [d("-1000000000000000000"), d(str(10**18 + 7))], id="number19"),
    Case("INTEGER", [42, -7], "DECIMAL(38,0)", [d("42"), d("-7")], id="integer"),
    # NUMBER(p,s): exact, rounded half away from zero like Oracle stores it
    Case("NUMBER(38,10)", ["0.0000000001", "-12345.0123456789", "1.00000000005", "99999.9999999999"],
         "DECIMAL(38,10)", [d("0.0000000001"), d("-12345.0123456789"), d("1.0000000001"),
                            d("99999.9999999999")], id="number38-10"),
    Case("NUMBER(12,3)", ["1.0005", "-1.0005", "0", "-0.001"], "DECIMAL(12,3)",
         [d("1.001"), d("-1.001"), d("0.000"), d("-0.001")], id="number12-3-half-up"),
    # NUMBER without precision, FLOAT(b) -> DOUBLE
    Case("NUMBER", ["1.5", 1e308, -2.5e-308], "DOUBLE", [1.5, 1e308, -2.5e-308], id="number-double"),
    Case('"FLOAT(126)"', [1.25, -3.5e-10], "DOUBLE", [1.25, -3.5e-10], id="float126"),
    Case("NUMBER", ["123456789.123456789012"], "DECIMAL(38,10)", [d("123456789.1234567900")],
         sync="number_without_precision = decimal", id="number-decimal-option"),
    # BINARY_DOUBLE / BINARY_FLOAT: inf, -inf, nan (SQLite turns a NaN REAL into NULL: text 'nan')
    Case("BINARY_DOUBLE", [float("inf"), float("-inf"), "nan", 1.7976931348623157e308, 5e-324], "DOUBLE",
         [math.inf, -math.inf, math.nan, 1.7976931348623157e308, 5e-324], id="binary-double"),
    Case("BINARY_FLOAT", [float("inf"), float("-inf"), "NaN", 3.4028234663852886e38, 0.5, 1.401298464324817e-45],
         "FLOAT", [math.inf, -math.inf, math.nan, 3.4028234663852886e38, 0.5, 1.401298464324817e-45],
         id="binary-float"),
    # DATE -> TIMESTAMP (time of day kept), TIMESTAMP(0-6) -> TIMESTAMP, (7-9) -> TIMESTAMP_NS
    Case("DATE", ["0001-01-01 00:00:00", "9999-12-31 23:59:59", "2026-02-28 13:14:15"], "TIMESTAMP",
         [datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59), datetime(2026, 2, 28, 13, 14, 15)],
         id="date"),
    Case("TIMESTAMP(6)", ["0001-01-01 00:00:00.000001", "9999-12-31 23:59:59.999999", "2026-01-01T12:00:00"],
         "TIMESTAMP", [datetime(1, 1, 1, 0, 0, 0, 1), datetime(9999, 12, 31, 23, 59, 59, 999999),
                       datetime(2026, 1, 1, 12)], id="timestamp6-year1-9999"),
    # (the last nanosecond of 2262-04-11 23:47:16.854775807 is DuckDB's 'infinity': see the report)
    Case("TIMESTAMP(9)", ["2026-01-01 12:00:00.123456789", "1970-01-01 00:00:00.000000001",
                          "2262-04-11 23:47:16.854775806", "1677-09-22 00:00:00.000000001"], "TIMESTAMP_NS",
         text=["2026-01-01 12:00:00.123456789", "1970-01-01 00:00:00.000000001",
               "2262-04-11 23:47:16.854775806", "1677-09-22 00:00:00.000000001"], id="timestamp9-nanos"),
    # TIMESTAMP WITH [LOCAL] TIME ZONE -> TIMESTAMPTZ in UTC
    Case('"TIMESTAMP(6) WITH TIME ZONE"', ["2026-03-01 23:30:00.5-02:00", "0001-01-01 05:00:00+01:00",
                                           "9999-12-31 20:59:59.999999-01:00", "2026-06-01 00:00:00Z"],
         "TIMESTAMP WITH TIME ZONE",
         text=["2026-03-02 01:30:00.5+00", "0001-01-01 04:00:00+00", "9999-12-31 21:59:59.999999+00",
               "2026-06-01 00:00:00+00"], id="timestamptz-utc"),
    Case('"TIMESTAMP(6) WITH TIME ZONE"', ["0001-01-01 00:00:00+01:00", "9999-12-31 23:59:59.999999-01:00"],
         "TIMESTAMP WITH TIME ZONE",
         text=["0001-12-31 (BC) 23:00:00+00", "10000-01-01 00:59:59.999999+00"], id="timestamptz-past-the-ends"),
    Case('"TIMESTAMP WITH LOCAL TIME ZONE"', ["2026-01-01 12:00:00+09:00"], "TIMESTAMP WITH TIME ZONE",
         text=["2026-01-01 03:00:00+00"], id="timestamp-ltz"),
    # INTERVAL DAY TO SECOND / YEAR TO MONTH -> INTERVAL (Oracle literal text)
    Case('"INTERVAL DAY(9) TO SECOND(6)"', ["+02 03:04:05.500000", "-00 00:00:00.000001",
                                             "+999999999 23:59:59.999999", "-01 00:00:00"], "INTERVAL",
         text=["2 days 03:04:05.5", "-00:00:00.000001", "999999999 days 23:59:59.999999", "-1 day"],
         id="interval-ds"),
    Case('"INTERVAL YEAR(9) TO MONTH"', ["+01-06", "-99-11", "+00-00"], "INTERVAL",
         text=["1 year 6 months", "-99 years -11 months", "00:00:00"], id="interval-ym"),
    # CHAR / NCHAR: blanks kept, or trimmed with rtrim_char
    Case("CHAR(4)", ["AB  ", "    ", ""], "VARCHAR", ["AB  ", "    ", ""], id="char-kept"),
    Case("NCHAR(3)", ["가  ", "é"], "VARCHAR", ["가  ", "é"], id="nchar-kept"),
    Case("CHAR(4)", ["AB  ", "    ", " A  "], "VARCHAR", ["AB", "", " A"], sync="rtrim_char = true",
         id="char-rtrim"),
    # VARCHAR2 / NVARCHAR2 / LONG: 4,000-byte strings, multibyte, empty strings
    Case("VARCHAR2(4000)", ["x" * 4000, "é" * 2000, "설" * 1333 + "a", "", "\x00 nul inside"], "VARCHAR",
         ["x" * 4000, "é" * 2000, "설" * 1333 + "a", "", "\x00 nul inside"], id="varchar2-4000-bytes"),
    Case("NVARCHAR2(2000)", ["🙂" * 1000, "tab\tnew\nline"], "VARCHAR", ["🙂" * 1000, "tab\tnew\nline"],
         id="nvarchar2"),
    Case("LONG", ["é" * 40000], "VARCHAR", ["é" * 40000], id="long"),
    # CLOB / NCLOB / BLOB: multi-megabyte
    Case("CLOB", [CLOB_3MB, ""], "VARCHAR", [CLOB_3MB, ""], id="clob-3mb"),
    Case("NCLOB", ["설" * 100_000], "VARCHAR", ["설" * 100_000], id="nclob"),
    Case("BLOB", [BLOB_3MB, b"", b"\x00"], "BLOB", [BLOB_3MB, b"", b"\x00"], id="blob-3mb"),
    Case("RAW(16)", [bytes(range(16)), b"\xff"], "BLOB", [bytes(range(16)), b"\xff"], id="raw"),
    Case('"LONG RAW"', [b"\x00" * 5000], "BLOB", [b"\x00" * 5000], id="long-raw"),
    # ROWID, JSON, XMLTYPE -> VARCHAR
    Case("ROWID", ["AAAR3sAAEAAAACXAAA"], "VARCHAR", ["AAAR3sAAEAAAACXAAA"], id="rowid"),
    Case("UROWID", ["*BAEAAAAA"], "VARCHAR", ["*BAEAAAAA"], id="urowid"),
    Case("JSON", ['{"a": [1, 2.5, "é"], "b": null}'], "VARCHAR", ['{"a": [1, 2.5, "é"], "b": null}'], id="json"),
    Case("XMLTYPE", ["<a x='1'>é &amp; 설</a>"], "VARCHAR", ["<a x='1'>é &amp; 설</a>"], id="xmltype"),
    # BOOLEAN (23ai), VECTOR (23ai) as JSON text
    Case("BOOLEAN", [0, 1], "BOOLEAN", [False, True], id="boolean"),
    Case('"VECTOR(3, FLOAT64)"', ["[1.5, -2.25, 0.003]", "[]"], "DOUBLE[]", [[1.5, -2.25, 0.003], []],
         id="vector-float64"),
    Case('"VECTOR(3, FLOAT32)"', ["[1.5, -2.25, 0.5]"], "FLOAT[]", [[1.5, -2.25, 0.5]], id="vector-float32"),
]


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def sync_case(tmp_path: Path, decl: str, values: list[Any], sync: str = "") -> tuple[Any, Target]:
    """T (ID, V) with the values and a NULL row, plus a healthy table OK; both synced in one run."""
    rows = [(i, v) for i, v in enumerate(values)] + [(len(values), None)]
    src = make_sqlite(tmp_path / "s.sqlite",
                      f"CREATE TABLE T (ID NUMBER(9) PRIMARY KEY, V {decl});"
                      "CREATE TABLE OK (ID NUMBER(9) PRIMARY KEY, NAME VARCHAR2(5));",
                      [("INSERT INTO T VALUES (?, ?)", rows), ("INSERT INTO OK VALUES (?, ?)", [(1, "fine")])])
    cfg = write_config(tmp_path, src, "", sync=sync)
    result = Engine(cfg).run(["T", "OK"], Mode.FULL)
    assert result.results[1].status == Status.OK  # one table's trouble is that table's alone
    return result.results[0], target_of(cfg)


def fetch(db: Target, text: bool) -> tuple[str, list[Any]]:
    con = target.connect(db, create=False)
    try:
        con.execute("SET TimeZone = 'UTC'")
        duck_type = con.execute("SELECT data_type FROM information_schema.columns "
                                "WHERE table_name = 't' AND column_name = 'v'").fetchone()[0]
        expr = "CAST(v AS VARCHAR)" if text else "v"
        return duck_type, [r[0] for r in con.execute(f"SELECT {expr} FROM t ORDER BY id").fetchall()]
    finally:
        con.close()


@on_both_targets
@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=c.marks) for c in CASES])
def test_edge_values_land_exactly(tmp_path: Path, case: Case) -> None:
    result, db = sync_case(tmp_path, case.decl, case.values, case.sync)
    assert result.status == Status.OK, result.error
    duck_type, got = fetch(db, text=case.text is not None)
    assert duck_type == case.duck_type
    want = (case.text if case.text is not None else case.expected) + [None]
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert same(g, w), f"row {i}: got {g!r:.200}, want {w!r:.200}"


ERRORS = [
    # SQLite itself stores these 38-digit integers as the REAL 1e38: never land a wrong number
    pytest.param("NUMBER(38)", ["99999999999999999999999999999999999999"], id="number38-max-is-real-in-sqlite"),
    pytest.param("NUMBER(38)", ["-99999999999999999999999999999999999999"], id="number38-min-is-real-in-sqlite"),
    pytest.param("NUMBER(5,2)", ["999.995"], id="rounds-past-precision"),  # Oracle: ORA-01438
    pytest.param("TIMESTAMP(9)", ["0001-01-01 00:00:00.000000001"], id="timestamp-ns-year-1"),
    pytest.param("TIMESTAMP(9)", ["9999-12-31 23:59:59.999999999"], id="timestamp-ns-year-9999"),
    pytest.param('"INTERVAL YEAR(9) TO MONTH"', ["+999999999-11"], id="interval-ym-past-int32-months"),
    pytest.param('"INTERVAL DAY(9) TO SECOND(6)"', ["+2147483648 00:00:00"], id="interval-ds-past-int32-days"),
    pytest.param("TIMESTAMP(6)", ["yesterday"], id="timestamp-not-a-time"),
    pytest.param('"INTERVAL DAY(2) TO SECOND(6)"', ["3 days"], id="interval-not-oracle-text"),
    pytest.param('"VECTOR(3, FLOAT64)"', ["[1, 2"], id="vector-bad-json"),
    pytest.param("NUMBER(10)", ["12abc"], id="number-not-a-number"),
]


@on_both_targets
@pytest.mark.parametrize("decl, values", ERRORS)
def test_values_that_cannot_land_fail_the_table_cleanly(tmp_path: Path, decl: str, values: list[Any]) -> None:
    result, db = sync_case(tmp_path, decl, values)
    assert result.status == Status.FAILED
    assert result.error and "\n" not in result.error
    assert "column V" in result.error or "V:" in result.error, result.error
    con = target.connect(db, create=False)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_schema = 'main'").fetchall()}
        run = con.execute("SELECT status, error FROM tui_sync.runs WHERE target_table = 't'").fetchall()
    finally:
        con.close()
    assert "t" not in tables and not any("stage" in t for t in tables)  # nothing half-written
    assert run == [("failed", result.error)]


@on_both_targets
def test_unsupported_types_are_skipped_with_a_warning_not_a_crash(tmp_path: Path) -> None:
    src = make_sqlite(tmp_path / "s.sqlite",
                      "CREATE TABLE T (ID NUMBER(9), F BFILE, G SDO_GEOMETRY, O \"MDSYS.SDO_POINT_TYPE\", "
                      "A \"ANYDATA\", N VARCHAR2(5));",
                      [("INSERT INTO T VALUES (?, ?, ?, ?, ?, ?)", [(1, "x", "y", "z", "w", "ok"),
                                                                    (2, None, None, None, None, None)])])
    cfg = write_config(tmp_path, src, "")
    plan = Engine(cfg).plan("T").plan
    assert {c.name for c in plan.columns if c.skipped} == {"F", "G", "O", "A"}
    assert all("not supported" in (c.warning or "") for c in plan.columns if c.skipped)
    events: list = []
    assert Engine(cfg, on_event=events.append).run(["T"], Mode.FULL).ok
    con = target.connect(target_of(cfg), create=False)
    try:
        assert con.execute("SELECT * FROM t ORDER BY id").fetchall() == [(1, "ok"), (2, None)]
    finally:
        con.close()
    assert any("not supported" in getattr(e, "message", "") for e in events)


# -- found while writing these: see the report -----------------------------------------------------

WIDE = Context(prec=60)


@on_both_targets
def test_number38_10_values_past_28_digits_land(tmp_path: Path) -> None:
    # SQLite turns this text into a REAL, and an integral REAL into an INTEGER: it holds
    # 1234567890123456768, and that exact value must land
    stored = int(float("1234567890123456789.5"))
    result, db = sync_case(tmp_path, "NUMBER(38,10)", ["1234567890123456789.5"])
    assert result.status == Status.OK, result.error
    want = Decimal(stored).quantize(Decimal("1e-10"), context=WIDE)
    assert fetch(db, text=False)[1] == [want, None]


@on_both_targets
def test_a_fraction_in_an_integer_column_is_never_truncated(tmp_path: Path) -> None:
    result, db = sync_case(tmp_path, "NUMBER(3)", ["1.5", "-2.5"])
    if result.status == Status.OK:  # Oracle would have rounded half away from zero on insert
        assert fetch(db, text=False)[1] == [2, -3, None]
    else:
        assert "column V" in (result.error or "")


@on_both_targets
def test_boolean_text_false_is_not_true(tmp_path: Path) -> None:
    result, db = sync_case(tmp_path, "BOOLEAN", ["false", "FALSE", "N"])
    if result.status == Status.OK:
        assert fetch(db, text=False)[1] == [False, False, False, None]
    else:
        assert "column V" in (result.error or "")


def test_sqlite_really_stores_38_digit_text_as_real(tmp_path: Path) -> None:
    """Why the NUMBER(38) extremes are an error on SQLite, not a value: SQLite's NUMERIC
    affinity keeps only a REAL of them (on Oracle they land exactly; see the Oracle tests)."""
    con = sqlite3.connect(tmp_path / "x.sqlite")
    con.execute("CREATE TABLE X (V NUMBER(38))")
    con.execute("INSERT INTO X VALUES ('99999999999999999999999999999999999999')")
    assert con.execute("SELECT typeof(V), V FROM X").fetchone() == ("real", 1e38)
    con.close()


@on_both_targets
def test_an_out_of_range_offset_time_on_the_slow_path_fails_cleanly(tmp_path: Path) -> None:
    # The first value sends the batch down the fromisoformat path (Arrow does not parse the
    # basic ISO format); year 1 at +01:00 is year 0 in UTC, which Python's datetime cannot hold.
    result, db = sync_case(tmp_path, '"TIMESTAMP(6) WITH TIME ZONE"',
                           ["20260101T120000+0900", "0001-01-01 00:00:00+01:00"])
    if result.status == Status.OK:
        assert fetch(db, text=True)[1] == ["2026-01-01 03:00:00+00", "0001-12-31 (BC) 23:00:00+00", None]
    else:
        assert "column V" in (result.error or "")
