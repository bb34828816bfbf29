"""Oracle source (DESIGN §3): python-oracledb, thin by default, thick for Oracle 11.2.

Everything goes through `self._driver` (the `oracledb` module unless a test
injects its fake). Rules this module keeps:

- Identifiers in SQL always come from the dictionary and are quoted; a table
  name the user typed is only ever a bind value against ALL_TABLES/ALL_VIEWS.
- Every value is a bind (:lo, :hi, :max_rows, :owner, ...).
- Rows arrive as Arrow through `Connection.fetch_df_batches(requested_schema=...)`,
  one requested field per select item; types the Arrow fetch cannot carry are
  converted in SQL (SYS_EXTRACT_UTC, ROWIDTOCHAR, JSON_SERIALIZE, XMLSERIALIZE,
  FROM_VECTOR) and intervals travel as numbers and are rebuilt in Arrow.
- The password is read at connect time, handed to the driver and dropped: it
  is never stored, logged or put into an error message.

This module must never import Textual.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Context, Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..config import SourceConfig
from ..errors import SourceError, SyncCancelled, UnknownTableError, one_line
from ..timens import parse_timestamp, ts_text
from ..typeplan import ColumnPlan, Conversion, PlanOptions, SourceColumn, parse_declared_type, plan_column
from .base import (
    ROWID_FIELD,
    ROWID_KEY,
    CursorIndex,
    ReadSpec,
    ServerInfo,
    Source,
    TableDescription,
    TableInfo,
    Window,
    conform_batch,
    key_fields,
    keyset_predicate,
)
from .oracle_connect import check_driver_version, map_connect_error, thick_dsn

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

# Oracle-maintained schemas of 11g (ALL_USERS.ORACLE_MAINTAINED only exists from 12.1).
ORACLE_SCHEMAS = (
    "ANONYMOUS", "APPQOSSYS", "AUDSYS", "CTXSYS", "DBSFWUSER", "DBSNMP", "DIP", "DVF", "DVSYS",
    "EXFSYS", "FLOWS_FILES", "GGSYS", "GSMADMIN_INTERNAL", "GSMCATUSER", "GSMUSER", "LBACSYS",
    "MDDATA", "MDSYS", "MGMT_VIEW", "OJVMSYS", "OLAPSYS", "ORACLE_OCM", "ORDDATA", "ORDPLUGINS",
    "ORDSYS", "ORDS_METADATA", "ORDS_PUBLIC_USER", "OUTLN", "OWBSYS", "OWBSYS_AUDIT",
    "REMOTE_SCHEDULER_AGENT", "SI_INFORMTN_SCHEMA", "SPATIAL_CSW_ADMIN_USR",
    "SPATIAL_WFS_ADMIN_USR", "SYS", "SYS$UMF", "SYSBACKUP", "SYSDG", "SYSKM", "SYSMAN", "SYSRAC",
    "SYSTEM", "TSMSYS", "WMSYS", "XDB", "XS$NULL",
)

# Thick mode can be initialised once per process, with one set of arguments.
_thick_lock = threading.Lock()
_thick_args: tuple[str | None, str | None] | None = None

_TZ_TYPES = frozenset({"TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH LOCAL TIME ZONE"})
_DATETIME_TYPES = frozenset({"DATE", "TIMESTAMP"}) | _TZ_TYPES
_NUMBER_TYPES = frozenset({"NUMBER", "FLOAT"})
_TEXT_TYPES = frozenset({"CHAR", "NCHAR", "VARCHAR2", "NVARCHAR2", "VARCHAR", "LONG", "CLOB", "NCLOB"})
_BINARY_TYPES = frozenset({"RAW", "LONG RAW", "BLOB"})
_BOUNDED_TYPES = frozenset({"CHAR", "NCHAR", "VARCHAR2", "NVARCHAR2", "VARCHAR", "RAW"})
_TS_FORMAT = "YYYY-MM-DD HH24:MI:SS.FF6"
_TS_FORMAT9 = "YYYY-MM-DD HH24:MI:SS.FF9"
# TIMESTAMP(7-9) travel as text: every driver fetch path keeps microseconds only
# (impl/base/decoders.pyx ~l.102, impl/thick/var.pyx ~l.473) and its 'ns' unit is an
# unchecked int64 multiply (impl/base/converters.pyx ~l.215). 'S': BC years get a '-'
# (plain YYYY would print 44 BC as 0044, a wrong AD value); AD years a blank.
_TS_TEXT_FORMAT = 'SYYYY-MM-DD"T"HH24:MI:SS.FF9'
_INT64_MAX = (1 << 63) - 1
_WIDE = Context(prec=100)  # for rendering 38+ digit values in messages
_ROUNDED_TYPES = frozenset({"NUMBER", "FLOAT", "BINARY_FLOAT", "BINARY_DOUBLE"})
# Python's datetime refusing a year, raised by the driver in the middle of a fetch
_DRIVER_RANGE_RE = re.compile(r"year -?\d+ is out of range")
_US_PER_DAY = 86_400_000_000


def quote_ident(name: str) -> str:
    """Quote a dictionary name for Oracle SQL (Oracle names cannot hold a double quote)."""
    if not name or '"' in name or "\x00" in name:
        raise SourceError(f"invalid Oracle identifier {name!r}")
    return f'"{name}"'


def display_name(owner: str, table: str) -> str:
    """OWNER.TABLE as the user types it: a part is quoted only when it must be
    (case-sensitive, or holding blanks or dots)."""
    def part(p: str) -> str:
        return f'"{p}"' if p != p.upper() or re.search(r'[\s."]', p) else p
    return f"{part(owner)}.{part(table)}"


_NAME_PART = r'\s*(?:"([^"]+)"|([^".]+?))\s*'
_NAME_RE = re.compile(rf"^{_NAME_PART}(?:\.{_NAME_PART})?$")


def parse_table_name(name: str) -> tuple[tuple[str, bool] | None, tuple[str, bool]]:
    """Split OWNER.TABLE / TABLE (parts optionally quoted) into (text, quoted) parts."""
    m = _NAME_RE.match(name or "")
    if not m:
        raise UnknownTableError(f"{name!r} is not a table name (OWNER.TABLE or TABLE)")
    first = (m.group(1), True) if m.group(1) is not None else (m.group(2), False)
    if m.group(3) is None and m.group(4) is None:
        return None, first
    second = (m.group(3), True) if m.group(3) is not None else (m.group(4), False)
    return first, second


def _variants(part: tuple[str, bool]) -> list[str]:
    """Exact text first, then upper case (how Oracle folds unquoted names)."""
    text, quoted = part
    if quoted or text.upper() == text:
        return [text]
    return [text, text.upper()]


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
            raise SourceError(f"no password for Oracle user {cfg.user}: set the environment variable "
                              f"{cfg.password_env} (or type it in the TUI)", code="NO-PASSWORD")
        params: dict[str, Any] = {"user": cfg.user, "password": password, "dsn": cfg.dsn,
                                  "tcp_connect_timeout": TCP_CONNECT_TIMEOUT_S}
        if cfg.expire_time:
            params["expire_time"] = cfg.expire_time
        if cfg.config_dir and cfg.mode != "thick":
            params["config_dir"] = cfg.config_dir  # thin mode reads tnsnames.ora from here
        if cfg.mode == "thick":
            # DSN passthrough: the client never sees the keyword arguments (oracle_connect).
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
                    raise SourceError(
                        "thick mode was already initialised in this process with lib_dir="
                        f"{_thick_args[0] or '(default)'}, config_dir={_thick_args[1] or '(default)'}; "
                        "restart tui-sync to use other Oracle Client libraries", code="THICK-INIT")
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
        message = _joined(str(getattr(err, "message", None) or exc))
        if secret and len(secret) >= 4:
            message = message.replace(secret, "***")
        if self._cancel_requested.is_set():
            return SyncCancelled("cancelled: the running Oracle call was interrupted (ORA-01013)")
        if code == 1013 or full_code == "ORA-01013":
            # Not ours: a cancel() that landed when no call was running leaves the driver's
            # break flag set and the next call fails with ORA-01013 (thin
            # impl/thin/protocol.pyx ~l.63); that call consumed the flag, so retry it once.
            return SourceError(f"{full_code or 'ORA-01013'}: a call was interrupted although this run "
                               "asked for no cancel (a stray break); retrying", transient=True,
                               code=STRAY_BREAK)
        if full_code == "DPY-3010":
            return SourceError(
                "DPY-3010: thin mode cannot connect to this Oracle server version (Oracle 11.2 or "
                "older); set mode = thick and lib_dir = the folder of Oracle Instant Client 19 in "
                "[source]", code=full_code)
        if full_code == "DPY-3001":
            # The driver's generic "<feature> is only supported in thick mode": its own text.
            if not message.startswith(full_code):
                message = f"{full_code}: {message}"
            return SourceError(f"{message}; set mode = thick and lib_dir in [source]", code=full_code)
        if full_code == "DPI-1047":
            return SourceError(
                "DPI-1047: Oracle Client libraries not found for thick mode; install Oracle Instant "
                "Client (19 reaches Oracle 11.2) and set lib_dir to its folder, or on Linux put it "
                "on LD_LIBRARY_PATH/ldconfig before starting (DPI_DEBUG_LEVEL=64 traces the search)",
                code=full_code)
        if code == 942:
            return UnknownTableError(f"table or view not found or no SELECT privilege: {message}")
        if code == 1555:
            return SourceError(f"{message} - the read outlived the undo retention; run it at a "
                               "quieter time, or ask the DBA to raise UNDO_RETENTION", code=full_code)
        transient = full_code in TRANSIENT_CODES or bool(getattr(err, "isrecoverable", False))
        if full_code and not message.startswith(full_code):
            message = f"{full_code}: {message}"
        return SourceError(message, transient=transient, code=full_code or None)

    def _query(self, sql: str, binds: dict[str, Any], *, arraysize: int = 100) -> list[tuple]:
        """A small dictionary/aggregate query through a classic cursor."""
        log.debug("oracle query: %s binds=%r", _squash(sql), binds)
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

    # -- `tui-sync verify` (the SQL lives in oracle_verify) ----------------------------------
    implements_verify = True
    verify_hashing = "cells"

    def verify_unsupported(self, content: bool) -> str | None:
        if content and self._server_major() < 12:
            return ("the content check needs Oracle 12c or later (STANDARD_HASH); "
                    "`tui-sync verify --quick` compares counts and sums")
        return None

    @classmethod
    def verify_unhashed(cls, column: ColumnPlan) -> str | None:
        from . import oracle_verify

        if oracle_verify.unhashed(column):
            return f"Oracle {column.source.data_type} is not hashed in SQL"
        return None

    def verify_key_bounds(self, table: TableDescription, column: ColumnPlan, where: str,
                          buckets: int) -> tuple[Any, ...]:
        from . import oracle_verify

        return oracle_verify.key_bounds(self, table, column, where, buckets)

    def verify_aggregates(self, table: TableDescription, where: str, part: Any,
                          sums: list[Any]) -> tuple[int, Any]:
        from . import oracle_verify

        return oracle_verify.aggregates(self, table, where, part, sums)

    def verify_content(self, table: TableDescription, where: str, part: Any, cols: list[Any],
                       columns_of: set[Any] | None = None) -> Any:
        from . import oracle_verify  # "cells": the column sums come in the one pass

        return oracle_verify.content(self, table, where, part, cols)

    def _current_schema(self) -> str:
        if self._schema is None:
            rows = self._query("SELECT SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') FROM DUAL", {})
            self._schema = str(rows[0][0])
        return self._schema

    # -- catalog -----------------------------------------------------------------------
    def list_tables(self) -> list[TableInfo]:
        binds: dict[str, Any] = {f"x{i}": name for i, name in enumerate(ORACLE_SCHEMAS)}
        excluded = ", ".join(f":{k}" for k in binds)
        maintained = ""
        if self._server_major() >= 12:
            maintained = ("\n       AND t.OWNER NOT IN (SELECT u.USERNAME FROM ALL_USERS u "
                          "WHERE u.ORACLE_MAINTAINED = 'Y')")
        # Scope: the user's own schema, plus every other readable schema that Oracle
        # does not maintain; nested, secondary (Oracle Text), overflow, temporary and
        # recycle-bin tables are never sync material.
        sql = (
            "SELECT t.OWNER, t.TABLE_NAME, t.NUM_ROWS\n"
            "FROM ALL_TABLES t\n"
            "WHERE t.NESTED = 'NO' AND t.SECONDARY = 'N' AND t.DROPPED = 'NO' AND t.TEMPORARY = 'N'\n"
            "  AND (t.IOT_TYPE IS NULL OR t.IOT_TYPE = 'IOT')\n"
            "  AND (t.OWNER = SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA')\n"
            f"    OR (t.OWNER NOT IN ({excluded})\n"
            "       AND t.OWNER NOT LIKE 'APEX\\_%' ESCAPE '\\' "
            f"AND t.OWNER NOT LIKE 'FLOWS\\_%' ESCAPE '\\'{maintained}))\n"
            "ORDER BY CASE WHEN t.OWNER = SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') THEN 0 ELSE 1 END, "
            "t.OWNER, t.TABLE_NAME"
        )
        rows = self._query(sql, binds, arraysize=1000)
        return [TableInfo(display_name(owner, table), owner, table,
                          int(num) if num is not None else None) for owner, table, num in rows]

    _LOOKUP_SQL = (
        "SELECT OWNER, TABLE_NAME, NUM_ROWS, 'N' AS IS_VIEW FROM ALL_TABLES "
        "WHERE OWNER = :owner AND TABLE_NAME = :table_name\n"
        "UNION ALL\n"
        "SELECT OWNER, VIEW_NAME, NULL, 'Y' FROM ALL_VIEWS WHERE OWNER = :owner AND VIEW_NAME = :table_name"
    )
    # Synonyms as SQL*Plus resolves them: the schema's private synonym, then PUBLIC;
    # synonyms over database links are not followed (reads never leave this database).
    _SYNONYM_SQL = (
        "SELECT TABLE_OWNER, TABLE_NAME FROM ALL_SYNONYMS\n"
        "WHERE OWNER = :owner AND SYNONYM_NAME = :synonym_name AND DB_LINK IS NULL"
    )
    _COLUMNS_SQL = (
        "SELECT COLUMN_NAME, DATA_TYPE, DATA_TYPE_MOD, DATA_TYPE_OWNER, DATA_PRECISION, DATA_SCALE,\n"
        "       CHAR_LENGTH, DATA_LENGTH, NULLABLE, COLUMN_ID\n"
        "FROM ALL_TAB_COLUMNS\n"
        "WHERE OWNER = :owner AND TABLE_NAME = :table_name\n"
        "ORDER BY COLUMN_ID"
    )
    _PK_SQL = (
        "SELECT cc.COLUMN_NAME\n"
        "FROM ALL_CONSTRAINTS c\n"
        "JOIN ALL_CONS_COLUMNS cc ON cc.OWNER = c.OWNER AND cc.CONSTRAINT_NAME = c.CONSTRAINT_NAME\n"
        "     AND cc.TABLE_NAME = c.TABLE_NAME\n"
        "WHERE c.OWNER = :owner AND c.TABLE_NAME = :table_name AND c.CONSTRAINT_TYPE = 'P'\n"
        "  AND c.STATUS = 'ENABLED'\n"
        "ORDER BY cc.POSITION"
    )

    def describe(self, name: str) -> TableDescription:
        owner_part, table_part = parse_table_name(name)
        owners = _variants(owner_part) if owner_part else [self._current_schema()]
        found = self._lookup(owners, _variants(table_part))
        if found is None:
            # A synonym: private in the named (or current) schema first, then PUBLIC when
            # no owner was typed; a synonym may point at another synonym.
            syn_owners = owners if owner_part else [*owners, "PUBLIC"]
            found = self._lookup_synonym(syn_owners, _variants(table_part))
        if found is None:
            raise UnknownTableError(
                f"table {name} not found in the source dictionary (or no SELECT privilege)")
        owner, table, num_rows, is_view = found
        binds = {"owner": owner, "table_name": table}
        columns = tuple(_source_column(row) for row in self._query(self._COLUMNS_SQL, binds))
        if not columns:
            raise UnknownTableError(
                f"table {name} not found in the source dictionary (or no SELECT privilege)")
        pk = tuple(str(r[0]) for r in self._query(self._PK_SQL, binds))
        info = TableInfo(display_name(owner, table), owner, table,
                         int(num_rows) if num_rows is not None else None)
        return TableDescription(info, columns, pk, is_view=is_view == "Y")

    _IND_SQL = ("SELECT INDEX_NAME, COLUMN_POSITION FROM ALL_IND_COLUMNS\n"
                "WHERE TABLE_OWNER = :owner AND TABLE_NAME = :table_name AND COLUMN_NAME = :column_name\n"
                "ORDER BY COLUMN_POSITION")

    def cursor_index(self, table: TableDescription, column: str) -> CursorIndex | None:
        if table.is_view:
            return None
        col = table.column(column).name
        rows = self._query(self._IND_SQL, {"owner": table.info.owner, "table_name": table.info.table,
                                           "column_name": col})
        leading = [r[0] for r in rows if int(r[1]) == 1]
        if leading:
            return CursorIndex(col, f"index {leading[0]}")
        ref = f'"{table.info.owner}"."{_index_name(table.info.table, col)}"'
        return CursorIndex(col, None, f"it is column {rows[0][1]} of {rows[0][0]}" if rows else "",
                           f'CREATE INDEX {ref} ON "{table.info.owner}"."{table.info.table}" ("{col}")')

    def _lookup(self, owners: list[str], tables: list[str]) -> tuple | None:
        # The typed name is only a bind value: exact spelling first, then Oracle's upper case.
        for owner in owners:
            for table in tables:
                rows = self._query(self._LOOKUP_SQL, {"owner": owner, "table_name": table})
                if rows:
                    return rows[0]
        return None

    def _lookup_synonym(self, owners: list[str], names: list[str], depth: int = 0) -> tuple | None:
        for owner in owners:
            for name in names:
                rows = self._query(self._SYNONYM_SQL, {"owner": owner, "synonym_name": name})
                if not rows:
                    continue
                target_owner, target = str(rows[0][0]), str(rows[0][1])
                found = self._lookup([target_owner], [target])
                if found is None and depth < 5:
                    found = self._lookup_synonym([target_owner], [target], depth + 1)
                if found is not None:
                    log.info("%s.%s is a synonym of %s.%s", owner, name, found[0], found[1])
                    return found
        return None

    # -- SQL -------------------------------------------------------------------------
    def _from(self, table: TableDescription, snapshot: bool = False) -> str:
        info = table.info
        if not info.owner:
            raise SourceError(f"table {info.name} has no owner in its description")
        ref = f"{quote_ident(info.owner)}.{quote_ident(info.table)}"
        if snapshot:
            # Every partition of a parallel read sees the same committed state (bind :scn).
            ref += " AS OF SCN :scn"
        return ref

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
        raise SourceError("cannot read the current SCN for a consistent parallel read "
                          "(set consistent = false on the table)")

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
            return None, f"not pinned: {exc}"
        return scn, f"scn {scn}"

    def _conditions(self, spec: ReadSpec) -> tuple[list[str], dict[str, Any]]:
        conds: list[str] = []
        binds: dict[str, Any] = {}
        if spec.where.strip():
            conds.append(f"({spec.where.strip()})")  # trusted SQL from the config file
        if spec.window is not None:
            conds_w, binds_w = self._window(spec.table, spec.window)
            conds += conds_w
            binds.update(binds_w)
        if spec.key_range is not None:
            # One partition of a parallel read: lo <= key < hi, open ends allowed.
            col = self._column(spec.table, spec.key_range.column)
            q = quote_ident(col.name)
            terms = []
            for op, key, value in ((">=", "range_lo", spec.key_range.lo),
                                   ("<", "range_hi", spec.key_range.hi)):
                if value is not None:
                    expr, binds[key] = _cursor_bind(col, key, value)
                    terms.append(f"{q} {op} {expr}")
            if spec.key_range.nulls:  # NULL keys fall in no range: this partition takes them
                conds.append(f"(({' AND '.join(terms) or '1 = 1'}) OR {q} IS NULL)")
            else:
                conds += terms
        if spec.bucket is not None:
            # One hash partition of a parallel read of a table without a numeric key.
            conds.append("ORA_HASH(ROWID, :bucket_max) = :bucket")
            binds["bucket"], binds["bucket_max"] = spec.bucket[0], spec.bucket[1] - 1
        if spec.after and spec.after[0][0] == ROWID_KEY:
            # Row-address paging of a keyless table (resumable chunks): ROWIDs compare
            # and sort by address; the last one read comes back as text.
            conds.append("ROWID > CHARTOROWID(:k0)")
            binds["k0"] = str(spec.after[0][1])
        elif spec.after:
            # Keyset paging (resumable chunks): rows after the last key read, in ORDER BY
            # order, as nested OR/AND terms because 11g has no row-value comparison.
            cols, names = [], []
            for i, (name, value) in enumerate(spec.after):
                col = self._column(spec.table, name)
                expr, binds[f"k{i}"] = _key_bind(col, f"k{i}", value)
                cols.append(quote_ident(col.name))
                names.append(expr)
            conds.append(keyset_predicate(cols, names))
        return conds, binds

    @staticmethod
    def _column(table: TableDescription, name: str) -> SourceColumn:
        try:
            return table.column(name)
        except KeyError:
            raise SourceError(f"column {name} is not in {table.info.name}") from None

    def _window(self, table: TableDescription, window: Window) -> tuple[list[str], dict[str, Any]]:
        try:
            col = table.column(window.cursor)
        except KeyError:
            raise SourceError(f"cursor column {window.cursor} is not in {table.info.name}") from None
        q = quote_ident(col.name)
        conds: list[str] = []
        binds: dict[str, Any] = {}
        for op, key, value in ((">=", "lo", window.lo), ("<=", "hi", window.hi)):
            if value is None:
                continue
            expr, bound = _cursor_bind(col, key, value)
            conds.append(f"{q} {op} {expr}")
            binds[key] = bound
        return conds, binds

    def build_select(self, spec: ReadSpec) -> tuple[str, dict[str, Any]]:
        items = [f"{_read_expr(cp)} AS {quote_ident(cp.target_name)}" for cp in spec.plan.included]
        if spec.order_by == (ROWID_KEY,):
            items.append(f"ROWIDTOCHAR(ROWID) AS {quote_ident(ROWID_FIELD)}")
        for name, field_ in zip(spec.order_by, key_fields(spec), strict=False):
            items.append(f"{_raw_key(self._column(spec.table, name))[0]} AS {quote_ident(field_)}")
        if not items:
            raise SourceError(f"{spec.table.info.name}: no column has a supported type")
        conds, binds = self._conditions(spec)
        if spec.snapshot is not None:
            binds["scn"] = int(spec.snapshot)
        order = ", ".join("ROWID" if c == ROWID_KEY else quote_ident(spec.table.column(c).name)
                          for c in spec.order_by)
        sql = "SELECT " + ",\n       ".join(items) + f"\nFROM {self._from(spec.table, spec.snapshot is not None)}"
        if spec.limit is not None and not order:
            # ROWNUM straight in the WHERE: 11g has no FETCH FIRST, and a LONG column
            # may not sit in an inline view.
            conds.append("ROWNUM <= :max_rows")
            binds["max_rows"] = int(spec.limit)
        if conds:
            sql += "\nWHERE " + "\n  AND ".join(conds)
        if order:
            sql += f"\nORDER BY {order}"
            if spec.limit is not None:
                sql = f"SELECT * FROM (\n{sql}\n)\nWHERE ROWNUM <= :max_rows"
                binds["max_rows"] = int(spec.limit)
        return sql, binds

    def count_rows(self, spec: ReadSpec) -> int:
        conds, binds = self._conditions(spec)
        if spec.limit is not None:
            conds.append("ROWNUM <= :max_rows")  # applied before COUNT: stops early
            binds["max_rows"] = int(spec.limit)
        sql = f"SELECT COUNT(*) FROM {self._from(spec.table)}"
        if conds:
            sql += "\nWHERE " + "\n  AND ".join(conds)
        return int(self._query(sql, binds)[0][0])

    def key_bounds(self, table: TableDescription, column: str, where: str = "") -> tuple[Any, Any]:
        """MIN and MAX of a numeric key under the filter (the ranges of a parallel read)."""
        q = quote_ident(self._column(table, column).name)
        sql = f"SELECT MIN({q}), MAX({q}) FROM {self._from(table)}"
        if where.strip():
            sql += f"\nWHERE ({where.strip()})"
        lo, hi = self._query(sql, {})[0]
        return lo, hi

    def build_max_cursor(self, table: TableDescription, cursor: str,
                         where: str = "") -> tuple[str, dict[str, Any], pa.DataType]:
        """The exact SQL of `max_cursor` (for `tui-sync plan`), its binds and fetch type."""
        try:
            col = table.column(cursor)
        except KeyError:
            raise SourceError(f"cursor column {cursor} is not in {table.info.name}") from None
        base = col.data_type.upper()
        q = quote_ident(col.name)
        if base in _TZ_TYPES:
            expr, fetch_type = f"SYS_EXTRACT_UTC(MAX({q}))", pa.timestamp("us")
        elif base == "TIMESTAMP" and _is_ts_ns(col):
            expr, fetch_type = f"TO_CHAR(MAX({q}), '{_TS_TEXT_FORMAT}')", pa.large_string()
        elif base in ("DATE", "TIMESTAMP"):
            expr, fetch_type = f"MAX({q})", pa.timestamp("us")
        elif base in _NUMBER_TYPES:
            # exact text: a NUMBER without precision (or FLOAT) fetched as a double rounds
            # past 2**53, and a rounded `hi` holds the newest rows back
            expr, fetch_type = f"TO_CHAR(MAX({q}), {_KEY_NUMBER_TEXT})", pa.string()
        elif base in ("BINARY_FLOAT", "BINARY_DOUBLE"):
            expr, fetch_type = f"MAX({q})", _natural_type(plan_column(col, PlanOptions()))
        elif base in ("CHAR", "NCHAR", "VARCHAR2", "NVARCHAR2", "VARCHAR"):
            expr, fetch_type = f"MAX({q})", pa.large_string()
        else:
            raise SourceError(f"{col.name} ({col.data_type}) cannot be a cursor; use a DATE, "
                              "TIMESTAMP, NUMBER or sortable text column")
        sql = f"SELECT {expr} AS \"MAX_CURSOR\" FROM {self._from(table)}"
        if where.strip():
            sql += f"\nWHERE ({where.strip()})"
        return sql, {}, fetch_type

    def max_cursor(self, table: TableDescription, cursor: str, where: str = "") -> Any:
        sql, binds, fetch_type = self.build_max_cursor(table, cursor, where)
        log.debug("oracle query: %s", _squash(sql))
        self._cancel_requested.clear()
        try:
            odf = self.conn.fetch_df_all(sql, parameters=binds, arraysize=1,
                                         requested_schema=pa.schema([("MAX_CURSOR", fetch_type)]))
            result = pa.table(odf)
        except self._driver.Error as exc:
            raise self._map_error(exc) from None
        except ValueError as exc:  # the driver's datetime for a year outside 1-9999
            raise SourceError(f"{table.info.name}: MAX of cursor column {cursor}: "
                              f"{_joined(str(exc))}") from None
        value = result.column(0)[0].as_py() if result.num_rows else None
        if isinstance(value, str) and table.column(cursor).data_type.upper() in _NUMBER_TYPES:
            number = Decimal(value.strip())
            return int(number) if number == number.to_integral_value() else number
        if isinstance(value, str) and table.column(cursor).data_type.upper() == "TIMESTAMP":
            value = parse_timestamp(value.strip())  # a TIMESTAMP(7-9) MAX: keeps the ns
        if isinstance(value, datetime) and table.column(cursor).data_type.upper() in _TZ_TYPES:
            value = value.replace(tzinfo=UTC)  # SYS_EXTRACT_UTC gives the UTC wall time
        return value

    # -- data --------------------------------------------------------------------------
    def fetch_schema(self, spec: ReadSpec) -> pa.Schema:
        """The `requested_schema`: one field per select item, each a type the driver can
        produce from the SQL expression's Oracle type (the plan's type where it can)."""
        fields = [pa.field(cp.target_name, _fetch_type(cp)) for cp in spec.plan.included]
        if spec.order_by == (ROWID_KEY,):
            fields.append(pa.field(ROWID_FIELD, pa.string()))
        for name, field_ in zip(spec.order_by, key_fields(spec), strict=False):
            fields.append(pa.field(field_, _raw_key(self._column(spec.table, name))[1]))
        return pa.schema(fields)

    def _find_bad_datetime(self, spec: ReadSpec) -> str | None:
        """Which column holds the value the driver could not turn into a datetime.

        The driver builds a Python datetime for every DATE/TIMESTAMP value and Python's
        own ValueError ('year -44 is out of range') stops the whole fetch without naming
        the column (impl/base/converters.pyx ~l.176). Asked only after such a failure:
        per datetime column, the first value outside years 1-9999 under the same filter,
        as text (TO_CHAR cannot fail the way the conversion did).
        """
        conds, binds = self._conditions(spec)
        for cp in spec.plan.included:
            if _family(cp) != "datetime":
                continue
            q = quote_ident(cp.name)
            expr = f"SYS_EXTRACT_UTC({q})" if cp.conversion == Conversion.UTC else q
            bad = (f"({expr} < TIMESTAMP '0001-01-01 00:00:00' OR "
                   f"{expr} > TIMESTAMP '9999-12-31 23:59:59.999999')")
            sql = (f"SELECT TO_CHAR(MIN({expr}), 'SYYYY-MM-DD HH24:MI:SS') AS \"BAD\"\n"
                   f"FROM {self._from(spec.table, spec.snapshot is not None)}\n"
                   "WHERE " + "\n  AND ".join([*conds, bad]))
            probe_binds = dict(binds)
            if spec.snapshot is not None:
                probe_binds["scn"] = int(spec.snapshot)
            try:
                odf = self.conn.fetch_df_all(sql, parameters=probe_binds, arraysize=1,
                                             requested_schema=pa.schema([("BAD", pa.large_string())]))
                value = pa.table(odf).column(0)[0].as_py()
            except self._driver.Error as exc:
                log.debug("probing %s for out-of-range values failed: %s", cp.name, one_line(exc))
                continue
            if value is not None:
                return (f"column {cp.name}: value {value.strip()} is outside the years 1-9999 that "
                        "Python, Arrow and the driver can carry (exclude it with where = ..., or "
                        "convert the column in a query = ... table)")
        return None

    def read_batches(self, spec: ReadSpec) -> Iterator[pa.RecordBatch]:
        sql, binds = self.build_select(spec)
        schema = self.fetch_schema(spec)
        post = [(i, cp) for i, cp in enumerate(spec.plan.included) if _post_kind(cp)]
        log.debug("oracle read: %s binds=%r batch_rows=%d", _squash(sql), binds, spec.batch_rows)
        self._cancel_requested.clear()
        batches: Any = None
        try:
            batches = self.conn.fetch_df_batches(sql, parameters=binds, size=spec.batch_rows,
                                                 requested_schema=schema)
            for odf in batches:
                if self._cancel_requested.is_set():
                    # cancel() came between round trips, when there was no call to break
                    raise SyncCancelled("cancelled")
                table = pa.table(odf)
                if table.num_rows == 0:
                    continue
                batch = table.combine_chunks().to_batches()[0]
                for i, cp in post:
                    try:
                        rebuilt = _rebuild(batch.column(i), cp)
                    except _BadValue as bad:
                        raise SourceError(f"{spec.table.info.name}: column {cp.name}: {bad}") from None
                    batch = batch.set_column(i, batch.schema.field(i).name, rebuilt)
                # Paging columns (row address, raw keys) ride after the plan's columns.
                extra = [ROWID_FIELD] if spec.order_by == (ROWID_KEY,) else key_fields(spec)
                if extra:
                    carried = [batch.column(name) for name in extra]
                    batch = conform_batch(batch.drop_columns(extra), spec.plan)
                    for name, arr in zip(extra, carried, strict=True):
                        batch = batch.append_column(name, arr)
                    yield batch
                    continue
                yield conform_batch(batch, spec.plan)
        except self._driver.Error as exc:
            raise self._map_error(exc) from None
        except (pa.ArrowException, ValueError) as exc:
            if self._cancel_requested.is_set():
                raise SyncCancelled("cancelled") from None
            found = self._find_bad_datetime(spec) if _DRIVER_RANGE_RE.search(str(exc)) else None
            if found:
                raise SourceError(f"{spec.table.info.name}: {found}") from None
            raise SourceError(f"{spec.table.info.name}: converting a fetched batch failed: "
                              f"{_joined(str(exc))}") from None
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                try:
                    close()  # release the driver's cursor when the reader stops early
                except self._driver.Error:
                    pass


# -- helpers -------------------------------------------------------------------------------

def _joined(text: str) -> str:
    """Join a multi-line driver message into one line, dropping 'Help: <url>' lines (the ORA-
    text's later lines carry the detail, so they are kept rather than cut by one_line())."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("Help:")]
    return "; ".join(lines)


def _squash(sql: str) -> str:
    return " ".join(sql.split())


def _source_column(row: tuple) -> SourceColumn:
    name, data_type, mod, type_owner, precision, scale, char_length, data_length, nullable, pos = row
    dt = str(data_type)
    p = int(precision) if precision is not None else None
    s = int(scale) if scale is not None else None
    if mod == "REF":
        return SourceColumn(str(name), f"REF {dt}", nullable=nullable != "N", position=int(pos or 0))
    if type_owner and dt.upper() != "XMLTYPE":
        # An object type (SDO_GEOMETRY, ANYDATA, user types): named OWNER.TYPE, which the
        # plan reports as unsupported and skips.
        return SourceColumn(str(name), f"{type_owner}.{dt}", nullable=nullable != "N",
                            position=int(pos or 0))
    base, p_parsed, s_parsed, _length = parse_declared_type(dt)
    if base == "NUMBER":
        p_out, s_out = p, s
    elif base == "FLOAT":
        p_out, s_out = p if p is not None else p_parsed, None
    elif base.startswith("TIMESTAMP") or base == "INTERVAL DAY TO SECOND":
        p_out, s_out = (p if base.startswith("INTERVAL") else None), (s if s is not None else s_parsed)
    else:
        p_out, s_out = None, None
    if base in _TEXT_TYPES - {"LONG", "CLOB", "NCLOB"}:
        length = int(char_length) if char_length else None
    elif base == "RAW":
        length = int(data_length) if data_length else None
    else:
        length = None
    return SourceColumn(str(name), base, p_out, s_out, length, nullable != "N", int(pos or 0), "")


def _family(cp: ColumnPlan) -> str:
    """The Oracle type family of the select expression for this column."""
    t = cp.source.data_type.upper()
    conv = cp.conversion
    if conv in (Conversion.INTERVAL_DS, Conversion.INTERVAL_YM):
        return "number"  # carried as a NUMBER expression
    if conv in (Conversion.ROWID, Conversion.JSON, Conversion.XML, Conversion.RTRIM) or t == "VECTOR":
        return "string"
    if _ts_as_text(cp):
        return "string"
    if conv == Conversion.UTC or t in _DATETIME_TYPES:
        return "datetime"
    if t in _NUMBER_TYPES:
        return "number"
    if t in ("BINARY_FLOAT", "BINARY_DOUBLE"):
        return "binfloat"
    if t in _TEXT_TYPES:
        return "string"
    if t in _BINARY_TYPES:
        return "binary"
    if t == "BOOLEAN":
        return "bool"
    return "other"


def _natural_type(cp: ColumnPlan) -> pa.DataType:
    """The Arrow type the driver can always produce for the expression's family."""
    fam = _family(cp)
    src = cp.source
    if cp.conversion == Conversion.INTERVAL_DS:
        # total microseconds as an exact decimal: strtoll would fail the fetch (DPY-4036)
        # past int64 without naming the column; the range is checked in Arrow instead
        return pa.decimal128(38, 0)
    if cp.conversion == Conversion.INTERVAL_YM:
        return pa.int64()
    if fam == "number":
        p, s = src.precision, src.scale
        if src.data_type.upper() == "NUMBER" and s is not None and s >= 0:
            if p is None:
                return pa.decimal128(38, s)
            if s == 0 and p <= 18:
                return pa.int64()
            if p <= 38:
                return pa.decimal128(max(p, s), s)
        if src.data_type.upper() == "NUMBER" and s is not None and s < 0 and p is not None:
            return pa.int64() if p - s <= 18 else pa.decimal128(min(p - s, 38), 0)
        return pa.float64()
    if fam == "binfloat":
        return pa.float32() if src.data_type.upper() == "BINARY_FLOAT" else pa.float64()
    if fam == "datetime":
        # never 'ns': the driver keeps microseconds only and its ns conversion is an unchecked
        # int64 multiply (impl/base/converters.pyx ~l.201-223); TIMESTAMP(7-9) planned as
        # TIMESTAMP_NS are read as text instead (_ts_as_text)
        return pa.timestamp("us")
    if fam == "binary":
        return pa.large_binary()
    if fam == "bool":
        return pa.bool_()
    return pa.large_string()


def _acceptable(fam: str, t: pa.DataType) -> bool:
    """Whether python-oracledb accepts `t` in requested_schema for this family."""
    if fam == "number":
        return (pa.types.is_integer(t) or pa.types.is_decimal128(t) or pa.types.is_float32(t)
                or pa.types.is_float64(t))
    if fam == "binfloat":
        return pa.types.is_float32(t) or pa.types.is_float64(t)
    if fam == "datetime":
        return pa.types.is_timestamp(t) and t.tz is None
    if fam == "string":
        return pa.types.is_string(t) or pa.types.is_large_string(t)
    if fam == "binary":
        return pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t)
    if fam == "bool":
        return pa.types.is_boolean(t)
    return False


def _bounded(cp: ColumnPlan) -> bool:
    """Whether the select expression is bounded text or bytes (VARCHAR2, CHAR, RAW, ROWID text,
    TO_CHAR results), as opposed to a LOB or LONG.

    Requesting large_string / large_binary makes the driver fetch into a LONG / LONG RAW
    variable (python-oracledb impl/base/cursor.pyx ~l.198 takes the fetch variable's type
    from the requested Arrow type: impl/base/metadata.pyx ~l.356), which thick mode reads
    piecewise; string / binary keep VARCHAR / RAW variables. conform_batch widens to the
    plan's large types afterwards."""
    if cp.conversion in (Conversion.ROWID, Conversion.RTRIM) or _post_kind(cp) == "ts_text":
        return True
    if cp.conversion != Conversion.NONE:
        return False  # JSON_SERIALIZE / XMLSERIALIZE return CLOBs
    return cp.source.data_type.upper() in _BOUNDED_TYPES


def _fetch_type(cp: ColumnPlan) -> pa.DataType:
    target = cp.arrow_type
    assert target is not None
    kind = _post_kind(cp)
    if kind == "ts_text":
        return pa.string()
    if kind == "wide_number":
        return pa.decimal256(76, target.scale if pa.types.is_decimal(target) else 0)
    if kind:
        return _natural_type(cp)  # rebuilt in Arrow after the fetch
    fam = _family(cp)
    if fam == "datetime" and pa.types.is_timestamp(target):
        # the zone is attached afterwards (values are UTC); 'ns' only through text
        return pa.timestamp("us" if target.unit == "ns" else target.unit)
    if fam in ("string", "binary") and _bounded(cp):
        return pa.string() if fam == "string" else pa.binary()
    if _acceptable(fam, target):
        return target
    return _natural_type(cp)  # conform_batch casts to the plan's type


def _is_ts_ns(col: SourceColumn) -> bool:
    return col.data_type.upper() == "TIMESTAMP" and (col.scale if col.scale is not None else 6) > 6


def _ts_as_text(cp: ColumnPlan) -> bool:
    """A TIMESTAMP(7-9) planned with nanoseconds: read as TO_CHAR text, parsed in Arrow."""
    target = cp.arrow_type
    return (target is not None and _is_ts_ns(cp.source) and pa.types.is_timestamp(target)
            and target.unit == "ns")


_SAFE_INT_DIGITS = {8: 2, 16: 4, 32: 9, 64: 18}  # integer digits every value of the width holds


def _wide_number(cp: ColumnPlan) -> bool:
    """Whether a decimal or integer target may be too narrow for the source's integer digits.

    The driver checks a value's significant digits against p and its scale against s,
    then pads zeros up to s without checking the integer digits, and nanoarrow's
    ShiftAndAdd drops the carry (impl/base/converters.pyx ~l.310-328,
    impl/arrow/nanoarrow/nanoarrow.c ~l.529-558): such a value lands as garbage. These
    columns are fetched as decimal256(76, s) (accepted, impl/base/metadata.pyx ~l.225)
    and cast down to the plan's decimal128 with a checked cast. Integer targets likewise:
    strtoll past int64 is DPY-4036 without the column's name (converters.pyx ~l.379).
    """
    target = cp.arrow_type
    if target is None or _family(cp) != "number":
        return False
    if pa.types.is_integer(target):
        safe = _SAFE_INT_DIGITS.get(target.bit_width, 18)
    elif pa.types.is_decimal(target):
        safe = target.precision - target.scale
    else:
        return False
    if _post_kind_base(cp):
        return False
    src = cp.source
    if src.data_type.upper() != "NUMBER" or src.scale is None:
        return True  # NUMBER without precision, FLOAT: up to 126 digits
    p = src.precision if src.precision is not None else 38  # NUMBER(*,s)
    integer_digits = p - src.scale  # NUMBER(p,-n): p + n integer digits
    return safe < integer_digits


def _post_kind(cp: ColumnPlan) -> str:
    kind = _post_kind_base(cp)
    if kind:
        return kind
    if _ts_as_text(cp):
        return "ts_text"
    if _wide_number(cp):
        return "wide_number"
    return ""


def _post_kind_base(cp: ColumnPlan) -> str:
    if cp.conversion == Conversion.INTERVAL_DS:
        return "interval_ds"
    if cp.conversion == Conversion.INTERVAL_YM:
        return "interval_ym"
    if cp.source.data_type.upper() == "VECTOR":
        return "vector"
    return ""


def _read_expr(cp: ColumnPlan) -> str:
    q = quote_ident(cp.name)
    t = cp.source.data_type.upper()
    conv = cp.conversion
    target = cp.arrow_type
    if conv == Conversion.UTC:
        expr = f"SYS_EXTRACT_UTC({q})"
    elif conv == Conversion.ROWID:
        # ROWIDTOCHAR is for physical rowids; a UROWID (IOT logical rowid) can be longer.
        expr = f"CAST({q} AS VARCHAR2(4000))" if t == "UROWID" else f"ROWIDTOCHAR({q})"
    elif conv == Conversion.JSON:
        expr = f"JSON_SERIALIZE({q} RETURNING CLOB)"
    elif conv == Conversion.XML:
        expr = f"XMLSERIALIZE(CONTENT {q} AS CLOB)"
    elif conv == Conversion.RTRIM:
        expr = f"RTRIM({q})"
    elif conv == Conversion.INTERVAL_DS:
        # Total microseconds as an integer NUMBER; the Arrow interval is rebuilt after
        # the fetch (Arrow fetch of INTERVAL may be refused with DPY-3038).
        expr = (f"TRUNC((EXTRACT(DAY FROM {q}) * 86400 + EXTRACT(HOUR FROM {q}) * 3600"
                f" + EXTRACT(MINUTE FROM {q}) * 60 + EXTRACT(SECOND FROM {q})) * 1000000)")
    elif conv == Conversion.INTERVAL_YM:
        expr = f"(EXTRACT(YEAR FROM {q}) * 12 + EXTRACT(MONTH FROM {q}))"
    elif t == "VECTOR":
        expr = f"FROM_VECTOR({q} RETURNING CLOB)"  # '[1.0E+000,2.0E+000]', parsed in Arrow
    elif _ts_as_text(cp):
        expr = f"TO_CHAR({q}, '{_TS_TEXT_FORMAT}')"
    else:
        expr = q
    if target is not None and t in _DATETIME_TYPES and pa.types.is_date(target):
        expr = f"TRUNC({expr})"  # a DATE override: midnight, so the cast to date is exact
    elif target is not None and t in _ROUNDED_TYPES and not cp.skipped and not _post_kind_base(cp):
        # Round in SQL for every numeric source: fetched as an integer the driver truncates
        # (strtoll, impl/base/converters.pyx ~l.379), and a decimal with more fraction
        # digits than s raises DPY-4042 (~l.310)
        scale = cp.source.scale
        if pa.types.is_decimal(target) and (scale is None or scale > target.scale):
            expr = f"ROUND({expr}, {int(target.scale)})"  # round, as the plan promises
        elif pa.types.is_integer(target) and (scale is None or scale > 0):
            expr = f"ROUND({expr})"
    return expr


def _cursor_bind(col: SourceColumn, key: str, value: Any) -> tuple[str, Any]:
    """SQL for one window bound and its bind value.

    The driver binds a datetime as DATE (fractional seconds dropped), so TIMESTAMP
    bounds travel as text through TO_TIMESTAMP; the column itself stays bare so
    its index can serve the range.
    """
    t = col.data_type.upper()
    if t in _NUMBER_TYPES and isinstance(value, float) and math.isfinite(value):
        # A float binds as BINARY_DOUBLE, which outranks NUMBER: Oracle would convert the
        # column on every row (no index range scan). The shortest text of the double, as
        # a Decimal, binds as NUMBER (python-oracledb impl/base/metadata.pyx ~l.404).
        return f":{key}", Decimal(repr(value))
    if t not in _DATETIME_TYPES:
        return f":{key}", value
    dt = _as_datetime(value)
    if dt is None:  # a placeholder (the plan printout): show it as is
        return f":{key}", value
    if t in _TZ_TYPES:
        if dt.tzinfo is not None:
            dt = dt.astimezone(UTC).replace(tzinfo=None)
        return f"FROM_TZ(TO_TIMESTAMP(:{key}, '{_TS_FORMAT}'), '+00:00')", ts_text(dt, 6)
    if dt.tzinfo is not None:
        dt = dt.replace(tzinfo=None)
    if t == "DATE":
        return f":{key}", dt.replace(microsecond=0)  # DATE has whole seconds
    if _is_ts_ns(col):  # TIMESTAMP(7-9): a bound with all nine digits (DatetimeNs)
        return f"TO_TIMESTAMP(:{key}, '{_TS_FORMAT9}')", ts_text(dt, 9)
    return f"TO_TIMESTAMP(:{key}, '{_TS_FORMAT}')", ts_text(dt, 6)


_KEY_TS_FORMAT = "YYYY-MM-DD HH24:MI:SS.FF9"  # every digit a TIMESTAMP(9) key holds
_KEY_DATE_FORMAT = "YYYY-MM-DD HH24:MI:SS"
_KEY_NUMBER_TEXT = "'TM9', 'NLS_NUMERIC_CHARACTERS=''.,'''"


def _raw_key(col: SourceColumn) -> tuple[str, pa.DataType]:
    """The select item and fetch type that carry a key column exactly as Oracle holds it
    (ReadSpec.carry_keys), whatever the plan converts it to: numbers and times as text
    (the driver would round a NUMBER to a double and keep only microseconds), the rest
    bare (a CHAR keeps its blanks: RTRIM is the plan's business, not the bound's)."""
    t = col.data_type.upper()
    q = quote_ident(col.name)
    if t in _NUMBER_TYPES:
        # TM9: the shortest exact text; '.' as the decimal mark whatever the session's NLS.
        return f"TO_CHAR({q}, {_KEY_NUMBER_TEXT})", pa.string()
    if t == "DATE":
        return f"TO_CHAR({q}, '{_KEY_DATE_FORMAT}')", pa.string()
    if t == "TIMESTAMP":
        return f"TO_CHAR({q}, '{_KEY_TS_FORMAT}')", pa.string()
    if t in _TZ_TYPES:
        return f"TO_CHAR(SYS_EXTRACT_UTC({q}), '{_KEY_TS_FORMAT}')", pa.string()
    if t in ("BINARY_FLOAT", "BINARY_DOUBLE"):
        return q, pa.float32() if t == "BINARY_FLOAT" else pa.float64()
    if t in _BINARY_TYPES:
        return q, pa.binary() if t in _BOUNDED_TYPES else pa.large_binary()
    return q, pa.string() if t in _BOUNDED_TYPES else pa.large_string()


def _key_bind(col: SourceColumn, key: str, value: Any) -> tuple[str, Any]:
    """SQL and bind for one keyset bound: the raw key `_raw_key` carried, turned back into
    the column's own type exactly (a Decimal binds as NUMBER, python-oracledb
    impl/base/metadata.pyx ~l.404; times travel as text with all nine digits)."""
    t = col.data_type.upper()
    if isinstance(value, (datetime, date)):
        return _cursor_bind(col, key, value)  # a Python time (a caller's bound), not raw text
    if not isinstance(value, str):
        return f":{key}", value  # int, RAW, BINARY_FLOAT/DOUBLE: bound as they are
    if t in _NUMBER_TYPES:
        return f":{key}", Decimal(value)
    if t == "DATE":
        return f"TO_DATE(:{key}, '{_KEY_DATE_FORMAT}')", value
    if t == "TIMESTAMP":
        return f"TO_TIMESTAMP(:{key}, '{_KEY_TS_FORMAT}')", value
    if t in _TZ_TYPES:
        return f"FROM_TZ(TO_TIMESTAMP(:{key}, '{_KEY_TS_FORMAT}'), '+00:00')", value
    return f":{key}", value  # text: the blank-padded CHAR value itself


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return parse_timestamp(value)
        except ValueError:
            return None
    return None


def _index_name(table: str, column: str) -> str:
    """An index name within 30 bytes (11g's limit)."""
    base = re.sub(r"\W", "_", f"{table}_{column}".upper())
    return (base[:27] + "_IX").strip("_") if len(base) > 27 else base + "_IX"


class _BadValue(ValueError):
    """A fetched value the plan's type cannot hold (the message names the value)."""


def _rebuild(arr: pa.Array, cp: ColumnPlan) -> pa.Array:
    kind = _post_kind(cp)
    if kind == "vector":
        return _parse_vectors(arr)
    if kind == "ts_text":
        return _parse_ts_text(arr, cp)
    if kind == "wide_number":
        return _narrow_number(arr, cp)
    if kind == "interval_ds":
        try:
            arr = arr.cast(pa.int64())
        except pa.ArrowInvalid:
            return _big_intervals(arr)
    ints = arr.cast(pa.int64())
    if kind == "interval_ym":
        return _intervals(ints, months=ints, days=None, nanos=None)
    days = pc.divide(ints, _US_PER_DAY)  # integer division truncates toward zero, like Oracle
    rest_us = pc.subtract(ints, pc.multiply(days, _US_PER_DAY))
    return _intervals(ints, months=None, days=days, nanos=pc.multiply(rest_us, 1000))


def _parse_ts_text(arr: pa.Array, cp: ColumnPlan) -> pa.Array:
    """TO_CHAR text (' 2024-01-01T10:00:00.123456789') -> timestamp[ns], range-checked:
    a value outside 1677-09-21..2262-04-11 (9999-12-31 sentinels, BC years) fails."""
    text = pc.utf8_trim_whitespace(arr.cast(pa.large_string()))
    try:
        return text.cast(pa.timestamp("ns"))
    except pa.ArrowInvalid:
        pass
    for value in text.to_pylist():  # the failure path only: find the first bad value
        if value is None:
            continue
        try:
            pa.scalar(value, pa.large_string()).cast(pa.timestamp("ns"))
        except pa.ArrowInvalid:
            raise _BadValue(
                f"value {value} is outside TIMESTAMP_NS's range (1677-09-21 to 2262-04-11); "
                f"set column.{cp.name} = TIMESTAMP to land it with microseconds") from None
    raise _BadValue("a fetched timestamp text could not be parsed")


def _narrow_number(arr: pa.Array, cp: ColumnPlan) -> pa.Array:
    """decimal256(76, s) -> the plan's decimal128(p, s) or integer: a safe cast, which
    raises where the driver alone would wrap; the first value that does not fit is named."""
    target = cp.arrow_type
    assert target is not None
    try:
        return arr.cast(target)
    except pa.ArrowInvalid:
        pass
    if pa.types.is_integer(target):
        lo, hi = -(1 << (target.bit_width - 1)), (1 << (target.bit_width - 1)) - 1
    else:
        hi = Decimal(10) ** (target.precision - target.scale) - Decimal(1).scaleb(-target.scale)
        lo = -hi
    for value in arr.to_pylist():
        if value is not None and not lo <= value <= hi:
            raise _BadValue(f"value {value.normalize(_WIDE):f} does not fit {cp.duckdb_type} "
                            "(too many integer digits); widen it with a column override")
    raise _BadValue(f"a value does not fit {cp.duckdb_type}")


def _big_intervals(arr: pa.Array) -> pa.Array:
    """Intervals past int64 microseconds (about 106,751,991 days; Oracle DAY(9) holds
    999,999,999): split into days and nanoseconds one by one. Only a batch holding such a
    value comes here, so the common path stays vectorised."""
    out = []
    for value in arr.to_pylist():
        if value is None:
            out.append(None)
            continue
        sign = -1 if value < 0 else 1
        days, rest_us = divmod(abs(int(value)), _US_PER_DAY)  # truncates toward zero, like Oracle
        out.append(pa.MonthDayNano([0, sign * days, sign * rest_us * 1000]))
    return pa.array(out, pa.month_day_nano_interval())


def _intervals(like: pa.Array, *, months: pa.Array | None, days: pa.Array | None,
               nanos: pa.Array | None) -> pa.Array:
    """Build month_day_nano_interval values from int64 parts without per-row Python.

    Each value is 16 bytes: int32 months, int32 days, int64 nanoseconds (little
    endian). The first 8 bytes are written as one int64 (days * 2**32 + months as
    uint32), the last 8 as the nanoseconds; the two int64 columns are interleaved.
    """
    n = len(like)
    zero = pa.repeat(pa.scalar(0, pa.int64()), n)
    m = pc.fill_null(months, 0) if months is not None else zero
    d = pc.fill_null(days, 0) if days is not None else zero
    ns = pc.fill_null(nanos, 0) if nanos is not None else zero
    head = pc.add(pc.multiply(d, 1 << 32), pc.bit_wise_and(m, 0xFFFFFFFF))
    both = pa.concat_arrays([head, ns])
    idx = pc.subtract(pc.cumulative_sum(pa.repeat(pa.scalar(1, pa.int64()), 2 * n)), 1)
    order = pc.add(pc.divide(idx, 2), pc.multiply(pc.bit_wise_and(idx, 1), n))
    data = pc.take(both, order).buffers()[1]
    validity = None
    if like.null_count:
        validity = pc.is_valid(like).buffers()[1]
    return pa.Array.from_buffers(pa.month_day_nano_interval(), n, [validity, data],
                                 null_count=like.null_count)


def _parse_vectors(arr: pa.Array) -> pa.Array:
    """'[1.0E+000,2.5E-001]' (FROM_VECTOR text) -> list<double>, vectorised."""
    inner = pc.utf8_trim(arr.cast(pa.large_string()), characters="[] ")
    parts = pc.split_pattern(inner, pattern=",")
    return parts.cast(pa.list_(pa.float64()))


__all__ = ["OracleSource", "display_name", "parse_table_name", "quote_ident"]
