"""LTTB downsampling: endpoints, spikes, monotone x, sizes, and agreement with the textbook loop."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_sync.preview.lttb import _PYTHON_MAX_POINTS, downsample, lttb_indices


def reference_lttb(xs: list[float], ys: list[float], n_out: int) -> list[int]:
    """Steinarsson's reference algorithm, written out plainly (independent of the module)."""
    n = len(xs)
    if n_out >= n or n_out < 3:
        return list(range(n)) if n_out >= n else [0, n - 1][:n_out]
    every = (n - 2) / (n_out - 2)
    a = 0
    out = [0]
    for i in range(n_out - 2):
        avg_start = int(math.floor((i + 1) * every)) + 1
        avg_end = min(int(math.floor((i + 2) * every)) + 1, n)
        avg_x = sum(xs[avg_start:avg_end]) / (avg_end - avg_start)
        avg_y = sum(ys[avg_start:avg_end]) / (avg_end - avg_start)
        start = int(math.floor(i * every)) + 1
        end = int(math.floor((i + 1) * every)) + 1
        best, best_area = start, -1.0
        for j in range(start, end):
            area = abs((xs[a] - avg_x) * (ys[j] - ys[a]) - (xs[a] - xs[j]) * (avg_y - ys[a])) / 2
            if area > best_area:
                best, best_area = j, area
        out.append(best)
        a = best
    out.append(n - 1)
    return out


def test_keeps_endpoints_and_size_and_order() -> None:
    n = 1000
    xs = [float(i) for i in range(n)]
    ys = [math.sin(i / 20) for i in range(n)]
    idx = lttb_indices(xs, ys, 50)
    assert len(idx) == 50
    assert idx[0] == 0 and idx[-1] == n - 1
    assert all(a < b for a, b in zip(idx, idx[1:], strict=False))  # monotone x


def test_picks_the_spike_and_the_dip() -> None:
    n = 5000
    ys = [0.0] * n
    ys[1234] = 100.0
    ys[3456] = -50.0
    idx = lttb_indices([float(i) for i in range(n)], ys, 40)
    assert 1234 in idx and 3456 in idx


@pytest.mark.parametrize(("n_out", "expected"), [(0, []), (1, [0]), (2, [0, 9]), (10, list(range(10))),
                                                  (50, list(range(10)))])
def test_small_sizes(n_out: int, expected: list[int]) -> None:
    xs = [float(i) for i in range(10)]
    assert lttb_indices(xs, xs, n_out) == expected


def test_empty_input_and_length_mismatch() -> None:
    assert lttb_indices([], [], 5) == []
    with pytest.raises(ValueError):
        lttb_indices([1.0, 2.0], [1.0], 5)


@settings(max_examples=40, deadline=None)
@given(
    ys=st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=3, max_size=300),
    n_out=st.integers(min_value=3, max_value=60),
)
def test_matches_the_reference(ys: list[float], n_out: int) -> None:
    xs = [float(i) * 1.5 for i in range(len(ys))]
    assert lttb_indices(xs, ys, n_out) == reference_lttb(xs, ys, n_out)


def test_large_input_polars_path_matches_the_reference() -> None:
    n = _PYTHON_MAX_POINTS + 5000  # above the plain-Python cut-over
    xs = [float(i) for i in range(n)]
    ys = [math.sin(i / 300) * 10 + ((i * 7919) % 101) / 50 for i in range(n)]
    got = lttb_indices(pl.Series(xs), pl.Series(ys), 123)
    assert got == reference_lttb(xs, ys, 123)


def test_keep_extremes_adds_global_max_and_min_within_the_size() -> None:
    n = 3000
    # The max and min sit next to each other (same bucket): both must survive.
    ys = [math.sin(i / 50) for i in range(n)]
    ys[1500], ys[1501] = 9.0, -9.0
    idx = lttb_indices([float(i) for i in range(n)], ys, 30, keep_extremes=True)
    assert 1500 in idx and 1501 in idx
    assert len(idx) <= 30
    assert idx == sorted(set(idx))


def test_downsample_drops_nan_and_null_and_sorts_x() -> None:
    x = pl.Series("t", [5.0, 1.0, 3.0, None, 2.0, 4.0, 0.0])
    y = pl.Series("v", [50.0, 10.0, float("nan"), 99.0, 20.0, None, 0.0])
    out = downsample(x, y, 100)
    assert out.columns == ["x", "y"]
    assert out["x"].to_list() == [0.0, 1.0, 2.0, 5.0]
    assert out["y"].to_list() == [0.0, 10.0, 20.0, 50.0]


def test_downsample_datetime_x_keeps_dtype_and_extremes() -> None:
    start = datetime(2024, 1, 1)
    n = 10_000
    x = pl.datetime_range(start, start + timedelta(minutes=n - 1), "1m", eager=True)
    y = pl.Series([float(i % 100) for i in range(n)])
    y[7777] = 1e6
    out = downsample(x, y, 80)
    assert out.height <= 80
    assert out.schema["x"] == pl.Datetime("us")
    assert out["x"].is_sorted()
    assert out["x"][0] == start and out["x"][-1] == start + timedelta(minutes=n - 1)
    assert out["y"].max() == 1e6 and out["y"].min() == 0.0
