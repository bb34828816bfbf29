"""Keyset paging, sorting, the custom range and the whole-window export of the preview core."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tui_sync.preview.export import ExportError, check_export_path, export_window
from tui_sync.preview.paging import PageKey, Sort, fetch_page
from tui_sync.preview.window import Preset, PreviewError, parse_bound

ROWS = 3000


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "t.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        f"""CREATE TABLE t AS SELECT range AS id,
               TIMESTAMP '2021-01-01' + to_minutes(range * 7) AS ts,
               CASE WHEN range % 10 = 0 THEN NULL ELSE range % 13 END AS v,
               CAST(range % 9 AS VARCHAR) AS qty_text
        FROM range({ROWS})"""
    )
    con.close()
    return path


def _all_pages(db: Path, preset: Preset, sort: Sort | None, limit: int = 250, **kw) -> tuple[list[int], int]:
    ids: list[int] = []
    after: PageKey | None = None
    first = None
    while True:
        page = fetch_page(db, "t", limit, preset, "ts", sort=sort, after=after, **kw)
        first = first or page
        ids += page.frame["id"].to_list()
        assert "__tui_sync_rowid" not in page.frame.columns
        if not page.has_next:
            break
        after = page.last
    assert first is not None and first.window_rows is not None
    return ids, first.window_rows


@pytest.mark.parametrize("sort", [None, Sort("v"), Sort("v", descending=True), Sort("ts")])
def test_pages_cover_the_window_once_in_the_sort_order(db: Path, sort: Sort | None) -> None:
    ids, total = _all_pages(db, Preset.ALL, sort)
    assert total == ROWS and len(ids) == len(set(ids)) == ROWS
    con = duckdb.connect(str(db), read_only=True)
    column = sort.column if sort else "ts"
    desc = sort.descending if sort else True  # ALL is newest first
    direction = "DESC" if desc else "ASC"
    expected = [r[0] for r in con.execute(
        f"SELECT id FROM t ORDER BY {column} {direction} NULLS LAST, rowid {direction}").fetchall()]
    con.close()
    assert ids == expected  # NULLs last in both directions, ties kept in rowid order


def test_ranges_end_at_the_newest_row_and_custom_bounds(db: Path) -> None:
    ids, total = _all_pages(db, Preset.LAST_24H, None)
    assert total == len(ids) == 24 * 60 // 7 + 1
    assert Preset.LAST_7D.label == "7 days to newest row"
    start, end = parse_bound("2021-01-02"), parse_bound("2021-01-02", end=True)
    ids, total = _all_pages(db, Preset.CUSTOM, None, bounds=(start, end))
    assert total == len(ids) == 1440 // 7 + 1  # the whole day, as "to 2021-01-02" reads
    with pytest.raises(PreviewError, match="not a date"):
        parse_bound("yesterday")
    with pytest.raises(PreviewError, match="start or an end"):
        fetch_page(db, "t", 10, Preset.CUSTOM, "ts", bounds=(None, None))


def test_export_writes_the_whole_window_with_progress(db: Path, tmp_path: Path) -> None:
    seen: list[float] = []
    path, rows = export_window(db, "t", tmp_path / "out" / "all.parquet", Preset.ALL, "ts", progress=seen.append)
    assert rows == ROWS and path.exists() and not list(path.parent.glob("*.partial"))
    frame = pl.read_parquet(path)
    assert frame.height == ROWS and frame["id"][0] == ROWS - 1  # newest first, like the grid
    assert frame.schema["qty_text"] == pl.String
    assert seen and seen[-1] == 100.0
    path, rows = export_window(db, "t", tmp_path / "day.csv", Preset.CUSTOM, "ts",
                               bounds=(datetime(2021, 1, 2), datetime(2021, 1, 3)), sort=Sort("id"))
    assert rows == 1440 // 7 + 1 and pl.read_csv(path)["id"].is_sorted()


def test_export_csv_writes_nested_values_as_json_and_blobs_as_hex(tmp_path: Path) -> None:
    path = tmp_path / "n.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE n AS SELECT [1, 2] AS l, {'a': 1} AS s, '\\xAB\\x01'::BLOB AS b, 5 AS i")
    con.close()
    out, rows = export_window(path, "n", tmp_path / "n.csv")
    assert rows == 1
    assert out.read_text().splitlines() == ["l,s,b,i", '"[1,2]","{""a"":1}",ab01,5']


def test_export_errors_are_one_line(db: Path, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="use .csv or .parquet"):
        check_export_path(str(tmp_path / "x.xlsx"))
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(ExportError, match="is a folder"):
        check_export_path(str(tmp_path / "d.csv"))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="cannot write") as err:
        export_window(db, "t", blocker / "sub" / "x.csv")
    assert "\n" not in str(err.value)


def test_paging_and_export_on_a_lake(tmp_path: Path) -> None:
    """A lake has a rowid too (DuckLake's row id): the same keyset pages and the export."""
    from tests.conftest import lake_unavailable
    from tui_sync.target.duckdb import connect
    from tui_sync.target.spec import TargetSpec

    if why := lake_unavailable():
        pytest.skip(why)
    lake = TargetSpec("ducklake", None, str(tmp_path / "l.sqlite"), str(tmp_path / "l.files") + "/")
    con = connect(lake)
    con.execute("CREATE TABLE t AS SELECT range AS id, TIMESTAMP '2021-01-01' + to_minutes(range * 7) AS ts, "
                "CASE WHEN range % 10 = 0 THEN NULL ELSE range % 13 END AS v FROM range(1000)")
    con.execute("INSERT INTO t SELECT range AS id, TIMESTAMP '2022-01-01' + to_minutes(range) AS ts, range % 5 "
                "FROM range(1000, 1500)")  # a second data file: rowids across files
    expected = [r[0] for r in con.execute("SELECT id FROM t ORDER BY v DESC NULLS LAST, rowid DESC").fetchall()]
    con.close()
    ids, total = _all_pages(lake, Preset.ALL, Sort("v", descending=True), limit=130)  # type: ignore[arg-type]
    assert total == 1500 and ids == expected
    path, rows = export_window(lake, "t", tmp_path / "all.parquet", Preset.ALL, "ts")
    assert rows == 1500 and pl.read_parquet(path).height == 1500
