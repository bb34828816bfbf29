"""What a run reports about itself: active time (pauses excluded), queued tables with their
estimates, and the rows an incremental re-read in its lookback window (issue 14, 4 and 9)."""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import make_sqlite, target_of, write_config
from tui_sync.engine import Engine
from tui_sync.events import Control, Mode, Phase, PhaseChanged, Progress, Status, TableFinished
from tui_sync.progress import RunState
from tui_sync.target import state as st

T0 = datetime(2026, 3, 1, 8, 0, 0)
HOUR = 3600.0


def _source(path: Path, n: int, *, key: bool = True, table: str = "EVENTS") -> Path:
    pk = " PRIMARY KEY" if key else ""
    if not path.exists():
        make_sqlite(path, "")
    con = sqlite3.connect(path)
    con.execute(f"CREATE TABLE {table} (ID NUMBER(10){pk}, TS TIMESTAMP(6) NOT NULL, V NUMBER(10))")
    con.executemany(f"INSERT INTO {table} VALUES (?, ?, ?)",
                    [(i, (T0 + timedelta(seconds=30 * i)).isoformat(sep=" "), i) for i in range(1, n + 1)])
    con.commit()
    con.close()
    return path


def _add(path: Path, first: int, last: int, table: str = "EVENTS") -> None:
    con = sqlite3.connect(path)
    con.executemany(f"INSERT INTO {table} VALUES (?, ?, ?)",
                    [(i, (T0 + timedelta(seconds=30 * i)).isoformat(sep=" "), i)
                     for i in range(first, last + 1)])
    con.commit()
    con.close()


class _Clock:
    """The real clock plus whatever the test adds: a pause can last an hour instantly."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


class _HourLongPause(Control):
    """A pause that 'lasts' an hour on the injected clock, then resumes by itself."""

    def __init__(self, clock: _Clock) -> None:
        super().__init__()
        self.clock = clock

    def wait_while_paused(self, timeout: float | None = None) -> bool:
        self.clock.offset += HOUR
        self.resume()
        return True


def test_paused_time_counts_neither_in_rate_nor_duration(tmp_path: Path) -> None:
    src = _source(tmp_path / "src.sqlite", 400)
    cfg = write_config(tmp_path, src, "[table EVENTS]\ntarget = events\ncursor = TS\n",
                       sync="batch_rows = 50")
    clock = _Clock()
    control = _HourLongPause(clock)
    events: list = []

    def on_event(event: object) -> None:
        events.append(event)
        if isinstance(event, PhaseChanged) and event.phase == Phase.READING and clock.offset == 0:
            control.pause()  # the engine stops at the next batch

    finished = Engine(cfg, on_event=on_event, control=control, clock=clock).run(["EVENTS"], Mode.FULL)
    res = finished.results[0]
    assert res.status == Status.OK and res.rows == 400
    assert any(isinstance(e, PhaseChanged) and e.phase == Phase.PAUSED for e in events)
    assert res.paused_s >= HOUR
    assert res.duration_s < HOUR  # an hour paused is not an hour of syncing
    assert res.rows_per_s == pytest.approx(400 / res.duration_s)
    after = [e for e in events if isinstance(e, Progress)][-1]
    assert after.elapsed_s < HOUR and after.rows_per_s > 400 / HOUR
    recorded = st.read_runs(target_of(cfg))[0]
    # timed just before the commit, so at least the result's rate; counting the hour would
    # have recorded at most 400 / 3600 = 0.11 rows/s
    assert recorded.rows_per_s >= res.rows_per_s * (1 - 1e-9)


def test_queued_tables_say_so_with_their_estimate(tmp_path: Path) -> None:
    src = _source(tmp_path / "src.sqlite", 40)
    _source(src, 25, table="OTHER")
    cfg = write_config(tmp_path, src, "[table EVENTS]\ntarget = events\n\n[table OTHER]\ntarget = other\n")
    events: list = []
    assert Engine(cfg, on_event=events.append).run(["EVENTS", "OTHER"], Mode.FULL).ok
    other = [e for e in events if isinstance(e, PhaseChanged) and e.table == "other"]
    phases = [e.phase for e in other]
    assert phases[:2] == [Phase.CONNECTING, Phase.QUEUED] and other[1].estimate == 25
    first_done = next(i for i, e in enumerate(events) if isinstance(e, TableFinished))
    queued_at = events.index(other[1])
    assert queued_at < first_done  # it waits as "queued" while EVENTS runs
    run = RunState.create([("EVENTS", "events"), ("OTHER", "other")], Mode.FULL)
    for e in events[:queued_at + 1]:
        run.apply(e)
    assert run.tables["other"].phase == Phase.QUEUED and run.tables["other"].estimate == 25


@pytest.mark.parametrize("key", [True, False], ids=["keyed", "keyless"])
def test_incremental_separates_new_rows_from_the_lookback_reread(tmp_path: Path, key: bool) -> None:
    src = _source(tmp_path / "src.sqlite", 100, key=key)
    pk = "primary_key = ID\n" if key else ""
    cfg = write_config(tmp_path, src, f"[table EVENTS]\ntarget = events\n{pk}cursor = TS\n"
                       "lookback = 5 minutes\n")
    assert Engine(cfg).run(["EVENTS"], Mode.FULL).ok
    _add(src, 101, 107)  # 7 new rows; the 5-minute window re-reads rows 90..100 (11 rows)
    events: list = []
    res = Engine(cfg, on_event=events.append).run(["EVENTS"], Mode.INCREMENTAL).results[0]
    assert res.status == Status.OK and res.rows == 18
    assert (res.reread, res.new_rows) == (11, 7)
    assert st.read_runs(target_of(cfg))[0].rows_reread == 11  # History can tell them apart too
    run = RunState.create([("EVENTS", "events")], Mode.INCREMENTAL)
    for e in events:
        run.apply(e)
    assert "18 rows (7 new, 11 re-read in the lookback window)" in run.summary()
