"""Two SQLite libraries in one process (sqlite3 and ADBC's copy) must not close a file
while the other reads it: a close drops every POSIX lock the process holds on the file
(a CI run died of SIGBUS in a parallel read while another process wrote)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from tests.conftest import make_sqlite
from tui_sync.sources.base import ReadSpec
from tui_sync.sources.sqlite import SqliteSource, handles
from tui_sync.typeplan import PlanOptions, build_plan


def test_a_close_waits_while_the_other_library_has_the_file_open(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite"
    closed: list[str] = []
    handles.opened(path, handles.STDLIB)
    handles.opened(path, handles.ADBC)
    handles.opened(path, handles.ADBC)
    handles.close(path, handles.STDLIB, lambda: closed.append("stdlib"))
    assert closed == [] and handles.waiting(path) == 1  # ADBC still reads the file
    handles.close(path, handles.ADBC, lambda: closed.append("adbc 1"))
    assert closed == ["adbc 1"]  # no stdlib connection is open any more: free to close
    handles.close(path, handles.ADBC, lambda: closed.append("adbc 2"))
    assert closed == ["adbc 1", "adbc 2", "stdlib"] and handles.waiting(path) == 0


def test_sources_read_side_by_side_and_close_everything_in_the_end(tmp_path: Path) -> None:
    path = make_sqlite(tmp_path / "s.sqlite", "CREATE TABLE T (ID INTEGER PRIMARY KEY, V NUMBER(9));",
                       [("INSERT INTO T VALUES (?, ?)", [(i, i) for i in range(100)])])
    a, b = SqliteSource(path), SqliteSource(path)
    a.connect()
    b.connect()
    desc = a.describe("T")
    spec = ReadSpec(table=desc, plan=build_plan(desc.columns, PlanOptions()), batch_rows=10)
    reads = b.read_batches(spec)
    first = next(reads)  # b's ADBC read is open...
    a.close()  # ...when a closes: a's sqlite3 connection waits
    assert handles.waiting(path) >= 1
    rest = list(reads)
    assert pa.Table.from_batches([first, *rest]).num_rows == 100
    b.close()
    assert handles.waiting(path) == 0
