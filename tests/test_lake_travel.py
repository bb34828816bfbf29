"""Time travel on a lake target: each run is a snapshot that history names, Preview and
`verify --at RUN` read back, and that retention expires (issue 13)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import duck_query, env_with_home, lake_unavailable, make_sqlite, target_of, write_config
from tui_sync import target as tg
from tui_sync.config import load_config
from tui_sync.engine import Engine
from tui_sync.errors import ConfigError
from tui_sync.events import Mode, Status
from tui_sync.preview.query import fetch_preview
from tui_sync.services.verify import verify_table
from tui_sync.sources.oracle.verify import _from, oracle_aggregate_sql
from tui_sync.sources.sqlite import SqliteSource, format_timestamp
from tui_sync.sources.verify_spec import Partitioning
from tui_sync.target import lake
from tui_sync.target import state as st
from tui_sync.target.travel import as_of_run

SCRIPT = str(Path(sys.executable).parent / "tui-sync")
T0 = datetime(2026, 5, 1, 8, 0, 0)
DDL = "CREATE TABLE EV (ID NUMBER(10) PRIMARY KEY, TS TIMESTAMP(6), AMOUNT NUMBER(12,3), NOTE VARCHAR2(20));"
TABLES = "[table EV]\ntarget = ev\nprimary_key = ID\ncursor = TS\n"


def rows(lo: int, hi: int) -> list[tuple[Any, ...]]:
    return [(i, format_timestamp(T0 + timedelta(minutes=i)), f"{i}.125", f"n{i}") for i in range(lo, hi)]


def add(src: Path, new: list[tuple[Any, ...]]) -> None:
    con = sqlite3.connect(src)
    con.executemany("INSERT OR REPLACE INTO EV VALUES (?, ?, ?, ?)", new)
    con.commit()
    con.close()


@pytest.fixture
def lake_kind(target_kind: str) -> str:
    if target_kind != "ducklake":
        pytest.skip("time travel is a lake feature (the file case is tested on its own)")
    return target_kind


def two_runs(tmp_path: Path):
    """A full run of 100 rows, then an incremental run adding 50 and changing one."""
    src = make_sqlite(tmp_path / "s.sqlite", DDL, [("INSERT INTO EV VALUES (?, ?, ?, ?)", rows(0, 100))])
    cfg = write_config(tmp_path, src, TABLES)
    full = Engine(cfg).run(["EV"], Mode.FULL).results[0]
    shutil.copy(src, tmp_path / "at-full.sqlite")  # the source as the full run read it
    add(src, rows(100, 150) + [(5, format_timestamp(T0 + timedelta(minutes=200)), "9.000", "edited")])
    inc = Engine(cfg).run(["EV"], Mode.INCREMENTAL).results[0]
    assert full.status == Status.OK and inc.status == Status.OK, (full.error, inc.error)
    return src, cfg, full, inc


def test_each_run_records_the_snapshot_its_commit_made(tmp_path: Path, lake_kind: str) -> None:
    src, cfg, full, inc = two_runs(tmp_path)
    runs = {r.run_id: r for r in st.read_runs(target_of(cfg))}
    assert runs[full.run_id].snapshot_id is not None
    assert runs[inc.run_id].snapshot_id > runs[full.run_id].snapshot_id
    con = tg.connect(target_of(cfg), create=False)
    try:
        tagged = lake.run_snapshots(con)  # the run_id the commit itself carries
    finally:
        con.close()
    assert tagged[full.run_id] == runs[full.run_id].snapshot_id
    assert tagged[inc.run_id] == runs[inc.run_id].snapshot_id


def test_the_lake_as_of_a_run_is_what_that_run_committed_data_and_state(tmp_path: Path,
                                                                        lake_kind: str) -> None:
    src, cfg, full, inc = two_runs(tmp_path)
    run, old = as_of_run(target_of(cfg), full.run_id[:8])  # a prefix, as history shows it
    assert run.run_id == full.run_id
    assert duck_query(old, "SELECT count(*), sum(id) FROM ev") == [(100, sum(range(100)))]
    assert duck_query(old, "SELECT note FROM ev WHERE id = 5") == [("n5",)]
    assert duck_query(old, "SELECT last_mode FROM tui_sync.tables") == [("full",)]
    assert duck_query(target_of(cfg), "SELECT count(*) FROM ev") == [(150,)]
    assert duck_query(target_of(cfg), "SELECT note FROM ev WHERE id = 5") == [("edited",)]
    # the preview reads through the same door: the grid as of the run
    assert fetch_preview(old, "ev").rows == 100
    assert fetch_preview(target_of(cfg), "ev").rows == 150
    con = tg.connect(old)
    try:
        with pytest.raises(Exception, match="read-only"):
            con.execute("DELETE FROM ev")
    finally:
        con.close()


class FlashbackSqlite(SqliteSource):
    """A SQLite source that can 'read as of' a point: a copy of the file taken then (what
    Oracle's AS OF SCN gives verify --at)."""

    points: dict[int, Path] = {}
    asked: list[int] = []

    def verify_as_of(self, point: Any) -> str | None:
        FlashbackSqlite.asked.append(point)
        self.close()
        self.path = self.points[int(point)]
        self.connect()
        return None


def test_verify_at_a_run_compares_its_snapshot_with_the_source_at_its_scn(tmp_path: Path,
                                                                          lake_kind: str) -> None:
    src, cfg, full, inc = two_runs(tmp_path)
    con = tg.connect(target_of(cfg))
    try:  # what an Oracle chunked full run records (pin_reads)
        con.execute("UPDATE tui_sync.runs SET consistency = 'scn 4242' WHERE run_id = ?", [full.run_id])
    finally:
        con.close()
    FlashbackSqlite.points = {4242: tmp_path / "at-full.sqlite"}
    FlashbackSqlite.asked = []
    report = verify_table(cfg, "EV", source_factory=lambda: FlashbackSqlite(src), at=full.run_id)
    assert FlashbackSqlite.asked == [4242]
    assert report.ok and report.source_rows == report.target_rows == 100
    assert verify_table(cfg, "EV").ok  # now against now
    # the snapshot really is the old one: against today's source it differs
    FlashbackSqlite.points = {4242: src}
    assert not verify_table(cfg, "EV", source_factory=lambda: FlashbackSqlite(src), at=full.run_id).ok


def test_verify_at_refuses_a_run_without_a_source_point_in_time(tmp_path: Path, lake_kind: str) -> None:
    src, cfg, full, inc = two_runs(tmp_path)
    with pytest.raises(ConfigError, match="recorded no source point in time"):
        verify_table(cfg, "EV", at=inc.run_id)
    with pytest.raises(ConfigError, match="no run nope"):
        verify_table(cfg, "EV", at="nope")
    out = subprocess.run([SCRIPT, "verify", "EV", "--at", full.run_id, "--config", str(cfg.path)],
                         capture_output=True, text=True, env=env_with_home(tmp_path / "home"))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "recorded no source point in time" in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_history_shows_run_ids_and_snapshots(tmp_path: Path, lake_kind: str) -> None:
    src, cfg, full, inc = two_runs(tmp_path)
    out = subprocess.run([SCRIPT, "history", "--config", str(cfg.path)], capture_output=True, text=True,
                         env=env_with_home(tmp_path / "home"))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "snapshot" in lines[0]
    snaps = {r.run_id: r.snapshot_id for r in st.read_runs(target_of(cfg))}
    for run_id in (full.run_id, inc.run_id):
        line = next(x for x in lines if run_id in x)
        assert f" {snaps[run_id]} " in line


def test_retention_expires_old_snapshots_and_deletes_their_files(tmp_path: Path, lake_kind: str) -> None:
    src = make_sqlite(tmp_path / "s.sqlite", DDL, [("INSERT INTO EV VALUES (?, ?, ?, ?)", rows(0, 3000))])
    path = tmp_path / "tui-sync.ini"
    cfg = write_config(tmp_path, src, TABLES)
    path.write_text(path.read_text().replace("[target]\n", "[target]\nkeep_snapshots = all\n"))
    cfg = load_config(path)
    spec = target_of(cfg)
    first = Engine(cfg).run(["EV"], Mode.FULL).results[0]
    Engine(cfg).run(["EV"], Mode.FULL)
    files_before = sorted(Path(spec.data_path).rglob("*.parquet"))
    assert as_of_run(spec, first.run_id)  # kept: keep_snapshots = all
    # a one-second retention: after the next successful run the first run's snapshot is gone
    path.write_text(path.read_text().replace("keep_snapshots = all", "keep_snapshots = 1 second"))
    cfg = load_config(path)
    time.sleep(1.5)
    lines: list[str] = []
    Engine(cfg, on_event=lambda e: lines.append(getattr(e, "message", ""))).run(["EV"], Mode.FULL)
    assert any("expired" in m for m in lines)
    with pytest.raises(ConfigError, match="has been expired"):
        as_of_run(target_of(cfg), first.run_id)
    files_after = sorted(Path(spec.data_path).rglob("*.parquet"))
    assert set(files_before) - set(files_after)  # the expired snapshots' files were deleted
    assert duck_query(target_of(cfg), "SELECT count(*) FROM ev") == [(3000,)]


def test_a_file_target_says_time_travel_needs_a_lake(tmp_path: Path) -> None:
    src = make_sqlite(tmp_path / "s.sqlite", DDL, [("INSERT INTO EV VALUES (?, ?, ?, ?)", rows(0, 10))])
    cfg = write_config(tmp_path, src, TABLES)
    run = Engine(cfg).run(["EV"], Mode.FULL).results[0]
    with pytest.raises(ConfigError, match="needs a DuckLake target"):
        verify_table(cfg, "EV", at=run.run_id)


def test_oracle_verify_as_of_reads_the_table_at_the_scn() -> None:
    from tui_sync.sources.base import TableDescription, TableInfo

    table = TableDescription(TableInfo("APP.EV", "APP", "EV", None), (), ())
    assert _from(table, 4242) == '"APP"."EV" AS OF SCN 4242'
    sql, _ = oracle_aggregate_sql(_from(table, 4242), "", Partitioning("whole"), [])
    assert 'FROM "APP"."EV" AS OF SCN 4242' in sql
    assert _from(table) == '"APP"."EV"'


def test_lake_unavailable_is_explained_or_none() -> None:
    why = lake_unavailable()
    assert why is None or "ducklake" in why
