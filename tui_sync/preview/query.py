"""Read-side DuckDB queries of the Preview (DESIGN §9, issue 5 "Fast preview").

Filters, limits, statistics and the first stage of chart downsampling run in
DuckDB, so a 10,000,000-row target never comes into Python whole: the rows grid
asks for a few hundred rows, a chart for a few thousand bucket extremes.

Every read opens the file through preview.db (the target's connect, quoting and
busy message; the sync state through tui_sync.state) and closes it right after.
Nothing here imports Textual.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from tui_sync.i18n import _
from tui_sync.preview.db import (
    ColumnInfo,
    PreviewError,
    TargetTable,
    connect,
    list_tables,
    pick_cursor,
    resolve_cursor,
    state_cursor,
    table_columns,
)
from tui_sync.preview.db import columns_of as _columns
from tui_sync.preview.db import frame as _frame
from tui_sync.preview.db import one as _one
from tui_sync.preview.detect import ColumnDetection, Kind, duckdb_expression
from tui_sync.preview.lttb import downsample
from tui_sync.preview.window import Bounds, Preset, column, cursor_expr, no_cursor, window_where
from tui_sync.preview.window import base as window_base
from tui_sync.target import qi as quote
from tui_sync.target import tref

# Up to this many points a series is fetched whole and downsampled in Python.
DIRECT_SERIES_MAX = 50_000


__all__ = [  # the catalog half lives in preview.db; callers import both halves from here
    "DIRECT_SERIES_MAX", "ColumnInfo", "Histogram", "Preset", "PreviewError", "PreviewRows", "SeriesData",
    "Stats", "TargetTable", "column_stats", "fetch_histogram", "fetch_preview", "fetch_rows", "fetch_series",
    "list_tables", "pick_cursor", "resolve_cursor", "table_columns",
]


@dataclass(frozen=True)
class Stats:
    count: int
    mean: float | None
    median: float | None
    stddev: float | None
    min: float | None
    max: float | None


@dataclass(frozen=True)
class SeriesData:
    """Chart data: per y column a frame with Float64 columns "x" and "y", sorted by x.

    Time x values are epoch seconds (UTC for TIMESTAMPTZ).
    """

    x: str
    x_is_time: bool
    series: dict[str, pl.DataFrame]
    rows: int  # rows in the range with a non-null x
    reduced_in_db: bool  # bucket extremes came from DuckDB instead of every row


@dataclass(frozen=True)
class Histogram:
    edges: list[float]  # bins + 1 edges, shared by every column
    counts: dict[str, list[int]] = field(default_factory=dict)


# --- value expressions ---------------------------------------------------------

def _value_expr(col: ColumnInfo, casts: Mapping[str, ColumnDetection] | None) -> tuple[str, bool]:
    """SQL giving a chartable value of `col` and whether it is a time; detected text is converted."""
    det = (casts or {}).get(col.name)
    if det is not None and det.converted:
        expr = duckdb_expression(quote(col.name), det)
        is_time = det.kind in (Kind.DATE, Kind.DATETIME)
    else:
        expr = quote(col.name)
        is_time = col.is_temporal
        if not (is_time or col.is_numeric):
            raise PreviewError(_("column {name} is {type}: a chart needs numbers or times").format(
                name=col.name, type=col.type))
    if is_time:
        # TIMESTAMPTZ's epoch is UTC already; DATE/TIMESTAMP are taken as UTC wall times
        inner = expr if col.type.startswith("TIMESTAMP WITH") else f"CAST({expr} AS TIMESTAMP)"
        return f"epoch({inner})", True
    return f"CAST({expr} AS DOUBLE)", False


def _values_sql(
    infos: Sequence[ColumnInfo], columns: Sequence[str], casts: Mapping[str, ColumnDetection] | None
) -> str:
    return ", ".join(f"{_value_expr(column(infos, n), casts)[0]} AS v{i}" for i, n in enumerate(columns))


# --- rows ---------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewRows:
    """What the grid shows, read on one connection."""

    table: str
    columns: list[ColumnInfo]
    cursor: str | None  # the cursor column used (requested, from the sync state, or the first time column)
    rows: int  # rows in the table
    frame: pl.DataFrame
    preset: Preset  # the preset used: FIRST when a range was asked of a table without a time column


def fetch_preview(
    db: Path, table: str, limit: int = 500, preset: Preset = Preset.FIRST, cursor_column: str | None = None
) -> PreviewRows:
    """Columns, cursor, row count and the grid's rows in one open of the file.

    A date range asked of a table with no time column shows its first rows
    instead (`PreviewRows.preset` says so): switching tables is not an error.
    """
    preset = Preset(preset)
    with connect(db) as con:
        columns = _columns(con, table)
        cursor = pick_cursor(columns, cursor_column, state_cursor(con, table))
        if cursor is None and preset.span is not None:
            preset = Preset.FIRST
        count = _one(con, f"SELECT count(*) FROM {tref(table)}")
        frame = _rows(con, table, columns, limit, preset, cursor)
    return PreviewRows(table, columns, cursor, int(count[0]) if count else 0, frame, preset)


def fetch_rows(
    db: Path,
    table: str,
    limit: int = 500,
    preset: Preset = Preset.FIRST,
    cursor_column: str | None = None,
) -> pl.DataFrame:
    """Rows for the grid: the first `limit` rows, or the newest `limit` of a range on the cursor.

    DuckDB does the filtering and the top-N; only `limit` rows cross into Python.
    """
    with connect(db) as con:
        return _rows(con, table, _columns(con, table), limit, Preset(preset), cursor_column)


def _rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[ColumnInfo],
    limit: int,
    preset: Preset,
    cursor_column: str | None,
    bounds: Bounds | None = None,
) -> pl.DataFrame:
    t = tref(table)
    if preset is Preset.FIRST or (preset is Preset.ALL and cursor_column is None):
        return _frame(con, f"SELECT * FROM {t} LIMIT ?", [int(limit)])
    if cursor_column is None:
        raise no_cursor(preset, table)
    expr = cursor_expr(column(columns, cursor_column))
    where, params = window_where(con, table, columns, preset, cursor_column, bounds)
    return _frame(con, f"SELECT * FROM {t}{where} ORDER BY {expr} DESC NULLS LAST LIMIT ?", [*params, int(limit)])


# --- charts and statistics ----------------------------------------------------------


def fetch_series(
    db: Path,
    table: str,
    x: str,
    ys: Sequence[str],
    preset: Preset = Preset.FIRST,
    cursor: str | None = None,
    max_points: int = 200,
    *,
    limit: int = 500,
    casts: Mapping[str, ColumnDetection] | None = None,
    bounds: Bounds | None = None,
) -> SeriesData:
    """Up to `max_points` points per y column, LTTB-downsampled, global max and min kept.

    Small ranges are fetched whole. Large ones are cut in DuckDB into about
    4 x max_points equal-width x buckets; per bucket and y only the first, last,
    lowest and highest points come back, then LTTB picks the final points. The
    bucket extremes hold every peak, so the chart keeps the global max and min.
    """
    if not ys:
        raise PreviewError(_("choose at least one y column"))
    if len(ys) > 4:
        raise PreviewError(_("at most 4 y columns"))
    preset = Preset(preset)
    max_points = max(3, int(max_points))
    with connect(db) as con:
        columns = _columns(con, table)
        base, params = window_base(con, table, columns, preset, cursor, limit, bounds)
        x_expr, x_is_time = _value_expr(column(columns, x), casts)
        y_exprs = [_value_expr(column(columns, y), casts)[0] for y in ys]
        picked = ", ".join([f"{x_expr} AS x"] + [f"{e} AS y{i}" for i, e in enumerate(y_exprs)])
        points = f"(SELECT {picked} FROM {base}) AS p WHERE x IS NOT NULL AND isfinite(x)"
        row = _one(con, f"SELECT count(*), min(x), max(x) FROM {points}", params)
        rows, lo, hi = (int(row[0]), row[1], row[2]) if row else (0, None, None)
        if rows <= DIRECT_SERIES_MAX:
            whole = _frame(con, f"SELECT * FROM {points} ORDER BY x", params)
            raw = {y: whole.select("x", pl.col(f"y{i}").alias("y")) for i, y in enumerate(ys)}
            reduced = False
        else:
            raw = _bucket_extremes(con, points, params, float(lo), float(hi), 4 * max_points, ys)
            reduced = True
    series = {}
    for y, frame in raw.items():
        frame = frame.with_columns(pl.col("x").cast(pl.Float64), pl.col("y").cast(pl.Float64))
        series[y] = downsample(frame.get_column("x"), frame.get_column("y"), max_points, keep_extremes=True)
    return SeriesData(x, x_is_time, series, rows, reduced)


def _bucket_extremes(
    con: duckdb.DuckDBPyConnection,
    points: str,
    params: list[Any],
    lo: float,
    hi: float,
    buckets: int,
    ys: Sequence[str],
) -> dict[str, pl.DataFrame]:
    # Aggregates ignore NULL ordering values, so NaN and ±inf become NULL first; that is
    # ~3x faster than FILTER clauses. First/last share the bucket's min/max x (a NULL y
    # there just drops that one point).
    aggs = ["min(x) AS fx", "max(x) AS lx"]
    for i in range(len(ys)):
        aggs += [
            f"arg_min(y{i}, x) AS fy{i}", f"arg_max(y{i}, x) AS ly{i}",
            f"arg_min(x, y{i}) AS nx{i}", f"min(y{i}) AS ny{i}",
            f"arg_max(x, y{i}) AS mx{i}", f"max(y{i}) AS my{i}",
        ]
    finite = ", ".join(f"CASE WHEN isfinite(y{i}) THEN y{i} END AS y{i}" for i in range(len(ys)))
    # lo and the bucket width are bound, not joined in: DuckDB then streams one pass.
    bucket = f"least(CAST(floor((x - CAST(? AS DOUBLE)) / CAST(? AS DOUBLE)) AS BIGINT), {buckets - 1})"
    sql = (
        f"SELECT {bucket} AS bucket, {', '.join(aggs)} FROM (SELECT x, {finite} FROM {points}) "
        f"GROUP BY bucket ORDER BY bucket"
    )
    width = (hi - lo) / buckets if hi > lo else 1.0
    agg = _frame(con, sql, [lo, width, *params])
    out: dict[str, pl.DataFrame] = {}
    for i, y in enumerate(ys):
        parts = [
            agg.select(pl.col(f"{a}x" if a in "fl" else f"{a}x{i}").alias("x"), pl.col(f"{a}y{i}").alias("y"))
            for a in ("f", "l", "n", "m")  # first, last, miNimum, Maximum
        ]
        out[y] = (
            pl.concat(parts, how="vertical_relaxed")
            .drop_nulls()
            .unique(maintain_order=True)
            .sort("x", maintain_order=True)
        )
    return out


def column_stats(
    db: Path,
    table: str,
    columns: Sequence[str],
    preset: Preset = Preset.FIRST,
    cursor: str | None = None,
    *,
    limit: int = 500,
    casts: Mapping[str, ColumnDetection] | None = None,
    bounds: Bounds | None = None,
) -> dict[str, Stats]:
    """Mean, median, sample standard deviation, min and max per column, computed in DuckDB."""
    preset = Preset(preset)
    if not columns:
        return {}
    with connect(db) as con:
        infos = _columns(con, table)
        base, params = window_base(con, table, infos, preset, cursor, limit, bounds)
        parts: list[str] = []
        for i, name in enumerate(columns):
            expr, _is_time = _value_expr(column(infos, name), casts)
            v = f"v{i}"
            ok = f"FILTER (WHERE {v} IS NOT NULL AND isfinite({v}))"
            parts.append(
                f"count({v}) {ok}, avg({v}) {ok}, median({v}) {ok}, stddev_samp({v}) {ok}, "
                f"min({v}) {ok}, max({v}) {ok}"
            )
        values = _values_sql(infos, columns, casts)
        row = _one(con, f"SELECT {', '.join(parts)} FROM (SELECT {values} FROM {base})", params)
    assert row is not None
    out: dict[str, Stats] = {}
    for i, name in enumerate(columns):
        count, mean, median, std, lo, hi = row[i * 6 : i * 6 + 6]
        out[name] = Stats(int(count or 0), _f(mean), _f(median), _f(std), _f(lo), _f(hi))
    return out


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


def fetch_histogram(
    db: Path,
    table: str,
    columns: Sequence[str],
    preset: Preset = Preset.FIRST,
    cursor: str | None = None,
    bins: int = 30,
    *,
    limit: int = 500,
    casts: Mapping[str, ColumnDetection] | None = None,
    bounds: Bounds | None = None,
) -> Histogram:
    """Counts per equal-width bin (shared edges over all columns), binned in DuckDB."""
    preset = Preset(preset)
    bins = max(1, int(bins))
    if not columns:
        return Histogram([], {})
    with connect(db) as con:
        infos = _columns(con, table)
        base, params = window_base(con, table, infos, preset, cursor, limit, bounds)
        values = _values_sql(infos, columns, casts)
        long = " UNION ALL ".join(f"SELECT {i} AS c, v{i} AS v FROM w" for i in range(len(columns)))
        sql = (
            f"WITH w AS (SELECT {values} FROM {base}), "
            f"l AS (SELECT * FROM ({long}) WHERE v IS NOT NULL AND isfinite(v)), "
            f"r AS (SELECT min(v) AS lo, max(v) AS hi FROM l) "
            f"SELECT c, least(CAST(floor((v - lo) / nullif(hi - lo, 0) * {bins}) AS BIGINT), {bins - 1}) "
            f"AS k, "
            f"count(*) AS n, any_value(lo) AS lo, any_value(hi) AS hi FROM l, r GROUP BY c, k"
        )
        agg = con.execute(sql, params).fetchall()
    if not agg:
        return Histogram([], {name: [0] * bins for name in columns})
    lo, hi = float(agg[0][3]), float(agg[0][4])
    width = (hi - lo) / bins if hi > lo else 1.0
    edges = [lo + width * i for i in range(bins + 1)]
    counts = {name: [0] * bins for name in columns}
    for c, k, n, _lo, _hi in agg:
        counts[columns[c]][0 if k is None else int(k)] += int(n)
    return Histogram(edges, counts)
