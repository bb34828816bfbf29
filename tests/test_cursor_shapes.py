"""Issue 9 item 7: SQLite cursor text compares by value, whatever its shape (DESIGN §5).

Real SQLite files -> real DuckDB files and DuckLakes. Each source holds one text shape that loses rows
when window bounds are compared as text formatted like some other row:
Python's str(datetime) (no fraction at whole seconds), ISO text with a 'T', date-only
DATE values, several shapes in one column, and nine fraction digits.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import duck_rows, make_sqlite, target_of, write_config
from tui_sync import target
from tui_sync.engine import Engine, apply_lookback
from tui_sync.errors import ConfigError, SourceError
from tui_sync.events import Mode
from tui_sync.sources.base import ReadSpec, Window
from tui_sync.sources.sqlite import SqliteSource, canonical_timestamp, window_bound
from tui_sync.typeplan import PlanOptions, build_plan

# The tests that sync concern the target: each runs on a DuckDB file and on a DuckLake (the
# source-only ones are left alone).
on_both_targets = pytest.mark.usefixtures("target_kind")


def _source(tmp_path: Path, ts_type: str, rows: list[tuple[int, str]], key: bool) -> Path:
    pk = "PRIMARY KEY" if key else ""
    return make_sqlite(tmp_path / "src.sqlite",
                       f"CREATE TABLE T (ID NUMBER(9) {pk}, TS {ts_type}, V VARCHAR2(20));",
                       [("INSERT INTO T VALUES (?, ?, ?)", [(i, ts, f"v{i}") for i, ts in rows])])


def _add(src: Path, rows: list[tuple[int, str]], sql: str = "INSERT INTO T VALUES (?, ?, ?)") -> None:
    con = sqlite3.connect(src)
    con.executemany(sql, [(i, ts, f"v{i}") for i, ts in rows])
    con.commit()
    con.close()


def _source_rows(src: Path) -> list[tuple]:
    """The source by content, each timestamp parsed as the read parses it."""
    con = sqlite3.connect(src)
    rows = con.execute("SELECT ID, TS, V FROM T ORDER BY ID").fetchall()
    con.close()
    out = []
    for i, ts, v in rows:
        dt = datetime.fromisoformat(ts)
        if dt.tzinfo is not None:
            dt = dt.astimezone(UTC).replace(tzinfo=None)
        out.append((i, dt, v))
    return out


def _sync_twice(tmp_path: Path, src: Path, added: list[tuple[int, str]], *, key: bool,
                lookback: str = "") -> list[tuple]:
    tables = "[table T]\ncursor = TS\n" + (f"lookback = {lookback}\n" if lookback else "")
    cfg = write_config(tmp_path, src, tables)
    assert Engine(cfg).run(["T"], Mode.FULL).ok
    _add(src, added)
    result = Engine(cfg).run(["T"], Mode.INCREMENTAL)
    assert result.ok, result
    return duck_rows(target_of(cfg), "t", "id")


@on_both_targets
@pytest.mark.parametrize("key", [True, False])
def test_python_str_datetime_shape_keeps_rows_tying_the_watermark(tmp_path: Path, key: bool) -> None:
    # str(datetime) writes no fraction at whole seconds; the first row has one, so today the
    # bound is '...:01.000000' and '...:01' sorts below it as text.
    src = _source(tmp_path, "TIMESTAMP(6)", [(1, "2024-01-01 00:00:00.500000"),
                                             (2, "2024-01-01 00:00:01")], key)
    got = _sync_twice(tmp_path, src, [(3, "2024-01-01 00:00:01"), (4, "2024-01-01 00:00:02")], key=key)
    assert [tuple(r) for r in got] == _source_rows(src)


@on_both_targets
@pytest.mark.parametrize("key", [True, False])
def test_iso_t_shape_keeps_rows_on_the_max_day(tmp_path: Path, key: bool) -> None:
    # 'T' sorts above ' ': a bound written with a space excludes every 'T' row of its day
    src = _source(tmp_path, "TIMESTAMP(6)", [(1, "2024-01-01T00:00:00"), (2, "2024-01-01T00:00:01")], key)
    got = _sync_twice(tmp_path, src, [(3, "2024-01-01T00:00:01"), (4, "2024-01-01T00:00:02.250000")],
                      key=key)
    assert [tuple(r) for r in got] == _source_rows(src)


@on_both_targets
@pytest.mark.parametrize("key", [True, False])
def test_date_only_values_keep_rows_on_the_watermark_day(tmp_path: Path, key: bool) -> None:
    # '2024-01-02' sorts below the bound '2024-01-02 00:00:00'
    src = _source(tmp_path, "DATE", [(1, "2024-01-01"), (2, "2024-01-02")], key)
    got = _sync_twice(tmp_path, src, [(3, "2024-01-02"), (4, "2024-01-03")], key=key)
    assert [tuple(r) for r in got] == _source_rows(src)


@on_both_targets
@pytest.mark.parametrize("key", [True, False])
def test_mixed_shapes_in_one_column_with_lookback(tmp_path: Path, key: bool) -> None:
    # MAX() as text picks 'T...05' over ' ...09'; every shape sits at or near the watermark
    src = _source(tmp_path, "TIMESTAMP(6)", [
        (1, "2024-01-01 00:00:00.250000"), (2, "2024-01-01T00:00:05"), (3, "2024-01-01 00:00:03"),
        (4, "2024-01-01"), (5, "2024-01-01 00:00:09")], key)
    added = [(6, "2024-01-01T00:00:09"), (7, "2024-01-01 00:00:09.000"), (8, "2024-01-01 00:00:08"),
             (9, "2024-01-01T00:00:12.5"), (10, "2024-01-01 00:00:11")]
    got = _sync_twice(tmp_path, src, added, key=key, lookback="2 seconds")
    assert [tuple(r) for r in got] == _source_rows(src)


@on_both_targets
@pytest.mark.parametrize("ts_type", ["TIMESTAMP(6)", "\"TIMESTAMP(6) WITH TIME ZONE\""])
def test_offsets_compare_in_utc(tmp_path: Path, ts_type: str) -> None:
    # 10:00+02:00 is 08:00 UTC, before 09:00+00:00 although its text sorts after it
    src = _source(tmp_path, ts_type, [(1, "2024-01-01 09:00:00+00:00"),
                                      (2, "2024-01-01 10:00:00+02:00")], True)
    got = _sync_twice(tmp_path, src, [(3, "2024-01-01 09:00:00"), (4, "2024-01-01 11:30:00+02:00")],
                      key=True)
    utc = [(i, ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo else ts, v) for i, ts, v in got]
    assert utc == _source_rows(src)


@on_both_targets
def test_nine_fraction_digits_are_not_held_back(tmp_path: Path) -> None:
    # MAX as a Python datetime keeps microseconds only: the bound must still take in the
    # newest row '...02.123456789' instead of holding it back until a newer row arrives.
    src = _source(tmp_path, "TIMESTAMP(9)", [(1, "2024-01-01 00:00:01.123456789")], True)
    got = _sync_twice(tmp_path, src, [(2, "2024-01-01 00:00:02.123456789")], key=True)
    assert [r[0] for r in got] == [1, 2]


def test_canonical_timestamp_shapes() -> None:
    c = canonical_timestamp
    assert c("2024-01-01") == c("2024-01-01 00:00:00") == c("2024-01-01T00:00:00.000") \
        == c(" 2024-01-01 00:00:00.000000000 ") == "2024-01-01 00:00:00.000000"
    assert c("2024-01-01 00:00:01.5") == "2024-01-01 00:00:01.500000"
    assert c("2024-01-01T00:00:01.123456789") == "2024-01-01 00:00:01.123456789"
    assert c("2024-01-01 10:00:00+02:00") == "2024-01-01 08:00:00.000000"
    assert c(None) is None
    shapes = ["2024-01-01", "2024-01-01T00:00:00.5", "2024-01-01 00:00:00.75", "2024-01-01 00:00:01",
              "2024-01-01T00:00:01.000001", "2023-12-31 23:59:59.999999999"]
    assert sorted(shapes, key=c) == sorted(shapes, key=datetime.fromisoformat)
    with pytest.raises(ValueError):
        c("yesterday")
    # bounds: an upper bound known to the microsecond covers that whole microsecond
    t = datetime(2024, 1, 1, 0, 0, 1, 123456)
    assert window_bound(t) == "2024-01-01 00:00:01.123456"
    assert window_bound(t, upper=True) == "2024-01-01 00:00:01.123456999"
    assert window_bound("2024-01-01T00:00:01.123456789") == "2024-01-01 00:00:01.123456789"
    assert window_bound("<max cursor>") == "<max cursor>"
    with pytest.raises(SourceError, match="'tomorrow'"):
        window_bound("tomorrow")


def test_unreadable_cursor_text_fails_naming_the_column(tmp_path: Path) -> None:
    src = _source(tmp_path, "TIMESTAMP(6)", [(1, "2024-01-01 00:00:01"), (2, "soon")], True)
    source = SqliteSource(src)
    with source:
        desc = source.describe("T")
        with pytest.raises(SourceError, match=r"TS.*'soon'"):
            source.max_cursor(desc, "TS")
        plan = build_plan(list(desc.columns), PlanOptions())
        spec = ReadSpec(table=desc, plan=plan, window=Window("TS", datetime(2024, 1, 1), None))
        with pytest.raises(SourceError, match=r"TS.*'soon'"):
            list(source.read_batches(spec))


# -- issue 9 item 8: lookback on a text cursor is applied, or refused; never ignored -------

def _text_source(tmp_path: Path, rows: list[tuple[int, str, str]]) -> Path:
    return make_sqlite(tmp_path / "txt.sqlite",
                       "CREATE TABLE L (ID NUMBER(9) PRIMARY KEY, AT VARCHAR2(26), V VARCHAR2(20));",
                       [("INSERT INTO L VALUES (?, ?, ?)", rows)])


def _upsert(src: Path, rows: list[tuple[int, str, str]]) -> None:
    con = sqlite3.connect(src)
    con.executemany("INSERT OR REPLACE INTO L VALUES (?, ?, ?)", rows)
    con.commit()
    con.close()


@on_both_targets
@pytest.mark.parametrize(("fmt", "step"), [
    ("%Y%m%d%H%M%S", timedelta(minutes=1)),  # Oracle 'YYYYMMDDHH24MISS' in a VARCHAR2
    ("%Y-%m-%d %H:%M:%S", timedelta(minutes=1)),
    ("%Y-%m-%dT%H:%M:%S.%f", timedelta(seconds=30, microseconds=250)),
])
def test_lookback_on_a_text_cursor_rereads_late_updates(tmp_path: Path, fmt: str,
                                                         step: timedelta) -> None:
    t0 = datetime(2024, 3, 1, 12, 0, 0)
    at = [(t0 + step * i).strftime(fmt) for i in range(30)]
    src = _text_source(tmp_path, [(i, at[i], "old") for i in range(20)])
    cfg = write_config(tmp_path, src, "[table L]\ncursor = AT\nlookback = 10 minutes\n")
    assert Engine(cfg).run(["L"], Mode.FULL).ok
    # row 18 changes but keeps a cursor 2 minutes behind the watermark (a late commit);
    # rows 20 and 21 are new
    _upsert(src, [(18, at[18], "late"), (20, at[20], "new"), (21, at[21], "new")])
    result = Engine(cfg).run(["L"], Mode.INCREMENTAL)
    assert result.ok, result
    got = {r[0]: r[2] for r in duck_rows(target_of(cfg), "l", "id")}
    assert got[18] == "late" and got[20] == got[21] == "new" and got[17] == "old"
    assert len(got) == 22


@on_both_targets
def test_lookback_on_text_in_an_unknown_format_is_refused(tmp_path: Path) -> None:
    src = _text_source(tmp_path, [(1, "batch-7", "x"), (2, "batch-9", "y")])
    cfg = write_config(tmp_path, src, "[table L]\ncursor = AT\nlookback = 10 minutes\n")
    with pytest.raises(ConfigError, match=r":\[table L\]:lookback: .*AT.*'batch-9'"):
        Engine(cfg).run(["L"], Mode.FULL)
    assert not target_of(cfg).exists()


@on_both_targets
def test_plain_number_lookback_on_a_text_cursor_is_refused(tmp_path: Path) -> None:
    src = _text_source(tmp_path, [(1, "20240101120000", "x")])
    cfg = write_config(tmp_path, src, "[table L]\ncursor = AT\nlookback = 100\n")
    with pytest.raises(ConfigError, match=r":\[table L\]:lookback: .*text cursor AT"):
        Engine(cfg).run(["L"], Mode.FULL)
    # zero is no lookback at all: accepted
    cfg = write_config(tmp_path, src, "[table L]\ncursor = AT\nlookback = 0\n")
    assert Engine(cfg).run(["L"], Mode.FULL).ok


@on_both_targets
def test_text_watermark_in_an_unknown_format_fails_the_incremental(tmp_path: Path) -> None:
    # the newest value was a time at load time; later the column holds something else
    src = _text_source(tmp_path, [(1, "20240101120000", "x")])
    cfg = write_config(tmp_path, src, "[table L]\ncursor = AT\nlookback = 10 minutes\n")
    assert Engine(cfg).run(["L"], Mode.FULL).ok
    con = target.connect(target_of(cfg))
    con.execute("UPDATE tui_sync.tables SET watermark = 'later' WHERE target_table = 'l'")
    con.close()
    with pytest.raises(ConfigError, match=r"lookback on the text cursor AT .*'later'"):
        apply_lookback("later", timedelta(minutes=10), "AT")
    result = Engine(cfg).run(["L"], Mode.INCREMENTAL)
    assert not result.ok and "lookback" in result.results[0].error


@on_both_targets
def test_number_cursor_text_is_stored_as_numbers_or_fails_loudly(tmp_path: Path) -> None:
    # SQLite's NUMERIC affinity stores number-looking text as numbers, so a NUMBER cursor
    # compares by value; text it keeps (not a number) sorts above every number, so it is
    # always inside the window and fails the read instead of hiding below the watermark.
    src = make_sqlite(tmp_path / "n.sqlite", "CREATE TABLE N (ID NUMBER(9) PRIMARY KEY, SEQ NUMBER(12));",
                      [("INSERT INTO N VALUES (?, ?)", [(1, 5), (2, "10")])])
    cfg = write_config(tmp_path, src, "[table N]\ncursor = SEQ\n")
    assert Engine(cfg).run(["N"], Mode.FULL).ok
    con = sqlite3.connect(src)
    con.executemany("INSERT INTO N VALUES (?, ?)", [(3, " 10 "), (5, "11.0")])
    con.commit()
    assert Engine(cfg).run(["N"], Mode.INCREMENTAL).ok
    assert duck_rows(target_of(cfg), "n", "id") == [(1, 5), (2, 10), (3, 10), (5, 11)]
    con.execute("INSERT INTO N VALUES (6, '1,000')")
    con.commit()
    con.close()
    result = Engine(cfg).run(["N"], Mode.INCREMENTAL)
    assert not result.ok and "SEQ" in result.results[0].error
