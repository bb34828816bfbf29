"""When each table runs: the schedule's time zone, cron slots in it (DST-aware, croniter
does the parsing) and `TableSchedule`, one table's next run as the TUI shows it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterError, croniter

from ..config import Config

# -- time zones ----------------------------------------------------------------------

def local_zone() -> tzinfo:
    """The machine's zone with its DST rules (a fixed offset would be wrong half the year)."""
    tz_env = os.environ.get("TZ", "").lstrip(":")
    if tz_env:
        try:
            return ZoneInfo(tz_env)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        link = os.readlink("/etc/localtime")
        if "zoneinfo/" in link:
            return ZoneInfo(link.split("zoneinfo/", 1)[1])
    except (OSError, ZoneInfoNotFoundError, ValueError):
        pass
    try:
        with open("/etc/localtime", "rb") as f:
            return ZoneInfo.from_file(f, key="localtime")
    except (OSError, ValueError):
        pass
    # Last resort (no tz database, e.g. Windows without tzdata): today's offset.
    return datetime.now().astimezone().tzinfo or UTC


def schedule_zone(config: Config) -> tzinfo:
    name = config.sync.timezone
    return ZoneInfo(name) if name else local_zone()


# -- cron arithmetic (croniter does the parsing) --------------------------------------

def _hour_restricted(expr: str) -> bool:
    hours = croniter.expand(expr)[0][1]
    return hours != ["*"] and len(hours) < 24


def _repeated_wall_time(t: datetime) -> bool:
    """True for the second pass through a wall-clock time when DST ends (fold=1)."""
    return bool(t.fold) and t.replace(fold=0).utcoffset() != t.utcoffset()


def next_slot(expr: str, after: datetime, tz: tzinfo) -> datetime:
    """The first slot of `expr` strictly after `after` (aware), as an aware time in `tz`.

    DST: a slot in the hour skipped in spring runs at the first valid time after it
    (croniter); when an hour repeats in autumn, a job with fixed hours ('30 2 * * *')
    runs once, on the first pass, while an hourly job ('0 * * * *') follows real time
    and runs in both passes. That is how Vixie cron and cronie behave.
    Raises croniter's CroniterError when no date matches (e.g. '0 0 30 2 *').
    """
    # Comparisons go through UTC: Python compares two times of the same zone by wall
    # clock and ignores `fold`, so 02:00 CEST and 02:00 CET would look equal.
    limit = after.astimezone(UTC)
    it = croniter(expr, after.astimezone(tz))
    dedupe = _hour_restricted(expr)
    for _ in range(1000):
        cand: datetime = it.get_next(datetime)
        if cand.astimezone(UTC) <= limit:  # croniter works in whole seconds; never the past
            continue
        if dedupe and _repeated_wall_time(cand):
            continue
        return cand
    raise CroniterError(f"no next time for {expr!r}")


def prev_slot(expr: str, at: datetime, tz: tzinfo) -> datetime:
    """The latest slot of `expr` at or before `at`, aware in `tz`."""
    it = croniter(expr, at.astimezone(tz))
    dedupe = _hour_restricted(expr)
    prev: datetime = it.get_prev(datetime)  # strictly before `at`
    while dedupe and _repeated_wall_time(prev):
        prev = it.get_prev(datetime)
    nxt = next_slot(expr, prev, tz)
    return nxt if nxt.astimezone(UTC) <= at.astimezone(UTC) else prev


def utc_naive(t: datetime) -> datetime:
    """What the TIMESTAMP columns of tui_sync.runs hold."""
    return t.astimezone(UTC).replace(tzinfo=None)


@dataclass
class TableSchedule:
    """One scheduled table, as the TUI shows it. Copies are handed out; edit nothing."""

    key: str  # the config table name ([table KEY])
    target: str
    cron: str
    next_run: datetime | None  # aware (copies: in the schedule zone); None: no date matches
    reason: str = "cron"  # why next_run: "cron" (its slot), "missed" (start-up catch-up), "retry"
    attempt: int = 0  # retries already used for the current slot
    order: int = 0  # position in the config: the tie-break between tables due together
    last_status: str | None = None  # outcome of the last run this scheduler made
    last_error: str | None = None
    never_synced: bool = False  # no run in tui_sync.runs at start-up
