"""Defects a review of the dlt/Sling parity work found, each on real SQLite -> DuckDB files:
`main.x` and `x` loading one table from two sections, DuckDB's own schemas as targets, a
query table named into tui_sync, a TIMESTAMP(9) backfill bound, a hand-set watermark finer
than its cursor, and CLI input that ended in a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import duck_query, make_sqlite, target_of, write_config
from tui_sync.cli.main import main
from tui_sync.engine import Engine
from tui_sync.errors import ConfigError
from tui_sync.events import Backfill, Mode, SyncRequest


def _src(tmp_path: Path) -> Path:
    return make_sqlite(tmp_path / "src.sqlite",
                       "CREATE TABLE EV (ID INTEGER PRIMARY KEY, TS TIMESTAMP(6), V TEXT);"
                       "CREATE TABLE LOGK (N INTEGER, V TEXT);",
                       [("INSERT INTO EV VALUES (?, ?, ?)",
                         [(i, f"2024-01-10 08:00:0{i}.000000", f"v{i}") for i in range(1, 4)]),
                        ("INSERT INTO LOGK VALUES (?, ?)", [(i, f"k{i}") for i in range(1, 4)])])


def test_main_schema_is_the_default_schema(tmp_path: Path) -> None:
    """`target = main.ev` and another section's `ev` are one DuckDB table: refused at load,
    not two state rows over one table (an incremental merged one table's rows into the
    other's)."""
    with pytest.raises(ConfigError, match=r"table LOGK:target: target table ev is also"):
        write_config(tmp_path, _src(tmp_path),
                     "[table EV]\ntarget = main.ev\n[table LOGK]\ntarget = ev\n")


@pytest.mark.parametrize("schema", ["temp", "SYSTEM", "information_schema"])
def test_duckdbs_own_schemas_are_refused_as_targets(tmp_path: Path, schema: str) -> None:
    with pytest.raises(ConfigError, match=f"target: schema {schema} is DuckDB's own"):
        write_config(tmp_path, _src(tmp_path), f"[table EV]\ntarget = {schema}.ev\n")


def test_a_query_table_cannot_be_named_into_the_state_schema(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"table tui_sync.runs: schema tui_sync holds"):
        write_config(tmp_path, _src(tmp_path),
                     "[table tui_sync.runs]\nquery = SELECT ID, V FROM EV\n")


def test_keyless_backfill_until_on_a_timestamp9_cursor_keeps_one_copy(tmp_path: Path) -> None:
    """--until 08:00:00 on a TIMESTAMP(9) cursor: the read took the row at .000000500 (a
    bound without digits 7-9 covered its whole microsecond) while the target's delete
    stopped at .000000000, so the row was there twice."""
    src = make_sqlite(tmp_path / "src.sqlite", "CREATE TABLE NS (TS TIMESTAMP(9), V INTEGER);",
                      [("INSERT INTO NS VALUES (?, ?)",
                        [("2024-01-10 07:00:00.000000000", 1), ("2024-01-10 08:00:00.000000000", 2),
                         ("2024-01-10 08:00:00.000000500", 3), ("2024-01-10 09:00:00.000000000", 4)])])
    cfg = write_config(tmp_path, src, "[table NS]\ncursor = TS\n")
    assert Engine(cfg).run(["NS"], Mode.FULL).ok
    result = Engine(cfg).run(SyncRequest(("NS",), Mode.AUTO,
                                         backfill=Backfill("2024-01-10", "2024-01-10 08:00:00")))
    assert result.ok, result
    got = duck_query(target_of(cfg), "SELECT v, count(*) FROM ns GROUP BY v ORDER BY v")
    assert got == [(1, 1), (2, 1), (3, 1), (4, 1)]


def test_a_watermark_set_finer_than_a_date_cursor_is_cut_to_its_seconds(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Oracle binds a DATE bound in whole seconds (sources/oracle/sql.py cursor_bind): the
    window read from 08:00:00 while a keyless delete used 08:00:00.5, and the row at
    08:00:00 was read again with its old copy kept. Every bound is now cut to the cursor's
    precision, so the read and the delete use one bound."""
    src = make_sqlite(tmp_path / "src.sqlite", "CREATE TABLE D (TS DATE, V INTEGER);",
                      [("INSERT INTO D VALUES (?, ?)",
                        [("2024-01-10 07:00:00", 1), ("2024-01-10 08:00:00", 2)])])
    cfg = write_config(tmp_path, src, "[table D]\ncursor = TS\n")
    assert Engine(cfg).run(["D"], Mode.FULL).ok
    assert main(["state", "set-watermark", "D", "2024-01-10 08:00:00.5",
                 "--config", str(cfg.path)]) == 0
    logs: list[str] = []
    result = Engine(cfg, on_event=lambda e: logs.append(getattr(e, "message", ""))).run(
        ["D"], Mode.INCREMENTAL)
    assert result.ok, result
    assert any("window TS >= 2024-01-10 08:00:00 and" in m for m in logs), logs


def test_state_show_with_a_negative_count_is_a_usage_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = write_config(tmp_path, _src(tmp_path), "[table EV]\ncursor = TS\n")
    assert Engine(cfg).run(["EV"], Mode.FULL).ok
    with pytest.raises(SystemExit) as exc:
        main(["state", "show", "EV", "--last", "-1", "--config", str(cfg.path)])
    assert exc.value.code == 2
    assert "--last: -1 is below 0" in capsys.readouterr().err


def test_a_backfill_bound_past_sqlites_integers_is_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _src(tmp_path)
    cfg = write_config(tmp_path, src, "[table LOGK]\ncursor = N\n")
    assert Engine(cfg).run(["LOGK"], Mode.FULL).ok
    code = main(["sync", "LOGK", "--since=1e30", "--config", str(cfg.path)])
    err = capsys.readouterr().err
    assert code != 0 and "internal error" not in err and "Traceback" not in err
    assert "beyond SQLite's integers" in err
    con = sqlite3.connect(src)
    assert con.execute("SELECT count(*) FROM LOGK").fetchone() == (3,)
    con.close()


def test_ctrl_c_inside_a_duckdb_statement_is_exit_130(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """DuckDB 2 turns SIGINT during a statement into RuntimeError('Query interrupted'): that
    was a traceback and exit 1; it is the CLI's 'interrupted', 130. Other RuntimeErrors
    still surface."""
    cfg = write_config(tmp_path, _src(tmp_path), "[table EV]\ncursor = TS\n")
    assert Engine(cfg).run(["EV"], Mode.FULL).ok
    import tui_sync.services.query as q

    def interrupted(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Query interrupted")

    monkeypatch.setattr(q, "check_read_only", interrupted)
    assert main(["query", "SELECT 1", "--config", str(cfg.path)]) == 130
    assert "tui-sync: interrupted" in capsys.readouterr().err

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something else")

    monkeypatch.setattr(q, "check_read_only", broken)
    with pytest.raises(RuntimeError, match="something else"):
        main(["query", "SELECT 1", "--config", str(cfg.path)])


def test_query_prints_timestamp_ns_with_all_nine_digits(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """DuckDB's Python rows carry microseconds only: a synced TIMESTAMP(9) printed cut."""
    src = make_sqlite(tmp_path / "src.sqlite", "CREATE TABLE NS (TS TIMESTAMP(9), V INTEGER);",
                      [("INSERT INTO NS VALUES (?, ?)", [("2024-01-10 08:00:00.000000500", 3)])])
    cfg = write_config(tmp_path, src, "[table NS]\ncursor = TS\n")
    assert Engine(cfg).run(["NS"], Mode.FULL).ok
    import json

    assert main(["query", "SELECT ts, v FROM ns ORDER BY v", "--json",
                 "--config", str(cfg.path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["rows"] == [["2024-01-10T08:00:00.000000500", "3"]]  # DECIMAL(38,0): text
    assert doc["columns"][0]["type"] == "TIMESTAMP_NS"
    assert main(["query", "SELECT ts FROM ns", "--config", str(cfg.path)]) == 0
    assert "08:00:00.000000500" in capsys.readouterr().out


def test_a_backfill_summary_names_its_window(tmp_path: Path) -> None:
    """The run summary (TUI Progress and the CLI's last line) said a backfill re-read rows
    "in the lookback window"."""
    from tui_sync.progress import rows_summary

    cfg = write_config(tmp_path, _src(tmp_path), "[table EV]\ncursor = TS\nprimary_key = ID\n")
    assert Engine(cfg).run(["EV"], Mode.FULL).ok
    result = Engine(cfg).run(SyncRequest(("EV",), Mode.AUTO, backfill=Backfill("2024-01-10")))
    assert result.ok, result
    assert "3 re-read in the backfill window" in rows_summary(result.results)
    plain = Engine(cfg).run(["EV"], Mode.INCREMENTAL)
    assert "re-read in the lookback window" in rows_summary(plain.results)
