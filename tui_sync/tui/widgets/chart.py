"""The Preview's chart: plotext drawn into a Textual widget (DESIGN §9).

Each `ChartView` owns one plotext figure (textual-plotext's `PlotextPlot.plt`),
never plotext's module-level figure, which is global and would be shared by
every chart in the app. Series arrive already cut down in DuckDB; the widget
downsamples them again with LTTB to its own width on every draw, so a resize
never draws more points than there are columns. `render_chart` builds the
picture without an App (for benchmarks and tests).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

import polars as pl
from textual.app import RenderResult
from textual_plotext import PlotextPlot
from textual_plotext.plot import Plot

from tui_sync.preview.lttb import downsample
from tui_sync.preview.query import Histogram, Stats


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


# Series markers: with NO_COLOR the lines differ by their characters alone.
_COLOR_MARKERS = ("braille", "braille", "braille", "braille")
_MONO_MARKERS = ("•", "x", "+", "o")
_SCATTER_MARKERS = ("•", "x", "+", "o")
_SERIES_COLORS = ("cyan", "orange", "green", "magenta")
_Y_AXIS_WIDTH = 10  # room plotext takes for y tick labels and the frame


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
        return [lo], [_format_number(lo)]
    ticks = [lo + (hi - lo) * i / (count - 1) for i in range(count)]
    return ticks, [_format_number(t) for t in ticks]


def _format_number(value: float) -> str:
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


def render_chart(
    plt: Plot,
    data: ChartData | None,
    overlays: Overlays,
    width: int,
    height: int,
    *,
    no_color: bool = False,
) -> int:
    """Draw `data` on `plt` (cleared first) for a `width` x `height` cell area.

    Returns how many data points went to plotext (overlays not counted). The
    caller builds the string (`plt.build()`); PlotextPlot.render does that.
    """
    plt.clear_figure()
    plt.plotsize(width, height)
    if data is None:
        plt.title("No chart yet: choose x and y columns")
        return 0
    if data.title:
        plt.title(data.title)
    if data.kind is ChartKind.HISTOGRAM:
        return _draw_histogram(plt, data, overlays, no_color)
    points = max(3, width - _Y_AXIS_WIDTH)
    if data.kind is ChartKind.BAR:
        points = max(3, min(points // 2, 60))  # a bar needs a couple of cells
    drawn: dict[str, pl.DataFrame] = {}
    for name, frame in data.series.items():
        if not frame.is_empty():
            drawn[name] = downsample(frame.get_column("x"), frame.get_column("y"), points, keep_extremes=True)
    if not drawn:
        plt.title((data.title + ": " if data.title else "") + "no points to draw")
        return 0
    lo = min(float(f.get_column("x").min()) for f in drawn.values())  # type: ignore[arg-type]
    hi = max(float(f.get_column("x").max()) for f in drawn.values())  # type: ignore[arg-type]
    names = list(data.series)
    # plotext paints in call order: the σ band first, the data over it, level lines on top.
    _draw_levels(plt, [lo, hi], data.stats, names, overlays, no_color, vertical=False, band=True)
    for name, small in drawn.items():
        i = names.index(name)
        xs = small.get_column("x").to_list()
        ys = small.get_column("y").to_list()
        color = None if no_color else _SERIES_COLORS[i % 4]
        if data.kind is ChartKind.SCATTER:
            plt.scatter(xs, ys, marker=_SCATTER_MARKERS[i % 4], color=color, label=name)
        elif data.kind is ChartKind.BAR:
            plt.bar(xs, ys, color=color, label=name, width=0.6 / max(1, len(drawn)))
        else:
            marker = (_MONO_MARKERS if no_color else _COLOR_MARKERS)[i % 4]
            plt.plot(xs, ys, marker=marker, color=color, label=name)
    _draw_levels(plt, [lo, hi], data.stats, names, overlays, no_color, vertical=False, band=False)
    count = max(2, min(6, width // 16))
    ticks, labels = time_ticks(lo, hi, count) if data.x_is_time else number_ticks(lo, hi, count)
    plt.xticks(ticks, labels)
    plt.xlabel(data.x)
    return sum(f.height for f in drawn.values())


def _draw_levels(
    plt: Plot,
    span: Sequence[float],
    stats: dict[str, Stats],
    names: Sequence[str],
    overlays: Overlays,
    no_color: bool,
    *,
    vertical: bool,
    band: bool | None = None,
) -> None:
    """Mean, median, ±σ band and limit lines: horizontal over a series, vertical over a histogram.

    `band` True draws only the σ band, False everything else, None both.
    """
    a, b = span[0], span[-1]

    def line(level: float, label: str, marker: str, color: str, fill: float | None = None) -> None:
        c = None if no_color else color
        if vertical:
            plt.plot([level, level], [a, b], marker=marker, color=c, label=label)
        else:
            plt.plot([a, b], [level, level], marker=marker, color=c, label=label, fillx=fill)

    several = len(names) > 1
    for name in names:
        st = stats.get(name)
        if st is None or st.mean is None:
            continue
        tag = f" {name}" if several else ""
        if overlays.sigma and st.stddev is not None and band is not False:
            lo, hi = st.mean - st.stddev, st.mean + st.stddev
            if vertical:
                line(lo, f"-1σ{tag}", "·", "gray")
                line(hi, f"+1σ{tag}", "·", "gray")
            else:
                line(hi, f"±1σ{tag}", "·", "gray", fill=lo)  # filled down to mean - σ: the band
        if band is True:
            continue
        if overlays.mean:
            line(st.mean, f"mean{tag} {st.mean:.4g}", "─", "orange")
        if overlays.median and st.median is not None:
            line(st.median, f"median{tag} {st.median:.4g}", "┄", "cyan")
    if band is True:
        return
    if overlays.lower is not None:
        line(overlays.lower, f"lower {overlays.lower:g}", "═", "red")
    if overlays.upper is not None:
        line(overlays.upper, f"upper {overlays.upper:g}", "═", "red")


def _draw_histogram(plt: Plot, data: ChartData, overlays: Overlays, no_color: bool) -> int:
    hist = data.histogram
    if hist is None or len(hist.edges) < 2 or not any(sum(c) for c in hist.counts.values()):
        plt.title((data.title + ": " if data.title else "") + "no values to count")
        return 0
    centers = [(hist.edges[i] + hist.edges[i + 1]) / 2 for i in range(len(hist.edges) - 1)]
    names = list(hist.counts)
    if len(names) == 1:
        color = None if no_color else _SERIES_COLORS[0]
        plt.bar(centers, hist.counts[names[0]], color=color, label=names[0], width=1)
    else:
        colors = None if no_color else list(_SERIES_COLORS[: len(names)])
        plt.multiple_bar(centers, [hist.counts[n] for n in names], labels=names, color=colors)
    ticks, labels = number_ticks(hist.edges[0], hist.edges[-1], 5)
    plt.xticks(ticks, labels)
    top = max(max(c) for c in hist.counts.values())
    # Overlays of the first column only: several columns' levels on one axis would mislead.
    _draw_levels(plt, [0, top], data.stats, names[:1], overlays, no_color, vertical=True)
    plt.xlabel(", ".join(names))
    plt.ylabel("rows")
    return len(centers) * len(names)


class ChartView(PlotextPlot):
    """A plotext chart of `ChartData` with overlays; call `show()` to change what it draws."""

    DEFAULT_CSS = """
    ChartView {
        width: 1fr;
        height: 1fr;
        min-height: 8;
    }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._data: ChartData | None = None
        self._overlays = Overlays()
        self.drawn_points = 0  # points handed to plotext on the last draw (tests read it)

    @property
    def data(self) -> ChartData | None:
        return self._data

    @property
    def overlays(self) -> Overlays:
        return self._overlays

    def show(self, data: ChartData | None, overlays: Overlays | None = None) -> None:
        self._data = data
        if overlays is not None:
            self._overlays = overlays
        self.refresh()

    def set_overlays(self, overlays: Overlays) -> None:
        self._overlays = overlays
        self.refresh()

    def on_mount(self) -> None:
        if self.app.no_color:
            self.theme = "clear"  # plotext's plain theme: no background colours to grey out

    def render(self) -> RenderResult:
        width, height = max(self.size.width, 20), max(self.size.height, 6)
        self.drawn_points = render_chart(
            self.plt, self._data, self._overlays, width, height, no_color=self.app.no_color
        )
        return super().render()
