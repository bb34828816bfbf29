"""A query-backed table on Oracle: describing its SELECT without reading a row, in the same
terms as the dictionary (`SourceColumn`), so one type plan applies to tables and queries.

The query is parsed and described by the server around `WHERE 1 = 0` (no row matches, none is
fetched); `cursor.description` then holds one python-oracledb `FetchInfo` per select item.
What a FetchInfo gives (python-oracledb 26.1.0, src/oracledb/fetch_info.py and the metadata it
wraps, impl/thin/messages/base.pyx `_process_metadata` ~l.315-396):

- `type_code`: a DbType (`oracledb.DB_TYPE_NUMBER`...; XMLTYPE for an XMLType object,
  DB_TYPE_OBJECT for other object types); its `.name` is "DB_TYPE_NUMBER" and so on.
- `precision`/`scale`: the server's values, but both None when both are 0 (fetch_info.py
  ~l.218-234). NUMBER without precision arrives as precision 0, scale -127 (the driver's own
  test, impl/base/metadata.pyx `_finalize_init` ~l.130); FLOAT(b) as precision b, scale -127
  (REAL: 63; the driver's object attributes, impl/thin/dbobject_cache.pyx ~l.401-418, use the
  same encoding, and INTEGER as precision 38, scale 0). TIMESTAMP* carry their fractional
  digits in `scale` (metadata.pyx `_create_arrow_schema` ~l.67-73 picks the Arrow unit from
  it), so TIMESTAMP(0) reads (None, None); INTERVAL DAY TO SECOND: precision = day digits,
  scale = fractional digits.
- `display_size`: `max_size`, the length in characters for CHAR/VARCHAR2/NCHAR/NVARCHAR2 and
  the length in bytes for RAW (base.pyx ~l.346-350; fetch_info.py ~l.114-119).
- `null_ok`: the server's nulls-allowed flag (base.pyx ~l.353).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import SourceError
from ...i18n import _
from ...typeplan import SourceColumn
from ..base import TableDescription, TableInfo

if TYPE_CHECKING:
    from .source import OracleSource

ALIAS = '"Q"'  # an Oracle inline view takes its alias without AS


def relation(sql: str) -> str:
    """The FROM item of every statement reading a query-backed table."""
    return f"(\n{sql}\n) {ALIAS}"


def describe_sql(sql: str) -> str:
    """Parsed and described by the server, no row read."""
    return f"SELECT * FROM (\n{sql}\n) WHERE 1 = 0"


# DbType names -> the dictionary's DATA_TYPE base names
_SIMPLE = {
    "DB_TYPE_DATE": "DATE", "DB_TYPE_BINARY_FLOAT": "BINARY_FLOAT",
    "DB_TYPE_BINARY_DOUBLE": "BINARY_DOUBLE", "DB_TYPE_CHAR": "CHAR", "DB_TYPE_NCHAR": "NCHAR",
    "DB_TYPE_VARCHAR": "VARCHAR2", "DB_TYPE_NVARCHAR": "NVARCHAR2", "DB_TYPE_LONG": "LONG",
    "DB_TYPE_LONG_NVARCHAR": "LONG", "DB_TYPE_CLOB": "CLOB", "DB_TYPE_NCLOB": "NCLOB",
    "DB_TYPE_RAW": "RAW", "DB_TYPE_LONG_RAW": "LONG RAW", "DB_TYPE_BLOB": "BLOB",
    "DB_TYPE_ROWID": "ROWID", "DB_TYPE_UROWID": "UROWID", "DB_TYPE_JSON": "JSON",
    "DB_TYPE_XMLTYPE": "XMLTYPE", "DB_TYPE_BOOLEAN": "BOOLEAN", "DB_TYPE_VECTOR": "VECTOR",
    "DB_TYPE_BFILE": "BFILE", "DB_TYPE_INTERVAL_YM": "INTERVAL YEAR TO MONTH",
    "DB_TYPE_TIMESTAMP": "TIMESTAMP", "DB_TYPE_TIMESTAMP_TZ": "TIMESTAMP WITH TIME ZONE",
    "DB_TYPE_TIMESTAMP_LTZ": "TIMESTAMP WITH LOCAL TIME ZONE",
    "DB_TYPE_INTERVAL_DS": "INTERVAL DAY TO SECOND",
}
_SIZED = {"CHAR", "NCHAR", "VARCHAR2", "NVARCHAR2", "RAW"}


def source_column(info: Any, position: int) -> SourceColumn:
    """One FetchInfo as the dictionary would describe the column."""
    name = str(info.name)
    code = str(getattr(info.type_code, "name", info.type_code))
    p, s = info.precision, info.scale
    nullable = bool(info.null_ok)
    if code == "DB_TYPE_NUMBER":
        if s == -127:  # a binary precision: FLOAT(b), or NUMBER without precision when b = 0
            if p:
                return SourceColumn(name, "FLOAT", p, None, None, nullable, position)
            return SourceColumn(name, "NUMBER", None, None, None, nullable, position)
        if p is None and s is None:  # both 0 on the wire: no precision the server would give
            return SourceColumn(name, "NUMBER", None, None, None, nullable, position)
        return SourceColumn(name, "NUMBER", p or None, s, None, nullable, position)
    base = _SIMPLE.get(code)
    if base is None:
        # An object type named OWNER.TYPE as the dictionary names it (catalog.source_column),
        # or a type newer than this map: the plan reports it unsupported and skips it.
        typ = info.type
        kind = f"{typ.schema}.{typ.name}" if code == "DB_TYPE_OBJECT" else code.removeprefix("DB_TYPE_")
        return SourceColumn(name, kind, nullable=nullable, position=position)
    if base.startswith("TIMESTAMP"):
        return SourceColumn(name, base, None, s or 0, None, nullable, position)
    if base == "INTERVAL DAY TO SECOND":
        return SourceColumn(name, base, p, s or 0, None, nullable, position)
    if base == "VECTOR":
        fmt = getattr(info, "vector_format", None)
        detail = str(getattr(fmt, "name", "") or "")
        return SourceColumn(name, base, nullable=nullable, position=position, type_detail=detail)
    length = int(info.display_size) if base in _SIZED and info.display_size else None
    return SourceColumn(name, base, None, None, length, nullable, position)


def describe_query(src: OracleSource, name: str, sql: str) -> TableDescription:
    """The query's columns from the server's describe; raises the source's mapped error
    (ORA-00942 for a missing table, ORA-00904 for a bad column...)."""
    text = describe_sql(sql)
    src._cancel_requested.clear()
    try:
        cur = src.conn.cursor()
        try:
            cur.execute(text)
            infos = list(cur.description or [])
        finally:
            cur.close()
    except src._driver.Error as exc:
        raise src._map_error(exc) from None
    columns = tuple(source_column(info, i + 1) for i, info in enumerate(infos))
    seen: set[str] = set()
    for c in columns:
        if c.name in seen:  # Oracle refuses the outer SELECT * first (ORA-00918); be sure
            raise SourceError(_("column {column} appears twice in the query; give each "
                                "column a distinct alias").format(column=c.name))
        seen.add(c.name)
    info = TableInfo(name=name, owner=None, table=name, estimated_rows=None)
    return TableDescription(info, columns, (), query=sql)


__all__ = ["describe_query", "describe_sql", "relation", "source_column"]
