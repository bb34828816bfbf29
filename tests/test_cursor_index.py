"""An incremental run on a cursor that leads no index scans the whole table for MAX(cursor)
and the window: `plan` and `doctor` say so with the CREATE INDEX to run, and the engine
does not add a third scan (the window's COUNT) just for a progress total. Real SQLite files."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import duck_query, make_sqlite, write_config
from tui_sync import cli
from tui_sync.doctor import StepStatus, run_doctor
from tui_sync.engine import Engine
from tui_sync.events import Mode, Progress, Status
from tui_sync.sources.base import ReadSpec
from tui_sync.sources.sqlite import SqliteSource, format_timestamp

T0 = datetime(2026, 3, 1, 8, 0, 0)


def _index_of(path: Path, table: str, column: str):
    with SqliteSource(path) as src:
        return src.cursor_index(src.describe(table), column)


@pytest.mark.parametrize(("ddl", "table", "column", "indexed"), [
    ("CREATE TABLE T (ID NUMBER(10), TS TIMESTAMP(6)); CREATE INDEX T_TS ON T (TS);", "T", "TS", "index T_TS"),
    ("CREATE TABLE T (ID INTEGER PRIMARY KEY, V TEXT);", "T", "ID", "the INTEGER PRIMARY KEY (the table's rowid)"),
    ("CREATE TABLE T (ID INTEGER, V TEXT, PRIMARY KEY (ID));", "T", "ID", "the INTEGER PRIMARY KEY (the table's rowid)"),
    ("CREATE TABLE T (ID INTEGER PRIMARY KEY DESC, V TEXT);", "T", "ID", "index sqlite_autoindex_T_1"),
    ("CREATE TABLE T (ID NUMBER(10) PRIMARY KEY, V TEXT);", "T", "ID", "index sqlite_autoindex_T_1"),
    ("CREATE TABLE T (K TEXT, TS TEXT, PRIMARY KEY (TS, K)) WITHOUT ROWID;", "T", "TS", "index sqlite_autoindex_T_1"),
    ('CREATE TABLE "odd ""t""" ("a b" DATE); CREATE INDEX "i x" ON "odd ""t""" ("a b", "a b" DESC);',
     'odd "t"', "a b", "index i x"),
])
def test_a_leading_column_is_indexed(tmp_path: Path, ddl: str, table: str, column: str, indexed: str) -> None:
    found = _index_of(make_sqlite(tmp_path / "s.sqlite", ddl), table, column)
    assert found is not None and found.indexed and found.index == indexed and found.create == ""


@pytest.mark.parametrize(("ddl", "table", "column", "note"), [
    ("CREATE TABLE T (ID NUMBER(10) PRIMARY KEY, TS TIMESTAMP(6));", "T", "TS", ""),
    ("CREATE TABLE T (ID INT PRIMARY KEY, V TEXT);", "T", "V", ""),
    ("CREATE TABLE T (A TEXT, TS DATE); CREATE INDEX T_A_TS ON T (A, TS);", "T", "TS", "it is column 2 of T_A_TS"),
    ("CREATE TABLE T (K TEXT, TS TEXT, PRIMARY KEY (K, TS)) WITHOUT ROWID;", "T", "TS",
     "it is column 2 of sqlite_autoindex_T_1"),
    ("CREATE TABLE T (TS DATE); CREATE INDEX T_P ON T (TS) WHERE TS > '2026';", "T", "TS",
     "it leads the partial index T_P"),
    ("CREATE TABLE T (TS DATE); CREATE INDEX T_U ON T (UPPER(TS), TS);", "T", "TS", "it is column 2 of T_U"),
])
def test_an_unindexed_cursor_gets_a_create_index_that_works(tmp_path: Path, ddl: str, table: str, column: str,
                                                            note: str) -> None:
    path = make_sqlite(tmp_path / "s.sqlite", ddl)
    found = _index_of(path, table, column)
    assert found is not None and not found.indexed and found.note == note
    assert found.create == f'CREATE INDEX "{table}_{column}_ix" ON "{table}" ("{column}");'
    assert "scans the whole table" in found.problem() and f"cursor {column}" in found.problem()
    with sqlite3.connect(path) as con:  # the statement printed is the one to run
        con.execute(found.create)
    after = _index_of(path, table, column)
    assert after is not None and after.index == f"index {table}_{column}_ix"


def test_the_index_name_avoids_names_in_use_and_views_cannot_tell(tmp_path: Path) -> None:
    path = make_sqlite(tmp_path / "s.sqlite", "CREATE TABLE T (A TEXT, TS DATE); CREATE INDEX T_TS_ix ON T (A);"
                       "CREATE TABLE T_TS_ix2 (X); CREATE VIEW V AS SELECT * FROM T;")
    found = _index_of(path, "T", "TS")
    assert found is not None and found.create == 'CREATE INDEX "T_TS_ix3" ON "T" ("TS");'
    assert _index_of(path, "V", "TS") is None


def test_the_create_index_quotes_odd_names(tmp_path: Path) -> None:
    path = make_sqlite(tmp_path / "s.sqlite", 'CREATE TABLE "odd ""t""" ("a b" DATE, "설비" TEXT);')
    found = _index_of(path, 'odd "t"', "a b")
    assert found is not None and found.create == 'CREATE INDEX "odd__t__a_b_ix" ON "odd ""t""" ("a b");'
    with sqlite3.connect(path) as con:
        con.execute(found.create)
    assert _index_of(path, 'odd "t"', "a b").indexed  # type: ignore[union-attr]


# -- plan and doctor -----------------------------------------------------------------------------

def _config(tmp_path: Path, ddl: str, cursor: str = "TS"):
    src = make_sqlite(tmp_path / "s.sqlite", ddl)
    return write_config(tmp_path, src, f"[table T]\ncursor = {cursor}\n")


UNINDEXED = "CREATE TABLE T (ID NUMBER(10) PRIMARY KEY, TS TIMESTAMP(6));"
CREATE = 'CREATE INDEX "T_TS_ix" ON "T" ("TS");'


def test_plan_warns_with_the_create_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _config(tmp_path, UNINDEXED)
    assert cli.main(["plan", "T", "--config", str(cfg.path)]) == 0
    out = capsys.readouterr().out
    assert "Warnings:" in out and "every incremental run scans the whole table" in out and CREATE in out
    assert cli.main(["plan", "T", "--config", str(cfg.path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    warnings = doc["warnings"]
    assert len(warnings) == 1 and warnings[0].startswith("cursor TS is not the first column of any index")
    assert warnings[0].endswith(CREATE) and doc["cursor_index"] == {"index": None, "create": CREATE}


@pytest.mark.parametrize(("ddl", "cursor"), [
    ("CREATE TABLE T (ID NUMBER(10) PRIMARY KEY, TS TIMESTAMP(6)); CREATE INDEX T_TS ON T (TS);", "TS"),
    ("CREATE TABLE T (ID INTEGER PRIMARY KEY, TS TIMESTAMP(6));", "ID"),
])
def test_plan_and_doctor_are_quiet_for_an_indexed_cursor(tmp_path: Path, ddl: str, cursor: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _config(tmp_path, ddl, cursor)
    assert cli.main(["plan", "T", "--config", str(cfg.path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["warnings"] == [] and doc["cursor_index"]["index"] and doc["cursor_index"]["create"] is None
    assert Engine(cfg).plan("T").warnings == []
    steps = [s for s in run_doctor(cfg).steps if s.name == "cursor index"]
    assert len(steps) == 1 and steps[0].status == StepStatus.OK and steps[0].detail.startswith(f"{cursor} leads ")


def test_doctor_warns_with_the_create_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _config(tmp_path, UNINDEXED)
    step = [s for s in run_doctor(cfg).steps if s.name == "cursor index"]
    assert len(step) == 1 and step[0].status == StepStatus.WARN and step[0].group == "table T"
    assert "every incremental run scans the whole table" in step[0].detail
    assert step[0].hint == f"run it on {cfg.source_path()}: {CREATE}"
    assert cli.main(["doctor", "--config", str(cfg.path)]) == 0  # a warning, not a failure
    out = capsys.readouterr().out
    assert " ! table T: cursor index - cursor TS is not the first column of any index" in out and CREATE in out
    no_cursor = write_config(tmp_path, cfg.source_path(), "[table T]\n", target="u.duckdb")
    assert not [s for s in run_doctor(no_cursor).steps if s.name == "cursor index"]


# -- the engine's window COUNT ----------------------------------------------------------------

class CountingSource(SqliteSource):
    """The sync's SQLite source, counting the COUNTs it runs."""

    counts: list[ReadSpec] = []

    def count_rows(self, spec: ReadSpec) -> int:
        CountingSource.counts.append(spec)
        return super().count_rows(spec)


def _rows(start: int, n: int) -> list[tuple]:
    return [(i, format_timestamp(T0 + timedelta(minutes=i)), f"v{i}") for i in range(start, start + n)]


@pytest.mark.parametrize("indexed", [False, True])
def test_incremental_takes_no_exact_window_count(tmp_path: Path, indexed: bool) -> None:
    """Issue 11: the window's exact COUNT costs about what the read costs (each row's
    canonical time). Indexed: the index range gives an upper bound for the progress total;
    unindexed: no total at all (any count would be one more scan of the table)."""
    ddl = "CREATE TABLE T (ID NUMBER(10) PRIMARY KEY, TS TIMESTAMP(6) NOT NULL, V VARCHAR2(10));"
    if indexed:
        ddl += "CREATE INDEX T_TS ON T (TS);"
    src = make_sqlite(tmp_path / "s.sqlite", ddl, [("INSERT INTO T VALUES (?, ?, ?)", _rows(0, 50))])
    cfg = write_config(tmp_path, src, "[table T]\ncursor = TS\n", sync="batch_rows = 7\n")
    events: list = []
    engine = Engine(cfg, on_event=events.append, source_factory=lambda: CountingSource(src))
    assert engine.run(["T"], Mode.FULL).ok
    with sqlite3.connect(src) as con:
        con.executemany("INSERT INTO T VALUES (?, ?, ?)", _rows(50, 30))
        con.execute("UPDATE T SET V = 'new' WHERE ID = 49")
    CountingSource.counts.clear()
    events.clear()
    done = engine.run(["T"], Mode.INCREMENTAL)
    assert done.ok and done.results[0].status == Status.OK and done.results[0].rows == 31  # 49 and the 30 new
    windowed = [s for s in CountingSource.counts if s.window is not None]
    progress = [e for e in events if isinstance(e, Progress)]
    assert progress and progress[-1].rows_done == 31
    assert windowed == []
    if indexed:
        totals = {p.rows_expected for p in progress}
        assert len(totals) == 1 and totals.pop() >= 31  # the scan range's rows: an upper bound
    else:
        assert {p.rows_expected for p in progress} == {None} and all(p.eta_s is None for p in progress)
    got = duck_query(cfg.target_path(), "SELECT COUNT(*), MAX(id), MAX(ts) FROM t")
    assert got == [(80, 79, T0 + timedelta(minutes=79))]
    assert duck_query(cfg.target_path(), "SELECT v FROM t WHERE id = 49") == [("new",)]


@pytest.mark.parametrize("indexed", [False, True])
def test_oracle_incremental_counts_the_window_only_when_the_cursor_is_indexed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, indexed: bool) -> None:
    from tests.oracle_fake import FakeOracle, events_rows, events_table
    from tests.test_oracle_engine import PASSWORD, TABLE, make_config, source_rows, upsert
    from tui_sync.sources.oracle import OracleSource
    from tui_sync.sources.oracle import source as oracle_mod

    monkeypatch.setattr(oracle_mod, "_thick_args", None)
    monkeypatch.setenv("TUI_SYNC_ORACLE_PASSWORD", PASSWORD)
    fake = FakeOracle([events_table(25)])
    if indexed:
        fake.indexes[("APP", "EQUIPMENT_EVENTS")] = [("EV_TIME_IX", ["EVENT_TIME"])]
    config = make_config(tmp_path, primary_key=["EVENT_ID"])
    counts: list[ReadSpec] = []

    class Counting(OracleSource):
        def count_rows(self, spec: ReadSpec) -> int:
            counts.append(spec)
            return super().count_rows(spec)

    events: list = []
    engine = Engine(config, on_event=events.append, source_factory=lambda: Counting(config.source, driver=fake))
    assert engine.run([TABLE], Mode.FULL).ok
    upsert(fake.tables[("APP", "EQUIPMENT_EVENTS")], events_rows(26, 14))
    counts.clear()
    events.clear()
    done = engine.run([TABLE], Mode.INCREMENTAL)
    assert done.ok, done.results[0].error
    windowed = [s for s in counts if s.window is not None]
    expected = {p.rows_expected for p in events if isinstance(p, Progress)}
    assert (len(windowed), expected) == ((1, {done.results[0].rows}) if indexed else (0, {None}))
    got = duck_query(config.target_path(), "SELECT event_id, equip_id, event_time, value, note FROM events "
                     "ORDER BY event_id")
    assert got == source_rows(fake)
