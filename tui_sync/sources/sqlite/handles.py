"""Two SQLite libraries share this process: Python's sqlite3 and the copy linked into the
ADBC driver. POSIX advisory locks belong to the process, and closing any descriptor of a
file drops all of them (sqlite.org/howtocorrupt.html, "multiple copies of SQLite linked
into the same application"); each library guards this only for its own descriptors. A
close by one library could drop the other's locks while it reads, and a writer in another
process would then believe nobody reads: it may change pages under the read or truncate
the WAL index both have mapped (a CI run died of SIGBUS that way, in a parallel read).

So a connection of one library is not closed while the other library has a connection
open on the same file: its close waits until the other side's last connection closes.
A waiting connection is idle (no statement, no transaction), so nothing reads through it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

STDLIB, ADBC = "stdlib", "adbc"
_OTHER = {STDLIB: ADBC, ADBC: STDLIB}
_lock = threading.Lock()
_open: dict[tuple[str, str], int] = {}
_waiting: dict[tuple[str, str], list[Callable[[], None]]] = {}


def _file(path: Path | str) -> str:
    return os.path.realpath(path)


def opened(path: Path | str, library: str) -> None:
    key = (_file(path), library)
    with _lock:
        _open[key] = _open.get(key, 0) + 1


def close(path: Path | str, library: str, closer: Callable[[], None]) -> None:
    """Close one connection of `library` now, or once the other library has none open."""
    name = _file(path)
    mine, other = (name, library), (name, _OTHER[library])
    with _lock:
        _open[mine] = max(0, _open.get(mine, 0) - 1)
        now: list[Callable[[], None]] = []
        if _open.get(other, 0) > 0:
            _waiting.setdefault(mine, []).append(closer)
        else:
            now.append(closer)
        if _open[mine] == 0:  # nothing of ours reads any more: the other side may close
            now += _waiting.pop(other, [])
    for close_one in now:
        try:
            close_one()
        except Exception:  # noqa: BLE001, S110 - closing: nothing is left to protect
            pass


def waiting(path: Path | str) -> int:
    """Connections whose close waits (for tests)."""
    name = _file(path)
    with _lock:
        return sum(len(v) for (f, _lib), v in _waiting.items() if f == name)
