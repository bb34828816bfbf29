"""SQLite source: any SQLite file whose declared types are Oracle-style.

It backs the built-in demo and the tests, so the whole product runs end to end
without an Oracle server. Values are read with the stdlib driver in batches and
turned into Arrow columns of the plan's types; DATE/TIMESTAMP values are ISO
text ('YYYY-MM-DD HH:MM:SS[.ffffff]', with an offset for the time-zone types).
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

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


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_WIDE = Context(prec=80)
_FRACTION_RE = re.compile(r"\d{2}:\d{2}:\d{2}\.(\d+)")


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


def canonical_sql(quoted: str, name: str) -> str:
    """SQL for canonical_timestamp(column): the common ISO shapes in C (GLOB, concatenation;
    the demo's own shape is already canonical), anything else (offsets, other fraction
    lengths) through TS_FUNCTION, which parses like the read and fails where it fails."""
    c = quoted
    return (f"CASE WHEN {c} GLOB '{_D} {_HMS}{_US}' THEN {c} "
            f"WHEN {c} GLOB '{_D}T{_HMS}{_US}' THEN substr({c}, 1, 10) || ' ' || substr({c}, 12) "
            f"WHEN {c} GLOB '{_D}[ T]{_HMS}' THEN substr({c}, 1, 10) || ' ' || substr({c}, 12) "
            "|| '.000000' "
            f"WHEN {c} GLOB '{_D}' THEN {c} || ' 00:00:00.000000' "
            f"ELSE {TS_FUNCTION}({c}, {sql_text(name)}) END")


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

    def __init__(self, path: Path):
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._cancelled = False
        self._bad_cursor: tuple[str, Any] | None = None  # (column, value) TS_FUNCTION refused

    # -- connection ------------------------------------------------------------------
    def connect(self) -> None:
        if not self.path.is_file():
            raise SourceError(f"SQLite source {self.path} does not exist")
        try:
            # check_same_thread=False: cancel() interrupts from another thread.
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            raise SourceError(f"cannot open SQLite source {self.path}: {exc}") from None
        # A progress handler aborts any statement once cancel() set the flag: unlike
        # interrupt() alone, it cannot miss a statement that starts just after the call.
        self._cancelled = False
        conn.set_progress_handler(lambda: 1 if self._cancelled else 0, 10_000)
        conn.create_function(TS_FUNCTION, 2, self._canonical_cursor, deterministic=True)
        with self._lock:
            self._conn = conn

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            self.connect()
        assert self._conn is not None
        return self._conn

    def cancel(self) -> None:
        self._cancelled = True
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
        try:
            return self.conn.execute(sql, binds or {}).fetchone()
        except sqlite3.Error as exc:
            raise self._map_error(exc) from None

    def _all(self, sql: str, binds: dict[str, Any] | None = None) -> list[Any]:
        try:
            return self.conn.execute(sql, binds or {}).fetchall()
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

    def _where(self, spec: ReadSpec, binds: dict[str, Any]) -> str:
        parts = []
        if spec.where:
            parts.append(f"({spec.where})")
        if spec.window is not None and is_time_cursor(spec.table.column(spec.window.cursor)):
            self._time_window(spec, parts, binds)
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
    def _time_window(spec: ReadSpec, parts: list[str], binds: dict[str, Any]) -> None:
        """A DATE/TIMESTAMP window by value, whatever the text shape (DESIGN §5): both
        sides as canonical text. The plain range on the column lets an index narrow the
        scan first; it is a superset (see scan_bound), and `< '0'` keeps values stored as
        numbers or led by blanks, which the read parses too."""
        window = spec.window
        assert window is not None
        col = spec.table.column(window.cursor)
        qc = quote(col.name)
        ts = canonical_sql(qc, col.name)
        if window.lo is not None:
            binds["lo"] = window_bound(window.lo)
            scan = scan_bound(binds["lo"])
            if scan is None and isinstance(window.lo, str) and window.lo.startswith("<"):
                scan = "<the day before>"  # `tui-sync plan` shows the SQL a run executes
            if scan is not None:
                parts.append(f"({qc} >= :lo_scan OR {qc} < '0')")
                binds["lo_scan"] = scan
            parts.append(f"{ts} >= :lo")
        if window.hi is not None:
            parts.append(f"{ts} <= :hi")
            binds["hi"] = window_bound(window.hi, upper=True)

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
                batch = batch.append_column(name, _raw_keys(key, values))
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
        return None, "one SQLite read transaction (WAL snapshot)"

    def unpin_reads(self) -> None:
        conn = self._conn
        if conn is not None and conn.in_transaction:
            try:
                conn.execute("COMMIT")
            except sqlite3.Error:
                pass  # nothing was written: closing the connection ends it as well


# -- Python values -> Arrow arrays of the plan's types ---------------------------------------

def to_arrow(cp: ColumnPlan, values: tuple[Any, ...]) -> pa.Array:
    t = cp.arrow_type
    assert t is not None
    try:
        if pa.types.is_decimal(t):
            decimals = [_to_decimal(v, t.scale) for v in values]
            try:
                return pa.array(decimals, t)
            except pa.ArrowInvalid:
                _raise_too_wide(decimals, t)
                raise
        if pa.types.is_timestamp(t):
            return _to_timestamp(values, t)
        if pa.types.is_interval(t):
            return pa.array([_to_interval(v, cp.conversion) for v in values], t)
        if pa.types.is_list(t):
            return pa.array([json.loads(v) if isinstance(v, str) else v for v in values], t)
        if pa.types.is_integer(t):
            try:  # a safe cast: a stored fraction raises instead of being truncated
                return pa.array(values).cast(t)
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
                ints = [_to_int(v) for v in values]
                lo, hi = -(1 << (t.bit_width - 1)), (1 << (t.bit_width - 1)) - 1
                bad = next((i for i in ints if i is not None and not lo <= i <= hi), None)
                if bad is not None:
                    raise ValueError(f"value {bad} does not fit {t}") from None
                return pa.array(ints, t)
        if pa.types.is_floating(t):
            try:
                return pa.array(values, t)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                return pa.array([None if v is None else float(v) for v in values], t)
        if pa.types.is_large_string(t) or pa.types.is_string(t):
            try:
                return pa.array(values, t)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                return pa.array([_to_text(v) for v in values], t)
        if pa.types.is_large_binary(t) or pa.types.is_binary(t):
            return pa.array([v.encode() if isinstance(v, str) else v for v in values], t)
        if pa.types.is_boolean(t):
            return pa.array([_to_bool(v) for v in values], t)
        return pa.array(values, t)
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError, ArithmeticError, TypeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if isinstance(exc, InvalidOperation):
            first = "not a number that fits the column"
        raise SourceError(f"column {cp.name}: cannot convert values to {cp.duckdb_type}: {first}") from None


def _raise_too_wide(decimals: list[Decimal | None], t: pa.Decimal128Type) -> None:
    """Name the first value with more integer digits than DECIMAL(p,s) holds."""
    limit = Decimal(10) ** (t.precision - t.scale)
    for d in decimals:
        if d is not None and abs(d) >= limit:
            raise ValueError(f"value {d.normalize(_WIDE):f} has more than {t.precision - t.scale} "
                             "integer digits")


def _raw_keys(column: str, values: tuple[Any, ...]) -> pa.Array:
    """A key column as SQLite returned it (int, float, str or bytes): exact in Arrow."""
    try:
        arr = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arr = None  # mixed storage classes (numbers and text): never guess a common type
    if arr is not None and pa.types.is_floating(arr.type) and any(
            type(v) is int and abs(v) > 2**53 for v in values):
        arr = None  # integers beyond 2**53 beside REALs: a double would round them
    if arr is None:
        raise SourceError(f"key column {column} holds values of mixed storage types; a chunked "
                          "read cannot page it exactly (raise chunk_rows to load it in one piece)")
    return arr


def _to_text(v: Any) -> str | None:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return v.decode("utf-8", errors="replace")
    return str(v)


def _to_int(v: Any) -> int | None:
    """Round half away from zero, as Oracle stores a fraction in NUMBER(p,0)."""
    if v is None:
        return None
    d = Decimal(str(v).strip())
    return int(d.quantize(Decimal(1), rounding=ROUND_HALF_UP, context=_WIDE))


_TRUE = frozenset({"1", "true", "t", "y", "yes"})
_FALSE = frozenset({"0", "false", "f", "n", "no"})


def _to_bool(v: Any) -> bool | None:
    if v is None:
        return None
    text = str(v).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{v!r} is not a boolean (0/1, true/false, y/n)")


def _to_decimal(v: Any, scale: int) -> Decimal | None:
    if v is None:
        return None
    d = Decimal(str(v).strip()) if not isinstance(v, Decimal) else v
    # Oracle rounds half away from zero when it stores NUMBER(p,s); mirror it. The wide
    # context: NUMBER(38,s) needs more than Python's default 28 digits.
    return d.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP, context=_WIDE)


def _to_timestamp(values: tuple[Any, ...], t: pa.TimestampType) -> pa.Array:
    texts = [None if v is None else str(v).strip() for v in values]
    try:
        return pc.cast(pa.array(texts, pa.string()), t)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    out: list[int | None] = []
    for text in texts:  # slow path: offsets, 'T', odd spacing, out-of-range values
        if text is None:
            out.append(None)
            continue
        try:
            out.append(_timestamp_value(text, t))
        except (ValueError, OverflowError, pa.ArrowInvalid) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ValueError(f"value {text!r}: {reason}") from None
    return pa.array(out, pa.int64()).cast(t)


_EPOCH = datetime(1970, 1, 1)
_UNIT_NS = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
_TS_RANGE = {"ns": "1677-09-21 to 2262-04-11"}


def _timestamp_value(text: str, t: pa.TimestampType) -> int:
    """One timestamp text as an integer in t's unit (UTC for zoned targets); digits 7-9 of
    the fraction are kept, never cut to Python's microseconds."""
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    m = _FRACTION_RE.search(text)
    extra_ns = int(m.group(1)[6:9].ljust(3, "0")) if m else 0
    delta = dt - _EPOCH
    ns = ((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds) * 1000 + extra_ns
    value = ns // _UNIT_NS[t.unit]  # a coarser plan (TIMESTAMP(0-6)) cuts, as it always has
    if not -(1 << 63) <= value < (1 << 63):
        raise ValueError(f"outside the range of {t} ({_TS_RANGE.get(t.unit, 'int64')})")
    return value


_DS_RE = re.compile(r"^([+-])?(\d+)\s+(\d+):(\d+):(\d+(?:\.\d+)?)$")
_YM_RE = re.compile(r"^([+-])?(\d+)-(\d+)$")


def _to_interval(v: Any, conversion: Conversion) -> pa.MonthDayNano | None:
    """Oracle literal text ('+02 03:04:05.5', '+01-06') or a number of seconds/months."""
    if v is None:
        return None
    if conversion == Conversion.INTERVAL_YM:
        if isinstance(v, str):
            m = _YM_RE.match(v.strip())
            if not m:
                raise ValueError(f"{v!r} is not a YEAR TO MONTH interval")
            months = int(m.group(2)) * 12 + int(m.group(3))
            months = -months if m.group(1) == "-" else months
        else:
            months = int(v)
        return pa.MonthDayNano([months, 0, 0])
    if isinstance(v, str):
        m = _DS_RE.match(v.strip())
        if not m:
            raise ValueError(f"{v!r} is not a DAY TO SECOND interval")
        sign = -1 if m.group(1) == "-" else 1
        secs = Decimal(m.group(5)) + int(m.group(4)) * 60 + int(m.group(3)) * 3600
        days = int(m.group(2))
    else:
        total = Decimal(str(v))
        sign = -1 if total < 0 else 1
        total = abs(total)
        days, secs = divmod(total, 86400)
        days = int(days)
    nanos = int(secs * 1_000_000_000)
    return pa.MonthDayNano([0, sign * days, sign * nanos])


def format_timestamp(dt: datetime) -> str:
    """Canonical text for TIMESTAMP values written into SQLite sources (demo, tests)."""
    return dt.strftime("%Y-%m-%d %H:%M:%S.%f")


def format_date(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S")


__all__ = ["SqliteSource", "format_date", "format_timestamp", "quote"]
