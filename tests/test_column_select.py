"""`columns = A, B` (only these, in this order) and `exclude = C` in a [table] section, on a
real SQLite source and a real DuckDB target (file and lake): plan, every sync mode, schema
drift, verify, and the errors that name file, section and key."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import duck_query, duck_types, make_sqlite, target_of, write_config
from tui_sync.engine import Engine
from tui_sync.errors import ConfigError
from tui_sync.events import LogLine, Mode, Status
from tui_sync.services.verify import verify_table
from tui_sync.sources.sqlite import format_timestamp

pytestmark = pytest.mark.usefixtures("target_kind")

T0 = datetime(2026, 3, 1, 8, 0, 0)
DDL = """
CREATE TABLE T (
    ID NUMBER(10) PRIMARY KEY,
    TS TIMESTAMP(6) NOT NULL,
    NOTE VARCHAR2(20),
    PAYLOAD VARCHAR2(50),
    AMOUNT NUMBER(12,3)
);
"""


def rows(lo: int, hi: int, note: str = "n") -> list[tuple]:
    return [(i, format_timestamp(T0 + timedelta(minutes=i)), f"{note}{i}", f"payload {i}",
             f"{i}.125") for i in range(lo, hi)]


def add(path: Path, data: list[tuple]) -> None:
    con = sqlite3.connect(path)
    con.executemany("INSERT OR REPLACE INTO T (ID, TS, NOTE, PAYLOAD, AMOUNT) VALUES (?, ?, ?, ?, ?)",
                    data)
    con.commit()
    con.close()


@pytest.fixture
def src(tmp_path: Path) -> Path:
    return make_sqlite(tmp_path / "src.sqlite", DDL, [
        ("INSERT INTO T VALUES (?, ?, ?, ?, ?)", rows(0, 60))])


def target_rows(cfg, cols: str = "*") -> list[tuple]:
    return duck_query(target_of(cfg), f"SELECT {cols} FROM t ORDER BY id")


def test_columns_loads_only_these_in_this_order_in_every_mode(tmp_path: Path, src: Path) -> None:
    cfg = write_config(tmp_path, src, "[table T]\ncursor = ts\ncolumns = amount, TS, Id\n")
    report = Engine(cfg).plan("T")
    assert [c.name for c in report.plan.columns] == ["AMOUNT", "TS", "ID"]
    assert "NOTE" not in report.sql["full"][0] and "PAYLOAD" not in report.sql["incremental"][0]
    assert Engine(cfg).run(["T"], Mode.FULL).ok
    assert list(duck_types(target_of(cfg), "t")) == ["amount", "ts", "id"]
    add(src, rows(55, 70, note="changed"))
    result = Engine(cfg).run(["T"], Mode.AUTO).results[0]
    assert result.status == Status.OK and result.mode == Mode.INCREMENTAL
    assert list(duck_types(target_of(cfg), "t")) == ["amount", "ts", "id"]
    assert [r[2] for r in target_rows(cfg)] == list(range(70))
    test = Engine(cfg).run(["T"], Mode.TEST, limit=5).results[0]
    assert test.status == Status.OK
    assert list(duck_types(target_of(cfg), "t_test")) == ["amount", "ts", "id"]


@pytest.mark.parametrize("how", ["chunked", "parallel"])
def test_exclude_in_chunked_and_parallel_full_syncs(tmp_path: Path, src: Path, how: str) -> None:
    extra = "parallel = 3\n" if how == "parallel" else ""
    cfg = write_config(tmp_path, src, f"[table T]\ncursor = TS\nexclude = note, PAYLOAD\n{extra}",
                       sync="chunk_rows = 7\nbatch_rows = 5")
    events: list[LogLine] = []
    assert Engine(cfg, on_event=lambda e: events.append(e) if isinstance(e, LogLine) else None
                  ).run(["T"], Mode.FULL).ok
    if how == "chunked":  # keyset paging on the (selected) key, not one piece
        assert any("chunk" in e.message for e in events), [e.message for e in events]
    assert list(duck_types(target_of(cfg), "t")) == ["id", "ts", "amount"]
    got = target_rows(cfg)
    assert len(got) == 60 and [r[0] for r in got] == list(range(60))
    assert verify_table(cfg, "T").ok


def test_verify_compares_only_the_selected_columns(tmp_path: Path, src: Path) -> None:
    cfg = write_config(tmp_path, src, "[table T]\ncursor = TS\nexclude = NOTE\n")
    assert Engine(cfg).run(["T"], Mode.FULL).ok
    add(src, [(3, format_timestamp(T0 + timedelta(minutes=3)), "edited", "payload 3", "3.125")])
    report = verify_table(cfg, "T")  # NOTE changed in the source: not selected, not compared
    assert report.ok and "note" not in report.content_columns and "payload" in report.content_columns
    add(src, [(4, format_timestamp(T0 + timedelta(minutes=4)), "n4", "edited", "4.125")])
    assert not verify_table(cfg, "T").ok


def test_newly_excluded_column_is_not_dropped_from_the_source(tmp_path: Path, src: Path) -> None:
    cfg = write_config(tmp_path, src, "[table T]\ncursor = TS\n")
    assert Engine(cfg).run(["T"], Mode.FULL).ok
    cfg = write_config(tmp_path, src, "[table T]\ncursor = TS\nexclude = NOTE\n")
    failed = Engine(cfg).run(["T"], Mode.INCREMENTAL).results[0]
    assert failed.status == Status.FAILED
    assert "dropped" not in (failed.error or "") and "no longer selected" in (failed.error or "")
    assert "note" in (failed.error or "")
    logs: list[str] = []
    auto = Engine(cfg, on_event=lambda e: logs.append(e.message) if isinstance(e, LogLine) else None
                  ).run(["T"], Mode.AUTO).results[0]
    assert auto.status == Status.OK and auto.mode == Mode.FULL  # the target's shape changes
    assert any("no longer selected" in m for m in logs) and not any("dropped" in m for m in logs)
    assert "note" not in duck_types(target_of(cfg), "t")


def test_a_new_source_column_outside_columns_is_not_added(tmp_path: Path, src: Path) -> None:
    cfg = write_config(tmp_path, src, "[table T]\ncursor = TS\ncolumns = ID, TS, NOTE\n")
    assert Engine(cfg).run(["T"], Mode.FULL).ok
    con = sqlite3.connect(src)
    con.execute("ALTER TABLE T ADD COLUMN EXTRA VARCHAR2(10)")
    con.commit()
    con.close()
    add(src, rows(60, 65))
    result = Engine(cfg).run(["T"], Mode.AUTO).results[0]
    assert result.status == Status.OK and result.mode == Mode.INCREMENTAL
    assert list(duck_types(target_of(cfg), "t")) == ["id", "ts", "note"]
    # with exclude = (all but these), a new source column is added as before
    cfg = write_config(tmp_path, src, "[table T]\ncursor = TS\nexclude = PAYLOAD, AMOUNT\n")
    assert Engine(cfg).run(["T"], Mode.INCREMENTAL).ok
    assert list(duck_types(target_of(cfg), "t")) == ["id", "ts", "note", "extra"]


@pytest.mark.parametrize(("keys", "error"), [
    ("columns = ID, TS, NOPE", ":[table T]:columns: column NOPE is not in T"),
    ("exclude = NOTE, NOPE", ":[table T]:exclude: column NOPE is not in T"),
    ("exclude = note, TS", ":[table T]:exclude: TS is the cursor; it must stay selected"),
    ("columns = ID, NOTE", ":[table T]:columns: TS is the cursor; it must stay selected"),
    ("exclude = id", ":[table T]:exclude: ID is the primary key; it must stay selected"),
    ("columns = TS, NOTE", ":[table T]:columns: ID is the primary key; it must stay selected"),
    ("primary_key = NOTE\ncolumns = TS, AMOUNT",
     ":[table T]:columns: NOTE is the primary key; it must stay selected"),
    ("columns = ID, TS, id", ":[table T]:columns: column id is named twice"),
    ("exclude = NOTE\ncolumn.note = VARCHAR",
     ":[table T]:column.note: column note is left out by columns = / exclude ="),
])
def test_bad_selection_is_refused_before_any_write(tmp_path: Path, src: Path, keys: str,
                                                   error: str) -> None:
    cfg = write_config(tmp_path, src, f"[table T]\ncursor = TS\n{keys}\n")
    with pytest.raises(ConfigError) as err:
        Engine(cfg).run(["T"], Mode.FULL)
    assert str(err.value) == f"{cfg.path}{error}"
    assert not target_of(cfg).exists()
    with pytest.raises(ConfigError):
        Engine(cfg).plan("T")


def test_a_configured_key_lets_the_dictionary_key_go(tmp_path: Path, src: Path) -> None:
    cfg = write_config(tmp_path, src, "[table T]\ncursor = TS\nprimary_key = NOTE\nexclude = ID\n")
    assert Engine(cfg).run(["T"], Mode.FULL).ok
    add(src, rows(60, 62))
    assert Engine(cfg).run(["T"], Mode.INCREMENTAL).ok
    assert list(duck_types(target_of(cfg), "t")) == ["ts", "note", "payload", "amount"]
    assert duck_query(target_of(cfg), "SELECT count(*) FROM t") == [(62,)]


def test_a_newly_selected_column_is_added_with_a_warning(tmp_path: Path, src: Path) -> None:
    cfg = write_config(tmp_path, src, "[table T]\ncursor = TS\nexclude = NOTE\n")
    assert Engine(cfg).run(["T"], Mode.FULL).ok
    cfg = write_config(tmp_path, src, "[table T]\ncursor = TS\n")
    add(src, rows(60, 62))
    logs: list[str] = []
    result = Engine(cfg, on_event=lambda e: logs.append(e.message) if isinstance(e, LogLine) else None
                    ).run(["T"], Mode.AUTO).results[0]
    assert result.status == Status.OK and result.mode == Mode.INCREMENTAL
    # the rows outside the window hold NULL there: said in so many words, naming the column
    assert any("NOTE" in m and "newly selected" in m and "full sync" in m for m in logs), logs
    # the window: the row at the watermark (59), read again, and the two new ones
    assert duck_query(target_of(cfg), "SELECT id FROM t WHERE note IS NOT NULL ORDER BY 1") == [
        (59,), (60,), (61,)]
