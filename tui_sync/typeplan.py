"""The type plan (DESIGN §4): source column -> Arrow type, DuckDB type, read conversion.

Pure functions, no I/O: sources describe columns as `SourceColumn`, this module
decides what each becomes, and the sources turn `ColumnPlan.conversion` into SQL
of their own dialect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

import pyarrow as pa

from .i18n import _


class Conversion(StrEnum):
    """What a source must do in SQL before the Arrow fetch can carry a column."""

    NONE = "none"
    UTC = "utc"  # SYS_EXTRACT_UTC(col)
    ROWID = "rowid"  # ROWIDTOCHAR(col)
    JSON = "json"  # JSON_SERIALIZE(col)
    XML = "xml"  # XMLSERIALIZE(CONTENT col AS CLOB)
    RTRIM = "rtrim"  # RTRIM(col) for CHAR with rtrim_char
    INTERVAL_DS = "interval_ds"  # carried as seconds, rebuilt as an interval
    INTERVAL_YM = "interval_ym"  # carried as months, rebuilt as an interval


@dataclass(frozen=True)
class SourceColumn:
    """A column as the source dictionary describes it (Oracle terms)."""

    name: str
    data_type: str  # base type without parentheses: NUMBER, TIMESTAMP WITH TIME ZONE, ...
    precision: int | None = None
    scale: int | None = None  # for TIMESTAMP/INTERVAL DAY TO SECOND: fractional digits
    length: int | None = None
    nullable: bool = True
    position: int = 0
    type_detail: str = ""  # e.g. VECTOR format FLOAT64

    def declared(self) -> str:
        """The type as a DBA would write it: NUMBER(12,3), TIMESTAMP(6), VARCHAR2(20)."""
        t = self.data_type
        if t == "NUMBER":
            if self.precision is None:
                return "NUMBER" if self.scale is None else "INTEGER" if self.scale == 0 \
                    else f"NUMBER(*,{self.scale})"
            return f"NUMBER({self.precision},{self.scale or 0})"
        if t == "FLOAT":
            return f"FLOAT({self.precision})" if self.precision else t
        if t.startswith("TIMESTAMP") and self.scale is not None:
            return t.replace("TIMESTAMP", f"TIMESTAMP({self.scale})", 1)
        if self.length:
            return f"{t}({self.length})"
        return t


@dataclass(frozen=True)
class ColumnPlan:
    source: SourceColumn
    target_name: str
    arrow_type: pa.DataType | None  # None: column skipped
    duckdb_type: str | None
    conversion: Conversion = Conversion.NONE
    warning: str | None = None
    overridden: bool = False

    @property
    def skipped(self) -> bool:
        return self.arrow_type is None

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def is_lob(self) -> bool:
        return self.source.data_type in LOB_TYPES


@dataclass(frozen=True)
class PlanOptions:
    number_without_precision: str = "double"  # or "decimal"
    lowercase_names: bool = True
    rtrim_char: bool = False
    overrides: dict[str, str] = field(default_factory=dict)  # column name -> DuckDB type


@dataclass(frozen=True)
class TypePlan:
    columns: tuple[ColumnPlan, ...]

    @property
    def included(self) -> tuple[ColumnPlan, ...]:
        return tuple(c for c in self.columns if not c.skipped)

    @property
    def warnings(self) -> list[str]:
        # translated where shown (plan, doctor, the TUI); english_of gives the log's English
        return [_("{column}: {warning}").format(column=c.name, warning=c.warning)
                for c in self.columns if c.warning]

    @property
    def has_lobs(self) -> bool:
        return any(c.is_lob for c in self.included)

    def arrow_schema(self) -> pa.Schema:
        """The schema batches have when they reach the target (target names)."""
        return pa.schema([pa.field(c.target_name, c.arrow_type) for c in self.included])

    def column(self, source_name: str) -> ColumnPlan:
        for c in self.columns:
            if c.name == source_name:
                return c
        for c in self.columns:
            if c.name.upper() == source_name.upper():
                return c
        raise KeyError(source_name)

    def target_columns(self) -> dict[str, str]:
        """target name -> DuckDB type, the shape recorded in schema_versions."""
        return {c.target_name: c.duckdb_type for c in self.included}  # type: ignore[misc]


LOB_TYPES = frozenset({"CLOB", "NCLOB", "BLOB", "LONG", "LONG RAW", "XMLTYPE", "JSON"})
_CHAR_TYPES = frozenset({"CHAR", "NCHAR"})
_TEXT_TYPES = frozenset({"VARCHAR2", "NVARCHAR2", "VARCHAR", "LONG", "CLOB", "NCLOB", "TEXT"})
_BINARY_TYPES = frozenset({"RAW", "LONG RAW", "BLOB"})
_TZ_TYPES = frozenset({"TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH LOCAL TIME ZONE"})

_DECL_RE = re.compile(
    r"^\s*(?P<base>[A-Za-z_][A-Za-z0-9_$.]*(?:\s+[A-Za-z_][A-Za-z0-9_]*)*)\s*(?:\(\s*(?P<a>[-*\d]+)\s*(?:(?:BYTE|CHAR)\s*)?"
    r"(?:,\s*(?P<b>-?\d+)\s*)?\))?\s*(?P<rest>.*)$",
    re.IGNORECASE,
)


def parse_declared_type(text: str) -> tuple[str, int | None, int | None, int | None]:
    """Parse an Oracle-style declared type into (base, precision, scale, length).

    Handles NUMBER(12,3), VARCHAR2(20 CHAR), TIMESTAMP(6) WITH TIME ZONE,
    INTERVAL DAY(2) TO SECOND(6), FLOAT(126) and plain names.
    """
    t = " ".join(text.strip().upper().split())
    if not t:
        return "", None, None, None
    if t.startswith("INTERVAL DAY"):
        frac = re.search(r"SECOND\s*\(\s*(\d+)\s*\)", t)
        return "INTERVAL DAY TO SECOND", None, int(frac.group(1)) if frac else 6, None
    if t.startswith("INTERVAL YEAR"):
        return "INTERVAL YEAR TO MONTH", None, None, None
    m = _DECL_RE.match(t)
    if not m:
        return t, None, None, None
    base = m.group("base").strip()
    a, b, rest = m.group("a"), m.group("b"), m.group("rest").strip()
    if base == "TIMESTAMP":
        frac = int(a) if a and a != "*" else 6
        full = f"TIMESTAMP {rest}".strip() if rest else "TIMESTAMP"
        return full, None, frac, None
    if rest:
        base = f"{base} {rest}".strip()
    if base in ("NUMBER", "NUMERIC", "DECIMAL", "DEC"):
        if a is None or a == "*":
            return "NUMBER", None, (int(b) if b is not None else None), None
        return "NUMBER", int(a), (int(b) if b is not None else 0), None
    if base in ("INTEGER", "INT", "SMALLINT"):
        return "NUMBER", None, 0, None
    if base == "FLOAT":
        return "FLOAT", int(a) if a else 126, None, None
    if base in ("REAL", "DOUBLE PRECISION"):
        return "FLOAT", 63 if base == "REAL" else 126, None, None
    length = int(a) if a and a.lstrip("-").isdigit() else None
    return base, None, None, length


_OVERRIDE_RE = re.compile(
    r"^(BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|DOUBLE|FLOAT|REAL|VARCHAR|TEXT|BLOB|BOOLEAN|"
    r"DATE|TIMESTAMP|TIMESTAMP_NS|TIMESTAMPTZ|TIMESTAMP WITH TIME ZONE|INTERVAL|"
    r"DECIMAL\(\s*\d+\s*,\s*\d+\s*\)|NUMERIC\(\s*\d+\s*,\s*\d+\s*\))$",
    re.IGNORECASE,
)


def parse_duckdb_override(text: str) -> str:
    """Validate a per-column override such as DECIMAL(20,4); return it normalised."""
    t = " ".join(text.strip().upper().split())
    if not _OVERRIDE_RE.match(t):
        raise ValueError(_("{text} is not a supported DuckDB type (e.g. DECIMAL(20,4), BIGINT, "
                           "DOUBLE, VARCHAR, TIMESTAMP)").format(text=repr(text)))
    m = re.match(r"(?:DECIMAL|NUMERIC)\(\s*(\d+)\s*,\s*(\d+)\s*\)", t)
    if m:
        p, s = int(m.group(1)), int(m.group(2))
        if not 1 <= p <= 38 or s > p:
            raise ValueError(_("{text}: DECIMAL precision must be 1..38 and scale <= precision").format(
                text=repr(text)))
        return f"DECIMAL({p},{s})"
    return {"TEXT": "VARCHAR", "REAL": "FLOAT", "NUMERIC": "DECIMAL",
            "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ"}.get(t, t)


def duckdb_to_arrow(duck: str) -> pa.DataType:
    """Arrow type for a DuckDB type used in the plan or an override."""
    m = re.match(r"DECIMAL\((\d+),(\d+)\)", duck)
    if m:
        return pa.decimal128(int(m.group(1)), int(m.group(2)))
    return {
        "BIGINT": pa.int64(), "INTEGER": pa.int32(), "SMALLINT": pa.int16(),
        "TINYINT": pa.int8(), "HUGEINT": pa.decimal128(38, 0), "DOUBLE": pa.float64(),
        "FLOAT": pa.float32(), "VARCHAR": pa.large_string(), "BLOB": pa.large_binary(),
        "BOOLEAN": pa.bool_(), "DATE": pa.date32(), "TIMESTAMP": pa.timestamp("us"),
        "TIMESTAMP_NS": pa.timestamp("ns"), "TIMESTAMPTZ": pa.timestamp("us", tz="UTC"),
        "INTERVAL": pa.month_day_nano_interval(), "FLOAT[]": pa.list_(pa.float32()),
        "DOUBLE[]": pa.list_(pa.float64()),
    }[duck]


def target_name(name: str, lowercase: bool) -> str:
    """Lower-case Oracle's default upper-case names; keep names that are case-sensitive."""
    if lowercase and name == name.upper():
        return name.lower()
    return name


def plan_column(col: SourceColumn, opts: PlanOptions) -> ColumnPlan:
    name = target_name(col.name, opts.lowercase_names)
    t = col.data_type.upper()
    conv = Conversion.NONE
    warning: str | None = None

    def plan(duck: str | None, conversion: Conversion = Conversion.NONE,
             warn: str | None = None) -> ColumnPlan:
        return ColumnPlan(col, name, duckdb_to_arrow(duck) if duck else None, duck,
                          conversion, warn)

    if t == "NUMBER":
        p, s = col.precision, col.scale
        if p is None and s is None:
            if opts.number_without_precision == "decimal":
                return plan("DECIMAL(38,10)", warn=_("NUMBER without precision: read as "
                            "DECIMAL(38,10); digits past 10 decimals are rounded"))
            return plan("DOUBLE", warn=_("NUMBER without precision: read as DOUBLE (about 15 "
                        "significant digits); set number_without_precision = decimal or a "
                        "column override for exact values"))
        if p is None:  # INTEGER (scale 0) or NUMBER(*,s): precision NULL, i.e. up to 38 digits
            return plan(f"DECIMAL(38,{s})" if s > 0 else "DECIMAL(38,0)")
        s = s or 0
        if s < 0:  # NUMBER(p,-n) holds integers of up to p+n digits
            digits = p - s
            return plan("BIGINT") if digits <= 18 else plan(f"DECIMAL({min(digits, 38)},0)")
        if s == 0:
            return plan("BIGINT") if p <= 18 else plan(f"DECIMAL({p},0)")
        return plan(f"DECIMAL({max(p, s)},{s})")
    if t == "FLOAT":
        return plan("DOUBLE", warn=_("FLOAT({precision}) read as DOUBLE (about 15 "
                    "significant digits); use a column override for exact values").format(
                        precision=col.precision or 126))
    if t == "BINARY_FLOAT":
        return plan("FLOAT")
    if t == "BINARY_DOUBLE":
        return plan("DOUBLE")
    if t == "DATE":
        return plan("TIMESTAMP")
    if t == "TIMESTAMP":
        return plan("TIMESTAMP_NS" if (col.scale if col.scale is not None else 6) > 6
                    else "TIMESTAMP")
    if t in _TZ_TYPES:
        return plan("TIMESTAMPTZ", Conversion.UTC)
    if t == "INTERVAL DAY TO SECOND":
        return plan("INTERVAL", Conversion.INTERVAL_DS)
    if t == "INTERVAL YEAR TO MONTH":
        return plan("INTERVAL", Conversion.INTERVAL_YM)
    if t in _CHAR_TYPES:
        return plan("VARCHAR", Conversion.RTRIM if opts.rtrim_char else Conversion.NONE)
    if t in _TEXT_TYPES:
        return plan("VARCHAR")
    if t in _BINARY_TYPES:
        return plan("BLOB")
    if t in ("ROWID", "UROWID"):
        return plan("VARCHAR", Conversion.ROWID)
    if t == "JSON":
        return plan("VARCHAR", Conversion.JSON)
    if t in ("XMLTYPE", "SYS.XMLTYPE"):
        return plan("VARCHAR", Conversion.XML)
    if t == "BOOLEAN":
        return plan("BOOLEAN")
    if t == "VECTOR":
        fmt = col.type_detail.upper()
        return plan("DOUBLE[]" if fmt in ("FLOAT64", "*", "") else "FLOAT[]")
    del conv, warning
    return ColumnPlan(col, name, None, None, Conversion.NONE,
                      _("type {type} is not supported: column skipped").format(type=col.data_type))


def build_plan(columns: list[SourceColumn], opts: PlanOptions | None = None) -> TypePlan:
    opts = opts or PlanOptions()
    overrides = {k.upper(): v for k, v in opts.overrides.items()}
    planned: list[ColumnPlan] = []
    seen: dict[str, str] = {}
    for col in sorted(columns, key=lambda c: c.position):
        cp = plan_column(col, opts)
        override = overrides.get(col.name.upper())
        if override and not cp.skipped:
            cp = ColumnPlan(col, cp.target_name, duckdb_to_arrow(override), override,
                            cp.conversion, None, overridden=True)
        folded = cp.target_name.lower()
        if not cp.skipped and folded in seen:
            # DuckDB folds identifier case even when quoted: two such columns collide.
            cp = ColumnPlan(col, cp.target_name, None, None, Conversion.NONE,
                            _("name collides with column {column} in DuckDB (names are "
                              "case-insensitive there): column skipped").format(column=seen[folded]))
        elif not cp.skipped:
            seen[folded] = col.name
        planned.append(cp)
    return TypePlan(tuple(planned))
