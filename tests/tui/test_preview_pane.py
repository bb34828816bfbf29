"""Pilot tests of the Preview pane on a real DuckDB file: rows, detection, chart, export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Footer, Select, Static, TabbedContent

from tui_sync.preview.query import Preset
from tui_sync.tui.widgets.chart import ChartKind, ChartView
from tui_sync.tui.widgets.preview import PreviewPane

TABLE = "설비 이벤트"
ROWS = 3000
END = datetime(2021, 6, 30, 23, 59)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "target.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        f"""
        CREATE TABLE "{TABLE}" AS
        SELECT TIMESTAMP '{END:%Y-%m-%d %H:%M:%S}' - to_minutes(range * 5) AS event_time,
               CAST(range % 50 AS DOUBLE) AS "온도",
               strftime(event_time, '%Y%m%d%H%M%S') AS ts_text,
               CAST(range % 9 AS VARCHAR) AS qty_text,
               'LOT-' || range AS lot
        FROM range({ROWS})
        """
    )
    con.execute("CREATE TABLE other AS SELECT 1 AS id")
    con.close()
    return path


class PreviewApp(App[None]):
    def __init__(self, db: Path, table: str | None = TABLE) -> None:
        super().__init__()
        self.db = db
        self.table = table

    def compose(self) -> ComposeResult:
        yield PreviewPane(self.db, export_dir=self.db.parent / "exports")
        yield Footer()

    def on_mount(self) -> None:
        if self.table:
            self.query_one(PreviewPane).show_table(self.table)


async def wait_for(pilot: Pilot[None], predicate: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Let the app run until `predicate` holds; the timeout only stops a hung test."""
    waited = 0.0
    while not predicate():
        await pilot.pause(0.05)
        waited += 0.05
        if waited > timeout:
            raise AssertionError(f"timed out waiting for: {what}")


def text_of(app: App[None]) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def grid(app: App[None]) -> DataTable[str]:
    return app.query_one("#pv-rows", DataTable)


async def test_rows_detection_and_chart_by_keyboard(db: Path) -> None:
    app = PreviewApp(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: grid(app).row_count > 0, "rows")
        assert grid(app).row_count == 500  # the first rows, not the whole table
        labels = [str(c.label) for c in grid(app).columns.values()]
        assert labels == ["event_time", "온도", "ts_text", "qty_text", "lot"]
        status = str(app.query_one("#pv-status", Static).render())
        assert f"rows 1–500 of {ROWS:,}" in status and "2/3 text cols converted" in status

        await pilot.press("d")
        assert app.query_one(TabbedContent).active == "pv-tab-types"
        summary = str(app.query_one("#pv-detect-summary", Static).render())
        assert "ts_text → datetime (YYYYMMDDHH24MISS, 100.0%)" in summary
        assert "qty_text → integer" in summary
        assert "lot" in text_of(app) and "kept as text" in text_of(app)

        await pilot.press("p")
        chart = app.query_one(ChartView)
        await wait_for(pilot, lambda: chart.data is not None and chart.drawn_points > 0, "chart drawn")
        assert chart.data is not None
        assert chart.data.x == "event_time" and list(chart.data.series) == ["온도"]
        assert 3 <= chart.drawn_points <= chart.size.width  # downsampled to the plot width
        assert "온도" in text_of(app)  # the legend

        # Overlays from the keyboard: kind select -> x -> scale -> y list -> "mean" checkbox.
        assert app.focused is app.query_one("#pv-kind")
        await pilot.press("tab", "tab", "tab", "tab", "space")
        assert app.query_one("#pv-mean", Checkbox).value
        await wait_for(pilot, lambda: chart.data is not None and "온도" in chart.data.stats, "statistics")
        assert chart.data.stats["온도"].mean == pytest.approx(sum(i % 50 for i in range(500)) / 500)
        assert "mean" in text_of(app)

        def kind_is(kind: ChartKind) -> Callable[[], bool]:
            return lambda: chart.data is not None and chart.data.kind is kind

        await pilot.press("k")  # line -> scatter
        await wait_for(pilot, kind_is(ChartKind.SCATTER), "scatter")
        await pilot.press("k", "k")  # -> bar -> histogram
        await wait_for(pilot, kind_is(ChartKind.HISTOGRAM), "histogram")
        assert sum(chart.data.histogram.counts["온도"]) == 500  # type: ignore[union-attr]
        assert chart.drawn_points > 0


async def test_presets_table_switch_and_errors(db: Path) -> None:
    app = PreviewApp(db)
    async with app.run_test(size=(120, 36)) as pilot:
        pane = app.query_one(PreviewPane)
        await wait_for(pilot, lambda: grid(app).row_count > 0, "rows")
        assert str(app.query_one("#pv-cursor", Select).value) == "event_time"  # first time column

        app.query_one("#pv-preset", Select).value = Preset.LAST_24H
        await wait_for(pilot, lambda: grid(app).row_count == 24 * 12 + 1, "last 24 hours")
        assert pane.frame is not None and pane.frame["event_time"][0] == END  # newest first

        # A table without a time column: the range falls back to its first rows, said in the status.
        app.query_one("#pv-table", Select).value = "other"
        await wait_for(pilot, lambda: pane.frame is not None and pane.frame.columns == ["id"], "other table")
        assert app.query_one("#pv-preset", Select).value is Preset.FIRST
        assert "(table order)" in str(app.query_one("#pv-status", Static).render())

        pane.show_table("no_such_table")
        await wait_for(pilot, lambda: "not found" in str(app.query_one("#pv-status", Static).render()),
                       "error line")
        assert app.is_running  # an error is a line, not a crash


async def test_small_terminal_and_no_color(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = PreviewApp(db)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.no_color
        await wait_for(pilot, lambda: grid(app).row_count > 0, "rows")
        screen = text_of(app)
        for words in ("Rows", "Types", "Chart", "eE Export"):
            assert words in screen
        await pilot.press("p")
        chart = app.query_one(ChartView)
        await wait_for(pilot, lambda: chart.drawn_points > 0, "chart drawn")
        assert chart.theme == "clear"
        assert "온도" in text_of(app)


def test_render_chart_draws_at_most_the_plot_width_with_its_own_figure() -> None:
    from textual_plotext.plot import Plot

    from tui_sync.preview.query import Stats
    from tui_sync.tui.widgets.chart import ChartData, Overlays, legend_entries, legend_lines, render_chart

    n = 200_000
    x = pl.int_range(0, n, eager=True).cast(pl.Float64) + 1.6e9
    y = (x / 1000).sin()
    y[123_456] = 50.0  # the spike
    data = ChartData(ChartKind.LINE, "t", True, {"y": pl.DataFrame({"x": x, "y": y})},
                     stats={"y": Stats(n, 0.0, 0.0, 0.7, -1.0, 50.0)})
    one, other = Plot(), Plot()
    overlays = Overlays(mean=True, sigma=True, upper=0.9)
    drawn = render_chart(one, data, overlays, 120, 30)
    assert 3 <= drawn <= 120
    picture = one.build()
    assert "50" in picture  # the spike sets the y range
    assert "mean" not in picture  # the legend is beside the plot, not over the data
    legend = " ".join(line.plain for line in legend_lines(legend_entries(data, overlays), 120))
    assert "mean 0" in legend and "upper 0.9" in legend and "±1σ" in legend
    assert "2020-" in picture  # time ticks: 1.6e9 s is September 2020
    assert other.build() != picture  # a second figure shares nothing with the first
