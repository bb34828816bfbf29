"""SQLite source: any SQLite file whose declared types are Oracle-style.

It backs the built-in demo and the tests, so the whole product runs end to end
without an Oracle server. Values are read with the stdlib driver in batches and
turned into Arrow columns of the plan's types; DATE/TIMESTAMP values are ISO
text ('YYYY-MM-DD HH:MM:SS[.ffffff]', with an offset for the time-zone types).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..errors import SourceError, SyncCancelled, UnknownTableError
from ..timens import parse_timestamp
from ..typeplan import ColumnPlan, Conversion, SourceColumn, parse_declared_type
from .base import (
    CursorIndex,
    ReadSpec,
    ServerInfo,
    Source,
    TableDescription,
    TableInfo,
    key_fields,
    keyset_predicate,
)
from .sqlite_arrow import ArrowReads, ReadShape, build_shape, file_uri
from .sqlite_arrow import available as arrow_available
from .sqlite_arrow import kind_of as arrow_kind
from .sqlite_values import raw_keys, to_arrow


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'




# -- cursor values compared as timestamps whatever their text shape (DESIGN §5) ---------------

TS_FUNCTION = "tui_sync_ts"
_TZ_CURSOR_TYPES = frozenset({"TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH LOCAL TIME ZONE"})
_NANOS_RE = re.compile(r"\d\d:\d\d:\d\d[.,]\d{6}(\d{1,3})")


def is_time_cursor(col: SourceColumn) -> bool:
    return col.data_type == "DATE" or col.data_type.startswith("TIMESTAMP")


def sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_D = "[0-9]" * 4 + "-" + "[0-9]" * 2 + "-" + "[0-9]" * 2
_HMS = "[0-9][0-9]:[0-9][0-9]:[0-9][0-9]"
_US = "." + "[0-9]" * 6


def canonical_sql(quoted: str, name: str, *, udf: bool = True) -> str:
    """SQL for canonical_timestamp(column): the common ISO shapes in C (GLOB, concatenation;
    the demo's own shape is already canonical), anything else (offsets, other fraction
    lengths) through TS_FUNCTION, which parses like the read and fails where it fails."""
    c = quoted
    return (f"CASE WHEN {c} GLOB '{_D} {_HMS}{_US}' THEN {c} "
            f"WHEN {c} GLOB '{_D}T{_HMS}{_US}' THEN substr({c}, 1, 10) || ' ' || substr({c}, 12) "
            f"WHEN {c} GLOB '{_D}[ T]{_HMS}' THEN substr({c}, 1, 10) || ' ' || substr({c}, 12) "
            "|| '.000000' "
            f"WHEN {c} GLOB '{_D}' THEN {c} || ' 00:00:00.000000' "
            + (f"ELSE {TS_FUNCTION}({c}, {sql_text(name)}) END" if udf else "ELSE NULL END"))


def canonical_timestamp(value: Any) -> str | None:
    """Text that sorts by time: 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC for values with an
    offset), followed by three more digits only when TIMESTAMP(7-9) text has nonzero ones
    (a prefix sorts first, so the order stays exact). '2024-01-01', '2024-01-01T00:00:00'
    and '2024-01-01 00:00:00.000' are equal in it. It parses the way the read does
    (datetime.fromisoformat after strip), so what compares is what lands; a value the
    read cannot parse raises ValueError."""
    if value is None:
        return None
    text = (value.decode() if isinstance(value, bytes) else str(value)).strip()
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    nanos = _NANOS_RE.search(text) if len(text) > 26 else None  # fromisoformat keeps µs only
    extra = nanos.group(1).ljust(3, "0") if nanos else "000"
    return dt.isoformat(sep=" ", timespec="microseconds") + ("" if extra == "000" else extra)


def window_bound(value: Any, *, upper: bool = False) -> Any:
    """A window bound as canonical text. A bound known to the microsecond only (a Python
    datetime) covers its whole microsecond when it is the upper one, so a TIMESTAMP(9) row
    at MAX(cursor) is not held back by the digits the datetime cannot carry."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        nanos = getattr(value, "nanosecond", None)  # pandas.Timestamp carries them
        text = datetime.isoformat(value, sep=" ", timespec="microseconds")
        if nanos:
            return text + f"{nanos:03d}"
        return text + ("999" if upper and nanos is None else "")
    if isinstance(value, str) and value.startswith("<"):
        return value  # the plan's placeholders ('<max cursor>') are shown, never run
    try:
        return canonical_timestamp(value)
    except (ValueError, OverflowError):
        raise SourceError(f"window bound {value!r} is not a date/time") from None


def scan_bound(canonical: Any) -> str | None:
    """Plain text below every stored shape of the values at or after `canonical`: its
    date a day earlier (offsets move a value by less than a day), 'YYYY-MM-DD'. Every ISO
    shape of a later value starts with a date (or a compact 'YYYYMMDD', whose year prefix
    sorts the same or higher) that compares at or above it as text."""
    try:
        day = datetime.strptime(str(canonical)[:10], "%Y-%m-%d")
        return (day - timedelta(days=1)).date().isoformat() if day.year > 1 else None
    except ValueError:
        return None


class SqliteSource(Source):
    kind = "sqlite"
    implements_verify = True  # sqlite_verify: registered aggregates, a streamed content pass
    verify_hashing = "rows"

    def __init__(self, path: Path):
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._cancelled = False
        self._bad_cursor: tuple[str, Any] | None = None  # (column, value) TS_FUNCTION refused
        self._arrow = ArrowReads(self.path) if arrow_available() else None
        self._pinned_route: str | None = None  # one path for every chunk of a pinned read
        self._notes: list[str] = []

    # -- connection ------------------------------------------------------------------
    def connect(self) -> None:
        if not self.path.is_file():
            raise SourceError(f"SQLite source {self.path} does not exist")
        try:
            # check_same_thread=False: cancel() interrupts from another thread.
            conn = sqlite3.connect(file_uri(self.path), uri=True, check_same_thread=False)
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            raise SourceError(f"cannot open SQLite source {self.path}: {exc}") from None
        # A progress handler aborts any statement once cancel() set the flag: unlike
        # interrupt() alone, it cannot miss a statement that starts just after the call.
        self._cancelled = False
        if self._arrow is not None:
            self._arrow.cancelled = False
        conn.set_progress_handler(lambda: 1 if self._cancelled else 0, 10_000)
        conn.create_function(TS_FUNCTION, 2, self._canonical_cursor, deterministic=True)
        with self._lock:
            self._conn = conn

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
        if self._arrow is not None:
            self._arrow.close()

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            self.connect()
        assert self._conn is not None
        return self._conn

    def cancel(self) -> None:
        self._cancelled = True
        if self._arrow is not None:
            self._arrow.cancelled = True  # the Arrow read stops at its next batch
        with self._lock:
            if self._conn is not None:
                self._conn.interrupt()

    def _execute(self, sql: str, binds: dict[str, Any] | None = None) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, binds or {})
        except sqlite3.Error as exc:
            raise self._map_error(exc) from None

    def _one(self, sql: str, binds: dict[str, Any] | None = None) -> Any:
        """The first row of a query. The fetch steps the statement again, and an interrupt
        (cancel) can land there as well as in execute."""
        cur = self._execute(sql, binds)  # every statement passes _execute
        try:
            return cur.fetchone()
        except sqlite3.Error as exc:
            raise self._map_error(exc) from None

    def _all(self, sql: str, binds: dict[str, Any] | None = None) -> list[Any]:
        cur = self._execute(sql, binds)
        try:
            return cur.fetchall()
        except sqlite3.Error as exc:
            raise self._map_error(exc) from None

    def _canonical_cursor(self, value: Any, column: str) -> str | None:
        """The SQL function TS_FUNCTION: a cursor value as canonical timestamp text. A value
        the read could not parse either stops the statement, remembered for the message."""
        try:
            return canonical_timestamp(value)
        except (ValueError, OverflowError):
            self._bad_cursor = (column, value)
            raise

    def _map_error(self, exc: sqlite3.Error) -> Exception:
        text = str(exc)
        bad, self._bad_cursor = self._bad_cursor, None
        if bad is not None and "user-defined function" in text:
            return SourceError(f"column {bad[0]}: cursor value {bad[1]!r} is not a date/time")
        if "interrupted" in text:
            return SyncCancelled("cancelled")
        transient = "locked" in text or "busy" in text
        return SourceError(f"SQLite: {text}", transient=transient)

    def server_info(self) -> ServerInfo:
        version = self._one("SELECT sqlite_version()")[0]
        return ServerInfo(kind="sqlite", version=f"SQLite {version}", mode="file", detail=str(self.path))

    # -- dictionary ------------------------------------------------------------------
    def list_tables(self) -> list[TableInfo]:
        names = [r[0] for r in self._all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
            "ESCAPE '\\' ORDER BY name")]
        out = []
        for name in names:
            count = self._one(f"SELECT COUNT(*) FROM {quote(name)}")[0]
            out.append(TableInfo(name=name, owner=None, table=name, estimated_rows=count))
        return out

    def _resolve_name(self, name: str) -> str:
        wanted = name.strip()
        if "." in wanted and not (wanted.startswith('"') and wanted.endswith('"')):
            wanted = wanted.split(".")[-1]  # SQLite has no owners: SCHEMA.TABLE -> TABLE
        if wanted.startswith('"') and wanted.endswith('"'):
            wanted = wanted[1:-1].replace('""', '"')
        rows = [r[0] for r in self._all(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")]
        if wanted in rows:
            return wanted
        folded = [r for r in rows if r.upper() == wanted.upper()]
        if len(folded) == 1:
            return folded[0]
        shown = name if name.isprintable() else repr(name)
        raise UnknownTableError(f"table {shown} not found in the source {self.path.name}")

    def describe(self, name: str) -> TableDescription:
        table = self._resolve_name(name)
        cols = []
        pk: list[tuple[int, str]] = []
        for cid, cname, decl, notnull, _default, pk_pos, *_ in self._all(
                f"PRAGMA table_xinfo({quote(table)})"):
            base, precision, scale, length = parse_declared_type(decl or "")
            detail = ""
            if base.startswith("VECTOR"):
                fmt = re.search(r"FLOAT32|FLOAT64|INT8|BINARY", base)
                detail, base = (fmt.group(0) if fmt else ""), "VECTOR"
            cols.append(SourceColumn(name=cname, data_type=base or "TEXT", precision=precision,
                                     scale=scale, length=length, nullable=not notnull,
                                     position=cid + 1, type_detail=detail))
            if pk_pos:
                pk.append((pk_pos, cname))
        count = self._one(f"SELECT COUNT(*) FROM {quote(table)}")[0]
        info = TableInfo(name=table, owner=None, table=table, estimated_rows=count)
        is_view = bool(self._one("SELECT 1 FROM sqlite_master WHERE type = 'view' AND name = :name",
                                     {"name": table}))  # a view has no rowid to bucket by
        return TableDescription(info=info, columns=tuple(cols),
                                primary_key=tuple(n for _, n in sorted(pk)), is_view=is_view)

    def _row_alias(self, table: TableDescription) -> str | None:
        """The name that reaches the row's rowid: one of SQLite's three aliases that no
        column shadows; None for views and WITHOUT ROWID tables, which have none."""
        if table.is_view:
            return None
        row = self._one("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name",
                            {"name": table.info.table})
        if row is None or re.search(r"\bWITHOUT\s+ROWID\b", row[0] or "", re.IGNORECASE):
            return None
        taken = {c.name.lower() for c in table.columns}
        return next((a for a in ("rowid", "_rowid_", "oid") if a not in taken), None)

    def has_row_address(self, table: TableDescription) -> bool:
        return self._row_alias(table) is not None

    def cursor_index(self, table: TableDescription, column: str) -> CursorIndex | None:
        """Whether `column` leads an index: an INTEGER PRIMARY KEY (the rowid's alias, the
        table's own b-tree), a WITHOUT ROWID table's key or any full index (PRAGMA
        index_list lists both). A partial index serves only queries implying its WHERE."""
        if table.is_view:
            return None
        name, col = table.info.table, table.column(column).name
        indexes = self._all(f"PRAGMA index_list({quote(name)})")  # seq, name, unique, origin, partial
        # A one-column key of a rowid table without a key index is the rowid's alias (an
        # INTEGER PRIMARY KEY; INT, TEXT or "INTEGER PRIMARY KEY DESC" keys get an index).
        if (list(table.primary_key) == [col] and self._row_alias(table) is not None
                and not any(r[3] == "pk" for r in indexes)):
            return CursorIndex(col, "the INTEGER PRIMARY KEY (the table's rowid)")
        notes = []
        for _seq, index, _unique, _origin, partial, *_ in indexes:
            cols = [r[2] for r in sorted(self._all(f"PRAGMA index_info({quote(index)})"))]
            if col in cols and cols.index(col) == 0 and not partial:
                return CursorIndex(col, f"index {index}")
            if col in cols:
                notes.append(f"it leads the partial index {index}" if cols.index(col) == 0
                             else f"it is column {cols.index(col) + 1} of {index}")
        taken = {r[0].lower() for r in self._all("SELECT name FROM sqlite_master")}
        ix = stem = re.sub(r"\W", "_", f"{name}_{col}") + "_ix"
        n = 1
        while ix.lower() in taken:  # a name some other index or table already has
            n += 1
            ix = f"{stem}{n}"
        return CursorIndex(col, None, "; ".join(notes),
                           f"CREATE INDEX {quote(ix)} ON {quote(name)} ({quote(col)});")

    # -- SQL ------------------------------------------------------------------------------
    def _expr(self, cp: ColumnPlan) -> str:
        col = quote(cp.name)
        if cp.conversion == Conversion.RTRIM:
            return f"RTRIM({col}, ' ')"
        return col

    def _where(self, spec: ReadSpec, binds: dict[str, Any],
               odd_rows: list[tuple[str, str, Any, Any]] | None = None) -> str:
        parts = []
        if spec.where:
            parts.append(f"({spec.where})")
        if spec.window is not None and is_time_cursor(spec.table.column(spec.window.cursor)):
            self._time_window(spec, parts, binds, odd_rows)
        elif spec.window is not None:
            col = spec.table.column(spec.window.cursor)
            qc = quote(col.name)
            if spec.window.lo is not None:
                parts.append(f"{qc} >= :lo")
                binds["lo"] = self._bind_value(spec.window.lo)
            if spec.window.hi is not None:
                parts.append(f"{qc} <= :hi")
                binds["hi"] = self._bind_value(spec.window.hi)
        if spec.key_range is not None:
            kc = quote(spec.table.column(spec.key_range.column).name)
            terms = []
            if spec.key_range.lo is not None:
                terms.append(f"{kc} >= :range_lo")
                binds["range_lo"] = spec.key_range.lo
            if spec.key_range.hi is not None:
                terms.append(f"{kc} < :range_hi")
                binds["range_hi"] = spec.key_range.hi
            if spec.key_range.nulls:  # NULL keys fall in no range: this partition takes them
                parts.append(f"(({' AND '.join(terms) or '1 = 1'}) OR {kc} IS NULL)")
            else:
                parts += terms
        if spec.bucket is not None:
            alias = self._row_alias(spec.table)
            if alias is None:
                raise SourceError(f"{spec.table.info.name} has no rowid to split a parallel read by")
            parts.append(f"(abs({alias}) % :bucket_count) = :bucket")
            binds["bucket"], binds["bucket_count"] = spec.bucket
        if spec.after:
            names = [f":k{i}" for i in range(len(spec.after))]
            cols = [quote(spec.table.column(c).name) for c, _ in spec.after]
            parts.append(keyset_predicate(cols, names))
            for i, (_c, v) in enumerate(spec.after):
                # The raw key the previous chunk carried (ReadSpec.carry_keys): bound as it
                # is stored, it compares exactly as ORDER BY sorted it.
                binds[f"k{i}"] = v
        return (" WHERE " + " AND ".join(parts)) if parts else ""

    @staticmethod
    def _time_window(spec: ReadSpec, parts: list[str], binds: dict[str, Any],
                     odd_rows: list[tuple[str, str, Any, Any]] | None = None) -> None:
        """A DATE/TIMESTAMP window by value, whatever the text shape (DESIGN §5): both
        sides as canonical text. The plain range on the column lets an index narrow the
        scan first; it is a superset (see scan_bound), and `< '0'` keeps values stored as
        numbers or led by blanks, which the read parses too."""
        window = spec.window
        assert window is not None
        col = spec.table.column(window.cursor)
        qc = quote(col.name)
        ts = canonical_sql(qc, col.name, udf=odd_rows is None)
        # Without the Python function (ADBC has none) a shape SQL cannot order comes along
        # flagged, whatever the bounds, and the read keeps it by its canonical value.
        odd = f"({qc} IS NOT NULL AND ({ts}) IS NULL)" if odd_rows is not None else ""
        orodd = f" OR {odd}" if odd else ""
        if window.lo is not None:
            binds["lo"] = window_bound(window.lo)
            scan = scan_bound(binds["lo"])
            if scan is None and isinstance(window.lo, str) and window.lo.startswith("<"):
                scan = "<the day before>"  # `tui-sync plan` shows the SQL a run executes
            if scan is not None:
                parts.append(f"({qc} >= :lo_scan OR {qc} < '0')")
                binds["lo_scan"] = scan
            parts.append(f"({ts} >= :lo{orodd})")
        if window.hi is not None:
            parts.append(f"({ts} <= :hi{orodd})")
            binds["hi"] = window_bound(window.hi, upper=True)
        if odd_rows is not None:
            odd_rows.append((qc, odd, binds.get("lo"), binds.get("hi")))

    def build_select(self, spec: ReadSpec) -> tuple[str, dict[str, Any]]:
        binds: dict[str, Any] = {}
        items = ", ".join(f"{self._expr(c)} AS {quote(c.target_name)}" for c in spec.plan.included)
        for name, field_ in zip(spec.order_by, key_fields(spec), strict=False):
            items += f", {quote(spec.table.column(name).name)} AS {quote(field_)}"
        sql = f"SELECT {items} FROM {quote(spec.table.info.table)}{self._where(spec, binds)}"
        if spec.order_by:
            # Qualified: a bare name would sort by a select item SQLite also answers to as
            # that name (names are case-insensitive there), e.g. RTRIM("K") AS "k".
            table = quote(spec.table.info.table)
            sql += " ORDER BY " + ", ".join(f"{table}.{quote(n)}" for n in spec.order_by)
        if spec.limit is not None:
            sql += " LIMIT :max_rows"
            binds["max_rows"] = spec.limit
        return sql, binds

    def count_rows(self, spec: ReadSpec) -> int:
        binds: dict[str, Any] = {}
        inner = f"SELECT 1 FROM {quote(spec.table.info.table)}{self._where(spec, binds)}"
        if spec.limit is not None:
            inner += " LIMIT :max_rows"
            binds["max_rows"] = spec.limit
        return int(self._one(f"SELECT COUNT(*) FROM ({inner})", binds)[0])

    def key_bounds(self, table: TableDescription, column: str, where: str = "") -> tuple[Any, Any]:
        col = quote(table.column(column).name)
        sql = f"SELECT MIN({col}), MAX({col}) FROM {quote(table.info.table)}"
        if where:
            sql += f" WHERE ({where})"
        lo, hi = self._one(sql)
        return lo, hi

    def max_cursor(self, table: TableDescription, cursor: str, where: str = "") -> Any:
        col = table.column(cursor)
        sql = f"SELECT MAX({quote(col.name)}) FROM {quote(table.info.table)}"
        if where:
            sql += f" WHERE ({where})"
        raw = self._one(sql)[0]
        if raw is None or not is_time_cursor(col):
            return None if raw is None else self._python_value(col, raw)
        # MAX as text may pick the wrong row when shapes mix ('T' sorts above ' '). The
        # text maximum is one value, so the true maximum is at or above it: only rows past
        # its scan bound can hold it, which keeps the second query on an index.
        try:
            floor = canonical_timestamp(raw)
        except (ValueError, OverflowError):
            raise SourceError(f"column {col.name}: cursor value {raw!r} is not a date/time") from None
        qc, binds = quote(col.name), {"lo_scan": scan_bound(floor)}
        sql = (f"SELECT MAX({canonical_sql(qc, col.name)}) FROM "
               f"{quote(table.info.table)} WHERE ({qc} >= :lo_scan OR {qc} < '0')")
        if where:
            sql += f" AND ({where})"
        if binds["lo_scan"] is None:
            sql, binds = sql.replace(f"({qc} >= :lo_scan OR {qc} < '0')", "TRUE"), {}
        top = self._one(sql, binds)[0]
        if col.data_type in _TZ_CURSOR_TYPES:  # TIMESTAMPTZ holds microseconds
            return datetime.fromisoformat(top).replace(tzinfo=UTC)  # canonical text is UTC
        return self._python_value(col, top)

    # -- values ---------------------------------------------------------------------------
    @staticmethod
    def _bind_value(value: Any) -> Any:
        """A text or number window bound as SQLite compares it (time cursors go through
        _time_window, by value)."""
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        return value

    @staticmethod
    def _python_value(col: SourceColumn, raw: Any) -> Any:
        t = col.data_type
        if t in ("DATE", "TIMESTAMP") and isinstance(raw, str):
            return parse_timestamp(raw.strip())  # TIMESTAMP(7-9) text keeps its nanoseconds
        if t == "NUMBER" and col.scale and not isinstance(raw, str):
            return Decimal(str(raw))
        if t == "NUMBER" and isinstance(raw, float) and raw.is_integer():
            return int(raw)
        return raw

    # -- reading ----------------------------------------------------------------------------
    def read_batches(self, spec: ReadSpec) -> Iterator[pa.RecordBatch]:
        """Arrow-native through ADBC where it is exact and cancellable between batches;
        else the stdlib read (the reason is noted for the run's log)."""
        reason = self._stdlib_reason(spec)
        if reason is None:
            assert self._arrow is not None
            try:
                yield from self._arrow.read(spec, self._arrow_shape(spec),
                                            lambda: self._arrow_shape(spec, projected=True))
            finally:
                self._note_per_value()
            return
        self._notes.append(f"{spec.table.info.name}: read value by value (slower): {reason}")
        yield from self._stdlib_batches(spec)

    def read_notes(self) -> list[str]:
        notes, self._notes = self._notes, []
        return list(dict.fromkeys(notes))  # one line per reason, however many chunks

    def _note_per_value(self) -> None:
        if self._arrow is not None and self._arrow.reruns:
            self._notes.append("a column held a value of another storage class than its first "
                               "rows: the read was re-run with every column checked (slower)")
            self._arrow.reruns = 0
        if self._arrow is not None and self._arrow.per_value:
            self._notes.append(f"{self._arrow.per_value} irregular value(s) converted one by one "
                               "(a storage class other than the column's, or text no kernel parses)")
            self._arrow.per_value = 0

    def _stdlib_reason(self, spec: ReadSpec) -> str | None:
        if self._arrow is None:
            return "the ADBC SQLite driver (adbc-driver-sqlite) is not installed"
        if self._pinned_route is not None:
            return None if self._pinned_route == "arrow" else self._pinned_route
        reason = self._route(spec)
        if self._arrow.pinned:
            self._pinned_route = reason or "arrow"
        return reason

    def _route(self, spec: ReadSpec) -> str | None:
        if self._row_alias(spec.table) is None:
            return "a view or WITHOUT ROWID table has no rowid to re-read irregular values by"
        for cp in spec.plan.included:
            if arrow_kind(cp.arrow_type) is None:
                return f"column {cp.name} ({cp.duckdb_type}) has no Arrow conversion"
        if spec.window is not None and spec.limit is not None and is_time_cursor(
                spec.table.column(spec.window.cursor)):
            return "a limited read of a time window"
        # ADBC cannot be interrupted inside a statement: a query that works long before its
        # first row (a sort, a subquery in `where`) stays on the stdlib driver, which can.
        sql, binds = self.build_select(spec)
        plan = " ".join(str(r[-1]) for r in self._all(f"EXPLAIN QUERY PLAN {sql}", binds)).upper()
        for marker, why in (("TEMP B-TREE", "the query sorts"), ("SUBQUERY", "the query has a subquery"),
                            ("CORRELATED", "the query has a subquery")):
            if marker in plan:
                return f"{why} before its first row, which only the stdlib driver can interrupt"
        return None

    def _arrow_shape(self, spec: ReadSpec, *, projected: bool = False) -> ReadShape:
        binds: dict[str, Any] = {}
        odd: list[tuple[str, str, Any, Any]] = []
        where = self._where(spec, binds, odd_rows=odd)
        table = quote(spec.table.info.table)
        order = ""
        if spec.order_by:
            order = " ORDER BY " + ", ".join(f"{table}.{quote(n)}" for n in spec.order_by)
        if spec.limit is not None:
            order += " LIMIT :max_rows"
            binds["max_rows"] = spec.limit
        alias = self._row_alias(spec.table)
        assert alias is not None
        return build_shape(spec, [self._expr(c) for c in spec.plan.included], f"FROM {table}{where}",
                           order, binds, f"{table}.{alias}", table, odd[0] if odd else None,
                           projected=projected)

    def _stdlib_batches(self, spec: ReadSpec) -> Iterator[pa.RecordBatch]:
        sql, binds = self.build_select(spec)
        cur = self._execute(sql, binds)
        schema = spec.plan.arrow_schema()
        plans = spec.plan.included
        raw_names = key_fields(spec)
        while True:
            try:
                rows = cur.fetchmany(spec.batch_rows)
            except sqlite3.Error as exc:
                raise self._map_error(exc) from None
            if not rows:
                return
            columns = list(zip(*rows, strict=True))
            arrays = [to_arrow(cp, values) for cp, values in zip(plans, columns, strict=False)]
            batch = pa.RecordBatch.from_arrays(arrays, schema=schema)
            for name, key, values in zip(raw_names, spec.order_by, columns[len(plans):], strict=True):
                batch = batch.append_column(name, raw_keys(key, values))
            yield batch

    # -- one point in time for chunked reads ---------------------------------------------
    def pin_reads(self, snapshot: Any = None) -> tuple[Any, str]:
        """Hold one read transaction across the chunks of a full sync, where that does not
        stop the application writing.

        In WAL mode a read transaction reads one snapshot and writers carry on beside it.
        In rollback-journal mode (DELETE, TRUNCATE, PERSIST, MEMORY) a held read keeps a
        SHARED lock that makes every writer's COMMIT fail with "database is locked" for as
        long as the full sync runs: we do not hold it there. Each chunk is then its own
        read; the watermark taken before the first read still makes the next incremental
        re-read every row written meanwhile with a newer cursor value.
        """
        journal = str(self._one("PRAGMA journal_mode")[0]).lower()
        if journal != "wal":
            return None, (f"not pinned: the SQLite file is in {journal} journal mode, where a "
                          "read held across chunks would block its writers (WAL mode allows it)")
        self.unpin_reads()
        self._execute("BEGIN")
        # A deferred transaction takes its snapshot at its first read: take it now.
        self._one("SELECT COUNT(*) FROM sqlite_master")
        if self._arrow is not None:
            # Both drivers hold a snapshot; every chunk of this read takes one path
            # (_pinned_route), so all chunks read the same snapshot.
            self._arrow.begin()
            self._arrow.pinned = True
        return None, "one SQLite read transaction (WAL snapshot)"

    def unpin_reads(self) -> None:
        self._pinned_route = None
        if self._arrow is not None and self._arrow.pinned:
            self._arrow.pinned = False
            self._arrow.commit()
        conn = self._conn
        if conn is not None and conn.in_transaction:
            try:
                conn.execute("COMMIT")
            except sqlite3.Error:
                pass  # nothing was written: closing the connection ends it as well

    # -- `tui-sync verify` (the SQL lives in sqlite_verify) ----------------------------------
    def verify_key_bounds(self, table: TableDescription, column: ColumnPlan, where: str,
                          buckets: int) -> tuple[Any, ...]:
        from . import sqlite_verify

        return sqlite_verify.key_bounds(self.conn, table.info.table, column, where, buckets)

    def verify_aggregates(self, table: TableDescription, where: str, part: Any,
                          sums: list[Any]) -> tuple[int, Any]:
        from . import sqlite_verify

        with _verify_errors():
            return sqlite_verify.aggregates(self.conn, table.info.table, where, part, sums)

    def verify_content(self, table: TableDescription, where: str, part: Any, cols: list[Any],
                       columns_of: set[Any] | None = None) -> Any:
        from . import sqlite_verify

        with _verify_errors():
            return sqlite_verify.content(self.conn, table.info.table, where, part, cols, columns_of)


@contextmanager
def _verify_errors() -> Iterator[None]:
    """A failing verify query as one line (verify prefixes the table's name)."""
    from .verify_spec import VerifyQueryError

    try:
        yield
    except sqlite3.Error as exc:
        raise VerifyQueryError(f"verify query failed in the source: {str(exc).splitlines()[0]}") from None


def format_timestamp(dt: datetime) -> str:
    """Canonical text for TIMESTAMP values written into SQLite sources (demo, tests)."""
    return dt.strftime("%Y-%m-%d %H:%M:%S.%f")


def format_date(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S")


__all__ = ["SqliteSource", "format_date", "format_timestamp", "quote"]
