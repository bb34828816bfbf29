"""Read ahead: the next batches of a stream are made on a thread of their own while the
consumer works on the current one. The engine reads the source ahead of DuckDB's write;
the SQLite source fetches ahead of its own conversion. Fetches (ADBC, python-oracledb),
Arrow kernels and DuckDB release the GIL, so the stages overlap instead of taking turns."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

import pyarrow as pa

_DONE = object()


def prefetched(batches: Iterator[pa.RecordBatch], depth: int = 2) -> Iterator[pa.RecordBatch]:
    """`batches`, in order, read up to `depth` batches ahead. An error of the read is raised
    here, where the batch would have been; when the consumer stops early the read stops at
    its next batch and the source's iterator is closed on its own thread (a generator
    cannot be closed from another thread while it runs)."""
    q: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        item: object = _DONE
        try:
            for batch in batches:
                if not put(batch):
                    break
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            item = exc
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:  # noqa: BLE001 - closing after a failure: keep the first error
                    pass
        put(item)

    thread = threading.Thread(target=produce, daemon=True, name="tui-sync-prefetch")
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        # The source must be idle before the engine rolls back or closes it: wait for the
        # read to reach its next batch (a cancel breaks a long one).
        thread.join()
