"""VALUE of `sync --since/--until` parsed with the cursor's type, and VALUE of `state
set-watermark` parsed with the recorded watermark type: what the engine compares and binds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tui_sync.engine.backfill import parse_cursor_value
from tui_sync.errors import ConfigError
from tui_sync.target.watermark import encode_watermark, parse_watermark_input
from tui_sync.timens import nanosecond_of
from tui_sync.typeplan import SourceColumn


def col(data_type: str, precision: int | None = None, scale: int | None = None) -> SourceColumn:
    return SourceColumn("C", data_type, precision=precision, scale=scale)


@pytest.mark.parametrize(("data_type", "text", "expected"), [
    ("DATE", "2026-03-01", datetime(2026, 3, 1)),
    ("DATE", " 2026-03-01T08:05 ", datetime(2026, 3, 1, 8, 5)),
    # cut to the cursor's precision, as Oracle binds it (a DATE in whole seconds, a
    # TIMESTAMP(0-6) with six digits): the keyless delete must use the bound the read used
    ("DATE", "2026-03-01 08:05:01.75", datetime(2026, 3, 1, 8, 5, 1)),
    ("TIMESTAMP", "2026-03-01 08:05:01.000001999", datetime(2026, 3, 1, 8, 5, 1, 1)),
    ("TIMESTAMP", "2026-03-01 08:05:01.25", datetime(2026, 3, 1, 8, 5, 1, 250000)),
    ("TIMESTAMP WITH TIME ZONE", "2026-03-01 08:00", datetime(2026, 3, 1, 8, tzinfo=UTC)),
    ("TIMESTAMP WITH TIME ZONE", "2026-03-01 09:00+09:00", datetime(2026, 3, 1, 0, tzinfo=UTC)),
    ("NUMBER", "1200", 1200),
    ("NUMBER", "-12.50", Decimal("-12.50")),
    ("BINARY_DOUBLE", "2.5", 2.5),
    ("VARCHAR2", "20260301 08", "20260301 08"),  # a text cursor: as typed, spaces kept
])
def test_since_is_parsed_with_the_cursor_type(data_type: str, text: str, expected: object) -> None:
    got = parse_cursor_value(text, col(data_type), "--since")
    assert got == expected and type(got) is type(expected)


def test_a_timestamp9_since_keeps_its_nanoseconds() -> None:
    got = parse_cursor_value("2026-03-01 08:00:00.123456789", col("TIMESTAMP", scale=9), "--since")
    assert got.microsecond == 123456 and nanosecond_of(got) == 789


@pytest.mark.parametrize(("data_type", "text", "message"), [
    ("DATE", "20260301", "--since '20260301': the cursor C is DATE; give an ISO date"),
    ("TIMESTAMP", "2026-02-30", "the cursor C is TIMESTAMP"),
    ("TIMESTAMP", "2026-03-01 08:00+01:00", "(without time zone); give the time without an offset"),
    ("NUMBER", "NaN", "the cursor C is NUMBER(9,0); give a number"),
    ("NUMBER", "1,200", "give a number"),
])
def test_a_bad_since_is_one_line_naming_cursor_and_type(data_type: str, text: str,
                                                        message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")) as e:
        parse_cursor_value(text, col(data_type, 9 if data_type == "NUMBER" else None,
                                     0 if data_type == "NUMBER" else None), "--since")
    assert "\n" not in str(e.value)


@pytest.mark.parametrize(("kind", "text", "current", "expected"), [
    ("timestamp", "2026-03-01", datetime(2026, 4, 1), datetime(2026, 3, 1)),
    ("timestamp", "2026-03-01 08:00", datetime(2026, 4, 1, tzinfo=UTC),
     datetime(2026, 3, 1, 8, tzinfo=UTC)),
    ("integer", "40", 100, 40),
    ("decimal", "4.50", Decimal("9"), Decimal("4.50")),
    ("float", "0.5", 1.0, 0.5),
    ("text", "20260301080000", "20260401000000", "20260301080000"),
])
def test_set_watermark_value_keeps_the_recorded_type(kind: str, text: str, current: object,
                                                     expected: object) -> None:
    got = parse_watermark_input(text, kind, current)
    assert got == expected and encode_watermark(got)[1] == kind


@pytest.mark.parametrize(("kind", "text", "message"), [
    ("timestamp", "soon", "ISO date"),
    ("timestamp", "2026-03-01 08:00+01:00", "without an offset"),
    ("integer", "4.5", "whole number"),
    ("decimal", "x", "give a number"),
    ("binary", "00", "cannot be set by hand"),
])
def test_set_watermark_refuses_a_value_of_another_kind(kind: str, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_watermark_input(text, kind, datetime(2026, 1, 1) if kind == "timestamp" else None)


def test_offsets_other_than_utc_compare_as_the_same_instant() -> None:
    a = parse_cursor_value("2026-03-01 09:00+01:00", col("TIMESTAMP WITH TIME ZONE"), "--since")
    assert a == datetime(2026, 3, 1, 8, tzinfo=timezone(timedelta(0)))
