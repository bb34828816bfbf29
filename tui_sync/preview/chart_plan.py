"""What a Preview chart draws: its data, its default y column and its y scales.

A chart whose y is the primary key (or any column that only grows with x) is a
straight line, so the default y is the first numeric column that is neither the
x column nor key-like. Series of very different ranges (a temperature of 50-75
beside a value of 0-10,000) flatten each other on one axis: `plan_axes` puts
them on a second (right) axis, or normalises each to its own min..max.
No Textual here: the chart widget calls these, and tests call them directly.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import duckdb
import polars as pl

from tui_sync import target
from tui_sync.errors import TuiSyncError
from tui_sync.i18n import N_, _
from tui_sync.preview.db import connect
from tui_sync.preview.query import Histogram, Stats
from tui_sync.target import state
from tui_sync.target.spec import TargetSpec

# Names that say "key" whatever the data looks like (EVENT_ID, STEP_SEQ, 알람_ID, SERIAL_NO).
_KEY_NAME = re.compile(r"^(id|seq|no|key|rowid)$|_(id|seq|no|key)$", re.IGNORECASE)
# On one axis each moving series must span at least this share of the axis, or it is drawn flat.
SHARE = 0.2


class Scale(StrEnum):
    AUTO = "auto"  # one axis while the ranges compare, else a right axis, else normalised
    SHARED = "shared"  # one axis for every series, whatever their ranges
    NORMALISED = "normalised"  # each series from its own min (0 %) to its max (100 %)

    @property
    def label(self) -> str:
        return _(_SCALE_LABELS[self])


_SCALE_LABELS = {
    Scale.AUTO: N_("Y: auto (2nd axis)"),
    Scale.SHARED: N_("Y: one axis"),
    Scale.NORMALISED: N_("Y: normalised"),
}


# --- what a chart shows ----------------------------------------------------------


class ChartKind(StrEnum):
    LINE = "line"
    SCATTER = "scatter"
    BAR = "bar"
    HISTOGRAM = "histogram"


@dataclass(frozen=True)
class Overlays:
    """What is drawn over the data; mean/median/σ use the statistics of the whole range."""

    mean: bool = False
    median: bool = False
    sigma: bool = False
    lower: float | None = None
    upper: float | None = None
    scale: Scale = Scale.AUTO  # how several y columns share the y axes (a view option set beside these)


@dataclass(frozen=True)
class ChartData:
    """Everything a chart needs; `series` frames hold Float64 "x" and "y" sorted by x."""

    kind: ChartKind
    x: str = ""
    x_is_time: bool = False
    series: dict[str, pl.DataFrame] = field(default_factory=dict)
    histogram: Histogram | None = None
    stats: dict[str, Stats] = field(default_factory=dict)
    title: str = ""


# --- the default y --------------------------------------------------------------


def key_like(name: str, x: str | None, frame: pl.DataFrame | None) -> bool:
    """Named like a key, or distinct whole numbers that only grow (or only fall) with x: a
    straight line. Fractional values are measurements, even when they rise steadily."""
    if _KEY_NAME.search(name):
        return True
    if frame is None or name not in frame.columns or not _whole(frame.schema[name]):
        return False
    cols = [x, name] if x is not None and x in frame.columns and x != name else [name]
    try:
        pairs = frame.select(cols).drop_nulls()
        if x in pairs.columns and x != name:
            pairs = pairs.sort(x)
        values = pairs.get_column(name)
        if values.len() < 3 or values.n_unique() != values.len():
            return False
        return values.is_sorted() or values.is_sorted(descending=True)
    except (pl.exceptions.PolarsError, TypeError):
        return False  # a column polars cannot compare is no key we can see


def _whole(dtype: pl.DataType) -> bool:
    return dtype.is_integer() or (isinstance(dtype, pl.Decimal) and dtype.scale == 0)


def default_y(
    numbers: Sequence[str],
    x: str | None,
    frame: pl.DataFrame | None = None,
    keys: Collection[str] = (),
) -> str | None:
    """The first numeric column that is not x, not a primary key column and not key-like.

    None when every candidate is one of those: the chart then asks for a y instead
    of drawing a straight line.
    """
    declared = {k.lower() for k in keys}
    for name in numbers:
        if name == x or name.lower() in declared:
            continue
        if not key_like(name, x, frame):
            return name
    return None


def primary_key(db: TargetSpec, table: str) -> tuple[str, ...]:
    """The key columns the sync state records for `table` (empty if none or no state).

    On a worker thread: it opens the file.
    """
    try:
        with connect(db) as con:
            try:
                st = state.get_table_state(con, table)
            finally:
                target.settle(con)  # get_table_state reads with fetchone(): finish that result
    except (duckdb.Error, TuiSyncError):
        return ()  # no state (a file tui-sync never synced into), or busy: the heuristics remain
    if st is None or not st.primary_key:
        return ()
    return tuple(k.strip() for k in st.primary_key.split(",") if k.strip())


# --- y axes -----------------------------------------------------------------------


@dataclass(frozen=True)
class AxisPlan:
    """Which series go on the right axis, and whether values are normalised to 0..1."""

    normalised: bool = False
    right: frozenset[str] = frozenset()
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def note(self) -> str:
        """What the title says about the scales ("" for one plain axis)."""
        if self.normalised:
            return _("y normalised")  # the ticks say 0-100 %, the legend each series' min-max
        return _("2 y axes") if self.right else ""

    def side(self, name: str) -> str:
        return "right" if name in self.right else "left"

    def scaled(self, name: str, value: float) -> float:
        """`value` of series `name` where it is drawn (0..1 of its range when normalised)."""
        if not self.normalised:
            return value
        lo, hi = self.ranges.get(name, (0.0, 1.0))
        return 0.5 if hi <= lo else (value - lo) / (hi - lo)


def comparable(ranges: Iterable[tuple[float, float]]) -> bool:
    """Whether series with these (min, max) can share one axis without one of them going flat."""
    spans = list(ranges)
    if len(spans) < 2:
        return True
    lo, hi = min(r[0] for r in spans), max(r[1] for r in spans)
    union = hi - lo
    moving = [r for r in spans if r[1] > r[0]]
    if union <= 0 or not moving:
        return True  # flat lines only: nothing to flatten
    mlo, mhi = min(r[0] for r in moving), max(r[1] for r in moving)
    for r_lo, r_hi in spans:
        if r_hi > r_lo:
            if r_hi - r_lo < SHARE * union:
                return False
        elif not mlo <= r_lo <= mhi:
            return False  # a constant far from the others squeezes them
    return True


def plan_axes(ranges: Mapping[str, tuple[float, float]], scale: Scale) -> AxisPlan:
    """Where each series goes; `ranges` maps series name to its (min, max), in drawing order."""
    names = list(ranges)
    if scale is Scale.NORMALISED:
        return AxisPlan(normalised=True, ranges=dict(ranges))
    if scale is Scale.SHARED or len(names) < 2 or comparable(ranges.values()):
        return AxisPlan(ranges=dict(ranges))
    left = [names[0]]
    for name in names[1:]:
        if comparable([ranges[n] for n in [*left, name]]):
            left.append(name)
    right = [n for n in names if n not in left]
    if comparable([ranges[n] for n in right]):
        return AxisPlan(right=frozenset(right), ranges=dict(ranges))
    return AxisPlan(normalised=True, ranges=dict(ranges))  # three scales: two axes cannot hold them
