"""The doctor's type round-trip probe: one `SELECT ... FROM DUAL` with a literal of
every DESIGN §4 type the server supports (edge values included), read through the
sync's own code path and compared with the exact values DESIGN §4 promises.

"The sync's own code path": the literals sit in an inline view whose columns carry
the names and declared types a table would have; the probe builds the type plan
with the config's options (`build_plan`), and reads with `OracleSource.read_batches`
unchanged (same `build_select` conversions, same `requested_schema`, same rebuild
and conform steps). Only the FROM clause differs: `from_sql` returns the inline view
instead of OWNER.TABLE. No DDL, no table, no rights beyond CREATE SESSION.

When the one statement fails (a conversion raising for one type), each type is
read again on its own so the report says which one broke. Never imports Textual.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa

from . import doctor_oracle  # noqa: F401 - the connect and table checks register (and run) first
from .doctor import DoctorContext, register
from .errors import TuiSyncError
from .i18n import _
from .sources.base import ReadSpec, TableDescription, TableInfo
from .typeplan import PlanOptions, SourceColumn, build_plan


@dataclass(frozen=True)
class ProbeCase:
    name: str  # the column name in the inline view (upper case, as Oracle would store it)
    sql: str  # the literal expression
    column: SourceColumn  # how ALL_TAB_COLUMNS would describe a column of this type
    expected: Any  # the value DuckDB must hold (timestamps/intervals in canonical text)
    min_major: int = 11  # the first Oracle major version with this type


def _col(name: str, data_type: str, p: int | None = None, s: int | None = None,
         length: int | None = None) -> SourceColumn:
    return SourceColumn(name, data_type, p, s, length)


_F9 = "'YYYY-MM-DD HH24:MI:SS.FF9'"


def probe_cases(rtrim_char: bool = False) -> list[ProbeCase]:
    """The literals, one per DESIGN §4 type and edge value."""
    return [
        ProbeCase("N_INT", "CAST(-123456789012345678 AS NUMBER(18))", _col("N_INT", "NUMBER", 18, 0),
                  -123456789012345678),
        ProbeCase("N_38", "CAST(12345678901234567890123456789012345678 AS NUMBER(38))",
                  _col("N_38", "NUMBER", 38, 0), Decimal("12345678901234567890123456789012345678")),
        ProbeCase("N_INTEGER", "CAST(-98765432109876543210 AS INTEGER)", _col("N_INTEGER", "NUMBER", None, 0),
                  Decimal("-98765432109876543210")),
        ProbeCase("N_STAR_2", "CAST(-123456789012345678901234567890123.45 AS NUMBER(*,2))",
                  _col("N_STAR_2", "NUMBER", None, 2), Decimal("-123456789012345678901234567890123.45")),
        ProbeCase("N_12_3", "CAST(987654321.123 AS NUMBER(12,3))", _col("N_12_3", "NUMBER", 12, 3),
                  Decimal("987654321.123")),
        ProbeCase("F_126", "CAST(0.1 AS FLOAT(126))", _col("F_126", "FLOAT", 126), 0.1),
        ProbeCase("BF", "CAST(0.25 AS BINARY_FLOAT)", _col("BF", "BINARY_FLOAT"), 0.25),
        ProbeCase("BD", "TO_BINARY_DOUBLE('-1.5E300')", _col("BD", "BINARY_DOUBLE"), -1.5e300),
        ProbeCase("D", "TO_DATE('2024-02-29 23:59:58', 'YYYY-MM-DD HH24:MI:SS')", _col("D", "DATE"),
                  "2024-02-29 23:59:58.000000000"),
        ProbeCase("D_MAX", "TO_DATE('9999-12-31 23:59:59', 'YYYY-MM-DD HH24:MI:SS')", _col("D_MAX", "DATE"),
                  "9999-12-31 23:59:59.000000000"),
        ProbeCase("TS6", f"CAST(TO_TIMESTAMP('2024-02-29 23:59:58.123456', {_F9}) AS TIMESTAMP(6))",
                  _col("TS6", "TIMESTAMP", None, 6), "2024-02-29 23:59:58.123456000"),
        ProbeCase("TS6_MAX", f"CAST(TO_TIMESTAMP('9999-12-31 23:59:59.999999', {_F9}) AS TIMESTAMP(6))",
                  _col("TS6_MAX", "TIMESTAMP", None, 6), "9999-12-31 23:59:59.999999000"),
        ProbeCase("TS9", f"CAST(TO_TIMESTAMP('2024-02-29 23:59:58.123456789', {_F9}) AS TIMESTAMP(9))",
                  _col("TS9", "TIMESTAMP", None, 9), "2024-02-29 23:59:58.123456789"),
        ProbeCase("TS9_MAX", f"CAST(TO_TIMESTAMP('9999-12-31 23:59:59.999999999', {_F9}) AS TIMESTAMP(9))",
                  _col("TS9_MAX", "TIMESTAMP", None, 9), "9999-12-31 23:59:59.999999999"),
        ProbeCase("TSTZ", "CAST(TO_TIMESTAMP_TZ('2024-03-10 02:30:00.5 -05:00', "
                  "'YYYY-MM-DD HH24:MI:SS.FF TZH:TZM') AS TIMESTAMP(6) WITH TIME ZONE)",
                  _col("TSTZ", "TIMESTAMP WITH TIME ZONE", None, 6), "2024-03-10 07:30:00.500000000 UTC"),
        ProbeCase("TSTZ_REGION", "CAST(TO_TIMESTAMP_TZ('2024-01-01 09:00:00 Asia/Seoul', "
                  "'YYYY-MM-DD HH24:MI:SS TZR') AS TIMESTAMP(6) WITH TIME ZONE)",
                  _col("TSTZ_REGION", "TIMESTAMP WITH TIME ZONE", None, 6), "2024-01-01 00:00:00.000000000 UTC"),
        ProbeCase("IDS", "CAST(TO_DSINTERVAL('-1 02:03:04.5') AS INTERVAL DAY(2) TO SECOND(6))",
                  _col("IDS", "INTERVAL DAY TO SECOND", 2, 6), "0 months -1 days -7384500000000 ns"),
        ProbeCase("IYM", "CAST(TO_YMINTERVAL('-1-2') AS INTERVAL YEAR(2) TO MONTH)",
                  _col("IYM", "INTERVAL YEAR TO MONTH", 2, 0), "-14 months 0 days 0 ns"),
        ProbeCase("C", "CAST('ab' AS CHAR(5))", _col("C", "CHAR", length=5), "ab" if rtrim_char else "ab   "),
        ProbeCase("NC", "CAST(UNISTR('\\AC00\\B098') AS NCHAR(3))", _col("NC", "NCHAR", length=3),
                  "가나" if rtrim_char else "가나 "),
        ProbeCase("V", "CAST(UNISTR('\\D55C\\AE00 caf\\00E9') AS VARCHAR2(20))", _col("V", "VARCHAR2", length=20),
                  "한글 café"),
        ProbeCase("CL_EMPTY", "EMPTY_CLOB()", _col("CL_EMPTY", "CLOB"), ""),
        ProbeCase("NCL", "TO_NCLOB(UNISTR('\\D55C'))", _col("NCL", "NCLOB"), "한"),
        ProbeCase("R", "HEXTORAW('00FF10')", _col("R", "RAW", length=3), b"\x00\xff\x10"),
        ProbeCase("BL", "TO_BLOB(HEXTORAW('CAFE'))", _col("BL", "BLOB"), b"\xca\xfe", min_major=12),
        ProbeCase("RID", "CHARTOROWID('AAAR3sAAEAAAACXAAA')", _col("RID", "ROWID"), "AAAR3sAAEAAAACXAAA"),
        ProbeCase("J", "JSON('{\"a\":[1,2]}')", _col("J", "JSON"), '{"a":[1,2]}', min_major=21),
        ProbeCase("B", "TRUE", _col("B", "BOOLEAN"), True, min_major=23),
        ProbeCase("VEC", "TO_VECTOR('[1.5,-2]', 2, FLOAT64)", _col("VEC", "VECTOR"), [1.5, -2.0], min_major=23),
    ]


def inline_view(cases: list[ProbeCase]) -> str:
    items = ",\n        ".join(f'{c.sql} AS "{c.name}"' for c in cases)
    return f"(SELECT {items}\n      FROM DUAL)"


def _inline_source_class(base: type) -> type:
    class InlineSource(base):  # type: ignore[misc, valid-type]
        """The sync's source with one difference: it reads an inline view."""

        inline_sql = ""

        def from_sql(self, table: TableDescription, snapshot: bool = False) -> str:
            return self.inline_sql

    return InlineSource


def read_probe(source: Any, cases: list[ProbeCase], opts: PlanOptions) -> dict[str, Any]:
    """Read the literals through the sync's path: {case name: canonical value}."""
    cls = _inline_source_class(type(source))
    probe = cls(source.cfg, driver=source.driver)
    probe.inline_sql = inline_view(cases)
    desc = TableDescription(TableInfo("DUAL (type probe)", "SYS", "DUAL", 1),
                            tuple(c.column for c in cases), ())
    plan = build_plan(list(desc.columns), opts)
    try:
        probe.connect()
        batches = list(probe.read_batches(ReadSpec(table=desc, plan=plan, batch_rows=10)))
    finally:
        probe.close()
    table = pa.Table.from_batches(batches, schema=plan.arrow_schema())
    out: dict[str, Any] = {}
    by_source = {cp.name: cp for cp in plan.columns}
    for c in cases:
        cp = by_source[c.name]
        if cp.skipped:
            out[c.name] = SkippedColumn(cp.warning or "skipped by the type plan")
            continue
        col = table.column(cp.target_name)
        out[c.name] = canonical(col[0]) if len(col) else None
    return out


class SkippedColumn(str):
    """The plan skipped the column (an unsupported type): reported, not compared."""


def canonical(value: pa.Scalar) -> Any:
    """A comparable Python value: timestamps and intervals as exact text."""
    t = value.type
    if not value.is_valid:
        return None
    if pa.types.is_timestamp(t):
        raw = value.cast(pa.int64()).as_py()
        per_s = {"s": 1, "ms": 1000, "us": 1_000_000, "ns": 1_000_000_000}[t.unit]
        secs, frac = divmod(raw, per_s)
        when = datetime(1970, 1, 1) + timedelta(seconds=secs)
        text = f"{when:%Y-%m-%d %H:%M:%S}.{frac * (1_000_000_000 // per_s):09d}"
        return text + (" UTC" if t.tz else "")
    if pa.types.is_interval(t):
        v = value.as_py()
        return f"{v.months} months {v.days} days {v.nanoseconds} ns"
    if pa.types.is_date(t):
        return f"{value.as_py():%Y-%m-%d} 00:00:00.000000000"
    return value.as_py()


def _server_major(ctx: DoctorContext) -> int:
    import re

    m = re.match(r"(\d+)", str(ctx.data.get("server_version", "")))
    return int(m.group(1)) if m else 0


def _same(expected: Any, got: Any) -> bool:
    if isinstance(expected, float) and isinstance(got, float):
        return expected == got or abs(expected - got) <= abs(expected) * 1e-6
    if isinstance(expected, list) and isinstance(got, list):
        return len(expected) == len(got) and all(_same(a, b) for a, b in zip(expected, got, strict=True))
    return type(expected) is type(got) and expected == got


@register("oracle")
def check_type_probe(ctx: DoctorContext) -> None:
    if ctx.source is None:
        return
    sync = ctx.config.sync
    opts = PlanOptions(number_without_precision=sync.number_without_precision,
                       lowercase_names=sync.lowercase_names, rtrim_char=sync.rtrim_char)
    major = _server_major(ctx)
    cases = [c for c in probe_cases(sync.rtrim_char) if major >= c.min_major]
    try:
        results: dict[str, Any] = read_probe(ctx.source, cases, opts)
    except TuiSyncError:
        # One type broke the statement: read each type on its own to name it.
        results = {}
        for case in cases:
            try:
                results.update(read_probe(ctx.source, [case], opts))
            except TuiSyncError as exc:
                results[case.name] = ProbeError(str(exc))
    for case in cases:
        got = results.get(case.name)
        label = f"{case.column.declared()} {case.name}"
        if isinstance(got, ProbeError):
            ctx.fail("types", label, _("read failed: {error}").format(error=got),
                     _("report it with `tui-sync doctor --json`"))
        elif isinstance(got, SkippedColumn):
            ctx.warn("types", label, _("not synced: {why}").format(why=got))
        elif _same(case.expected, got):
            ctx.ok("types", label, _show(got))
        else:
            ctx.fail("types", label, _("expected {expected}, got {got}").format(
                expected=_show(case.expected), got=_show(got)),
                     _("this type would land wrong: report it (tui-sync doctor --json) and override "
                       "the column's type or skip it until fixed"))
    skipped = [c.name for c in probe_cases() if major < c.min_major]
    if skipped:
        ctx.skip("types", "newer types", _("Oracle {version} has no {types}").format(
            version=major, types=", ".join(skipped)))


class ProbeError(str):
    pass


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


__all__ = ["ProbeCase", "canonical", "check_type_probe", "inline_view", "probe_cases", "read_probe"]
