"""The engine end to end with the Oracle source on the driver-level fake.

A lost connection (DPY-4011) in the middle of a read must lead to a reconnect
and a complete, duplicate-free target; full + incremental must leave the target
equal to the source; a cancel breaks a running fetch and leaves the target as
it was.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

pytest.importorskip("tui_sync.engine")

from tests.oracle_fake import BASE_TIME, FakeOracle, FakeTable, events_rows, events_table  # noqa: E402
from tui_sync.config import Config, SourceConfig, TableConfig  # noqa: E402
from tui_sync.engine import Engine  # noqa: E402
from tui_sync.events import Control, Event, LogLine, Mode, Phase, PhaseChanged, Status  # noqa: E402
from tui_sync.sources.oracle import OracleSource  # noqa: E402
from tui_sync.sources.oracle import source as oracle_mod  # noqa: E402

TABLE = "APP.EQUIPMENT_EVENTS"
PASSWORD = "s3cret-Passw0rd"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oracle_mod, "_thick_args", None)
    monkeypatch.setenv("TUI_SYNC_ORACLE_PASSWORD", PASSWORD)


def make_config(tmp_path: Path, *, primary_key: list[str] | None = None) -> Config:
    config = Config(path=tmp_path / "t.ini")
    config.source = SourceConfig(kind="oracle", dsn="fake", user="app")
    config.target.path = str(tmp_path / "t.duckdb")
    config.sync.retries = 2
    config.sync.retry_backoff = timedelta(0)
    config.sync.test_rows = 7
    config.tables = {TABLE: TableConfig(TABLE, target="events", primary_key=primary_key or [],
                                        cursor="EVENT_TIME", lookback=timedelta(seconds=10),
                                        batch_rows=4)}
    return config


class Run:
    """An engine over the fake, collecting its events."""

    def __init__(self, tmp_path: Path, fake: FakeOracle, **cfg: Any):
        self.config = make_config(tmp_path, **cfg)
        self.fake = fake
        self.events: list[Event] = []
        self.control = Control()

    def __call__(self, mode: Mode = Mode.AUTO) -> Any:
        engine = Engine(self.config, on_event=self.events.append, control=self.control,
                        source_factory=lambda: OracleSource(self.config.source, driver=self.fake))
        return engine.run([TABLE], mode)

    def target_rows(self) -> list[tuple]:
        con = duckdb.connect(str(self.config.target_path()), read_only=True)
        try:
            return con.execute("SELECT event_id, equip_id, event_time, value, note FROM events "
                               "ORDER BY event_id").fetchall()
        finally:
            con.close()


def source_rows(fake: FakeOracle) -> list[tuple]:
    data = fake.tables[("APP", "EQUIPMENT_EVENTS")].data.sort_by("EVENT_ID")
    return [tuple(r.values()) for r in data.to_pylist()]


def upsert(table: FakeTable, rows: pa.Table) -> None:
    """Insert or replace rows by EVENT_ID, as DML on the source would."""
    keep = pc.invert(pc.is_in(table.data.column("EVENT_ID"), value_set=rows.column("EVENT_ID")))
    table.data = pa.concat_tables([table.data.filter(keep), rows.cast(table.data.schema)])


def assert_same_as_source(run: Run) -> None:
    got = run.target_rows()
    ids = [r[0] for r in got]
    assert len(ids) == len(set(ids)), "duplicates in the target"
    assert got == source_rows(run.fake)


def retried(run: Run) -> bool:
    return any(isinstance(e, PhaseChanged) and e.phase == Phase.RETRYING for e in run.events)


def test_connection_lost_mid_full_read_reconnects_and_loads_everything(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(25)])
    fake.read_failures.append(3)  # 3 batches of 4 rows, then ORA-03113 -> DPY-4011
    run = Run(tmp_path, fake, primary_key=["EVENT_ID"])
    result = run(Mode.FULL)
    assert [r.status for r in result.results] == [Status.OK]
    assert result.results[0].rows == 25
    assert_same_as_source(run)
    assert retried(run)
    assert any(isinstance(e, LogLine) and "DPY-4011" in e.message for e in run.events)
    assert len(fake.connect_calls) == 2  # the first session, then the reconnect
    assert all(c.closed for c in fake.connections)


def test_full_then_incremental_equals_the_source_with_a_key(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(25)])
    run = Run(tmp_path, fake, primary_key=["EVENT_ID"])
    assert run(Mode.FULL).ok
    assert_same_as_source(run)
    table = fake.tables[("APP", "EQUIPMENT_EVENTS")]
    # the old watermark is row 25's time; new rows: one exactly at it, more after it,
    # and an update of a row inside the lookback window
    at_watermark = events_rows(26, 1).set_column(
        2, "EVENT_TIME", pa.array([BASE_TIME + timedelta(seconds=25 * 1.5)], pa.timestamp("us")))
    upsert(table, at_watermark)
    upsert(table, events_rows(27, 6))
    changed = events_rows(22, 1).set_column(3, "VALUE", pa.array([Decimal("999.999")], pa.decimal128(12, 3)))
    upsert(table, changed)
    result = run(Mode.AUTO)
    assert result.results[0].mode == Mode.INCREMENTAL and result.results[0].status == Status.OK
    assert_same_as_source(run)
    read_sql, binds = fake.data_reads[-1]
    assert set(binds) == {"lo", "hi"} and "TO_TIMESTAMP(:lo" in read_sql


def test_connection_lost_mid_incremental_read_reconnects_without_duplicates(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(25)])
    run = Run(tmp_path, fake, primary_key=["EVENT_ID"])
    assert run(Mode.FULL).ok
    table = fake.tables[("APP", "EQUIPMENT_EVENTS")]
    upsert(table, events_rows(26, 14))
    fake.read_failures.append(2)
    result = run(Mode.INCREMENTAL)
    assert result.results[0].status == Status.OK, result.results[0].error
    assert retried(run)
    assert_same_as_source(run)


def test_full_then_incremental_without_a_key_deletes_and_reappends_the_window(tmp_path: Path) -> None:
    fake = FakeOracle([FakeTable("APP", "EQUIPMENT_EVENTS", events_table(1).columns,
                                 events_rows(1, 30), primary_key=[], num_rows=30)])
    run = Run(tmp_path, fake)
    assert run(Mode.FULL).ok
    table = fake.tables[("APP", "EQUIPMENT_EVENTS")]
    upsert(table, events_rows(29, 8))  # rows 29, 30 re-read (in the lookback) plus new ones
    fake.read_failures.append(1)
    result = run(Mode.INCREMENTAL)
    assert result.results[0].status == Status.OK, result.results[0].error
    assert_same_as_source(run)


def test_retries_exhausted_fail_the_table_and_keep_the_previous_target(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(25)])
    run = Run(tmp_path, fake, primary_key=["EVENT_ID"])
    assert run(Mode.FULL).ok
    before = run.target_rows()
    upsert(fake.tables[("APP", "EQUIPMENT_EVENTS")], events_rows(26, 5))
    fake.read_failures.extend([1, 1, 1])  # retries = 2: three attempts, all lost
    result = run(Mode.FULL)
    assert result.results[0].status == Status.FAILED
    assert "DPY-4011" in (result.results[0].error or "")
    assert run.target_rows() == before


def test_cancel_breaks_the_running_fetch_and_keeps_the_previous_target(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(25)])
    run = Run(tmp_path, fake, primary_key=["EVENT_ID"])
    assert run(Mode.FULL).ok
    before = run.target_rows()
    upsert(fake.tables[("APP", "EQUIPMENT_EVENTS")], events_rows(26, 5))
    # Another thread would press escape; the hook runs inside the fetch, like a cancel
    # arriving while the driver waits for the server.
    fake.on_batch = lambda conn, i: run.control.cancel() if i == 2 else None
    result = run(Mode.FULL)
    assert result.results[0].status == Status.CANCELLED
    assert run.target_rows() == before
    assert len(fake.connect_calls) == 2  # one per run: a cancel is never retried


def test_test_mode_reads_the_first_rows_with_rownum(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(25)])
    run = Run(tmp_path, fake, primary_key=["EVENT_ID"])
    result = run(Mode.TEST)
    assert result.ok and result.results[0].rows == 7
    sql, binds = fake.data_reads[-1]
    assert "ROWNUM <= :max_rows" in sql and binds == {"max_rows": 7}
    con = duckdb.connect(str(run.config.target_path()), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM events_test").fetchone() == (7,)
        assert con.execute("SELECT count(*) FROM information_schema.tables "
                           "WHERE table_name = 'events'").fetchone() == (0,)
    finally:
        con.close()


def _tz_table(ids: range) -> pa.Table:
    from datetime import UTC

    t0 = BASE_TIME.replace(tzinfo=UTC)
    return pa.table({
        "ID": pa.array(list(ids), pa.int64()),
        "T": pa.array([t0 + timedelta(seconds=i * 0.75) for i in ids], pa.timestamp("us", tz="UTC")),
        "D": pa.array([BASE_TIME + timedelta(seconds=i // 2) for i in ids], pa.timestamp("us")),
    })


@pytest.mark.parametrize("cursor", ["T", "D"])
def test_time_zone_and_date_cursors_run_incrementally_without_loss(tmp_path: Path, cursor: str) -> None:
    from tests.oracle_fake import FakeColumn

    cols = [FakeColumn("ID", "NUMBER", 6, 0, nullable=False),
            FakeColumn("T", "TIMESTAMP(6) WITH TIME ZONE", scale=6), FakeColumn("D", "DATE")]
    fake = FakeOracle([FakeTable("APP", "STAMPS", cols, _tz_table(range(1, 12)), ["ID"], num_rows=11)])
    config = make_config(tmp_path)
    config.tables = {"APP.STAMPS": TableConfig("APP.STAMPS", target="stamps", cursor=cursor,
                                               lookback=timedelta(0), batch_rows=4)}

    def run(mode: Mode) -> Any:
        return Engine(config, source_factory=lambda: OracleSource(config.source, driver=fake)).run(
            ["APP.STAMPS"], mode)

    def target() -> list[tuple]:
        con = duckdb.connect(str(config.target_path()), read_only=True)
        try:
            return con.execute("SELECT id, epoch_us(t), d FROM stamps ORDER BY id").fetchall()
        finally:
            con.close()

    def source() -> list[tuple]:
        data = fake.tables[("APP", "STAMPS")].data.sort_by("ID")
        return [(r["ID"], int(r["T"].timestamp() * 1_000_000), r["D"]) for r in data.to_pylist()]

    assert run(Mode.FULL).ok
    assert target() == source()
    fake.tables[("APP", "STAMPS")].append(_tz_table(range(12, 20)))  # row 12 shares row 11's DATE
    result = run(Mode.INCREMENTAL)
    assert result.results[0].status == Status.OK, result.results[0].error
    assert target() == source()
    assert result.results[0].rows < 19  # a window, not a full re-read


def without_scn(binds: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in binds.items() if k != "scn"}


def test_chunked_full_sync_resumes_after_a_lost_connection(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(25)])
    run = Run(tmp_path, fake, primary_key=["EVENT_ID"])
    run.config.sync.chunk_rows = 6  # keyset chunks of 6 rows, each committed
    fake.read_failures.extend([None, None, 1])  # the third chunk loses the connection
    result = run(Mode.FULL)
    assert result.results[0].status == Status.OK, result.results[0].error
    assert retried(run)
    assert_same_as_source(run)
    reads = fake.data_reads
    assert all("ROWNUM <= :max_rows" in sql for sql, _ in reads)
    # every chunk reads AS OF one SCN (issue 9 item 6), also after the reconnect
    assert all(" AS OF SCN :scn" in sql and b["scn"] == fake.scn for sql, b in reads)
    assert without_scn(reads[0][1]) == {"max_rows": 6}
    # after the reconnect the read continues after the last committed key, not from the start
    assert without_scn(reads[3][1]) == {"k0": 12, "max_rows": 6}


def test_parallel_key_ranges_read_everything_once(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(25)])
    run = Run(tmp_path, fake, primary_key=["EVENT_ID"])
    run.config.tables[TABLE].parallel = 3
    result = run(Mode.FULL)
    assert result.results[0].status == Status.OK, result.results[0].error
    assert_same_as_source(run)
    ranges = sorted((b.get("range_lo") or 0, b.get("range_hi") or 10**9) for _, b in fake.data_reads)
    assert len(ranges) == 3 and ranges[0][0] == 0 and ranges[-1][1] == 10**9


def test_parallel_without_a_numeric_key_reads_ora_hash_buckets_at_one_scn(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(25)])
    fake.tables[("APP", "EQUIPMENT_EVENTS")].primary_key = []
    fake.grant_v_database = False  # the common case: fall back to DBMS_FLASHBACK
    run = Run(tmp_path, fake, primary_key=[])
    run.config.tables[TABLE].parallel = 3
    run.config.tables[TABLE].consistent = True
    result = run(Mode.FULL)
    assert result.results[0].status == Status.OK, result.results[0].error
    assert_same_as_source(run)
    reads = fake.data_reads
    assert len(reads) == 3
    assert all("ORA_HASH(ROWID, :bucket_max) = :bucket" in sql and " AS OF SCN :scn" in sql for sql, _ in reads)
    assert sorted(b["bucket"] for _, b in reads) == [0, 1, 2]
    assert {(b["bucket_max"], b["scn"]) for _, b in reads} == {(2, fake.scn)}


def test_keyless_chunked_full_sync_pages_by_rowid_and_resumes(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(25)])
    fake.tables[("APP", "EQUIPMENT_EVENTS")].primary_key = []
    run = Run(tmp_path, fake, primary_key=[])
    run.config.sync.chunk_rows = 6
    fake.read_failures.extend([None, None, 1])  # the third chunk loses the connection
    result = run(Mode.FULL)
    assert result.results[0].status == Status.OK, result.results[0].error
    assert retried(run)
    assert_same_as_source(run)
    reads = fake.data_reads
    assert all("ROWIDTOCHAR(ROWID)" in sql and "ORDER BY ROWID" in sql for sql, _ in reads)
    assert "k0" not in reads[0][1] and reads[1][1]["k0"] == "AAAFAK000000000005"
    # after the reconnect the read continues after the last committed row address
    assert without_scn(reads[3][1]) == {"k0": "AAAFAK000000000011", "max_rows": 6}
    assert "ROWID > CHARTOROWID(:k0)" in reads[3][0]
    assert "__tui_sync_rowid" not in {r[0] for r in duckdb.connect(str(run.config.target_path()), read_only=True)
                                      .execute("SELECT column_name FROM information_schema.columns").fetchall()}


def test_plan_shows_the_max_cursor_sql_as_sql_and_binds(tmp_path: Path) -> None:
    """`tui-sync plan` on an Oracle table with a cursor: the max-cursor SQL is the source's
    optional capability, reported like every other mode's SQL as (sql, binds); the fetch
    type the source also returns made the plan printer's unpacking fail."""
    config = make_config(tmp_path)
    engine = Engine(config, source_factory=lambda: OracleSource(config.source, driver=FakeOracle([events_table(3)])))
    report = engine.plan(TABLE)
    sql, binds = report.sql["max_cursor"]
    assert "MAX(" in sql and isinstance(binds, dict)
    assert all(len(v) == 2 for v in report.sql.values())
