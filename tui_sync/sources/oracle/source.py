"""OracleSource (DESIGN §3): python-oracledb, thin by default, thick for Oracle 11.2.

This class holds the connection: connect (thick-mode init once per process, the session's
NLS settings), cancel, the driver's errors mapped to one line, the small dictionary query
with its stray-break retry. The rest lives beside it and is reached from here: dictionary
lookups in catalog.py, SQL text in sql.py, fetch types in types.py, the Arrow read in
read.py, verify's SQL in verify.py, connect failures and DSNs in connect.py.

Everything goes through `self._driver` (the `oracledb` module unless a test injects its
fake). The password is read at connect time, handed to the driver and dropped: it is never
stored, logged or put into an error message.

This module must never import Textual.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from ...config import SourceConfig
from ...errors import SourceError, SyncCancelled, UnknownTableError, english_line, one_line
from ...i18n import _
from ...typeplan import ColumnPlan
from ..base import CursorIndex, ReadSpec, ServerInfo, Source, TableDescription, TableInfo
from . import catalog, read
from . import query as query_sql
from . import sql as sql_text
from . import verify as verify_sql
from .connect import check_driver_version, joined, map_connect_error, thick_dsn

log = logging.getLogger(__name__)

TCP_CONNECT_TIMEOUT_S = 20.0
MODULE_NAME = "tui-sync"  # shows in V$SESSION.MODULE so a DBA can see who reads
# Binary string order, and the NLS settings every text conversion relies on (verify's
# TO_CHAR sums, TO_TIMESTAMP bounds): '.' decimals whatever the territory, the Gregorian
# calendar, and ISO-like date/timestamp formats.
SESSION_SQL = ("ALTER SESSION SET NLS_SORT = BINARY NLS_COMP = BINARY NLS_NUMERIC_CHARACTERS = '.,'"
               " NLS_CALENDAR = 'GREGORIAN' NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS'"
               " NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF9'"
               " NLS_TIMESTAMP_TZ_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM'")

# Driver errors that mean "the connection is gone or timed out": reconnect and retry.
TRANSIENT_CODES = frozenset({"DPY-4011", "DPY-4024", "DPY-6005"})
STRAY_BREAK = "ORA-01013-STRAY"  # SourceError.code of an ORA-01013 this run did not ask for


def _default_driver() -> Any:
    import oracledb  # local: importing the driver is only needed for Oracle configs

    return oracledb


# Thick mode can be initialised once per process, with one set of arguments.
_thick_lock = threading.Lock()
_thick_args: tuple[str | None, str | None] | None = None


class OracleSource(Source):
    rowid_paging = True
    kind = "oracle"

    def __init__(self, cfg: SourceConfig, *, driver: Any = None):
        if driver is None:
            driver = _default_driver()
        self.cfg = cfg
        self._driver = driver
        self._conn: Any = None
        self._lock = threading.Lock()
        self._cancel_requested = threading.Event()
        self._schema: str | None = None

    def __repr__(self) -> str:  # never shows the password (it is not even stored)
        return f"OracleSource({self.cfg.user}@{self.cfg.dsn}, mode={self.cfg.mode})"

    __str__ = __repr__

    # -- connection ------------------------------------------------------------------
    def connect(self) -> None:
        cfg = self.cfg
        self._cancel_requested.clear()
        check_driver_version(self._driver)
        if cfg.mode == "thick":
            self._init_thick()
        password = cfg.resolve_password()
        if password is None:
            raise SourceError(_("no password for Oracle user {user}: set the environment variable "
                                "{variable} (or type it in the TUI)").format(
                user=cfg.user, variable=cfg.password_env), code="NO-PASSWORD")
        params: dict[str, Any] = {"user": cfg.user, "password": password, "dsn": cfg.dsn,
                                  "tcp_connect_timeout": TCP_CONNECT_TIMEOUT_S}
        if cfg.expire_time:
            params["expire_time"] = cfg.expire_time
        if cfg.config_dir and cfg.mode != "thick":
            params["config_dir"] = cfg.config_dir  # thin mode reads tnsnames.ora from here
        if cfg.mode == "thick":
            # DSN passthrough: the client never sees the keyword arguments (connect.py).
            params["dsn"] = thick_dsn(cfg.dsn, expire_time=cfg.expire_time,
                                      connect_timeout=TCP_CONNECT_TIMEOUT_S)
        log.info("connecting to Oracle %s@%s (%s mode)", cfg.user, cfg.dsn, cfg.mode)
        try:
            conn = self._driver.connect(**params)
        except (self._driver.Error, OSError) as exc:
            # An unknown host escapes thin mode as a bare socket.gaierror (an OSError).
            mapped = map_connect_error(exc, dsn=cfg.dsn, user=cfg.user)
            raise (mapped or self._map_error(exc, secret=password)) from None
        finally:
            del params, password
        try:
            if cfg.call_timeout is not None:
                # Per round trip; a stuck network call fails with DPY-4024 instead of hanging.
                conn.call_timeout = int(cfg.call_timeout.total_seconds() * 1000)
            conn.module = MODULE_NAME
            # Binary string order in this session: keyset paging (ORDER BY + ">") and text
            # cursors (MAX, ">=") then agree with each other and with DuckDB's byte order,
            # whatever linguistic NLS_SORT/NLS_COMP the client or the database defaults to.
            cur = conn.cursor()
            try:
                cur.execute(SESSION_SQL)
            finally:
                cur.close()
        except self._driver.Error as exc:
            try:
                conn.close()
            except self._driver.Error:
                pass
            raise self._map_error(exc) from None
        with self._lock:
            old, self._conn = self._conn, conn
        if old is not None:  # connect() twice: the newer session wins, the older one is closed
            try:
                old.close()
            except self._driver.Error:
                pass
        log.info("connected to Oracle %s (%s mode)", getattr(conn, "version", "?"), self._mode_name())

    def _init_thick(self) -> None:
        global _thick_args
        args = (self.cfg.lib_dir or None, self.cfg.config_dir or None)
        with _thick_lock:
            if _thick_args is not None:
                if _thick_args != args:
                    raise SourceError(_(
                        "thick mode was already initialised in this process with lib_dir="
                        "{lib_dir}, config_dir={config_dir}; restart tui-sync to use other Oracle "
                        "Client libraries").format(lib_dir=_thick_args[0] or "(default)",
                                                   config_dir=_thick_args[1] or "(default)"),
                        code="THICK-INIT")
                return
            log.info("initialising Oracle thick mode (lib_dir=%s, config_dir=%s)", *args)
            try:
                self._driver.init_oracle_client(lib_dir=args[0], config_dir=args[1])
            except self._driver.Error as exc:
                raise self._map_error(exc) from None
            _thick_args = args

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except self._driver.Error as exc:
                log.debug("closing the Oracle connection failed: %s", one_line(exc))

    def cancel(self) -> None:
        """Break a running call from another thread; it raises ORA-01013 (-> SyncCancelled)."""
        self._cancel_requested.set()
        with self._lock:
            conn = self._conn
        if conn is None:
            return
        try:
            conn.cancel()
        except self._driver.Error as exc:
            log.debug("Oracle cancel failed: %s", one_line(exc))

    @property
    def conn(self) -> Any:
        if self._conn is None:
            self.connect()
        return self._conn

    def _mode_name(self) -> str:
        return "thin" if self._driver.is_thin_mode() else "thick"

    def server_info(self) -> ServerInfo:
        conn = self.conn
        return ServerInfo(kind="oracle", version=str(conn.version), mode=self._mode_name(),
                          detail=f"{self.cfg.user}@{self.cfg.dsn}")

    def _server_major(self) -> int:
        m = re.match(r"(\d+)", str(getattr(self.conn, "version", "") or ""))
        return int(m.group(1)) if m else 0

    # -- errors ------------------------------------------------------------------------
    def _map_error(self, exc: BaseException, *, secret: str | None = None) -> Exception:
        """A driver error as one of our errors, with a one-line message."""
        err = exc.args[0] if exc.args else None
        full_code = str(getattr(err, "full_code", "") or "")
        code = int(getattr(err, "code", 0) or 0)
        message = joined(str(getattr(err, "message", None) or exc))
        if secret and len(secret) >= 4:
            message = message.replace(secret, "***")
        if self._cancel_requested.is_set():
            return SyncCancelled("cancelled: the running Oracle call was interrupted (ORA-01013)")
        if code == 1013 or full_code == "ORA-01013":
            # Not ours: a cancel() that landed when no call was running leaves the driver's
            # break flag set and the next call fails with ORA-01013 (thin
            # impl/thin/protocol.pyx ~l.63); that call consumed the flag, so retry it once.
            return SourceError(_("{code}: a call was interrupted although this run asked for no "
                                 "cancel (a stray break); retrying").format(
                code=full_code or "ORA-01013"), transient=True, code=STRAY_BREAK)
        if full_code == "DPY-3010":
            return SourceError("DPY-3010: " + _(
                "thin mode cannot connect to this Oracle server version (Oracle 11.2 or older); "
                "set mode = thick and lib_dir = the folder of Oracle Instant Client 19 in "
                "[source]"), code=full_code)
        if full_code == "DPY-3001":
            # The driver's generic "<feature> is only supported in thick mode": its own text.
            if not message.startswith(full_code):
                message = f"{full_code}: {message}"
            return SourceError(_("{error}; set mode = thick and lib_dir in [source]").format(
                error=message), code=full_code)
        if full_code == "DPI-1047":
            return SourceError("DPI-1047: " + _(
                "Oracle Client libraries not found for thick mode; install Oracle Instant Client "
                "(19 reaches Oracle 11.2) and set lib_dir to its folder, or on Linux put it on "
                "LD_LIBRARY_PATH/ldconfig before starting (DPI_DEBUG_LEVEL=64 traces the search)"),
                code=full_code)
        if code == 942:
            return UnknownTableError(_("table or view not found or no SELECT privilege: {error}")
                                     .format(error=message))
        if code == 1555:
            return SourceError(_("{error} - the read outlived the undo retention; run it at a "
                                 "quieter time, or ask the DBA to raise UNDO_RETENTION").format(
                error=message), code=full_code)
        transient = full_code in TRANSIENT_CODES or bool(getattr(err, "isrecoverable", False))
        if full_code and not message.startswith(full_code):
            message = f"{full_code}: {message}"
        return SourceError(message, transient=transient, code=full_code or None)

    def _query(self, sql: str, binds: dict[str, Any], *, arraysize: int = 100) -> list[tuple]:
        """A small dictionary/aggregate query through a classic cursor."""
        log.debug("oracle query: %s binds=%r", sql_text.squash(sql), binds)
        self._cancel_requested.clear()
        for attempt in (1, 2):
            try:
                cur = self.conn.cursor()
                try:
                    cur.arraysize = arraysize
                    cur.execute(sql, binds)
                    return list(cur.fetchall())
                finally:
                    cur.close()
            except self._driver.Error as exc:
                mapped = self._map_error(exc)
                if attempt == 1 and getattr(mapped, "code", None) == STRAY_BREAK:
                    log.info("stray ORA-01013 (a cancel landed between calls); retrying once")
                    continue
                raise mapped from None
        raise AssertionError("unreachable")

    @property
    def driver(self) -> Any:
        """The driver module in use (`oracledb`, or a test's fake)."""
        return self._driver

    def run_query(self, sql: str, binds: dict[str, Any] | None = None) -> list[tuple]:
        """A small read-only query with binds (the doctor's dictionary and rights checks)."""
        return self._query(sql, dict(binds or {}))

    # -- `tui-sync verify` (the SQL lives in verify.py) --------------------------------------
    implements_verify = True
    verify_hashing = "cells"
    verify_scn: int | None = None  # `verify --at RUN`: the SCN the run's reads were pinned to

    def verify_as_of(self, point: Any) -> str | None:
        self.verify_scn = int(point)  # flashback: needs the FLASHBACK privilege and undo
        return None

    def verify_unsupported(self, content: bool) -> str | None:
        if content and self._server_major() < 12:
            return _("the content check needs Oracle 12c or later (STANDARD_HASH); "
                     "`tui-sync verify --quick` compares counts and sums")
        return None

    @classmethod
    def verify_unhashed(cls, column: ColumnPlan) -> str | None:
        if verify_sql.unhashed(column):
            return f"Oracle {column.source.data_type} is not hashed in SQL"
        return None

    def verify_key_bounds(self, table: TableDescription, column: ColumnPlan, where: str,
                          buckets: int) -> tuple[Any, ...]:
        return verify_sql.key_bounds(self, table, column, where, buckets)

    def verify_aggregates(self, table: TableDescription, where: str, part: Any,
                          sums: list[Any]) -> tuple[int, Any]:
        return verify_sql.aggregates(self, table, where, part, sums)

    def verify_content(self, table: TableDescription, where: str, part: Any, cols: list[Any],
                       columns_of: set[Any] | None = None) -> Any:
        # "cells": the column sums come in the one pass
        return verify_sql.content(self, table, where, part, cols)

    def _current_schema(self) -> str:
        if self._schema is None:
            rows = self._query("SELECT SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') FROM DUAL", {})
            self._schema = str(rows[0][0])
        return self._schema

    # -- catalog (catalog.py) ----------------------------------------------------------------
    def list_tables(self) -> list[TableInfo]:
        return catalog.list_tables(self)

    def describe(self, name: str) -> TableDescription:
        return catalog.describe(self, name)

    def describe_query(self, name: str, sql: str) -> TableDescription:
        return query_sql.describe_query(self, name, sql)

    def cursor_index(self, table: TableDescription, column: str) -> CursorIndex | None:
        return catalog.cursor_index(self, table, column)

    # -- SQL (sql.py) -----------------------------------------------------------------------
    def from_sql(self, table: TableDescription, snapshot: bool = False) -> str:
        """The FROM item every statement of a read names: "OWNER"."TABLE", AS OF SCN :scn when
        pinned. The doctor's type probe overrides it with an inline view (doctor_probe)."""
        return sql_text.from_ref(table, snapshot)

    def build_select(self, spec: ReadSpec) -> tuple[str, dict[str, Any]]:
        return sql_text.build_select(spec, self.from_sql(spec.table, spec.snapshot is not None))

    def fetch_schema(self, spec: ReadSpec) -> pa.Schema:
        return sql_text.fetch_schema(spec)

    def count_rows(self, spec: ReadSpec) -> int:
        sql, binds = sql_text.count_sql(spec, self.from_sql(spec.table))
        return int(self._query(sql, binds)[0][0])

    def key_bounds(self, table: TableDescription, column: str, where: str = "") -> tuple[Any, Any]:
        """MIN and MAX of a numeric key under the filter (the ranges of a parallel read)."""
        lo, hi = self._query(sql_text.key_bounds_sql(table, column, where, self.from_sql(table)), {})[0]
        return lo, hi

    def build_max_cursor(self, table: TableDescription, cursor: str,
                         where: str = "") -> tuple[str, dict[str, Any], pa.DataType]:
        """The exact SQL of `max_cursor` (for `tui-sync plan`), its binds and fetch type."""
        return sql_text.build_max_cursor(table, cursor, where, self.from_sql(table))

    # -- one committed state for every chunk (AS OF SCN) -------------------------------------
    def snapshot(self) -> Any:
        """The current SCN: V$DATABASE needs a grant many readers lack, so fall back to
        DBMS_FLASHBACK, then to TIMESTAMP_TO_SCN (coarser, but open to every user)."""
        for sql in ("SELECT CURRENT_SCN FROM V$DATABASE",
                    "SELECT DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER FROM DUAL",
                    "SELECT TIMESTAMP_TO_SCN(SYSTIMESTAMP) FROM DUAL"):
            try:
                return int(self._query(sql, {})[0][0])
            except (SourceError, UnknownTableError) as exc:  # ORA-00942 maps to the latter
                if getattr(exc, "transient", False):
                    raise
                log.debug("snapshot query failed: %s", exc)
        raise SourceError(_("cannot read the current SCN for a consistent parallel read "
                            "(set consistent = false on the table)"))

    def pin_reads(self, snapshot: Any = None) -> tuple[Any, str]:
        """One SCN for every chunk of a full sync (`AS OF SCN :scn`): the current one, or
        the interrupted run's on resume. If the SCN cannot be read the chunks go unpinned
        (said in the log and the run); a refused flashback read is handled by the engine."""
        if snapshot is not None:
            return int(snapshot), f"scn {int(snapshot)}"
        try:
            scn = self.snapshot()
        except SourceError as exc:
            if exc.transient:
                raise
            return None, f"not pinned: {english_line(exc)}"  # runs.consistency: English
        return scn, f"scn {scn}"

    # -- data (read.py) -----------------------------------------------------------------------
    def max_cursor(self, table: TableDescription, cursor: str, where: str = "") -> Any:
        return read.max_cursor(self, table, cursor, where)

    def read_batches(self, spec: ReadSpec) -> Iterator[pa.RecordBatch]:
        return read.read_batches(self, spec)


__all__ = ["OracleSource"]
