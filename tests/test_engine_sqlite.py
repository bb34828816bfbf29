"""Engine end to end: real SQLite source -> real DuckDB target, every mode."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import duck_query, duck_rows, duck_types, make_sqlite, target_of, write_config
from tui_sync.engine import Engine
from tui_sync.errors import ConfigError, LockHeldError, UnknownTableError
from tui_sync.events import Control, LogLine, Mode, Phase, PhaseChanged, Progress, Status, TableFinished
from tui_sync.sources.sqlite import format_timestamp
from tui_sync.target import state as st
from tui_sync.target.lock import SyncLock

# Everything here concerns the target: each test runs on a DuckDB file and on a DuckLake.
pytestmark = pytest.mark.usefixtures("target_kind")

T0 = datetime(2026, 3, 1, 8, 0, 0)

EVENTS_DDL = """
CREATE TABLE EVENTS (
    ID NUMBER(10) PRIMARY KEY,
    TS TIMESTAMP(6) NOT NULL,
    AMOUNT NUMBER(12,3),
    NAME VARCHAR2(50),
    GRP CHAR(3),
    BIG NUMBER(24),
    RATIO BINARY_DOUBLE,
    D DATE
);
"""


class Model:
    """The source table as Python values, and the same rows in SQLite."""

    def __init__(self, path: Path, ddl: str = EVENTS_DDL, table: str = "EVENTS"):
        self.path, self.table = path, table
        self.rows: dict[int, tuple] = {}
        make_sqlite(path, ddl)

    @staticmethod
    def _sqlite_row(row: tuple) -> tuple:
        i, ts, amount, name, grp, big, ratio, d = row
        return (i, format_timestamp(ts), None if amount is None else str(amount), name, grp,
                None if big is None else str(big), ratio, d.strftime("%Y-%m-%d %H:%M:%S"))

    def upsert(self, rows: list[tuple]) -> None:
        con = sqlite3.connect(self.path)
        con.executemany(f"INSERT OR REPLACE INTO {self.table} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [self._sqlite_row(r) for r in rows])
        con.commit()
        con.close()
        for r in rows:
            self.rows[r[0]] = r

    def expected(self) -> list[tuple]:
        return [self.rows[k] for k in sorted(self.rows)]


def row(i: int, ts: datetime, amount: str | None = "1.5", name: str | None = None) -> tuple:
    return (i, ts, None if amount is None else Decimal(amount).quantize(Decimal("0.001")),
            name if name is not None else f"n{i}", "AB ", 10**18 + i, i / 4, ts.replace(microsecond=0))


TABLE_CFG = """[table EVENTS]
target = events
primary_key = ID
cursor = TS
lookback = 5 minutes
"""


@pytest.fixture
def model(tmp_path: Path) -> Model:
    m = Model(tmp_path / "src.sqlite")
    m.upsert([row(i, T0 + timedelta(seconds=30 * i, microseconds=i), f"{i}.125") for i in range(1, 401)])
    return m


def fresh_full(tmp_path: Path, source: Path, tables: str, name: str) -> list[tuple]:
    sub = tmp_path / f"fresh-{name}"
    sub.mkdir()
    cfg = write_config(sub, source, tables)
    assert Engine(cfg).run([next(iter(cfg.tables))], Mode.FULL).ok
    return duck_rows(target_of(cfg), cfg.table(next(iter(cfg.tables))).target_name(), "ALL")


def test_full_sync_copies_values_and_types_exactly(tmp_path: Path, model: Model) -> None:
    cfg = write_config(tmp_path, model.path, TABLE_CFG, sync="batch_rows = 100")
    events: list = []
    result = Engine(cfg, on_event=events.append).run(["EVENTS"], Mode.FULL)
    assert result.ok and result.results[0].rows == 400
    assert duck_rows(target_of(cfg), "events", "id") == model.expected()
    assert duck_types(target_of(cfg), "events") == {
        "id": "BIGINT", "ts": "TIMESTAMP", "amount": "DECIMAL(12,3)", "name": "VARCHAR",
        "grp": "VARCHAR", "big": "DECIMAL(24,0)", "ratio": "DOUBLE", "d": "TIMESTAMP"}
    progress = [e for e in events if isinstance(e, Progress)]
    assert progress[-1].rows_done == 400 and progress[-1].rows_expected == 400
    state = st.read_table_states(target_of(cfg))["events"]
    assert state.watermark == (T0 + timedelta(seconds=12000, microseconds=400)).isoformat(sep=" ")
    assert state.rows == 400 and state.last_mode == "full" and state.schema_version == 1
    runs = st.read_runs(target_of(cfg))
    assert [(r.status, r.rows, r.mode) for r in runs] == [("ok", 400, "full")]


def test_incremental_after_inserts_updates_and_boundary_rows(tmp_path: Path, model: Model) -> None:
    cfg = write_config(tmp_path, model.path, TABLE_CFG, sync="batch_rows = 64")
    assert Engine(cfg).run(["EVENTS"], Mode.FULL).ok
    wm = model.rows[400][1]
    # new rows after the watermark, a new row exactly AT the watermark, and updates of rows
    # inside the lookback window (their cursor unchanged, their values changed)
    model.upsert([row(i, wm + timedelta(seconds=i - 400), "9.999") for i in range(401, 451)])
    model.upsert([row(451, wm, "7.000", "same cursor as the old watermark")])
    model.upsert([row(i, model.rows[i][1], "42.000", "updated") for i in (395, 398, 400)])
    result = Engine(cfg).run(["EVENTS"], Mode.INCREMENTAL)
    assert result.ok, result
    got = duck_rows(target_of(cfg), "events", "id")
    assert got == model.expected()
    assert len({r[0] for r in got}) == len(got) == 451
    assert got == fresh_full(tmp_path, model.path, TABLE_CFG, "a")
    # a second incremental with no change reads the lookback window again and changes nothing
    assert Engine(cfg).run(["EVENTS"], Mode.AUTO).results[0].mode == Mode.INCREMENTAL
    assert duck_rows(target_of(cfg), "events", "id") == model.expected()


def test_incremental_without_primary_key_deletes_window_and_appends(tmp_path: Path) -> None:
    ddl = EVENTS_DDL.replace("ID NUMBER(10) PRIMARY KEY", "ID NUMBER(10)")
    m = Model(tmp_path / "nopk.sqlite", ddl)
    m.upsert([row(i, T0 + timedelta(minutes=i)) for i in range(1, 101)])
    tables = "[table EVENTS]\ncursor = TS\nlookback = 10 minutes\n"
    cfg = write_config(tmp_path, m.path, tables)
    assert Engine(cfg).run(["EVENTS"], Mode.FULL).ok
    wm = m.rows[100][1]
    con = sqlite3.connect(m.path)  # no key: update rows in place by ID
    con.execute("UPDATE EVENTS SET NAME = 'changed' WHERE ID IN (95, 100)")
    con.commit()
    con.close()
    for i in (95, 100):
        m.rows[i] = m.rows[i][:3] + ("changed",) + m.rows[i][4:]
    m.upsert([row(101, wm), row(102, wm + timedelta(minutes=1))])
    assert Engine(cfg).run(["EVENTS"], Mode.AUTO).results[0].mode == Mode.INCREMENTAL
    got = duck_rows(target_of(cfg), "events", "id, ts")
    assert got == m.expected()
    assert got == fresh_full(tmp_path, m.path, tables, "b")


def test_composite_key_upsert(tmp_path: Path) -> None:
    src = make_sqlite(tmp_path / "lots.sqlite", """
        CREATE TABLE LOTS (LOT VARCHAR2(10), SEQ NUMBER(4), QTY NUMBER(8), AT DATE,
                           PRIMARY KEY (LOT, SEQ));""",
                      [("INSERT INTO LOTS VALUES (?, ?, ?, ?)",
                        [(f"L{i % 7}", i, i * 10, f"2026-01-01 00:{i:02d}:00") for i in range(50)])])
    tables = "[table LOTS]\ncursor = AT\nlookback = 3 minutes\n"
    cfg = write_config(tmp_path, src, tables)
    assert Engine(cfg).run(["LOTS"], Mode.FULL).ok
    con = sqlite3.connect(src)
    con.execute("UPDATE LOTS SET QTY = -1 WHERE SEQ IN (48, 49)")  # same LOT, same cursor
    con.execute("INSERT INTO LOTS VALUES ('L0', 50, 5, '2026-01-01 00:49:00')")
    con.commit()
    con.close()
    assert Engine(cfg).run(["LOTS"], Mode.INCREMENTAL).ok
    got = duck_rows(target_of(cfg), "lots", "lot, seq")
    assert len(got) == 51 and {r[2] for r in got if r[1] in (48, 49)} == {-1}
    assert got == fresh_full(tmp_path, src, tables, "c")


def test_cancelled_full_sync_leaves_previous_target_untouched(tmp_path: Path, model: Model) -> None:
    cfg = write_config(tmp_path, model.path, TABLE_CFG, sync="batch_rows = 100")
    assert Engine(cfg).run(["EVENTS"], Mode.FULL).ok
    before = duck_rows(target_of(cfg), "events", "id")
    state_before = st.read_table_states(target_of(cfg))["events"]
    model.upsert([row(i, T0 + timedelta(days=1, seconds=i)) for i in range(401, 1001)])
    control = Control()

    def on_event(e: object) -> None:
        if isinstance(e, Progress) and e.rows_done >= 200:
            control.cancel()

    result = Engine(cfg, on_event=on_event, control=control).run(["EVENTS"], Mode.FULL)
    assert result.results[0].status == Status.CANCELLED
    assert duck_rows(target_of(cfg), "events", "id") == before
    after = st.read_table_states(target_of(cfg))["events"]
    assert (after.watermark, after.rows) == (state_before.watermark, state_before.rows)
    assert st.read_runs(target_of(cfg))[0].status == "cancelled"
    tables = {r[0] for r in duck_query(target_of(cfg), "SELECT table_name FROM information_schema.tables")}
    assert not any("stage" in t for t in tables)


def test_failed_incremental_leaves_target_and_watermark(tmp_path: Path, model: Model) -> None:
    cfg = write_config(tmp_path, model.path, TABLE_CFG, sync="batch_rows = 50")
    assert Engine(cfg).run(["EVENTS"], Mode.FULL).ok
    before = duck_rows(target_of(cfg), "events", "id")
    wm_before = st.read_table_states(target_of(cfg))["events"].watermark
    wm = model.rows[400][1]
    model.upsert([row(i, wm + timedelta(seconds=i)) for i in range(401, 500)])
    con = sqlite3.connect(model.path)  # a value that cannot be NUMBER(12,3): the read fails midway
    con.execute("UPDATE EVENTS SET AMOUNT = 'not a number' WHERE ID = 480")
    con.commit()
    con.close()
    result = Engine(cfg).run(["EVENTS"], Mode.INCREMENTAL)
    r = result.results[0]
    assert r.status == Status.FAILED and "AMOUNT" in (r.error or "")
    assert duck_rows(target_of(cfg), "events", "id") == before
    assert st.read_table_states(target_of(cfg))["events"].watermark == wm_before


def test_pause_and_resume_between_batches(tmp_path: Path, model: Model) -> None:
    cfg = write_config(tmp_path, model.path, TABLE_CFG, sync="batch_rows = 100")
    control = Control()
    seen: list = []

    def on_event(e: object) -> None:
        seen.append(e)
        if isinstance(e, Progress) and e.rows_done == 0 and not control.paused and not any(
                isinstance(x, LogLine) and x.message == "paused" for x in seen):
            control.pause()
            threading.Timer(0.3, control.resume).start()

    result = Engine(cfg, on_event=on_event, control=control).run(["EVENTS"], Mode.FULL)
    assert result.ok and result.results[0].rows == 400
    messages = [e.message for e in seen if isinstance(e, LogLine)]
    assert "paused" in messages and "resumed" in messages


def test_test_mode_writes_test_table_only(tmp_path: Path, model: Model) -> None:
    cfg = write_config(tmp_path, model.path, TABLE_CFG, sync="test_rows = 25")
    result = Engine(cfg).run(["EVENTS"], Mode.TEST)
    assert result.ok and result.results[0].rows == 25
    assert len(duck_rows(target_of(cfg), "events_test", "id")) == 25
    assert st.read_table_states(target_of(cfg)) == {}
    assert Engine(cfg).run(["EVENTS"], Mode.TEST, limit=7).results[0].rows == 7
    assert len(duck_rows(target_of(cfg), "events_test", "id")) == 7


def test_auto_mode_full_then_incremental_and_no_cursor_is_full(tmp_path: Path, model: Model) -> None:
    cfg = write_config(tmp_path, model.path, TABLE_CFG + "\n[table EVENTS2]\ntarget = ev2\n")
    con = sqlite3.connect(model.path)
    con.execute("CREATE TABLE EVENTS2 AS SELECT * FROM EVENTS")
    con.commit()
    con.close()
    r1 = Engine(cfg).run(["EVENTS", "EVENTS2"], Mode.AUTO).results
    r2 = Engine(cfg).run(["EVENTS", "EVENTS2"], Mode.AUTO).results
    assert [r.mode for r in r1] == [Mode.FULL, Mode.FULL]
    assert [r.mode for r in r2] == [Mode.INCREMENTAL, Mode.FULL]


def test_schema_drift_added_column_and_dropped_column(tmp_path: Path, model: Model) -> None:
    cfg = write_config(tmp_path, model.path, TABLE_CFG)
    assert Engine(cfg).run(["EVENTS"], Mode.FULL).ok
    con = sqlite3.connect(model.path)
    con.execute("ALTER TABLE EVENTS ADD COLUMN EXTRA VARCHAR2(10)")
    con.execute("UPDATE EVENTS SET EXTRA = 'x' WHERE ID = 400")
    con.commit()
    con.close()
    result = Engine(cfg).run(["EVENTS"], Mode.INCREMENTAL)
    assert result.ok
    assert "extra" in duck_types(target_of(cfg), "events")
    assert duck_query(target_of(cfg), "SELECT extra FROM events WHERE id = 400") == [("x",)]
    versions = duck_query(target_of(cfg), "SELECT version FROM tui_sync.schema_versions ORDER BY 1")
    assert versions == [(1,), (2,)]
    con = sqlite3.connect(model.path)
    con.execute("ALTER TABLE EVENTS DROP COLUMN NAME")
    con.commit()
    con.close()
    failed = Engine(cfg).run(["EVENTS"], Mode.INCREMENTAL).results[0]
    assert failed.status == Status.FAILED and "dropped" in (failed.error or "") and "name" in failed.error
    assert Engine(cfg).run(["EVENTS"], Mode.AUTO).results[0].mode == Mode.FULL


def test_lock_held_refuses_with_holder_name(tmp_path: Path, model: Model) -> None:
    cfg = write_config(tmp_path, model.path, TABLE_CFG)
    with SyncLock(target_of(cfg), holder="scheduler", tables=["OTHER"]):
        with pytest.raises(LockHeldError, match=r"scheduler pid \d+ .*OTHER"):
            Engine(cfg).run(["EVENTS"], Mode.FULL)


def test_unknown_table_and_bad_cursor_refused_before_any_write(tmp_path: Path, model: Model) -> None:
    cfg = write_config(tmp_path, model.path, TABLE_CFG + "\n[table BAD]\ncursor = NOPE\n")
    with pytest.raises(UnknownTableError, match="NO_SUCH"):
        Engine(cfg).run(["EVENTS", "NO_SUCH"], Mode.FULL)
    assert not target_of(cfg).exists()
    con = sqlite3.connect(model.path)
    con.execute("CREATE TABLE BAD (A NUMBER(3))")
    con.commit()
    con.close()
    with pytest.raises(ConfigError, match=r":cursor: column NOPE is not in BAD"):
        Engine(cfg).run(["BAD"], Mode.FULL)


def test_interrupted_run_is_recorded_as_failed_by_the_next_run(tmp_path: Path, model: Model) -> None:
    cfg = write_config(tmp_path, model.path, TABLE_CFG)
    assert Engine(cfg).run(["EVENTS"], Mode.FULL).ok
    con = duckdb_connect(target_of(cfg))
    con.execute("INSERT INTO tui_sync.runs (run_id, target_table, source_table, mode, status, started_at) "
                "VALUES ('dead', 'events', 'EVENTS', 'full', 'running', now())")
    con.close()
    assert Engine(cfg).run(["EVENTS"], Mode.AUTO).ok
    dead = [r for r in st.read_runs(target_of(cfg)) if r.run_id == "dead"][0]
    assert dead.status == "failed" and "interrupted" in (dead.error or "")


def test_events_are_throttled_and_finish_is_reported(tmp_path: Path, model: Model) -> None:
    cfg = write_config(tmp_path, model.path, TABLE_CFG, sync="batch_rows = 100")
    events: list = []
    Engine(cfg, on_event=events.append).run(["EVENTS"], Mode.FULL)
    finished = [e for e in events if isinstance(e, TableFinished)]
    assert len(finished) == 1 and finished[0].result.rows == 400
    # four batches, but progress is rate-limited: first, last, and at most a few between
    assert 2 <= len([e for e in events if isinstance(e, Progress)]) <= 6


def duckdb_connect(target):
    from tui_sync import target as tg

    return tg.connect(target)


def test_cancel_interrupts_a_running_source_fetch(tmp_path: Path) -> None:
    src = make_sqlite(tmp_path / "slow.sqlite", "CREATE TABLE S (ID NUMBER(9) PRIMARY KEY, V NUMBER(9));",
                      [("INSERT INTO S VALUES (?, ?)", [(i, i) for i in range(30_000)])])
    # a filter that keeps SQLite busy for minutes before the first row comes back
    cfg = write_config(tmp_path, src, "[table S]\nwhere = (SELECT COUNT(*) FROM S a, S b, S c) > 0\n")
    control = Control()
    started = threading.Event()

    def on_event(e: object) -> None:
        if isinstance(e, PhaseChanged) and e.phase in (Phase.COUNTING, Phase.READING):
            started.set()

    box: list = []
    worker = threading.Thread(target=lambda: box.append(
        Engine(cfg, on_event=on_event, control=control).run(["S"], Mode.FULL)))
    worker.start()
    assert started.wait(30)
    control.cancel()
    worker.join(30)
    assert not worker.is_alive(), "cancel did not break the running fetch"
    assert box[0].results[0].status == Status.CANCELLED


def test_cancel_reason_is_recorded(tmp_path: Path, model: Model) -> None:
    cfg = write_config(tmp_path, model.path, TABLE_CFG, sync="batch_rows = 50")
    control = Control()

    def on_event(e: object) -> None:
        if isinstance(e, Progress) and e.rows_done >= 100:
            control.cancel("cancelled by SIGHUP (the terminal hung up)")

    r = Engine(cfg, on_event=on_event, control=control).run(["EVENTS"], Mode.FULL).results[0]
    assert r.status == Status.CANCELLED and r.error == "cancelled by SIGHUP (the terminal hung up)"
    assert st.read_runs(target_of(cfg))[0].error == r.error


def test_a_driver_error_raised_by_the_cancel_itself_ends_the_run_cancelled(
        tmp_path: Path, model: Model, monkeypatch: pytest.MonkeyPatch) -> None:
    """A CI run of the SIGHUP test recorded `failed: internal error: OperationalError:
    interrupted`: the interrupt hit a call the source did not map. Once the user cancelled,
    whatever the interrupted call raises is the cancel's doing."""
    from tui_sync.sources.sqlite import SqliteSource

    cfg = write_config(tmp_path, model.path, TABLE_CFG, sync="batch_rows = 50")
    assert Engine(cfg).run(["EVENTS"], Mode.FULL).ok
    before = duck_rows(target_of(cfg), "events", "id")
    control = Control()
    real = SqliteSource.read_batches

    def interrupted(self: SqliteSource, spec: object):  # type: ignore[no-untyped-def]
        batches = real(self, spec)  # type: ignore[arg-type]
        yield next(batches)
        control.cancel("cancelled by SIGHUP (the terminal hung up)")
        raise sqlite3.OperationalError("interrupted")  # unmapped, as a raw driver call raises it

    monkeypatch.setattr(SqliteSource, "read_batches", interrupted)
    r = Engine(cfg, control=control).run(["EVENTS"], Mode.FULL).results[0]
    assert (r.status, r.error) == (Status.CANCELLED, "cancelled by SIGHUP (the terminal hung up)")
    assert st.read_runs(target_of(cfg))[0].status == "cancelled"
    assert duck_rows(target_of(cfg), "events", "id") == before


def test_an_interrupt_landing_on_a_fetch_is_a_cancel_in_every_sqlite_query(
        tmp_path: Path, model: Model) -> None:
    """sqlite3's fetchone() steps the statement again, so an interrupt can land after
    execute() returned; every query of the source maps it to SyncCancelled."""
    from tui_sync.errors import SyncCancelled
    from tui_sync.sources.sqlite import SqliteSource

    class Interrupting:
        def __init__(self, conn: sqlite3.Connection):
            self.conn = conn

        def execute(self, sql: str, binds: object = ()) -> object:
            cur = self.conn.execute(sql, binds)  # type: ignore[arg-type]

            class Cur:
                def fetchone(self) -> object:
                    raise sqlite3.OperationalError("interrupted")

                fetchall = fetchone

                def __iter__(self) -> object:
                    raise sqlite3.OperationalError("interrupted")

            del cur
            return Cur()

    model.upsert([row(1, T0)])
    source = SqliteSource(model.path)
    source.connect()
    source._conn = Interrupting(source._conn)  # type: ignore[assignment]
    for call in (source.list_tables, lambda: source.describe("EVENTS"), source.server_info):
        with pytest.raises(SyncCancelled):
            call()
