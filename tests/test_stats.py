"""Run statistics over a handcrafted tui_sync.runs (only the contract columns of DESIGN §6)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tui_sync.stats import TableStats, stats_document, table_stats

NOW = datetime(2024, 5, 31, 12, 0, tzinfo=UTC)


def T(day: int, hour: int = 2, minute: int = 0, second: int = 0, month: int = 5) -> datetime:
    return datetime(2024, month, day, hour, minute, second)


RUNS = [
    # run_id, target, mode, status, started, duration s, rows, rows/s, error
    ("r1", "events", "incremental", "ok", T(31), 10, 1000, 100.0, None),
    ("r2", "events", "incremental", "failed", T(30), 4, 0, 0.0, "ORA-03113: end-of-file on channel"),
    ("r3", "events", "full", "ok", T(20), 20, 4000, 200.0, None),  # 11 days ago: 30d, not 7d
    ("r4", "events", "full", "ok", T(15, month=4), 100, 9, 9.0, None),  # 46 days ago: out
    ("r5", "events", "auto", "skipped", T(31, 3), 0, 0, 0.0, "skipped: another sync holds x: cli pid 7"),
    ("r6", "events", "test", "ok", T(31, 4), 1, 50, 50.0, None),  # test syncs are left out
    ("r7", "events", "incremental", "cancelled", T(25), 5, 0, 0.0, "cancelled by the user"),
    ("r8", "events", "incremental", "running", T(31, 5), None, 0, 0.0, None),  # in progress
    ("r9", "events", "full", "failed", T(1, month=3), 1, 0, 0.0, "an old error"),
    ("r10", "events", "incremental", "ok", T(24, 12), 30, 10, 1.0, None),  # exactly 7 days ago
    ("l1", "lots", "full", "failed", T(31, 1), 2, 0, 0.0, "DPY-6005: cannot connect"),
]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "sync.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA tui_sync")
    con.execute("CREATE TABLE tui_sync.runs (run_id VARCHAR, target_table VARCHAR, source_table VARCHAR, "
                "mode VARCHAR, status VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP, rows BIGINT, "
                "rows_per_s DOUBLE, error VARCHAR)")
    for run_id, target, mode, status, started, dur, rows, rate, error in RUNS:
        finished = started + timedelta(seconds=dur) if dur is not None else None
        con.execute("INSERT INTO tui_sync.runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [run_id, target, target.upper(), mode, status, started, finished, rows, rate, error])
    con.close()
    return path


def test_stats_per_table(db: Path) -> None:
    events, lots = table_stats(db, now=NOW)
    assert events == TableStats(
        table="events",
        runs_7d=4,  # r1, r2, r7, r10 (skipped, running and test runs do not count)
        runs_30d=5,  # + r3
        ok_30d=3, failed_30d=1, skipped_30d=1,
        success_rate_30d=pytest.approx(3 / 5),
        mean_duration_s_30d=pytest.approx((10 + 20 + 30) / 3),  # successful runs only
        mean_rows_per_s_30d=pytest.approx((100 + 200 + 1) / 3),
        last_run_at=T(31), last_status="ok", last_duration_s=pytest.approx(10.0), last_rows=1000,
        last_rows_per_s=pytest.approx(100.0),
        last_error="ORA-03113: end-of-file on channel", last_error_at=T(30),
        last_success_at=T(31, 2, 0, 10),
    )
    assert lots.table == "lots"
    assert (lots.runs_7d, lots.runs_30d, lots.success_rate_30d, lots.mean_duration_s_30d) == (1, 1, 0.0, None)
    assert (lots.last_status, lots.last_error, lots.last_success_at) == (
        "failed", "DPY-6005: cannot connect", None)


def test_windows_move_with_now(db: Path) -> None:
    (events,) = table_stats(db, now=NOW + timedelta(days=8), table="events")
    assert (events.runs_7d, events.runs_30d) == (0, 5)
    (events,) = table_stats(db, now=NOW + timedelta(days=40), table="events")
    assert (events.runs_30d, events.success_rate_30d, events.mean_duration_s_30d) == (0, None, None)
    assert events.last_status == "ok"  # the last run stays the last run, however old


def test_filter_include_and_missing_state(db: Path, tmp_path: Path) -> None:
    assert [s.table for s in table_stats(db, now=NOW, table="EVENTS")] == ["events"]
    got = table_stats(db, now=NOW, include=["products", "events"])
    assert [s.table for s in got] == ["events", "lots", "products"]
    assert got[2] == TableStats("products")
    assert table_stats(tmp_path / "absent.duckdb", now=NOW, include=["x"]) == [TableStats("x")]
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    assert table_stats(empty, now=NOW) == []
    assert not (tmp_path / "absent.duckdb").exists()  # reading never creates the file


def test_json_document(db: Path) -> None:
    doc = json.loads(json.dumps(stats_document(table_stats(db, now=NOW), NOW)))
    assert doc["generated_at"] == "2024-05-31T12:00:00Z"
    events = doc["tables"][0]
    assert events["table"] == "events"
    assert events["last_run_at"] == "2024-05-31T02:00:00Z"
    assert events["last_success_at"] == "2024-05-31T02:00:10Z"
    assert events["success_rate_30d"] == pytest.approx(0.6)
    assert doc["tables"][1]["mean_duration_s_30d"] is None
