"""The anchors of a SQLite source file (sources/sqlite/anchors.py): while any source of this
process has the file open, one idle connection of each SQLite library stays open on it, opened
one after the other before the first read, so neither library ever initialises the WAL file's
shared memory (truncating the -shm) while the other reads through its mapping of it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tui_sync.sources.sqlite import anchors, handles
from tui_sync.sources.sqlite.arrow import available as arrow_available
from tui_sync.sources.sqlite.source import SqliteSource


def _wal_file(path: Path) -> Path:
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode = wal")
    con.execute("CREATE TABLE T (ID INTEGER PRIMARY KEY, V TEXT)")
    con.executemany("INSERT INTO T VALUES (?, ?)", [(i, f"v{i}") for i in range(100)])
    con.commit()
    con.close()
    return path


def test_both_libraries_hold_the_file_while_any_source_has_it(tmp_path: Path) -> None:
    path = _wal_file(tmp_path / "w.sqlite")
    expected = [handles.STDLIB, handles.ADBC] if arrow_available() else [handles.STDLIB]
    first, second = SqliteSource(path), SqliteSource(tmp_path / "." / "w.sqlite")  # one file, two spellings
    first.connect()
    assert anchors.held(path) == expected  # opened before this source read anything
    second.connect()
    first.close()
    assert anchors.held(path) == expected  # the second source still reads: the anchors stay
    second.close()
    assert anchors.held(path) == []
    assert handles.waiting(path) == 0  # every connection, anchors included, is closed


def test_a_missing_file_is_still_one_clear_error_and_holds_nothing(tmp_path: Path) -> None:
    src = SqliteSource(tmp_path / "nope.sqlite")
    try:
        src.connect()
    except Exception as exc:  # noqa: BLE001
        assert "does not exist" in str(exc)
    assert anchors.held(tmp_path / "nope.sqlite") == []
    src.close()
