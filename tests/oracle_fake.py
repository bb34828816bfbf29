"""A driver-level fake of python-oracledb for the Oracle source tests.

It stands in for the `oracledb` module (`OracleSource(cfg, driver=FakeOracle(...))`)
and keeps to what the real driver does where the source depends on it:

- errors are real `oracledb` exception classes carrying real `oracledb` error
  objects (`args[0]` with `.code`, `.full_code`, `.message`, `.isrecoverable`),
  built by the driver's own error code so DPY-4011/ORA-03113 look exactly right;
- data frames are real `oracledb.DataFrame` objects (made from Arrow), so the
  source converts them the way it converts real ones (`__arrow_c_stream__`);
- `requested_schema` must have one field per select item (DPY-2069) and each
  field must be a type the driver can produce from the expression's Oracle type
  (DPY-3038); INTERVAL, VECTOR, ROWID, JSON, XMLTYPE selected bare are refused;
- every `:name` in a statement must have a bind and every bind a `:name`;
- a `datetime` bind loses its fractional seconds (python-oracledb binds it as
  DATE), which is why TIMESTAMP bounds must travel as text;
- fetched values go through the driver's own conversions (python-oracledb 26.1.0,
  src/oracledb/impl/base/converters.pyx; see `_number_to_arrow`, `_datetime_to_arrow`):
  NUMBER -> decimal checks significant digits against p and the value's scale against
  s (DPY-4042), pads to s without checking the integer digits, and nanoarrow drops the
  carry (a wrapped value lands, no error); NUMBER -> integer is `strtoll` (a fraction is
  truncated, DPY-4036 past int64); DATE/TIMESTAMP keep microseconds only, the 'ns' unit
  is an unchecked int64 multiply, and a year outside 1-9999 raises Python's own
  ValueError from building the datetime;
- 11g has no ALL_USERS.ORACLE_MAINTAINED and no FETCH FIRST;
- a query-backed table's SELECT runs only if registered (`add_query`, its result as a
  table; any other is ORA-00942); its describe (`SELECT * FROM (q) WHERE 1 = 0` on a
  classic cursor) sets `cursor.description` to real `oracledb.FetchInfo` objects over the
  metadata the server sends (see `fetch_info`), and an inline view has no ROWID (ORA-01446).

The SQL evaluator is deliberately small: it understands the statements the
Oracle source builds (select items with its conversions, window predicates,
ROWNUM, ORDER BY, simple `COL op literal` filters) and raises for anything else,
so a change in the source's SQL shows up as a failing test, never as a silently
wrong answer.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Context, Decimal
from typing import Any

import oracledb
import pyarrow as pa
import pyarrow.compute as pc
from oracledb import errors as _errors

from tui_sync.typeplan import parse_declared_type

# -- errors: the driver's own classes and error objects --------------------------------

Error = oracledb.Error
DatabaseError = oracledb.DatabaseError
InterfaceError = oracledb.InterfaceError
OperationalError = oracledb.OperationalError
NotSupportedError = oracledb.NotSupportedError
ProgrammingError = oracledb.ProgrammingError


def ora_error(message: str, code: int) -> Exception:
    """An Oracle Database error as the driver raises it (e.g. 'ORA-00942: ...', 942)."""
    err = _errors._Error(message, code=code)
    return err.exc_type(err)


def dpy_error(num: int, **args: Any) -> Exception:
    """A driver (DPY-nnnn) error as the driver raises it."""
    return _errors._create_exception(num, **args)


def dpi_error(message: str) -> Exception:
    """A thick-mode ODPI-C error such as DPI-1047."""
    err = _errors._Error(message)
    return err.exc_type(err)


def connection_lost() -> Exception:
    """ORA-03113 as python-oracledb surfaces it: DPY-4011 with code 3113."""
    return ora_error("ORA-03113: end-of-file on communication channel", 3113)


def user_cancel() -> Exception:
    return ora_error("ORA-01013: user requested cancel of current operation", 1013)


def unresolvable_host(host: str) -> OSError:
    """What thin mode raises for a host name that does not resolve: a bare
    socket.gaierror, outside oracledb.Error. The driver resolves names in
    `description_list.set_active_children()` (impl/thin/connection.pyx ~l.181, via
    impl/base/connect_params.pyx ~l.771/825 `socket.getaddrinfo`), before the try
    that wraps socket errors of the TCP connect as DPY-6005 (~l.196-210)."""
    return socket.gaierror(-2, "Name or service not known")


# -- cursor.description ---------------------------------------------------------------------

@dataclass
class _Metadata:
    """The attributes of the driver's OracleMetadata that oracledb.FetchInfo reads
    (src/oracledb/base_impl.pxd ~l.511-528), filled as the thin driver fills them from the
    server's describe (impl/thin/messages/base.pyx `_process_metadata` ~l.315-396)."""

    name: str
    dbtype: Any
    precision: int = 0
    scale: int = 0
    max_size: int = 0
    buffer_size: int = 0
    nulls_allowed: bool = True
    objtype: Any = None
    is_json: bool = False
    is_oson: bool = False
    domain_schema: str | None = None
    domain_name: str | None = None
    annotations: dict | None = None
    vector_dimensions: int = 0
    vector_format: int = 0
    vector_flags: int = 0


@dataclass
class _ObjType:  # what DbObjectType.schema/.name read (src/oracledb/dbobject.py ~l.349, ~l.397)
    schema: str
    name: str


_DB_TYPES = {
    "NUMBER": "NUMBER", "FLOAT": "NUMBER", "DATE": "DATE", "BINARY_FLOAT": "BINARY_FLOAT",
    "BINARY_DOUBLE": "BINARY_DOUBLE", "CHAR": "CHAR", "NCHAR": "NCHAR", "VARCHAR2": "VARCHAR",
    "NVARCHAR2": "NVARCHAR", "LONG": "LONG", "CLOB": "CLOB", "NCLOB": "NCLOB", "RAW": "RAW",
    "LONG RAW": "LONG_RAW", "BLOB": "BLOB", "ROWID": "ROWID", "UROWID": "UROWID", "JSON": "JSON",
    "XMLTYPE": "XMLTYPE", "BOOLEAN": "BOOLEAN", "VECTOR": "VECTOR", "BFILE": "BFILE",
    "TIMESTAMP": "TIMESTAMP", "TIMESTAMP WITH TIME ZONE": "TIMESTAMP_TZ",
    "TIMESTAMP WITH LOCAL TIME ZONE": "TIMESTAMP_LTZ",
    "INTERVAL DAY TO SECOND": "INTERVAL_DS", "INTERVAL YEAR TO MONTH": "INTERVAL_YM",
}


def fetch_info(col: FakeColumn) -> Any:
    """A real oracledb.FetchInfo (src/oracledb/fetch_info.py, its `_from_impl` ~l.94) over the
    metadata the server sends for a select item of this column's type:

    - NUMBER without precision: precision 0, scale -127 (the driver tests exactly this pair,
      impl/base/metadata.pyx `_finalize_init` ~l.130); FLOAT(b): b, -127; INTEGER
      (DATA_PRECISION NULL, DATA_SCALE 0): 38, 0, the driver's own encoding of INTEGER
      (impl/thin/dbobject_cache.pyx ~l.401-418); NUMBER(p,s): p, s. FetchInfo then shows
      None, None where both are 0 (fetch_info.py ~l.218-234).
    - TIMESTAMP(n) and the time-zone kinds: scale n (metadata.pyx ~l.67-73 picks the Arrow
      unit from it); INTERVAL DAY(p) TO SECOND(s): p, s.
    - CHAR/VARCHAR2/NCHAR/NVARCHAR2: max_size is the length in characters, buffer_size the
      bytes; RAW: max_size = buffer_size = its bytes (base.pyx ~l.346-350).
    - nulls_allowed: the column's NULLABLE (base.pyx ~l.353).
    """
    base = col.base
    p_decl, s_decl = parse_declared_type(col.data_type)[1:3]
    precision, scale = col.precision, col.scale if col.scale is not None else s_decl
    meta = _Metadata(col.name, None, nulls_allowed=col.nullable)
    if "." in base:  # an object type OWNER.TYPE
        meta.dbtype, meta.objtype = oracledb.DB_TYPE_OBJECT, _ObjType(col.type_owner or "", col.data_type)
        return oracledb.FetchInfo._from_impl(meta)
    meta.dbtype = getattr(oracledb, "DB_TYPE_" + _DB_TYPES[base])
    if base == "NUMBER":
        if precision is None and scale is None:
            meta.precision, meta.scale = 0, -127
        elif precision is None:
            meta.precision, meta.scale = (38, 0) if scale == 0 else (0, scale)
        else:
            meta.precision, meta.scale = precision, scale or 0
    elif base == "FLOAT":
        meta.precision, meta.scale = precision or p_decl or 126, -127
    elif base.startswith("TIMESTAMP"):
        meta.scale = scale if scale is not None else 6
    elif base == "INTERVAL DAY TO SECOND":
        meta.precision, meta.scale = precision or p_decl or 2, scale if scale is not None else 6
    elif base in ("CHAR", "NCHAR", "VARCHAR2", "NVARCHAR2"):
        meta.max_size = col.char_length or parse_declared_type(col.data_type)[3] or 1
        meta.buffer_size = col.data_length or meta.max_size * 4
    elif base == "RAW":
        meta.max_size = meta.buffer_size = col.data_length or parse_declared_type(col.data_type)[3] or 1
    return oracledb.FetchInfo._from_impl(meta)


# -- the in-memory database ----------------------------------------------------------------

@dataclass
class FakeColumn:
    name: str
    data_type: str  # as ALL_TAB_COLUMNS.DATA_TYPE shows it: 'TIMESTAMP(6) WITH TIME ZONE', ...
    precision: int | None = None
    scale: int | None = None
    char_length: int | None = None
    data_length: int | None = None
    nullable: bool = True
    type_owner: str | None = None
    type_mod: str | None = None

    @property
    def base(self) -> str:
        if self.type_owner and self.data_type != "XMLTYPE":
            return f"{self.type_owner}.{self.data_type}"
        return parse_declared_type(self.data_type)[0]


@dataclass
class FakeTable:
    """A table: its dictionary entry and its rows (Arrow, columns named as in Oracle).

    Storage types: NUMBER as int64/decimal128/float64, DATE/TIMESTAMP as timestamp,
    TIMESTAMP WITH [LOCAL] TIME ZONE as timestamp(tz='UTC') (the instant),
    INTERVAL DAY TO SECOND as duration('us'), INTERVAL YEAR TO MONTH as int64
    months, VECTOR as list<double>, ROWID/JSON/XMLTYPE/CHAR... as strings.
    """

    owner: str
    name: str
    columns: list[FakeColumn]
    data: pa.Table
    primary_key: list[str] = field(default_factory=list)
    num_rows: int | None = None
    view: bool = False
    # Earlier states for flashback reads: (SCN of the commit that replaced them, rows).
    history: list[tuple[int, pa.Table]] = field(default_factory=list)

    def as_of(self, scn: int) -> pa.Table:
        """The rows an `AS OF SCN scn` query sees: what was committed at or before scn."""
        for changed_at, before in self.history:
            if scn < changed_at:
                return before
        return self.data

    def column(self, name: str) -> FakeColumn:
        for c in self.columns:
            if c.name == name:
                return c
        raise ora_error(f'ORA-00904: "{name}": invalid identifier', 904)

    def append(self, rows: pa.Table) -> None:
        self.data = pa.concat_tables([self.data, rows.select(self.data.column_names).cast(
            self.data.schema)])


class FakeOracle:
    """Module-like stand-in for `oracledb`."""

    Error = Error
    DatabaseError = DatabaseError
    InterfaceError = InterfaceError
    OperationalError = OperationalError
    NotSupportedError = NotSupportedError
    ProgrammingError = ProgrammingError

    __version__ = "26.1.0"  # oracledb.__version__ of the driver the fake stands in for

    def __init__(self, tables: list[FakeTable] = (), *, version: str = "19.3.0.0.0",
                 user: str = "APP", password: str = "s3cret-Passw0rd",
                 maintained: tuple[str, ...] = ("SYS", "SYSTEM", "AUDSYS", "ODI_REPO_USER")):
        self.tables: dict[tuple[str, str], FakeTable] = {(t.owner, t.name): t for t in tables}
        self.version = version
        self.user = user
        self.password = password
        self.maintained = set(maintained)
        self.thin = True
        self.init_calls: list[dict[str, Any]] = []
        self.init_error: Exception | None = None
        self.connect_calls: list[dict[str, Any]] = []  # kwargs, password left out
        self.connect_errors: list[Exception] = []  # raised by the next connects, in order
        self.read_failures: list[int | None] = []  # per data read: DPY-4011 after K batches
        self.on_batch: Callable[[FakeConnection, int], None] | None = None
        self.connections: list[FakeConnection] = []
        self.scn = 4_242_424
        self.grant_v_database = True
        # ALL_SYNONYMS: (owner, synonym) -> (table owner, table name); owner 'PUBLIC' for public ones
        self.synonyms: dict[tuple[str, str], tuple[str, str]] = {}
        # what the doctor's checks read (tui_sync/doctor_oracle.py)
        self.denied_views: set[str] = set()  # ALL_* views this user cannot read (ORA-00942)
        self.grant_dbms_flashback = True
        self.flashback_denied: set[tuple[str, str]] = set()  # AS OF SCN -> ORA-01031
        self.sessions_per_user = "UNLIMITED"
        self.indexes: dict[tuple[str, str], list[tuple[str, list[str]]]] = {}  # (owner, table) -> [(index, cols)]
        self.nls_database = {"NLS_CHARACTERSET": "AL32UTF8", "NLS_NCHAR_CHARACTERSET": "AL16UTF16",
                             "NLS_NUMERIC_CHARACTERS": ".,"}
        # a comma-decimal territory's defaults until the session sets its own
        self.nls_session_defaults = {"NLS_NUMERIC_CHARACTERS": ",.", "NLS_DATE_FORMAT": "DD.MM.RR",
                                     "NLS_CALENDAR": "GREGORIAN"}
        self.client_version = (19, 23, 0, 0, 0)
        self.scn_readable = True  # False: no way to read the current SCN (no grants)
        # Server-side refusals of `AS OF SCN` (ORA-01031 without the FLASHBACK privilege,
        # ORA-08180/ORA-01466...): raised by every flashback query while set. Build them with
        # ora_error(): the driver turns any server error into an _Error whose full_code is
        # the message's "ORA-nnnnn" prefix (oracledb/errors.py _make_adjustments ~l.65-73).
        self.flashback_error: Exception | None = None
        # Undo retention: a flashback read of an SCN below this fails with ORA-01555.
        self.undo_low_scn: int | None = None
        # Query-backed tables: the SELECTs this database can run (whitespace-squashed text)
        # and the result each gives, as a table whose columns are what the server describes.
        self.queries: dict[str, FakeTable] = {}

    def add_query(self, sql: str, result: FakeTable) -> None:
        self.queries[" ".join(sql.split())] = result

    def add(self, table: FakeTable) -> None:
        self.tables[(table.owner, table.name)] = table

    def commit(self, owner: str, name: str, data: pa.Table) -> None:
        """Replace a table's rows in one committed transaction at a new SCN: flashback
        reads of an earlier SCN still see the old rows."""
        t = self.tables[(owner, name)]
        self.scn += 1
        t.history.append((self.scn, t.data))
        t.data = data.select(t.data.column_names).cast(t.data.schema)

    # -- module functions ---------------------------------------------------------------
    def is_thin_mode(self) -> bool:
        return self.thin

    def clientversion(self) -> tuple:
        # thick mode only; thin mode raises (src/oracledb/utils.py ~l.56)
        if self.thin:
            raise dpy_error(_errors.ERR_FEATURE_NOT_SUPPORTED, feature="clientversion()", driver_type="thick")
        return self.client_version

    def init_oracle_client(self, lib_dir: str | None = None, config_dir: str | None = None,
                           error_url: str | None = None, driver_name: str | None = None) -> None:
        args = {"lib_dir": lib_dir, "config_dir": config_dir}
        if self.init_error is not None:
            raise self.init_error
        if self.init_calls and self.init_calls[0] != args:
            raise dpy_error(_errors.ERR_LIBRARY_ALREADY_INITIALIZED)
        self.init_calls.append(args)
        self.thin = False

    _CONNECT_KEYS = frozenset({"user", "password", "dsn", "tcp_connect_timeout", "expire_time",
                               "config_dir", "retry_count", "retry_delay"})

    def connect(self, dsn: str | None = None, **kwargs: Any) -> FakeConnection:
        unknown = set(kwargs) - self._CONNECT_KEYS
        if unknown:
            raise TypeError(f"connect() got unexpected keyword arguments {sorted(unknown)}")
        recorded = {k: v for k, v in kwargs.items() if k != "password"}
        recorded["dsn"] = dsn
        if not self.thin:
            # Thick mode passes the DSN string to Oracle Client unchanged
            # (thick_mode_dsn_passthrough, impl/thick/connection.pyx ~l.449): these
            # keyword arguments never reach the client.
            recorded["ignored"] = sorted(k for k in ("expire_time", "tcp_connect_timeout") if k in kwargs)
        self.connect_calls.append(recorded)
        if self.connect_errors:
            raise self.connect_errors.pop(0)
        if kwargs.get("user", "").upper() != self.user or kwargs.get("password") != self.password:
            raise ora_error("ORA-01017: invalid credential or not authorized; logon denied", 1017)
        conn = FakeConnection(self)
        self.connections.append(conn)
        return conn

    @property
    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        """Every (sql, binds) sent, across connections, in order."""
        out: list[tuple[int, str, dict[str, Any]]] = []
        for conn in self.connections:
            out += conn.calls
        return [(sql, binds) for _, sql, binds in sorted(out, key=lambda c: c[0])]

    @property
    def data_reads(self) -> list[tuple[str, dict[str, Any]]]:
        return [c for c in self.calls if c[0].startswith("fetch_df:")]

    def query_result(self, sql: str) -> FakeTable:
        """The registered result of a query; the server's refusal of any other (the fake
        cannot run SQL it was not given)."""
        t = self.queries.get(" ".join(sql.split()))
        if t is None:
            raise ora_error("ORA-00942: table or view does not exist", 942)
        return t

    _seq = 0

    def next_seq(self) -> int:
        FakeOracle._seq += 1
        return FakeOracle._seq


class FakeCursor:
    def __init__(self, conn: FakeConnection):
        self.conn = conn
        self.arraysize = 100
        self._rows: list[tuple] = []
        # Real oracledb.FetchInfo objects (see fetch_info() below), for the describe of a
        # query-backed table; None for the other statements, whose description the source
        # never reads (the real driver gives one for every query: cursor.py ~l.507-516).
        self.description: list[Any] | None = None

    def execute(self, sql: str, parameters: dict[str, Any] | None = None) -> FakeCursor:
        self.description = None
        m = re.fullmatch(r"SELECT \* FROM \(\n(?P<q>.*)\n\) WHERE 1 = 0", sql, re.S)
        if m:  # the source's describe of a query (sources/oracle/query.py): no row matches
            self.conn._record(sql, dict(parameters or {}))
            self.conn._check_open()
            t = self.conn.driver.query_result(m.group("q"))
            self.description = [fetch_info(c) for c in t.columns]
            self._rows = []
            return self
        self._rows = self.conn._run_query(sql, dict(parameters or {}))
        return self

    def fetchall(self) -> list[tuple]:
        rows, self._rows = self._rows, []
        return rows

    def fetchone(self) -> tuple | None:
        return self._rows.pop(0) if self._rows else None

    def close(self) -> None:
        self._rows = []

    def __enter__(self) -> FakeCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FakeConnection:
    def __init__(self, driver: FakeOracle):
        self.driver = driver
        self.version = driver.version
        self.call_timeout = 0
        self.module: str | None = None
        self.calls: list[tuple[int, str, dict[str, Any]]] = []
        self.closed = False
        self.dead = False
        self.cancel_requested = False
        self.session: dict[str, str] = {}  # ALTER SESSION settings

    # -- API -----------------------------------------------------------------------------
    def cursor(self) -> FakeCursor:
        self._check_open()
        return FakeCursor(self)

    def cancel(self) -> None:
        self._check_open()
        # With no call running, thin mode only sets the protocol's break flag
        # (impl/thin/protocol.pyx ~l.63 _break_external); the next call then
        # processes the break and fails with ORA-01013 (~l.229), which clears it.
        # The fake keeps the flag until its next call (or batch) checks it.
        self.cancel_requested = True

    @property
    def break_pending(self) -> bool:
        return self.cancel_requested

    @break_pending.setter
    def break_pending(self, value: bool) -> None:
        self.cancel_requested = value

    def close(self) -> None:
        self.closed = True

    def fetch_df_all(self, statement: str, parameters: dict[str, Any] | None = None,
                     arraysize: int | None = None, *, fetch_decimals: bool | None = None,
                     requested_schema: Any = None) -> oracledb.DataFrame:
        self._check_open()
        binds = dict(parameters or {})
        self._record("fetch_df_all: " + statement, binds)
        table = self._evaluate(statement, binds, requested_schema)
        return oracledb.DataFrame._from_arrow(table)

    def fetch_df_batches(self, statement: str, parameters: dict[str, Any] | None = None,
                         size: int | None = None, *, fetch_decimals: bool | None = None,
                         requested_schema: Any = None) -> Iterator[oracledb.DataFrame]:
        self._check_open()
        binds = dict(parameters or {})
        self._record("fetch_df: " + statement, binds)
        fail_after = self.driver.read_failures.pop(0) if self.driver.read_failures else None
        return self._batches(statement, binds, size or 100, requested_schema, fail_after)

    def _batches(self, statement: str, binds: dict[str, Any], size: int, requested_schema: Any,
                 fail_after: int | None) -> Iterator[oracledb.DataFrame]:
        table = self._evaluate(statement, binds, requested_schema)
        for i, start in enumerate(range(0, table.num_rows, size)):
            if fail_after is not None and i >= fail_after:
                self.dead = True
                raise connection_lost()
            if self.driver.on_batch is not None:
                self.driver.on_batch(self, i)
            self._check_cancel()
            yield oracledb.DataFrame._from_arrow(table.slice(start, size))

    # -- internals ----------------------------------------------------------------------
    def _check_open(self) -> None:
        if self.closed:
            raise dpy_error(_errors.ERR_NOT_CONNECTED)
        if self.dead:
            raise connection_lost()

    def _check_cancel(self) -> None:
        if self.cancel_requested:
            self.cancel_requested = False  # the connection stays usable after ORA-01013
            raise user_cancel()

    def _record(self, sql: str, binds: dict[str, Any]) -> None:
        self.calls.append((self.driver.next_seq(), sql, dict(binds)))

    def _run_query(self, sql: str, binds: dict[str, Any]) -> list[tuple]:
        self._check_open()
        self._record(sql, binds)
        self._check_cancel()
        _check_binds(sql, binds)
        d = self.driver
        flat = " ".join(sql.split())
        if flat == "SELECT SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') FROM DUAL":
            return [(d.user,)]
        if flat.startswith("ALTER SESSION SET "):
            for key, quoted, bare in re.findall(r"(\w+) = (?:'((?:[^']|'')*)'|(\w+))", flat):
                self.session[key] = quoted.replace("''", "'") if quoted else bare
            return []
        if "FETCH FIRST" in flat.upper() and int(d.version.split(".")[0]) < 12:
            raise ora_error("ORA-00933: SQL command not properly ended", 933)
        if flat == "SELECT CURRENT_SCN FROM V$DATABASE":
            if not d.grant_v_database or not d.scn_readable:
                raise ora_error("ORA-00942: table or view does not exist", 942)
            return [(d.scn,)]
        if flat == "SELECT DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER FROM DUAL":
            if not d.grant_dbms_flashback or not d.scn_readable:
                raise ora_error('ORA-00904: "DBMS_FLASHBACK"."GET_SYSTEM_CHANGE_NUMBER": invalid identifier', 904)
            return [(d.scn,)]
        if flat == "SELECT TIMESTAMP_TO_SCN(SYSTIMESTAMP) FROM DUAL":
            if not d.scn_readable:
                raise ora_error("ORA-08180: no snapshot found based on specified time", 8180)
            return [(d.scn - 7,)]  # coarser than the current SCN
        m = re.fullmatch(r"SELECT COUNT\(\*\) FROM (ALL_\w+) WHERE ROWNUM <= 1", flat)
        if m:
            if m.group(1) in d.denied_views:
                raise ora_error("ORA-00942: table or view does not exist", 942)
            return [(1,)]
        if flat == "SELECT PARAMETER, VALUE FROM NLS_SESSION_PARAMETERS":
            merged = {**d.nls_session_defaults, **{k: v for k, v in self.session.items() if k.startswith("NLS_")}}
            return sorted(merged.items())
        if flat == "SELECT PARAMETER, VALUE FROM NLS_DATABASE_PARAMETERS":
            return sorted(d.nls_database.items())
        if flat == "SELECT DBTIMEZONE, SESSIONTIMEZONE FROM DUAL":
            return [("+00:00", "Europe/Berlin")]
        if flat == "SELECT LIMIT FROM USER_RESOURCE_LIMITS WHERE RESOURCE_NAME = 'SESSIONS_PER_USER'":
            return [(d.sessions_per_user,)]
        if "FROM ALL_IND_COLUMNS" in flat:
            out = []
            for index, cols in d.indexes.get((binds["owner"], binds["table_name"]), []):
                if binds["column_name"] in cols:
                    out.append((index, cols.index(binds["column_name"]) + 1))
            return sorted(out, key=lambda r: r[1])
        if flat.startswith("SELECT t.OWNER, t.TABLE_NAME, t.NUM_ROWS FROM ALL_TABLES t"):
            return self._list_tables(flat, binds)
        if flat.startswith("SELECT OWNER, TABLE_NAME, NUM_ROWS, 'N' AS IS_VIEW FROM ALL_TABLES WHERE OWNER = :owner"):
            t = d.tables.get((binds["owner"], binds["table_name"]))
            return [(t.owner, t.name, None if t.view else t.num_rows, "Y" if t.view else "N")] if t else []
        if flat.startswith("SELECT TABLE_OWNER, TABLE_NAME FROM ALL_SYNONYMS WHERE OWNER = :owner"):
            target = d.synonyms.get((binds["owner"], binds["synonym_name"]))
            return [target] if target else []
        if "FROM ALL_TAB_COLUMNS" in flat:
            t = d.tables.get((binds["owner"], binds["table_name"]))
            return [(c.name, c.data_type, c.type_mod, c.type_owner, c.precision, c.scale,
                     c.char_length, c.data_length, "Y" if c.nullable else "N", i + 1)
                    for i, c in enumerate(t.columns)] if t else []
        if "FROM ALL_CONSTRAINTS c" in flat:
            t = d.tables.get((binds["owner"], binds["table_name"]))
            return [(k,) for k in t.primary_key] if t and not t.view else []
        if flat.startswith("SELECT COUNT(*) FROM "):
            m = re.match(r'SELECT COUNT\(\*\) FROM "([^"]+)"\."([^"]+)" AS OF SCN', flat)
            if m and (m.group(1), m.group(2)) in d.flashback_denied:
                raise ora_error("ORA-01031: insufficient privileges", 1031)
            table, _ = self._rows(sql, binds)
            return [(table.num_rows,)]
        m = re.match(r'SELECT MIN\("([^"]+)"\), MAX\("\1"\) FROM ', flat)
        if m:
            table, (t, _) = self._rows(sql, binds)
            col = table.column(t.column(m.group(1)).name)
            # a classic cursor gives Python values (int for NUMBER(p,0))
            return [(pc.min(col).as_py(), pc.max(col).as_py())]
        raise ora_error("ORA-00900: invalid SQL statement (the fake does not know this query)", 900)

    def _list_tables(self, flat: str, binds: dict[str, Any]) -> list[tuple]:
        d = self.driver
        if "ORACLE_MAINTAINED" in flat and int(d.version.split(".")[0]) < 12:
            raise ora_error('ORA-00904: "U"."ORACLE_MAINTAINED": invalid identifier', 904)
        excluded = {v for k, v in binds.items() if re.fullmatch(r"x\d+", k)}
        rows = []
        for t in d.tables.values():
            if t.view:
                continue
            if t.owner != d.user:
                if t.owner in excluded or t.owner.startswith(("APEX_", "FLOWS_")):
                    continue
                if "ORACLE_MAINTAINED" in flat and t.owner in d.maintained:
                    continue
            rows.append((t.owner, t.name, t.num_rows))
        return sorted(rows, key=lambda r: (r[0] != d.user, r[0], r[1]))

    # -- the SELECT evaluator ---------------------------------------------------------------
    _OUTER_RE = re.compile(r"^SELECT \* FROM \(\s*(?P<inner>.*)\s*\)\s*WHERE ROWNUM <= :max_rows\s*$", re.S)
    _INNER_RE = re.compile(
        r'^SELECT (?P<items>.*?)\s+FROM (?:"(?P<owner>[^"]+)"\."(?P<table>[^"]+)"|\(\n(?P<query>.*?)\n\) "Q")'
        r'(?P<asof> AS OF SCN :scn)?'
        r"(?:\s+WHERE (?P<where>.*?))?(?:\s+ORDER BY (?P<order>.*?))?\s*$", re.S)

    def _rows(self, sql: str, binds: dict[str, Any]) -> tuple[pa.Table, tuple[FakeTable, str]]:
        """Rows of the FROM table after WHERE, ORDER BY and ROWNUM; and the select list."""
        _check_binds(sql, binds)
        from tests.oracle_fake_dual import replace_inline_dual  # the doctor's probe: literals FROM DUAL

        sql = replace_inline_dual(self.driver, sql)
        outer_limit = None
        m = self._OUTER_RE.match(sql.strip())
        if m:
            sql, outer_limit = m.group("inner"), int(binds["max_rows"])
        m = self._INNER_RE.match(sql.strip())
        if not m:
            raise ora_error("ORA-00900: invalid SQL statement (the fake cannot parse it)", 900)
        if m.group("query") is not None:  # a query-backed table's inline view
            t = self.driver.query_result(m.group("query"))
        else:
            t = self.driver.tables.get((m.group("owner"), m.group("table")))
        if t is None:
            raise ora_error("ORA-00942: table or view does not exist", 942)
        data = t.data
        if m.group("asof"):
            d = self.driver
            if d.flashback_error is not None:
                raise d.flashback_error
            scn = int(binds["scn"])
            if d.undo_low_scn is not None and scn < d.undo_low_scn:
                raise ora_error("ORA-01555: snapshot too old: rollback segment number 7 with name "
                                '"_SYSSMU7_1$" too small', 1555)
            data = t.as_of(scn)
        if re.search(r"\bROWID\b", sql) and m.group("query") is not None:
            # an inline view with joins, DISTINCT, GROUP BY... has no row address
            raise ora_error("ORA-01446: cannot select ROWID from, or sample, a view with "
                            "DISTINCT, GROUP BY, etc.", 1446)
        if re.search(r"\bROWID\b", sql):
            # the fake's row addresses: position-based, so text order is table order
            data = data.append_column(ROWID_COLUMN, pa.array(
                [f"AAAFAK{i:012d}" for i in range(data.num_rows)], pa.large_string()))
        inner_limit = None
        if m.group("where"):
            mask = None
            for cond in _split_top(m.group("where"), r"\s+AND\s+"):
                if re.fullmatch(r"ROWNUM <= :max_rows", cond.strip()):
                    inner_limit = int(binds["max_rows"])
                    continue
                cmask = _condition(t, data, cond.strip(), binds)
                mask = cmask if mask is None else pc.and_kleene(mask, cmask)
            if mask is not None:
                data = data.filter(pc.fill_null(mask, False))
        if inner_limit is not None:
            data = data.slice(0, inner_limit)  # ROWNUM applies before ORDER BY
        if m.group("order"):
            keys = [(ROWID_COLUMN if k.strip() == "ROWID" else _ident(k.strip()), "ascending")
                    for k in _split_top(m.group("order"), r",")]
            data = data.sort_by(keys)
        if outer_limit is not None:
            data = data.slice(0, outer_limit)
        return data, (t, m.group("items"))

    def _evaluate(self, sql: str, binds: dict[str, Any], requested_schema: Any) -> pa.Table:
        self._check_cancel()
        data, (t, items_text) = self._rows(sql, binds)
        items = _split_top(items_text, r",")
        arrays, names = [], []
        for item in items:
            expr, alias = _split_alias(item.strip())
            if expr.startswith(("MAX(", "SYS_EXTRACT_UTC(MAX(", "TO_CHAR(MAX(", "TO_CHAR(MIN(")):
                arr, dbtype = _aggregate_max(t, data, expr)
            else:
                arr, dbtype = _expression(t, data, expr)
            arrays.append((arr, dbtype))
            names.append(alias)
        if requested_schema is None:
            return pa.table({n: a for n, (a, _) in zip(names, arrays, strict=True)})
        schema = pa.schema(requested_schema)
        if len(schema) != len(arrays):
            raise dpy_error(_errors.ERR_WRONG_REQUESTED_SCHEMA_LENGTH,
                            num_schema_columns=len(schema), num_fetched_columns=len(arrays))
        out = {}
        for f, (arr, dbtype) in zip(schema, arrays, strict=True):
            out[f.name] = _convert(arr, dbtype, f.type)
        return pa.table(out)


# -- SQL helpers ----------------------------------------------------------------------------

def _strip_literals(sql: str) -> str:
    return re.sub(r'"[^"]*"', '""', re.sub(r"'(?:[^']|'')*'", "''", sql))


def _check_binds(sql: str, binds: dict[str, Any]) -> None:
    names = set(re.findall(r"(?<![:\w]):([A-Za-z_]\w*)", _strip_literals(sql)))
    missing = names - set(binds)
    if missing:
        raise dpy_error(_errors.ERR_MISSING_BIND_VALUE, name=sorted(missing)[0])
    extra = set(binds) - names
    if extra:
        raise ora_error("ORA-01036: illegal variable name/number", 1036)


def _split_top(text: str, sep: str) -> list[str]:
    """Split on `sep` outside parentheses and quotes."""
    parts, depth, start, i, quote = [], 0, 0, 0, None
    pattern = re.compile(sep)
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0:
            m = pattern.match(text, i)
            if m and m.end() > i:
                parts.append(text[start:i])
                start = i = m.end()
                continue
        i += 1
    parts.append(text[start:])
    return [p for p in parts if p.strip()]


def _split_alias(item: str) -> tuple[str, str]:
    m = re.match(r'^(?P<expr>.*)\s+AS\s+"(?P<alias>[^"]+)"$', item, re.S)
    if not m:
        raise ora_error("ORA-00900: the fake expects every select item aliased", 900)
    return m.group("expr").strip(), m.group("alias")


def _ident(text: str) -> str:
    m = re.fullmatch(r'"([^"]+)"', text.strip())
    if m:
        return m.group(1)
    if re.fullmatch(r"[A-Za-z][\w$#]*", text.strip()):
        return text.strip().upper()
    raise ora_error(f"ORA-00904: {text}: invalid identifier", 904)


_TS_FMT = "YYYY-MM-DD HH24:MI:SS.FF6"
_TS_FMT9 = "YYYY-MM-DD HH24:MI:SS.FF9"
_DATE_FMT = "YYYY-MM-DD HH24:MI:SS"


def _bind_value(t: FakeTable, col: FakeColumn, text: str, binds: dict[str, Any]) -> Any:
    text = text.strip()
    m = re.fullmatch(r":(\w+)", text)
    if m:
        # A decimal.Decimal binds as NUMBER, exactly (python-oracledb
        # impl/base/metadata.pyx ~l.404): the keyset bound of a NUMBER key is one.
        value = binds[m.group(1)]
        if isinstance(value, datetime):
            # python-oracledb binds a datetime as DATE: the fraction is lost.
            value = value.replace(microsecond=0)
        return value
    m = re.fullmatch(r"TO_TIMESTAMP\(:(\w+), '([^']*)'\)", text)
    if m and m.group(2) == _TS_FMT9:
        # all nine digits: an exact nanosecond timestamp
        head, _, frac = binds[m.group(1)].partition(".")
        whole = datetime.strptime(head, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        return pa.scalar(int(whole.timestamp()) * 1_000_000_000 + int(frac.ljust(9, "0")),
                         pa.timestamp("ns"))
    m2 = re.fullmatch(r"TO_DATE\(:(\w+), '([^']*)'\)", text)
    if m2:
        if m2.group(2) != _DATE_FMT:
            raise ora_error("ORA-01821: date format not recognized (fake knows one format)", 1821)
        return datetime.strptime(binds[m2.group(1)], "%Y-%m-%d %H:%M:%S")
    if m:
        if m.group(2) != _TS_FMT:
            raise ora_error("ORA-01821: date format not recognized (fake knows two formats)", 1821)
        return datetime.strptime(binds[m.group(1)], "%Y-%m-%d %H:%M:%S.%f")
    m = re.fullmatch(r"TIMESTAMP '([^']*)'", text)
    if m:
        return pa.scalar(m.group(1), pa.string()).cast(pa.timestamp("us"))
    m = re.fullmatch(r"FROM_TZ\((TO_TIMESTAMP\(.*\)), '\+00:00'\)", text)
    if m:
        inner = _bind_value(t, col, m.group(1), binds)
        if isinstance(inner, pa.Scalar):
            return inner.cast(pa.timestamp("ns", tz="UTC"))
        return inner.replace(tzinfo=UTC)
    m = re.fullmatch(r"'((?:[^']|'')*)'", text)
    if m:
        return m.group(1).replace("''", "'")
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return Decimal(text)
    raise NotImplementedError(f"the fake cannot evaluate the value {text!r}")


_OPS = {"=": pc.equal, "<>": pc.not_equal, "!=": pc.not_equal, "<": pc.less,
        "<=": pc.less_equal, ">": pc.greater, ">=": pc.greater_equal}


def _wrapped(text: str) -> bool:
    """Whether the whole text is one parenthesised group."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth, quote = 0, None
    for i, ch in enumerate(text):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and i < len(text) - 1:
                return False
    return True


def _condition(t: FakeTable, data: pa.Table, cond: str, binds: dict[str, Any]) -> pa.Array:
    """A boolean expression of comparisons joined by AND / OR, with parentheses."""
    cond = cond.strip()
    while _wrapped(cond):
        cond = cond[1:-1].strip()
    for sep, combine in ((r"\s+OR\s+", pc.or_kleene), (r"\s+AND\s+", pc.and_kleene)):
        parts = _split_top(cond, sep)
        if len(parts) > 1:
            result = _condition(t, data, parts[0], binds)
            for part in parts[1:]:
                result = combine(result, _condition(t, data, part, binds))
            return result
    if cond == "1 = 1":
        return pa.repeat(pa.scalar(True), data.num_rows)
    m = re.fullmatch(r'("[^"]+")\s+IS NULL', cond)
    if m:
        return pc.is_null(data.column(t.column(_ident(m.group(1))).name))
    if cond == "ROWID > CHARTOROWID(:k0)":
        return pc.greater(data.column(ROWID_COLUMN), pa.scalar(binds["k0"], pa.large_string()))
    if cond == "ORA_HASH(ROWID, :bucket_max) = :bucket":
        # the fake's ROWID hash: the row's position modulo the bucket count
        n = binds["bucket_max"] + 1
        positions = pa.array(range(data.num_rows), pa.int64())
        remainder = pc.subtract(positions, pc.multiply(pc.divide(positions, n), n))  # integer division
        return pc.equal(remainder, binds["bucket"])
    m = re.fullmatch(r'(SYS_EXTRACT_UTC\()?("[^"]+"|[A-Za-z][\w$#]*)(?(1)\))\s*(<>|!=|<=|>=|=|<|>)\s*(.+)',
                     cond, re.S)
    if not m:
        raise NotImplementedError(f"the fake cannot evaluate the condition {cond!r}")
    col = t.column(_ident(m.group(2)))
    value = _bind_value(t, col, m.group(4), binds)
    arr = data.column(col.name).combine_chunks()
    op = m.group(3)
    if m.group(1):
        _expect(col.base, "TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH LOCAL TIME ZONE")
        arr = arr.cast(pa.timestamp(arr.type.unit))
    if isinstance(value, pa.TimestampScalar):
        # compare as int64 in the finer unit: values outside the ns range stay comparable
        unit = "ns" if "ns" in (arr.type.unit, value.type.unit) else "us"
        left = arr.cast(pa.timestamp(arr.type.unit)).cast(pa.int64())
        left = pc.multiply(left, _NS_PER[arr.type.unit] // _NS_PER[unit])
        right = value.cast(pa.int64()).as_py() * (_NS_PER[value.type.unit] // _NS_PER[unit])
        return _OPS[op](left, pa.scalar(right, pa.int64()))
    if pa.types.is_timestamp(arr.type):
        if isinstance(value, datetime) and value.tzinfo is not None and arr.type.tz is None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        scalar = pa.scalar(value, type=pa.timestamp("us", tz=arr.type.tz)).cast(arr.type)
    elif pa.types.is_decimal(arr.type) or pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
        scalar = pa.scalar(Decimal(str(value)))
        arr = arr.cast(pa.decimal128(38, 10)) if not pa.types.is_floating(arr.type) else arr
        scalar = scalar.cast(arr.type) if not pa.types.is_floating(arr.type) else pa.scalar(float(value))
    else:
        scalar = pa.scalar(value).cast(arr.type)
    return _OPS[op](arr, scalar)


ROWID_COLUMN = "\0ROWID"  # the fake's hidden row-address column
_Q = r'"([^"]+)"'
_EXPRESSIONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"^{_Q}$"), "column"),
    (re.compile(rf"^SYS_EXTRACT_UTC\({_Q}\)$"), "utc"),
    (re.compile(rf"^ROWIDTOCHAR\({_Q}\)$"), "rowid"),
    (re.compile(rf"^CAST\({_Q} AS VARCHAR2\(4000\)\)$"), "urowid"),
    (re.compile(rf"^JSON_SERIALIZE\({_Q} RETURNING CLOB\)$"), "json"),
    (re.compile(rf"^XMLSERIALIZE\(CONTENT {_Q} AS CLOB\)$"), "xml"),
    (re.compile(rf"^RTRIM\({_Q}\)$"), "rtrim"),
    (re.compile(rf"^FROM_VECTOR\({_Q} RETURNING CLOB\)$"), "vector"),
    (re.compile(rf"^TRUNC\(\(EXTRACT\(DAY FROM {_Q}\) \* 86400 \+ EXTRACT\(HOUR FROM \"\1\"\) \* 3600"
                rf" \+ EXTRACT\(MINUTE FROM \"\1\"\) \* 60 \+ EXTRACT\(SECOND FROM \"\1\"\)\) "
                rf"\* 1000000\)$"), "interval_ds"),
    (re.compile(rf"^\(EXTRACT\(YEAR FROM {_Q}\) \* 12 \+ EXTRACT\(MONTH FROM \"\1\"\)\)$"),
     "interval_ym"),
    (re.compile(r"^TRUNC\((.+)\)$"), "trunc"),
    (re.compile(rf"^TO_CHAR\({_Q}, 'TM9', 'NLS_NUMERIC_CHARACTERS=''\.,'''\)$"), "to_char_tm9"),
    (re.compile(rf"^TO_CHAR\({_Q}, '([^']*)'\)$"), "to_char"),
    (re.compile(rf"^TO_CHAR\(SYS_EXTRACT_UTC\({_Q}\), '([^']*)'\)$"), "to_char_utc"),
    (re.compile(rf"^ROUND\({_Q}(?:, (\d+))?\)$"), "round"),
]


def _expression(t: FakeTable, data: pa.Table, expr: str) -> tuple[pa.Array, str]:
    """Evaluate one select expression: (values, the Oracle type of the result)."""
    if expr == "ROWIDTOCHAR(ROWID)":
        return data.column(ROWID_COLUMN).combine_chunks(), "VARCHAR2"
    for pattern, kind in _EXPRESSIONS:
        m = pattern.match(expr)
        if not m:
            continue
        if kind == "trunc":
            arr, dbtype = _expression(t, data, m.group(1))
            if dbtype not in ("DATE", "TIMESTAMP"):
                raise ora_error("ORA-00932: inconsistent datatypes", 932)
            return pc.floor_temporal(arr, unit="day"), "DATE"
        col = t.column(m.group(1))
        arr = data.column(col.name).combine_chunks()
        base = col.base
        if kind == "column":
            return arr, base
        if kind == "utc":
            _expect(base, "TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH LOCAL TIME ZONE")
            return arr.cast(pa.timestamp(arr.type.unit)), "TIMESTAMP"
        if kind == "rowid":
            _expect(base, "ROWID")
            return arr, "VARCHAR2"
        if kind == "urowid":
            _expect(base, "UROWID")
            return arr, "VARCHAR2"
        if kind == "json":
            _expect(base, "JSON")
            return arr, "CLOB"
        if kind == "xml":
            _expect(base, "XMLTYPE")
            return arr, "CLOB"
        if kind == "rtrim":
            _expect(base, "CHAR", "NCHAR", "VARCHAR2", "NVARCHAR2")
            trimmed = pc.utf8_rtrim(arr, characters=" ")
            # Oracle has no empty strings: RTRIM of blanks is NULL.
            return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, trimmed.type), trimmed), "VARCHAR2"
        if kind == "vector":
            _expect(base, "VECTOR")
            return pa.array([None if v is None else "[" + ",".join(_oracle_e(x) for x in v) + "]"
                             for v in arr.to_pylist()], pa.large_string()), "CLOB"
        if kind == "interval_ds":
            _expect(base, "INTERVAL DAY TO SECOND")
            if pa.types.is_interval(arr.type):  # storage past what int64 microseconds hold
                return pa.array([None if v is None else Decimal(v.days * 86_400_000_000 + v.nanoseconds // 1000)
                                 for v in arr.to_pylist()], pa.decimal128(38, 0)), "NUMBER"
            return arr.cast(pa.duration("us")).cast(pa.int64()), "NUMBER"
        if kind == "to_char":
            _expect(base, "DATE", "TIMESTAMP")
            return _to_char_array(arr, m.group(2)), "VARCHAR2"
        if kind == "interval_ym":
            _expect(base, "INTERVAL YEAR TO MONTH")
            return arr.cast(pa.int64()), "NUMBER"
        if kind == "to_char_tm9":
            _expect(base, "NUMBER", "FLOAT")
            return pa.array([None if v is None else _tm9(v) for v in arr.to_pylist()],
                            pa.large_string()), "VARCHAR2"
        if kind == "to_char_utc":
            _expect(base, "TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH LOCAL TIME ZONE")
            return _to_char_array(arr, m.group(2)), "VARCHAR2"
        if kind == "round":
            _expect(base, "NUMBER", "FLOAT", "BINARY_FLOAT", "BINARY_DOUBLE")
            digits = int(m.group(2) or 0)
            if base.startswith("BINARY_"):
                # ROUND of a binary float rounds half to even and stays a binary float
                return pc.round(arr, ndigits=digits, round_mode="half_to_even"), base
            if pa.types.is_decimal(arr.type):  # NUMBER arithmetic is exact: compute wide
                arr = arr.cast(pa.decimal256(76, max(arr.type.scale, digits)))
            # ROUND of a NUMBER rounds half away from zero
            return pc.round(arr, ndigits=digits, round_mode="half_towards_infinity"), "NUMBER"
    raise NotImplementedError(f"the fake cannot evaluate the expression {expr!r}")


def _tm9(v: Any) -> str:
    """TO_CHAR(n, 'TM9'): the shortest exact text, no leading zero before the mark."""
    text = format(Decimal(str(v)).normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace("0.", ".", 1) if text.startswith(("0.", "-0.")) else text


def _aggregate_max(t: FakeTable, data: pa.Table, expr: str) -> tuple[pa.Array, str]:
    m = re.fullmatch(rf"TO_CHAR\(MAX\({_Q}\), 'TM9', 'NLS_NUMERIC_CHARACTERS=''\.,'''\)", expr)
    if m:  # a NUMBER's MAX as exact text
        col = t.column(m.group(1))
        _expect(col.base, "NUMBER", "FLOAT")
        value = pc.max(data.column(col.name).combine_chunks()).as_py()
        return pa.array([None if value is None else _tm9(value)], pa.large_string()), "VARCHAR2"
    m = re.fullmatch(r"TO_CHAR\((MIN|MAX)\((.+)\), '([^']*)'\)", expr)
    if m:
        arr, dbtype = _expression(t, data, m.group(2))
        _expect(dbtype, "DATE", "TIMESTAMP")
        ints = [v for v in arr.cast(pa.timestamp(arr.type.unit)).cast(pa.int64()).to_pylist() if v is not None]
        pick = (min if m.group(1) == "MIN" else max)(ints) if ints else None
        one = pa.array([pick], pa.int64()).cast(pa.timestamp(arr.type.unit))
        return _to_char_array(one, m.group(3)), "VARCHAR2"
    m = re.fullmatch(rf"(SYS_EXTRACT_UTC\()?MAX\({_Q}\)\)?", expr)
    if not m:
        raise NotImplementedError(f"the fake cannot evaluate the aggregate {expr!r}")
    col = t.column(m.group(2))
    arr = data.column(col.name).combine_chunks()
    value = pc.max(arr)
    if pa.types.is_timestamp(arr.type):  # by integer: BC values have no Python datetime
        ints = arr.cast(pa.timestamp(arr.type.unit)).cast(pa.int64())
        out = pa.array([pc.max(ints).as_py()], pa.int64()).cast(arr.type)
    else:
        out = pa.array([value.as_py()], type=arr.type)
    if m.group(1):
        _expect(col.base, "TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH LOCAL TIME ZONE")
        return out.cast(pa.timestamp(arr.type.unit)), "TIMESTAMP"
    return out, col.base


def _to_char_array(arr: pa.Array, fmt: str) -> pa.Array:
    """TO_CHAR of DATE/TIMESTAMP values in the formats the source uses."""
    if fmt not in ('SYYYY-MM-DD"T"HH24:MI:SS.FF9', "SYYYY-MM-DD HH24:MI:SS", _DATE_FMT, _TS_FMT9):
        raise ora_error("ORA-01821: date format not recognized (the fake knows four)", 1821)
    ints = arr.cast(pa.timestamp(arr.type.unit)).cast(pa.int64()).to_pylist()
    out = []
    for v in ints:
        if v is None:
            out.append(None)
            continue
        ns = v * _NS_PER[arr.type.unit]
        year = _oracle_year(ns // 1000)
        day_ns = ns % 86_400_000_000_000
        days = ns // 86_400_000_000_000
        # month/day from the civil calendar (the same algorithm as _oracle_year)
        z = days + 719468
        era = z // 146097
        doe = z - era * 146097
        yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
        doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
        mp = (5 * doy + 2) // 153
        day = doy - (153 * mp + 2) // 5 + 1
        month = mp + 3 if mp < 10 else mp - 9
        secs, frac = divmod(day_ns, 10**9)
        # 'S' prefix: '-' for BC years, a blank for AD years; plain YYYY prints no sign
        sign = ("-" if year < 0 else " ") if fmt.startswith("S") else ""
        text = (f"{sign}{abs(year):04d}-{month:02d}-{day:02d}"
                f"{'T' if 'T' in fmt else ' '}{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}")
        out.append(text + (f".{frac:09d}" if "FF9" in fmt else ""))
    return pa.array(out, pa.large_string())


def _expect(base: str, *allowed: str) -> None:
    if base not in allowed:
        raise ora_error(f"ORA-00932: inconsistent datatypes: expected {allowed[0]} got {base}", 932)


def _oracle_e(x: float) -> str:
    """A number the way FROM_VECTOR prints it: 1.0E+000."""
    mant, exp = f"{x:.9E}".split("E")
    mant = mant.rstrip("0")
    if mant.endswith("."):
        mant += "0"
    return f"{mant}E{int(exp):+04d}"


# The Oracle types python-oracledb converts to Arrow, by family, and what
# requested_schema may ask for each (from python-oracledb's OracleMetadata).
_FAMILIES = {
    "number": ("NUMBER", "FLOAT"),
    "binfloat": ("BINARY_FLOAT", "BINARY_DOUBLE"),
    "datetime": ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH LOCAL TIME ZONE"),
    "string": ("CHAR", "NCHAR", "VARCHAR2", "NVARCHAR2", "LONG", "CLOB", "NCLOB"),
    "binary": ("RAW", "LONG RAW", "BLOB"),
    "bool": ("BOOLEAN",),
}


def _accepts(family: str, t: pa.DataType) -> bool:
    if family == "number":
        # impl/base/metadata.pyx ~l.225-239: NUMBER -> decimal128/decimal256/double/float/ints
        return pa.types.is_integer(t) or pa.types.is_decimal128(t) or pa.types.is_decimal256(t) or \
            pa.types.is_floating(t) and not pa.types.is_float16(t)
    if family == "binfloat":
        return pa.types.is_float32(t) or pa.types.is_float64(t)
    if family == "datetime":
        return pa.types.is_timestamp(t) or pa.types.is_date32(t) or pa.types.is_date64(t)
    if family == "string":
        return pa.types.is_string(t) or pa.types.is_large_string(t)
    if family == "binary":
        return pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t)
    if family == "bool":
        return pa.types.is_boolean(t)
    return False


def _convert(arr: pa.Array, dbtype: str, requested: pa.DataType) -> pa.Array:
    family = next((f for f, types in _FAMILIES.items() if dbtype in types), None)
    if family is None:
        raise dpy_error(_errors.ERR_ARROW_UNSUPPORTED_DATA_TYPE, db_type_name=f"DB_TYPE_{dbtype}")
    if not _accepts(family, requested):
        raise dpy_error(_errors.ERR_CANNOT_CONVERT_TO_ARROW_TYPE, arrow_type=str(requested),
                        db_type=f"DB_TYPE_{dbtype}")
    if family == "number":
        return _number_to_arrow(arr, requested)
    if family == "datetime" and pa.types.is_timestamp(arr.type):
        return _datetime_to_arrow(arr, requested)
    try:
        return arr.cast(requested)
    except pa.ArrowInvalid:
        raise dpy_error(_errors.ERR_INVALID_INTEGER, value="a value", arrow_type=str(requested)) from None


# -- what python-oracledb 26.1.0 does to each fetched NUMBER and DATE/TIMESTAMP value ----------

def _oracle_number_text(v: Any) -> str:
    """The digits of an Oracle NUMBER as the driver decodes them (impl/base/decoders.pyx
    decode_number ~l.157-260): plain digits, '-' sign, '0.' before a pure fraction, no
    exponent and no trailing fraction zeros."""
    d = v if isinstance(v, Decimal) else Decimal(repr(v)) if isinstance(v, float) else Decimal(v)
    if d == 0:
        return "0"
    return format(d.normalize(_WIDE), "f")  # NUMBER holds 38-40 digits: wider than the default 28


def _number_to_arrow(arr: pa.Array, requested: pa.DataType) -> pa.Array:
    texts = [None if v is None else _oracle_number_text(v) for v in arr.to_pylist()]
    if pa.types.is_decimal(requested):
        return _decimal_like_the_driver(texts, requested)
    if pa.types.is_integer(requested):
        values = []
        for t in texts:
            if t is None:
                values.append(None)
                continue
            # impl/base/converters.pyx ~l.379 convert_number_to_arrow_int: strtoll(chars):
            # parsing stops at the '.', so a fraction is truncated toward zero, silently;
            # only ERANGE (past int64) raises DPY-4036.
            n = int(Decimal(t))
            if not -(1 << 63) <= n < (1 << 63):
                raise dpy_error(_errors.ERR_CANNOT_CONVERT_TO_ARROW_INTEGER, value=t)
            values.append(n)
        out = pa.array(values, pa.int64())
        try:  # a narrower type: nanoarrow's ArrowArrayAppendInt range check fails the fetch
            return out.cast(requested)
        except pa.ArrowInvalid:
            raise dpy_error(_errors.ERR_CANNOT_CONVERT_TO_ARROW_INTEGER, value="a value") from None
    # converters.pyx ~l.335/355: strtod / strtof of the digits
    return pa.array([None if t is None else float(t) for t in texts], requested)


def _decimal_like_the_driver(texts: list[str | None], requested: pa.DataType) -> pa.Array:
    """impl/base/converters.pyx ~l.272-330 convert_number_to_arrow_decimal, then nanoarrow's
    ArrowDecimalSetDigits/ShiftAndAdd (impl/arrow/nanoarrow/nanoarrow.c ~l.529-615)."""
    p, s = requested.precision, requested.scale
    bits = 128 if pa.types.is_decimal128(requested) else 256
    words: list[int] = []
    for t in texts:
        if t is None:
            words.append(0)
            continue
        # ~l.292-315: the value's own significant digits against p and its own scale
        # against s: DPY-4042 when either is larger
        scale = len(t.split(".")[1]) if "." in t else 0
        significant = len(t.replace("-", "").replace(".", "").lstrip("0"))
        if significant > p or scale > s:
            raise dpy_error(_errors.ERR_CANNOT_CONVERT_TO_ARROW_DECIMAL, value=t, precision=p, scale=s)
        # ~l.317-328: the digits without the point, zeros appended up to s; the integer
        # digits are never checked against p - s
        digits = t.replace(".", "") + "0" * (s - scale)
        negative = digits.startswith("-")
        magnitude = int(digits.lstrip("-"))
        # ShiftAndAdd keeps 4 (decimal128) or 8 (decimal256) 32-bit words and drops the
        # carry out of the last one; ArrowDecimalNegate is a two's-complement negation
        magnitude %= 1 << bits
        words.append((-magnitude) % (1 << bits) if negative else magnitude)
    data = pa.py_buffer(b"".join(w.to_bytes(bits // 8, "little") for w in words))
    nulls = sum(t is None for t in texts)
    validity = pa.array([t is not None for t in texts], pa.bool_()).buffers()[1] if nulls else None
    return pa.Array.from_buffers(requested, len(texts), [validity, data], null_count=nulls)


_WIDE = Context(prec=100)
_NS_PER = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
_TIME_FACTOR = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


def _oracle_year(us_since_epoch: int) -> int:
    """The year the driver decodes (Oracle numbers BC years -1, -2, ...: there is no year 0)."""
    days = us_since_epoch // 86_400_000_000
    # days -> civil year (proleptic Gregorian, astronomical numbering; H. Hinnant's algorithm)
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    month = mp + 3 if mp < 10 else mp - 9
    year = y + (month <= 2)
    return year if year > 0 else year - 1


def _datetime_to_arrow(arr: pa.Array, requested: pa.DataType) -> pa.Array:
    """DATE/TIMESTAMP values as the driver converts them to Arrow."""
    raw = arr.cast(pa.timestamp(arr.type.unit)).cast(pa.int64()).to_pylist()
    out: list[int | None] = []
    for v in raw:
        if v is None:
            out.append(None)
            continue
        # impl/base/decoders.pyx ~l.102 (thin) and impl/thick/var.pyx ~l.473 (thick):
        # fsecond // 1000 -- every fetch path keeps microseconds only
        us = (v * _NS_PER[arr.type.unit]) // 1000
        year = _oracle_year(us)
        if not 1 <= year <= 9999:
            # converters.pyx ~l.176 convert_date_to_python: cydatetime.datetime_new raises
            # Python's own ValueError (not an oracledb error) and the whole fetch stops
            raise ValueError(f"year {year} is out of range")
        secs, frac_us = divmod(us, 1_000_000)
        if pa.types.is_timestamp(requested):
            # converters.pyx ~l.201-223: seconds * time_factor + the microseconds scaled;
            # int64 arithmetic with no overflow check: the 'ns' unit wraps outside 1677-2262
            unit = requested.unit
            ts = secs * _TIME_FACTOR[unit] + {"s": 0, "ms": frac_us // 1000, "us": frac_us,
                                               "ns": frac_us * 1000}[unit]
            out.append(((ts + (1 << 63)) % (1 << 64)) - (1 << 63))
        elif pa.types.is_date32(requested):
            out.append(us // 86_400_000_000)  # ~l.185-198: whole days
        else:
            out.append(us // 1000)  # date64: milliseconds
    if pa.types.is_timestamp(requested):
        return pa.array(out, pa.int64()).cast(pa.timestamp(requested.unit))
    return pa.array(out, pa.int32() if pa.types.is_date32(requested) else pa.int64()).cast(requested)


# -- ready-made tables ----------------------------------------------------------------------

BASE_TIME = datetime(2024, 3, 1, 8, 0, 0)


def events_table(n: int, *, owner: str = "APP", name: str = "EQUIPMENT_EVENTS",
                 start_id: int = 1) -> FakeTable:
    """An insert-mostly time-series table: EVENT_ID key, EVENT_TIME cursor (TIMESTAMP(6))."""
    return FakeTable(owner, name, events_columns(), events_rows(start_id, n), ["EVENT_ID"], num_rows=n)


def events_columns() -> list[FakeColumn]:
    return [
        FakeColumn("EVENT_ID", "NUMBER", 12, 0, nullable=False),
        FakeColumn("EQUIP_ID", "VARCHAR2", char_length=20, data_length=20),
        FakeColumn("EVENT_TIME", "TIMESTAMP(6)", scale=6, nullable=False),
        FakeColumn("VALUE", "NUMBER", 12, 3),
        FakeColumn("NOTE", "VARCHAR2", char_length=100, data_length=100),
    ]


def events_rows(start_id: int, n: int, *, seconds_apart: float = 1.5) -> pa.Table:
    from datetime import timedelta

    ids = list(range(start_id, start_id + n))
    return pa.table({
        "EVENT_ID": pa.array(ids, pa.int64()),
        "EQUIP_ID": pa.array([f"EQ{i % 7:02d}" for i in ids], pa.large_string()),
        "EVENT_TIME": pa.array([BASE_TIME + timedelta(seconds=i * seconds_apart) for i in ids],
                               pa.timestamp("us")),
        "VALUE": pa.array([Decimal(i * 37 % 100_000) / 1000 for i in ids], pa.decimal128(12, 3)),
        "NOTE": pa.array([None if i % 5 == 0 else f"note {i}" for i in ids], pa.large_string()),
    })
