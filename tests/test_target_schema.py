"""A DuckDB schema in the target name (`target = analytics.events`): every mode, verify, state,
preview and export on a real SQLite source and a real DuckDB file / DuckLake."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pytest

from tests.conftest import duck_query, make_sqlite, target_of, write_config
from tui_sync import target
from tui_sync.config import load_config
from tui_sync.engine import Engine, hooks
from tui_sync.errors import ConfigError
from tui_sync.events import Control, Mode, Status
from tui_sync.preview import query as pq
from tui_sync.preview.export import export_window
from tui_sync.preview.paging import fetch_page
from tui_sync.services.verify import verify_table
from tui_sync.target import state as st
from tui_sync.target import state_read

pytestmark = pytest.mark.usefixtures("target_kind")

DDL = "CREATE TABLE EV (ID INTEGER PRIMARY KEY, TS TEXT NOT NULL, V NUMBER(10,2), NAME TEXT);"
NOKEY_DDL = "CREATE TABLE EV (ID INTEGER, TS TEXT NOT NULL, V NUMBER(10,2), NAME TEXT);"


def ts(i: int) -> str:
    return f"2026-03-01 {8 + i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}"


def source(tmp_path: Path, n: int = 50, ddl: str = DDL) -> Path:
    return make_sqlite(tmp_path / "src.sqlite", ddl,
                       [("INSERT INTO EV VALUES (?, ?, ?, ?)",
                         [(i, ts(i), f"{i}.25", f"n{i}") for i in range(1, n + 1)])])


def sql_rows(cfg, sql: str) -> list[tuple]:
    return duck_query(target_of(cfg), sql)


def tables_in(cfg) -> set[tuple[str, str]]:
    return set(sql_rows(cfg, "SELECT schema_name, table_name FROM duckdb_tables() "
                             "WHERE database_name = current_database()"))


def cfg_for(tmp_path: Path, src: Path, tgt: str, extra: str = "", sync: str = ""):
    return write_config(tmp_path, src, f"[table EV]\ntarget = {tgt}\ncursor = TS\n{extra}", sync=sync)


def test_full_incremental_test_verify_state_preview_on_a_schema(tmp_path: Path) -> None:
    src = source(tmp_path)
    cfg = cfg_for(tmp_path, src, "analytics.events", "primary_key = ID\n")
    assert cfg.table("EV").target_name() == "analytics.events"
    assert Engine(cfg).run(["EV"], Mode.FULL).ok
    have = tables_in(cfg)
    assert ("analytics", "events") in have and ("main", "analytics.events") not in have
    assert not [t for t in have if "__tui_sync" in t[1]]  # no stage left behind
    assert sql_rows(cfg, 'SELECT count(*), sum(v) FROM "analytics"."events"') == [(50, sum(i + 0.25 for i in range(1, 51)))]

    # incremental upsert: one update, one insert
    con = sqlite3.connect(src)
    con.execute("UPDATE EV SET NAME = 'changed', TS = ? WHERE ID = 3", [ts(100)])
    con.execute("INSERT INTO EV VALUES (51, ?, 1.5, 'new')", [ts(101)])
    con.commit()
    con.close()
    res = Engine(cfg).run(["EV"], Mode.INCREMENTAL)
    assert res.ok and res.results[0].mode == Mode.INCREMENTAL
    assert sql_rows(cfg, 'SELECT count(*), count(DISTINCT id) FROM analytics.events') == [(51, 51)]
    assert sql_rows(cfg, "SELECT name FROM analytics.events WHERE id = 3") == [("changed",)]

    # test mode: the _test table lives in the same schema; the target is untouched
    assert Engine(cfg).run(["EV"], Mode.TEST).ok
    assert ("analytics", "events_test") in tables_in(cfg)
    assert sql_rows(cfg, "SELECT count(*) FROM analytics.events") == [(51,)]

    # the state names the target in text form
    states = state_read.read_table_states(target_of(cfg))
    assert set(states) == {"analytics.events"} and states["analytics.events"].rows == 51
    runs = sql_rows(cfg, "SELECT DISTINCT target_table FROM tui_sync.runs")
    assert runs == [("analytics.events",)]

    report = verify_table(cfg, "EV")
    assert report.ok and report.target == "analytics.events"

    # preview: the table list shows it (and not the _test table's stage, nor the state)
    listed = {t.name: t.rows for t in pq.list_tables(target_of(cfg))}
    assert listed["analytics.events"] == 51 and "analytics.events_test" in listed
    assert not [n for n in listed if n.startswith("tui_sync.") or "__tui_sync" in n]
    rows = pq.fetch_preview(target_of(cfg), "analytics.events", limit=5)
    assert rows.rows == 51 and rows.cursor == "ts"  # the cursor from the sync state
    page = fetch_page(target_of(cfg), "analytics.events", limit=10)
    assert page.rows == 51
    out, n = export_window(target_of(cfg), "analytics.events", tmp_path / "out.parquet")
    assert n == 51
    assert duckdb.sql(f"SELECT count(*) FROM '{out}'").fetchall() == [(51,)]


def test_keyless_incremental_and_drift_on_a_schema(tmp_path: Path) -> None:
    src = source(tmp_path, ddl=NOKEY_DDL)
    cfg = cfg_for(tmp_path, src, "analytics.events", "lookback = 10 seconds\n")
    assert Engine(cfg).run(["EV"], Mode.FULL).ok
    con = sqlite3.connect(src)
    con.execute("INSERT INTO EV VALUES (51, ?, 1.5, 'new')", [ts(60)])
    con.commit()
    con.close()
    assert Engine(cfg).run(["EV"], Mode.INCREMENTAL).ok
    got = sql_rows(cfg, "SELECT count(*), count(DISTINCT id) FROM analytics.events")
    assert got == [(51, 51)]  # the window's rows deleted and appended once

    # a new source column: ADD COLUMN on the schema's table
    con = sqlite3.connect(src)
    con.execute("ALTER TABLE EV ADD COLUMN EXTRA TEXT")
    con.execute("INSERT INTO EV VALUES (52, ?, 2.5, 'x', 'e')", [ts(61)])
    con.commit()
    con.close()
    assert Engine(cfg).run(["EV"], Mode.INCREMENTAL).ok
    assert sql_rows(cfg, "SELECT extra FROM analytics.events WHERE id = 52") == [("e",)]
    # a dropped column is drift, reported for the schema's table
    con = sqlite3.connect(src)
    con.execute("ALTER TABLE EV DROP COLUMN NAME")
    con.commit()
    con.close()
    res = Engine(cfg).run(["EV"], Mode.INCREMENTAL)
    assert res.results[0].status == Status.FAILED and "dropped" in (res.results[0].error or "")
    assert Engine(cfg).run(["EV"], Mode.AUTO).ok  # auto runs full on drift
    assert "name" not in [r[0] for r in sql_rows(
        cfg, "SELECT column_name FROM information_schema.columns WHERE table_schema = 'analytics' "
             "AND table_name = 'events'")]


def test_chunked_full_resumes_inside_the_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = source(tmp_path, n=3000)
    cfg = cfg_for(tmp_path, src, "analytics.events", "primary_key = ID\n",
                  sync="chunk_rows = 500\nbatch_rows = 100")
    control = Control()

    def stop_midway(point: str) -> None:  # chunk 2 (rows 1..1000) is committed: cancel
        if point == "chunk:2":
            control.cancel()

    monkeypatch.setattr(hooks, "_fault", stop_midway)

    first = Engine(cfg, control=control).run(["EV"], Mode.FULL)
    assert first.results[0].status == Status.CANCELLED
    con = target.connect(target_of(cfg))
    point = st.get_resume(con, "analytics.events")
    con.close()
    assert point is not None and point.rows == 1000
    assert ("analytics", "events__tui_sync_stage") in tables_in(cfg)
    assert "analytics.events" in state_read.read_resume_points(target_of(cfg))
    res = Engine(cfg).run(["EV"], Mode.AUTO)
    assert res.ok and res.results[0].rows == 3000
    assert sql_rows(cfg, "SELECT count(*), count(DISTINCT id) FROM analytics.events") == [(3000, 3000)]
    assert ("analytics", "events__tui_sync_stage") not in tables_in(cfg)


@pytest.mark.parametrize("written, text, schema, table", [
    ('"분석"."my.ta""ble"', '분석."my.ta""ble"', "분석", 'my.ta"ble'),
    ('"my.table"', '"my.table"', "main", "my.table"),
    ("분석.이벤트", "분석.이벤트", "분석", "이벤트"),
])
def test_quoted_dotted_and_korean_names(tmp_path: Path, written: str, text: str, schema: str,
                                        table: str) -> None:
    src = source(tmp_path)
    cfg = cfg_for(tmp_path, src, written, "primary_key = ID\n")
    assert cfg.table("EV").target_name() == text
    assert Engine(cfg).run(["EV"], Mode.FULL).ok
    assert (schema, table) in tables_in(cfg)
    assert Engine(cfg).run(["EV"], Mode.INCREMENTAL).ok
    assert Engine(cfg).run(["EV"], Mode.TEST).ok
    assert (schema, table + "_test") in tables_in(cfg)
    assert set(state_read.read_table_states(target_of(cfg))) == {text}
    assert verify_table(cfg, "EV").ok
    listed = {t.name: t.rows for t in pq.list_tables(target_of(cfg))}
    assert listed[text] == 50
    assert pq.fetch_preview(target_of(cfg), text, limit=3).rows == 50


def test_a_one_part_target_is_unchanged(tmp_path: Path) -> None:
    src = source(tmp_path)
    cfg = cfg_for(tmp_path, src, "events", "primary_key = ID\n")
    assert Engine(cfg).run(["EV"], Mode.FULL).ok
    assert ("main", "events") in tables_in(cfg)
    assert set(state_read.read_table_states(target_of(cfg))) == {"events"}
    assert [t.name for t in pq.list_tables(target_of(cfg))] == ["events"]


@pytest.mark.parametrize("value, why", [
    ("a.b.c", "3 dotted parts"),
    ("tui_sync.events", "holds the sync state"),
    ('"open', "unclosed double quote"),
    ("analytics.", "empty name part"),
])
def test_bad_target_names_are_config_errors(tmp_path: Path, value: str, why: str) -> None:
    src = source(tmp_path)
    p = tmp_path / "bad.ini"
    p.write_text(f"[source]\nkind = sqlite\npath = {src}\n\n[target]\npath = t.duckdb\n\n"
                 f"[table EV]\ntarget = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(p)
    assert str(err.value).startswith(f"{p.name}:table EV:target: ") or ":target: " in str(err.value)
    assert why in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("schema, table", [
    (None, 'we"ird'), (None, '"abc'), ("s", 'a"b.c'), ("분석", "my.ta\"ble"), (None, " sp"),
    (None, "my table"), ("analytics", "events"),
])
def test_text_form_round_trips(schema: str | None, table: str) -> None:
    from tui_sync.target.names import TargetName

    name = TargetName(schema, table)
    assert TargetName.parse(name.text()) == name
    con = duckdb.connect()
    if schema:
        con.execute(f"CREATE SCHEMA {target.qi(schema)}")
    con.execute(f"CREATE TABLE {target.tref(name.text())} (x INT)")
    assert con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall() == [
        (schema or "main", table)]


def test_cli_sync_status_history_verify_on_a_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from tui_sync.cli import main

    src = source(tmp_path)
    cfg = cfg_for(tmp_path, src, "analytics.events", "primary_key = ID\n")
    ini = str(cfg.path)
    assert main(["sync", "--config", ini, "EV", "--mode", "full"]) == 0
    capsys.readouterr()
    assert main(["status", "--config", ini, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert "analytics.events" in json.dumps(doc)
    assert main(["history", "--config", ini, "analytics.events"]) == 0
    assert "analytics.events" in capsys.readouterr().out
    assert main(["verify", "--config", ini, "EV"]) == 0
    assert main(["sync", "--config", ini, "analytics.events", "--mode", "incremental"]) == 0


def test_migrate_a_schema_target_into_a_lake_and_sync_on(tmp_path: Path, target_kind: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    if target_kind != "duckdb":
        pytest.skip("migrates from a DuckDB file")
    from tests.conftest import lake_unavailable

    if lake_unavailable():
        pytest.skip(str(lake_unavailable()))
    from tui_sync.cli.main import main

    src = source(tmp_path)
    cfg = cfg_for(tmp_path, src, "analytics.events", "primary_key = ID\n")
    assert Engine(cfg).run(["EV"], Mode.FULL).ok
    catalog = tmp_path / "lk" / "lake.sqlite"
    assert main(["migrate-target", "--config", str(cfg.path), "--to-lake", str(catalog)]) == 0
    out = capsys.readouterr().out
    section = out[out.index("\n[target]\n"):].strip()
    d = tmp_path / "lakecfg"
    d.mkdir()
    (d / "tui-sync.ini").write_text(f"[source]\nkind = sqlite\npath = {src}\n\n{section}\n\n"
                                    "[table EV]\ntarget = analytics.events\ncursor = TS\n"
                                    "primary_key = ID\n", encoding="utf-8")
    lake_cfg = load_config(d / "tui-sync.ini")
    con = sqlite3.connect(src)
    con.execute("INSERT INTO EV VALUES (51, ?, 1.5, 'new')", [ts(101)])
    con.commit()
    con.close()
    res = Engine(lake_cfg).run(["EV"], Mode.AUTO)
    assert res.ok and res.results[0].mode == Mode.INCREMENTAL
    assert sql_rows(lake_cfg, "SELECT count(*), count(DISTINCT id) FROM analytics.events") == [(51, 51)]


def test_a_schema_named_in_another_case_is_the_same_schema(tmp_path: Path) -> None:
    src = source(tmp_path)
    first = cfg_for(tmp_path, src, "analytics.events", "primary_key = ID\n")
    con = target.connect(target_of(first))
    con.execute("CREATE SCHEMA analytics")  # made by someone else, in lower case
    con.close()
    cfg = cfg_for(tmp_path, src, "Analytics.events", "primary_key = ID\n")
    assert Engine(cfg).run(["EV"], Mode.FULL).ok
    res = Engine(cfg).run(["EV"], Mode.AUTO)
    assert res.ok and res.results[0].mode == Mode.INCREMENTAL  # the table is found again
    assert pq.fetch_preview(target_of(cfg), "Analytics.events", limit=3).rows == 50


def test_a_lake_reads_a_schema_table_as_of_a_run(tmp_path: Path, target_kind: str) -> None:
    if target_kind != "ducklake":
        pytest.skip("time travel is a lake's")
    from tui_sync.target.travel import as_of_run

    src = source(tmp_path)
    cfg = cfg_for(tmp_path, src, "analytics.events", "primary_key = ID\n")
    first = Engine(cfg).run(["EV"], Mode.FULL).results[0].run_id
    con = sqlite3.connect(src)
    con.execute("INSERT INTO EV VALUES (51, ?, 1.5, 'new')", [ts(101)])
    con.commit()
    con.close()
    assert Engine(cfg).run(["EV"], Mode.INCREMENTAL).ok
    assert first is not None
    _, then = as_of_run(target_of(cfg), first)
    assert {t.name: t.rows for t in pq.list_tables(then)}["analytics.events"] == 50
    assert pq.fetch_preview(then, "analytics.events", limit=3).rows == 50
