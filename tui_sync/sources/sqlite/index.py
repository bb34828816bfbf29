"""Whether a SQLite table's cursor column leads an index (for plan and doctor)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...i18n import _
from ..base import CursorIndex, TableDescription
from .shape import quote

if TYPE_CHECKING:
    from .source import SqliteSource


def cursor_index(src: SqliteSource, table: TableDescription, column: str) -> CursorIndex | None:
    """Whether `column` leads an index: an INTEGER PRIMARY KEY (the rowid's alias, the
    table's own b-tree), a WITHOUT ROWID table's key or any full index (PRAGMA
    index_list lists both). A partial index serves only queries implying its WHERE."""
    if table.is_view or table.query is not None:
        return None
    name, col = table.info.table, table.column(column).name
    indexes = src._all(f"PRAGMA index_list({quote(name)})")  # seq, name, unique, origin, partial
    # A one-column key of a rowid table without a key index is the rowid's alias (an
    # INTEGER PRIMARY KEY; INT, TEXT or "INTEGER PRIMARY KEY DESC" keys get an index).
    if (list(table.primary_key) == [col] and src._row_alias(table) is not None
            and not any(r[3] == "pk" for r in indexes)):
        return CursorIndex(col, _("the INTEGER PRIMARY KEY (the table's rowid)"))
    notes = []
    for _seq, index, _unique, _origin, partial, *_rest in indexes:
        cols = [r[2] for r in sorted(src._all(f"PRAGMA index_info({quote(index)})"))]
        if col in cols and cols.index(col) == 0 and not partial:
            return CursorIndex(col, _("index {index}").format(index=index))
        if col in cols:
            notes.append(_("it leads the partial index {index}").format(index=index)
                         if cols.index(col) == 0 else
                         _("it is column {position} of {index}").format(position=cols.index(col) + 1,
                                                                       index=index))
    taken = {r[0].lower() for r in src._all("SELECT name FROM sqlite_master")}
    ix = stem = re.sub(r"\W", "_", f"{name}_{col}") + "_ix"
    n = 1
    while ix.lower() in taken:  # a name some other index or table already has
        n += 1
        ix = f"{stem}{n}"
    return CursorIndex(col, None, "; ".join(notes),
                       f"CREATE INDEX {quote(ix)} ON {quote(name)} ({quote(col)});")
