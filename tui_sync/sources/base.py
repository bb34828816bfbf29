"""The Source contract shared by Oracle and SQLite (DESIGN §3).

A source lists tables, describes columns and the primary key, reports MAX(cursor),
counts rows, builds the exact SELECT of a read, and streams Arrow record batches
whose schema is the plan's `arrow_schema()` (target names, target Arrow types).
All methods run on the calling thread except `cancel`, which another thread may
call to break a running fetch.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from ..errors import SourceError
from ..i18n import _
from ..typeplan import SourceColumn, TypePlan

if TYPE_CHECKING:  # the verify capability's types: loaded only by verify
    from ..typeplan import ColumnPlan
    from ..verify_render import ContentColumn
    from .verify_spec import Aggregates, Content, Partitioning, SumColumn


@dataclass(frozen=True)
class TableInfo:
    name: str  # how the user names it: OWNER.TABLE for Oracle, TABLE for SQLite
    owner: str | None
    table: str  # exact dictionary name
    estimated_rows: int | None  # Oracle NUM_ROWS (may be None or stale)


@dataclass(frozen=True)
class TableDescription:
    info: TableInfo
    columns: tuple[SourceColumn, ...]
    primary_key: tuple[str, ...]  # exact dictionary names, in key order
    is_view: bool = False  # a view has no row address (no ROWID paging or hash buckets)
    # A query-backed table ([table NAME] query = SELECT ...): the trusted SQL every read
    # wraps as a subquery (each source's one FROM item); no row address, no index info.
    query: str | None = None
    # Per column, what the plan should warn about its type (a query column typed from
    # its values, not a declared type): pairs of (exact column name, warning).
    type_notes: tuple[tuple[str, str], ...] = ()

    def column(self, name: str) -> SourceColumn:
        """Dictionary lookup: exact name first, then case-insensitive."""
        for c in self.columns:
            if c.name == name:
                return c
        for c in self.columns:
            if c.name.upper() == name.upper():
                return c
        raise KeyError(name)


@dataclass(frozen=True)
class Window:
    """An incremental window on the cursor column: lo <= cursor <= hi.

    `lo`/`hi` are Python values of the cursor's kind (datetime, int, Decimal, str);
    either may be None for an open end.
    """

    cursor: str  # exact dictionary name
    lo: Any = None
    hi: Any = None


@dataclass(frozen=True)
class KeyRange:
    """One partition of a parallel read: lo <= column < hi (None: open end); with
    `nulls`, rows whose key is NULL too (a configured key may be nullable, and NULL
    falls in no range: exactly one partition takes them)."""

    column: str  # exact dictionary name of a numeric key column
    lo: Any = None
    hi: Any = None
    nulls: bool = False


@dataclass(frozen=True)
class ReadSpec:
    table: TableDescription
    plan: TypePlan
    where: str = ""  # trusted SQL filter from the config, in the source's dialect
    window: Window | None = None
    limit: int | None = None  # first N rows (ROWNUM on Oracle)
    order_by: tuple[str, ...] = ()  # exact dictionary names
    batch_rows: int = 50_000
    # Keyset paging for resumable full syncs: rows whose key (in `order_by` order) is
    # greater than these values; pairs of (exact column name, value).
    after: tuple[tuple[str, Any], ...] = ()
    key_range: KeyRange | None = None
    # Hash partition of a parallel read without a numeric key: (index, count), rows whose
    # row-address hash modulo count equals index (Oracle: ORA_HASH(ROWID, count - 1)).
    bucket: tuple[int, int] | None = None
    # A source snapshot every partition reads (Oracle: AS OF SCN), from `snapshot()`.
    snapshot: Any = None
    # Keyset paging: append the raw key columns (`order_by`, as the source holds them,
    # not converted by the plan) as extra last columns KEY_FIELD0, KEY_FIELD1...; the
    # engine binds them back as the next chunk's `after` values, so the bound matches the
    # key exactly (a DOUBLE-planned NUMBER beyond 2**53, an RTRIM'd CHAR, TIMESTAMP(9)).
    carry_keys: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # source-specific hints


@dataclass(frozen=True)
class CursorIndex:
    """Whether a table's cursor column leads an index. Without one, MAX(cursor) and the
    incremental window (its read, and a COUNT of it) each scan the whole table."""

    column: str  # exact dictionary name
    index: str | None  # what the column leads ("index EV_IX", "the INTEGER PRIMARY KEY"); None: nothing
    note: str = ""  # where the column does sit, e.g. "it is column 2 of EV_IX"
    create: str = ""  # the CREATE INDEX statement that would make the column lead one

    @property
    def indexed(self) -> bool:
        return self.index is not None

    def problem(self) -> str:
        """One line for plan and doctor when the column leads no index."""
        where = f" ({self.note})" if self.note else ""
        return _("cursor {column} is not the first column of any index{where}: every "
                 "incremental run scans the whole table").format(column=self.column, where=where)


@dataclass(frozen=True)
class ServerInfo:
    kind: str  # "oracle" or "sqlite"
    version: str
    mode: str  # "thin", "thick" or "file"
    detail: str = ""


ROWID_KEY = "ROWID"  # pseudo-column name in ReadSpec.order_by/after for row-address paging
ROWID_FIELD = "__tui_sync_rowid"  # the extra last column a row-address paged read carries
KEY_FIELD = "__tui_sync_key"  # + index: the raw key columns a `carry_keys` read appends


def key_fields(spec: ReadSpec) -> list[str]:
    """Names of the raw key columns a read appends after the plan's columns."""
    return [f"{KEY_FIELD}{i}" for i in range(len(spec.order_by))] if spec.carry_keys else []


class Source(ABC):
    kind: str = ""
    # Can page a keyless table by row address (Oracle ROWID) for resumable full syncs.
    rowid_paging: bool = False

    @abstractmethod
    def connect(self) -> None: ...

    @abstractmethod
    def close(self) -> None: ...

    def read_notes(self) -> list[str]:
        """What the reads since the last call did that the run's log should say (a slower
        path taken, values converted one by one), one line each; the call clears them."""
        return []

    def has_row_address(self, table: TableDescription) -> bool:
        """Whether reads of `table` may page by row address or hash it into parallel
        buckets (ROWID/rowid): never for views or queries, which have none."""
        return not table.is_view and table.query is None

    def reconnect(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - the old connection is already broken
            pass
        self.connect()

    @abstractmethod
    def server_info(self) -> ServerInfo: ...

    @abstractmethod
    def list_tables(self) -> list[TableInfo]: ...

    @abstractmethod
    def describe(self, name: str) -> TableDescription:
        """Raise UnknownTableError for a table not in the dictionary."""

    def describe_query(self, name: str, sql: str) -> TableDescription:
        """Describe a query-backed table's SELECT (its columns, in the source's terms) without
        reading its rows; `name` is the table section's NAME. The description's `query` is
        `sql`. A query the source refuses raises SourceError (or UnknownTableError)."""
        raise SourceError(_("a {kind} source cannot read query-backed tables").format(kind=self.kind))

    @abstractmethod
    def max_cursor(self, table: TableDescription, cursor: str, where: str = "") -> Any:
        """MAX(cursor) under the filter, as a Python value (None for no rows)."""

    @abstractmethod
    def count_rows(self, spec: ReadSpec) -> int:
        """COUNT(*) of the rows a read would return (filter, window and limit applied)."""

    def estimate_rows(self, spec: ReadSpec) -> int | None:
        """A cheap upper bound of count_rows for a progress total, where the exact COUNT
        costs about as much as the read; None where the source has none (count instead)."""
        return None

    @abstractmethod
    def build_select(self, spec: ReadSpec) -> tuple[str, dict[str, Any]]:
        """The exact SQL and binds of a read (what `tui-sync plan` prints)."""

    @abstractmethod
    def read_batches(self, spec: ReadSpec) -> Iterator[pa.RecordBatch]:
        """Stream the read as record batches with schema `spec.plan.arrow_schema()`."""

    # Optional capability: the exact SQL `max_cursor` runs, for `tui-sync plan` to show.
    # A source that has it overrides `build_max_cursor`; `implements_max_cursor_sql` says so.
    @property
    def implements_max_cursor_sql(self) -> bool:
        return type(self).build_max_cursor is not Source.build_max_cursor

    def build_max_cursor(self, table: TableDescription, cursor: str,
                         where: str = "") -> tuple[str, dict[str, Any], pa.DataType]:
        """The exact SQL of `max_cursor`, its binds and the Arrow type it is fetched as."""
        raise NotImplementedError(f"{self.kind} source does not show its MAX(cursor) SQL")

    def key_bounds(self, table: TableDescription, column: str, where: str = "") -> tuple[Any, Any]:
        """MIN and MAX of a numeric key column under the filter (for parallel ranges)."""
        raise NotImplementedError(f"{self.kind} source cannot split reads by key range")

    def cursor_index(self, table: TableDescription, column: str) -> CursorIndex | None:
        """Whether `column` leads an index of `table`; None when the source cannot tell (a
        view, whose base tables' indexes decide, or a source without index metadata)."""
        return None

    def snapshot(self) -> Any:
        """An id of the source's current committed state that reads can pin (or None)."""
        return None

    def pin_reads(self, snapshot: Any = None) -> tuple[Any, str]:
        """Pin the reads that follow on this connection (the chunks of a full sync) to one
        point in time. `snapshot` is what an interrupted run pinned (its resume), or None.
        Returns (the value for ReadSpec.snapshot, or None) and a one-line description for
        the log and the run's record: 'scn 123', or 'not pinned: <why>'."""
        return None, f"not pinned: a {self.kind} source cannot pin reads"

    def unpin_reads(self) -> None:  # noqa: B027 - optional hook
        """End what `pin_reads` began (SQLite: its read transaction)."""

    def cancel(self) -> None:  # noqa: B027 - optional hook
        """Break a running fetch from another thread (default: nothing to break)."""

    # -- optional capability: `tui-sync verify` (harlequin's implements_* flags) --------------
    # The source aggregates its own rows in its own SQL (sqlite/verify, oracle/verify);
    # services/verify compares them with DuckDB's and never looks at the source's kind.
    implements_verify: bool = False
    # The content hash definition the source computes (services/verify_duckdb docstring):
    # "rows" (one hash per row, per-column sums in a second pass over differing partitions)
    # or "cells" (per-cell hashes and per-column sums in one pass).
    verify_hashing: str = "cells"

    def verify_unsupported(self, content: bool) -> str | None:
        """Why this source cannot run a verify (with the content check when `content`), in
        one line; None when it can. Asked before any verify query."""
        if not self.implements_verify:
            return _("verify does not support {kind} sources").format(kind=self.kind)
        return None

    @classmethod
    def verify_unhashed(cls, column: ColumnPlan) -> str | None:
        """Why the content check cannot hash this column in the source's SQL (None: it can)."""
        return None

    def verify_as_of(self, point: Any) -> str | None:
        """Make the next verify queries read the source as of `point` (what pin_reads gave
        a run: an Oracle SCN); None when it can, else why not, in one line."""
        return _("a {kind} source cannot be read as of an earlier point in time").format(
            kind=self.kind)

    def verify_key_bounds(self, table: TableDescription, column: ColumnPlan, where: str,
                          buckets: int) -> tuple[Any, ...]:
        """Ascending lower bounds of key buckets 1..n (NTILE over the non-NULL keys under the
        filter, in the column's comparison form; bucket 0 is open below)."""
        raise NotImplementedError(f"{self.kind} source cannot verify")

    def verify_aggregates(self, table: TableDescription, where: str, part: Partitioning,
                          sums: list[SumColumn]) -> tuple[int, Aggregates]:
        """(total rows, per partition the row count and each column's sum) under the filter.
        A failing query raises verify_spec.VerifyQueryError (or a SourceError)."""
        raise NotImplementedError(f"{self.kind} source cannot verify")

    def verify_content(self, table: TableDescription, where: str, part: Partitioning,
                       cols: list[ContentColumn], columns_of: set[Any] | None = None) -> Content:
        """Per partition: rows, the sum of row hashes and (for "cells", or for the partitions
        in `columns_of` with "rows") the sums of each column's cell hashes."""
        raise NotImplementedError(f"{self.kind} source cannot verify")

    def __enter__(self) -> Source:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def conform_batch(batch: pa.RecordBatch, plan: TypePlan) -> pa.RecordBatch:
    """Rename to target names and cast to the plan's Arrow types (cheap where equal)."""
    schema = plan.arrow_schema()
    if batch.schema.equals(schema):
        return batch
    arrays = []
    for i, (field_, cp) in enumerate(zip(schema, plan.included, strict=True)):
        arr = batch.column(i)
        if not arr.type.equals(field_.type):
            try:
                arr = arr.cast(field_.type)  # safe: an overflow or a lost fraction raises
            except pa.ArrowInvalid as exc:
                raise pa.ArrowInvalid(f"column {cp.name}: {exc}") from None
        arrays.append(arr)
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def keyset_predicate(columns: list[str], bind_names: list[str]) -> str:
    """(c1 > :k0) OR (c1 = :k0 AND c2 > :k1) ... in portable SQL (11g has no row-value
    comparison); `columns` are already quoted, `bind_names` are placeholders like ':k0'."""
    terms = []
    for i in range(len(columns)):
        eqs = [f"{columns[j]} = {bind_names[j]}" for j in range(i)]
        terms.append("(" + " AND ".join([*eqs, f"{columns[i]} > {bind_names[i]}"]) + ")")
    return "(" + " OR ".join(terms) + ")"
