"""One idle connection of each SQLite library per source file, held while any source of this
process has the file open: no library ever opens a WAL file's shared memory for the first time
while the other library reads it.

Why: the stdlib's SQLite and the copy inside the ADBC driver each decide on their own whether
they are the first to use a WAL file's `-shm`, with F_GETLK on its DMS byte. F_GETLK does not
see locks of the same process, so a library opening the file while only the other library (in
this process) has it open believes it is first and truncates the `-shm` file to 3 bytes
(os_unix.c unixLockSharedMemory), under the other library's live mapping of it: a read there
dies of SIGBUS (a CI run did, in a parallel full sync: one partition's sqlite3 connect while
another read through ADBC). A library that already has the file open reuses its own
shared-memory node and never truncates. So the first source of a file opens both libraries
one after the other, each with a read, before anything else reads, and keeps them until the
last source closes. Best effort: if an anchor cannot open, the source's own open reports why.
"""

from __future__ import annotations

import atexit
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from . import handles
from .arrow import available as arrow_available
from .arrow import file_uri

_lock = threading.Lock()
_users: dict[str, int] = {}
_held: dict[str, list[tuple[str, Callable[[], None]]]] = {}


def _open_both(path: Path) -> list[tuple[str, Callable[[], None]]]:
    held: list[tuple[str, Callable[[], None]]] = []
    try:
        con = sqlite3.connect(file_uri(path), uri=True, check_same_thread=False)
        held.append((handles.STDLIB, con.close))
        con.execute("SELECT COUNT(*) FROM sqlite_master").fetchall()  # maps the -shm (WAL)
        if arrow_available():
            import adbc_driver_sqlite.dbapi as adbc_sqlite

            adbc = adbc_sqlite.connect(file_uri(path), autocommit=True)
            held.append((handles.ADBC, adbc.close))
            with adbc.cursor() as cur:
                cur.execute("SELECT COUNT(*) FROM sqlite_master")
                cur.fetchall()
    except Exception:  # noqa: BLE001 - best effort; the source's own open says what is wrong
        for _library, close in reversed(held):
            try:
                close()
            except Exception:  # noqa: BLE001, S110
                pass
        return []
    return held


def hold(path: Path) -> None:
    """A source of `path` opens: the first one opens the anchors (serially, before any read)."""
    name = os.path.realpath(path)
    with _lock:
        _users[name] = _users.get(name, 0) + 1
        if _users[name] > 1:
            return
        held = _open_both(Path(path))
        for library, _close in held:
            handles.opened(path, library)
        _held[name] = held


def release(path: Path) -> None:
    """A source of `path` closed: the last one closes the anchors (after handles.py's rules)."""
    name = os.path.realpath(path)
    with _lock:
        if _users.get(name, 0) == 0:
            return
        _users[name] -= 1
        if _users[name] > 0:
            return
        del _users[name]
        held = _held.pop(name, [])
    for library, close in held:
        handles.close(path, library, close)


@atexit.register
def _close_all() -> None:
    """At exit: close anchors a source never released (the drivers' finalisers would
    complain on stderr while the interpreter shuts down)."""
    with _lock:
        everything = [close for held in _held.values() for _library, close in held]
        _held.clear()
        _users.clear()
    for close in everything:
        try:
            close()
        except Exception:  # noqa: BLE001, S110
            pass


def held(path: Path) -> list[str]:
    """The libraries holding an anchor on `path` (for tests)."""
    with _lock:
        return [library for library, _close in _held.get(os.path.realpath(path), [])]
