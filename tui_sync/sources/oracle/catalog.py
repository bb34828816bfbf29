"""The Oracle dictionary: which tables there are, what a typed name means, their columns,
primary keys and cursor indexes.

A table name the user typed is only ever a bind value against ALL_TABLES / ALL_VIEWS /
ALL_SYNONYMS (exact spelling first, then Oracle's upper case); what comes back from the
dictionary is what later SQL quotes. The queries go through the source's `_query` (one
small cursor, the stray-break retry).

This module must never import Textual.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from ...errors import UnknownTableError
from ...i18n import _
from ...typeplan import SourceColumn, parse_declared_type
from ..base import CursorIndex, TableDescription, TableInfo
from .types import TEXT_TYPES

if TYPE_CHECKING:
    from .source import OracleSource

log = logging.getLogger(__name__)

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
        raise UnknownTableError(_("{name} is not a table name (OWNER.TABLE or TABLE)").format(
            name=repr(name)))
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


def _index_name(table: str, column: str) -> str:
    """An index name within 30 bytes (11g's limit)."""
    base = re.sub(r"\W", "_", f"{table}_{column}".upper())
    return (base[:27] + "_IX").strip("_") if len(base) > 27 else base + "_IX"


LOOKUP_SQL = (
    "SELECT OWNER, TABLE_NAME, NUM_ROWS, 'N' AS IS_VIEW FROM ALL_TABLES "
    "WHERE OWNER = :owner AND TABLE_NAME = :table_name\n"
    "UNION ALL\n"
    "SELECT OWNER, VIEW_NAME, NULL, 'Y' FROM ALL_VIEWS WHERE OWNER = :owner AND VIEW_NAME = :table_name"
)
# Synonyms as SQL*Plus resolves them: the schema's private synonym, then PUBLIC;
# synonyms over database links are not followed (reads never leave this database).
SYNONYM_SQL = (
    "SELECT TABLE_OWNER, TABLE_NAME FROM ALL_SYNONYMS\n"
    "WHERE OWNER = :owner AND SYNONYM_NAME = :synonym_name AND DB_LINK IS NULL"
)
COLUMNS_SQL = (
    "SELECT COLUMN_NAME, DATA_TYPE, DATA_TYPE_MOD, DATA_TYPE_OWNER, DATA_PRECISION, DATA_SCALE,\n"
    "       CHAR_LENGTH, DATA_LENGTH, NULLABLE, COLUMN_ID\n"
    "FROM ALL_TAB_COLUMNS\n"
    "WHERE OWNER = :owner AND TABLE_NAME = :table_name\n"
    "ORDER BY COLUMN_ID"
)
PK_SQL = (
    "SELECT cc.COLUMN_NAME\n"
    "FROM ALL_CONSTRAINTS c\n"
    "JOIN ALL_CONS_COLUMNS cc ON cc.OWNER = c.OWNER AND cc.CONSTRAINT_NAME = c.CONSTRAINT_NAME\n"
    "     AND cc.TABLE_NAME = c.TABLE_NAME\n"
    "WHERE c.OWNER = :owner AND c.TABLE_NAME = :table_name AND c.CONSTRAINT_TYPE = 'P'\n"
    "  AND c.STATUS = 'ENABLED'\n"
    "ORDER BY cc.POSITION"
)
IND_SQL = ("SELECT INDEX_NAME, COLUMN_POSITION FROM ALL_IND_COLUMNS\n"
           "WHERE TABLE_OWNER = :owner AND TABLE_NAME = :table_name AND COLUMN_NAME = :column_name\n"
           "ORDER BY COLUMN_POSITION")


def list_tables(src: OracleSource) -> list[TableInfo]:
    binds: dict[str, Any] = {f"x{i}": name for i, name in enumerate(ORACLE_SCHEMAS)}
    excluded = ", ".join(f":{k}" for k in binds)
    maintained = ""
    if src._server_major() >= 12:
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
    rows = src._query(sql, binds, arraysize=1000)
    return [TableInfo(display_name(owner, table), owner, table,
                      int(num) if num is not None else None) for owner, table, num in rows]


def describe(src: OracleSource, name: str) -> TableDescription:
    owner_part, table_part = parse_table_name(name)
    owners = _variants(owner_part) if owner_part else [src._current_schema()]
    found = _lookup(src, owners, _variants(table_part))
    if found is None:
        # A synonym: private in the named (or current) schema first, then PUBLIC when
        # no owner was typed; a synonym may point at another synonym.
        syn_owners = owners if owner_part else [*owners, "PUBLIC"]
        found = _lookup_synonym(src, syn_owners, _variants(table_part))
    if found is None:
        raise UnknownTableError(_(
            "table {name} not found in the source dictionary (or no SELECT privilege)").format(
                name=name))
    owner, table, num_rows, is_view = found
    binds = {"owner": owner, "table_name": table}
    columns = tuple(source_column(row) for row in src._query(COLUMNS_SQL, binds))
    if not columns:
        raise UnknownTableError(_(
            "table {name} not found in the source dictionary (or no SELECT privilege)").format(
                name=name))
    pk = tuple(str(r[0]) for r in src._query(PK_SQL, binds))
    info = TableInfo(display_name(owner, table), owner, table,
                     int(num_rows) if num_rows is not None else None)
    return TableDescription(info, columns, pk, is_view=is_view == "Y")


def cursor_index(src: OracleSource, table: TableDescription, column: str) -> CursorIndex | None:
    if table.is_view or table.query is not None:  # the indexes of its base tables decide
        return None
    col = table.column(column).name
    rows = src._query(IND_SQL, {"owner": table.info.owner, "table_name": table.info.table,
                                "column_name": col})
    leading = [r[0] for r in rows if int(r[1]) == 1]
    if leading:
        return CursorIndex(col, _("index {index}").format(index=leading[0]))
    ref = f'"{table.info.owner}"."{_index_name(table.info.table, col)}"'
    return CursorIndex(col, None, _("it is column {position} of {index}").format(
                           position=rows[0][1], index=rows[0][0]) if rows else "",
                       f'CREATE INDEX {ref} ON "{table.info.owner}"."{table.info.table}" ("{col}")')


def _lookup(src: OracleSource, owners: list[str], tables: list[str]) -> tuple | None:
    # The typed name is only a bind value: exact spelling first, then Oracle's upper case.
    for owner in owners:
        for table in tables:
            rows = src._query(LOOKUP_SQL, {"owner": owner, "table_name": table})
            if rows:
                return rows[0]
    return None


def _lookup_synonym(src: OracleSource, owners: list[str], names: list[str], depth: int = 0) -> tuple | None:
    for owner in owners:
        for name in names:
            rows = src._query(SYNONYM_SQL, {"owner": owner, "synonym_name": name})
            if not rows:
                continue
            target_owner, target = str(rows[0][0]), str(rows[0][1])
            found = _lookup(src, [target_owner], [target])
            if found is None and depth < 5:
                found = _lookup_synonym(src, [target_owner], [target], depth + 1)
            if found is not None:
                log.info("%s.%s is a synonym of %s.%s", owner, name, found[0], found[1])
                return found
    return None


def source_column(row: tuple) -> SourceColumn:
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
    if base in TEXT_TYPES - {"LONG", "CLOB", "NCLOB"}:
        length = int(char_length) if char_length else None
    elif base == "RAW":
        length = int(data_length) if data_length else None
    else:
        length = None
    return SourceColumn(str(name), base, p_out, s_out, length, nullable != "N", int(pos or 0), "")
