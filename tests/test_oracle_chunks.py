"""Issue 9 items 6, 9, 10 with the Oracle source on the driver-level fake.

- every chunk of a chunked full sync reads AS OF one SCN, taken at the start and kept
  by a resume; a refused flashback read (ORA-01031, ORA-01555 on a late resume) or an
  unreadable SCN falls back to unpinned reads and says so in the log, the run and
  `status`; the watermark is MAX(cursor) from before the first read either way;
- keyset chunks bind the raw key (NUMBER beyond 2**53, CHAR with rtrim_char,
  TIMESTAMP(9)), so no row is skipped or read twice;
- parallel key ranges keep rows whose configured key is NULL.

The AS OF SCN refusals are server errors (there is no Oracle here to produce them); the
fake raises them as python-oracledb surfaces any ORA error (oracledb/errors.py _Error).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from tests.oracle_fake import BASE_TIME, FakeColumn, FakeOracle, FakeTable, events_rows, events_table, ora_error
from tui_sync.config import Config, SourceConfig, TableConfig
from tui_sync.engine import Engine
from tui_sync.events import Control, Event, LogLine, Mode, Status
from tui_sync.sources.oracle import OracleSource
from tui_sync.sources.oracle import source as oracle_mod
from tui_sync.target import state as st

TABLE = "APP.EQUIPMENT_EVENTS"
PASSWORD = "s3cret-Passw0rd"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oracle_mod, "_thick_args", None)
    monkeypatch.setenv("TUI_SYNC_ORACLE_PASSWORD", PASSWORD)


class Run:
    def __init__(self, tmp_path: Path, fake: FakeOracle, table: str = TABLE, *, chunk_rows: int = 6,
                 cursor: str | None = "EVENT_TIME", primary_key: list[str] | None = None,
                 parallel: int = 1, rtrim_char: bool = False):
        self.config = Config(path=tmp_path / "t.ini")
        self.config.source = SourceConfig(kind="oracle", dsn="fake", user="app")
        self.config.target.path = str(tmp_path / "t.duckdb")
        self.config.sync.retries = 1
        self.config.sync.retry_backoff = timedelta(0)
        self.config.sync.chunk_rows = chunk_rows
        self.config.sync.rtrim_char = rtrim_char
        self.config.tables = {table: TableConfig(table, target="t", primary_key=primary_key or [],
                                                 cursor=cursor, lookback=timedelta(seconds=1),
                                                 batch_rows=4, parallel=parallel)}
        self.table = table
        self.fake = fake
        self.events: list[Event] = []

    def __call__(self, mode: Mode = Mode.AUTO, control: Control | None = None) -> Any:
        engine = Engine(self.config, on_event=self.events.append, control=control,
                        source_factory=lambda: OracleSource(self.config.source, driver=self.fake))
        return engine.run([self.table], mode).results[0]

    def rows(self, sql: str = "SELECT * FROM t ORDER BY ALL") -> list[tuple]:
        con = duckdb.connect(str(self.config.target_path()), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def warnings(self) -> list[str]:
        return [e.message for e in self.events if isinstance(e, LogLine) and e.level == "warning"]


def source_rows(fake: FakeOracle, owner: str = "APP", name: str = "EQUIPMENT_EVENTS") -> list[tuple]:
    data = fake.tables[(owner, name)].data
    return sorted(tuple(r.values()) for r in data.to_pylist())


def chunk_reads(fake: FakeOracle) -> list[tuple[str, dict[str, Any]]]:
    return [c for c in fake.data_reads if "ORDER BY" in c[0]]


def changed_events(fake: FakeOracle) -> pa.Table:
    """A row already read (EVENT_ID 2) updated to a new time, and a new newest row."""
    data = fake.tables[("APP", "EQUIPMENT_EVENTS")].data
    rows = data.to_pylist()
    late = BASE_TIME + timedelta(hours=5)
    rows[1]["EVENT_TIME"], rows[1]["NOTE"] = late, "updated"
    new = events_rows(100, 1).to_pylist()[0]
    new["EVENT_TIME"] = late + timedelta(hours=1)
    return pa.Table.from_pylist(rows + [new], schema=data.schema)


def last_run(run: Run) -> st.RunRecord:
    return st.read_runs(run.config.target_path())[0]


# -- item 6: one SCN for every chunk ---------------------------------------------------------

def test_every_chunk_reads_as_of_one_scn_and_a_change_meanwhile_is_not_lost(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(25)])
    start_scn = fake.scn
    run = Run(tmp_path, fake)
    before = source_rows(fake)

    def change_after_first_chunk(conn: Any, i: int) -> None:
        if len(chunk_reads(fake)) == 2 and i == 0 and fake.scn == start_scn:
            fake.commit("APP", "EQUIPMENT_EVENTS", changed_events(fake))

    fake.on_batch = change_after_first_chunk
    result = run(Mode.FULL)
    assert result.status == Status.OK, result.error
    reads = chunk_reads(fake)
    assert len(reads) == 5 and fake.scn == start_scn + 1
    assert all(' AS OF SCN :scn' in sql and binds["scn"] == start_scn for sql, binds in reads)
    assert run.rows() == before  # one point in time: the table as it was at the SCN
    assert last_run(run).consistency == f"scn {start_scn}"
    state = st.read_table_states(run.config.target_path())["t"]
    assert state.last_consistency == f"scn {start_scn}"
    assert state.watermark == str(BASE_TIME + timedelta(seconds=25 * 1.5))  # MAX before reading

    fake.on_batch = None
    assert run(Mode.INCREMENTAL).status == Status.OK
    assert run.rows() == source_rows(fake)


def interrupted(tmp_path: Path, fake: FakeOracle) -> Run:
    """A chunked full sync that fails after two committed chunks (retries exhausted)."""
    run = Run(tmp_path, fake)
    fake.read_failures.extend([None, None, 0, 0])
    result = run(Mode.FULL)
    assert result.status == Status.FAILED
    points = st.read_resume_points(run.config.target_path())
    assert points["t"].rows == 12 and points["t"].start is not None
    return run


def test_a_resumed_run_reads_as_of_the_original_scn(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(25)])
    start_scn = fake.scn
    before = source_rows(fake)
    run = interrupted(tmp_path, fake)
    fake.commit("APP", "EQUIPMENT_EVENTS", changed_events(fake))  # while it is down
    calls_before = len(fake.data_reads)
    result = run(Mode.AUTO)  # auto continues the interrupted full sync
    assert result.status == Status.OK, result.error
    resumed = fake.data_reads[calls_before:]
    assert resumed and all(' AS OF SCN :scn' in sql and b["scn"] == start_scn for sql, b in resumed)
    assert resumed[0][1]["k0"] == Decimal(12)  # after the last committed key
    assert run.rows() == before
    assert last_run(run).consistency == f"scn {start_scn}"
    assert run(Mode.INCREMENTAL).status == Status.OK
    assert run.rows() == source_rows(fake)


@pytest.mark.parametrize("message,code", [("ORA-01031: insufficient privileges", 1031),
                                          ("ORA-08187: snapshot expression not allowed here", 8187)],
                         ids=["no-flashback-privilege", "not-allowed-here"])
def test_refused_flashback_falls_back_to_unpinned_reads_and_says_so(tmp_path: Path, message: str,
                                                                    code: int) -> None:
    fake = FakeOracle([events_table(25)])
    fake.flashback_error = ora_error(message, code)
    tag = message[:9]
    run = Run(tmp_path, fake)
    result = run(Mode.FULL)
    assert result.status == Status.OK, result.error
    assert run.rows() == source_rows(fake)
    reads = chunk_reads(fake)
    assert " AS OF SCN :scn" in reads[0][0]  # tried, refused
    assert all(" AS OF SCN" not in sql and "scn" not in b for sql, b in reads[1:])
    assert any(tag in w and "unpinned" in w for w in run.warnings())
    assert (last_run(run).consistency or "").startswith(f"not pinned: {tag}")
    assert st.read_table_states(run.config.target_path())["t"].last_consistency.startswith(
        f"not pinned: {tag}")


def test_undo_too_old_on_resume_falls_back_and_the_next_incremental_catches_up(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(25)])
    run = interrupted(tmp_path, fake)
    fake.commit("APP", "EQUIPMENT_EVENTS", changed_events(fake))
    fake.undo_low_scn = fake.scn  # the undo for the original SCN is gone
    result = run(Mode.AUTO)
    assert result.status == Status.OK, result.error
    assert any("ORA-01555" in w for w in run.warnings())
    assert (last_run(run).consistency or "").startswith("not pinned: ORA-01555")
    assert run(Mode.INCREMENTAL).status == Status.OK
    assert run.rows() == source_rows(fake)


def test_an_unreadable_scn_reads_unpinned_and_says_so(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(25)])
    fake.scn_readable = False
    run = Run(tmp_path, fake)
    assert run(Mode.FULL).status == Status.OK
    assert all(" AS OF SCN" not in sql for sql, _ in fake.data_reads)
    assert (last_run(run).consistency or "").startswith("not pinned: cannot read the current SCN")
    assert any("not pinned" in w for w in run.warnings())
    assert run.rows() == source_rows(fake)


# -- item 9: keyset bounds on the raw key -------------------------------------------------------

def keyed_table(name: str, key: FakeColumn, keys: pa.Array) -> FakeTable:
    n = len(keys)
    data = pa.table({key.name: keys, "V": pa.array(list(range(1, n + 1)), pa.int64())})
    return FakeTable("APP", name, [key, FakeColumn("V", "NUMBER", 10, 0)], data, [key.name], num_rows=n)


@pytest.mark.parametrize("case", ["number-beyond-2-53", "char-rtrim", "timestamp9"])
def test_keyset_chunks_bind_the_raw_key(tmp_path: Path, case: str) -> None:
    if case == "number-beyond-2-53":
        key = FakeColumn("K", "NUMBER", nullable=False)  # no precision: planned as DOUBLE
        keys = pa.array([2**53 + i for i in range(1, 21)], pa.int64())
    elif case == "char-rtrim":
        key = FakeColumn("K", "CHAR(6)", char_length=6, data_length=6, nullable=False)
        keys = pa.array([f"k{i:03d}  " for i in range(1, 21)], pa.large_string())
    else:
        key = FakeColumn("K", "TIMESTAMP(9)", scale=9, nullable=False)
        base = int(datetime(2024, 3, 1, 8).timestamp()) * 10**9
        keys = pa.array([base + i for i in range(1, 21)], pa.int64()).cast(pa.timestamp("ns"))
    fake = FakeOracle([keyed_table("K_T", key, keys)])
    run = Run(tmp_path, fake, "APP.K_T", chunk_rows=3, cursor=None, rtrim_char=case == "char-rtrim")
    result = run(Mode.FULL)
    assert result.status == Status.OK, result.error
    assert run.rows("SELECT v FROM t ORDER BY v") == [(i,) for i in range(1, 21)]
    reads = chunk_reads(fake)
    assert len(reads) == 7 and all("__tui_sync_key0" in sql for sql, _ in reads)
    if case == "number-beyond-2-53":
        assert reads[1][1]["k0"] == Decimal(2**53 + 3)  # exact, not the double 2**53 + 4


# -- item 10: NULL keys in parallel key ranges ---------------------------------------------------

def test_parallel_key_ranges_keep_rows_with_a_null_key(tmp_path: Path) -> None:
    key = FakeColumn("K", "NUMBER", 10, 0)  # nullable, configured as the key
    keys = pa.array([None if i % 4 == 0 else i for i in range(1, 41)], pa.int64())
    table = keyed_table("N_T", key, keys)
    table.primary_key = []
    fake = FakeOracle([table])
    run = Run(tmp_path, fake, "APP.N_T", cursor=None, primary_key=["K"], parallel=3)
    result = run(Mode.FULL)
    assert result.status == Status.OK, result.error
    assert run.rows("SELECT k, v FROM t ORDER BY v") == [(k, i + 1) for i, k in enumerate(keys.to_pylist())]
    null_reads = [sql for sql, _ in fake.data_reads if '"K" IS NULL' in sql]
    assert len(null_reads) == 1
