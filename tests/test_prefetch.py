"""The engine reads ahead on a thread of its own (issue 11): same batches in the same order,
the read's error where the batch would have been, and an early stop closes the source's
iterator on the reading thread and waits for it."""

from __future__ import annotations

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
