"""The `Scheduler`: due runs one at a time, retries, skips and the run loop (rules in the
package docstring)."""

from __future__ import annotations

import inspect
import os
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from croniter import CroniterError

from ..config import Config, TableConfig
from ..errors import LockHeldError, SyncCancelled, TargetBusyError, english_line, one_line
from ..events import Control, LogLine, Mode, RunFinished, Status, TableResult
from ..i18n import _, line_of
from ..target import state
from ..target.spec import TargetSpec, target_spec
from ..words import status_word
from .slots import TableSchedule, next_slot, prev_slot, schedule_zone, utc_naive

RunSync = Callable[..., RunFinished]
"""`run_sync(tables, mode)` or `run_sync(tables, mode, control=Control)`: runs one sync
(an Engine.run) and returns its RunFinished; it may raise LockHeldError."""

MAX_SLEEP_S = 60.0  # wake at least this often: wall-clock jumps, suspend/resume, DST

# Statuses in tui_sync.runs that mean "the slot was served". A cancelled run (the
# scheduler was stopped mid-sync, say) leaves its slot open for the next start-up.
_SERVED = frozenset({"ok", "failed", "skipped", "running"})


# -- the scheduler ------------------------------------------------------------------------

def _accepts_control(fn: Callable[..., object]) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "control" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


class Scheduler:
    """Runs each table's sync when its cron schedule says so.

    `run_sync(tables, mode)` runs the sync (the CLI wraps Engine.run; the TUI posts it
    to its Progress screen). If it takes a `control` keyword (or **kwargs), it gets a
    fresh Control per run, which `stop()` cancels: the engine stops between batches
    and rolls back, so the target is left as it was.

    `now` returns an aware datetime; `sleep(seconds)` replaces the default wait in
    `run_forever`/`once` (tests pass a fake clock's advance). Thread-safe: the TUI
    reads `next_runs()`/`schedules()` from its UI thread while `run_forever` runs
    in a worker.
    """

    def __init__(self, config: Config, run_sync: RunSync, *,
                 now: Callable[[], datetime] | None = None,
                 sleep: Callable[[float], object] | None = None,
                 on_log: Callable[[LogLine], None] | None = None,
                 state_path: str | os.PathLike[str] | None = None):
        self._now_fn = now or (lambda: datetime.now(UTC))
        self._sleep_fn = sleep
        self._on_log = on_log
        self._run_sync = run_sync
        self._pass_control = _accepts_control(run_sync)
        self._state_path = Path(state_path) if state_path is not None else None
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._ext_stop: threading.Event | None = None
        self._wake = threading.Event()
        self._control: Control | None = None
        self._running: str | None = None
        self._tables: dict[str, TableSchedule] = {}
        self.config = config
        self.tz = schedule_zone(config)
        self._load(config, detect_missed=True)

    # -- read side (any thread) ----------------------------------------------------------
    @property
    def db_path(self) -> Path | TargetSpec:
        """The target whose tui_sync.runs holds the run history."""
        return self._state_path or target_spec(self.config)

    @property
    def running(self) -> str | None:
        """The config key of the table being synced right now, if any."""
        return self._running

    def now(self) -> datetime:
        """The current time, aware in UTC (the scheduler keeps and compares times in UTC)."""
        return self._now_fn().astimezone(UTC)

    def next_runs(self) -> dict[str, datetime]:
        """Config table name -> when it runs next (aware, schedule zone); a run due now
        (missed or a retry whose time has come) shows a time at or before now."""
        with self._lock:
            return {k: s.next_run.astimezone(self.tz) for k, s in self._tables.items()
                    if s.next_run is not None}

    def schedules(self) -> list[TableSchedule]:
        """Every scheduled table with its state, in config order (copies; times in the
        schedule zone)."""
        with self._lock:
            return [replace(s, next_run=s.next_run.astimezone(self.tz) if s.next_run else None)
                    for s in sorted(self._tables.values(), key=lambda s: s.order)]

    def due(self, now: datetime | None = None) -> list[str]:
        """Config table names due at `now` (aware), earliest due first, then config order."""
        at = (now if now is not None else self.now()).astimezone(UTC)
        with self._lock:
            items = [(s.next_run, s.order, k) for k, s in self._tables.items()
                     if s.next_run is not None and s.next_run <= at and k != self._running]
        return [k for _, _, k in sorted(items)]

    def seconds_until_next(self) -> float:
        """Seconds until the earliest planned run (0 if one is due), capped at MAX_SLEEP_S."""
        now = self.now()
        with self._lock:
            times = [s.next_run for s in self._tables.values() if s.next_run is not None]
        if not times:
            return MAX_SLEEP_S
        return max(0.0, min(MAX_SLEEP_S, (min(times) - now).total_seconds()))

    # -- control (any thread) ------------------------------------------------------------
    def stop(self) -> None:
        """Stop `run_forever`/`once` and cancel the running sync, if any."""
        self._stop.set()
        self._wake.set()
        self.cancel_running()

    def cancel_running(self) -> None:
        with self._lock:
            control = self._control
        if control is not None:
            control.cancel()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set() or (self._ext_stop is not None and self._ext_stop.is_set())

    def reload(self, config: Config) -> None:
        """Take a changed config (the TUI saved a table's schedule): unchanged tables
        keep their state, changed or new ones get their next slot from now."""
        with self._lock:
            tz = schedule_zone(config)
            if str(tz) != str(self.tz):
                self._tables = {}  # every next run moves with the zone
            self.config, self.tz = config, tz
            self._load(config, detect_missed=False)
        self._wake.set()

    # -- running -------------------------------------------------------------------------
    def run_due(self) -> list[TableResult]:
        """Run every table due now, one at a time; returns each run's outcome."""
        return self._run_keys(self.due())

    def once(self) -> list[TableResult]:
        """`schedule --once`: run what is due now, and its retries (sleeping between
        them), then return. Later cron slots are left to the next invocation."""
        now = self.now()
        with self._lock:
            fresh = [s for s in self._tables.values()
                     if s.never_synced and s.reason == "cron" and s.next_run is not None]
            for s in fresh:
                s.next_run, s.reason = now, "missed"
        for s in fresh:
            self._log("info", _("{table}: never synced; running it now").format(table=s.key), s.target)
        results = self.run_due()
        while not self.stopping:
            with self._lock:
                retries = [s.next_run for s in self._tables.values()
                           if s.reason == "retry" and s.next_run is not None]
            if not retries:
                break
            wait = (min(retries) - self.now()).total_seconds()
            if wait > 0:
                self._pause(wait)
                continue  # re-check: a stop may have come, or the clock moved less
            now = self.now()
            with self._lock:
                keys = [k for k in self.due(now) if self._tables[k].reason == "retry"]
            results += self._run_keys(keys)
        return results

    def run_forever(self, stop: threading.Event | None = None) -> None:
        """Run due tables and sleep until the next one, until `stop` is set or
        `stop()` is called; setting `stop` also cancels a running sync."""
        done = threading.Event()
        if stop is not None:
            self._ext_stop = stop
            # The caller's Event cannot wake our wait, so a watcher links the two.
            threading.Thread(target=self._watch, args=(stop, done), daemon=True,
                             name="tui-sync-scheduler-stop").start()
        try:
            while not self.stopping:
                self._wake.clear()
                self.run_due()
                if self.stopping:
                    break
                delay = self.seconds_until_next()
                if delay > 0:
                    self._pause(delay)
        finally:
            done.set()

    def _watch(self, stop: threading.Event, done: threading.Event) -> None:
        while not done.is_set():
            if stop.wait(0.1):
                self.stop()
                return

    def _pause(self, seconds: float) -> None:
        if self._sleep_fn is not None:
            self._sleep_fn(seconds)
        else:
            self._wake.wait(min(seconds, MAX_SLEEP_S))

    def _run_keys(self, keys: list[str]) -> list[TableResult]:
        results: list[TableResult] = []
        for key in keys:
            if self.stopping:
                break
            result = self._run_one(key)
            if result is not None:
                results.append(result)
        return results

    def _run_one(self, key: str) -> TableResult | None:
        with self._lock:
            sched = self._tables.get(key)
            tc = self.config.tables.get(key)
            if sched is None or tc is None or sched.next_run is None or sched.next_run > self.now():
                return None  # a reload moved or removed it meanwhile
            control = Control()
            self._control, self._running = control, key
            attempt, reason = sched.attempt, sched.reason
        if self.stopping:  # a stop between due() and here
            control.cancel()
        target = tc.target_name()
        if reason == "missed":
            said = _("scheduled sync of {table} (catching up a missed run)")
        elif reason == "retry":
            said = _("scheduled sync of {table} (retry {attempt} of {retries})")
        else:
            said = _("scheduled sync of {table}")
        self._log("info", said.format(table=key, attempt=attempt, retries=self.config.sync.retries),
                  target)
        started = self._now_fn()
        try:
            if self._pass_control:
                finished = self._run_sync([key], Mode.AUTO, control=control)
            else:
                finished = self._run_sync([key], Mode.AUTO)
            result = self._pick(finished, tc)
        except (LockHeldError, TargetBusyError) as exc:
            result = self._skip(tc, english_line(exc), started)  # recorded: English
        except SyncCancelled as exc:
            result = TableResult(target, tc.source_table, Mode.AUTO, Status.CANCELLED,
                                 error=one_line(exc))
        except Exception as exc:  # noqa: BLE001 - one broken run must not end the scheduler
            # Engine.run raises before its own run record exists (source unreachable,
            # unknown table): record the failure so the history shows it.
            msg = english_line(exc)
            run_id = self._record(tc, "failed", started, msg)
            result = TableResult(target, tc.source_table, Mode.AUTO, Status.FAILED, error=msg,
                                 run_id=run_id)
        finally:
            with self._lock:
                self._control, self._running = None, None
        self._after(key, result)
        return result

    def _pick(self, finished: RunFinished, tc: TableConfig) -> TableResult:
        target = tc.target_name()
        for r in finished.results:
            if r.table.lower() == target.lower():
                return r
        if finished.results:
            return finished.results[0]
        return TableResult(target, tc.source_table, Mode.AUTO, Status.FAILED,
                           error="the sync returned no result")

    def _skip(self, tc: TableConfig, message: str, started: datetime) -> TableResult:
        error = f"skipped: {message}"
        run_id = self._record(tc, Status.SKIPPED.value, started, error)
        return TableResult(tc.target_name(), tc.source_table, Mode.AUTO, Status.SKIPPED,
                           error=error, run_id=run_id)

    def _record(self, tc: TableConfig, status: str, started: datetime, error: str) -> str:
        try:
            return state.record_unrun(self.db_path, tc.target_name(), tc.source_table, Mode.AUTO.value,
                                      status, error, utc_naive(started), utc_naive(self._now_fn()))
        except Exception as exc:  # noqa: BLE001 - losing one history row beats stopping
            self._log("warning", _("could not record the {status} run: {error}").format(
                status=status_word(status), error=line_of(exc)), tc.target_name())
            return ""

    def _after(self, key: str, result: TableResult) -> None:
        """Plan the table's next run from this run's outcome."""
        now = self.now()
        retries = self.config.sync.retries
        with self._lock:
            sched = self._tables.get(key)
            if sched is None:
                return  # unscheduled by a reload meanwhile
            sched.last_status, sched.last_error = result.status.value, result.error
            nxt = self._next_or_none(sched.cron, now, key)
            if result.status == Status.FAILED and sched.attempt < retries and not self.stopping:
                retry_at = now + self.config.sync.retry_backoff * (2 ** sched.attempt)
                if nxt is None or retry_at < nxt:
                    sched.attempt += 1
                    sched.next_run, sched.reason = retry_at, "retry"
                    self._log("warning", _("{table} failed: {error}; retry {attempt} of {retries} at "
                                          "{time}").format(
                        table=key, error=result.error, attempt=sched.attempt, retries=retries,
                        time=self._fmt(retry_at)), sched.target)
                    return
            sched.attempt, sched.next_run, sched.reason = 0, nxt, "cron"
        when = self._fmt(nxt) if nxt else _("never (the schedule matches no date)")
        if result.status == Status.OK:
            self._log("info", _("{table} ok: {rows} rows in {secs}s; next run {when}").format(
                table=key, rows=f"{result.rows:,}", secs=f"{result.duration_s:.1f}", when=when),
                sched.target)
        elif result.status == Status.SKIPPED:
            self._log("warning", _("{table} {error}; next run {when}").format(
                table=key, error=result.error, when=when), sched.target)
        else:
            said = (_("{table} {status} (no retries left): {error}; next run {when}")
                    if result.status == Status.FAILED and retries
                    else _("{table} {status}: {error}; next run {when}"))
            self._log("error" if result.status == Status.FAILED else "warning",
                      said.format(table=key, status=status_word(result.status), error=result.error,
                                  when=when), sched.target)

    # -- planning ------------------------------------------------------------------------
    def _load(self, config: Config, *, detect_missed: bool) -> None:
        now = self.now()
        old, new = self._tables, {}
        for order, (key, tc) in enumerate(config.tables.items()):
            if not tc.schedule:
                continue
            kept = old.get(key)
            if kept is not None and kept.cron == tc.schedule and kept.target == tc.target_name():
                kept.order = order
                new[key] = kept
                continue
            sched = TableSchedule(key, tc.target_name(), tc.schedule,
                                  self._next_or_none(tc.schedule, now, key), order=order)
            if detect_missed and sched.next_run is not None:
                missed, sched.never_synced = self._missed_slot(tc, now)
                if missed is not None:
                    sched.next_run, sched.reason = now, "missed"
                    self._log("info", _("{table}: the run of {time} was missed; running it now, "
                                        "once").format(table=key, time=self._fmt(missed)),
                              sched.target)
            new[key] = sched
        self._tables = new

    def _next_or_none(self, expr: str, after: datetime, key: str) -> datetime | None:
        try:
            return next_slot(expr, after, self.tz).astimezone(UTC)
        except CroniterError as exc:
            self._log("error", _("{table}: schedule {cron} has no next run ({error})").format(
                table=key, cron=repr(expr), error=line_of(exc)))
            return None

    def _missed_slot(self, tc: TableConfig, now: datetime) -> tuple[datetime | None, bool]:
        """(the last slot if the table's newest run started before it, never synced)."""
        try:
            slot = prev_slot(tc.schedule, now, self.tz)
        except CroniterError:
            return None, False
        target = tc.target_name()
        try:
            runs = state.read_runs(self.db_path, table=target, limit=50)
        except Exception as exc:  # noqa: BLE001 - a busy or broken file: carry on without history
            self._log("warning", _("cannot read the run history ({error}); a missed run would "
                                   "not be caught up").format(error=line_of(exc)), target)
            return None, False
        last = next((r for r in runs if r.status in _SERVED and r.mode not in state.NOT_SYNC_MODES),
                    None)
        if last is None:
            return None, True  # never synced: see the module doc
        return (slot if last.started_at < utc_naive(slot) else None), False

    # -- helpers -------------------------------------------------------------------------
    def _fmt(self, t: datetime) -> str:
        return t.astimezone(self.tz).strftime("%Y-%m-%d %H:%M %Z")

    def _log(self, level: str, message: str, table: str | None = None) -> None:
        if self._on_log is not None:
            self._on_log(LogLine(level, message, table))
