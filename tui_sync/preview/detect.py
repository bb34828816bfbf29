"""Type detection of text columns with Polars (DESIGN §9, Preview).

Oracle data often keeps numbers and times in VARCHAR2 columns. The preview
tries, per text column, a few families of formats: numbers (sign, decimals,
optional thousands separators), ISO dates and times, 'YYYYMMDDHH24MISS',
'YYYY/MM/DD HH24:MI:SS' and Oracle's 'DD-MON-YY' / 'DD-MON-YYYY'. A column is
converted when the share of its non-null, non-empty values that parse reaches a
threshold and it has enough values to judge. The formats themselves are in
`formats.py`; this module judges columns with them and converts the verdict in SQL.

Everything is vectorised: a small sample picks the family and the formats that
matter, one pass per chosen format parses the whole column, and only values the
chosen formats missed are tried against the rest of the family. No per-row
Python. Nothing here imports Textual.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum

import polars as pl

from ..i18n import _
from .formats import DATETIME_US, FAMILY_FORMATS, INT_RE, NUMBER_RE, Family, Format, TimeText, time_text

DEFAULT_THRESHOLD = 0.95
DEFAULT_MIN_COUNT = 10
SAMPLE_SIZE = 1000
# A column whose sample parses far below the threshold is not worth a full pass:
# it cannot reach the threshold unless the sample was very unlucky.
_SAMPLE_SLACK = 0.15


class Kind(StrEnum):
    """What a column looks like (the best family found)."""

    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATETIME = "datetime"
    DATE = "date"
    EMPTY = "empty"


@dataclass(frozen=True)
class ColumnDetection:
    """The verdict on one text column."""

    name: str
    kind: Kind  # best candidate kind (TEXT when nothing fits at all)
    family: Family | None  # the family that produced `kind`
    format: str | None  # Oracle-style label of the formats that matched, most used first
    parse_ratio: float  # parsed / non-null non-empty values (of the sample when `sampled`)
    non_null: int  # non-null, non-empty values in the column
    converted: bool
    reason: str = ""  # why it was not converted (one short phrase)
    sampled: bool = False  # ratio measured on a sample only (clearly not this kind)

    @property
    def summary(self) -> str:
        """One line for the preview's detection summary."""
        pct = f"{self.parse_ratio:.1%}"
        fmt = f" ({self.format})" if self.format else ""
        if self.converted:
            return _("{name}: text → {kind}{format}, {pct} parsed of {count}").format(
                name=self.name, kind=self.kind, format=fmt, pct=pct, count=f"{self.non_null:,}")
        if self.kind in (Kind.TEXT, Kind.EMPTY):
            return _("{name}: kept as text ({reason})").format(name=self.name, reason=self.reason or self.kind)
        return _("{name}: kept as text (looks {kind}{format}, {pct}; {reason})").format(
            name=self.name, kind=self.kind, format=fmt, pct=pct, reason=self.reason)


@dataclass(frozen=True)
class Detection:
    """The converted frame and one verdict per text column."""

    frame: pl.DataFrame
    columns: list[ColumnDetection]

    @property
    def converted(self) -> list[ColumnDetection]:
        return [c for c in self.columns if c.converted]

    def get(self, name: str) -> ColumnDetection | None:
        return next((c for c in self.columns if c.name == name), None)


# DuckDB expressions that convert a detected column the same way over the whole
# target (the chart and stats run in DuckDB, not on the shown rows).
DUCKDB_FORMATS: dict[Family, tuple[str, ...]] = {
    Family.COMPACT: ("%Y%m%d%H%M%S",),
    Family.SLASH: ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d"),
    # two-digit years first: DuckDB's %Y would read '24' as year 24
    Family.ORACLE: (
        "%d-%b-%y",
        "%d-%b-%Y",
        "%d-%b-%y %H:%M:%S",
        "%d-%b-%Y %H:%M:%S",
        "%d-%b-%y %I.%M.%S.%f %p",
    ),
}


def duckdb_expression(quoted_column: str, detection: ColumnDetection) -> str:
    """SQL that converts `quoted_column` like the detection did (NULL where it does not parse)."""
    v = f"trim({quoted_column})"
    if detection.kind in (Kind.INTEGER, Kind.DECIMAL):
        # TRY_CAST alone (no regex guard: it costs 30x more on 10M rows); the column was
        # judged numeric on the Polars side, where the strict pattern applies.
        # DOUBLE even for integers: rows beyond the sampled ones may carry fractions.
        text = f"replace({v}, ',', '')" if detection.format and "," in detection.format else v
        return f"TRY_CAST({text} AS DOUBLE)"
    if detection.family is Family.ISO:
        return f"TRY_CAST({v} AS TIMESTAMP)"
    if detection.family in DUCKDB_FORMATS:
        fmts = ", ".join(f"'{f}'" for f in DUCKDB_FORMATS[detection.family])
        ts = f"try_strptime({v}, [{fmts}])"
        if detection.family is Family.ORACLE:
            # Oracle RR: a two-digit year 50-99 is 19xx (strptime gives 2050-2069 for 50-69)
            return (
                f"CASE WHEN length(split_part({v}, ' ', 1)) <= 9 AND year({ts}) >= 2050 "
                f"THEN {ts} - INTERVAL 100 YEAR ELSE {ts} END"
            )
        return ts
    raise ValueError(f"column {detection.name} was not detected as a number or a time")


# --- detection ---------------------------------------------------------------


def _sample(values: pl.Series, size: int) -> pl.Series:
    """Up to `size` non-null values spread over the whole column."""
    present = values.drop_nulls()
    if present.len() <= size:
        return present
    return present.gather_every(present.len() // size + 1)


def _number_parse(values: pl.Series, *, integer: bool, commas: bool) -> pl.Series:
    frame = values.to_frame("v")
    text = pl.col("v").str.replace_all(",", "", literal=True) if commas else pl.col("v")
    dtype = pl.Int64 if integer else pl.Float64
    pattern = INT_RE if integer else NUMBER_RE
    return frame.select(
        pl.when(pl.col("v").str.contains(pattern)).then(text.cast(dtype, strict=False)).alias(values.name)
    ).to_series()


def _parse_numbers(values: pl.Series, sample: pl.Series) -> tuple[pl.Series, str]:
    """Integers when the sample has no fractions, with a decimal fallback for the rest."""
    commas = bool(sample.str.contains(",", literal=True).any())
    integer = bool(sample.str.contains(INT_RE).sum() == sample.str.contains(NUMBER_RE).sum())
    out = _number_parse(values, integer=integer, commas=commas)
    missed = values.is_not_null() & out.is_null()
    if missed.any():
        idx = missed.arg_true()
        retry = _number_parse(values.gather(idx), integer=False, commas=True)
        if retry.null_count() < retry.len():
            out = out.cast(pl.Float64).scatter(idx, retry)
            commas = commas or bool(values.gather(idx).str.contains(",", literal=True).any())
    label = "9,999" if commas else "9999"
    if out.dtype != pl.Int64:
        label += ".99"
    return out, label


def _fill_missed(values: pl.Series, out: pl.Series, fmt: Format, cache: bool,
                 used: list[tuple[int, Format]]) -> pl.Series | None:
    """`out` with the values it left null parsed by `fmt` (recorded in `used` when any
    parse); None when nothing is left to parse."""
    missed = values.is_not_null() & out.is_null()
    if not missed.any():
        return None
    idx = missed.arg_true()
    part = fmt.parse(values.gather(idx), cache)
    if part.null_count() < part.len():
        out = out.scatter(idx, part)
        used.append((part.len() - part.null_count(), fmt))
    return out


def _parse_family(values: pl.Series, family: Family, sample: pl.Series) -> tuple[pl.Series, list[Format]]:
    """Parse with the formats the sample saw (most used first), then the rest on the misses."""
    formats = FAMILY_FORMATS[family]
    cache = sample.n_unique() < sample.len() // 2  # many repeats: chrono's cache pays off
    hits = [(int(f.parse(sample, True).is_not_null().sum()), i, f) for i, f in enumerate(formats)]
    chosen = [f for n, _, f in sorted(hits, key=lambda t: (-t[0], t[1])) if n > 0]
    used: list[tuple[int, Format]] = []
    out: pl.Series | None = None
    for fmt in chosen:
        if out is None:
            out = fmt.parse(values, cache)
            used.append((out.len() - out.null_count(), fmt))
            continue
        filled = _fill_missed(values, out, fmt, cache, used)
        if filled is None:
            break
        out = filled
    if out is None:
        return pl.Series(values.name, [None] * values.len(), dtype=DATETIME_US), []
    # Formats the sample never saw, tried only on what is still unparsed.
    for fmt in formats:
        if fmt in chosen:
            continue
        filled = _fill_missed(values, out, fmt, False, used)
        if filled is None:
            break
        out = filled
    return out.alias(values.name), [f for _, f in sorted(used, key=lambda t: -t[0])]


def _sample_ratios(sample: pl.Series) -> dict[Family, float]:
    n = sample.len()
    if n == 0:
        return {}
    ratios = {Family.NUMBER: float(sample.str.contains(NUMBER_RE).sum()) / n}
    for family, formats in FAMILY_FORMATS.items():
        best: pl.Series | None = None
        for fmt in formats:
            parsed = fmt.parse(sample, True)
            best = parsed if best is None else best.fill_null(parsed)
        assert best is not None
        ratios[family] = float(best.is_not_null().sum()) / n
    return ratios


def detect_column(
    column: pl.Series,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    min_count: int = DEFAULT_MIN_COUNT,
    sample_size: int = SAMPLE_SIZE,
) -> tuple[ColumnDetection, pl.Series]:
    """Detect one text column; returns the verdict and the (maybe converted) column."""
    name = column.name
    # CHAR columns keep Oracle's blank padding; empty strings count as missing.
    stripped = pl.col(name).str.strip_chars()
    values = column.to_frame().select(pl.when(stripped.str.len_bytes() > 0).then(stripped)).to_series()
    non_null = values.len() - values.null_count()
    if non_null == 0:
        return ColumnDetection(name, Kind.EMPTY, None, None, 0.0, 0, False, _("no values")), column

    sample = _sample(values, sample_size)
    exact_sample = sample.len() == non_null
    ratios = _sample_ratios(sample)
    # The number family wins ties except the 14-digit case, settled below.
    order = [Family.NUMBER, Family.COMPACT, Family.ISO, Family.SLASH, Family.ORACLE]
    family = max(order, key=lambda f: (ratios[f], -order.index(f)))
    sample_ratio = ratios[family]
    if sample_ratio == 0.0:
        return ColumnDetection(name, Kind.TEXT, None, None, 0.0, non_null, False, _("no known format")), column
    if sample_ratio < threshold - _SAMPLE_SLACK and not exact_sample:
        return (
            ColumnDetection(
                name, _family_kind(family, None), family, None, sample_ratio, non_null, False,
                _("{ratio} of a sample parse, below {threshold}").format(
                    ratio=f"{sample_ratio:.0%}", threshold=f"{threshold:.0%}"), sampled=True,
            ),
            column,
        )

    parsed: pl.Series | None = None
    label: str | None = None
    kind: Kind | None = None
    if family is Family.NUMBER and ratios[Family.COMPACT] == sample_ratio:
        # 14 digits: a time only when every value is a valid date and time.
        compact, used = _parse_family(values, Family.COMPACT, sample)
        if compact.null_count() == values.null_count():
            family, parsed, kind, label = Family.COMPACT, compact, Kind.DATETIME, used[0].label
    if parsed is None and family is Family.NUMBER:
        parsed, label = _parse_numbers(values, sample)
        kind = Kind.INTEGER if parsed.dtype == pl.Int64 else Kind.DECIMAL
    elif parsed is None:
        parsed, used = _parse_family(values, family, sample)
        label = " | ".join(f.label for f in used) or None
        kind = _family_kind(family, used)
        if kind is Kind.DATE:
            parsed = parsed.cast(pl.Date)
    assert parsed is not None and kind is not None

    ok = parsed.len() - parsed.null_count()
    ratio = ok / non_null
    required = min(min_count, column.len())
    if ratio < threshold:
        reason = _("{ratio} parse, below {threshold}").format(ratio=f"{ratio:.1%}", threshold=f"{threshold:.0%}")
    elif non_null < required:
        # two texts, not ngettext: tests/test_i18n_catalog.py reads the .mo without plural entries
        reason = (_("only {count} value, need {required}") if non_null == 1
                  else _("only {count} values, need {required}")).format(count=non_null, required=required)
    else:
        reason = ""
    detection = ColumnDetection(name, kind, family, label, ratio, non_null, not reason, reason)
    return detection, (parsed if detection.converted else column)


def _family_kind(family: Family, used: Sequence[Format] | None) -> Kind:
    if family is Family.NUMBER:
        return Kind.DECIMAL
    if used and not any(f.has_time for f in used):
        return Kind.DATE
    return Kind.DATETIME


def detect_frame(
    frame: pl.DataFrame,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    min_count: int = DEFAULT_MIN_COUNT,
    columns: Sequence[str] | None = None,
) -> Detection:
    """Detect every text column (or the given ones) of `frame`.

    Columns run on a small thread pool: Polars releases the GIL, so two cores
    halve the time on wide frames.
    """
    names = [
        c for c in (columns if columns is not None else frame.columns) if frame.schema[c] == pl.String
    ]
    if not names:
        return Detection(frame, [])

    def one(name: str) -> tuple[ColumnDetection, pl.Series]:
        return detect_column(frame.get_column(name), threshold=threshold, min_count=min_count)

    workers = max(1, min(len(names), os.cpu_count() or 1, 4))
    if workers == 1:
        results = [one(n) for n in names]
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="detect") as pool:
            results = list(pool.map(one, names))
    converted = [series for det, series in results if det.converted]
    out = frame.with_columns(converted) if converted else frame
    return Detection(out, [det for det, _ in results])


# Family, TimeText and time_text live in `formats`; offered here too, where callers look.
__all__ = ["DEFAULT_MIN_COUNT", "DEFAULT_THRESHOLD", "DUCKDB_FORMATS", "NUMBER_RE", "SAMPLE_SIZE", "ColumnDetection",
           "Detection", "Family", "Kind", "TimeText", "detect_column", "detect_frame", "duckdb_expression",
           "time_text"]
