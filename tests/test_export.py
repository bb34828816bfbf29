"""Export of the shown rows: CSV and Parquet round trips, odd names and types, one-line errors."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from tui_sync.preview.export import ExportError, ExportFormat, default_export_path, export_frame


@pytest.fixture
def frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "설비": ["프레스-1", "b,with comma", None],
            "select": [1, None, 3],
            "at": [datetime(2024, 1, 2, 3, 4, 5, 600000), None, datetime(2020, 1, 1)],
            "day": [date(2024, 1, 2), date(2024, 1, 3), None],
            "amount": pl.Series([Decimal("1.50"), Decimal("-2.25"), None], dtype=pl.Decimal(12, 2)),
            "ratio": [0.5, float("nan"), None],
        }
    )


def test_parquet_round_trip_keeps_types(tmp_path: Path, frame: pl.DataFrame) -> None:
    path = export_frame(frame, tmp_path / "out.parquet")
    assert path == (tmp_path / "out.parquet").resolve()
    back = pl.read_parquet(path)
    assert back.schema == frame.schema
    assert back.equals(frame)


def test_csv_round_trip(tmp_path: Path, frame: pl.DataFrame) -> None:
    path = export_frame(frame, tmp_path / "out.csv")
    back = pl.read_csv(path, try_parse_dates=True)
    assert back.columns == frame.columns
    assert back["설비"].to_list() == frame["설비"].to_list()
    assert back["select"].to_list() == [1, None, 3]
    assert back["at"].to_list() == frame["at"].to_list()
    assert back["amount"].to_list() == [1.5, -2.25, None]


def test_csv_writes_nested_binary_and_interval_values_as_text(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "vec": [[1.0, 2.0], [3.0]],
            "obj": [{"a": 1}, {"a": 2}],
            "raw": [b"\x01\xff", b""],
            "span": [timedelta(seconds=90), None],
        }
    )
    path = export_frame(frame, tmp_path / "nested.csv")
    back = pl.read_csv(path)
    assert back["vec"].to_list() == ["[1.0,2.0]", "[3.0]"]
    assert back["obj"].to_list() == ['{"a":1}', '{"a":2}']
    assert back["raw"].to_list() == ["01ff", ""]
    assert back["span"].to_list() == ["PT1M30S", None]


def test_format_argument_wins_over_suffix(tmp_path: Path, frame: pl.DataFrame) -> None:
    path = export_frame(frame, tmp_path / "rows.dat", ExportFormat.PARQUET)
    assert pl.read_parquet(path).height == 3


def test_default_path_keeps_korean_and_drops_separators(tmp_path: Path) -> None:
    path = default_export_path(tmp_path, "설비/이벤트:1", ExportFormat.CSV, now=datetime(2024, 5, 6, 7, 8, 9))
    assert path == tmp_path / "설비_이벤트_1_20240506_070809.csv"


def test_creates_missing_folders(tmp_path: Path, frame: pl.DataFrame) -> None:
    path = export_frame(frame, tmp_path / "a" / "b" / "rows.csv")
    assert path.is_file()


def test_errors_are_one_line_and_leave_no_partial_file(tmp_path: Path, frame: pl.DataFrame) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError) as err:
        export_frame(frame, blocker / "rows.csv")  # a file where a folder should be
    assert "\n" not in str(err.value) and "rows.csv" in str(err.value)
    with pytest.raises(ExportError, match=r"\.csv or \.parquet"):
        export_frame(frame, tmp_path / "rows.xlsx")
    assert not list(tmp_path.glob("**/*.partial"))
