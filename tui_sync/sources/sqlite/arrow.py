"""Arrow-native reads of a SQLite source, through the ADBC SQLite driver.

The stdlib driver builds a Python tuple per row and the old read converted value by value:
~90 % of a full load. ADBC returns Arrow columns; sqlite_kernels converts them whole.
SQLite types values per cell, not per column. ADBC fixes each result column's type from
its first batch, converting silently inside that batch (an INTEGER beside a REAL becomes a
double, text becomes a number), and after it either converts as our reference does (an
INTEGER into a double column, any class into text, text into a blob) or fails the read
("Type mismatch"). So:

- the query starts with one whole batch of typed rows (dropped): every column has its
  plan's class from the first real row on, and a cell of another class either converts
  exactly or fails;
- a column read bare is one where that holds (integers, doubles, DECIMALs whose integers
  fit a double exactly, timestamps, blobs, text in a TEXT-affinity column); the others, and
  the raw keys, are projected in SQL onto one class (`CASE typeof(..)`) with a sentinel
  for a cell of any other class. A sentinel, or a kernel that cannot convert exactly,
  sends the batch's raw values of that column (read again by rowid, each class in its
  own column) through the per-value reference, sqlite_values.to_arrow;
- a "Type mismatch" re-runs the read with every column projected, skipping the rows
  already delivered (the same statement order on the same snapshot).

The re-reads run on the same connection inside the same read transaction as the main
query (pinned for a chunked sync, or one per read), so they see the same rows.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote as url_quote

import pyarrow as pa
import pyarrow.compute as pc

from ...errors import SourceError, SyncCancelled, one_line
from ...i18n import _
from ...readahead import prefetched
from ..base import ReadSpec, key_fields
from . import handles
from . import kernels as k
from .cursor import canonical_timestamp  # the one parser of cursor text
from .shape import CLASSES, KIND_CLASS, SENTINEL, TYPED_LITERAL, ReadShape
from .values import raw_keys, to_arrow, to_decimal


def available() -> bool:
    """A declared dependency; without it the stdlib read still works, slower. Imported on
    the first read only: its import costs ~0.5 s (pyarrow.dataset) that `status` need not pay."""
    return importlib.util.find_spec("adbc_driver_sqlite") is not None


def file_uri(path: Path, *, read_only: bool = True) -> str:
    """A file: URI SQLite accepts for any path (spaces, '?', '#', '%' escaped)."""
    uri = "file:" + url_quote(str(Path(path).absolute()), safe="/")
    return uri + ("?mode=ro" if read_only else "")


BUSY_TIMEOUT_MS = 5000  # sqlite3.connect's default timeout


class _TypeMismatch(Exception):
    """ADBC met a cell whose class a bare column does not convert."""


class ArrowReads:
    """The ADBC connection of one SqliteSource and the reads on it."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._conn: Any = None
        self.pinned = False
        self.cancelled = False
        self.per_value = 0  # values the reference converted one by one, since the last note
        self.reruns = 0  # reads re-run with every column projected, since the last note
        self._lock = threading.Lock()

    def connection(self) -> Any:
        if self._conn is None:
            try:
                import adbc_driver_sqlite.dbapi as adbc_sqlite

                conn = adbc_sqlite.connect(file_uri(self.path), autocommit=True)
                # Wait for a writer's lock as the stdlib driver does (its 5 s default): the
                # driver's own default fails a read at once with "database is locked" while
                # the application commits (seen in CI, then retried as transient).
                with conn.cursor() as cur:
                    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                    cur.fetchall()
                self._conn = conn
                handles.opened(self.path, handles.ADBC)
            except Exception as exc:  # noqa: BLE001 - the driver raises its own error types
                raise SourceError(_("cannot open SQLite source {path}: {error}").format(
                    path=self.path, error=one_line(exc))) from None
        return self._conn

    def close(self) -> None:
        conn, self._conn = self._conn, None
        self.pinned = False
        if conn is not None:
            handles.close(self.path, handles.ADBC, conn.close)  # see handles.py

    def _run(self, sql: str, params: tuple[Any, ...] = (), batch_rows: int = 65536) -> Any:
        cur = self.connection().cursor()
        try:
            cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(batch_rows)})
            cur.execute(sql, params or None)
            return cur, cur.fetch_record_batch()
        except Exception as exc:  # noqa: BLE001
            cur.close()
            raise _mapped(exc) from None

    def begin(self) -> None:
        """A read transaction; its snapshot is taken at the first read (as sqlite3's is)."""
        cur, reader = self._run("BEGIN")
        reader.read_all()
        cur.close()
        cur, reader = self._run("SELECT COUNT(*) FROM sqlite_master")
        reader.read_all()
        cur.close()

    def commit(self) -> None:
        if self._conn is None:
            return
        try:
            cur, reader = self._run("COMMIT")
            reader.read_all()
            cur.close()
        except SourceError:
            pass  # nothing was written; closing ends it as well

    # -- the read ------------------------------------------------------------------------
    def read(self, spec: ReadSpec, shape: ReadShape,
             projected: Callable[[], ReadShape]) -> Iterator[pa.RecordBatch]:
        own_txn = not self.pinned
        if own_txn:  # the re-reads must see the rows the main query saw
            self.begin()
        try:
            schema = spec.plan.arrow_schema()
            names = key_fields(spec)
            delivered: list[pa.Array] = []  # rowids already handed on, for a re-run to skip
            try:
                for batch in prefetched(self._batches(spec, shape)):
                    out = self._convert(spec, shape, batch, schema, names)
                    delivered.append(batch.column(1))
                    yield out
                return
            except _TypeMismatch:
                self.reruns += 1
            shape = projected()
            skip = pa.concat_arrays(delivered) if delivered else pa.array([], pa.int64())
            left = len(skip)
            for batch in prefetched(self._batches(spec, shape)):
                if left:
                    seen = pc.is_in(batch.column(1), value_set=skip)
                    left -= pc.sum(seen).as_py() or 0
                    batch = batch.filter(pc.invert(seen))
                if batch.num_rows:
                    yield self._convert(spec, shape, batch, schema, names)
        finally:
            if own_txn:
                self.commit()

    def _batches(self, spec: ReadSpec, shape: ReadShape) -> Iterator[pa.RecordBatch]:
        """The statement's rows without the typed ones, window-filtered; _TypeMismatch when
        a bare column meets a class ADBC will not convert."""
        cur, reader = self._run(shape.sql, shape.params, max(1, spec.batch_rows))
        try:
            while True:
                if self.cancelled:
                    raise SyncCancelled("cancelled")
                try:
                    with self._lock:  # the conversion's re-reads share the connection
                        batch = reader.read_next_batch()
                except StopIteration:
                    return
                except Exception as exc:  # noqa: BLE001
                    if "type mismatch" in str(exc).lower():
                        raise _TypeMismatch from None
                    raise _mapped(exc) from None
                batch = _drop_typed_rows(batch)
                if shape.odd is not None and batch.num_rows:
                    batch = self._window_filter(batch, shape)
                if batch.num_rows:
                    yield batch
        finally:
            cur.close()

    def _convert(self, spec: ReadSpec, shape: ReadShape, batch: pa.RecordBatch,
                 schema: pa.Schema, names: list[str]) -> pa.RecordBatch:
        arrays = []
        for cp, (expr, kind, at, bare) in zip(spec.plan.included, shape.columns, strict=True):
            arr = self._kernel(batch, kind, at, bare, cp.arrow_type)
            if arr is None:
                arr = self._reference(shape, batch, expr, lambda v, cp=cp: to_arrow(cp, v))
            arrays.append(arr)
        out = pa.RecordBatch.from_arrays(arrays, schema=schema)
        for name, (expr, kind, at, key) in zip(names, shape.keys, strict=True):
            arr = batch.column(at)
            if _has(arr, SENTINEL[KIND_CLASS[kind]]):
                arr = self._reference(shape, batch, expr, lambda v, key=key: raw_keys(key, v))
            out = out.append_column(name, arr)
        return out

    def _kernel(self, batch: pa.RecordBatch, kind: str, at: int, bare: bool,
                t: pa.DataType) -> pa.Array | None:
        """The column converted by kernels, or None for the reference to convert."""
        arr = batch.column(at)
        if not bare and _has(arr, SENTINEL[KIND_CLASS[kind]]):
            return None
        if kind == "int":
            return k.integers(arr, t)
        if kind == "bool":
            return k.booleans(arr)
        if kind == "float":
            return k.floats(arr, t)
        if kind == "timestamp":
            return k.timestamps(arr, t)
        if kind == "string":
            # invalid UTF-8: the reference fails a TEXT cell as sqlite3 does and decodes
            # a BLOB with replacement characters
            return k.strings(arr, t) if _valid_utf8(arr) else None
        if kind == "binary":
            return k.binaries(arr, t)
        if bare:  # a DECIMAL read as double: its integers came exact
            return self._decimals_from_reals(arr, t)
        ints = k.decimals_from_integers(arr, t)
        reals = batch.column(at + 1)
        if ints is None or reals.null_count == len(reals):
            return ints
        from_reals = self._decimals_from_reals(reals, t)
        return None if from_reals is None else k.merge_decimals(ints, from_reals)

    def _decimals_from_reals(self, reals: pa.Array, t: pa.Decimal128Type) -> pa.Array | None:
        converted = k.decimals_from_reals(reals, t)
        if converted is None:
            return None
        out, unsafe = converted
        if pc.any(unsafe).as_py():  # near a tie: those few values through the reference
            positions = pc.indices_nonzero(unsafe)
            fixed = decimals_one_by_one(t, reals.take(positions).to_pylist(), self)
            if fixed is None:
                return None
            out = pc.replace_with_mask(out, unsafe, fixed)  # in order of the set bits
        return out

    def _reference(self, shape: ReadShape, batch: pa.RecordBatch, expr: str, convert: Any) -> pa.Array:
        """The batch's raw values of one column, read again by rowid, converted by the
        reference one by one (as the stdlib read converted every value)."""
        rids = batch.column(1).to_pylist()
        values = self.raw_values(shape, expr, rids)
        self.per_value += len(values)
        return convert(tuple(values))

    def raw_values(self, shape: ReadShape, expr: str, rids: list[int]) -> list[Any]:
        parts = ", ".join(f"CASE typeof({expr}) WHEN '{c}' THEN {expr} END" for c in CLASSES)
        typed = ", ".join(TYPED_LITERAL[c] for c in CLASSES)
        sql = (f"SELECT 0, 'typed', {typed} UNION ALL SELECT * FROM (SELECT {shape.rowid}, "
               f"typeof({expr}), {parts} FROM {shape.table} WHERE {shape.rowid} IN "
               "(SELECT value FROM json_each(?1)))")
        with self._lock:  # the fetch ahead reads the main statement on another thread
            cur, reader = self._run(sql, (json.dumps(rids),), batch_rows=len(rids) + 1)
            try:
                table = reader.read_all()
            except Exception as exc:  # noqa: BLE001
                raise _mapped(exc) from None
            finally:
                cur.close()
        by_rid: dict[int, Any] = {}
        cols = [table.column(i) for i in range(table.num_columns)]
        kinds = cols[1].to_pylist()
        for row, (rid, cls) in enumerate(zip(cols[0].to_pylist(), kinds, strict=True)):
            if row == 0:
                continue  # the typed row
            by_rid[rid] = None if cls == "null" else _py(cols[2 + CLASSES.index(cls)], row, expr)
        return [by_rid[r] for r in rids]

    def _window_filter(self, batch: pa.RecordBatch, shape: ReadShape) -> pa.RecordBatch:
        """Rows whose cursor text has a shape SQL cannot order (an offset, another fraction
        length) came along flagged; keep those inside the window by canonical value."""
        assert shape.odd is not None
        at, cursor_expr, lo, hi = shape.odd
        flags = batch.column(at)
        if flags.null_count == len(flags):
            return batch
        positions = pc.indices_nonzero(pc.fill_null(pc.equal(flags, 1), False)).to_pylist()
        rids = batch.column(1).take(pa.array(positions)).to_pylist()
        keep = [True] * batch.num_rows
        for pos, value in zip(positions, self.raw_values(shape, cursor_expr, rids), strict=True):
            try:
                canon = canonical_timestamp(value)
            except (ValueError, OverflowError):
                raise SourceError(_("column {column}: cursor value {value} is not a date/time").format(
                    column=cursor_expr.strip(chr(34)), value=repr(value))) from None
            keep[pos] = canon is not None and (lo is None or canon >= lo) and (hi is None or canon <= hi)
        self.per_value += len(positions)
        return batch.filter(pa.array(keep))


def decimals_one_by_one(t: pa.Decimal128Type, values: list[Any], reads: ArrowReads) -> pa.Array | None:
    reads.per_value += len(values)
    try:
        return pa.array([to_decimal(v, t.scale) for v in values], t)
    except (pa.ArrowInvalid, ArithmeticError, ValueError):
        return None  # out of range: the whole batch through the reference names the value


def _has(arr: pa.Array, sentinel: pa.Scalar) -> bool:
    if arr.null_count == len(arr):
        return False
    if arr.type != sentinel.type:
        try:
            sentinel = sentinel.cast(arr.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return False
    return bool(pc.any(pc.equal(arr, sentinel)).as_py())


def _drop_typed_rows(batch: pa.RecordBatch) -> pa.RecordBatch:
    marks = batch.column(0)
    if marks.null_count == len(marks):
        return batch
    if marks.null_count == 0:
        return batch.slice(0, 0)
    return batch.filter(pc.is_null(marks))


def _py(col: pa.ChunkedArray, row: int, expr: str) -> Any:
    try:
        return col[row].as_py()
    except UnicodeDecodeError:
        raise SourceError(f"SQLite: Could not decode to UTF-8 column {expr}") from None


def _valid_utf8(arr: pa.Array) -> bool:
    try:
        arr.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _mapped(exc: BaseException) -> Exception:
    text = one_line(exc)
    if "interrupt" in text.lower():
        return SyncCancelled("cancelled")
    transient = "locked" in text or "busy" in text
    return SourceError(f"SQLite: {text}", transient=transient)
