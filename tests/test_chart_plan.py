"""The Preview chart's default y and y scales (tui_sync.preview.chart_plan), without an App."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest
from rich.text import Text
from textual_plotext.plot import Plot

from tui_sync.preview.chart_plan import (
    AxisPlan,
    ChartData,
    ChartKind,
    Overlays,
    Scale,
    comparable,
    default_y,
    key_like,
    plan_axes,
    primary_key,
)
from tui_sync.target import state
from tui_sync.tui.widgets.chart import fit_title, legend_entries, legend_lines, render_chart

FRAME = pl.DataFrame({
    "event_id": [1, 2, 3, 4, 5, 6],
    "event_time": [10, 20, 30, 40, 50, 60],
    "counter": [6, 5, 4, 3, 2, 1],  # falls as time grows: a straight line too
    "value": [4000.0, 120.0, 9000.0, 15.0, 7000.0, 300.0],
    "temperature": [61.0, 65.5, 58.2, 70.1, 66.0, 59.9],
})


def test_default_y_is_never_x_the_key_or_a_straight_line() -> None:
    numbers = ["event_id", "counter", "value", "temperature"]
    assert default_y(numbers, "event_time", FRAME) == "value"
    assert default_y(["value", "temperature"], "value", FRAME) == "temperature"  # never x itself
    assert default_y(["event_id", "value"], "event_time", FRAME, keys=["VALUE"]) is None  # declared keys
    assert default_y(["event_id", "counter"], "event_time", FRAME) is None  # nothing but keys: ask


@pytest.mark.parametrize("name", ["id", "EVENT_ID", "알람_ID", "step_seq", "serial_no", "row_key"])
def test_key_names(name: str) -> None:
    assert key_like(name, None, None)


@pytest.mark.parametrize("name", ["value", "video", "idle_s", "noise", "keyboard"])
def test_not_key_names(name: str) -> None:
    assert not key_like(name, None, None)


def test_key_like_data_is_distinct_and_monotonic_in_x() -> None:
    frame = pl.DataFrame({"t": [3, 1, 2, 4], "n": [30, 10, 20, 40], "m": [1, 1, 2, 3], "r": [5, 9, 2, 7]})
    assert key_like("n", "t", frame)  # grows with t although the rows are not in t order
    assert not key_like("m", "t", frame)  # repeats: not a key
    assert not key_like("r", "t", frame)  # goes up and down: worth a chart
    warming = pl.DataFrame({"t": [1, 2, 3, 4], "temp": [20.5, 21.0, 21.7, 22.4]})
    assert not key_like("temp", "t", warming)  # a measurement that rises steadily is no key
    ids = pl.DataFrame({"t": [1, 2, 3], "n": [7, 8, 9]}).with_columns(pl.col("n").cast(pl.Decimal(12, 0)))
    assert key_like("n", "t", ids)  # NUMBER(12) keys arrive as DECIMAL(12,0)


def test_comparable_ranges() -> None:
    assert comparable([(0, 100), (10, 90)])
    assert not comparable([(0, 10_000), (50, 75)])  # the temperature would be drawn flat
    assert comparable([(0, 100), (40, 40)])  # a constant inside the others
    assert not comparable([(0, 10), (10_000, 10_000)])  # a constant far away squeezes the other
    assert comparable([(5, 5)]) and comparable([])


def test_plan_axes_by_scale() -> None:
    ranges = {"value": (0.0, 10_000.0), "temperature": (50.0, 75.0)}
    auto = plan_axes(ranges, Scale.AUTO)
    assert auto.right == {"temperature"} and not auto.normalised and auto.note == "2 y axes"
    assert auto.side("value") == "left" and auto.side("temperature") == "right"
    assert plan_axes(ranges, Scale.SHARED) == AxisPlan(ranges=ranges)
    norm = plan_axes(ranges, Scale.NORMALISED)
    assert norm.normalised and "normalised" in norm.note
    assert norm.scaled("temperature", 62.5) == pytest.approx(0.5)
    assert norm.scaled("value", 10_000) == pytest.approx(1.0)
    assert plan_axes({"a": (0, 1), "b": (0, 1.2)}, Scale.AUTO) == AxisPlan(ranges={"a": (0, 1), "b": (0, 1.2)})
    # three scales: two axes cannot hold them, so auto normalises
    three = plan_axes({"a": (0, 10_000), "b": (50, 75), "c": (0, 0.01)}, Scale.AUTO)
    assert three.normalised
    # like ranges share a side
    four = plan_axes({"a": (0, 10_000), "b": (50, 75), "c": (0, 8_000), "d": (40, 80)}, Scale.AUTO)
    assert four.right == {"b", "d"} and not four.normalised


def test_primary_key_from_the_sync_state(tmp_path: Path) -> None:
    path = tmp_path / "t.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE lots AS SELECT 1 AS step")
    state.ensure_schema(con)
    state.put_table_state(con, state.TableState(
        "lots", "LOTS", None, None, None, 1, None, "full", None, primary_key="LOT_ID, STEP_SEQ"))
    con.close()
    assert primary_key(path, "lots") == ("LOT_ID", "STEP_SEQ")
    assert primary_key(path, "other") == ()
    plain = tmp_path / "plain.duckdb"
    duckdb.connect(str(plain)).close()
    assert primary_key(plain, "lots") == ()  # no state schema: no key known, no error


def _two_ranges() -> ChartData:
    x = pl.Series([float(i) for i in range(200)])
    value = pl.DataFrame({"x": x, "y": [(i * 7919) % 1000 * 10.0 for i in range(200)]})
    temp = pl.DataFrame({"x": x, "y": [50.0 + (i * 31) % 25 for i in range(200)]})
    return ChartData(ChartKind.LINE, "t", False, {"value": value, "temperature": temp}, title="events")


def test_render_two_axes_ticks_and_normalised_percent() -> None:
    data = _two_ranges()
    plot = Plot()
    render_chart(plot, data, Overlays(), 100, 24, no_color=True)
    picture = Text.from_ansi(plot.build()).plain
    assert "2 y axes" in picture and "├74" in picture and "├50" in picture and "9,870┤" in picture
    render_chart(plot, data, Overlays(scale=Scale.NORMALISED, upper=5000), 100, 24, no_color=True)
    picture = Text.from_ansi(plot.build()).plain
    assert "y normalised" in picture and "100%┤" in picture and "├" not in picture.replace("┤", "")
    legend = " ".join(t.plain for t in legend_entries(data, Overlays(scale=Scale.NORMALISED, upper=5000)))
    assert "value (0–9,870)" in legend and "temperature (50–74)" in legend
    assert "upper 5000 (value)" in legend  # a limit belongs to the first series' scale


def test_legend_lines_wrap_and_titles_keep_the_note() -> None:
    entries = legend_entries(_two_ranges(), Overlays(), no_color=True)
    assert [t.plain for t in entries] == ["⠒⠒⠒ value (left axis)", "⠒x⠒ temperature (right axis)"]
    assert len(legend_lines(entries, 80)) == 1 and len(legend_lines(entries, 30)) == 2
    assert fit_title("equipment_events · last 7 days", "y normalised", 30).endswith(" · y normalised")
    assert len(fit_title("equipment_events · last 7 days", "y normalised", 30)) <= 26
    assert fit_title("short", "", 80) == "short"


def test_bars_of_two_columns_stand_side_by_side() -> None:
    x = pl.Series([float(i) for i in range(20)])
    same = [5.0 + i % 3 for i in range(20)]  # equal heights: one series on top would hide the other
    data = ChartData(ChartKind.BAR, "t", False, {"a": pl.DataFrame({"x": x, "y": same}),
                                                 "b": pl.DataFrame({"x": x, "y": same})})
    plot = Plot()
    render_chart(plot, data, Overlays(), 100, 20, no_color=True)
    picture = Text.from_ansi(plot.build()).plain
    assert "█" in picture and "▓" in picture
