"""The engine reads ahead on a thread of its own (issue 11): same batches in the same order,
the read's error where the batch would have been, and an early stop closes the source's
iterator on the reading thread and waits for it."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pyarrow as pa
import pytest

from tui_sync.readahead import prefetched


def batches(n: int, seen: list[str], fail_at: int | None = None) -> Iterator[pa.RecordBatch]:
    try:
        for i in range(n):
            if i == fail_at:
                raise RuntimeError(f"read failed at {i}")
            yield pa.record_batch({"i": [i]})
    finally:
        seen.append(f"closed on {threading.current_thread().name}")


def test_same_batches_in_order() -> None:
    seen: list[str] = []
    got = [b.column(0)[0].as_py() for b in prefetched(batches(50, seen))]
    assert got == list(range(50))
    assert seen == ["closed on tui-sync-prefetch"]


def test_the_reads_error_arrives_after_the_batches_before_it() -> None:
    seen: list[str] = []
    got: list[int] = []
    with pytest.raises(RuntimeError, match="read failed at 7"):
        for b in prefetched(batches(50, seen, fail_at=7)):
            got.append(b.column(0)[0].as_py())
    assert got == list(range(7))


def test_an_early_stop_closes_the_source_on_its_thread_before_returning() -> None:
    seen: list[str] = []
    stream = prefetched(batches(10_000, seen))
    assert next(stream).column(0)[0].as_py() == 0
    stream.close()  # e.g. DuckDB failed the write, or a cancel
    assert seen == ["closed on tui-sync-prefetch"]  # already closed: the join waited for it


# -- the engine: a cancelled read has stopped before the source is closed ---------------------

class _ThreadsAtClose:
    """A real SQLite source that notes which read-ahead threads still run when it is closed
    (closing the ADBC connection under a running read crashed the process: SIGBUS/SIGSEGV)."""

    alive: list[list[str]] = []

    @staticmethod
    def make(path):  # -> a SqliteSource subclass instance
        from tui_sync.sources.sqlite import SqliteSource

        class Source(SqliteSource):
            def close(self) -> None:
                _ThreadsAtClose.alive.append(sorted(t.name for t in threading.enumerate()
                                                    if t.name == "tui-sync-prefetch" and t.is_alive()))
                super().close()

        return Source(path)


@pytest.mark.parametrize("chunked", [False, True])
def test_a_failed_load_stops_reading_ahead_before_the_source_is_closed(tmp_path, monkeypatch, chunked: bool) -> None:
    import sqlite3

    from tests.conftest import write_config
    from tui_sync.engine import Engine, hooks
    from tui_sync.events import Mode, Status

    path = tmp_path / "big.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE BIG (ID NUMBER(10) PRIMARY KEY, V NUMBER(12,2), S VARCHAR2(20))")
    con.executemany("INSERT INTO BIG VALUES (?, ?, ?)", ((i, f"{i}.25", f"s{i % 97}") for i in range(1, 60_001)))
    con.commit()
    con.close()
    sync = "batch_rows = 1000" + ("\nchunk_rows = 20000" if chunked else "\nchunk_rows = 1000000")
    cfg = write_config(tmp_path, path, "[table BIG]\ntarget = big\n", sync=sync)

    def fail_at_batch_3(point: str) -> None:
        # the engine's consumer fails (not the source): the read-ahead is still running,
        # both queues full, when the error leaves the load
        if point == "batch:3":
            raise RuntimeError("the load failed at batch 3")

    monkeypatch.setattr(hooks, "_fault", fail_at_batch_3)
    _ThreadsAtClose.alive = []
    engine = Engine(cfg, source_factory=lambda: _ThreadsAtClose.make(path))
    # No help from the cycle collector: what kept the read-ahead alive was a reference cycle
    # (the error's traceback holds the frames that hold the stream), freed whenever gc runs.
    gc.disable()
    try:
        result = engine.run(["BIG"], Mode.FULL).results[0]
    finally:
        gc.enable()
    assert result.status == Status.FAILED and "the load failed at batch 3" in (result.error or "")
    assert _ThreadsAtClose.alive and _ThreadsAtClose.alive[-1] == []
