"""Backfill (`sync TABLE --since VALUE [--until VALUE]`) on real SQLite -> real DuckDB (a file
and a DuckLake): the window, the keyless delete inside it only, the watermark that never
moves backwards nor past rows it did not read, and the refusals before any data moves."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import duck_rows, make_sqlite, target_of, write_config
from tui_sync.engine import Engine
from tui_sync.errors import ConfigError
from tui_sync.events import Backfill, Mode, SyncRequest
from tui_sync.sources.sqlite import format_timestamp
from tui_sync.target import state as st

pytestmark = pytest.mark.usefixtures("target_kind")

T0 = datetime(2026, 3, 1, 8, 0, 0)
DDL = "CREATE TABLE EV (ID NUMBER(9) {key}, TS TIMESTAMP(6) NOT NULL, V VARCHAR2(20));"


def source(tmp_path: Path, key: bool, n: int = 100) -> Path:
    return make_sqlite(tmp_path / "src.sqlite", DDL.format(key="PRIMARY KEY" if key else ""),
                       [("INSERT INTO EV VALUES (?, ?, ?)",
                         [(i, format_timestamp(T0 + timedelta(minutes=i)), f"v{i}")
                          for i in range(1, n + 1)])])


def execute(path: Path, sql: str, params: tuple = ()) -> None:
    con = sqlite3.connect(path)
    con.execute(sql, params)
    con.commit()
    con.close()


def source_rows(path: Path) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return [(i, datetime.fromisoformat(ts), v) for i, ts, v in
                con.execute("SELECT ID, TS, V FROM EV ORDER BY ID, TS, V").fetchall()]
    finally:
        con.close()


def backfill(cfg, since: str, until: str | None = None, tables=("EV",),
             mode: Mode = Mode.AUTO):
    return Engine(cfg).run(SyncRequest(tuple(tables), mode, backfill=Backfill(since, until)))


CFG = "[table EV]\ntarget = ev\ncursor = TS\nlookback = 10 minutes\n"


@pytest.mark.parametrize("key", [True, False], ids=["keyed", "keyless"])
def test_backfill_with_until_loses_no_row_above_it(tmp_path: Path, key: bool) -> None:
    """Rows that arrived late (or were edited without moving their cursor) inside [since,
    until] are repaired; rows above `until` stay exactly as they were: a keyless merge that
    deleted `cursor >= since` would drop rows 41..100 and never read them again."""
    src = source(tmp_path, key)
    cfg = write_config(tmp_path, src, CFG)
    assert Engine(cfg).run(["EV"], Mode.FULL).ok
    execute(src, "INSERT INTO EV VALUES (?, ?, ?)", (1000, format_timestamp(T0 + timedelta(
        minutes=30, seconds=30)), "late"))
    execute(src, "UPDATE EV SET V = 'edited' WHERE ID IN (25, 80)")  # cursor unchanged
    result = backfill(cfg, "2026-03-01 08:20", "2026-03-01 08:40:00")
    assert result.ok, result
    r = result.results[0]
    assert r.mode == Mode.INCREMENTAL and r.rows == 22  # minutes 20..40 plus the late row
    assert r.note == "backfill since 2026-03-01 08:20:00 until 2026-03-01 08:40:00"
    got = duck_rows(target_of(cfg), "ev", "id, ts, v")
    expected = source_rows(src)
    # row 80's edit is outside the window: the backfill leaves it (the target's old value)
    assert got == [row if row[0] != 80 else (80, row[1], "v80") for row in expected]
    assert len(got) == 101
    state = st.read_table_states(target_of(cfg))["ev"]
    assert state.watermark == str(T0 + timedelta(minutes=100))  # never backwards
    run = st.read_runs(target_of(cfg))[0]
    assert (run.mode, run.status, run.note) == ("incremental", "ok", r.note)


def test_backfill_without_until_reads_to_the_source_max_and_moves_the_watermark(
        tmp_path: Path) -> None:
    src = source(tmp_path, key=False)
    cfg = write_config(tmp_path, src, CFG)
    assert Engine(cfg).run(["EV"], Mode.FULL).ok
    for i in (101, 102):
        execute(src, "INSERT INTO EV VALUES (?, ?, ?)",
                (i, format_timestamp(T0 + timedelta(minutes=i)), f"v{i}"))
    execute(src, "UPDATE EV SET V = 'edited' WHERE ID = 5")
    result = backfill(cfg, "2026-03-01")  # a date: its midnight; no lookback subtracted
    assert result.ok, result
    assert result.results[0].rows == 102
    assert duck_rows(target_of(cfg), "ev", "id, ts, v") == source_rows(src)
    state = st.read_table_states(target_of(cfg))["ev"]
    assert state.watermark == str(T0 + timedelta(minutes=102))


def test_backfill_above_the_watermark_does_not_move_it_past_unread_rows(tmp_path: Path) -> None:
    """A window starting above the watermark reads nothing between the two: the watermark
    stays, so the next incremental still reads those rows."""
    src = source(tmp_path, key=True)
    cfg = write_config(tmp_path, src, CFG)
    assert Engine(cfg).run(["EV"], Mode.FULL).ok
    for i in range(101, 131):  # minutes 101..130 arrive; the backfill covers 120..125 only
        execute(src, "INSERT INTO EV VALUES (?, ?, ?)",
                (i, format_timestamp(T0 + timedelta(minutes=i)), f"v{i}"))
    assert backfill(cfg, "2026-03-01 10:00", "2026-03-01 10:05").ok
    state = st.read_table_states(target_of(cfg))["ev"]
    assert state.watermark == str(T0 + timedelta(minutes=100))
    assert Engine(cfg).run(["EV"], Mode.AUTO).ok
    assert [r[0] for r in duck_rows(target_of(cfg), "ev", "id")] == list(range(1, 131))


def test_backfill_of_several_tables_parses_the_value_per_table(tmp_path: Path) -> None:
    src = make_sqlite(tmp_path / "src.sqlite", """
        CREATE TABLE A (ID NUMBER(9) PRIMARY KEY, TS DATE NOT NULL);
        CREATE TABLE B (ID NUMBER(9), SEQ NUMBER(9) NOT NULL);
        CREATE TABLE C (ID NUMBER(9) PRIMARY KEY);
        CREATE TABLE D (ID NUMBER(9) PRIMARY KEY, SEQ NUMBER(12,2) NOT NULL);""",
                      [("INSERT INTO A VALUES (?, ?)",
                        [(i, f"2026-01-{i:02d} 00:00:00") for i in range(1, 11)]),
                       ("INSERT INTO B VALUES (?, ?)", [(i, i * 100) for i in range(1, 11)]),
                       ("INSERT INTO C VALUES (?)", [(1,)]),
                       ("INSERT INTO D VALUES (?, ?)", [(i, f"{i}00.5") for i in range(1, 11)])])
    cfg = write_config(tmp_path, src, "[table A]\ncursor = TS\n[table B]\ncursor = SEQ\n"
                       "[table C]\n[table D]\ncursor = SEQ\n")
    assert Engine(cfg).run(["A", "B", "C", "D"], Mode.FULL).ok
    execute(src, "INSERT INTO A VALUES (99, '2026-01-01 12:00:00')")
    execute(src, "INSERT INTO B VALUES (99, 150)")
    # the same text is parsed per table: '200' is a number but no ISO date; all are checked
    # before any table's data moves
    with pytest.raises(ConfigError, match=r"--since '200': the cursor TS is DATE"):
        backfill(cfg, "200", tables=("A", "B"))
    with pytest.raises(ConfigError, match="--since 'x': the cursor SEQ is NUMBER"):
        backfill(cfg, "x", tables=("B",))
    with pytest.raises(ConfigError, match="C: --since needs a cursor column"):
        backfill(cfg, "1", tables=("B", "C"))
    # nothing moved: B's new row is not in the target
    assert [r[0] for r in duck_rows(target_of(cfg), "b", "id")] == list(range(1, 11))
    # one table each
    assert backfill(cfg, "2026-01-01", "2026-01-02", tables=("A",)).ok
    execute(src, "INSERT INTO D VALUES (99, '150.25')")
    both = backfill(cfg, "100", "200", tables=("B", "D"))  # one VALUE, two numeric cursors
    assert both.ok and [r.rows for r in both.results] == [3, 2]  # B 100, 150, 200; D 100.5, 150.25
    assert [r[0] for r in duck_rows(target_of(cfg), "d", "seq, id")] == [1, 99, *range(2, 11)]
    assert [r[0] for r in duck_rows(target_of(cfg), "a", "id")] == [*range(1, 11), 99]
    assert [r[0] for r in duck_rows(target_of(cfg), "b", "seq, id")] == [1, 99, *range(2, 11)]


def test_backfill_refusals(tmp_path: Path) -> None:
    src = source(tmp_path, key=True)
    cfg = write_config(tmp_path, src, CFG)
    with pytest.raises(ConfigError, match="cannot go with --mode full"):
        backfill(cfg, "2026-03-01", mode=Mode.FULL)
    with pytest.raises(ConfigError, match="cannot go with --mode test"):
        backfill(cfg, "2026-03-01", mode=Mode.TEST)
    with pytest.raises(ConfigError, match="is after --until"):
        backfill(cfg, "2026-03-02", "2026-03-01")
    with pytest.raises(ConfigError, match=r"--until '2026-13-01': the cursor TS is TIMESTAMP\(6\)"):
        backfill(cfg, "2026-03-01", "2026-13-01")
    # like incremental: a previous full sync is needed
    result = backfill(cfg, "2026-03-01")
    assert not result.ok and "needs a previous full sync" in (result.results[0].error or "")
    run = st.read_runs(target_of(cfg))[0]  # a failed backfill says what it was, too
    assert (run.mode, run.status, run.note) == ("incremental", "failed", "backfill since "
                                                "2026-03-01 00:00:00")
    assert st.read_table_states(target_of(cfg))["ev"].watermark is None  # only the failed run


def test_backfill_inside_the_lookback_keeps_the_watermark(tmp_path: Path) -> None:
    """Keyless: row 95 (09:35, inside the lookback) is updated to 09:45. A backfill from 09:37
    (above watermark 09:40 - lookback 10 minutes) does not delete its old copy at 09:35; had
    it moved the watermark to 09:50, the next incremental (from 09:40) would never delete it
    either: one row twice. The watermark stays, and the next incremental repairs it."""
    src = source(tmp_path, key=False)
    cfg = write_config(tmp_path, src, CFG)
    assert Engine(cfg).run(["EV"], Mode.FULL).ok
    execute(src, "UPDATE EV SET TS = ?, V = 'moved' WHERE ID = 95",
            (format_timestamp(T0 + timedelta(minutes=105)),))
    execute(src, "INSERT INTO EV VALUES (101, ?, 'v101')",
            (format_timestamp(T0 + timedelta(minutes=110)),))
    assert backfill(cfg, str(T0 + timedelta(minutes=97))).ok
    state = st.read_table_states(target_of(cfg))["ev"]
    assert state.watermark == str(T0 + timedelta(minutes=100))
    assert Engine(cfg).run(["EV"], Mode.INCREMENTAL).ok
    assert duck_rows(target_of(cfg), "ev", "id, ts, v") == source_rows(src)


def test_backfill_on_a_text_cursor_takes_the_text_as_is(tmp_path: Path) -> None:
    src = make_sqlite(tmp_path / "src.sqlite", "CREATE TABLE TX (ID NUMBER(9), AT VARCHAR2(14));",
                      [("INSERT INTO TX VALUES (?, ?)",
                        [(i, f"20260301{i:02d}0000") for i in range(0, 24)])])
    cfg = write_config(tmp_path, src, "[table TX]\ncursor = AT\n")
    assert Engine(cfg).run(["TX"], Mode.FULL).ok
    execute(src, "INSERT INTO TX VALUES (99, '20260301053000')")  # late, inside the window
    execute(src, "UPDATE TX SET ID = 100 WHERE ID = 3")  # keyless: an edit keeping the cursor
    result = backfill(cfg, "20260301030000", "20260301060000", tables=("TX",))
    assert result.ok, result
    assert result.results[0].rows == 5
    con = sqlite3.connect(src)
    expected = sorted(con.execute("SELECT ID, AT FROM TX").fetchall())
    con.close()
    assert sorted(duck_rows(target_of(cfg), "tx", "id")) == expected
    assert st.read_table_states(target_of(cfg))["tx"].watermark == "20260301230000"
