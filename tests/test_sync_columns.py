"""`[sync] sync_columns = true`: `_tui_sync_run_id` and `_tui_sync_synced_at` on every target,
filled in SQL at insert, kept right by upserts and keyless windows, added to an existing target
without schema drift, left in place (NULL) when turned off, ignored by verify, shown by plan."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import duck_query, make_sqlite, target_of, write_config
from tests.test_target_schema import NOKEY_DDL, source, ts  # the same EV source
from tui_sync.cli.main import main
from tui_sync.engine import Engine, hooks
from tui_sync.errors import ConfigError
from tui_sync.events import Control, Mode, Status
from tui_sync.services.plan import plan_lines
from tui_sync.services.verify import verify_table

pytestmark = pytest.mark.usefixtures("target_kind")

ON = "sync_columns = true"


def config(tmp_path: Path, src: Path, sync: str = ON, target: str = "events", key: bool = True):
    # keyed: no lookback (a window re-reads only what changed); keyless: 10 seconds
    tables = (f"[table EV]\ntarget = {target}\ncursor = TS\n"
              + ("primary_key = ID\n" if key else "lookback = 10 seconds\n"))
    cfg = write_config(tmp_path, src, tables, sync=sync)
    return cfg


def q(cfg, sql: str) -> list[tuple]:
    return duck_query(target_of(cfg), sql)


def columns(cfg, table: str = "events", schema: str = "main") -> list[tuple[str, str]]:
    return q(cfg, "SELECT column_name, data_type FROM information_schema.columns WHERE "
                  f"table_catalog = current_database() AND table_schema = '{schema}' "
                  f"AND table_name = '{table}' ORDER BY ordinal_position")


def run_ids(cfg) -> list[str]:
    return [r[0] for r in q(cfg, "SELECT run_id FROM tui_sync.runs ORDER BY started_at")]


def by_run(cfg, table: str = "events") -> dict[str | None, int]:
    return dict(q(cfg, f"SELECT _tui_sync_run_id, count(*) FROM {table} GROUP BY 1"))


def source_sql(src: Path, *statements: tuple[str, list]) -> None:
    con = sqlite3.connect(src)
    for sql, params in statements:
        con.execute(sql, params)
    con.commit()
    con.close()


# every row of `table` carries its run's start time (runs.started_at is naive UTC)
STAMPED = ("SELECT count(*) FROM {t} e JOIN tui_sync.runs r ON r.run_id = e._tui_sync_run_id "
           "WHERE e._tui_sync_synced_at = timezone('UTC', r.started_at)")


def test_full_then_upsert_stamps_rows_with_their_run(tmp_path: Path) -> None:
    src = source(tmp_path)
    cfg = config(tmp_path, src)
    assert Engine(cfg).run(["EV"], Mode.FULL).ok
    cols = columns(cfg)
    assert cols[-2:] == [("_tui_sync_run_id", "VARCHAR"),
                         ("_tui_sync_synced_at", "TIMESTAMP WITH TIME ZONE")]
    assert [c for c, _ in cols[:-2]] == ["id", "ts", "v", "name"]
    first = run_ids(cfg)[0]
    assert by_run(cfg) == {first: 50}
    assert q(cfg, STAMPED.format(t="events")) == [(50,)]

    source_sql(src, ("UPDATE EV SET NAME = 'changed', TS = ? WHERE ID = 3", [ts(100)]),
               ("INSERT INTO EV VALUES (51, ?, 1.5, 'new')", [ts(101)]))
    res = Engine(cfg).run(["EV"], Mode.INCREMENTAL)
    assert res.ok
    second = run_ids(cfg)[1]
    # the window starts AT the watermark (inclusive): row 50 is re-read with 3 and 51
    assert by_run(cfg) == {first: 48, second: 3}
    assert q(cfg, f"SELECT id FROM events WHERE _tui_sync_run_id = '{second}' ORDER BY id") \
        == [(3,), (50,), (51,)]
    assert q(cfg, STAMPED.format(t="events")) == [(51,)]
    assert q(cfg, "SELECT count(*), count(DISTINCT id) FROM events") == [(51, 51)]
    # verify compares the source's columns only
    assert verify_table(cfg, "EV").ok and verify_table(cfg, "EV", quick=True).ok


def test_keyless_window_rows_get_the_new_run(tmp_path: Path) -> None:
    src = source(tmp_path, ddl=NOKEY_DDL)
    cfg = config(tmp_path, src, key=False)
    assert Engine(cfg).run(["EV"], Mode.FULL).ok
    source_sql(src, ("INSERT INTO EV VALUES (51, ?, 1.5, 'new')", [ts(60)]))
    assert Engine(cfg).run(["EV"], Mode.INCREMENTAL).ok
    first, second = run_ids(cfg)
    # the window (ts >= watermark - 10 s: ids 40..51) was deleted and appended by run 2
    assert by_run(cfg) == {first: 39, second: 12}
    assert q(cfg, "SELECT count(*), count(DISTINCT id) FROM events") == [(51, 51)]
    assert q(cfg, STAMPED.format(t="events")) == [(51,)]


def test_turned_on_for_an_existing_target_adds_the_columns_without_drift(tmp_path: Path) -> None:
    src = source(tmp_path)
    off = config(tmp_path, src, sync="")
    assert Engine(off).run(["EV"], Mode.FULL).ok
    assert "_tui_sync_run_id" not in dict(columns(off))
    on = config(tmp_path, src)
    source_sql(src, ("INSERT INTO EV VALUES (51, ?, 1.5, 'new')", [ts(101)]))
    res = Engine(on).run(["EV"], Mode.AUTO)
    assert res.ok and res.results[0].mode == Mode.INCREMENTAL  # not a source change
    assert [c for c, _ in columns(on)][-2:] == ["_tui_sync_run_id", "_tui_sync_synced_at"]
    assert by_run(on) == {None: 49, run_ids(on)[1]: 2}  # 50 (at the watermark) and 51
    # the next auto is incremental again; a full fills every row
    assert Engine(on).run(["EV"], Mode.AUTO).results[0].mode == Mode.INCREMENTAL
    assert Engine(on).run(["EV"], Mode.FULL).ok
    assert by_run(on) == {run_ids(on)[-1]: 51}


def test_turned_off_the_columns_stay_and_new_rows_get_null(tmp_path: Path) -> None:
    src = source(tmp_path)
    on = config(tmp_path, src)
    assert Engine(on).run(["EV"], Mode.FULL).ok
    first = run_ids(on)[0]
    off = config(tmp_path, src, sync="sync_columns = false")
    source_sql(src, ("UPDATE EV SET NAME = 'changed', TS = ? WHERE ID = 3", [ts(100)]))
    res = Engine(off).run(["EV"], Mode.AUTO)
    assert res.ok and res.results[0].mode == Mode.INCREMENTAL
    assert by_run(off) == {first: 48, None: 2}  # 3, and 50 at the watermark
    assert q(off, "SELECT _tui_sync_synced_at FROM events WHERE id = 3") == [(None,)]
    assert Engine(off).run(["EV"], Mode.FULL).ok  # a full keeps them too, all NULL
    assert [c for c, _ in columns(off)][-2:] == ["_tui_sync_run_id", "_tui_sync_synced_at"]
    assert by_run(off) == {None: 50}
    assert verify_table(off, "EV").ok


def test_test_mode_and_a_schema_target(tmp_path: Path) -> None:
    src = source(tmp_path)
    cfg = config(tmp_path, src, target="분석.events")
    assert Engine(cfg).run(["EV"], Mode.TEST).ok
    assert [c for c, _ in columns(cfg, "events_test", "분석")][-2:] == [
        "_tui_sync_run_id", "_tui_sync_synced_at"]
    assert Engine(cfg).run(["EV"], Mode.FULL).ok
    assert q(cfg, STAMPED.format(t='"분석".events')) == [(50,)]
    assert verify_table(cfg, "EV").ok


def test_a_resumed_chunked_full_keeps_each_chunks_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = source(tmp_path, n=3000)
    cfg = config(tmp_path, src, sync=f"{ON}\nchunk_rows = 500\nbatch_rows = 100")
    control = Control()

    def stop_midway(point: str) -> None:  # chunk 2 (rows 1..1000) is committed: cancel
        if point == "chunk:2":
            control.cancel()

    monkeypatch.setattr(hooks, "_fault", stop_midway)

    assert Engine(cfg, control=control).run(["EV"], Mode.FULL) \
        .results[0].status == Status.CANCELLED
    res = Engine(cfg).run(["EV"], Mode.AUTO)
    assert res.ok and res.results[0].rows == 3000
    first, second = run_ids(cfg)
    got = by_run(cfg)
    assert got == {first: 1000, second: 2000}
    assert q(cfg, STAMPED.format(t="events")) == [(3000,)]


def test_plan_mentions_them_and_a_clashing_source_column_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = source(tmp_path)
    cfg = config(tmp_path, src)
    lines = plan_lines(Engine(cfg).plan("EV"))
    assert any("_tui_sync_run_id" in ln and "VARCHAR" in ln for ln in lines)
    assert any("_tui_sync_synced_at" in ln and "TIMESTAMPTZ" in ln for ln in lines)
    assert main(["plan", "--config", str(cfg.path), "EV", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sync_columns"] == {
        "_tui_sync_run_id": "VARCHAR", "_tui_sync_synced_at": "TIMESTAMPTZ"}
    assert not any("_tui_sync" in ln for ln in plan_lines(Engine(config(tmp_path, src, sync="")).plan("EV")))

    bad = make_sqlite(tmp_path / "bad.sqlite",
                      "CREATE TABLE EV (ID INTEGER PRIMARY KEY, _TUI_SYNC_RUN_ID TEXT);",
                      [("INSERT INTO EV VALUES (?, ?)", [(1, "x")])])
    sub = tmp_path / "bad"
    sub.mkdir()
    cfg = write_config(sub, bad, "[table EV]\nprimary_key = ID\n", sync=ON)
    with pytest.raises(ConfigError) as err:
        Engine(cfg).plan("EV")
    assert "_tui_sync_run_id" in str(err.value) and "sync column" in str(err.value)
    with pytest.raises(ConfigError, match="sync column"):  # refused before any write
        Engine(cfg).run(["EV"], Mode.FULL)
    assert not target_of(cfg).exists() or not q(
        cfg, "SELECT 1 FROM information_schema.tables WHERE table_name = 'ev'")


def test_a_parallel_full_stamps_every_row(tmp_path: Path) -> None:
    src = source(tmp_path, n=400)
    cfg = write_config(tmp_path, src, "[table EV]\nprimary_key = ID\ncursor = TS\nparallel = 3\n",
                       sync=ON)
    assert Engine(cfg).run(["ev"], Mode.FULL).ok
    assert by_run(cfg, "ev") == {run_ids(cfg)[0]: 400}
    assert q(cfg, STAMPED.format(t="ev")) == [(400,)]


def test_a_new_source_column_with_sync_columns_on(tmp_path: Path) -> None:
    src = source(tmp_path)
    cfg = config(tmp_path, src)
    assert Engine(cfg).run(["EV"], Mode.FULL).ok
    source_sql(src, ("ALTER TABLE EV ADD COLUMN EXTRA TEXT", []),
               ("INSERT INTO EV VALUES (51, ?, 1.5, 'new', 'e')", [ts(101)]))
    res = Engine(cfg).run(["EV"], Mode.AUTO)
    assert res.ok and res.results[0].mode == Mode.INCREMENTAL
    # ADD COLUMN appends: the new column follows the sync columns until a full sync
    assert [c for c, _ in columns(cfg)][-3:] == ["_tui_sync_run_id", "_tui_sync_synced_at", "extra"]
    assert q(cfg, "SELECT extra, _tui_sync_run_id FROM events WHERE id = 51") == [("e", run_ids(cfg)[1])]
    assert Engine(cfg).run(["EV"], Mode.FULL).ok
    assert [c for c, _ in columns(cfg)][-3:] == ["extra", "_tui_sync_run_id", "_tui_sync_synced_at"]
    assert verify_table(cfg, "EV").ok
