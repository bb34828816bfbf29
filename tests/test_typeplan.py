"""Every row of the DESIGN §4 type table, plus names and overrides."""

from __future__ import annotations

import pyarrow as pa
import pytest

from tui_sync.typeplan import (
    Conversion,
    PlanOptions,
    SourceColumn,
    build_plan,
    parse_declared_type,
    parse_duckdb_override,
    plan_column,
    target_name,
)


def col(data_type: str, precision: int | None = None, scale: int | None = None, name: str = "C",
        detail: str = "") -> SourceColumn:
    return SourceColumn(name=name, data_type=data_type, precision=precision, scale=scale,
                        type_detail=detail)


@pytest.mark.parametrize(
    ("column", "duck", "arrow", "conversion", "warns"),
    [
        (col("NUMBER", 1, 0), "BIGINT", pa.int64(), Conversion.NONE, False),
        (col("NUMBER", 18, 0), "BIGINT", pa.int64(), Conversion.NONE, False),
        (col("NUMBER", 19, 0), "DECIMAL(19,0)", pa.decimal128(19, 0), Conversion.NONE, False),
        (col("NUMBER", 38, 0), "DECIMAL(38,0)", pa.decimal128(38, 0), Conversion.NONE, False),
        (col("NUMBER", None, 0), "DECIMAL(38,0)", pa.decimal128(38, 0), Conversion.NONE, False),  # INTEGER
        (col("NUMBER", None, 2), "DECIMAL(38,2)", pa.decimal128(38, 2), Conversion.NONE, False),  # NUMBER(*,2)
        (col("NUMBER", 12, 3), "DECIMAL(12,3)", pa.decimal128(12, 3), Conversion.NONE, False),
        (col("NUMBER", 38, 38), "DECIMAL(38,38)", pa.decimal128(38, 38), Conversion.NONE, False),
        (col("NUMBER", 3, 5), "DECIMAL(5,5)", pa.decimal128(5, 5), Conversion.NONE, False),
        (col("NUMBER", 5, -2), "BIGINT", pa.int64(), Conversion.NONE, False),
        (col("NUMBER"), "DOUBLE", pa.float64(), Conversion.NONE, True),
        (col("FLOAT", 126), "DOUBLE", pa.float64(), Conversion.NONE, True),
        (col("BINARY_FLOAT"), "FLOAT", pa.float32(), Conversion.NONE, False),
        (col("BINARY_DOUBLE"), "DOUBLE", pa.float64(), Conversion.NONE, False),
        (col("DATE"), "TIMESTAMP", pa.timestamp("us"), Conversion.NONE, False),
        (col("TIMESTAMP", scale=0), "TIMESTAMP", pa.timestamp("us"), Conversion.NONE, False),
        (col("TIMESTAMP", scale=6), "TIMESTAMP", pa.timestamp("us"), Conversion.NONE, False),
        (col("TIMESTAMP", scale=7), "TIMESTAMP_NS", pa.timestamp("ns"), Conversion.NONE, False),
        (col("TIMESTAMP", scale=9), "TIMESTAMP_NS", pa.timestamp("ns"), Conversion.NONE, False),
        (col("TIMESTAMP WITH TIME ZONE", scale=6), "TIMESTAMPTZ", pa.timestamp("us", tz="UTC"),
         Conversion.UTC, False),
        (col("TIMESTAMP WITH LOCAL TIME ZONE", scale=6), "TIMESTAMPTZ", pa.timestamp("us", tz="UTC"),
         Conversion.UTC, False),
        (col("INTERVAL DAY TO SECOND", scale=6), "INTERVAL", pa.month_day_nano_interval(),
         Conversion.INTERVAL_DS, False),
        (col("INTERVAL YEAR TO MONTH"), "INTERVAL", pa.month_day_nano_interval(),
         Conversion.INTERVAL_YM, False),
        (col("CHAR"), "VARCHAR", pa.large_string(), Conversion.NONE, False),
        (col("NCHAR"), "VARCHAR", pa.large_string(), Conversion.NONE, False),
        (col("VARCHAR2"), "VARCHAR", pa.large_string(), Conversion.NONE, False),
        (col("NVARCHAR2"), "VARCHAR", pa.large_string(), Conversion.NONE, False),
        (col("LONG"), "VARCHAR", pa.large_string(), Conversion.NONE, False),
        (col("CLOB"), "VARCHAR", pa.large_string(), Conversion.NONE, False),
        (col("NCLOB"), "VARCHAR", pa.large_string(), Conversion.NONE, False),
        (col("RAW"), "BLOB", pa.large_binary(), Conversion.NONE, False),
        (col("LONG RAW"), "BLOB", pa.large_binary(), Conversion.NONE, False),
        (col("BLOB"), "BLOB", pa.large_binary(), Conversion.NONE, False),
        (col("ROWID"), "VARCHAR", pa.large_string(), Conversion.ROWID, False),
        (col("UROWID"), "VARCHAR", pa.large_string(), Conversion.ROWID, False),
        (col("JSON"), "VARCHAR", pa.large_string(), Conversion.JSON, False),
        (col("XMLTYPE"), "VARCHAR", pa.large_string(), Conversion.XML, False),
        (col("BOOLEAN"), "BOOLEAN", pa.bool_(), Conversion.NONE, False),
        (col("VECTOR", detail="FLOAT32"), "FLOAT[]", pa.list_(pa.float32()), Conversion.NONE, False),
        (col("VECTOR", detail="FLOAT64"), "DOUBLE[]", pa.list_(pa.float64()), Conversion.NONE, False),
    ],
)
def test_design_type_table(column: SourceColumn, duck: str, arrow: pa.DataType, conversion: Conversion,
                           warns: bool) -> None:
    cp = plan_column(column, PlanOptions())
    assert cp.duckdb_type == duck
    assert cp.arrow_type == arrow
    assert cp.conversion == conversion
    assert (cp.warning is not None) == warns
    assert not pa.types.is_decimal256(cp.arrow_type)


@pytest.mark.parametrize("t", ["BFILE", "SDO_GEOMETRY", "MY_OBJECT_T", "ANYDATA"])
def test_unsupported_types_are_skipped_with_a_warning(t: str) -> None:
    plan = build_plan([col("NUMBER", 5, 0, name="ID"), SourceColumn("X", t, position=2)])
    assert [c.name for c in plan.included] == ["ID"]
    assert plan.warnings == [f"X: type {t} is not supported: column skipped"]


def test_number_without_precision_as_decimal_option() -> None:
    cp = plan_column(col("NUMBER"), PlanOptions(number_without_precision="decimal"))
    assert cp.duckdb_type == "DECIMAL(38,10)" and cp.arrow_type == pa.decimal128(38, 10)
    assert cp.warning and "DECIMAL(38,10)" in cp.warning


def test_rtrim_char_option() -> None:
    assert plan_column(col("CHAR"), PlanOptions(rtrim_char=True)).conversion == Conversion.RTRIM
    assert plan_column(col("VARCHAR2"), PlanOptions(rtrim_char=True)).conversion == Conversion.NONE


def test_per_column_override_replaces_type_and_warning() -> None:
    plan = build_plan([col("NUMBER", name="AMOUNT")], PlanOptions(overrides={"amount": "DECIMAL(20,4)"}))
    cp = plan.included[0]
    assert (cp.duckdb_type, cp.arrow_type, cp.warning, cp.overridden) == (
        "DECIMAL(20,4)", pa.decimal128(20, 4), None, True)


def test_names_lowercased_unless_case_sensitive() -> None:
    assert target_name("EVENT_TIME", True) == "event_time"
    assert target_name("MixedCase", True) == "MixedCase"
    assert target_name("설비명", True) == "설비명"
    assert target_name("EVENT_TIME", False) == "EVENT_TIME"


def test_case_collision_is_skipped_not_crashed() -> None:
    plan = build_plan([SourceColumn("ID", "NUMBER", 5, 0, position=1),
                       SourceColumn("id", "NUMBER", 5, 0, position=2)])
    assert [c.target_name for c in plan.included] == ["id"]
    assert "collides" in plan.warnings[0]


def test_schema_has_target_names_in_source_order() -> None:
    plan = build_plan([SourceColumn("B", "DATE", position=2), SourceColumn("A", "NUMBER", 3, 0, position=1)])
    assert plan.arrow_schema().names == ["a", "b"]
    assert plan.target_columns() == {"a": "BIGINT", "b": "TIMESTAMP"}


@pytest.mark.parametrize(("text", "parsed"), [
    ("NUMBER(12,3)", ("NUMBER", 12, 3, None)),
    ("NUMBER(10)", ("NUMBER", 10, 0, None)),
    ("NUMBER", ("NUMBER", None, None, None)),
    ("INTEGER", ("NUMBER", None, 0, None)),
    ("NUMBER(*,2)", ("NUMBER", None, 2, None)),
    ("number( * , 2 )", ("NUMBER", None, 2, None)),
    ("NUMBER(*)", ("NUMBER", None, None, None)),
    ("VARCHAR2(20 CHAR)", ("VARCHAR2", None, None, 20)),
    ("TIMESTAMP(9) WITH TIME ZONE", ("TIMESTAMP WITH TIME ZONE", None, 9, None)),
    ("TIMESTAMP", ("TIMESTAMP", None, 6, None)),
    ("INTERVAL DAY(2) TO SECOND(3)", ("INTERVAL DAY TO SECOND", None, 3, None)),
    ("interval year(2) to month", ("INTERVAL YEAR TO MONTH", None, None, None)),
    ("FLOAT(63)", ("FLOAT", 63, None, None)),
    ("LONG RAW", ("LONG RAW", None, None, None)),
])
def test_parse_declared_type(text: str, parsed: tuple) -> None:
    assert parse_declared_type(text) == parsed


def test_override_validation() -> None:
    assert parse_duckdb_override("decimal( 20 , 4 )") == "DECIMAL(20,4)"
    assert parse_duckdb_override("text") == "VARCHAR"
    for bad in ("DECIMAL(40,2)", "DECIMAL(5,6)", "NUMBER(5)", "DROP TABLE x"):
        with pytest.raises(ValueError):
            parse_duckdb_override(bad)
