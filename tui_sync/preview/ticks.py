"""Tick positions and short labels for chart axes: times as precise as the span needs,
numbers without plotext's 17 digits. No Textual here."""

from __future__ import annotations

import math
from datetime import UTC, datetime


def time_ticks(lo: float, hi: float, count: int) -> tuple[list[float], list[str]]:
    """`count` evenly spaced epoch-second ticks with labels as precise as the span needs."""
    count = max(2, count)
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo], [_format_time(lo, "%Y-%m-%d %H:%M")]
    span = hi - lo
    if span >= 2 * 86400:
        fmt = "%Y-%m-%d"
    elif span >= 2 * 3600:
        fmt = "%m-%d %H:%M"
    else:
        fmt = "%H:%M:%S"
    ticks = [lo + span * i / (count - 1) for i in range(count)]
    return ticks, [_format_time(t, fmt) for t in ticks]


def number_ticks(lo: float, hi: float, count: int) -> tuple[list[float], list[str]]:
    """Evenly spaced ticks with short labels (plotext's own may print 17 digits)."""
    count = max(2, count)
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo], [format_number(lo)]
    ticks = [lo + (hi - lo) * i / (count - 1) for i in range(count)]
    return ticks, [format_number(t) for t in ticks]


def format_number(value: float) -> str:
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    if abs(value) >= 1e7 or abs(value) < 1e-3:
        return f"{value:.3g}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _format_time(epoch_s: float, fmt: str) -> str:
    try:
        # epoch() of a DuckDB TIMESTAMP treats the wall time as UTC: format it back in UTC
        return datetime.fromtimestamp(epoch_s, tz=UTC).strftime(fmt)
    except (OverflowError, OSError, ValueError):
        return f"{epoch_s:g}"
