"""Cursor values of a SQLite source compared as timestamps, whatever their text shape
(DESIGN §5): the canonical text both SQL and Python order by, and window bounds in it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from ...errors import SourceError
from ...i18n import _
from ...typeplan import SourceColumn

# -- cursor values compared as timestamps whatever their text shape (DESIGN §5) ---------------

TS_FUNCTION = "tui_sync_ts"
TZ_CURSOR_TYPES = frozenset({"TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH LOCAL TIME ZONE"})
_NANOS_RE = re.compile(r"\d\d:\d\d:\d\d[.,]\d{6}(\d{1,3})")


def is_time_cursor(col: SourceColumn) -> bool:
    return col.data_type == "DATE" or col.data_type.startswith("TIMESTAMP")


def sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_D = "[0-9]" * 4 + "-" + "[0-9]" * 2 + "-" + "[0-9]" * 2
_HMS = "[0-9][0-9]:[0-9][0-9]:[0-9][0-9]"
_US = "." + "[0-9]" * 6


def canonical_sql(quoted: str, name: str, *, udf: bool = True) -> str:
    """SQL for canonical_timestamp(column): the common ISO shapes in C (GLOB, concatenation;
    the demo's own shape is already canonical), anything else (offsets, other fraction
    lengths) through TS_FUNCTION, which parses like the read and fails where it fails."""
    c = quoted
    return (f"CASE WHEN {c} GLOB '{_D} {_HMS}{_US}' THEN {c} "
            f"WHEN {c} GLOB '{_D}T{_HMS}{_US}' THEN substr({c}, 1, 10) || ' ' || substr({c}, 12) "
            f"WHEN {c} GLOB '{_D}[ T]{_HMS}' THEN substr({c}, 1, 10) || ' ' || substr({c}, 12) "
            "|| '.000000' "
            f"WHEN {c} GLOB '{_D}' THEN {c} || ' 00:00:00.000000' "
            + (f"ELSE {TS_FUNCTION}({c}, {sql_text(name)}) END" if udf else "ELSE NULL END"))


def canonical_timestamp(value: Any) -> str | None:
    """Text that sorts by time: 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC for values with an
    offset), followed by three more digits only when TIMESTAMP(7-9) text has nonzero ones
    (a prefix sorts first, so the order stays exact). '2024-01-01', '2024-01-01T00:00:00'
    and '2024-01-01 00:00:00.000' are equal in it. It parses the way the read does
    (datetime.fromisoformat after strip), so what compares is what lands; a value the
    read cannot parse raises ValueError."""
    if value is None:
        return None
    text = (value.decode() if isinstance(value, bytes) else str(value)).strip()
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    nanos = _NANOS_RE.search(text) if len(text) > 26 else None  # fromisoformat keeps µs only
    extra = nanos.group(1).ljust(3, "0") if nanos else "000"
    return dt.isoformat(sep=" ", timespec="microseconds") + ("" if extra == "000" else extra)


def window_bound(value: Any, *, upper: bool = False) -> Any:
    """A window bound as canonical text. A bound known to the microsecond only (a Python
    datetime) covers its whole microsecond when it is the upper one, so a TIMESTAMP(9) row
    at MAX(cursor) is not held back by the digits the datetime cannot carry."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        nanos = getattr(value, "nanosecond", None)  # pandas.Timestamp carries them
        text = datetime.isoformat(value, sep=" ", timespec="microseconds")
        if nanos:
            return text + f"{nanos:03d}"
        return text + ("999" if upper and nanos is None else "")
    if isinstance(value, str) and value.startswith("<"):
        return value  # the plan's placeholders ('<max cursor>') are shown, never run
    try:
        return canonical_timestamp(value)
    except (ValueError, OverflowError):
        raise SourceError(_("window bound {value} is not a date/time").format(
            value=repr(value))) from None


def scan_bound(canonical: Any) -> str | None:
    """Plain text below every stored shape of the values at or after `canonical`: its
    date a day earlier (offsets move a value by less than a day), 'YYYY-MM-DD'. Every ISO
    shape of a later value starts with a date (or a compact 'YYYYMMDD', whose year prefix
    sorts the same or higher) that compares at or above it as text."""
    try:
        day = datetime.strptime(str(canonical)[:10], "%Y-%m-%d")
        return (day - timedelta(days=1)).date().isoformat() if day.year > 1 else None
    except ValueError:
        return None


def format_timestamp(dt: datetime) -> str:
    """Canonical text for TIMESTAMP values written into SQLite sources (demo, tests)."""
    return dt.strftime("%Y-%m-%d %H:%M:%S.%f")


def format_date(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S")
