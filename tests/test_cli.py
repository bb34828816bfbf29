"""The real console script: exit codes, one-line errors, --json."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import env_with_home, make_sqlite

SCRIPT = str(Path(sys.executable).parent / "tui-sync")


def run(args: list[str], home: Path, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    env = env_with_home(home)
    env["TUI_SYNC_DEMO_ROWS"] = "3000"
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    return h


def test_demo_sync_all_then_incremental_after_add_rows(home: Path) -> None:
    r = run(["sync", "--demo", "--all", "--json"], home)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["ok"] and {x["mode"] for x in doc["results"]} == {"full"}
    events = next(x for x in doc["results"] if x["table"] == "equipment_events")
    assert events["rows"] == 3000
    r = run(["demo", "--add-rows", "100"], home)
    assert r.returncode == 0 and "added 100 rows to EQUIPMENT_EVENTS" in r.stdout
    r = run(["sync", "--demo", "EQUIPMENT_EVENTS", "--json"], home)
    res = json.loads(r.stdout)["results"][0]
    assert r.returncode == 0 and res["mode"] == "incremental" and res["rows"] >= 100
    status = json.loads(run(["status", "--demo", "--json"], home).stdout)
    assert {s["target_table"]: s["rows"] for s in status}["equipment_events"] == 3100
    hist = json.loads(run(["history", "--demo", "--json", "EQUIPMENT_EVENTS"], home).stdout)
    assert [h["mode"] for h in hist] == ["incremental", "full"]


def test_plan_prints_types_and_sql_and_writes_nothing(home: Path) -> None:
    r = run(["plan", "--demo", "PRODUCTS"], home)
    assert r.returncode == 0, r.stderr
    assert "DECIMAL(10,2)" in r.stdout and "NUMBER without precision" in r.stdout
    assert 'SELECT "PRODUCT_ID" AS "product_id"' in r.stdout
    assert not list(home.rglob("*.duckdb"))
    doc = json.loads(run(["plan", "--demo", "EQUIPMENT_EVENTS", "--json"], home).stdout)
    assert set(doc["sql"]) == {"full", "test", "incremental"}


def test_exit_2_for_bad_config_value(home: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "bad.ini"
    cfg.write_text("[source]\nkind = sqlite\npath = x.sqlite\n[target]\npath = t.duckdb\n"
                   "[sync]\nbatch_rows = many\n")
    r = run(["sync", "--config", str(cfg), "--all"], home)
    assert r.returncode == 2
    assert r.stderr.strip() == f"tui-sync: error: {cfg}:sync:batch_rows: 'many' is not a whole number"
    assert "Traceback" not in r.stderr


def test_exit_2_for_unknown_table_and_bad_usage(home: Path) -> None:
    r = run(["sync", "--demo", "NO_SUCH_TABLE"], home)
    assert r.returncode == 2 and "NO_SUCH_TABLE not found" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert run(["sync", "--demo", "--mode", "sideways"], home).returncode == 2
    assert run(["sync", "--demo", "--limit", "5", "PRODUCTS"], home).returncode == 2


def test_exit_1_when_a_sync_fails(home: Path, tmp_path: Path) -> None:
    src = make_sqlite(tmp_path / "s.sqlite", "CREATE TABLE T (A NUMBER(5,2)); INSERT INTO T VALUES ('abc');")
    cfg = tmp_path / "c.ini"
    cfg.write_text(f"[source]\nkind = sqlite\npath = {src}\n[target]\npath = t.duckdb\n")
    r = run(["sync", "--config", str(cfg), "T"], home)
    assert r.returncode == 1 and "cannot convert" in r.stderr


def test_exit_3_when_another_process_holds_the_lock(home: Path, tmp_path: Path) -> None:
    run(["demo"], home)
    db = home / "data" / "demo" / "demo.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from tui_sync.target.lock import SyncLock
            with SyncLock({str(db)!r}, holder="cron", tables=["LOT_HISTORY"]):
                print("locked", flush=True)
                time.sleep(60)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        r = run(["sync", "--demo", "PRODUCTS"], home)
        assert r.returncode == 3
        assert f"pid {holder.pid}" in r.stderr and "cron" in r.stderr and "LOT_HISTORY" in r.stderr
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
    assert run(["sync", "--demo", "PRODUCTS"], home).returncode == 0
    hist = json.loads(run(["history", "--demo", "--json", "PRODUCTS"], home).stdout)
    assert [h["status"] for h in hist] == ["ok", "skipped"] and "LOT_HISTORY" in hist[1]["error"]


def test_init_writes_commented_config_and_refuses_overwrite(home: Path, tmp_path: Path) -> None:
    target = tmp_path / "new.ini"
    assert run(["init", str(target)], home).returncode == 0
    assert "[table SALES.TRANSACTION_LOG]" in target.read_text() and "; " in target.read_text()
    r = run(["init", str(target)], home)
    assert r.returncode == 2 and "already exists" in r.stderr


def test_missing_config_is_one_line(home: Path, tmp_path: Path) -> None:
    r = run(["status"], home, cwd=tmp_path)
    assert r.returncode == 2 and "no config file" in r.stderr and "Traceback" not in r.stderr


def test_status_shows_a_killed_run_as_interrupted(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(["sync", "--demo", "PRODUCTS"], home).returncode == 0
    with monkeypatch.context() as m:
        m.setenv("TUI_SYNC_FAULT", "swap")  # the sync kills itself with SIGKILL inside its swap
        killed = run(["sync", "--demo", "PRODUCTS", "--mode", "full"], home)
    assert killed.returncode == -9
    status = {s["target_table"]: s for s in json.loads(run(["status", "--demo", "--json"], home).stdout)}
    assert status["products"]["last_status"] == "interrupted" and status["products"]["rows"] == 500
