"""Cron schedules per table: next runs, due runs, retries and the run loop (issue 6).

One `Scheduler` serves `tui-sync schedule` (cli/schedule.py) and the TUI, which
runs it in a thread worker. It never imports Textual and never touches the
DuckDB file except to read run history and record 'skipped' runs: the syncs
themselves go through the `run_sync` callable the caller provides.

Rules (DESIGN §6, issue 6):
- Times follow `[sync] timezone` (an IANA name) or the machine's local zone.
- One table at a time; due tables run earliest-due first, then in config order.
- A due run while another sync holds the lock is recorded as 'skipped' (the
  message names the holder) and waits for its next slot; no retry.
- A failed run is retried after `retry_backoff`, doubling each time, up to
  `retries` times, as long as the retry comes before the table's next slot.
- A slot missed while the scheduler was down runs once at start-up, however many
  slots were missed. A table that was never synced is not "missed" by the long-running
  scheduler: its first (possibly full) load waits for its first slot rather than
  hitting the source at whatever hour the scheduler happens to start. `once()` (cron
  calling `schedule --once`) does run it: cron calls at the slot, and with no run
  history there is no other way to tell that the slot has come.
- Slots that pass while a run is busy are coalesced into one run, never queued.
"""

from .loop import RunSync, Scheduler
from .slots import TableSchedule, local_zone, next_slot, prev_slot, schedule_zone, utc_naive

__all__ = ["RunSync", "Scheduler", "TableSchedule", "local_zone", "next_slot", "prev_slot", "schedule_zone",
           "utc_naive"]
