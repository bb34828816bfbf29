"""Largest-Triangle-Three-Buckets downsampling (Steinarsson, 2013).

LTTB keeps the first and last points and, in each of `n_out - 2` equal-count
buckets, the point that makes the largest triangle with the point kept in the
previous bucket and the average of the next bucket: peaks, dips and the shape of
the line survive, unlike every-k-th sampling.

numpy is not a dependency of this project (polars and pyarrow do not pull it
in), so the per-bucket work is done with Polars Series (zero-copy slices, one
vectorised area and arg-max per bucket) for large inputs, and with plain Python
for small ones where Polars' per-call overhead would dominate. The bucket loop
itself is inherently sequential (each pick depends on the previous one) but only
runs `n_out` times.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

# Below this many points the plain-Python loop beats ~n_out Polars calls.
_PYTHON_MAX_POINTS = 20_000


def _bounds(n: int, n_out: int) -> list[int]:
    """Start offsets of the n_out - 2 inner buckets, plus the end of the last one."""
    every = (n - 2) / (n_out - 2)
    return [int(math.floor(i * every)) + 1 for i in range(n_out - 2)] + [n - 1]


def _next_range(bounds: list[int], i: int, n: int) -> tuple[int, int]:
    """The bucket after inner bucket i; after the last one it is the final point."""
    start = bounds[i + 1]
    end = bounds[i + 2] if i + 2 < len(bounds) else n
    return start, end


def _lttb_python(xs: Sequence[float], ys: Sequence[float], n_out: int) -> list[int]:
    n = len(xs)
    bounds = _bounds(n, n_out)
    picked = [0]
    ax, ay = xs[0], ys[0]
    for i in range(n_out - 2):
        start, end = bounds[i], bounds[i + 1]
        next_start, next_end = _next_range(bounds, i, n)
        count = next_end - next_start
        ux = sum(xs[next_start:next_end]) / count - ax
        uy = sum(ys[next_start:next_end]) / count - ay
        best, best_area = start, -1.0
        for j in range(start, end):
            # |(c - a) x (b - a)|, written around the anchor for float precision
            area = abs(ux * (ys[j] - ay) - (xs[j] - ax) * uy)
            if area > best_area:
                best, best_area = j, area
        picked.append(best)
        ax, ay = xs[best], ys[best]
    picked.append(n - 1)
    return picked


def _lttb_polars(x: pl.Series, y: pl.Series, n_out: int) -> list[int]:
    n = x.len()
    bounds = _bounds(n, n_out)
    picked = [0]
    ax, ay = float(x[0]), float(y[0])
    for i in range(n_out - 2):
        start, end = bounds[i], bounds[i + 1]
        next_start, next_end = _next_range(bounds, i, n)
        ux = float(x.slice(next_start, next_end - next_start).mean()) - ax  # type: ignore[arg-type]
        uy = float(y.slice(next_start, next_end - next_start).mean()) - ay  # type: ignore[arg-type]
        area = (ux * (y.slice(start, end - start) - ay) - uy * (x.slice(start, end - start) - ax)).abs()
        # arg_max keeps the first of equal areas, as the Python loop does
        j = start + int(area.arg_max() or 0)
        picked.append(j)
        ax, ay = float(x[j]), float(y[j])
    picked.append(n - 1)
    return picked


def lttb_indices(
    x: pl.Series | Sequence[float],
    y: pl.Series | Sequence[float],
    n_out: int,
    *,
    keep_extremes: bool = False,
) -> list[int]:
    """Indices (ascending) of the points LTTB keeps out of `x`, `y`.

    `x` must be sorted, numeric and free of nulls/NaN (see `downsample` for raw
    data). `n_out >= len(x)` keeps everything; `n_out < 3` keeps the endpoints.
    `keep_extremes` (with n_out >= 5) runs LTTB with two points fewer and adds
    the global max and min of `y`, so a chart never loses its highest or lowest
    value; the result never grows beyond `n_out`.
    """
    xs = x if isinstance(x, pl.Series) else pl.Series("x", x, dtype=pl.Float64)
    ys = y if isinstance(y, pl.Series) else pl.Series("y", y, dtype=pl.Float64)
    n = xs.len()
    if ys.len() != n:
        raise ValueError(f"x has {n} points but y has {ys.len()}")
    if n_out >= n:
        return list(range(n))
    if n_out <= 0 or n == 0:
        return []
    if n_out < 3:
        return [0] if n_out == 1 else [0, n - 1]
    xs = xs.cast(pl.Float64)
    ys = ys.cast(pl.Float64)

    extremes: set[int] = set()
    if keep_extremes and n_out >= 5:
        # Two slots are kept back for the global max and min of y, so the chart never
        # loses its highest or lowest value and the result never exceeds n_out.
        extremes = {int(ys.arg_max() or 0), int(ys.arg_min() or 0)}
        n_out -= 2

    if n <= _PYTHON_MAX_POINTS:
        picked = _lttb_python(xs.to_list(), ys.to_list(), n_out)
    else:
        picked = _lttb_polars(xs, ys, n_out)
    if extremes:
        picked = sorted(set(picked) | extremes)
    return picked


def _as_float(series: pl.Series) -> pl.Series:
    """Numbers as Float64; dates and times as epoch microseconds."""
    if series.dtype == pl.Date:
        series = series.cast(pl.Datetime("us"))
    if isinstance(series.dtype, pl.Datetime):
        return series.dt.cast_time_unit("us").dt.replace_time_zone(None).to_physical().cast(pl.Float64)
    if isinstance(series.dtype, pl.Duration):
        return series.to_physical().cast(pl.Float64)
    return series.cast(pl.Float64)


def downsample(x: pl.Series, y: pl.Series, n_out: int, *, keep_extremes: bool = True) -> pl.DataFrame:
    """Rows kept by LTTB as columns "x" and "y" (original dtypes), in x order.

    Points with a null or NaN in x or y are dropped first (a line cannot draw
    them); unsorted x is sorted; datetime x is measured in epoch microseconds.
    """
    frame = pl.DataFrame({"x": x, "y": y})
    xf = _as_float(frame.get_column("x"))
    yf = _as_float(frame.get_column("y"))
    frame = frame.with_columns(_xf=xf, _yf=yf).filter(
        pl.col("_xf").is_not_null() & pl.col("_yf").is_not_null()
        & pl.col("_xf").is_finite() & pl.col("_yf").is_finite()
    )
    if not frame.get_column("_xf").is_sorted():
        frame = frame.sort("_xf", maintain_order=True)
    idx = lttb_indices(frame.get_column("_xf"), frame.get_column("_yf"), n_out, keep_extremes=keep_extremes)
    kept = frame[idx] if idx else frame.clear()
    return kept.select("x", "y")
