"""A `state set-watermark` run is recorded in tui_sync.runs (status ok) but moved no data:
the scheduler must not take it for the slot's sync, nor the run statistics for a sync."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.conftest import target_of
from tests.test_scheduler import FakeClock, FakeSync, _seed, at, make_config
from tui_sync.scheduler import Scheduler
from tui_sync.stats import table_stats


def test_a_set_watermark_run_neither_serves_a_slot_nor_counts_as_a_sync(tmp_path: Path) -> None:
    config = make_config(tmp_path, {"REPAIRED": "0 1 * * *"})
    db = target_of(config)
    _seed(db, "repaired", datetime(2024, 4, 30, 1, 0), status="failed")
    _seed(db, "repaired", datetime(2024, 5, 1, 9, 0), mode="set-watermark")  # after today's slot
    clock = FakeClock(at(2024, 5, 1, 12, 0), end=at(2024, 5, 2, 0, 59))
    sched = Scheduler(config, FakeSync(config, clock, {}), now=clock.now, sleep=clock.sleep)
    assert sched.due() == ["REPAIRED"]  # today's 01:00 slot was missed: the repair is no sync
    [stats] = table_stats(db, now=at(2024, 5, 1, 12, 0))
    assert (stats.runs_30d, stats.ok_30d, stats.last_status) == (1, 0, "failed")
