"""Pilot tests of the Preview chart: default y, y axes of different ranges, legend, NO_COLOR, 80x24."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Footer, Select, SelectionList

from tui_sync.tui.widgets.chart import ChartKind, ChartView
from tui_sync.tui.widgets.preview import PreviewPane

from .conftest import screen_text, wait_for

END = datetime(2021, 6, 30, 23, 59)
BRAILLE = {chr(c) for c in range(0x2801, 0x2900)}  # plotext's braille line cells (not the blank)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """events: a growing key, a time, a value of 0..9,990 and a temperature of 50..74.
    lots: a key of (lot, step) the sync state records; step alone looks like any number."""
    from tui_sync.target import state

    path = tmp_path / "target.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        f"""
        CREATE TABLE events AS
        SELECT range + 1 AS event_id,
               TIMESTAMP '{END:%Y-%m-%d %H:%M:%S}' - to_minutes((600 - range) * 5) AS event_time,
               CAST((range * 7919) % 1000 * 10 AS DOUBLE) AS value,
               50.0 + (range * 31) % 25 AS temperature
        FROM range(600)
        """
    )
    con.execute(
        f"""
        CREATE TABLE lots AS
        SELECT 'LOT-' || (range // 8) AS lot, range % 8 AS step,
               TIMESTAMP '{END:%Y-%m-%d %H:%M:%S}' - to_minutes((400 - range) * 5) AS updated_at,
               (range * 37) % 100 AS qty
        FROM range(400)
        """
    )
    state.ensure_schema(con)
    state.put_table_state(con, state.TableState(
        "lots", "LOTS", "updated_at", None, None, 400, None, "full", None, primary_key="LOT,STEP"))
    con.close()
    return path


class ChartApp(App[None]):
    def __init__(self, db: Path, table: str) -> None:
        super().__init__()
        self.db = db
        self.table = table

    def compose(self) -> ComposeResult:
        yield PreviewPane(self.db, export_dir=self.db.parent / "exports")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(PreviewPane).show_table(self.table)


def chart_lines(app: App[None]) -> list[str]:
    """The chart widget's rows as shown on screen."""
    chart = app.query_one(ChartView)
    region = chart.content_region
    rows = screen_text(app).splitlines()[region.y: region.bottom]
    return [row[region.x: region.right] for row in rows]


async def chart_of(pilot: Pilot[None], ys: list[str]) -> ChartView:
    """Open the Chart tab and wait until it draws exactly `ys`."""
    app = pilot.app
    await wait_for(pilot, lambda: app.query_one(PreviewPane).detection is not None, "rows")
    await pilot.press("p")
    chart = app.query_one(ChartView)
    await wait_for(pilot, lambda: chart.data is not None and list(chart.data.series) == ys
                   and chart.drawn_points > 0, f"a chart of {ys}")
    return chart


async def choose_ys(pilot: Pilot[None], *names: str) -> None:
    """What space on the rows does (the keys themselves are tested in test_preview_pane)."""
    app = pilot.app
    await wait_for(pilot, lambda: app.query_one(PreviewPane).detection is not None, "rows")
    selection = app.query_one("#pv-ys", SelectionList)
    selection.deselect_all()
    for name in names:
        selection.select(name)
    await pilot.pause()


async def test_default_y_is_neither_the_key_nor_x(db: Path) -> None:
    app = ChartApp(db, "events")
    async with app.run_test(size=(120, 36)) as pilot:
        chart = await chart_of(pilot, ["value"])  # not event_id: a straight line against time
        assert chart.data is not None and chart.data.x == "event_time"
        assert list(app.query_one("#pv-ys", SelectionList).selected) == ["value"]


async def test_default_y_skips_the_key_the_sync_state_records(db: Path) -> None:
    app = ChartApp(db, "lots")
    async with app.run_test(size=(120, 36)) as pilot:
        # step is the first numeric column and looks like any number: only the state says it is a key
        await chart_of(pilot, ["qty"])
        assert list(app.query_one("#pv-ys", SelectionList).selected) == ["qty"]


async def test_different_ranges_get_a_right_axis_or_normalised_and_the_legend_stays_off_the_data(
    db: Path,
) -> None:
    app = ChartApp(db, "events")
    async with app.run_test(size=(120, 36)) as pilot:
        await choose_ys(pilot, "value", "temperature")
        chart = await chart_of(pilot, ["value", "temperature"])
        await pilot.pause()
        lines = chart_lines(app)
        text = "\n".join(lines)
        assert "2 y axes" in lines[0]  # the title says how to read it
        assert "value (left axis)" in text and "temperature (right axis)" in text
        # the right axis carries the temperature's ticks (50..74), the left the value's (0..9,990)
        right_ticks = [line.rsplit("├", 1)[-1].strip() for line in lines if "├" in line]
        assert "74" in right_ticks and "50" in right_ticks
        assert any(line.startswith("9,990") for line in lines)
        # the legend is below the plot's frame, never over its data
        bottom = max(i for i, line in enumerate(lines) if "└" in line)
        legend_rows = [i for i, line in enumerate(lines) if "temperature (right axis)" in line]
        assert legend_rows and min(legend_rows) > bottom

        # Normalised instead, from the keyboard: the scale select, then its last option.
        app.query_one("#pv-scale", Select).focus()
        await pilot.press("enter", "down", "down", "enter")
        await wait_for(pilot, lambda: str(chart.overlays.scale) == "normalised", "normalised")
        await pilot.pause()
        text = "\n".join(chart_lines(app))
        assert "y normalised" in text and "100%" in text and "0%" in text
        assert "temperature (50–74)" in text  # each series' own range, in the legend

        app.query_one("#pv-scale", Select).focus()
        await pilot.press("enter", "up", "enter")  # one shared axis: the user's choice
        await wait_for(pilot, lambda: str(chart.overlays.scale) == "shared", "one axis")
        await pilot.pause()
        text = "\n".join(chart_lines(app))
        assert "right axis" not in text and "normalised" not in text


async def test_no_color_lines_are_connected_and_told_apart_by_marks(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = ChartApp(db, "events")
    async with app.run_test(size=(120, 36)) as pilot:
        assert app.no_color
        await choose_ys(pilot, "value", "temperature")
        chart = await chart_of(pilot, ["value", "temperature"])
        await pilot.pause()
        lines = chart_lines(app)
        plot = "\n".join(lines[: max(i for i, line in enumerate(lines) if "└" in line)])
        assert len(BRAILLE & set(plot)) > 5  # connected lines, not points
        assert "x" in plot  # the second line's marks
        legend = "\n".join(chart.legend)
        assert "⠒⠒⠒ value" in legend and "⠒x⠒ temperature" in legend

        await pilot.press("k")  # scatter: points, not lines
        await wait_for(pilot, lambda: chart.data is not None and chart.data.kind is ChartKind.SCATTER,
                       "scatter")
        await pilot.pause()
        lines = chart_lines(app)
        plot = "\n".join(lines[: max(i for i, line in enumerate(lines) if "└" in line)])
        assert not BRAILLE & set(plot) and "•" in plot


async def test_side_panel_keeps_every_label_at_80x24(demo_home: Path, make_app) -> None:
    from tui_sync.cli.main import main

    assert main(["sync", "--demo", "EQUIPMENT_EVENTS"]) == 0
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.preview("EQUIPMENT_EVENTS")
        await wait_for(pilot, lambda: bool(app.screen.query(PreviewPane)), "the preview pane")
        pane = app.screen.query_one(PreviewPane)
        await wait_for(pilot, lambda: pane.detection is not None, "rows")
        await pilot.press("p")
        chart = pane.query_one(ChartView)
        await wait_for(pilot, lambda: chart.drawn_points > 0, "the chart")
        await pilot.pause()
        panel = pane.query_one("#pv-controls")
        assert panel.max_scroll_y == 0  # nothing hidden below the fold
        text = screen_text(app)
        for label in ("Kind: line", "x: event_time", "Y: auto", "y columns", "event_id", "value",
                      "temperature", "mean", "median", "±1σ band", "lower", "upper"):
            assert label in text, label
        assert chart.data is not None and list(chart.data.series) == ["value"]
        assert chart.legend and chart.legend[0] in text  # the legend is on screen too
