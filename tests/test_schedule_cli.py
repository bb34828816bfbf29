"""`tui-sync schedule` (--print-cron, --print-systemd, --once, foreground + SIGTERM) and
`tui-sync history --stats`.

Golden files live in tests/snapshots/schedule/; regenerate them with
UPDATE_SNAPSHOTS=1 after an intended change, and read the diff.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tui_sync import cli
from tui_sync.cli.schedule_text import cron_text, cron_to_oncalendar, systemd_text, unit_name
from tui_sync.config import Config, load_config
from tui_sync.target import state

SNAPSHOTS = Path(__file__).parent / "snapshots" / "schedule"
TUI_SYNC = Path(sys.executable).parent / "tui-sync"  # the console script of this venv
EXE = ["/opt/tui-sync/bin/tui-sync"]

CONFIG = """\
[source]
kind = oracle
dsn = dbhost:1521/ORCLPDB1
user = SCOTT

[target]
path = data/sync.duckdb

[sync]
timezone = Europe/Berlin

[table SALES.TRANSACTION_LOG]
target = transaction_log
cursor = TRAN_TIME
schedule = 0 2 * * *

[table MES.LOT_HISTORY]
schedule = */15 9-17 * * mon-fri

[table MES.설비_알람]
schedule = 0 3 1 * mon

[table MES.PRODUCTS]

[table "Mixed Case"."Odd-Name"]
schedule = 30 23 L * *
"""


def check_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}: run the tests with UPDATE_SNAPSHOTS=1"
    assert text == path.read_text(encoding="utf-8")


@pytest.fixture
def config(tmp_path: Path) -> Config:
    p = tmp_path / "tui-sync.ini"
    p.write_text(CONFIG, encoding="utf-8")
    return load_config(p)


def normalised(text: str, tmp_path: Path) -> str:
    return text.replace(str(tmp_path.resolve()), "/home/dba").replace(str(tmp_path), "/home/dba")


# -- golden output -------------------------------------------------------------------------

def test_crontab_snapshot(config: Config, tmp_path: Path) -> None:
    text = cron_text(config, command=EXE, log_dir=tmp_path / "logs")
    check_snapshot("crontab.txt", normalised(text, tmp_path))
    assert (tmp_path / "logs").is_dir()  # the >> redirect needs the folder


def test_systemd_snapshot(config: Config, tmp_path: Path) -> None:
    check_snapshot("systemd.txt", normalised(systemd_text(config, command=EXE), tmp_path))


def test_local_zone_sqlite_config_has_no_zone_and_no_password_notes(tmp_path: Path) -> None:
    p = tmp_path / "x.ini"
    p.write_text("[source]\nkind = sqlite\npath = s.sqlite\n[target]\npath = t.duckdb\n"
                 "[table A]\nschedule = 0 2 * * *\n", encoding="utf-8")
    cfg = load_config(p)
    cron = cron_text(cfg, command=EXE, log_dir=tmp_path, home="/srv/ts home")
    assert "CRON_TZ" not in cron and "password" not in cron.lower()
    assert "TUI_SYNC_HOME=/srv/ts home\n" in cron
    assert cron.splitlines()[-1] == (f"0 2 * * * /opt/tui-sync/bin/tui-sync sync A --config {p.resolve()} "
                                     f">> {tmp_path}/cron-a.log 2>&1")
    units = systemd_text(cfg, command=EXE, home="/srv/ts home")
    assert "OnCalendar=*-*-* 02:00:00\n" in units
    assert 'Environment="TUI_SYNC_HOME=/srv/ts home"\n' in units
    assert "EnvironmentFile" not in units


def test_percent_signs_are_escaped_for_cron_and_systemd(tmp_path: Path) -> None:
    folder = tmp_path / "100%"
    folder.mkdir()
    p = folder / "x.ini"
    p.write_text("[source]\nkind = sqlite\npath = s.sqlite\n[target]\npath = t.duckdb\n"
                 "[table A]\nschedule = 0 2 * * *\n", encoding="utf-8")
    cfg = load_config(p)
    line = cron_text(cfg, command=EXE, log_dir=tmp_path).splitlines()[-1]
    assert "100\\%/x.ini" in line and "100%/" not in line.replace("100\\%", "")
    assert "100%%/x.ini" in systemd_text(cfg, command=EXE)


# -- cron -> OnCalendar --------------------------------------------------------------------

@pytest.mark.parametrize(("expr", "expected"), [
    ("0 2 * * *", ["*-*-* 02:00:00"]),
    ("*/15 9-17 * * mon-fri", ["Mon..Fri *-*-* 09..17:00/15:00"]),
    ("5 4 * * sun", ["Sun *-*-* 04:05:00"]),
    ("0 22 * * 1-5", ["Mon..Fri *-*-* 22:00:00"]),
    ("0 6 * * sat,sun,mon", ["Mon,Sat,Sun *-*-* 06:00:00"]),
    ("10-50/7 * * jan,jun 0,7", ["Sun *-01,06-* *:10,17,24,31,38,45:00"]),  # a step that stops early
    ("0 0,12 1 */3 *", ["*-01/3-01 00,12:00:00"]),
    ("0 0 L * *", ["*-*~01 00:00:00"]),
    ("0 0 * * L5", ["Fri *-*~07/1 00:00:00"]),  # the last Friday
    ("0 0 * * 1#2", ["Mon *-*-08..14 00:00:00"]),  # the second Monday
    ("0 3 1 * mon", ["*-*-01 03:00:00", "Mon *-*-* 03:00:00"]),  # cron's day OR weekday
])
def test_cron_to_oncalendar(expr: str, expected: list[str]) -> None:
    assert cron_to_oncalendar(expr) == expected
    assert cron_to_oncalendar(expr, "Asia/Seoul") == [e + " Asia/Seoul" for e in expected]


def test_forms_systemd_cannot_express_are_refused(config: Config, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(ValueError, match="nearest weekday"):
        cron_to_oncalendar("0 0 15W * *")
    p = Path(str(config.path))
    p.write_text(CONFIG.replace("*/15 9-17 * * mon-fri", "0 0 15W * *"), encoding="utf-8")
    assert cli.main(["schedule", "--print-systemd", "--config", str(p)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "MES.LOT_HISTORY" in err and "15W" in err and "--print-cron" in err


def test_unit_names_are_systemd_escaped() -> None:
    assert unit_name("transaction_log") == "tui-sync-transaction_log"
    assert unit_name("odd-name") == "tui-sync-odd\\x2dname"
    assert unit_name("설") == "tui-sync-\\xec\\x84\\xa4"
    assert unit_name(".hidden") == "tui-sync-\\x2ehidden"


CONFORMANCE = ["0 2 * * *", "*/15 9-17 * * mon-fri", "0 0 L * *", "0 0 * * L5", "0 0 * * 1#2",
               "0 3 1 * mon", "10-50/7 * * jan,jun 0,7", "0 0 1-7 * */2", "0 0 * */3 *", "0 0 */2 * *",
               "0 6 * * sat,sun,mon", "0 0,12 1 */2 *", "0 0 1,L * *", "0 0 29 2 *", "0 0 * * 5#5",
               "*/20 */6 * * *", "0 12 10-20 * *"]


def _systemd_analyze_ok() -> bool:
    exe = shutil.which("systemd-analyze")
    if not exe:
        return False
    r = subprocess.run([exe, "calendar", "--base-time=@0", "--iterations=1", "*-*-* 00:00:00"],
                       capture_output=True, text=True, check=False)
    return r.returncode == 0


@pytest.mark.skipif(not _systemd_analyze_ok(), reason="needs systemd-analyze with --base-time")
@pytest.mark.parametrize("expr", CONFORMANCE)
def test_timer_fires_exactly_when_cron_does(expr: str) -> None:
    """systemd's own calendar engine agrees with croniter on the next 15 runs."""
    from croniter import croniter

    n, base = 15, datetime(2023, 12, 31, 23, 59, 30, tzinfo=UTC)
    specs = cron_to_oncalendar(expr, "UTC")
    out = subprocess.run(["systemd-analyze", "calendar", f"--iterations={n}",
                          f"--base-time=@{int(base.timestamp())}", *specs],
                         env={**os.environ, "TZ": "UTC"}, capture_output=True, text=True, check=True).stdout
    fired = set()
    for line in out.splitlines():
        if "Next elapse:" in line or "Iter. #" in line:
            fired.add(datetime.strptime(line.split(": ", 1)[1].strip(), "%a %Y-%m-%d %H:%M:%S UTC"))
    it = croniter(expr, base.replace(tzinfo=None))
    expected = [it.get_next(datetime) for _ in range(n)]
    assert sorted(fired)[:n] == expected


# -- the CLI glue ----------------------------------------------------------------------------

def test_print_cron_through_the_cli(config: Config, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["schedule", "--print-cron", "--config", str(config.path)]) == 0
    lines = [x for x in capsys.readouterr().out.splitlines() if x and not x.startswith("#")]
    assert lines[0] == "CRON_TZ=Europe/Berlin"
    assert len(lines) == 6  # CRON_TZ, TUI_SYNC_HOME (set by the test fixture) and 4 schedules
    exe = lines[2].split()[5]
    assert Path(exe).is_absolute() and Path(exe).exists()
    assert f"sync SALES.TRANSACTION_LOG --config {config.path}" in lines[2]


def test_schedule_without_scheduled_tables_is_a_usage_error(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture) -> None:
    p = tmp_path / "x.ini"
    p.write_text("[source]\nkind = sqlite\npath = s.sqlite\n[target]\npath = t.duckdb\n[table A]\n",
                 encoding="utf-8")
    assert cli.main(["schedule", "--once", "--config", str(p)]) == 2
    assert "has a schedule" in capsys.readouterr().err


def test_history_stats_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    p = tmp_path / "x.ini"
    p.write_text("[source]\nkind = sqlite\npath = s.sqlite\n[target]\npath = t.duckdb\n"
                 "[table EVENTS]\nschedule = 0 2 * * *\n[table 설비_알람]\n", encoding="utf-8")
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    for i, (status, error) in enumerate([("ok", None), ("failed", "ORA-01555: snapshot too old")]):
        started = now - timedelta(days=i + 1)
        state.record_run(tmp_path / "t.duckdb", state.RunRecord(
            f"r{i}", "events", "EVENTS", "incremental", status, started, started + timedelta(seconds=90),
            1234 if status == "ok" else 0, 13.7 if status == "ok" else 0.0, error))
    assert cli.main(["history", "--stats", "--config", str(p)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["table", "runs", "7d"]
    assert out[1].split()[:5] == ["events", "2", "2", "50%", "1m30s"]  # mean time: the ok runs
    assert out[1].split()[7:] == ["ok", "1m30s", "1,234", "14"]
    assert "last error" in out[2] and "ORA-01555" in out[2]
    assert out[3].split()[:3] == ["설비_알람", "0", "0"]
    assert cli.main(["history", "EVENTS", "--stats", "--json", "--config", str(p)]) == 0
    doc = json.loads(capsys.readouterr().out)
    (events,) = doc["tables"]
    assert (events["table"], events["runs_7d"], events["success_rate_30d"], events["last_rows"]) == (
        "events", 2, 0.5, 1234)


# -- the real thing, in a subprocess ---------------------------------------------------------

needs_script = pytest.mark.skipif(not TUI_SYNC.exists(),
                                  reason="the tui-sync console script is not installed")


def _demo(home: Path, monkeypatch: pytest.MonkeyPatch, rows: int) -> tuple[Config, dict[str, str]]:
    """Build the demo under `home`; return its config and the environment for subprocesses."""
    from tui_sync.demo import ensure_demo

    monkeypatch.setenv("TUI_SYNC_HOME", str(home))
    monkeypatch.setenv("TUI_SYNC_DEMO_ROWS", str(rows))
    config = load_config(ensure_demo())
    env = {**os.environ, "TUI_SYNC_HOME": str(home), "TUI_SYNC_DEMO_ROWS": str(rows)}
    env.pop("TZ", None)
    return config, env


def _backdate_runs(db: Path, days: int) -> None:
    """Pretend the scheduler has been down: the last runs are `days` old."""
    con = duckdb.connect(str(db))
    con.execute(f"UPDATE tui_sync.runs SET started_at = started_at - INTERVAL {days} DAY, "
                f"finished_at = finished_at - INTERVAL {days} DAY")
    con.close()


@needs_script
def test_once_catches_up_a_missed_demo_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config, env = _demo(tmp_path / "home", monkeypatch, 3000)
    db = config.target_path()
    state.record_run(db, state.RunRecord("old", "equipment_events", "EQUIPMENT_EVENTS", "full", "ok",
                                         datetime(2020, 1, 1), datetime(2020, 1, 1, 0, 1), 1, 1.0, None))
    r = subprocess.run([str(TUI_SYNC), "schedule", "--demo", "--once"], env=env, capture_output=True,
                       text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stderr
    assert "was missed" in r.stderr and "EQUIPMENT_EVENTS ok" in r.stderr
    assert "LOT_HISTORY: never synced; running it now" in r.stderr
    runs = state.read_runs(db)
    assert sorted((x.target_table, x.status) for x in runs if x.run_id != "old") == [
        ("equipment_events", "ok"), ("lot_history", "ok")]  # products has no schedule
    again = subprocess.run([str(TUI_SYNC), "schedule", "--demo", "--once"], env=env, capture_output=True,
                           text=True, timeout=120, check=False)
    assert again.returncode == 0 and len(state.read_runs(db)) == len(runs)  # nothing due any more


@needs_script
def test_sigterm_during_a_scheduled_sync_cancels_it_cleanly(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from tui_sync.demo import add_rows
    from tui_sync.engine import Engine

    config, env = _demo(tmp_path / "home", monkeypatch, 20_000)
    db = config.target_path()
    Engine(config).run(["EQUIPMENT_EVENTS"])  # the first full load, fast (default batch size)
    _backdate_runs(db, 3)
    add_rows(60_000)  # what the scheduled incremental run will read, in 600 small batches
    assert config.path is not None
    text = Path(config.path).read_text(encoding="utf-8")
    Path(config.path).write_text(text.replace("batch_rows = 50000", "batch_rows = 100"), encoding="utf-8")

    def snapshot() -> tuple[int, int, str | None]:
        con = duckdb.connect(str(db))
        try:
            count, distinct = con.execute("SELECT count(*), count(DISTINCT event_id) "
                                          "FROM equipment_events").fetchone()
            (watermark,) = con.execute("SELECT watermark FROM tui_sync.tables "
                                       "WHERE target_table = 'equipment_events'").fetchone()
            return count, distinct, watermark
        finally:
            con.close()

    before = snapshot()
    proc = subprocess.Popen([str(TUI_SYNC), "schedule", "--demo"], env=env, stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stderr], daemon=True).start()  # type: ignore[union-attr]
    seen: list[str] = []
    try:
        while True:
            line = lines.get(timeout=60)
            seen.append(line)
            if "scheduled sync of EQUIPMENT_EVENTS" in line:
                break
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, "".join(seen)
    assert "stopped" in "".join(seen) + "".join(iter_queue(lines))
    newest = state.read_runs(db, table="equipment_events", limit=1)[0]
    assert newest.status == "cancelled", newest
    after = snapshot()
    assert after == before  # rows, keys and watermark exactly as before the cancelled run
    assert after[0] == after[1]  # never a duplicated key


def iter_queue(q: queue.Queue[str]) -> list[str]:
    out = []
    while not q.empty():
        out.append(q.get_nowait())
    return out
