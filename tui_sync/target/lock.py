"""One sync at a time per DuckDB file, across processes (DESIGN §6).

An OS-level lock (filelock) on `<db>.lock`, plus a small JSON file naming the
holder (pid, host, holder kind, tables, start) so a refusal can say who it is.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import LockHeldError
from ..i18n import _
from .spec import Target, as_spec


def lock_path(db_path: Target) -> Path:
    return Path(str(as_spec(db_path).anchor) + ".lock")


def holder_path(db_path: Target) -> Path:
    return Path(str(as_spec(db_path).anchor) + ".lock.json")


def read_holder(db_path: Target) -> dict | None:
    try:
        return json.loads(holder_path(db_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def describe_holder(info: dict | None) -> str:
    if not info:
        return _("another process")
    tables = ", ".join(info.get("tables") or []) or "?"
    return _("{holder} pid {pid} on {host} (tables {tables}, since {started})").format(
        holder=info.get("holder", "sync"), pid=info.get("pid"), host=info.get("host"),
        tables=tables, started=info.get("started_at"))


def is_held(db_path: Target) -> bool:
    """Whether a live process holds the sync lock (the OS frees it when a holder dies,
    even by SIGKILL, while its holder note may stay behind)."""
    probe = FileLock(str(lock_path(db_path)), timeout=0)
    try:
        probe.acquire(timeout=0)
    except Timeout:
        return True
    except OSError:
        return False
    probe.release()
    return False


def held_by_another(db_path: Target) -> bool:
    """Whether a live process other than this one holds the sync lock."""
    return is_held(db_path) and (read_holder(db_path) or {}).get("pid") != os.getpid()


class SyncLock:
    """Context manager: hold the sync lock of a target or raise LockHeldError.

    A lake's lock sits beside its SQLite catalog; a PostgreSQL catalog has no local file, so
    its lock is per machine (user data dir): two machines syncing one shared lake are not
    refused by it, and DuckLake's own commit conflicts are what stop the second writer there.
    """

    def __init__(self, db_path: Target, holder: str = "cli", tables: list[str] | None = None,
                 timeout: float = 0):
        self.spec = as_spec(db_path)
        self.db_path = self.spec.anchor
        self.holder = holder
        self.tables = tables or []
        self.timeout = timeout
        self._lock = FileLock(str(lock_path(self.db_path)), timeout=timeout)

    def acquire(self) -> None:
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=self.timeout)
        except Timeout:
            raise LockHeldError(_("another sync holds {target}: {holder}").format(
                target=self.spec.display, holder=describe_holder(read_holder(self.db_path)))
            ) from None
        info = {"pid": os.getpid(), "host": socket.gethostname(), "holder": self.holder,
                "tables": self.tables,
                "started_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")}
        tmp = holder_path(self.db_path).with_suffix(".tmp")
        tmp.write_text(json.dumps(info), encoding="utf-8")
        tmp.replace(holder_path(self.db_path))

    def release(self) -> None:
        try:
            holder_path(self.db_path).unlink(missing_ok=True)
        finally:
            self._lock.release()

    def __enter__(self) -> SyncLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
