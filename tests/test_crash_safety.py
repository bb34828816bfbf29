"""Crash and signal safety of a real `tui-sync sync` process (DESIGN §5, §6).

A sync killed with SIGKILL at any point (mid-load, mid-swap, mid-merge) leaves the
target (a DuckDB file, or a DuckLake) openable, exactly as before or fully updated, and
tui_sync.tables consistent with it; the next run records the killed one as
interrupted and makes the target equal the source, without duplicates.
SIGHUP (a dropped SSH session) and SIGTERM cancel cleanly: exit 130, run
'cancelled', target as before.

The killed runs are real console-script processes; setup and recovery runs use the
engine in-process to keep the file fast.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import env_with_home, make_sqlite, target_of, target_section
from tui_sync import target
from tui_sync.config import load_config
from tui_sync.engine import Engine
from tui_sync.events import Mode
from tui_sync.sources.sqlite import format_timestamp
from tui_sync.target import Target
from tui_sync.target import state as st
from tui_sync.target.lock import holder_path

SCRIPT = str(Path(sys.executable).parent / "tui-sync")
T0 = datetime(2026, 4, 1, 6, 0, 0)
DDL = """CREATE TABLE EV (ID NUMBER(10){pk}, TS TIMESTAMP(6) NOT NULL, AMOUNT NUMBER(12,3),
                          NAME VARCHAR2(30));
CREATE INDEX EV_TS ON EV (TS);"""
SIGKILLED = -signal.SIGKILL

# Everything here concerns the target: each test runs on a DuckDB file and on a DuckLake.
pytestmark = pytest.mark.usefixtures("target_kind")


class Source:
    """The SQLite source table EV and, beside it, the rows DuckDB should hold."""

    def __init__(self, path: Path, with_key: bool = True):
        self.path = path
        self.rows: dict[int, tuple] = {}
        self.with_key = with_key
        make_sqlite(path, DDL.format(pk=" PRIMARY KEY" if with_key else ""))

    def put(self, ids: range | list[int], ts=None, amount: str = "1.250", name: str = "n") -> None:
        rows = []
        for i in ids:
            at = ts or T0 + timedelta(seconds=3 * i, microseconds=i)
            rows.append((i, at, Decimal(amount), f"{name}{i}"))
        con = sqlite3.connect(self.path)
        if not self.with_key:
            con.executemany("DELETE FROM EV WHERE ID = ?", [(r[0],) for r in rows])
        con.executemany("INSERT OR REPLACE INTO EV VALUES (?, ?, ?, ?)",
                        [(i, format_timestamp(at), str(a), n) for i, at, a, n in rows])
        con.commit()
        con.close()
        for r in rows:
            self.rows[r[0]] = r

    def expected(self) -> list[tuple]:
        return sorted(self.rows.values())


def config(tmp_path: Path, src: Source, batch_rows: int = 200, extra: str = "", name: str = "c.ini"):
    key = "primary_key = ID\n" if src.with_key else ""
    p = tmp_path / name
    p.write_text(f"[source]\nkind = sqlite\npath = {src.path}\n\n[target]\n{target_section()}\n"
                 f"[sync]\nbatch_rows = {batch_rows}\n{extra}\n"
                 f"[table EV]\ntarget = ev\n{key}cursor = TS\nlookback = 1 minute\n", encoding="utf-8")
    return load_config(p)


def env(tmp_path: Path, fault: str | None = None) -> dict[str, str]:
    e = env_with_home(tmp_path / "home")
    e.pop("TUI_SYNC_FAULT", None)
    if fault:
        e["TUI_SYNC_FAULT"] = fault
    return e


def killed_sync(tmp_path: Path, cfg, fault: str, mode: str = "auto") -> subprocess.CompletedProcess:
    r = subprocess.run([SCRIPT, "sync", "EV", "--mode", mode, "--config", str(cfg.path)],
                       capture_output=True, text=True, env=env(tmp_path, fault), timeout=120,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == SIGKILLED, (r.returncode, r.stderr)
    return r


def snapshot(db: Target) -> tuple[list[tuple] | None, st.TableState | None, dict[str, str]]:
    """(target rows or None, its state row, run statuses); asserts the state is consistent
    with the target: row count, watermark = MAX(cursor), schema version recorded."""
    con = target.connect(db, create=False)  # the target opens (a torn one would raise here)
    try:
        exists = con.execute("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'main' "
                             "AND table_name = 'ev'").fetchone()[0] == 1
        has_state = con.execute("SELECT COUNT(*) FROM information_schema.tables WHERE "
                                "table_schema = 'tui_sync' AND table_name = 'tables'").fetchone()[0] == 1
        state = st.get_table_state(con, "ev") if has_state else None
        runs = dict(con.execute("SELECT run_id, status FROM tui_sync.runs").fetchall()) if has_state else {}
        if not exists:
            assert state is None, "state recorded for a target table that does not exist"
            return None, None, runs
        rows = con.execute("SELECT id, ts, amount, name FROM ev ORDER BY ALL").fetchall()
        assert state is not None, "a target table without its state row"
        count, max_ts = con.execute("SELECT COUNT(*), MAX(ts) FROM ev").fetchone()
        assert state.rows == count
        assert state.watermark == max_ts.isoformat(sep=" ") and state.watermark_type == "timestamp"
        latest = st.latest_schema(con, "ev")
        assert latest is not None and latest[0] == state.schema_version
        return rows, state, runs
    finally:
        con.close()


def recover_and_check(cfg, src: Source, killed_run: str, mode: Mode = Mode.AUTO) -> None:
    """The next run completes, records the killed run as interrupted, and the target
    equals the source with no duplicate keys and no staging leftovers."""
    result = Engine(cfg).run(["EV"], mode)
    assert result.ok, result
    rows, state, runs = snapshot(target_of(cfg))
    assert rows == src.expected()
    assert len({r[0] for r in rows}) == len(rows)
    assert runs[killed_run] == "failed"
    dead = [r for r in st.read_runs(target_of(cfg)) if r.run_id == killed_run][0]
    assert "interrupted" in (dead.error or "")
    con = target.connect(target_of(cfg), create=False)
    try:
        leftovers = con.execute("SELECT table_name FROM information_schema.tables "
                                "WHERE table_name LIKE '%tui_sync%'").fetchall()
    finally:
        con.close()
    assert leftovers == []


def running_run(db: Target, before: dict[str, str]) -> str:
    _, _, runs = snapshot(db)
    new = [rid for rid, status in runs.items() if rid not in before]
    assert len(new) == 1 and runs[new[0]] == "running", runs
    return new[0]


def populated(tmp_path: Path, n: int = 2000, with_key: bool = True, **kw):
    src = Source(tmp_path / "src.sqlite", with_key)
    src.put(range(1, n + 1))
    cfg = config(tmp_path, src, **kw)
    return src, cfg


# -- SIGKILL -------------------------------------------------------------------------------------

def test_kill_during_the_first_full_load(tmp_path: Path) -> None:
    src, cfg = populated(tmp_path)
    killed_sync(tmp_path, cfg, "batch:4")
    rows, state, runs = snapshot(target_of(cfg))
    assert rows is None and state is None  # as before: no target at all
    (run_id,) = [r for r, s in runs.items() if s == "running"]
    recover_and_check(cfg, src, run_id)


@pytest.mark.parametrize("fault", ["batch:1", "batch:6", "swap"])
def test_kill_during_a_full_reload_leaves_the_old_table(tmp_path: Path, fault: str) -> None:
    src, cfg = populated(tmp_path)
    assert Engine(cfg).run(["EV"], Mode.FULL).ok
    before = snapshot(target_of(cfg))
    src.put(range(1, 2001, 7), amount="9.999", name="changed")  # updates everywhere
    src.put(range(2001, 2301))  # and new rows
    killed_sync(tmp_path, cfg, fault, mode="full")
    after = snapshot(target_of(cfg))
    assert after[0] == before[0] and after[1] == before[1]  # rows and state exactly as before
    run_id = running_run(target_of(cfg), before[2])
    recover_and_check(cfg, src, run_id, Mode.FULL)


@pytest.mark.parametrize("with_key", [True, False], ids=["upsert", "delete-window"])
@pytest.mark.parametrize("fault", ["batch:2", "merge"])
def test_kill_during_an_incremental_merge(tmp_path: Path, fault: str, with_key: bool) -> None:
    src, cfg = populated(tmp_path, with_key=with_key)
    assert Engine(cfg).run(["EV"], Mode.FULL).ok
    before = snapshot(target_of(cfg))
    last = src.rows[2000][1]
    src.put([1995, 1998, 2000], ts=None, amount="4.000", name="updated")  # inside the lookback
    src.put(range(2001, 2601))
    src.put([2601], ts=last)  # a new row exactly at the old watermark
    killed_sync(tmp_path, cfg, fault, mode="incremental")
    after = snapshot(target_of(cfg))
    assert after[0] == before[0] and after[1] == before[1]
    run_id = running_run(target_of(cfg), before[2])
    recover_and_check(cfg, src, run_id)  # auto: incremental again


def test_kill_during_a_chunked_full_load_then_resume(tmp_path: Path) -> None:
    """A keyed table larger than chunk_rows commits its staging chunk by chunk; a kill
    between or inside chunks still leaves the target untouched until the swap."""
    src, cfg = populated(tmp_path, n=3000, extra="chunk_rows = 500")
    assert Engine(cfg).run(["EV"], Mode.FULL).ok
    before = snapshot(target_of(cfg))
    src.put(range(1, 3001, 5), amount="2.500", name="changed")
    killed_sync(tmp_path, cfg, "batch:7", mode="full")  # inside the third chunk
    after = snapshot(target_of(cfg))
    assert after[0] == before[0] and after[1] == before[1]
    run_id = running_run(target_of(cfg), before[2])
    recover_and_check(cfg, src, run_id)  # auto picks the interrupted full sync up


def test_kill_from_outside_at_an_arbitrary_moment(tmp_path: Path) -> None:
    """SIGKILL sent by another process while the sync runs: wherever it lands, the
    target is the old table or the new one, never a mix."""
    src, cfg = populated(tmp_path, n=20_000, batch_rows=25)
    fast = config(tmp_path, src, batch_rows=20_000, name="fast.ini")
    assert Engine(fast).run(["EV"], Mode.FULL).ok
    before = snapshot(target_of(cfg))
    src.put(range(1, 20_001, 3), amount="7.000", name="changed")
    proc = subprocess.Popen([SCRIPT, "sync", "EV", "--mode", "full", "--config", str(cfg.path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=env(tmp_path), stdin=subprocess.DEVNULL)
    try:
        wait_for(lambda: holder_path(target_of(cfg)).exists() or proc.poll() is not None)
        time.sleep(0.4)  # well into the read of 800 batches
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    after = snapshot(target_of(cfg))
    new_rows = sorted(src.rows.values())
    assert after[0] in (before[0], new_rows)
    if proc.returncode == SIGKILLED and after[0] == before[0]:
        assert after[1] == before[1]
        if after[2] == before[2]:  # killed before its run was recorded (a busy machine):
            assert Engine(fast).run(["EV"], Mode.FULL).ok  # nothing began; the next run loads
            assert snapshot(target_of(cfg))[0] == new_rows
            return
        run_id = running_run(target_of(cfg), before[2])
        recover_and_check(fast, src, run_id, Mode.FULL)
    else:  # it finished before the kill: then it is complete and recorded ok
        assert after[0] == new_rows


# -- SIGHUP / SIGTERM ----------------------------------------------------------------------------

def wait_for(cond, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_signal_cancels_a_headless_sync_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    src, cfg = populated(tmp_path, n=40_000, batch_rows=10)
    fast = config(tmp_path, src, batch_rows=40_000, name="fast.ini")
    assert Engine(fast).run(["EV"], Mode.FULL).ok
    before = snapshot(target_of(cfg))
    src.put(range(1, 40_001, 9), amount="3.000", name="changed")
    proc = subprocess.Popen([SCRIPT, "sync", "EV", "--mode", "full", "--config", str(cfg.path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env(tmp_path), stdin=subprocess.DEVNULL)
    try:
        wait_for(lambda: holder_path(target_of(cfg)).exists() or proc.poll() is not None)
        assert proc.poll() is None, "the sync ended before it could be signalled"
        time.sleep(0.3)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "cancelled" in err
    after = snapshot(target_of(cfg))
    assert after[0] == before[0] and after[1] == before[1]
    new = {rid: s for rid, s in after[2].items() if rid not in before[2]}
    assert list(new.values()) == ["cancelled"]
    assert not holder_path(target_of(cfg)).exists()  # the lock was released
    assert Engine(fast).run(["EV"], Mode.FULL).ok  # nothing left that blocks the next run
    assert snapshot(target_of(cfg))[0] == src.expected()


def test_no_fault_hook_means_a_normal_run(tmp_path: Path) -> None:
    """The hook is inert unless asked for: the same command without it succeeds."""
    src, cfg = populated(tmp_path, n=500)
    r = subprocess.run([SCRIPT, "sync", "EV", "--config", str(cfg.path)], capture_output=True,
                       text=True, env=env(tmp_path), timeout=120, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    assert snapshot(target_of(cfg))[0] == src.expected()
    assert "TUI_SYNC_FAULT" not in os.environ
