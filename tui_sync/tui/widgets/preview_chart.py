"""The Preview pane's Chart tab: controls, overlays, and the chart's data request.

`ChartTab` is the base of `PreviewPane` (kept apart so each file stays readable):
it composes the Chart tab (`compose_chart`), owns its controls and handlers and
asks for data through the pane's `_run` (a thread worker whose failure reaches the
pane's `_failed`). The default y is never x nor a key (the sync state's key comes
in its own worker and replaces a default, never the user's choice).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Select, Static, TabbedContent

from tui_sync.i18n import N_, _
from tui_sync.preview import query
from tui_sync.preview.chart_plan import Scale, default_y, primary_key
from tui_sync.preview.detect import ColumnDetection, Detection, Kind
from tui_sync.preview.query import ColumnInfo, Preset
from tui_sync.preview.window import Bounds
from tui_sync.target.spec import TargetSpec

from .chart import ChartData, ChartKind, ChartView, Overlays
from .fields import TextField as Input  # no select-all on focus; escape leaves the field
from .toggles import CheckList as SelectionList  # [x] / [ ] and a visible focus, also under NO_COLOR
from .toggles import Toggle as Checkbox

MAX_Y = 4


@dataclass(frozen=True)
class ChartRequest:
    """What a chart shows; equal requests are not fetched twice."""

    table: str
    preset: Preset
    cursor: str | None
    kind: ChartKind
    x: str | None
    ys: tuple[str, ...]
    with_stats: bool
    width: int
    casts: dict[str, ColumnDetection] = field(default_factory=dict, compare=False, hash=False)
    bounds: Bounds | None = None  # the custom range's from..to (Preset.CUSTOM)


class ChartTab(Widget):
    """The chart part of the Preview pane (see `PreviewPane`)."""

    # Every control keeps its label at 80x24: one line each, no gaps, both limits on one line.
    DEFAULT_CSS = """
    ChartTab #pv-controls { width: 26; height: 1fr; }
    ChartTab #pv-ys { height: auto; max-height: 6; }
    ChartTab #pv-limits { height: 1; }
    ChartTab #pv-limits Input { width: 1fr; }
    ChartTab #pv-lower { margin-right: 1; }
    ChartTab #pv-chart { height: 1fr; }
    """

    # Set by PreviewPane: what is shown, and how to run a worker.
    db_path: TargetSpec
    row_limit: int
    _table: str | None
    _cursor: str | None
    _detection: Detection | None
    _chart_token: int
    _chart_request: ChartRequest | None
    _ys_order: list[str]
    _run: Callable[..., object]
    _failed: Callable[..., None]

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._keys: dict[str, tuple[str, ...]] = {}  # primary key per table, from the sync state
        self._ys_auto = True  # the y columns are the default pick, not the user's
        self._y_choices: list[str] = []  # the numeric columns offered as y

    def compose_chart(self) -> ComposeResult:
        """The Chart tab's content: controls on the left, the chart (legend below it) on the right."""
        with Horizontal():
            with VerticalScroll(id="pv-controls"):
                yield Select[ChartKind](
                    [(_("Kind: {kind}").format(kind=_(_KIND_NAMES[k])), k) for k in ChartKind],
                    value=ChartKind.LINE, allow_blank=False, id="pv-kind", compact=True,
                    tooltip=_("Chart kind (k cycles it)"),
                )
                yield Select[str]([], prompt=_("x: (none)"), id="pv-x", compact=True,
                                  tooltip=_("The x axis: a time or number column"))
                yield Select[Scale](
                    [(s.label, s) for s in Scale], value=Scale.AUTO, allow_blank=False, id="pv-scale",
                    compact=True, tooltip=_("Y columns of different ranges: a second axis on the right, "
                                            "one shared axis, or each normalised to its own min..max"),
                )
                # A label of its own: a compact list has no border to carry a title.
                yield Static(_("y columns (up to {count}):").format(count=MAX_Y), id="pv-ys-label", markup=False)
                ys = SelectionList[str](id="pv-ys", compact=True)
                ys.tooltip = _("Up to {count} numeric columns to draw (space ticks one)").format(count=MAX_Y)
                yield ys
                for key, label in _OVERLAY_LABELS.items():
                    yield Checkbox(_(label), id=key, compact=True,
                                   tooltip=_("Draw the {overlay} of each y column").format(overlay=_(label)))
                with Horizontal(id="pv-limits"):
                    yield Input(placeholder=_("lower"), type="number", id="pv-lower", compact=True,
                                tooltip=_("Lower limit: a line at this y (of the first y column)"))
                    yield Input(placeholder=_("upper"), type="number", id="pv-upper", compact=True,
                                tooltip=_("Upper limit: a line at this y (of the first y column)"))
            yield ChartView(id="pv-chart")

    class KeysFound(Message):
        def __init__(self, table: str, keys: tuple[str, ...]) -> None:
            super().__init__()
            self.table = table
            self.keys = keys

    @on(KeysFound)
    def _keys_found(self, message: KeysFound) -> None:
        """The sync state's key arrived: a default y that is a key column is picked again."""
        message.stop()
        self._keys[message.table] = message.keys
        if message.table != self._table or not self._ys_auto or self._detection is None:
            return
        x = self.query_one("#pv-x", Select).value
        y = default_y(self._y_choices, x if isinstance(x, str) else None, self._detection.frame, message.keys)
        wanted = [y] if y else []
        if wanted != self._ys_order:
            self._set_ys(wanted)
            self._maybe_request_chart()

    class ChartLoaded(Message):
        def __init__(self, token: int, request: ChartRequest, data: ChartData) -> None:
            super().__init__()
            self.token = token
            self.request = request
            self.data = data

    @on(ChartLoaded)
    def _chart_loaded(self, message: ChartLoaded) -> None:
        message.stop()
        if message.token != self._chart_token:
            return
        self.query_one("#pv-chart", ChartView).show(message.data, self._overlays())

    @on(Select.Changed, "#pv-scale")
    def _scale_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._apply_overlays()  # the same data, drawn on other axes

    @on(Select.Changed, "#pv-kind")
    @on(Select.Changed, "#pv-x")
    def _chart_control_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._maybe_request_chart()

    @on(SelectionList.SelectedChanged, "#pv-ys")
    def _ys_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        event.stop()
        selected = list(event.selection_list.selected)
        self._ys_auto = False  # the user's choice: the sync state's key no longer replaces it
        self._ys_order = [y for y in self._ys_order if y in selected]
        self._ys_order += [y for y in selected if y not in self._ys_order]
        if len(self._ys_order) > MAX_Y:
            extra = self._ys_order.pop()
            event.selection_list.deselect(extra)
            self.notify(_("At most {count} y columns").format(count=MAX_Y), severity="warning")
            return
        self._maybe_request_chart()

    @on(Checkbox.Changed)
    def _overlay_toggled(self, event: Checkbox.Changed) -> None:
        event.stop()  # the box itself draws [x] / [ ] (toggles.py), readable without colour
        self._apply_overlays()

    @on(Input.Changed, "#pv-lower, #pv-upper")
    def _limit_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._apply_overlays()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        event.stop()
        self._maybe_request_chart()

    def _fill_chart_controls(
        self, columns: list[ColumnInfo], detection: Detection, cursor: str | None
    ) -> None:
        times = time_like(columns, detection)
        numbers = number_like(columns, detection)
        xs = times + [n for n in numbers if n not in times]
        x_select = self.query_one("#pv-x", Select)
        old_x = x_select.value
        if isinstance(old_x, str) and old_x in xs:
            x = old_x
        elif cursor in xs:
            x = cursor
        else:
            x = xs[0] if xs else None
        with x_select.prevent(Select.Changed):  # the caller asks for the chart once
            x_select.set_options([(_("x: {name}").format(name=name), name) for name in xs])
            if x is not None:
                x_select.value = x
        ys = self.query_one("#pv-ys", SelectionList)
        keep = [y for y in self._ys_order if y in numbers]
        if not keep:
            # Never the key or x (a straight line); the sync state's key comes in a worker.
            y = default_y(numbers, x, detection.frame, self._keys.get(self._table or "", ()))
            keep = [y] if y else []
            self._ys_auto = True
        with ys.prevent(SelectionList.SelectedChanged):
            ys.clear_options()
            ys.add_options([(name, name, name in keep) for name in numbers])
        self._ys_order = keep
        self._y_choices = numbers
        if self._table is not None and self._table not in self._keys:
            self._find_keys(self._table)

    def _set_ys(self, ys: list[str]) -> None:
        selection = self.query_one("#pv-ys", SelectionList)
        with selection.prevent(SelectionList.SelectedChanged):
            selection.deselect_all()
            for y in ys:
                selection.select(y)
        self._ys_order = list(ys)

    def _find_keys(self, table: str) -> None:
        db = self.db_path

        def job() -> None:
            self.post_message(self.KeysFound(table, primary_key(db, table)))

        # No key known is not an error worth a line: primary_key returns () on failure.
        self._run(job, "preview-chart-keys", _("Key columns"), lambda _error: None)

    def _fetch_chart(self, token: int, req: ChartRequest) -> None:
        self._run(partial(self._chart_job, token, req), "preview-chart", _("Chart data"),
                  partial(self._failed, "chart", token))

    def _chart_job(self, token: int, req: ChartRequest) -> None:
        """On a thread: no widget access in here."""
        self.post_message(self.ChartLoaded(token, req, chart_data(self.db_path, req, self.row_limit)))

    def _overlays(self) -> Overlays:
        def level(selector: str) -> float | None:
            text = self.query_one(selector, Input).value.strip()
            try:
                value = float(text)
            except ValueError:
                return None
            return value if math.isfinite(value) else None

        scale = self.query_one("#pv-scale", Select).value
        return Overlays(
            mean=self.query_one("#pv-mean", Checkbox).value,
            median=self.query_one("#pv-median", Checkbox).value,
            sigma=self.query_one("#pv-sigma", Checkbox).value,
            lower=level("#pv-lower"),
            upper=level("#pv-upper"),
            scale=scale if isinstance(scale, Scale) else Scale.AUTO,
        )

    def _apply_overlays(self) -> None:
        overlays = self._overlays()
        self.query_one("#pv-chart", ChartView).set_overlays(overlays)
        if overlays.mean or overlays.median or overlays.sigma:
            self._maybe_request_chart()  # statistics are fetched only once an overlay needs them

    def _current_request(self) -> ChartRequest | None:
        if self._table is None or self._detection is None:
            return None
        kind = self.query_one("#pv-kind", Select).value
        x = self.query_one("#pv-x", Select).value
        preset = self.query_one("#pv-preset", Select).value
        overlays = self._overlays()
        chart = self.query_one("#pv-chart", ChartView)
        return ChartRequest(
            table=self._table,
            preset=preset if isinstance(preset, Preset) else Preset.FIRST,
            cursor=self._cursor,
            kind=kind if isinstance(kind, ChartKind) else ChartKind.LINE,
            x=x if isinstance(x, str) else None,
            ys=tuple(self._ys_order),
            with_stats=overlays.mean or overlays.median or overlays.sigma,
            width=max(40, chart.size.width or 200),
            casts={c.name: c for c in self._detection.converted},
            bounds=getattr(self, "_bounds", None) if preset is Preset.CUSTOM else None,
        )

    def _maybe_request_chart(self) -> None:
        """Fetch chart data when the chart tab is showing and what it should show changed."""
        if self.query_one(TabbedContent).active != "pv-tab-chart":
            return
        req = self._current_request()
        if req is None:
            return
        chart = self.query_one("#pv-chart", ChartView)
        if not req.ys or (req.kind is not ChartKind.HISTOGRAM and req.x is None):
            self._chart_request = None
            ask = _("choose an x and at least one y column")
            if req.x is not None and not req.ys and self._ys_auto:
                ask = (_("choose a y column: the numeric ones are keys or x") if self._y_choices
                       else _("no numeric column to draw"))
            chart.show(ChartData(req.kind, title=ask), self._overlays())
            return
        last = self._chart_request
        if (
            last is not None
            and replace(last, width=req.width, with_stats=req.with_stats) == req
            and (last.with_stats or not req.with_stats)
        ):
            return  # same data (a resized chart only re-downsamples what it has)
        self._chart_request = req
        self._chart_token += 1
        self._fetch_chart(self._chart_token, req)


_OVERLAY_LABELS = {"pv-mean": N_("mean"), "pv-median": N_("median"), "pv-sigma": N_("±1σ band")}
_KIND_NAMES = {ChartKind.LINE: N_("line"), ChartKind.SCATTER: N_("scatter"), ChartKind.BAR: N_("bar"),
               ChartKind.HISTOGRAM: N_("histogram")}


_TIME_KINDS = (Kind.DATE, Kind.DATETIME)
_NUMBER_KINDS = (Kind.INTEGER, Kind.DECIMAL)


def _converted_to(detection: Detection, name: str, kinds: tuple[Kind, ...]) -> bool:
    det = detection.get(name)
    return det is not None and det.converted and det.kind in kinds


def chart_data(db: Path | TargetSpec, req: ChartRequest, limit: int) -> ChartData:
    """Worker side: the chart's data straight from DuckDB (no widget access)."""
    ys = list(req.ys)
    stats = (
        query.column_stats(db, req.table, ys, req.preset, req.cursor, limit=limit, casts=req.casts,
                           bounds=req.bounds)
        if req.with_stats
        else {}
    )
    title = f"{req.table} · {req.preset.label.lower()}"
    if req.kind is ChartKind.HISTOGRAM:
        bins = max(10, min(60, req.width // 3))
        hist = query.fetch_histogram(
            db, req.table, ys, req.preset, req.cursor, bins, limit=limit, casts=req.casts, bounds=req.bounds
        )
        return ChartData(req.kind, histogram=hist, stats=stats, title=title)
    assert req.x is not None
    series = query.fetch_series(
        db, req.table, req.x, ys, req.preset, req.cursor, max_points=req.width, limit=limit, casts=req.casts,
        bounds=req.bounds,
    )
    if series.reduced_in_db:
        title += " · " + _("{rows} rows, downsampled").format(rows=f"{series.rows:,}")
    return ChartData(req.kind, req.x, series.x_is_time, series.series, stats=stats, title=title)


def time_like(columns: list[ColumnInfo], detection: Detection) -> list[str]:
    return [c.name for c in columns if c.is_temporal or _converted_to(detection, c.name, _TIME_KINDS)]


def number_like(columns: list[ColumnInfo], detection: Detection) -> list[str]:
    return [c.name for c in columns if c.is_numeric or _converted_to(detection, c.name, _NUMBER_KINDS)]
