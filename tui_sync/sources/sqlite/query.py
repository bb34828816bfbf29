"""A SQLite read's FROM item (a table, or a query-backed table's SELECT as a subquery), and
how a query is described.

Every statement of the SQLite source names its FROM item through `relation` and qualifies
ORDER BY columns through `qualifier`: one place decides whether a read is of a table or of
a query, and the filter, window, keyset bounds and limits go around either alike.

Describing a query: a TEMP VIEW over it (the connection's own temp schema: nothing is
written to the source file, which is opened read-only) and `PRAGMA table_info` give the
declared type of every column that is a plain reference to a table column (SQLite carries
the declared type through; an expression, a CAST or a literal has none). A column without
one is typed from the storage classes its values hold (`typeof`), with a plan warning.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
from collections.abc import Callable
from typing import Any

from ...errors import SourceError
from ...i18n import _
from ...typeplan import SourceColumn
from ..base import TableDescription, TableInfo
from .shape import quote

ALIAS = '"Q"'  # the subquery's name: ORDER BY qualifies by it (see SqliteSource.build_select)
_views = itertools.count(1)


def relation(table: TableDescription) -> str:
    """The FROM item of every statement reading `table`."""
    if table.query is not None:
        return f"(\n{table.query}\n) AS {ALIAS}"
    return quote(table.info.table)


def qualifier(table: TableDescription) -> str:
    """What ORDER BY qualifies a column with (a bare name could mean a select item)."""
    return ALIAS if table.query is not None else quote(table.info.table)


# A column without a declared type: the declared type its storage classes stand for. Mixed
# integers and reals read as doubles; anything with text as text (the sources' text read
# turns numbers into their text).
_BY_CLASSES = (({"integer"}, "INTEGER"), ({"real"}, "BINARY_DOUBLE"),
               ({"integer", "real"}, "BINARY_DOUBLE"), ({"blob"}, "BLOB"))


def typed_from_values(classes: set[str]) -> str:
    classes = classes - {"null"}
    for seen, declared in _BY_CLASSES:
        if classes == seen:
            return declared
    return "TEXT"


def describe_query(conn: sqlite3.Connection, name: str, sql: str,
                   columns_of: Callable[[str], list[SourceColumn]]) -> TableDescription:
    """`columns_of(view)` is the source's own PRAGMA table_xinfo reading (declared types
    parsed as for tables). Raises sqlite3.Error for a query SQLite refuses."""
    # SQLite names a repeated column "NAME:1", "NAME:2" in a subquery: refuse rather than
    # land a column the user never named
    names = [d[0] for d in conn.execute(f"SELECT * FROM (\n{sql}\n) LIMIT 0").description]
    folded = {n.lower() for n in names}
    for n in names:
        m = re.fullmatch(r"(.+):\d+", n)
        if m and m.group(1).lower() in folded:
            raise SourceError(_("column {column} appears twice in the query; give each "
                                "column a distinct alias").format(column=m.group(1)))
    view = f"tui_sync_describe_{next(_views)}"
    conn.execute(f"CREATE TEMP VIEW {quote(view)} AS {sql}")
    try:
        raw = conn.execute(f"PRAGMA temp.table_xinfo({quote(view)})").fetchall()
        cols = columns_of(view)
    finally:
        conn.execute(f"DROP VIEW temp.{quote(view)}")
    untyped = [c for c, r in zip(cols, raw, strict=True) if not (r[2] or "").strip()]
    notes: list[tuple[str, str]] = []
    if untyped:
        classes = _storage_classes(conn, sql, [c.name for c in untyped])
        by_name = {}
        for col, found in zip(untyped, classes, strict=True):
            declared = typed_from_values(found)
            shown = ", ".join(sorted(found - {"null"})) or _("only NULL")
            by_name[col.name] = declared
            notes.append((col.name, _("no declared type (an expression in the query, or a "
                                      "column declared without one): typed {type} from the "
                                      "values it holds ({found})").format(type=declared,
                                                                          found=shown)))
        cols = [_retyped(c, by_name[c.name]) if c.name in by_name else c for c in cols]
    info = TableInfo(name=name, owner=None, table=name, estimated_rows=None)
    return TableDescription(info=info, columns=tuple(cols), primary_key=(), query=sql,
                            type_notes=tuple(notes))


def _storage_classes(conn: sqlite3.Connection, sql: str, names: list[str]) -> list[set[str]]:
    """The storage classes each column holds over all the query's rows (one pass)."""
    items = ", ".join(f"group_concat(DISTINCT typeof({quote(n)}))" for n in names)
    row: Any = conn.execute(f"SELECT {items} FROM (\n{sql}\n)").fetchone()
    return [set((v or "").split(",")) - {""} for v in row]


def _retyped(col: SourceColumn, declared: str) -> SourceColumn:
    from ...typeplan import parse_declared_type

    base, precision, scale, length = parse_declared_type(declared)
    return SourceColumn(name=col.name, data_type=base, precision=precision, scale=scale,
                        length=length, nullable=True, position=col.position)
