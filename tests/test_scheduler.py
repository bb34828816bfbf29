"""The scheduler: next-run arithmetic, due order, skip on lock, retries, missed runs, stop.

Every test runs on a fake clock; the syncs are fakes that record what they were
asked and write their runs into the real tui_sync.runs like the engine does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import target_of, target_section
from tui_sync.cli.schedule import once_exit_code
from tui_sync.config import Config, load_config
from tui_sync.errors import SourceError
from tui_sync.events import Control, LogLine, Mode, RunFinished, Status, TableResult
from tui_sync.scheduler import (
    Scheduler,
    local_zone,
    next_slot,
    prev_slot,
    schedule_zone,
)
from tui_sync.target import state
from tui_sync.target.lock import SyncLock

# The run history the scheduler reads lives in the target: a DuckDB file or a DuckLake.
pytestmark = pytest.mark.usefixtures("target_kind")

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SEOUL = ZoneInfo("Asia/Seoul")


def at(*args: int, tz=UTC) -> datetime:
    return datetime(*args, tzinfo=tz)


# -- next / previous slot --------------------------------------------------------------

@pytest.mark.parametrize(("expr", "after", "tz", "expected"), [
    # daily at 02:00: strictly after, so 02:00 itself gives tomorrow
    ("0 2 * * *", at(2024, 1, 1, 1, 59), UTC, at(2024, 1, 1, 2, 0)),
    ("0 2 * * *", at(2024, 1, 1, 2, 0), UTC, at(2024, 1, 2, 2, 0)),
    ("0 2 * * *", at(2024, 1, 1, 2, 0, 0) + timedelta(microseconds=500), UTC, at(2024, 1, 2, 2, 0)),
    # the zone decides the wall clock: 02:00 Seoul is 17:00 UTC the day before
    ("0 2 * * *", at(2024, 1, 1, 12, 0), SEOUL, at(2024, 1, 2, 2, 0, tz=SEOUL)),
    ("0 2 * * *", at(2024, 1, 1, 12, 0), SEOUL, at(2024, 1, 1, 17, 0)),
    # office hours every 15 minutes: Friday 17:50 -> Monday 09:00
    ("*/15 9-17 * * mon-fri", at(2024, 5, 3, 17, 50, tz=SEOUL), SEOUL, at(2024, 5, 6, 9, 0, tz=SEOUL)),
    ("*/15 9-17 * * mon-fri", at(2024, 5, 3, 10, 7, tz=SEOUL), SEOUL, at(2024, 5, 3, 10, 15, tz=SEOUL)),
    # first of the month, New York: the offset follows DST (EST in January, EDT in July)
    ("0 0 1 * *", at(2024, 1, 15), NEW_YORK, at(2024, 2, 1, 5, 0)),
    ("0 0 1 * *", at(2024, 6, 15), NEW_YORK, at(2024, 7, 1, 4, 0)),
    # day of month OR day of week (cron semantics): the 1st, or any Monday
    ("0 3 1 * mon", at(2024, 4, 23, tz=BERLIN), BERLIN, at(2024, 4, 29, 3, 0, tz=BERLIN)),
    ("0 3 1 * mon", at(2024, 4, 29, 4, tz=BERLIN), BERLIN, at(2024, 5, 1, 3, 0, tz=BERLIN)),
    # last day of the month
    ("30 23 L * *", at(2024, 2, 10), UTC, at(2024, 2, 29, 23, 30)),
])
def test_next_slot(expr: str, after: datetime, tz, expected: datetime) -> None:
    got = next_slot(expr, after, tz)
    assert got == expected
    assert got.utcoffset() == expected.astimezone(tz).utcoffset()


def _series(expr: str, start: datetime, tz, n: int) -> list[datetime]:
    out, t = [], start
    for _ in range(n):
        t = next_slot(expr, t, tz)
        out.append(t)
    return out


def test_dst_spring_forward_daily_job_runs_once_at_the_first_valid_time() -> None:
    # Berlin 2024-03-31: 02:00 -> 03:00. 02:30 does not exist that day.
    got = _series("30 2 * * *", at(2024, 3, 30, 12, tz=BERLIN), BERLIN, 3)
    assert [t.astimezone(UTC) for t in got] == [
        at(2024, 3, 31, 1, 0),  # 03:00 CEST, once
        at(2024, 4, 1, 0, 30),  # 02:30 CEST
        at(2024, 4, 2, 0, 30),
    ]


def test_dst_fall_back_daily_job_runs_once_hourly_job_follows_real_time() -> None:
    # Berlin 2024-10-27: 03:00 CEST -> 02:00 CET, 02:xx happens twice.
    daily = _series("30 2 * * *", at(2024, 10, 26, 12, tz=BERLIN), BERLIN, 3)
    assert [t.astimezone(UTC) for t in daily] == [
        at(2024, 10, 27, 0, 30),  # 02:30 CEST: the first pass only
        at(2024, 10, 28, 1, 30),
        at(2024, 10, 29, 1, 30),
    ]
    hourly = _series("0 * * * *", at(2024, 10, 27, 0, 30, tz=BERLIN), BERLIN, 4)
    assert [t.astimezone(UTC) for t in hourly] == [
        at(2024, 10, 26, 23, 0), at(2024, 10, 27, 0, 0), at(2024, 10, 27, 1, 0), at(2024, 10, 27, 2, 0),
    ]  # 01:00, 02:00 CEST, 02:00 CET, 03:00 CET: one run per real hour
    ny = _series("30 1 * * *", at(2024, 11, 2, 12, tz=NEW_YORK), NEW_YORK, 2)
    assert [t.astimezone(UTC) for t in ny] == [at(2024, 11, 3, 5, 30), at(2024, 11, 4, 6, 30)]


def test_prev_slot_includes_the_instant_itself() -> None:
    assert prev_slot("0 2 * * *", at(2024, 1, 2, 2, 0), UTC) == at(2024, 1, 2, 2, 0)
    assert prev_slot("0 2 * * *", at(2024, 1, 2, 1, 59), UTC) == at(2024, 1, 1, 2, 0)
    # the first pass of the repeated hour, not the second (compared in UTC: an ambiguous
    # time never equals a time of another zone in Python, PEP 495)
    assert prev_slot("30 2 * * *", at(2024, 10, 27, 4, tz=BERLIN), BERLIN).astimezone(UTC) \
        == at(2024, 10, 27, 0, 30)


def test_zone_from_config_or_the_local_zone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = make_config(tmp_path, {"A": "0 2 * * *"}, timezone="")
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert str(local_zone()) == "Asia/Tokyo"
    assert str(schedule_zone(cfg)) == "Asia/Tokyo"
    cfg.sync.timezone = "Europe/Berlin"
    assert schedule_zone(cfg) == BERLIN


# -- fixtures ----------------------------------------------------------------------------

def make_config(tmp_path: Path, schedules: dict[str, str], *, retries: int = 2,
                backoff: str = "10 minutes", timezone: str = "UTC") -> Config:
    text = (f"[source]\nkind = sqlite\npath = {tmp_path / 'src.sqlite'}\n\n"
            f"[target]\n{target_section(str(tmp_path / 'sync.duckdb'))}\n"
            f"[sync]\nretries = {retries}\nretry_backoff = {backoff}\n")
    if timezone:
        text += f"timezone = {timezone}\n"
    for name, cron in schedules.items():
        text += f"\n[table {name}]\n" + (f"schedule = {cron}\n" if cron else "")
    p = tmp_path / "tui-sync.ini"
    p.write_text(text, encoding="utf-8")
    return load_config(p)


class FakeClock:
    """now() and sleep() for the scheduler; sleeping up to `end` sets `stop`."""

    def __init__(self, start: datetime, end: datetime | None = None):
        self.t, self.end = start, end
        self.stop = threading.Event()

    def now(self) -> datetime:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)
        if self.end is not None and self.t >= self.end:
            self.stop.set()


class FakeSync:
    """Stands in for Engine.run: per table a list of outcomes (the last repeats);
    writes each run into tui_sync.runs like the engine."""

    def __init__(self, config: Config, clock: FakeClock, outcomes: dict[str, list[object]]):
        self.config, self.clock, self.outcomes = config, clock, outcomes
        self.calls: list[tuple[datetime, str, Mode]] = []

    def __call__(self, tables: Sequence[str], mode: Mode) -> RunFinished:
        (key,) = tables
        self.calls.append((self.clock.now(), key, mode))
        plan = self.outcomes.get(key, [Status.OK])
        outcome = plan.pop(0) if len(plan) > 1 else plan[0]
        if isinstance(outcome, Exception):
            raise outcome
        if callable(outcome):
            outcome = outcome(key)
        tc = self.config.tables[key]
        started = self.clock.now().astimezone(UTC).replace(tzinfo=None)
        rec = state.RunRecord(state.new_run_id(), tc.target_name(), key, "incremental", outcome.value,
                              started, started + timedelta(seconds=3), 10 if outcome == Status.OK else 0,
                              3.3, None if outcome == Status.OK else "ORA-03113: end-of-file")
        state.record_run(target_of(self.config), rec)
        return RunFinished((TableResult(tc.target_name(), key, Mode.INCREMENTAL, outcome,
                                        rec.rows, 3.0, 3.3, rec.error, rec.run_id),))


def runs_of(db: Path, table: str) -> list[state.RunRecord]:
    return list(reversed(state.read_runs(db, table=table)))


# -- a night of scheduled runs ------------------------------------------------------------

def test_fires_in_order_skips_a_held_lock_and_retries_a_failure(tmp_path: Path) -> None:
    config = make_config(tmp_path, {"BETA": "0 2 * * *", "ALPHA": "0 1 * * *", "LOCKED": "0 2 * * *",
                                    "FLAKY": "0 2 * * *", "MANUAL": ""})
    db = target_of(config)
    clock = FakeClock(at(2024, 5, 1, 0, 30), end=at(2024, 5, 1, 3, 0))

    def locked(key: str) -> Status:
        with SyncLock(db, "scheduler", [key]):  # the real lock: held by the "cli" below
            return Status.OK

    sync = FakeSync(config, clock, {"FLAKY": [Status.FAILED, Status.FAILED, Status.OK],
                                    "LOCKED": [locked]})
    logs: list[LogLine] = []
    sched = Scheduler(config, sync, now=clock.now, sleep=clock.sleep, on_log=logs.append)
    assert set(sched.next_runs()) == {"BETA", "ALPHA", "LOCKED", "FLAKY"}  # MANUAL has no schedule
    assert sched.next_runs()["ALPHA"] == at(2024, 5, 1, 1, 0)
    assert sched.due() == []

    with SyncLock(db, "cli", ["OTHER_TABLE"]):
        sched.run_forever(clock.stop)

    assert [(t.astimezone(UTC), k) for t, k, _ in sync.calls] == [
        (at(2024, 5, 1, 1, 0), "ALPHA"),
        (at(2024, 5, 1, 2, 0), "BETA"),  # due together: config order
        (at(2024, 5, 1, 2, 0), "LOCKED"),
        (at(2024, 5, 1, 2, 0), "FLAKY"),
        (at(2024, 5, 1, 2, 10), "FLAKY"),  # retry 1 after the backoff (10 min)
        (at(2024, 5, 1, 2, 30), "FLAKY"),  # retry 2 after twice the backoff
    ]
    assert all(mode == Mode.AUTO for _, _, mode in sync.calls)

    skipped = runs_of(db, "locked")
    assert [r.status for r in skipped] == ["skipped"]
    assert skipped[0].started_at == datetime(2024, 5, 1, 2, 0)
    assert "cli pid" in skipped[0].error and "OTHER_TABLE" in skipped[0].error  # the holder, named
    assert [r.status for r in runs_of(db, "flaky")] == ["failed", "failed", "ok"]
    assert [r.status for r in runs_of(db, "alpha")] == ["ok"]
    assert [r.status for r in runs_of(db, "beta")] == ["ok"]

    nxt = sched.next_runs()
    assert nxt["LOCKED"] == at(2024, 5, 2, 2, 0)  # not retried: waits for its next slot
    assert nxt["FLAKY"] == at(2024, 5, 2, 2, 0)
    assert nxt["ALPHA"] == at(2024, 5, 2, 1, 0)
    assert [s.attempt for s in sched.schedules()] == [0, 0, 0, 0]
    assert any(line.level == "warning" and "retry 1 of 2" in line.message for line in logs)


def test_retries_stop_at_the_limit_and_before_the_next_slot(tmp_path: Path) -> None:
    config = make_config(tmp_path, {"DOWN": "0 2 * * *", "HALF": "*/30 * * * *"}, retries=3)
    clock = FakeClock(at(2024, 5, 1, 1, 55), end=at(2024, 5, 1, 4, 0))
    sync = FakeSync(config, clock, {"DOWN": [Status.FAILED], "HALF": [Status.FAILED, Status.OK]})
    sched = Scheduler(config, sync, now=clock.now, sleep=clock.sleep)
    sched.run_forever(clock.stop)
    down = [t.astimezone(UTC) for t, k, _ in sync.calls if k == "DOWN"]
    # 3 retries after 10, 20, 40 minutes, then nothing until tomorrow
    assert down == [at(2024, 5, 1, 2, 0), at(2024, 5, 1, 2, 10), at(2024, 5, 1, 2, 30),
                    at(2024, 5, 1, 3, 10)]
    assert sched.next_runs()["DOWN"] == at(2024, 5, 2, 2, 0)
    half = [t.astimezone(UTC) for t, k, _ in sync.calls if k == "HALF"]
    # 01:55 start: fails at 02:00 (after DOWN, both due then, config order), retry at 02:10 ok,
    # then every half hour; one call per slot even while DOWN's retries interleave
    assert half[:3] == [at(2024, 5, 1, 2, 0), at(2024, 5, 1, 2, 10), at(2024, 5, 1, 2, 30)]
    assert half[3:] == [at(2024, 5, 1, 3, 0), at(2024, 5, 1, 3, 30)]  # 04:00 is the end of the test


def test_a_retry_that_would_pass_the_next_slot_waits_for_the_slot(tmp_path: Path) -> None:
    config = make_config(tmp_path, {"T": "*/30 * * * *"}, retries=5, backoff="20 minutes")
    clock = FakeClock(at(2024, 5, 1, 1, 59), end=at(2024, 5, 1, 3, 1))
    sync = FakeSync(config, clock, {"T": [Status.FAILED]})
    sched = Scheduler(config, sync, now=clock.now, sleep=clock.sleep)
    sched.run_forever(clock.stop)
    # 02:00 fails -> retry 02:20; fails -> the next retry (02:20+40) would pass 02:30: take the slot
    assert [t.astimezone(UTC) for t, _, _ in sync.calls] == [
        at(2024, 5, 1, 2, 0), at(2024, 5, 1, 2, 20), at(2024, 5, 1, 2, 30), at(2024, 5, 1, 2, 50),
        at(2024, 5, 1, 3, 0)]


def test_an_exception_from_the_sync_is_recorded_as_failed_and_retried(tmp_path: Path) -> None:
    config = make_config(tmp_path, {"T": "0 2 * * *"}, retries=1)
    clock = FakeClock(at(2024, 5, 1, 1, 59), end=at(2024, 5, 1, 2, 30))
    sync = FakeSync(config, clock, {"T": [SourceError("DPY-6005: cannot connect"), Status.OK]})
    sched = Scheduler(config, sync, now=clock.now, sleep=clock.sleep)
    sched.run_forever(clock.stop)
    runs = runs_of(target_of(config), "t")
    assert [(r.status, r.error) for r in runs] == [("failed", "DPY-6005: cannot connect"), ("ok", None)]
    assert runs[1].started_at == datetime(2024, 5, 1, 2, 10)


# -- missed runs --------------------------------------------------------------------------

def _seed(db: Path, target: str, started: datetime, status: str = "ok", mode: str = "incremental") -> None:
    state.record_run(db, state.RunRecord(state.new_run_id(), target, target.upper(), mode, status,
                                         started, started + timedelta(seconds=5), 1, 1.0, None))


def test_a_slot_missed_while_down_runs_once_at_start_up(tmp_path: Path) -> None:
    config = make_config(tmp_path, {"DOWN3DAYS": "0 1 * * *", "FRESH": "0 1 * * *", "NEVER": "0 1 * * *",
                                    "CANCELLED": "0 1 * * *", "SKIPPED": "0 1 * * *",
                                    "TESTONLY": "0 1 * * *"})
    db = target_of(config)
    _seed(db, "down3days", datetime(2024, 4, 28, 1, 0))  # 3 nightly slots missed since
    _seed(db, "fresh", datetime(2024, 5, 1, 1, 0, 2))  # today's slot was served
    _seed(db, "cancelled", datetime(2024, 4, 30, 1, 0))
    _seed(db, "cancelled", datetime(2024, 5, 1, 1, 0), status="cancelled")  # stopped mid-run: open
    _seed(db, "skipped", datetime(2024, 4, 30, 1, 0))
    _seed(db, "skipped", datetime(2024, 5, 1, 1, 0), status="skipped")  # served, by skipping
    _seed(db, "testonly", datetime(2024, 4, 30, 1, 0))
    _seed(db, "testonly", datetime(2024, 5, 1, 9, 0), mode="test")  # a test sync is not the real one
    clock = FakeClock(at(2024, 5, 1, 12, 0), end=at(2024, 5, 2, 0, 59))
    sync = FakeSync(config, clock, {})
    logs: list[LogLine] = []
    sched = Scheduler(config, sync, now=clock.now, sleep=clock.sleep, on_log=logs.append)
    assert sched.due() == ["DOWN3DAYS", "CANCELLED", "TESTONLY"]
    assert {s.key: s.reason for s in sched.schedules()}["DOWN3DAYS"] == "missed"
    assert sched.next_runs()["NEVER"] == at(2024, 5, 2, 1, 0)  # never synced: waits for its slot

    sched.run_forever(clock.stop)
    assert [(t.astimezone(UTC), k) for t, k, _ in sync.calls] == [
        (at(2024, 5, 1, 12, 0), "DOWN3DAYS"), (at(2024, 5, 1, 12, 0), "CANCELLED"),
        (at(2024, 5, 1, 12, 0), "TESTONLY")]  # once each, not once per missed slot
    assert any("was missed" in line.message and line.table == "down3days" for line in logs)


def test_slots_passing_during_a_long_run_are_coalesced(tmp_path: Path) -> None:
    config = make_config(tmp_path, {"SLOW": "*/5 * * * *"})
    clock = FakeClock(at(2024, 5, 1, 1, 59), end=at(2024, 5, 1, 2, 30))

    def slow(key: str) -> Status:
        clock.t += timedelta(minutes=17)  # a run spanning three slots
        return Status.OK

    sync = FakeSync(config, clock, {"SLOW": [slow]})
    sched = Scheduler(config, sync, now=clock.now, sleep=clock.sleep)
    sched.run_forever(clock.stop)
    starts = [t.astimezone(UTC) for t, _, _ in sync.calls]
    assert starts == [at(2024, 5, 1, 2, 0), at(2024, 5, 1, 2, 20)]  # 02:05-02:15 fold into none


# -- once, stop, reload -------------------------------------------------------------------

def test_once_runs_what_is_due_with_retries_then_returns(tmp_path: Path) -> None:
    config = make_config(tmp_path, {"A": "0 1 * * *", "B": "0 1 * * *", "C": "0 13 * * *",
                                    "NEW": "0 3 * * *"}, retries=2)
    db = target_of(config)
    for target in ("a", "b"):
        _seed(db, target, datetime(2024, 4, 30, 1, 0))
    _seed(db, "c", datetime(2024, 4, 30, 13, 0))  # served yesterday's 13:00
    clock = FakeClock(at(2024, 5, 1, 12, 0))
    sync = FakeSync(config, clock, {"A": [Status.FAILED, Status.OK], "B": [Status.FAILED]})
    sched = Scheduler(config, sync, now=clock.now, sleep=clock.sleep)
    assert sched.due() == ["A", "B"]
    results = sched.once()
    assert [(r.table, r.status) for r in results] == [
        ("a", Status.FAILED), ("b", Status.FAILED),
        ("new", Status.OK),  # never synced: --once runs it (cron calls at its slot)
        ("a", Status.OK), ("b", Status.FAILED), ("b", Status.FAILED)]
    assert clock.t == at(2024, 5, 1, 12, 30)  # slept 10 + 20 minutes of backoff, no more
    assert "C" not in {k for _, k, _ in sync.calls}  # C's 13:00 slot is not "due now"
    assert once_exit_code(results) == 1
    assert once_exit_code([results[0], results[3]]) == 0  # A failed, then succeeded: fine


def test_stop_cancels_the_running_sync_through_its_control(tmp_path: Path) -> None:
    config = make_config(tmp_path, {"T": "0 2 * * *"})
    clock = FakeClock(at(2024, 5, 1, 1, 59, 59))
    started, calls = threading.Event(), []

    def run_sync(tables: Sequence[str], mode: Mode, *, control: Control) -> RunFinished:
        calls.append(tables)
        started.set()
        for _ in range(500):  # an engine checks its Control between batches
            if control.cancelled:
                return RunFinished((TableResult("t", "T", Mode.FULL, Status.CANCELLED,
                                                error="cancelled by the user"),))
            time.sleep(0.01)
        return RunFinished((TableResult("t", "T", Mode.FULL, Status.OK),))

    sched = Scheduler(config, run_sync, now=clock.now, sleep=clock.sleep)
    stop = threading.Event()
    worker = threading.Thread(target=sched.run_forever, args=(stop,))
    worker.start()
    assert started.wait(5)
    assert sched.running == "T"
    stop.set()
    worker.join(5)
    assert not worker.is_alive()
    assert calls == [["T"]]
    assert sched.running is None
    (s,) = sched.schedules()
    assert s.last_status == "cancelled" and s.attempt == 0  # a cancel is never retried


def test_run_forever_wakes_promptly_on_stop_with_the_real_wait(tmp_path: Path) -> None:
    config = make_config(tmp_path, {"T": "0 2 1 1 *"})  # next run months away
    sched = Scheduler(config, lambda tables, mode: RunFinished(()))
    stop = threading.Event()
    worker = threading.Thread(target=sched.run_forever, args=(stop,))
    worker.start()
    time.sleep(0.05)
    assert worker.is_alive()  # sleeping until the slot
    stop.set()
    worker.join(3)
    assert not worker.is_alive()


def test_reload_keeps_unchanged_tables_and_replans_changed_ones(tmp_path: Path) -> None:
    config = make_config(tmp_path, {"A": "0 2 * * *", "B": "0 3 * * *"})
    clock = FakeClock(at(2024, 5, 1, 1, 0))
    sched = Scheduler(config, FakeSync(config, clock, {}), now=clock.now, sleep=clock.sleep)
    new = make_config(tmp_path, {"A": "0 2 * * *", "B": "15 1 * * *", "C": "0 4 * * *"})
    sched.reload(new)
    assert sched.next_runs() == {"A": at(2024, 5, 1, 2, 0), "B": at(2024, 5, 1, 1, 15),
                                 "C": at(2024, 5, 1, 4, 0)}
    sched.reload(make_config(tmp_path, {"A": "", "B": "15 1 * * *"}))
    assert list(sched.next_runs()) == ["B"]


def test_a_schedule_without_any_date_is_reported_not_fatal(tmp_path: Path) -> None:
    config = make_config(tmp_path, {"FEB30": "0 0 30 2 *", "OK": "0 2 * * *"})
    logs: list[LogLine] = []
    clock = FakeClock(at(2024, 5, 1, 1, 0))
    sched = Scheduler(config, FakeSync(config, clock, {}), now=clock.now, on_log=logs.append)
    assert list(sched.next_runs()) == ["OK"]
    assert any(line.level == "error" and "FEB30" in line.message for line in logs)
