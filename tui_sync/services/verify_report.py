"""The report of `tui-sync verify`: the differences found, how two sides are compared, and
the report as JSON (`to_dict`) and as text (`format_report`).

Integers and decimals compare exactly; floating-point sums within a relative tolerance of
the sum of absolute values (so cancellation does not make the check flaky). Content hashes
are compared in partitions whose row counts match, per column unless that column's sum
already differs there. Plain Python: it never imports Textual.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ..cells import cell_len, pad
from ..i18n import _
from ..sources.verify_spec import Aggregates, Content, Partitioning, SumColumn
from ..verify_render import ContentColumn

DEFAULT_REL_TOL = 1e-6
WHOLE = "(whole table)"
ROWS = "rows"
MAX_LINES = 50


# -- the report ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Difference:
    partition: str  # a day 'YYYY-MM-DD', a key range, or '(whole table)'
    column: str  # 'rows' for the count, else the target column whose sum differs
    source: Any
    target: Any


@dataclass
class VerifyReport:
    table: str  # source table as the source names it
    target: str  # DuckDB table
    partition_by: str  # "day", "key_range" or "whole"
    partition_column: str | None  # target column name
    source_rows: int
    target_rows: int
    partitions: int  # partitions compared (union of both sides)
    columns: list[str] = field(default_factory=list)  # target columns whose sums were compared
    differences: list[Difference] = field(default_factory=list)
    content: bool = False  # the content check ran (False: --quick)
    content_columns: list[str] = field(default_factory=list)  # target columns hashed
    unchecked: dict[str, str] = field(default_factory=dict)  # target column -> why not hashed

    @property
    def ok(self) -> bool:
        return not self.differences and self.source_rows == self.target_rows

    def to_dict(self) -> dict[str, Any]:
        return {"table": self.table, "target": self.target, "ok": self.ok,
                "partition_by": self.partition_by, "partition_column": self.partition_column,
                "source_rows": self.source_rows, "target_rows": self.target_rows,
                "partitions": self.partitions, "columns": list(self.columns),
                "content": self.content, "content_columns": list(self.content_columns),
                "unchecked": dict(self.unchecked),
                "differences": [{"partition": d.partition, "column": d.column,
                                 "source": _jsonable(d.source), "target": _jsonable(d.target)}
                                for d in self.differences]}


def _jsonable(v: Any) -> Any:
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)  # JSON has no inf/nan
    return v


def partition_label(part: Partitioning, key: Any) -> str:
    """How the report names a partition: a day, a key range of the target column, or the
    whole table."""
    if part.kind == "whole":
        return WHOLE
    assert part.column is not None
    name = part.column.target_name
    if key is None:
        return f"{name} IS NULL"
    if part.kind == "day":
        return str(key)
    i = int(key)
    lo = part.target_bounds[i - 1] if i > 0 else None
    hi = part.target_bounds[i] if i < len(part.target_bounds) else None
    if lo is None and hi is None:
        return f"all {name}"
    if lo is None:
        return f"{name} < {_show(hi)}"
    if hi is None:
        return f"{name} >= {_show(lo)}"
    return f"{_show(lo)} <= {name} < {_show(hi)}"


def _show(v: Any) -> str:
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, str):
        return repr(v)
    return str(v)


# -- comparing ------------------------------------------------------------------------------

def as_decimal(v: Any) -> Any:
    if v is None or isinstance(v, Decimal):
        return v
    if isinstance(v, (int, str)):
        try:
            return Decimal(str(v).strip())
        except InvalidOperation:
            return v  # an unreadable source value: shown as it is, never equal
    if isinstance(v, float):
        return Decimal(repr(v))
    return v


def as_float(v: Any) -> Any:
    if v is None or isinstance(v, float):
        return v
    try:
        return float(str(v).strip())  # Oracle TO_CHAR gives 'Nan', '-Inf', '1.5E+000'
    except ValueError:
        return v


def same_sum(col: SumColumn, src: Any, tgt: Any, abs_total: Any = None,
             rel_tol: float = DEFAULT_REL_TOL) -> bool:
    if col.exact:
        a, b = as_decimal(src), as_decimal(tgt)
        if isinstance(a, Decimal) and isinstance(b, Decimal):
            return a.compare(b) == 0
        return a is None and b is None
    a, b = as_float(src), as_float(tgt)
    if a is None or b is None:
        return a is None and b is None
    if not isinstance(a, float) or not isinstance(b, float):
        return False
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    scale = max(abs(a), abs(b))
    if isinstance(abs_total, float) and math.isfinite(abs_total):
        scale = max(scale, abs_total)
    return abs(a - b) <= rel_tol * scale + 1e-300


def compare(part: Partitioning, sums: Sequence[SumColumn], src: Aggregates, tgt: Aggregates,
            abs_totals: dict[Any, list[Any]] | None = None,
            rel_tol: float = DEFAULT_REL_TOL) -> tuple[int, list[Difference]]:
    keys = set(src) | set(tgt)
    empty: tuple[int, list[Any]] = (0, [None] * len(sums))

    def order(k: Any) -> tuple[int, Any]:
        return (1, "") if k is None else (0, k)

    diffs: list[Difference] = []
    for key in sorted(keys, key=order):
        (sn, ss), (tn, ts) = src.get(key, empty), tgt.get(key, empty)
        label = partition_label(part, key)
        if sn != tn:
            diffs.append(Difference(label, ROWS, sn, tn))
        totals = (abs_totals or {}).get(key, [None] * len(sums))
        for i, col in enumerate(sums):
            if not same_sum(col, ss[i], ts[i], totals[i], rel_tol):
                diffs.append(Difference(label, f"sum({col.target})", _tidy(col, ss[i]),
                                        _tidy(col, ts[i])))
    return len(keys), diffs


def compare_content(part: Partitioning, cols: Sequence[ContentColumn], src: Content,
                    tgt: Content, already: Sequence[Difference]) -> list[Difference]:
    """Content differences of the partitions whose row counts match (a count that differs
    already names the partition), per column unless that column's sum already differs
    there; values moved between rows leave every column's hashes equal: `content`."""
    reported = {(d.partition, d.column) for d in already}
    empty: tuple[int, int, list[int]] = (0, 0, [0] * len(cols))
    diffs: list[Difference] = []
    for key in sorted(set(src) | set(tgt), key=lambda k: (1, "") if k is None else (0, k)):
        (sn, sh, scols), (tn, th, tcols) = src.get(key, empty), tgt.get(key, empty)
        if sn != tn or sh == th:
            continue
        label = partition_label(part, key)
        if len(scols) != len(cols) or len(tcols) != len(cols):  # no column pass: say "content"
            scols, tcols = [0] * len(cols), [0] * len(cols)
        changed = [c for c, a, b in zip(cols, scols, tcols, strict=True) if a != b]
        if not changed:
            diffs.append(Difference(label, "content", _digest(sh), _digest(th)))
        for c, a, b in zip(cols, scols, tcols, strict=True):
            if a != b and (label, f"sum({c.target})") not in reported:
                diffs.append(Difference(label, f"content({c.target})", _digest(a), _digest(b)))
    return diffs


def _digest(n: int) -> str:
    return f"#{n % 2**64:016x}"  # the combined hash, only for telling sides apart


def _tidy(col: SumColumn, v: Any) -> Any:
    return as_decimal(v) if col.exact else as_float(v)


# -- the report as text -------------------------------------------------------------------------

def format_report(r: VerifyReport) -> str:
    """The report in the user's language; the values, column names and SQL in it stay as
    they are (`to_dict`, the JSON, is always English)."""
    by = {"day": _("{count} day(s) of {column}").format(count=r.partitions, column=r.partition_column),
          "key_range": _("{count} key range(s) of {column}").format(
              count=r.partitions, column=r.partition_column),
          "whole": _("the whole table")}[r.partition_by]
    cols = ", ".join(r.columns) if r.columns else _("no numeric columns")
    lines = [_("{table} -> {target}: source {source_rows} rows, target {target_rows} rows").format(
                 table=r.table, target=r.target, source_rows=f"{r.source_rows:,}",
                 target_rows=f"{r.target_rows:,}"),
             "  " + _("compared by {by}; sums of {sums}; {content}").format(
                 by=by, sums=cols, content=content_summary(r))]
    for c, why in r.unchecked.items():
        lines.append("  " + _("not content-checked: {column} ({reason})").format(
            column=c, reason=_reason(why)))
    if r.ok:
        lines.append("  " + _("OK: source and target match"))
        return "\n".join(lines)
    lines.append("  " + _("DIFFERENT: {n} difference(s)").format(n=len(r.differences)))
    shown = [(_partition(d.partition), _column(d.column), _value(d.source), _value(d.target))
             for d in r.differences[:MAX_LINES]]
    head = (_("partition"), _("column"), _("source"), _("target"))
    w = max([cell_len(head[0])] + [cell_len(p) for p, _c, _s, _t in shown])
    c = max([cell_len(head[1])] + [cell_len(col) for _p, col, _s, _t in shown])
    for row in [head, *shown]:
        lines.append(f"  {pad(row[0], w)}  {pad(row[1], c)}  {pad(row[2], 24, right=True)}  "
                     f"{pad(row[3], 24, right=True)}")
    if len(r.differences) > MAX_LINES:
        lines.append("  " + _("... and {n} more (--json lists them all)").format(
            n=len(r.differences) - MAX_LINES))
    return "\n".join(lines)


def content_summary(r: VerifyReport) -> str:
    if not r.content:
        return _("--quick: counts and sums only (edited text, times, binary and moved values unseen)")
    return _("content of {count} column(s)").format(count=len(r.content_columns))


# The English words the comparison records (the JSON keeps them): shown translated.
_REASON_NO_RENDERING = "no canonical rendering for "
_ORACLE_UNHASHED = re.compile(r"^Oracle (.+) is not hashed in SQL$")


def _reason(why: str) -> str:
    if why == "not in the target (a sync adds it)":
        return _("not in the target (a sync adds it)")
    if why.startswith(_REASON_NO_RENDERING):
        return _("no canonical rendering for {type}").format(type=why[len(_REASON_NO_RENDERING):])
    m = _ORACLE_UNHASHED.match(why)
    if m:
        return _("Oracle {type} is not hashed in SQL").format(type=m.group(1))
    return why


def _partition(label: str) -> str:
    if label == WHOLE:
        return _("(whole table)")
    if label.startswith("all ") and " " not in label[4:]:
        return _("all {column}").format(column=label[4:])
    return label


def _column(label: str) -> str:
    if label == ROWS:
        return _("rows")
    if label.startswith("column "):
        return _("column {column}").format(column=label[len("column "):])
    return label


def _value(v: Any) -> str:
    if v == "in the source":
        return _("in the source")
    if v == "missing":
        return _("missing")
    return _cell(v)


def _cell(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


__all__ = ["DEFAULT_REL_TOL", "Difference", "VerifyReport", "compare", "compare_content",
           "content_summary", "format_report", "partition_label", "same_sum"]
