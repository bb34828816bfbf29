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
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ...errors import SourceError, SyncCancelled, UnknownTableError
from ...i18n import _
from ...timens import parse_timestamp
from ...typeplan import ColumnPlan, Conversion, SourceColumn, parse_declared_type
from ..base import (
    CursorIndex,
    ReadSpec,
    ServerInfo,
    Source,
    TableDescription,
    TableInfo,
    key_fields,
    keyset_predicate,
)
from . import anchors, handles
from . import index as sqlite_index
from . import query as sqlite_query
from .arrow import ArrowReads, file_uri
from .arrow import available as arrow_available
from .cursor import (
    TS_FUNCTION,
    TZ_CURSOR_TYPES,
    canonical_sql,
    canonical_timestamp,
    format_date,
    format_timestamp,
    is_time_cursor,
    scan_bound,
    window_bound,
)
from .query import qualifier, relation
from .reads import SqliteReads
from .shape import quote


class SqliteSource(SqliteReads, Source):
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
        self._anchored = False  # holds the file's anchors (anchors.py) until close()

    # -- connection ------------------------------------------------------------------
    def connect(self) -> None:
        if not self.path.is_file():
            raise SourceError(_("SQLite source {path} does not exist").format(path=self.path))
        if not self._anchored:  # see anchors.py: before this source reads anything
            anchors.hold(self.path)
            self._anchored = True
        try:
            # check_same_thread=False: cancel() interrupts from another thread.
            conn = sqlite3.connect(file_uri(self.path), uri=True, check_same_thread=False)
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            raise SourceError(_("cannot open SQLite source {path}: {error}").format(
                path=self.path, error=exc)) from None
        # A progress handler aborts any statement once cancel() set the flag: unlike
        # interrupt() alone, it cannot miss a statement that starts just after the call.
        self._cancelled = False
        if self._arrow is not None:
            self._arrow.cancelled = False
        conn.set_progress_handler(lambda: 1 if self._cancelled else 0, 10_000)
        conn.create_function(TS_FUNCTION, 2, self._canonical_cursor, deterministic=True)
        handles.opened(self.path, handles.STDLIB)
        with self._lock:
            self._conn = conn

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            handles.close(self.path, handles.STDLIB, conn.close)  # see handles.py
        if self._arrow is not None:
            self._arrow.close()
        if self._anchored:
            self._anchored = False
            anchors.release(self.path)

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
        except OverflowError:  # a bound (--since 1e30) past SQLite's 64-bit integers
            raise SourceError(_("a value given is beyond SQLite's integers (64-bit): {binds}").format(
                binds=", ".join(f"{k}={v}" for k, v in (binds or {}).items()))) from None

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
            return SourceError(_("column {column}: cursor value {value!r} is not a date/time").format(
                column=bad[0], value=bad[1]))
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
        raise UnknownTableError(_("table {name} not found in the source {source}").format(
            name=shown, source=self.path.name))

    def describe(self, name: str) -> TableDescription:
        table = self._resolve_name(name)
        pk: list[tuple[int, str]] = []
        cols = self._columns(table, pk)
        count = self._one(f"SELECT COUNT(*) FROM {quote(table)}")[0]
        info = TableInfo(name=table, owner=None, table=table, estimated_rows=count)
        is_view = bool(self._one("SELECT 1 FROM sqlite_master WHERE type = 'view' AND name = :name",
                                     {"name": table}))  # a view has no rowid to bucket by
        return TableDescription(info=info, columns=tuple(cols),
                                primary_key=tuple(n for _, n in sorted(pk)), is_view=is_view)

    def describe_query(self, name: str, sql: str) -> TableDescription:
        try:
            return sqlite_query.describe_query(self.conn, name, sql, self._columns)
        except sqlite3.Error as exc:
            raise self._map_error(exc) from None

    def _columns(self, table: str, pk: list[tuple[int, str]] | None = None) -> list[SourceColumn]:
        """A table's or view's columns, declared types parsed; `pk` collects the key."""
        cols = []
        for cid, cname, decl, notnull, _default, pk_pos, *_rest in self._all(
                f"PRAGMA table_xinfo({quote(table)})"):
            base, precision, scale, length = parse_declared_type(decl or "")
            detail = ""
            if base.startswith("VECTOR"):
                fmt = re.search(r"FLOAT32|FLOAT64|INT8|BINARY", base)
                detail, base = (fmt.group(0) if fmt else ""), "VECTOR"
            cols.append(SourceColumn(name=cname, data_type=base or "TEXT", precision=precision,
                                     scale=scale, length=length, nullable=not notnull,
                                     position=cid + 1, type_detail=detail))
            if pk_pos and pk is not None:
                pk.append((pk_pos, cname))
        return cols

    def _row_alias(self, table: TableDescription) -> str | None:
        """The name that reaches the row's rowid: one of SQLite's three aliases that no
        column shadows; None for views, queries and WITHOUT ROWID tables, which have none."""
        if table.is_view or table.query is not None:
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
        return sqlite_index.cursor_index(self, table, column)

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
                raise SourceError(_("{table} has no rowid to split a parallel read by").format(
                    table=spec.table.info.name))
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
        sql = f"SELECT {items} FROM {relation(spec.table)}{self._where(spec, binds)}"
        if spec.order_by:
            # Qualified: a bare name would sort by a select item SQLite also answers to as
            # that name (names are case-insensitive there), e.g. RTRIM("K") AS "k".
            table = qualifier(spec.table)
            sql += " ORDER BY " + ", ".join(f"{table}.{quote(n)}" for n in spec.order_by)
        if spec.limit is not None:
            sql += " LIMIT :max_rows"
            binds["max_rows"] = spec.limit
        return sql, binds

    def key_bounds(self, table: TableDescription, column: str, where: str = "") -> tuple[Any, Any]:
        col = quote(table.column(column).name)
        sql = f"SELECT MIN({col}), MAX({col}) FROM {relation(table)}"
        if where:
            sql += f" WHERE ({where})"
        lo, hi = self._one(sql)
        return lo, hi

    def max_cursor(self, table: TableDescription, cursor: str, where: str = "") -> Any:
        col = table.column(cursor)
        sql = f"SELECT MAX({quote(col.name)}) FROM {relation(table)}"
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
            raise SourceError(_("column {column}: cursor value {value!r} is not a date/time").format(
                column=col.name, value=raw)) from None
        qc, binds = quote(col.name), {"lo_scan": scan_bound(floor)}
        sql = (f"SELECT MAX({canonical_sql(qc, col.name)}) FROM "
               f"{relation(table)} WHERE ({qc} >= :lo_scan OR {qc} < '0')")
        if where:
            sql += f" AND ({where})"
        if binds["lo_scan"] is None:
            sql, binds = sql.replace(f"({qc} >= :lo_scan OR {qc} < '0')", "TRUE"), {}
        top = self._one(sql, binds)[0]
        if col.data_type in TZ_CURSOR_TYPES:  # TIMESTAMPTZ holds microseconds
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

    # -- `tui-sync verify` (the SQL lives in sqlite_verify) ----------------------------------
    def verify_key_bounds(self, table: TableDescription, column: ColumnPlan, where: str,
                          buckets: int) -> tuple[Any, ...]:
        from . import verify as sqlite_verify

        return sqlite_verify.key_bounds(self.conn, relation(table), column, where, buckets)

    def verify_aggregates(self, table: TableDescription, where: str, part: Any,
                          sums: list[Any]) -> tuple[int, Any]:
        from . import verify as sqlite_verify

        with _verify_errors():
            return sqlite_verify.aggregates(self.conn, relation(table), where, part, sums)

    def verify_content(self, table: TableDescription, where: str, part: Any, cols: list[Any],
                       columns_of: set[Any] | None = None) -> Any:
        from . import verify as sqlite_verify

        with _verify_errors():
            return sqlite_verify.content(self.conn, relation(table), where, part, cols, columns_of)


@contextmanager
def _verify_errors() -> Iterator[None]:
    """A failing verify query as one line (verify prefixes the table's name)."""
    from ..verify_spec import VerifyQueryError

    try:
        yield
    except sqlite3.Error as exc:
        raise VerifyQueryError(_("verify query failed in the source: {error}").format(
            error=str(exc).splitlines()[0])) from None


__all__ = ["SqliteSource", "format_date", "format_timestamp", "quote"]
