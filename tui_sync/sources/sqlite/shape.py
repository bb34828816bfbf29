"""The SQL of an Arrow-native SQLite read (see sqlite_arrow.py for why it has this shape):
which columns read bare and which are projected onto one storage class with a sentinel, the
batch of typed rows in front, and named binds turned into the numbered ones ADBC binds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from ..base import ReadSpec, key_fields

# What a cell of another storage class reads as; a genuine value equal to one only costs a
# re-read. Integers and REALs chosen exact in every parser.
SENTINEL_SQL = {
    "integer": "(-9223372036854775807 - 1)",
    "real": "-9007199254740991.0",
    "text": "'\uffff tui-sync: another storage class \uffff'",
    "blob": "x'00ff74756973796e63ff00'",
}
SENTINEL = {
    "integer": pa.scalar(-(2**63), pa.int64()),
    "real": pa.scalar(-9007199254740991.0, pa.float64()),
    "text": pa.scalar("\uffff tui-sync: another storage class \uffff", pa.string()),
    "blob": pa.scalar(bytes.fromhex("00ff74756973796e63ff00"), pa.binary()),
}
TYPED_LITERAL = {"integer": "0", "real": "0.0", "text": "''", "blob": "x''"}
CLASSES = ("integer", "real", "text", "blob")
TR, RID, ODD = "__tui_sync_typed_row", "__tui_sync_rid", "__tui_sync_odd"


def kind_of(t: pa.DataType) -> str | None:
    """The kernel family of a plan type; None where only the reference converts."""
    if pa.types.is_decimal128(t):
        return "decimal"
    for name, test in (("bool", pa.types.is_boolean), ("int", pa.types.is_integer),
                       ("float", pa.types.is_floating), ("timestamp", pa.types.is_timestamp),
                       ("string", lambda x: pa.types.is_string(x) or pa.types.is_large_string(x)),
                       ("binary", lambda x: pa.types.is_binary(x) or pa.types.is_large_binary(x))):
        if test(t):
            return name
    return None


KIND_CLASS = {"int": "integer", "bool": "integer", "decimal": "integer", "float": "real",
               "timestamp": "text", "string": "text", "binary": "blob",
               "rawreal": "real"}  # a raw key of REALs: carried as stored, no CAST


def _project(expr: str, kind: str, bare: bool = False) -> list[str]:
    """SQL for one column: one storage class, a sentinel for a cell of any other."""
    if bare:
        return [expr]
    cls = KIND_CLASS[kind]
    if kind == "float":  # INTEGERs as REAL in SQL: C's (double) rounds as float(int) does
        return [f"CASE typeof({expr}) WHEN 'real' THEN {expr} WHEN 'integer' THEN CAST({expr} AS REAL) "
                f"WHEN 'null' THEN NULL ELSE {SENTINEL_SQL['real']} END"]
    if kind == "decimal":  # two columns: the INTEGERs, and the REALs
        return [f"CASE typeof({expr}) WHEN 'integer' THEN {expr} WHEN 'real' THEN NULL "
                f"WHEN 'null' THEN NULL ELSE {SENTINEL_SQL['integer']} END",
                f"CASE typeof({expr}) WHEN 'real' THEN {expr} END"]
    return [f"CASE typeof({expr}) WHEN '{cls}' THEN {expr} WHEN 'null' THEN NULL "
            f"ELSE {SENTINEL_SQL[cls]} END"]


def _typed(kind: str, bare: bool = False) -> list[str]:
    if bare:
        return [TYPED_LITERAL["real" if kind == "decimal" else KIND_CLASS[kind]]]
    if kind == "decimal":
        return [TYPED_LITERAL["integer"], TYPED_LITERAL["real"]]
    return [TYPED_LITERAL[KIND_CLASS[kind]]]


def key_kind(t: pa.DataType | None) -> str:
    """A raw key column's expected class as a kind (its values are carried unconverted)."""
    kind = kind_of(t) if t is not None else None
    return {"float": "rawreal", "decimal": "int", "bool": "int", None: "int"}.get(kind, kind or "int")




def positional(sql: str, binds: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
    """Named binds (:name) as numbered ones (?N) for ADBC, which binds by position. Text
    in quotes and comments is left alone, so a user's `where` with ':' in a literal stays."""
    order: list[str] = []
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"`[":
            end_char = "]" if c == "[" else c
            j = sql.find(end_char, i + 1)
            while j != -1 and end_char != "]" and j + 1 < n and sql[j + 1] == end_char:
                j = sql.find(end_char, j + 2)  # a doubled quote inside
            j = n - 1 if j == -1 else j
            out.append(sql[i:j + 1])
            i = j + 1
        elif sql.startswith("--", i) or sql.startswith("/*", i):
            j = sql.find("\n" if sql[i + 1] == "-" else "*/", i + 2)
            j = n if j == -1 else j + (1 if sql[i + 1] == "-" else 2)
            out.append(sql[i:j])
            i = j
        elif c == ":" and (m := re.match(r":([A-Za-z_]\w*)", sql[i:])) and m.group(1) in binds:
            name = m.group(1)
            if name not in order:
                order.append(name)
            out.append(f"?{order.index(name) + 1}")
            i += m.end()
        else:
            out.append(c)
            i += 1
    return "".join(out), tuple(binds[name] for name in order)


_TEXT_AFFINITY = ("CHAR", "CLOB", "TEXT")


def reads_bare(cp: Any, kind: str) -> bool:
    """Whether ADBC's own conversions of a bare column give the reference's values."""
    if kind in ("int", "bool", "float", "timestamp", "binary"):
        return True
    if kind == "decimal":  # read as double: its integers must convert exactly
        t = cp.arrow_type
        return t.precision - t.scale <= 15 and t.scale <= 15
    declared = cp.source.data_type.upper()  # a REAL in other columns becomes SQLite's text
    return "INT" not in declared and any(a in declared for a in _TEXT_AFFINITY)


@dataclass
class ReadShape:
    """How one read's query maps back to the plan: the SQL and the per-column layout."""
    sql: str
    params: tuple[Any, ...]
    table: str
    rowid: str
    columns: list[tuple[str, str, int, bool]]  # (expr, kind, first result index, bare)
    keys: list[tuple[str, str, int, str]]  # (expr, kind, index, key column name)
    odd: tuple[int, str, Any, Any] | None = None  # (index, cursor expr, lo, hi) of a time window
    notes: list[str] = field(default_factory=list)


def build_shape(spec: ReadSpec, exprs: list[str], select_from: str, order_limit: str,
                binds: dict[str, Any], rowid: str, table: str,
                odd: tuple[str, str, Any, Any] | None, *, projected: bool = False) -> ReadShape:
    """The query: a batch of typed rows, then the rows (the inner query keeps its own
    ORDER BY/LIMIT, so the paging order is the stdlib read's). `projected`: every column
    through its CASE typeof (the re-run after a type mismatch)."""
    items: list[str] = [f"NULL AS {TR}", f"{rowid} AS {RID}"]
    typed: list[str] = ["1", "0"]
    columns: list[tuple[str, str, int, bool]] = []
    for cp, expr in zip(spec.plan.included, exprs, strict=True):
        kind = kind_of(cp.arrow_type)
        assert kind is not None
        bare = not projected and reads_bare(cp, kind)
        columns.append((expr, kind, len(items), bare))
        items += _project(expr, kind, bare)
        typed += _typed(kind, bare)
    keys: list[tuple[str, str, int, str]] = []
    by_name = {cp.name: cp for cp in spec.plan.included}
    for name, _field in zip(spec.order_by, key_fields(spec), strict=False):
        col = spec.table.column(name)
        cp = by_name.get(col.name)
        kind = key_kind(cp.arrow_type if cp is not None else None)
        expr = quote(col.name)
        keys.append((expr, kind, len(items), name))
        items += _project(expr, kind)
        typed += _typed(kind)
    odd_at: tuple[int, str, Any, Any] | None = None
    if odd is not None:
        cursor_expr, odd_sql, lo, hi = odd
        odd_at = (len(items), cursor_expr, lo, hi)
        items.append(f"CASE WHEN {odd_sql} THEN 1 END")
        typed.append("0")
    if order_limit and " LIMIT " not in order_limit:
        order_limit += " LIMIT -1"  # an ordered subquery without LIMIT may lose its order
    inner = f"SELECT {', '.join(items)} {select_from}{order_limit}"
    n = max(1, spec.batch_rows)
    sql = (f"WITH RECURSIVE {TR}(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM {TR} WHERE n < {n}) "
           f"SELECT {', '.join(typed)} FROM {TR} UNION ALL SELECT * FROM ({inner})")
    sql, params = positional(sql, binds)
    return ReadShape(sql, params, table, rowid, columns, keys, odd_at)


def quote(name: str) -> str:
    """A SQLite identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'
