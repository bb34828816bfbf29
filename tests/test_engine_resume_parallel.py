"""Resumable chunked full syncs, parallel key-range reads, and delete reconciliation."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from tests.conftest import duck_query, duck_rows, make_sqlite, target_of, write_config
from tui_sync import cli, target
from tui_sync.engine import Engine
from tui_sync.events import Control, Mode, Progress, Status, SyncRequest
from tui_sync.sources.base import ReadSpec
from tui_sync.sources.sqlite import SqliteSource
from tui_sync.target import state as st

ROWS = 200_000

# Everything here concerns the target: each test runs on a DuckDB file and on a DuckLake.
pytestmark = pytest.mark.usefixtures("target_kind")


@pytest.fixture(scope="module")
def big_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE BIG (ID NUMBER(10) PRIMARY KEY, TS TIMESTAMP(6), V NUMBER(12,2), "
                "S VARCHAR2(20))")
    con.executemany("INSERT INTO BIG VALUES (?, ?, ?, ?)",
                    ((i, f"2026-01-01 00:00:{i % 60:02d}.000000", f"{i}.25", f"s{i % 97}")
                     for i in range(1, ROWS + 1)))
    con.commit()
    con.close()
    return path


class RecordingSource(SqliteSource):
    """A real SQLite source that remembers every read it was asked for."""

    specs: list[ReadSpec] = []
    rows_read: list[int] = []

    def read_batches(self, spec: ReadSpec) -> Iterator[pa.RecordBatch]:
        RecordingSource.specs.append(spec)
        for batch in super().read_batches(spec):
            RecordingSource.rows_read.append(batch.num_rows)
            yield batch


def recording(path: Path):
    RecordingSource.specs, RecordingSource.rows_read = [], []
    return lambda: RecordingSource(path)


def test_interrupted_full_sync_resumes_from_last_committed_chunk(tmp_path: Path, big_source: Path) -> None:
    cfg = write_config(tmp_path, big_source, "[table BIG]\ntarget = big\n",
                       sync="chunk_rows = 30000\nbatch_rows = 10000")
    control = Control()

    def stop_midway(e: object) -> None:
        if isinstance(e, Progress) and e.rows_done >= 100_000:
            control.cancel()

    first = Engine(cfg, on_event=stop_midway, control=control, source_factory=recording(big_source))
    assert first.run(["BIG"], Mode.FULL).results[0].status == Status.CANCELLED
    con = target.connect(target_of(cfg))
    point = st.get_resume(con, "big")
    con.close()
    assert point is not None and point.rows % 30000 == 0 and 60_000 <= point.rows < ROWS
    assert point.last_key == [point.rows]  # keys 1..N in order: the last committed key is N
    assert not duck_query(target_of(cfg), "SELECT 1 FROM information_schema.tables "
                          "WHERE table_name = 'big'")  # the target never appeared

    result = Engine(cfg, source_factory=recording(big_source)).run(["BIG"], Mode.AUTO)
    assert result.ok and result.results[0].rows == ROWS
    # only the remaining chunks were read, starting right after the last committed key
    assert RecordingSource.specs[0].after == (("ID", point.rows),)
    assert sum(RecordingSource.rows_read) == ROWS - point.rows
    got = duck_query(target_of(cfg), "SELECT COUNT(*), COUNT(DISTINCT id), SUM(v), MIN(id), MAX(id) "
                     "FROM big")
    assert got[0][:2] == (ROWS, ROWS) and got[0][3:] == (1, ROWS)
    assert got[0][2] == sum(range(1, ROWS + 1)) + Decimal("0.25") * ROWS
    con = target.connect(target_of(cfg))
    assert st.get_resume(con, "big") is None
    con.close()


def test_explicit_full_without_resume_starts_over(tmp_path: Path, big_source: Path) -> None:
    cfg = write_config(tmp_path, big_source, "[table BIG]\ntarget = big\n",
                       sync="chunk_rows = 50000\nbatch_rows = 25000")
    control = Control()

    def stop(e: object) -> None:
        if isinstance(e, Progress) and e.rows_done >= 60_000:
            control.cancel()

    Engine(cfg, on_event=stop, control=control).run(["BIG"], Mode.FULL)
    assert Engine(cfg, source_factory=recording(big_source)).run(["BIG"], Mode.FULL).ok
    assert RecordingSource.specs[0].after == () and sum(RecordingSource.rows_read) == ROWS
    resumed = Engine(cfg, source_factory=recording(big_source))
    assert resumed.run(["BIG"], Mode.FULL, resume=True).ok  # nothing pending: a plain full
    assert duck_query(target_of(cfg), "SELECT COUNT(DISTINCT id) FROM big") == [(ROWS,)]


@pytest.mark.parametrize("parallel", [2, 3, 4])
def test_parallel_full_sync_equals_serial(tmp_path: Path, big_source: Path, parallel: int,
                                         target_kind: str) -> None:
    if target_kind == "ducklake" and parallel != 4:
        # How the key is split is the source's business; on a lake one count (the most
        # concurrent writers) covers the target side, and each count costs ~10 s there.
        pytest.skip("a lake runs parallel = 4 only")
    serial = write_config(tmp_path, big_source, "[table BIG]\ntarget = big\n", target="serial.duckdb")
    assert Engine(serial).run(["BIG"], Mode.FULL).ok
    cfg = write_config(tmp_path, big_source, f"[table BIG]\ntarget = big\nparallel = {parallel}\n",
                       sync="batch_rows = 7000", target="parallel.duckdb")
    result = Engine(cfg, source_factory=recording(big_source)).run(["BIG"], Mode.FULL)
    assert result.ok and result.results[0].rows == ROWS
    # readers start in any order: sort the ranges by their lower bound (open first)
    ranges = sorted((s.key_range for s in RecordingSource.specs), key=lambda r: -1 if r.lo is None else r.lo)
    assert len(ranges) == parallel and ranges[0].lo is None and ranges[-1].hi is None
    assert all(a.hi == b.lo for a, b in zip(ranges, ranges[1:], strict=False))
    assert duck_rows(target_of(cfg), "big", "id") == duck_rows(target_of(serial), "big", "id")


def test_parallel_without_numeric_key_reads_hash_buckets(tmp_path: Path) -> None:
    src = make_sqlite(tmp_path / "s.sqlite", "CREATE TABLE T (K VARCHAR2(5), V NUMBER(5));",
                      [("INSERT INTO T VALUES (?, ?)", [(f"k{i}", i) for i in range(1000)])])
    cfg = write_config(tmp_path, src, "[table T]\nparallel = 4\n", sync="batch_rows = 64")
    result = Engine(cfg, source_factory=recording(src)).run(["T"], Mode.FULL)
    assert result.results[0].rows == 1000
    assert sorted(s.bucket for s in RecordingSource.specs) == [(0, 4), (1, 4), (2, 4), (3, 4)]
    assert duck_rows(target_of(cfg), "t", "v") == [(f"k{i}", i) for i in range(1000)]


def test_parallel_in_the_request_is_for_that_run_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--parallel` travels in the SyncRequest: the run reads on N connections and the loaded
    config (which the TUI or a scheduler may reuse) still says what the file says."""
    src = make_sqlite(tmp_path / "s.sqlite", "CREATE TABLE T (K VARCHAR2(5), V NUMBER(5));",
                      [("INSERT INTO T VALUES (?, ?)", [(f"k{i}", i) for i in range(300)])])
    cfg = write_config(tmp_path, src, "[table T]\n", sync="batch_rows = 64")
    result = Engine(cfg, source_factory=recording(src)).run(SyncRequest(("T",), Mode.FULL, parallel=3))
    assert result.ok and result.results[0].rows == 300
    assert sorted(s.bucket for s in RecordingSource.specs) == [(0, 3), (1, 3), (2, 3)]
    assert cfg.table("T").parallel == 1
    assert not SqliteSource(src).implements_max_cursor_sql  # an optional capability SQLite lacks
    result = Engine(cfg, source_factory=recording(src)).run(["T"], Mode.FULL)  # the config's: one read
    assert result.ok and [s.bucket for s in RecordingSource.specs] == [None]
    assert cli.main(["sync", "T", "--config", str(cfg.path), "--mode", "full", "--parallel", "2",
                     "--json"]) == 0
    assert cli.main(["sync", "T", "--config", str(cfg.path), "--parallel", "0"]) == 2
    assert "--parallel takes 1 to 64" in capsys.readouterr().err


RECON = """CREATE TABLE R (ID NUMBER(8) PRIMARY KEY, TS DATE NOT NULL, V NUMBER(6));"""


def recon_source(tmp_path: Path) -> Path:
    return make_sqlite(tmp_path / "r.sqlite", RECON, [(
        "INSERT INTO R VALUES (?, ?, ?)",
        [(i, f"2026-02-01 {i // 60:02d}:{i % 60:02d}:00", i) for i in range(1, 201)])])


def test_reconcile_removes_deleted_keys(tmp_path: Path) -> None:
    src = recon_source(tmp_path)
    cfg = write_config(tmp_path, src, "[table R]\ncursor = TS\nlookback = 1 minute\nreconcile = true\n")
    assert Engine(cfg).run(["R"], Mode.FULL).ok
    con = sqlite3.connect(src)
    con.execute("DELETE FROM R WHERE ID IN (3, 50, 120)")
    con.execute("INSERT INTO R VALUES (201, '2026-02-01 03:21:00', 1)")
    con.commit()
    con.close()
    assert Engine(cfg).run(["R"], Mode.INCREMENTAL).ok
    ids = [r[0] for r in duck_rows(target_of(cfg), "r", "id")]
    assert len(ids) == 198 and not {3, 50, 120} & set(ids) and 201 in ids
    assert st.read_table_states(target_of(cfg))["r"].rows == 198


def test_reconcile_refuses_a_mass_delete_and_changes_nothing(tmp_path: Path) -> None:
    src = recon_source(tmp_path)
    cfg = write_config(tmp_path, src, "[table R]\ncursor = TS\nlookback = 1 minute\n",
                       sync="reconcile_max_delete = 10%")
    assert Engine(cfg).run(["R"], Mode.FULL).ok
    before = duck_rows(target_of(cfg), "r", "id")
    wm = st.read_table_states(target_of(cfg))["r"].watermark
    con = sqlite3.connect(src)
    con.execute("DELETE FROM R WHERE ID <= 150")  # looks like a partial read
    con.execute("INSERT INTO R VALUES (500, '2026-02-01 05:00:00', 1)")
    con.commit()
    con.close()
    r = Engine(cfg).run(["R"], Mode.INCREMENTAL, reconcile=True).results[0]
    assert r.status == Status.FAILED and "reconcile refused" in (r.error or "") and "150" in r.error
    assert duck_rows(target_of(cfg), "r", "id") == before
    assert st.read_table_states(target_of(cfg))["r"].watermark == wm
    # without reconcile the same run merges the new row and deletes nothing
    assert Engine(cfg).run(["R"], Mode.INCREMENTAL).ok
    assert len(duck_rows(target_of(cfg), "r", "id")) == 201


def test_reconcile_only_inside_the_window(tmp_path: Path) -> None:
    src = recon_source(tmp_path)
    cfg = write_config(tmp_path, src, "[table R]\ncursor = TS\nlookback = 10 minutes\nreconcile = true\n"
                       "reconcile_window = true\n")
    assert Engine(cfg).run(["R"], Mode.FULL).ok
    con = sqlite3.connect(src)
    con.execute("DELETE FROM R WHERE ID IN (5, 195)")  # 5 is far outside the window, 195 inside
    con.commit()
    con.close()
    assert Engine(cfg).run(["R"], Mode.INCREMENTAL).ok
    ids = {r[0] for r in duck_rows(target_of(cfg), "r", "id")}
    assert 5 in ids and 195 not in ids
