"""Defects an audit of the merged issue-9 work found, on real SQLite -> DuckDB files: each
test lost, duplicated or refused rows while the run said ok (or failed on a valid table)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import duck_query, make_sqlite, target_of, write_config
from tui_sync.engine import Engine
from tui_sync.events import Mode, Status

# Everything here concerns the target: each test runs on a DuckDB file and on a DuckLake.
pytestmark = pytest.mark.usefixtures("target_kind")


def _run(cfg, mode: Mode, *names: str):
    results = Engine(cfg).run(list(names), mode).results
    assert all(r.status == Status.OK for r in results), [(r.table, r.error) for r in results]
    return results


@pytest.mark.parametrize("ddl, rows, extra", [
    # a DATE whose text carries nanoseconds lands as a microsecond TIMESTAMP
    ("CREATE TABLE E (ID NUMBER(5), CUR DATE);",
     [(1, "2024-01-01 10:00:00.123456789"), (2, "2024-01-01 09:00:00")], ""),
    # a padded CHAR cursor lands trimmed with rtrim_char
    ("CREATE TABLE E (ID NUMBER(5), CUR CHAR(20));",
     [(1, "20240101100000      "), (2, "20240101090000      ")], "rtrim_char = true"),
], ids=["date-with-nanoseconds", "char-rtrim"])
def test_keyless_incremental_after_full_never_duplicates_the_newest_row(tmp_path: Path, ddl: str, rows: list,
                                                                        extra: str) -> None:
    """The full sync's watermark is the source's MAX before the read, but in the target's own
    terms: a watermark the target cannot hold made the keyless DELETE miss the newest row
    while the window read it again, one more copy per run."""
    src = make_sqlite(tmp_path / "s.sqlite", ddl, [("INSERT INTO E VALUES (?, ?)", rows)])
    cfg = write_config(tmp_path, src, "[table E]\ncursor = CUR\n", sync=extra)
    _run(cfg, Mode.FULL, "E")
    for _ in range(3):
        _run(cfg, Mode.INCREMENTAL, "E")
    assert duck_query(target_of(cfg), "SELECT id, count(*) FROM e GROUP BY id ORDER BY id") == [(1, 1), (2, 1)]


def test_chunked_full_sync_keeps_rows_whose_primary_key_holds_null(tmp_path: Path) -> None:
    """SQLite lets a PRIMARY KEY column hold NULL unless it is declared NOT NULL; keyset
    paging (k > :last) never returns such rows, so those tables load in one piece."""
    src = make_sqlite(tmp_path / "s.sqlite",
                      "CREATE TABLE T (K VARCHAR2(10) PRIMARY KEY, V NUMBER(5));"
                      "CREATE TABLE C (A NUMBER(5), B VARCHAR2(5), V NUMBER(5), PRIMARY KEY (A, B));",
                      [("INSERT INTO T VALUES (?, ?)", [(None, 1), (None, 2), (None, 3), ("a", 4), ("b", 5), ("c", 6)]),
                       ("INSERT INTO C VALUES (?, ?, ?)", [(1, None, 1), (1, None, 2), (1, "x", 3), (1, "y", 4), (2, "a", 5)])])
    cfg = write_config(tmp_path, src, "[table T]\n\n[table C]\n", sync="chunk_rows = 2")
    _run(cfg, Mode.FULL, "T", "C")
    assert duck_query(target_of(cfg), "SELECT v FROM t ORDER BY v") == [(i,) for i in range(1, 7)]
    assert duck_query(target_of(cfg), "SELECT v FROM c ORDER BY v") == [(i,) for i in range(1, 6)]


def test_chunks_on_a_char_key_with_rtrim_char_order_by_the_stored_key(tmp_path: Path) -> None:
    """ORDER BY "K" must sort by the column, not by the RTRIM(...) select item that SQLite
    also answers to as k (names are case-insensitive there)."""
    src = make_sqlite(tmp_path / "s.sqlite", "CREATE TABLE C (K CHAR(3) PRIMARY KEY, V NUMBER(5));",
                      [("INSERT INTO C VALUES (?, ?)", [("a\t", 1), ("a ", 2), ("b", 3)])])
    cfg = write_config(tmp_path, src, "[table C]\n", sync="chunk_rows = 1\nrtrim_char = true")
    _run(cfg, Mode.FULL, "C")
    assert duck_query(target_of(cfg), "SELECT v FROM c ORDER BY v") == [(1,), (2,), (3,)]


def test_parallel_reads_of_tables_without_a_usable_rowid(tmp_path: Path) -> None:
    """A user column named ROWID shadows SQLite's row address, and a WITHOUT ROWID table
    has none: such tables read in one statement instead of hash buckets."""
    src = make_sqlite(tmp_path / "s.sqlite",
                      "CREATE TABLE R (ROWID VARCHAR2(10), V NUMBER(5));"
                      "CREATE TABLE W (K VARCHAR2(5) PRIMARY KEY, V NUMBER(5)) WITHOUT ROWID;",
                      [("INSERT INTO R VALUES (?, ?)", [(None, 1), (None, 2), ("x", 3), ("7", 4)]),
                       ("INSERT INTO W VALUES (?, ?)", [("a", 1), ("b", 2)])])
    cfg = write_config(tmp_path, src, "[table R]\nparallel = 2\n\n[table W]\nparallel = 2\n")
    _run(cfg, Mode.FULL, "R", "W")
    assert duck_query(target_of(cfg), "SELECT v FROM r ORDER BY v") == [(1,), (2,), (3,), (4,)]
    assert duck_query(target_of(cfg), "SELECT v FROM w ORDER BY v") == [(1,), (2,)]


def test_chunked_full_sync_on_a_binary_key(tmp_path: Path) -> None:
    """A RAW key (a GUID, say) is a resume point like any other."""
    src = make_sqlite(tmp_path / "s.sqlite", "CREATE TABLE B (K RAW(4) PRIMARY KEY, V NUMBER(5));",
                      [("INSERT INTO B VALUES (?, ?)", [(bytes([i, 255 - i]), i) for i in range(5)])])
    cfg = write_config(tmp_path, src, "[table B]\n", sync="chunk_rows = 2")
    _run(cfg, Mode.FULL, "B")
    assert duck_query(target_of(cfg), "SELECT v FROM b ORDER BY v") == [(i,) for i in range(5)]


def test_keyless_incremental_on_a_cursor_the_target_rounds_up_loses_nothing(tmp_path: Path) -> None:
    """SQLite can hold 1.006 in a NUMBER(10,2) column, which lands as 1.01: a watermark of
    1.01 made the keyless DELETE (target >= 1.01) remove a row the source window (>= 1.01)
    never reads again. Watermarks are the newest loaded value at or below the source's MAX."""
    src = make_sqlite(tmp_path / "s.sqlite", "CREATE TABLE E (ID NUMBER(5), CUR NUMBER(10,2));",
                      [("INSERT INTO E VALUES (?, ?)", [(1, 1.006), (2, 0.5)])])
    cfg = write_config(tmp_path, src, "[table E]\ncursor = CUR\n")
    _run(cfg, Mode.FULL, "E")
    for _ in range(2):
        _run(cfg, Mode.INCREMENTAL, "E")
        assert duck_query(target_of(cfg), "SELECT id FROM e ORDER BY id") == [(1,), (2,)]
