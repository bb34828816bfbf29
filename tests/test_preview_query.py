"""Preview queries on real DuckDB files: presets, odd names, downsampled series, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tui_sync.errors import TargetBusyError
from tui_sync.preview import query
from tui_sync.preview.detect import detect_frame
from tui_sync.preview.query import Preset, PreviewError
from tui_sync.target import state

TABLE = "설비 이벤트"  # Korean, with a space
END = datetime(2020, 3, 1, 12, 0)  # long ago: presets must follow MAX(cursor), not the clock
MINUTES = 60 * 24 * 40  # 40 days of one row a minute


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "target.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        f"""
        CREATE TABLE "{TABLE}" AS
        SELECT TIMESTAMP '{END:%Y-%m-%d %H:%M:%S}' - to_minutes(range) AS "select",
               CAST(range % 97 AS DOUBLE) + CASE WHEN range = 33333 THEN 5000 ELSE 0 END AS "Value",
               CASE WHEN range = 44444 THEN -700 ELSE range % 13 END AS "order",
               strftime(TIMESTAMP '{END:%Y-%m-%d %H:%M:%S}' - to_minutes(range), '%Y%m%d%H%M%S') AS ts_text,
               CAST(range % 7 AS VARCHAR) AS qty_text
        FROM range({MINUTES})
        """
    )
    con.execute('CREATE TABLE "we""ird" AS SELECT range AS "Id" FROM range(3)')
    # the sync state as the engine writes it (the preview reads it through tui_sync.target.state)
    state.ensure_schema(con)
    state.put_table_state(con, state.TableState(TABLE, TABLE, "select", None, None, MINUTES, 1, "full", END))
    con.close()
    return path


def test_list_tables_leaves_out_the_state_schema(db: Path) -> None:
    tables = query.list_tables(db)
    assert [(t.name, t.rows) for t in tables] == [('we"ird', 3), (TABLE, MINUTES)]


def test_the_sync_states_cursor_wins_over_the_first_time_column(db: Path) -> None:
    con = duckdb.connect(str(db))
    state.put_table_state(con, state.TableState(TABLE, TABLE, "ts_text", None, None, 1, 1, "full", END))
    con.close()
    assert query.resolve_cursor(db, TABLE) == "ts_text"
    assert query.fetch_preview(db, TABLE, 5).cursor == "ts_text"


def test_a_file_without_sync_state_falls_back_to_the_first_time_column(db: Path) -> None:
    con = duckdb.connect(str(db))
    con.execute("DROP SCHEMA tui_sync CASCADE")
    con.close()
    assert query.resolve_cursor(db, TABLE) == "select"


def test_columns_and_cursor_from_the_sync_state(db: Path) -> None:
    cols = query.table_columns(db, TABLE)
    assert [c.name for c in cols] == ["select", "Value", "order", "ts_text", "qty_text"]
    assert cols[0].is_temporal and cols[1].is_numeric and cols[3].is_text
    assert query.resolve_cursor(db, TABLE) == "select"
    assert query.resolve_cursor(db, TABLE, "TS_TEXT") == "ts_text"  # case-insensitive request


def test_first_rows_are_in_table_order(db: Path) -> None:
    frame = query.fetch_rows(db, TABLE, 5, Preset.FIRST)
    assert frame["select"].to_list() == [END - timedelta(minutes=i) for i in range(5)]


@pytest.mark.parametrize(("preset", "span"), [(Preset.LAST_24H, timedelta(hours=24)),
                                              (Preset.LAST_7D, timedelta(days=7)),
                                              (Preset.LAST_30D, timedelta(days=30))])
def test_range_presets_follow_the_max_cursor(db: Path, preset: Preset, span: timedelta) -> None:
    frame = query.fetch_rows(db, TABLE, 100_000, preset, "select")
    expected = span // timedelta(minutes=1) + 1  # both ends included
    assert frame.height == expected
    assert frame["select"].max() == END and frame["select"].min() == END - span
    assert frame["select"].is_sorted(descending=True)  # newest first


def test_all_shows_the_newest_rows(db: Path) -> None:
    frame = query.fetch_rows(db, TABLE, 3, Preset.ALL, "select")
    assert frame["select"].to_list() == [END, END - timedelta(minutes=1), END - timedelta(minutes=2)]


def test_text_cursor_in_yyyymmddhh24miss_works_for_ranges(db: Path) -> None:
    frame = query.fetch_rows(db, TABLE, 100_000, Preset.LAST_24H, "ts_text")
    assert frame.height == 24 * 60 + 1


def test_range_preset_without_a_time_cursor_is_a_clear_error(db: Path) -> None:
    with pytest.raises(PreviewError, match="cursor"):
        query.fetch_rows(db, 'we"ird', 10, Preset.LAST_7D, None)
    with pytest.raises(PreviewError, match="DATE or TIMESTAMP"):
        query.fetch_rows(db, TABLE, 10, Preset.LAST_7D, "Value")


def test_fetch_preview_reads_everything_on_one_open(db: Path) -> None:
    rows = query.fetch_preview(db, TABLE, 10, Preset.LAST_24H)
    assert rows.cursor == "select" and rows.rows == MINUTES and rows.frame.height == 10
    assert rows.frame["select"][0] == END


def test_quoted_identifiers(db: Path) -> None:
    assert query.fetch_rows(db, 'we"ird', 10)["Id"].to_list() == [0, 1, 2]


def test_small_series_is_fetched_whole_and_downsampled(db: Path) -> None:
    data = query.fetch_series(db, TABLE, "select", ["Value"], Preset.LAST_24H, "select", max_points=50)
    assert not data.reduced_in_db and data.rows == 24 * 60 + 1 and data.x_is_time
    frame = data.series["Value"]
    assert 3 <= frame.height <= 50
    assert frame["x"].is_sorted()
    # epoch() reads a TIMESTAMP's wall time as UTC
    assert frame["x"].max() == END.replace(tzinfo=UTC).timestamp()


def test_large_series_is_reduced_in_duckdb_and_keeps_max_and_min(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(query, "DIRECT_SERIES_MAX", 1000)  # small data, same code path as 10M rows
    data = query.fetch_series(db, TABLE, "select", ["Value", "order"], Preset.ALL, "select", max_points=60)
    assert data.reduced_in_db and data.rows == MINUTES
    for name, frame in data.series.items():
        assert frame.height <= 60, name
        assert frame["x"].is_sorted(), name
    assert data.series["Value"]["y"].max() == 5000 + 33333 % 97  # the one spike survives
    assert data.series["order"]["y"].min() == -700  # the one dip survives
    assert data.series["Value"]["y"].min() == 0


def test_nan_and_null_values_never_reach_the_chart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "nan.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE t AS SELECT range AS i, CASE WHEN range % 10 = 0 THEN 'nan'::DOUBLE "
        "WHEN range % 10 = 1 THEN NULL WHEN range % 10 = 2 THEN 'inf'::DOUBLE ELSE range % 50 END AS v "
        "FROM range(5000)"
    )
    con.close()
    for direct in (100_000, 100):  # fetched whole, then reduced in DuckDB
        monkeypatch.setattr(query, "DIRECT_SERIES_MAX", direct)
        data = query.fetch_series(path, "t", "i", ["v"], Preset.ALL, None, max_points=40)
        ys = data.series["v"]["y"]
        assert ys.is_finite().all() and ys.null_count() == 0
        assert ys.max() == 49 and ys.min() == 3
        stats = query.column_stats(path, "t", ["v"], Preset.ALL)["v"]
        assert stats.count == 3500 and stats.max == 49


def test_detected_text_columns_chart_through_duckdb(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shown = query.fetch_rows(db, TABLE, 500)
    casts = {c.name: c for c in detect_frame(shown).converted}
    assert set(casts) == {"ts_text", "qty_text"}
    monkeypatch.setattr(query, "DIRECT_SERIES_MAX", 1000)
    data = query.fetch_series(db, TABLE, "ts_text", ["qty_text"], Preset.LAST_7D, "select", 40, casts=casts)
    assert data.x_is_time and data.reduced_in_db
    assert data.series["qty_text"]["y"].max() == 6 and data.series["qty_text"]["y"].min() == 0


def test_chart_of_a_text_column_that_was_not_detected_is_an_error(db: Path) -> None:
    with pytest.raises(PreviewError, match="numbers or times"):
        query.fetch_series(db, TABLE, "select", ["qty_text"], Preset.FIRST)


def test_column_stats_match_polars(db: Path) -> None:
    stats = query.column_stats(db, TABLE, ["Value"], Preset.LAST_7D, "select")["Value"]
    frame = query.fetch_rows(db, TABLE, 1_000_000, Preset.LAST_7D, "select")["Value"]
    assert stats.count == frame.len()
    assert stats.mean == pytest.approx(frame.mean())
    assert stats.median == pytest.approx(frame.median())
    assert stats.stddev == pytest.approx(frame.std())
    assert (stats.min, stats.max) == (frame.min(), frame.max())


def test_histogram_counts_every_value_once(db: Path) -> None:
    hist = query.fetch_histogram(db, TABLE, ["Value", "order"], Preset.FIRST, bins=12, limit=1000)
    assert len(hist.edges) == 13
    assert sum(hist.counts["Value"]) == 1000 and sum(hist.counts["order"]) == 1000
    frame = query.fetch_rows(db, TABLE, 1000)
    low = min(frame["Value"].min(), frame["order"].min())  # type: ignore[type-var]
    assert hist.edges[0] == pytest.approx(low)


def test_missing_file_is_one_line_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nope.duckdb"
    with pytest.raises(PreviewError) as err:
        query.list_tables(missing)
    assert str(missing) in str(err.value) and "\n" not in str(err.value)
    assert not missing.exists()


def test_unknown_table(db: Path) -> None:
    with pytest.raises(PreviewError, match="not found"):
        query.fetch_rows(db, "no_such_table", 10)


_HOLDER = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
"""


def test_file_locked_by_another_process_names_the_holder(db: Path) -> None:
    with subprocess.Popen([sys.executable, "-c", _HOLDER, str(db)], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        try:
            assert proc.stdout.readline().strip() == "ready"
            with pytest.raises(TargetBusyError) as err:
                query.list_tables(db)
            message = str(err.value)
            # the target's own message (tui_sync.target.busy_error): one wording for CLI, TUI and preview
            assert f"(pid {proc.pid})" in message and "in use by" in message and "\n" not in message
        finally:
            proc.stdin.write("\n")
            proc.stdin.flush()
            proc.wait(timeout=30)
    assert query.list_tables(db)  # released: readable again


_PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))))
"""


@pytest.mark.parametrize("module", ["tui_sync.preview.query", "tui_sync.preview.export"])
def test_preview_data_modules_do_not_import_textual(module: str) -> None:
    # query imports detect and lttb, so those are covered too.
    proc = subprocess.run([sys.executable, "-c", _PROBE, module], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []


def test_read_helpers_do_not_keep_the_file_open(db: Path) -> None:
    query.fetch_rows(db, TABLE, 10)
    query.fetch_series(db, TABLE, "select", ["Value"], Preset.FIRST)
    # Another process can take the write lock at once: nothing here holds the file.
    code = "import duckdb, sys; duckdb.connect(sys.argv[1]).close(); print('ok')"
    proc = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "ok", proc.stderr
    assert isinstance(query.fetch_rows(db, TABLE, 1), pl.DataFrame)
