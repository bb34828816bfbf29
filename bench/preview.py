"""Preview figures: detect_1m_s (Polars type detection) and chart_1m_s (LTTB + plotext)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import polars as pl


def detect_frame_data(rows: int) -> pl.DataFrame:
    """`rows` rows with 5 text columns as Oracle keeps them in VARCHAR2: ISO times,
    'YYYYMMDDHH24MISS' times, decimals, integers, and equipment codes that stay text."""
    start = datetime(2026, 1, 1)
    idx = pl.int_range(0, rows, eager=True, dtype=pl.Int64)
    frame = pl.DataFrame({"i": idx}).with_columns(
        t=pl.lit(start, dtype=pl.Datetime("us")) + pl.duration(seconds=pl.col("i")),
        h=(pl.col("i") * 2654435761) % 2147483647,
    )
    return frame.select(
        pl.col("t").dt.strftime("%Y-%m-%d %H:%M:%S").alias("event_ts_iso"),
        pl.col("t").dt.strftime("%Y%m%d%H%M%S").alias("event_ts_compact"),
        ((pl.col("h") % 10_000_000) / 1000).round(3).cast(pl.String).alias("value_text"),
        (pl.col("h") % 100_000).cast(pl.String).alias("qty_text"),
        pl.format("EQ-{}", (pl.col("i") % 40).cast(pl.String).str.zfill(3)).alias("equipment_id"),
    )


def detect_bench(rows: int, reps: int, log: Callable[[str], None] = print) -> dict[str, Any]:
    from tui_sync.preview.detect import detect_frame

    frame = detect_frame_data(rows)
    detect_frame(frame.head(1000))  # warm-up: imports, regex compilation
    times, detection = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        detection = detect_frame(frame)
        times.append(time.perf_counter() - t0)
    assert detection is not None
    verdicts = {c.name: (c.kind.value if c.converted else "text") for c in detection.columns}
    log(f"  detect: {', '.join(f'{t:.3f}s' for t in times)}; {verdicts}")
    return {"rows": rows, "text_columns": frame.width, "reps": reps, "detect_1m_s": statistics.median(times),
            "times_s": times, "verdicts": verdicts}


def chart_series(points: int) -> pl.DataFrame:
    """A 1-second time series as the Preview hands it to the chart: Float64 x (epoch s), y."""
    i = pl.int_range(0, points, eager=True, dtype=pl.Int64)
    x0 = datetime(2026, 1, 1).timestamp()
    return pl.DataFrame({"i": i}).select(
        x=(pl.col("i").cast(pl.Float64) + x0),
        y=(pl.col("i").cast(pl.Float64) / 5000).sin() * 10 + 65 + ((pl.col("i") * 2654435761) % 1000) / 500,
    )


def chart_bench(points: int, width: int, height: int, reps: int,
                log: Callable[[str], None] = print) -> dict[str, Any]:
    """`render_chart` of the Preview's ChartView (LTTB to the plot width, plotext drawing
    on a per-call `Plot` object) plus `build()`, the string the widget renders."""
    from textual_plotext.plot import Plot

    from tui_sync.preview.query import Stats
    from tui_sync.tui.widgets.chart import ChartData, ChartKind, Overlays, render_chart

    frame = chart_series(points)
    y = frame.get_column("y")
    values = [float(v) for v in (y.mean(), y.median(), y.std(), y.min(), y.max())]  # type: ignore[arg-type]
    stats = {"temperature": Stats(points, *values)}
    chart = ChartData(kind=ChartKind.LINE, x="event_time", x_is_time=True, series={"temperature": frame},
                      stats=stats, title="temperature")
    overlays = Overlays(mean=True, sigma=True, upper=80.0)
    times, drawn, text = [], 0, ""
    for _ in range(reps):
        t0 = time.perf_counter()
        plt = Plot()
        drawn = render_chart(plt, chart, overlays, width, height, no_color=False)
        text = plt.build()
        times.append(time.perf_counter() - t0)
    log(f"  chart: {', '.join(f'{t:.3f}s' for t in times)}; {drawn} points drawn, {len(text)} chars")
    return {"points": points, "width": width, "height": height, "reps": reps,
            "chart_1m_s": statistics.median(times), "drawn_points": drawn, "times_s": times}
