"""Issue 14 defect 5: a sync and another process's brief open of the DuckDB file (the TUI reading
its history, a `status`) do not fail each other; a sync holding the lock is still refused at once."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tests.test_lake_readers import SCRIPT, WAIT_S, env, setup
from tui_sync.target.lock import SyncLock, holder_path

# The other process: opens the file read-write as the TUI does, says so, and closes it when told.
BRIEF = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
         "sys.stdin.readline(); con.close(); print('closed', flush=True); sys.stdin.read()")


def _holder(db: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", BRIEF, str(db)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def _sync(tmp_path: Path, config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([SCRIPT, "sync", "EV", "--mode", "full", "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL, env=env(tmp_path))


def test_a_cli_sync_waits_for_a_brief_open_by_another_process(tmp_path: Path) -> None:
    _src, cfg = setup(tmp_path, "file")
    db = cfg.target_path()
    holder = _holder(db)
    try:
        sync = _sync(tmp_path, cfg.path)
        # The sync has taken its lock and is about to open the file the other process still has.
        deadline = time.monotonic() + WAIT_S
        while not holder_path(db).exists() and sync.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        # Give it the time to meet the open file (without the wait it fails right there, exit 3).
        end = time.monotonic() + 1.0
        while sync.poll() is None and time.monotonic() < end:
            time.sleep(0.05)
        assert holder.stdin is not None and holder.stdout is not None
        holder.stdin.write("go\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "closed"
        out, err = sync.communicate(timeout=WAIT_S)
    finally:
        if holder.stdin is not None:
            holder.stdin.close()
        holder.wait(timeout=30)
    assert sync.returncode == 0, err
    assert "Traceback" not in err


def test_a_cli_sync_does_not_wait_for_a_running_sync(tmp_path: Path) -> None:
    _src, cfg = setup(tmp_path, "file")
    with SyncLock(cfg.target_path(), "tui", ["EV"]):
        done = subprocess.run([SCRIPT, "sync", "EV", "--config", str(cfg.path)], capture_output=True,
                              text=True, env=env(tmp_path), timeout=WAIT_S, stdin=subprocess.DEVNULL)
    assert done.returncode == 3 and "another sync holds" in done.stderr and "tui pid" in done.stderr
    assert "Traceback" not in done.stderr
