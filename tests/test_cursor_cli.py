"""Issue 9 items 8 and 11 through the real console script: exit 2, one line, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import make_sqlite
from tests.test_cli import run


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    return h


def _source(tmp_path: Path) -> Path:
    return make_sqlite(tmp_path / "s.sqlite",
                       "CREATE TABLE EVENTS (ID INTEGER PRIMARY KEY, AT VARCHAR2(14));"
                       "CREATE TABLE OTHER (ID INTEGER PRIMARY KEY, AT VARCHAR2(14));",
                       [("INSERT INTO EVENTS VALUES (?, ?)", [(1, "20240101120000")]),
                        ("INSERT INTO OTHER VALUES (?, ?)", [(1, "20240101120000")])])


def test_two_sections_on_one_target_exit_2(home: Path, tmp_path: Path) -> None:
    src = _source(tmp_path)
    cfg = tmp_path / "dup.ini"
    cfg.write_text(f"[source]\nkind = sqlite\npath = {src}\n[target]\npath = t.duckdb\n"
                   "[table EVENTS]\n[table OTHER]\ntarget = events\n")
    r = run(["sync", "--config", str(cfg), "--all"], home)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == (f"tui-sync: error: {cfg}:table OTHER:target: target table events is "
                                "also the target of [table EVENTS]; set target = ... to tell them apart")
    assert not (tmp_path / "t.duckdb").exists()


def test_one_source_table_named_twice_exit_2(home: Path, tmp_path: Path) -> None:
    src = _source(tmp_path)
    cfg = tmp_path / "dup.ini"
    cfg.write_text(f"[source]\nkind = sqlite\npath = {src}\n[target]\npath = t.duckdb\n"
                   "[table EVENTS]\n[table events]\ntarget = events_2\n")
    r = run(["sync", "--config", str(cfg), "EVENTS"], home)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"{cfg}:table events: names the same source table as [table EVENTS]" in r.stderr
    assert not (tmp_path / "t.duckdb").exists()


def test_lookback_on_text_in_no_known_time_format_exit_2(home: Path, tmp_path: Path) -> None:
    src = make_sqlite(tmp_path / "s.sqlite", "CREATE TABLE L (ID INTEGER PRIMARY KEY, AT VARCHAR2(14));",
                      [("INSERT INTO L VALUES (?, ?)", [(1, "batch-7")])])
    cfg = tmp_path / "c.ini"
    cfg.write_text(f"[source]\nkind = sqlite\npath = {src}\n[target]\npath = t.duckdb\n"
                   "[table L]\ncursor = AT\nlookback = 10 minutes\n")
    for args in (["sync", "--config", str(cfg), "L"], ["plan", "--config", str(cfg), "L"]):
        r = run(args, home)
        assert r.returncode == 2, r.stderr
        assert r.stderr.startswith(f"tui-sync: error: {cfg}:[table L]:lookback: ")
        assert "'batch-7'" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "t.duckdb").exists()


def test_lookback_on_a_compact_text_cursor_is_applied(home: Path, tmp_path: Path) -> None:
    src = make_sqlite(tmp_path / "s.sqlite", "CREATE TABLE L (ID INTEGER PRIMARY KEY, AT VARCHAR2(14));",
                      [("INSERT INTO L VALUES (?, ?)", [(1, "20240101120000"), (2, "20240101121000")])])
    cfg = tmp_path / "c.ini"
    cfg.write_text(f"[source]\nkind = sqlite\npath = {src}\n[target]\npath = t.duckdb\n"
                   "[table L]\ncursor = AT\nlookback = 10 minutes\n")
    assert run(["sync", "--config", str(cfg), "L"], home).returncode == 0
    r = run(["plan", "--config", str(cfg), "L"], home)
    assert r.returncode == 0, r.stderr


def test_two_named_tables_on_one_default_target_exit_2(home: Path, tmp_path: Path) -> None:
    # no sections at all: MAIN.EVENTS and EVENTS both default to the target events
    src = _source(tmp_path)
    cfg = tmp_path / "c.ini"
    cfg.write_text(f"[source]\nkind = sqlite\npath = {src}\n[target]\npath = t.duckdb\n")
    r = run(["sync", "--config", str(cfg), "MAIN.EVENTS", "EVENTS"], home)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == ("tui-sync: error: MAIN.EVENTS and EVENTS would both load the target "
                                "table events; give them [table ...] sections with distinct targets")
    assert not (tmp_path / "t.duckdb").exists()
