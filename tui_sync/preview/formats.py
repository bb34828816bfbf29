"""The text formats a VARCHAR2 column may hold numbers and times in, as Polars parsers.

Grouped in families that are parsed together (and converted alike in SQL): numbers,
ISO, 'YYYYMMDDHH24MISS', 'YYYY/MM/DD HH24:MI:SS' and Oracle's 'DD-MON-YY'. `detect`
picks a family per column; `time_text` reads one text cursor value back, so that a
lookback can move it in time. Nothing here imports Textual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import polars as pl


class Family(StrEnum):
    """Groups of formats that are parsed together (and converted alike in SQL)."""

    NUMBER = "number"
    ISO = "iso"
    COMPACT = "compact"  # YYYYMMDDHH24MISS
    SLASH = "slash"  # YYYY/MM/DD HH24:MI:SS
    ORACLE = "oracle"  # DD-MON-YY, DD-MON-YYYY


# --- formats -----------------------------------------------------------------

DATETIME_US = pl.Datetime("us")
# Thousands separators only in proper groups; no leading zeros ("007" is a code,
# not a number); optional exponent as Oracle TO_CHAR may print it.
NUMBER_RE = r"^[+-]?(?:(?:0|[1-9]\d*|[1-9]\d{0,2}(?:,\d{3})+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
INT_RE = r"^[+-]?(?:0|[1-9]\d*|[1-9]\d{0,2}(?:,\d{3})+)$"


@dataclass(frozen=True)
class Format:
    label: str  # Oracle-style, shown to the user
    parse: Callable[[pl.Series, bool], pl.Series]  # (values, cache) -> Datetime("us") or number
    has_time: bool = True
    # strftime pattern writing the format back, for formats whose text sorts by time
    # (fixed width, most significant first): what a text cursor's lookback needs.
    text: str | None = None


def _fixed(label: str, pattern: str, *, has_time: bool = True) -> Format:
    return Format(label, _strptime(pattern), has_time, text=pattern)


def _strptime(
    fmt: str, *, two_digit_year: bool = False, guard: str | None = None
) -> Callable[[pl.Series, bool], pl.Series]:
    def parse(values: pl.Series, cache: bool) -> pl.Series:
        out = values.str.strptime(DATETIME_US, fmt, strict=False, cache=cache)
        if guard is not None:
            # chrono's %Y also takes two digits: '01-JAN-24' must not become year 24
            out = pl.select(pl.when(values.str.contains(guard)).then(out)).to_series().alias(values.name)
        if two_digit_year:
            # chrono reads YY as 1970-2069; Oracle's RR reads 50-99 as 19xx. Calendar
            # arithmetic is slow, so only the affected rows get it.
            late = out.dt.year() >= 2050
            if late.any():
                idx = late.arg_true()
                out = out.scatter(idx, out.gather(idx).dt.offset_by("-100y"))
        return out

    return parse


def _iso_fraction(head_fmt: str) -> Callable[[pl.Series, bool], pl.Series]:
    """'YYYY-MM-DD HH:MM:SS.fff…' split into a fast fixed-width parse plus the fraction.

    chrono's `%.f` path is several times slower than a fixed format, so the
    fraction digits are cast to an integer and added as a duration instead.
    """

    def parse(values: pl.Series, cache: bool) -> pl.Series:
        v = pl.col("v")
        digits = v.str.slice(20)
        count = v.str.len_bytes() - 20  # ASCII when it matters: the checks below reject the rest
        micros = (
            pl.when(count <= 6)
            .then(digits.cast(pl.Int64, strict=False) * pl.lit(10, pl.Int64).pow(6 - count))
            .otherwise(digits.str.head(6).cast(pl.Int64, strict=False))
        )
        parsed = v.str.head(19).str.strptime(DATETIME_US, head_fmt, strict=False, cache=cache)
        # Cheaper than a regex: 1-9 fraction digits after a '.' at offset 19.
        shaped = (
            count.is_between(1, 9) & (v.str.slice(19, 1) == ".") & (micros >= 0) & ~digits.str.starts_with("+")
        )
        return (
            values.to_frame("v")
            .select(pl.when(shaped).then(parsed + pl.duration(microseconds=micros)).alias(values.name))
            .to_series()
        )

    return parse


_YEAR4 = r"^\d{1,2}-[^-]+-\d{4}"

FAMILY_FORMATS: dict[Family, tuple[Format, ...]] = {
    Family.ISO: (
        _fixed("YYYY-MM-DD HH24:MI:SS", "%Y-%m-%d %H:%M:%S"),
        _fixed('YYYY-MM-DD"T"HH24:MI:SS', "%Y-%m-%dT%H:%M:%S"),
        _fixed("YYYY-MM-DD", "%Y-%m-%d", has_time=False),
        Format("YYYY-MM-DD HH24:MI:SS.FF", _iso_fraction("%Y-%m-%d %H:%M:%S"),
                text="%Y-%m-%d %H:%M:%S.%f"),
        Format('YYYY-MM-DD"T"HH24:MI:SS.FF', _iso_fraction("%Y-%m-%dT%H:%M:%S"),
                text="%Y-%m-%dT%H:%M:%S.%f"),
        _fixed("YYYY-MM-DD HH24:MI", "%Y-%m-%d %H:%M"),
        _fixed('YYYY-MM-DD"T"HH24:MI', "%Y-%m-%dT%H:%M"),
    ),
    Family.COMPACT: (_fixed("YYYYMMDDHH24MISS", "%Y%m%d%H%M%S"),),
    Family.SLASH: (
        _fixed("YYYY/MM/DD HH24:MI:SS", "%Y/%m/%d %H:%M:%S"),
        _fixed("YYYY/MM/DD", "%Y/%m/%d", has_time=False),
    ),
    Family.ORACLE: (
        Format("DD-MON-YY", _strptime("%d-%b-%y", two_digit_year=True), has_time=False),
        Format("DD-MON-YYYY", _strptime("%d-%b-%Y", guard=_YEAR4), has_time=False),
        Format("DD-MON-YY HH24:MI:SS", _strptime("%d-%b-%y %H:%M:%S", two_digit_year=True)),
        Format("DD-MON-YYYY HH24:MI:SS", _strptime("%d-%b-%Y %H:%M:%S", guard=_YEAR4)),
        # Oracle's default NLS_TIMESTAMP_FORMAT, 'DD-MON-RR HH.MI.SSXFF AM'
        Format("DD-MON-YY HH.MI.SS.FF AM", _strptime("%d-%b-%y %I.%M.%S%.f %p", two_digit_year=True)),
    ),
}

# --- text cursors: the format of one value, to move it back in time -----------


@dataclass(frozen=True)
class TimeText:
    """One text value read in a format whose text sorts by time (ISO, compact, slash)."""

    label: str  # Oracle-style, as the preview shows it
    value: datetime
    pattern: str  # strftime writing the same format
    digits: int = 0  # fraction digits of the .FF formats

    def format(self, when: datetime) -> str:
        """`when` in the same format; a coarser format floors it (a lower bound stays one)."""
        text = when.strftime(self.pattern.replace("%Y", f"{when.year:04d}").replace(".%f", ""))
        if self.digits:
            text += "." + f"{when.microsecond:06d}"[:self.digits].ljust(self.digits, "0")
        return text


def time_text(value: str) -> TimeText | None:
    """The sortable time format `value` is written in (exactly: it must read back the same,
    so '2024-1-5' is no ISO date), or None. Parsed with the preview's own formats."""
    text = value.strip()
    one = pl.Series("v", [text], dtype=pl.String)
    for family in (Family.COMPACT, Family.ISO, Family.SLASH):
        for fmt in FAMILY_FORMATS[family]:
            if fmt.text is None:
                continue
            parsed = fmt.parse(one, False).item()
            if parsed is None:
                continue
            digits = len(text) - 20 if fmt.text.endswith(".%f") else 0
            found = TimeText(fmt.label, parsed, fmt.text, digits)
            # beyond microseconds the parse truncates: compare the digits it kept
            expected = text if digits <= 6 else text[:26] + "0" * (digits - 6)
            if found.format(parsed) == expected:
                return found
    return None
