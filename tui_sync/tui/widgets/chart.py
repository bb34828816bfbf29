"""The Preview's chart: plotext drawn into a Textual widget (DESIGN §9).

Each `ChartView` owns one plotext figure (textual-plotext's `PlotextPlot.plt`),
never plotext's module-level figure, which is global and would be shared by
every chart in the app. Series arrive already cut down in DuckDB; the widget
downsamples them again with LTTB to its own width on every draw, so a resize
never draws more points than there are columns. `render_chart` builds the
picture without an App (for benchmarks and tests).

Y columns of very different ranges go on a second (right) axis or are normalised
(`chart_plan.plan_axes`, chosen by `Overlays.scale`). The legend is drawn below
the plot, never over the data (plotext's own sits inside the frame), and series
differ by glyph as well as colour, so NO_COLOR keeps lines lines.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl
from rich.cells import cell_len
from rich.console import Group
from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot
from textual_plotext.plot import Plot

from tui_sync.i18n import _
from tui_sync.preview.chart_plan import AxisPlan, ChartData, ChartKind, Overlays, Scale, plan_axes
from tui_sync.preview.lttb import downsample
from tui_sync.preview.query import Stats
from tui_sync.preview.ticks import format_number, number_ticks, time_ticks

# The chart's data types live in the core (no Textual); imported from here too.
__all__ = ["ChartData", "ChartKind", "ChartView", "Overlays", "Scale", "legend_entries", "legend_lines",
           "render_chart"]


# Lines are connected braille lines told apart by a mark every few points (the first
# plain), scatters by their marker, bars by their fill: never by colour alone (NO_COLOR).
_LINE_MARKS = ("", "x", "+", "o")
_SCATTER_MARKERS = ("•", "x", "+", "o")
_BAR_FILLS = ("█", "▓", "▒", "░")
_SERIES_COLORS = ("cyan", "orange", "green", "magenta")
_RICH_COLORS = {"orange": "dark_orange", "gray": "grey50"}  # plotext names Rich spells otherwise
_LINE = "⠒"  # a braille line's look, for the legend
_MARK_EVERY = 8  # points between two marks on a line (at least 3 marks on a short one)
_Y_AXIS_WIDTH = 10  # room plotext takes for y tick labels and the frame


def axis_plan(data: ChartData | None, scale: Scale) -> AxisPlan:
    """Which y axis each series of `data` goes on (from each series' min and max)."""
    if data is None or data.kind is ChartKind.HISTOGRAM:
        return AxisPlan()
    ranges: dict[str, tuple[float, float]] = {}
    for name, frame in data.series.items():
        ys = frame.get_column("y").drop_nulls().drop_nans()
        if ys.len():
            ranges[name] = (float(ys.min()), float(ys.max()))  # type: ignore[arg-type]
    return plan_axes(ranges, scale)


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

    Returns how many data points went to plotext (overlays and marks not counted).
    The caller builds the string (`plt.build()`). No plotext legend: it would cover
    the data, so `legend_lines` says the same beside the plot.
    """
    plt.clear_figure()
    plt.plotsize(width, height)
    if data is None:
        plt.title(_("No chart yet: choose x and y columns"))
        return 0
    if data.kind is ChartKind.HISTOGRAM:
        if data.title:
            plt.title(fit_title(data.title, "", width))
        return _draw_histogram(plt, data, overlays, no_color, width, height)
    points = max(3, width - _Y_AXIS_WIDTH)
    if data.kind is ChartKind.BAR:
        points = max(3, min(points // 2, 60))  # a bar needs a couple of cells
    drawn: dict[str, pl.DataFrame] = {}
    for name, frame in data.series.items():
        if not frame.is_empty():
            drawn[name] = downsample(frame.get_column("x"), frame.get_column("y"), points, keep_extremes=True)
    if not drawn:
        plt.title(fit_title(data.title, _("no points to draw"), width, sep=": "))
        return 0
    plan = axis_plan(data, overlays.scale)
    if data.title or plan.note:
        plt.title(fit_title(data.title, plan.note, width))
    lo = min(float(f.get_column("x").min()) for f in drawn.values())  # type: ignore[arg-type]
    hi = max(float(f.get_column("x").max()) for f in drawn.values())  # type: ignore[arg-type]
    names = list(data.series)
    extents: dict[str, list[float]] = {"left": [], "right": []}  # y values drawn on each side
    # plotext paints in call order: the σ band first, the data over it, level lines on top.
    _draw_levels(plt, [lo, hi], data.stats, names, overlays, no_color, plan, extents, band=True)
    for name, small in drawn.items():
        i = names.index(name)
        side = plan.side(name)
        xs = small.get_column("x").to_list()
        ys = [None if y is None else plan.scaled(name, y) for y in small.get_column("y").to_list()]
        extents[side] += [y for y in ys if y is not None and math.isfinite(y)]
        color = None if no_color else _SERIES_COLORS[i % 4]
        if data.kind is ChartKind.SCATTER:
            plt.scatter(xs, ys, marker=_SCATTER_MARKERS[i % 4], color=color, yside=side)
        elif data.kind is ChartKind.BAR:
            # Side by side, not on top of each other: each series shifted by its share of a slot.
            n, slot = len(drawn), (xs[-1] - xs[0]) / max(1, len(xs) - 1)
            shift = (list(drawn).index(name) - (n - 1) / 2) * slot * 0.8 / n
            plt.bar([x + shift for x in xs], ys, marker=_BAR_FILLS[i % 4], color=color, yside=side,
                    width=0.8 / n)
        else:
            plt.plot(xs, ys, marker="braille", color=color, yside=side)
            mark = _LINE_MARKS[i % 4]
            if mark:  # every few points, offset per series so that marks do not sit on each other
                step = max(1, min(_MARK_EVERY, len(xs) // 3))  # points are about columns
                at = slice((i * step) // 4, None, step)
                plt.scatter(xs[at], ys[at], marker=mark, color=color, yside=side)
    _draw_levels(plt, [lo, hi], data.stats, names, overlays, no_color, plan, extents, band=False)
    count = max(2, min(6, width // 16))
    ticks, labels = time_ticks(lo, hi, count) if data.x_is_time else number_ticks(lo, hi, count)
    plt.xticks(ticks, labels)
    plt.xlabel(data.x)
    _y_ticks(plt, extents, plan.normalised, height)
    return sum(f.height for f in drawn.values())


def fit_title(title: str, note: str, width: int, *, sep: str = " · ") -> str:
    """`title` and `note` in `width` cells: plotext drops a title that does not fit, so the
    title is cut (with "…") and the note, which says how to read the chart, kept."""
    room = max(8, width - 4)
    if not title or not note:
        text = title or note
        return text if cell_len(text) <= room else _cut(text, room)
    if cell_len(title + sep + note) <= room:
        return title + sep + note
    if cell_len(note) + cell_len(sep) + 2 > room:
        return _cut(note, room)
    return _cut(title, room - cell_len(sep + note)) + sep + note


def _cut(text: str, cells: int) -> str:
    piece = Text(text)
    piece.truncate(cells, overflow="ellipsis")
    return piece.plain


def _y_ticks(plt: Plot, extents: dict[str, list[float]], normalised: bool, height: int) -> None:
    """Short tick labels on each used y side (plotext's own may print 17 digits)."""
    count = max(2, min(6, height // 4))
    for side, values in extents.items():
        if not values:
            continue
        lo, hi = min(values), max(values)
        ticks, labels = number_ticks(lo, hi, count)
        if normalised:
            labels = [f"{t:.0%}" for t in ticks]
        plt.yticks(ticks, labels, yside=side)


def _draw_levels(
    plt: Plot,
    span: Sequence[float],
    stats: dict[str, Stats],
    names: Sequence[str],
    overlays: Overlays,
    no_color: bool,
    plan: AxisPlan,
    extents: dict[str, list[float]],
    *,
    band: bool,
) -> None:
    """Mean, median, ±σ band and limit lines across the x span, on each series' own axis.

    `band` True draws only the σ band, False everything else. The limits belong to
    the first series (its axis and, when normalised, its range).
    """
    a, b = span[0], span[-1]

    def line(name: str, level: float, marker: str, color: str, fill: float | None = None) -> None:
        side = plan.side(name)
        y = plan.scaled(name, level)
        extents[side].append(y)
        low = None if fill is None else plan.scaled(name, fill)
        plt.plot([a, b], [y, y], marker=marker, color=None if no_color else color, yside=side, fillx=low)

    for name in names:
        st = stats.get(name)
        if st is None or st.mean is None:
            continue
        if band:
            if overlays.sigma and st.stddev is not None:
                line(name, st.mean + st.stddev, "·", "gray", fill=st.mean - st.stddev)  # the band
            continue
        if overlays.mean:
            line(name, st.mean, "─", "orange")
        if overlays.median and st.median is not None:
            line(name, st.median, "┄", "cyan")
    if band or not names:
        return
    for level in (overlays.lower, overlays.upper):
        if level is not None:
            line(names[0], level, "═", "red")


def _draw_histogram(
    plt: Plot, data: ChartData, overlays: Overlays, no_color: bool, width: int, height: int
) -> int:
    hist = data.histogram
    if hist is None or len(hist.edges) < 2 or not any(sum(c) for c in hist.counts.values()):
        plt.title(fit_title(data.title, _("no values to count"), width, sep=": "))
        return 0
    centers = [(hist.edges[i] + hist.edges[i + 1]) / 2 for i in range(len(hist.edges) - 1)]
    names = list(hist.counts)
    if len(names) == 1:
        color = None if no_color else _SERIES_COLORS[0]
        plt.bar(centers, hist.counts[names[0]], marker=_BAR_FILLS[0], color=color, width=1)
    else:
        colors = None if no_color else list(_SERIES_COLORS[: len(names)])
        plt.multiple_bar(centers, [hist.counts[n] for n in names], marker=list(_BAR_FILLS[: len(names)]),
                         color=colors)
    ticks, labels = number_ticks(hist.edges[0], hist.edges[-1], 5)
    plt.xticks(ticks, labels)
    top = max(max(c) for c in hist.counts.values())
    # Overlays of the first column only: several columns' levels on one axis would mislead.
    for level, marker, color in _histogram_levels(data, overlays):
        plt.plot([level, level], [0, top], marker=marker, color=None if no_color else color)
    plt.xlabel(", ".join(names))
    plt.ylabel(_("rows"))
    ticks, labels = number_ticks(0, top, max(2, min(6, height // 4)))
    plt.yticks(ticks, labels)
    return len(centers) * len(names)


def _histogram_levels(data: ChartData, overlays: Overlays) -> list[tuple[float, str, str]]:
    """(x, marker, colour) of the vertical level lines over a histogram (its first column)."""
    names = list(data.histogram.counts) if data.histogram else []
    st = data.stats.get(names[0]) if names else None
    out: list[tuple[float, str, str]] = []
    if st is not None and st.mean is not None:
        if overlays.sigma and st.stddev is not None:
            out += [(st.mean - st.stddev, "·", "gray"), (st.mean + st.stddev, "·", "gray")]
        if overlays.mean:
            out.append((st.mean, "─", "orange"))
        if overlays.median and st.median is not None:
            out.append((st.median, "┄", "cyan"))
    out += [(v, "═", "red") for v in (overlays.lower, overlays.upper) if v is not None]
    return out


# --- the legend, beside the plot: plotext's own is drawn over the data ----------------


def legend_entries(data: ChartData | None, overlays: Overlays, *, no_color: bool = False) -> list[Text]:
    """One entry per series and level line: its glyphs (as drawn) and what it is."""
    if data is None:
        return []
    entries: list[Text] = []

    def entry(glyph: str, text: str, color: str | None) -> None:
        style = "" if no_color or color is None else _RICH_COLORS.get(color, color)
        entries.append(Text.assemble((glyph, style), " ", text))

    if data.kind is ChartKind.HISTOGRAM:
        names = list(data.histogram.counts) if data.histogram else []
        for i, name in enumerate(names):
            entry(_BAR_FILLS[i % 4] * 2, name, _SERIES_COLORS[i % 4])
        words = {"·": "±1σ", "─": _("mean"), "┄": _("median"), "═": _("limit")}
        for level, marker, color in _histogram_levels(data, overlays):
            entry(marker * 2, f"{words[marker]} {format_number(level)}", color)
        return entries
    plan = axis_plan(data, overlays.scale)
    names = list(data.series)
    several = len(names) > 1
    for i, name in enumerate(names):
        if data.kind is ChartKind.SCATTER:
            glyph = _SCATTER_MARKERS[i % 4]
        elif data.kind is ChartKind.BAR:
            glyph = _BAR_FILLS[i % 4] * 2
        else:
            glyph = _LINE + (_LINE_MARKS[i % 4] or _LINE) + _LINE
        text = name
        if name in plan.right:
            text += _(" (right axis)")
        elif plan.right:
            text += _(" (left axis)")
        if plan.normalised and name in plan.ranges:
            r_lo, r_hi = plan.ranges[name]
            text += f" ({format_number(r_lo)}–{format_number(r_hi)})"
        entry(glyph, text, _SERIES_COLORS[i % 4])
    for name in names:
        st = data.stats.get(name)
        if st is None or st.mean is None:
            continue
        tag = f" {name}" if several else ""
        if overlays.sigma and st.stddev is not None:
            entry("··", f"±1σ{tag}", "gray")
        if overlays.mean:
            entry("──", _("mean") + f"{tag} {st.mean:.4g}", "orange")
        if overlays.median and st.median is not None:
            entry("┄┄", _("median") + f"{tag} {st.median:.4g}", "cyan")
    whose = f" ({names[0]})" if names and (plan.right or plan.normalised) else ""
    for word, level in ((_("lower"), overlays.lower), (_("upper"), overlays.upper)):
        if level is not None:
            entry("══", f"{word} {level:g}{whose}", "red")
    return entries


def legend_lines(entries: Sequence[Text], width: int) -> list[Text]:
    """`entries` packed into lines of `width` cells, two spaces apart; a long one is cut."""
    lines: list[Text] = []
    current = Text()
    for item in entries:
        piece = item.copy()
        piece.truncate(max(1, width), overflow="ellipsis")
        if current.cell_len and current.cell_len + 2 + piece.cell_len > width:
            lines.append(current)
            current = Text()
        if current.cell_len:
            current.append("  ")
        current.append_text(piece)
    if current.cell_len:
        lines.append(current)
    return lines


class ChartView(PlotextPlot):
    """A plotext chart of `ChartData` with overlays and its legend below; `show()` changes it.

    The legend takes the bottom lines (as few as its entries need), the plot the rest.
    """

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
        self.legend: list[str] = []  # the legend's lines on the last draw (tests read it)

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
        no_color = self.app.no_color
        legend = legend_lines(legend_entries(self._data, self._overlays, no_color=no_color), width)
        legend = legend[: max(0, height - 6)]  # the plot keeps at least 6 lines
        plot_height = height - len(legend)
        self.drawn_points = render_chart(self.plt, self._data, self._overlays, width, plot_height,
                                         no_color=no_color)
        self.legend = [line.plain for line in legend]
        # PlotextPlot.render sizes the figure to the whole widget: size it here instead.
        self.plt.plotsize(width, plot_height)
        self.plt._set_size(width, plot_height)  # textual-plotext issue 5: plotsize alone is not enough
        self.plt.theme(self._get_plotext_theme_name(self.app.theme))
        plot = Text.from_ansi(self.plt.build().rstrip("\n"))  # a last newline would push the legend out
        return Group(plot, *legend)
