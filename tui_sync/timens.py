"""Timestamps with nanoseconds where Python's datetime stops at microseconds.

A TIMESTAMP(7-9) cursor's watermark and window bounds must keep every digit: a
bound cut to microseconds holds back (or re-reads) the rows of its last
microsecond. `DatetimeNs` is a `datetime` that also carries the nanoseconds past
its microsecond, so every place that treats cursor values as datetimes keeps
working, while comparisons, `- timedelta`, `str`/`isoformat` (the watermark text)
and the parsers below keep the full value.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

_TEXT_RE = re.compile(
    r"^\s*(?P<date>[+-]?\d{4,}-\d{2}-\d{2})(?:[T ](?P<time>\d{2}:\d{2}:\d{2})(?:\.(?P<frac>\d{1,9}))?)?\s*$")


class DatetimeNs(datetime):
    """A naive datetime plus `nanosecond` (0..999) past its microsecond."""

    nanosecond: int

    def __new__(cls, *args: Any, nanosecond: int = 0, **kwargs: Any) -> DatetimeNs:
        self = super().__new__(cls, *args, **kwargs)
        if not 0 <= nanosecond <= 999:
            raise ValueError("nanosecond must be in 0..999")
        self.nanosecond = nanosecond
        return self

    @classmethod
    def of(cls, dt: datetime, nanosecond: int) -> datetime:
        """`dt` with the nanoseconds; a plain datetime when there are none (exact anyway)."""
        if not nanosecond:
            return datetime(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second,
                            dt.microsecond, dt.tzinfo)
        return cls(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.microsecond,
                   dt.tzinfo, nanosecond=nanosecond)

    def _key(self) -> tuple[datetime, int]:
        return datetime(self.year, self.month, self.day, self.hour, self.minute, self.second,
                        self.microsecond, self.tzinfo), self.nanosecond

    def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
        base = datetime.isoformat(self._key()[0], sep, "microseconds")
        return base + f"{self.nanosecond:03d}"

    def __str__(self) -> str:
        return self.isoformat(" ")

    def __repr__(self) -> str:
        return f"DatetimeNs({self.isoformat(' ')!r})"

    def __reduce_ex__(self, protocol: Any) -> Any:  # datetime's own would drop the ns
        return (parse_timestamp, (self.isoformat(" "),))

    # Comparisons: a plain datetime is the same instant with 0 nanoseconds.
    def _cmp(self, other: Any) -> int | None:
        if not isinstance(other, datetime):
            return None
        a, b = self._key(), _key(other)
        return (a > b) - (a < b)

    def __eq__(self, other: object) -> bool:
        c = self._cmp(other)
        return NotImplemented if c is None else c == 0  # type: ignore[return-value]

    def __ne__(self, other: object) -> bool:
        c = self._cmp(other)
        return NotImplemented if c is None else c != 0  # type: ignore[return-value]

    def __lt__(self, other: Any) -> bool:
        c = self._cmp(other)
        return NotImplemented if c is None else c < 0  # type: ignore[return-value]

    def __le__(self, other: Any) -> bool:
        c = self._cmp(other)
        return NotImplemented if c is None else c <= 0  # type: ignore[return-value]

    def __gt__(self, other: Any) -> bool:
        c = self._cmp(other)
        return NotImplemented if c is None else c > 0  # type: ignore[return-value]

    def __ge__(self, other: Any) -> bool:
        c = self._cmp(other)
        return NotImplemented if c is None else c >= 0  # type: ignore[return-value]

    def __hash__(self) -> int:
        base, ns = self._key()
        return hash(base) if not ns else hash((base, ns))

    def __add__(self, other: Any) -> Any:
        if isinstance(other, timedelta):
            return DatetimeNs.of(self._key()[0] + other, self.nanosecond)
        return NotImplemented

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        if isinstance(other, timedelta):
            return DatetimeNs.of(self._key()[0] - other, self.nanosecond)
        if isinstance(other, datetime):
            return self._key()[0] - _key(other)[0]  # a timedelta: microseconds, like datetime
        return NotImplemented


def _key(dt: datetime) -> tuple[datetime, int]:
    if isinstance(dt, DatetimeNs):
        return dt._key()
    return dt, 0


def nanosecond_of(dt: datetime) -> int:
    """The nanoseconds past the microsecond (0 for a plain datetime)."""
    return dt.nanosecond if isinstance(dt, DatetimeNs) else 0


def arrow_value(scalar: Any) -> Any:
    """`scalar.as_py()`, except that a nanosecond timestamp becomes a DatetimeNs (pyarrow
    without pandas refuses one with nanoseconds, and a cut one would lose them)."""
    t = getattr(scalar, "type", None)
    if t is not None and getattr(t, "unit", None) == "ns" and scalar.is_valid and t.tz is None \
            and hasattr(scalar, "value") and not str(t).startswith("duration"):
        ns = scalar.value
        base = datetime(1970, 1, 1) + timedelta(microseconds=ns // 1000)
        return DatetimeNs.of(base, ns % 1000)
    return scalar.as_py()


def parse_timestamp(text: str) -> datetime:
    """'YYYY-MM-DD[ T]HH:MM:SS[.f{1,9}]' -> datetime, or DatetimeNs when digits 7-9 are not
    zero. Anything else goes to `datetime.fromisoformat` (offsets, other shapes)."""
    m = _TEXT_RE.match(text)
    if not m:
        return datetime.fromisoformat(text.strip())
    frac = (m.group("frac") or "").ljust(9, "0")
    base = datetime.fromisoformat(f"{m.group('date')} {m.group('time') or '00:00:00'}")
    return DatetimeNs.of(base.replace(microsecond=int(frac[:6])), int(frac[6:]))


def ts_text(dt: datetime, digits: int = 9) -> str:
    """'YYYY-MM-DD HH:MM:SS.fffffffff' with `digits` fraction digits (0 for none)."""
    text = f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d} {dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}"
    if digits:
        text += "." + f"{dt.microsecond:06d}{nanosecond_of(dt):03d}"[:digits].ljust(digits, "0")
    return text


__all__ = ["DatetimeNs", "arrow_value", "nanosecond_of", "parse_timestamp", "ts_text"]
