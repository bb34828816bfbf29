"""The CLI of a backfill (`sync --since/--until`, `plan --since`) and of the state repairs
(`state show`, `state set-watermark`), on real SQLite -> real DuckDB files and lakes."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import duck_query, duck_rows, make_sqlite, target_of, write_config
from tui_sync.cli.main import main
from tui_sync.config import Config
from tui_sync.sources.sqlite import format_timestamp
from tui_sync.target import state as st

T0 = datetime(2026, 3, 1, 8, 0, 0)


def setup(tmp_path: Path, key: bool = False) -> tuple[Config, Path]:
    src = make_sqlite(tmp_path / "src.sqlite", f"""
        CREATE TABLE EV (ID NUMBER(9) {'PRIMARY KEY' if key else ''}, TS TIMESTAMP(6) NOT NULL,
                         V VARCHAR2(20));
        CREATE TABLE N (ID NUMBER(9) PRIMARY KEY, SEQ NUMBER(9) NOT NULL);
        CREATE TABLE P (ID NUMBER(9) PRIMARY KEY);""",
                      [("INSERT INTO EV VALUES (?, ?, ?)",
                        [(i, format_timestamp(T0 + timedelta(minutes=i)), f"v{i}")
                         for i in range(1, 61)]),
                       ("INSERT INTO N VALUES (?, ?)", [(i, i * 10) for i in range(1, 11)]),
                       ("INSERT INTO P VALUES (?)", [(1,)])])
    cfg = write_config(tmp_path, src, "[table EV]\ntarget = ev\ncursor = TS\nlookback = 5 minutes\n"
                       "[table N]\ncursor = SEQ\n[table P]\n")
    return cfg, src


def cli(cfg: Config, *args: str) -> list[str]:
    return [*args, "--config", str(cfg.path)]


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0], err
    return err[0]


# -- sync --since / --until ----------------------------------------------------------------

def test_sync_since_until_repairs_the_window_and_says_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg, src = setup(tmp_path)
    assert main(cli(cfg, "sync", "--all", "--mode", "full")) == 0
    con = sqlite3.connect(src)
    con.execute("INSERT INTO EV VALUES (999, ?, 'late')", (format_timestamp(T0 + timedelta(
        minutes=10, seconds=5)),))
    con.commit()
    con.close()
    capsys.readouterr()
    assert main(cli(cfg, "sync", "EV", "--since", "2026-03-01 08:10", "--until",
                    "2026-03-01T08:20:00", "--json")) == 0
    out = capsys.readouterr()
    res = json.loads(out.out)["results"][0]
    assert res["mode"] == "incremental" and res["rows"] == 12
    assert res["note"] == "backfill since 2026-03-01 08:10:00 until 2026-03-01 08:20:00"
    assert "re-read in the backfill window" in out.err
    assert len(duck_rows(target_of(cfg), "ev", "id")) == 61  # no row above 08:20 lost
    main(cli(cfg, "history", "EV", "--json"))
    hist = json.loads(capsys.readouterr().out)
    assert (hist[0]["mode"], hist[0]["note"]) == ("incremental", res["note"])


@pytest.mark.parametrize(("args", "message"), [
    (["EV", "--since", "yesterday"],
     "--since 'yesterday': the cursor TS is TIMESTAMP(6); give an ISO date or date-time"),
    (["N", "--since", "1e", "--until", "20"], "--since '1e': the cursor SEQ is NUMBER(9,0); give a number"),
    (["EV", "--since", "2026-03-02", "--until", "2026-03-01"], "is after --until"),
    (["--all", "--since", "5"], "--since '5': the cursor TS is TIMESTAMP(6)"),
    (["P", "N", "--since", "5"], "P: --since needs a cursor column"),
    (["EV", "--since", "2026-03-01", "--mode", "full"], "cannot go with --mode full"),
    (["EV", "--since", "2026-03-01", "--mode", "test"], "cannot go with --mode test"),
    (["EV", "--until", "2026-03-01"], "--until bounds a backfill: give --since VALUE too"),
])
def test_sync_since_refusals_are_one_line_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    cfg, _ = setup(tmp_path)
    assert main(cli(cfg, "sync", "--all", "--mode", "full")) == 0
    before = duck_query(target_of(cfg), "SELECT count(*) FROM tui_sync.runs")
    capsys.readouterr()
    assert main(cli(cfg, "sync", *args)) == 2
    assert message in one_error_line(capsys)
    assert duck_query(target_of(cfg), "SELECT count(*) FROM tui_sync.runs") == before  # no run


def test_sync_help_says_lookback_is_not_subtracted(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["sync", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--since VALUE" in text and "no lookback is subtracted from it" in text
    assert "--until VALUE" in text


def test_plan_since_shows_the_window_sql_with_its_bounds(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg, _ = setup(tmp_path)
    assert main(cli(cfg, "plan", "N", "--since", "20", "--until", "50", "--json")) == 0
    doc = json.loads(capsys.readouterr().out)
    sql, binds = doc["sql"]["backfill"]["sql"], doc["sql"]["backfill"]["binds"]
    assert '"SEQ" >= :lo' in sql and '"SEQ" <= :hi' in sql and (binds["lo"], binds["hi"]) == (20, 50)
    assert main(cli(cfg, "plan", "EV", "--since", "2026-03-01 08:10")) == 0
    out = capsys.readouterr().out
    assert "SQL (backfill):" in out and "2026-03-01 08:10:00.000000" in out and "<max cursor>" in out
    assert main(cli(cfg, "plan", "P", "--since", "1")) == 2
    assert "P: --since needs a cursor column" in one_error_line(capsys)
    assert not (tmp_path / "t.duckdb").exists()  # plan writes nothing


# -- state show / set-watermark ---------------------------------------------------------------

@pytest.mark.usefixtures("target_kind")
def test_state_show_and_set_watermark(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg, src = setup(tmp_path, key=True)
    assert main(cli(cfg, "sync", "EV", "N", "--mode", "full")) == 0
    capsys.readouterr()
    assert main(cli(cfg, "state", "show", "EV", "--json")) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["table"] == "ev" and doc["state"]["watermark"] == "2026-03-01 09:00:00"
    assert doc["state"]["watermark_type"] == "timestamp" and doc["state"]["rows"] == 60
    assert [r["mode"] for r in doc["runs"]] == ["full"]

    # back to 08:30: the next incremental re-reads from there (minus the lookback)
    assert main(cli(cfg, "state", "set-watermark", "ev", "2026-03-01 08:30")) == 0
    out = capsys.readouterr().out
    assert "ev: watermark 2026-03-01 09:00:00 -> 2026-03-01 08:30:00 (cursor TS, timestamp" in out
    assert st.read_table_states(target_of(cfg))["ev"].watermark == "2026-03-01 08:30:00"
    run = st.read_runs(target_of(cfg), "ev")[0]
    assert (run.mode, run.status, run.rows, run.note) == (
        "set-watermark", "ok", 0, "watermark 2026-03-01 09:00:00 -> 2026-03-01 08:30:00")
    # the repair is not a sync: status still shows the last sync's outcome and mode
    state = st.read_table_states(target_of(cfg))["ev"]
    assert (state.last_mode, state.last_status) == ("full", "ok")
    assert main(cli(cfg, "sync", "EV")) == 0
    assert st.read_runs(target_of(cfg), "ev")[0].rows == 36  # 08:25 .. 09:00

    # a number watermark, and text shown
    assert main(cli(cfg, "state", "set-watermark", "N", "40")) == 0
    assert "n: watermark 100 -> 40 (cursor SEQ, integer" in capsys.readouterr().out
    assert main(cli(cfg, "state", "show", "N")) == 0
    out = capsys.readouterr().out
    assert "watermark       40  (integer)" in out and "set-watermark" in out
    assert "watermark 100 -> 40" in out


@pytest.mark.parametrize(("args", "message"), [
    (["show", "NOPE"], "table NOPE not found"),
    (["show", "P"], "table P not found: no sync state for it in"),
    (["set-watermark", "EV", "soon"], "ev: watermark 'soon': the cursor TS holds timestamp "
                                      "values; give an ISO date or date-time"),
    (["set-watermark", "N", "4.5"], "watermark '4.5': the cursor SEQ holds integer values; give a "
                                    "whole number"),
    (["set-watermark", "P", "1"], "p: never fully synced: no watermark to repair"),
    (["set-watermark", "NOPE", "1"], "NOPE: never fully synced"),
])
def test_state_refusals_are_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            args: list[str], message: str) -> None:
    cfg, _ = setup(tmp_path)
    assert main(cli(cfg, "sync", "EV", "N", "--mode", "full")) == 0
    capsys.readouterr()
    assert main(cli(cfg, "state", *args)) == 2
    assert message in one_error_line(capsys)
    assert st.read_table_states(target_of(cfg))["ev"].watermark == "2026-03-01 09:00:00"


def test_set_watermark_refuses_a_table_without_cursor(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg, _ = setup(tmp_path)
    assert main(cli(cfg, "sync", "P")) == 0
    capsys.readouterr()
    assert main(cli(cfg, "state", "set-watermark", "P", "1")) == 2
    assert "p: has no cursor column" in one_error_line(capsys)
    assert main(cli(cfg, "state", "show", "P")) == 0  # but its state shows
    assert "cursor          -" in capsys.readouterr().out


@pytest.mark.usefixtures("target_kind")
def test_set_watermark_while_a_sync_holds_the_lock_is_exit_3(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg, _ = setup(tmp_path)
    assert main(cli(cfg, "sync", "EV", "--mode", "full")) == 0
    anchor = str(target_of(cfg).anchor)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from tui_sync.target.lock import SyncLock
        with SyncLock({anchor!r}, holder="cron", tables=["EV"]):
            print("locked", flush=True)
            time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        capsys.readouterr()
        assert main(cli(cfg, "state", "set-watermark", "EV", "2026-03-01")) == 3
        line = one_error_line(capsys)
        assert f"pid {holder.pid}" in line and "cron" in line
    finally:
        holder.kill()
        holder.wait()
    assert st.read_table_states(target_of(cfg))["ev"].watermark == "2026-03-01 09:00:00"
    assert [r.mode for r in st.read_runs(target_of(cfg), "ev")] == ["full"]


def test_history_shows_the_note_of_a_backfill_and_a_repair(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg, _ = setup(tmp_path)
    assert main(cli(cfg, "sync", "N", "--mode", "full")) == 0
    assert main(cli(cfg, "sync", "N", "--since", "30")) == 0
    assert main(cli(cfg, "state", "set-watermark", "N", "50", "--json")) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {k: doc[k] for k in ("table", "cursor", "kind", "old", "new")} == {
        "table": "n", "cursor": "SEQ", "kind": "integer", "old": "100", "new": "50"}
    assert main(cli(cfg, "history", "N")) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "watermark 100 -> 50" in lines[1] and "set-watermark" in lines[1]
    assert "backfill since 30" in lines[2] and "incremental" in lines[2]


def test_state_on_a_target_never_synced_is_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg, _ = setup(tmp_path)
    assert main(cli(cfg, "state", "set-watermark", "EV", "2026-03-01")) == 2
    assert "ev: never synced into" in one_error_line(capsys)
    assert main(cli(cfg, "state", "show", "EV")) == 2
    assert "it is configured but was never synced" in one_error_line(capsys)
    assert not (tmp_path / "t.duckdb").exists()  # nothing created
