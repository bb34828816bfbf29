"""Backfill (`sync TABLE --since VALUE [--until VALUE]`): an incremental window the user
gives instead of the one the watermark gives. The request carries the text
(events.Backfill); here it is parsed with each table's cursor type into the bounds the
incremental run reads, merges and records (modes.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..events import Backfill, Mode
from ..i18n import _
from ..target.watermark import iso_time
from ..timens import DatetimeNs
from ..typeplan import SourceColumn

if TYPE_CHECKING:
    from .jobs import TableJob

_NUMBER_TYPES = ("NUMBER", "FLOAT", "INTEGER", "INT", "DECIMAL", "NUMERIC")
_FLOAT_TYPES = ("BINARY_FLOAT", "BINARY_DOUBLE")
_TZ_TYPES = ("TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH LOCAL TIME ZONE")
_INTEGER_RE = re.compile(r"[+-]?\d+")


@dataclass(frozen=True)
class BackfillBounds:
    """One table's backfill window in its cursor's kind: `lo` <= cursor <= `hi`. `hi` None:
    the source's MAX(cursor) taken at run start. No lookback is subtracted from `lo`."""

    lo: Any
    hi: Any | None

    def note(self) -> str:
        """What tui_sync.runs.note says of the run (history tells a backfill by it)."""
        return f"backfill since {_shown(self.lo)}" + (
            "" if self.hi is None else f" until {_shown(self.hi)}")


def check_request(backfill: Backfill | None, mode: Mode) -> Mode:
    """The mode a request with `backfill` runs in: incremental (auto means it too). A full or
    test run has no window to bound: ConfigError (exit 2) before anything is opened."""
    if backfill is None:
        return mode
    if mode not in (Mode.AUTO, Mode.INCREMENTAL):
        raise ConfigError(_("--since is an incremental window; it cannot go with --mode {mode}")
                          .format(mode=mode.value))
    return Mode.INCREMENTAL


def bounds_for(job: TableJob, backfill: Backfill) -> BackfillBounds:
    """Parse the request's text with the job's cursor type; ConfigError (one line naming the
    cursor and its type, exit 2) for a table without cursor, a bad value or since > until."""
    if not job.cursor:
        raise ConfigError(_("{table}: --since needs a cursor column (cursor = ... in "
                            "[table {source}])").format(table=job.name,
                                                      source=job.config.source_table))
    col = job.description.column(job.cursor)
    lo = parse_cursor_value(backfill.since, col, "--since")
    hi = None if backfill.until is None else parse_cursor_value(backfill.until, col, "--until")
    if hi is not None and lo > hi:
        raise ConfigError(_("{table}: --since {since} is after --until {until}").format(
            table=job.name, since=backfill.since, until=backfill.until))
    return BackfillBounds(lo, hi)


def parse_cursor_value(text: str, col: SourceColumn, flag: str) -> Any:
    """`text` as a value of the cursor's kind, as the source's MAX(cursor) returns it:
    DATE/TIMESTAMP an ISO date or date-time (a time zone cursor: UTC unless the text says),
    a number for numeric cursors, text as is for a text cursor."""
    kind = col.data_type.upper()
    what = _("{flag} {text!r}: the cursor {column} is {type}").format(
        flag=flag, text=text, column=col.name, type=col.declared())
    if kind == "DATE" or kind.startswith("TIMESTAMP"):
        value = iso_time(text)
        if value is None:
            raise ConfigError(_("{what}; give an ISO date or date-time (2024-01-31 or "
                                "2024-01-31 08:00:00)").format(what=what))
        value = _cut(value, kind, col.scale)
        if kind in _TZ_TYPES:
            aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
            return aware.astimezone(UTC)
        if value.tzinfo is not None:
            raise ConfigError(_("{what} (without time zone); give the time without an offset")
                              .format(what=what))
        return value
    if kind in _NUMBER_TYPES or kind in _FLOAT_TYPES:
        stripped = text.strip()
        try:
            number = Decimal(stripped)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise ConfigError(_("{what}; give a number (like 1200 or 12.5)").format(what=what))
        if kind in _FLOAT_TYPES:
            return float(number)
        return int(number) if _INTEGER_RE.fullmatch(stripped) else number
    return text  # a text cursor compares as text: the value as typed


def cut_to_cursor(value: Any, col: SourceColumn) -> Any:
    """A window bound at the cursor's precision (`_cut`); other kinds of value as they are.
    Every bound goes through it: a watermark set by hand (`state set-watermark`) or moved
    back by a fractional lookback is as fine-grained as a typed --since."""
    kind = col.data_type.upper()
    if isinstance(value, datetime) and (kind == "DATE" or kind.startswith("TIMESTAMP")):
        return _cut(value, kind, col.scale)
    return value


def _cut(value: datetime, kind: str, scale: int | None) -> datetime:
    """The bound at the cursor's own precision. Oracle binds a DATE bound in whole seconds
    and a TIMESTAMP(0-6) one with six digits (sources/oracle/sql.py cursor_bind): the window
    read from the cut bound, so the keyless delete in the target must use the same one, or
    the row between the two is read again while its old copy stays."""
    if kind == "DATE":
        return datetime(value.year, value.month, value.day, value.hour, value.minute,
                        value.second, 0, value.tzinfo)
    if (scale if scale is not None else 6) <= 6:  # a plain datetime: digits 7-9 dropped
        return datetime(value.year, value.month, value.day, value.hour, value.minute,
                        value.second, value.microsecond, value.tzinfo)
    if value.tzinfo is None and not isinstance(value, DatetimeNs):
        # TIMESTAMP(7-9): a bound typed without digits 7-9 means exactly 0 nanoseconds. A
        # plain datetime would read as "known to the microsecond only" (an upper bound then
        # covers its whole microsecond: sources/sqlite/cursor.py window_bound) while the
        # target's delete stops at .000000000: the rows between read again, old copies kept.
        return DatetimeNs(value.year, value.month, value.day, value.hour, value.minute,
                          value.second, value.microsecond, nanosecond=0)
    return value


def _shown(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


def covers(bounds: BackfillBounds, normal_lo: Any) -> bool:
    """Whether the window starts at or below `normal_lo` (watermark - lookback, where an
    incremental run would start): then it read all that run would have, up to its top, and
    the watermark may move as that run's would. A value that does not compare (another
    kind) counts as not covered: the watermark then stays."""
    if normal_lo is None:
        return True
    try:
        return bool(bounds.lo <= normal_lo)
    except TypeError:
        return False
