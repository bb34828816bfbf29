"""`tui-sync query`: one read-only SQL statement on the target, for scripts and quick checks.

Two locks on the door: the statement is classified by DuckDB's own parser
(`extract_statements`, each statement's `.type`) and anything but one read is refused before
it runs; and the connection itself is read-only (a DuckDB file opened with read_only=True, a
lake attached READ_ONLY), so DuckDB refuses a write the first check might have missed. The
rows are fetched in batches: a result larger than memory can still be streamed out.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb

from ..errors import ExitCode, TuiSyncError, one_line
from ..i18n import _
from ..target import connect, qi
from ..target.spec import TargetSpec

BATCH_ROWS = 2048

# PRAGMAs that only read (DuckDB 2 parses them as PRAGMA statements; 1.5 rewrites most into a
# SELECT already). Every other PRAGMA changes a setting or the database and is refused.
READ_PRAGMAS = frozenset({
    "collations", "database_list", "database_size", "functions", "metadata_info", "platform",
    "show", "show_databases", "show_tables", "show_tables_expanded", "storage_info",
    "table_info", "user_agent", "version",
})


class QueryError(TuiSyncError):
    """The query failed (its SQL, a missing table, a type): one line, exit 2."""

    exit_code = ExitCode.USAGE


class QueryRefused(QueryError):
    """Not one read statement: refused before it runs."""


@dataclass(frozen=True)
class QueryColumn:
    name: str
    type: str  # DuckDB's type name, e.g. DECIMAL(12,3)


def _type_name(stmt: object) -> str:
    kind = getattr(stmt, "type", None)
    return str(getattr(kind, "name", kind)).upper()


def _snippet(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width - 3] + "..."


def check_read_only(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """`sql` when it is exactly one SELECT (WITH, FROM, VALUES, SHOW, DESCRIBE, SUMMARIZE),
    an EXPLAIN of one, or a reading PRAGMA; QueryRefused otherwise, a QueryError when DuckDB
    cannot parse it. Nothing runs."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(one_line(exc)) from None
    if not statements:
        raise QueryRefused(_("query is empty: give one SELECT statement"))
    if len(statements) > 1:
        kinds = ", ".join(_type_name(s) for s in statements)
        raise QueryRefused(_("query takes one statement; got {count} statements ({kinds})").format(
            count=len(statements), kinds=kinds))
    stmt = statements[0]
    kind = _type_name(stmt)
    if kind == "SELECT":
        return sql
    if kind == "PRAGMA" and _pragma_reads(stmt.query):
        return sql
    if kind == "EXPLAIN":
        inner = _explained(stmt.query)
        # EXPLAIN ANALYZE runs what it explains: that must be a read too
        if inner is not None:
            check_read_only(con, inner)
            return sql
    raise QueryRefused(_("query is read-only: {kind} statement refused ({sql})").format(
        kind=kind, sql=_snippet(stmt.query or sql)))


def _pragma_reads(text: str) -> bool:
    """`PRAGMA name` or `PRAGMA name(args)` with a reading name; `PRAGMA name = value` sets."""
    words = text.strip().split(None, 1)
    if len(words) < 2 or words[0].lower() != "pragma":
        return False
    rest = words[1].strip()
    name = rest.split("(", 1)[0].split("=", 1)[0].strip().rstrip(";").lower()
    setting = "=" in rest.split("(", 1)[0]
    return name in READ_PRAGMAS and not setting


def _explained(text: str) -> str | None:
    """The statement an EXPLAIN [ANALYZE] [(options)] wraps, or None when it cannot tell."""
    rest = text.strip()
    if rest[:7].lower() != "explain":
        return None
    rest = rest[7:].lstrip()
    if rest[:7].lower() in ("analyze", "analyse"):
        rest = rest[7:].lstrip()
    if rest.startswith("("):  # EXPLAIN (FORMAT json) ...: skip the option list
        close = rest.find(")")
        if close < 0:
            return None
        rest = rest[close + 1:].lstrip()
    return rest or None


class QueryResult:
    """The columns of a running query and its rows, fetched in batches."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection, types: list[str] | None = None):
        self._cursor = cursor
        described = cursor.description or []
        self.columns = [QueryColumn(d[0], types[i] if types else str(d[1]))
                        for i, d in enumerate(described)]

    def batches(self, size: int = BATCH_ROWS) -> Iterator[list[tuple]]:
        while True:
            try:
                rows = self._cursor.fetchmany(size)
            except duckdb.Error as exc:  # a conversion fails mid-result, say
                raise QueryError(one_line(exc)) from None
            if not rows:
                return
            yield rows


def _exact_times(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[str, list[str] | None]:
    """`sql` with TIMESTAMP_NS columns turned into ISO text with all nine digits: DuckDB's
    Python rows carry microseconds only, and a synced TIMESTAMP(9) would print cut. Only a
    SELECT whose result has such a column is wrapped (binding it runs nothing); the types
    reported stay DuckDB's own."""
    try:
        rel = con.sql(sql)
        if rel is None:
            return sql, None
        types = [str(t) for t in rel.types]
        names = list(rel.columns)
    except duckdb.Error:
        return sql, None  # not a relation (PRAGMA, SHOW...) or an error execute will report
    if "TIMESTAMP_NS" not in types or len(set(names)) != len(names):
        return sql, None
    shown = ", ".join(f"strftime(q.{qi(n)}, '%Y-%m-%dT%H:%M:%S.%n') AS {qi(n)}"
                      for n, t in zip(names, types, strict=True) if t == "TIMESTAMP_NS")
    return f"SELECT * REPLACE ({shown}) FROM (\n{sql}\n) AS q", types


@contextmanager
def run_query(spec: TargetSpec, sql: str) -> Iterator[QueryResult]:
    """Run one read statement on a read-only connection to the target; the connection
    closes when the block ends."""
    if not spec.exists():
        raise QueryError(_("nothing synced yet ({target} not found)").format(target=spec.display))
    con = connect(spec, create=False, read_only=True)
    try:
        check_read_only(con, sql)
        sql, types = _exact_times(con, sql)
        try:
            con.execute(sql)
        except duckdb.Error as exc:
            raise QueryError(one_line(exc)) from None
        yield QueryResult(con, types)
    finally:
        con.close()
