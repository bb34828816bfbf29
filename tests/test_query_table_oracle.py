"""Query-backed tables on Oracle, through the driver-level fake: the describe (no rows read,
cursor.description as python-oracledb 26.1.0 gives it), the inline view every statement reads,
the window and limits around it with binds, and what a query cannot do (AS OF SCN, ROWID)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from tests.oracle_fake import FakeColumn, FakeOracle, FakeTable, events_rows, events_table
from tui_sync.config import Config, SourceConfig, TableConfig
from tui_sync.engine import Engine
from tui_sync.errors import ConfigError, SourceError
from tui_sync.events import Mode
from tui_sync.sources.oracle import OracleSource
from tui_sync.sources.oracle import source as oracle_mod
from tui_sync.sources.oracle import sql as sql_text
from tui_sync.sources.oracle import verify as verify_sql
from tui_sync.sources.verify_spec import VerifyQueryError
from tui_sync.typeplan import PlanOptions, build_plan

PASSWORD = "s3cret-Passw0rd"
QUERY = ("SELECT EVENT_ID, EQUIP_ID, EVENT_TIME, VALUE, NOTE FROM APP.EQUIPMENT_EVENTS\n"
         "WHERE EQUIP_ID <> 'EQ03'")
VIEW = f'(\n{QUERY}\n) "Q"'


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oracle_mod, "_thick_args", None)
    monkeypatch.setenv("TUI_SYNC_ORACLE_PASSWORD", PASSWORD)


def result_of(table: FakeTable) -> FakeTable:
    """What QUERY returns over the table: its rows without EQ03, the same columns."""
    data = table.data.filter(pc.not_equal(table.data.column("EQUIP_ID"), "EQ03"))
    return FakeTable("", "Q", table.columns, data)


def setup(tmp_path: Path, n: int = 30, **table: object) -> tuple[FakeOracle, Config]:
    events = events_table(n)
    fake = FakeOracle([events])
    fake.add_query(QUERY, result_of(events))
    config = Config(path=tmp_path / "t.ini")
    config.source = SourceConfig(kind="oracle", dsn="fake", user="app")
    config.target.path = str(tmp_path / "t.duckdb")
    config.sync.test_rows = 5
    options = {"primary_key": ["EVENT_ID"], "cursor": "EVENT_TIME",
               "lookback": timedelta(seconds=10), "batch_rows": 4, **table}
    config.tables = {"EVENTS_Q": TableConfig("EVENTS_Q", query=QUERY, **options)}
    return fake, config


def engine(config: Config, fake: FakeOracle) -> Engine:
    return Engine(config, source_factory=lambda: OracleSource(config.source, driver=fake))


def target_rows(config: Config) -> list[tuple]:
    con = duckdb.connect(str(config.target_path()), read_only=True)
    try:
        return con.execute("SELECT event_id, equip_id, event_time, value, note FROM events_q "
                           "ORDER BY event_id").fetchall()
    finally:
        con.close()


def query_rows(fake: FakeOracle) -> list[tuple]:
    data = fake.query_result(QUERY).data.sort_by("EVENT_ID")
    return [tuple(r.values()) for r in data.to_pylist()]


COLUMNS = [
    FakeColumn("N", "NUMBER"),
    FakeColumn("I", "NUMBER", None, 0),  # INTEGER
    FakeColumn("P", "NUMBER", 12, 3, nullable=False),
    FakeColumn("F", "FLOAT", 126),
    FakeColumn("T9", "TIMESTAMP(9)", scale=9),
    FakeColumn("T0", "TIMESTAMP(0)", scale=0),
    FakeColumn("TZ", "TIMESTAMP(3) WITH TIME ZONE", scale=3),
    FakeColumn("D", "DATE", nullable=False),
    FakeColumn("C", "CHAR", char_length=3, data_length=3),
    FakeColumn("V", "VARCHAR2", char_length=20, data_length=80),
    FakeColumn("R", "RAW", data_length=16),
    FakeColumn("BD", "BINARY_DOUBLE"),
    FakeColumn("G", "SDO_GEOMETRY", type_owner="MDSYS"),
]


def test_describe_reads_no_row_and_plans_like_the_dictionary() -> None:
    table = FakeTable("APP", "WIDE", COLUMNS, pa.table({c.name: pa.nulls(0) for c in COLUMNS}))
    fake = FakeOracle([table])
    sql = "SELECT * FROM APP.WIDE"
    fake.add_query(sql, table)
    src = OracleSource(SourceConfig(kind="oracle", dsn="fake", user="app"), driver=fake)
    with src:
        desc = src.describe_query("WIDE_Q", sql)
        by_dictionary = src.describe("APP.WIDE")
    assert desc.query == sql and desc.primary_key == () and desc.info.estimated_rows is None
    sent = [s for s, _ in fake.calls if "WIDE" in s]
    assert sent == [f"SELECT * FROM (\n{sql}\n) WHERE 1 = 0", *sent[1:]]
    assert not fake.data_reads  # described, never fetched
    got = {c.name: (c.declared(), c.nullable) for c in desc.columns}
    assert got == {
        "N": ("NUMBER", True), "I": ("NUMBER(38,0)", True), "P": ("NUMBER(12,3)", False),
        "F": ("FLOAT(126)", True), "T9": ("TIMESTAMP(9)", True), "T0": ("TIMESTAMP(0)", True),
        "TZ": ("TIMESTAMP(3) WITH TIME ZONE", True), "D": ("DATE", False), "C": ("CHAR(3)", True),
        "V": ("VARCHAR2(20)", True), "R": ("RAW(16)", True), "BD": ("BINARY_DOUBLE", True),
        "G": ("MDSYS.SDO_GEOMETRY", True)}
    # the one type plan: a query's columns land as the same table's columns would
    opts = PlanOptions()
    planned = build_plan(list(desc.columns), opts)
    expected = build_plan(list(by_dictionary.columns), opts)
    assert [(c.target_name, c.duckdb_type, c.conversion) for c in planned.columns] == \
        [(c.target_name, c.duckdb_type, c.conversion) for c in expected.columns]
    assert planned.column("G").skipped and "N: NUMBER without precision" in " ".join(planned.warnings)


def test_full_then_incremental_read_the_inline_view_with_binds(tmp_path: Path) -> None:
    fake, config = setup(tmp_path)
    assert engine(config, fake).run(["EVENTS_Q"], Mode.AUTO).ok
    assert target_rows(config) == query_rows(fake)
    (full_sql, full_binds), = fake.data_reads
    assert f"\nFROM {VIEW}" in full_sql and full_binds == {}
    # new rows (one at the watermark), an update inside the lookback, a row the query drops
    events = fake.tables[("APP", "EQUIPMENT_EVENTS")]
    wm_time = events.data.column("EVENT_TIME")[29].as_py()
    new = events_rows(31, 6)
    new = new.set_column(2, "EVENT_TIME", pa.array([wm_time + timedelta(seconds=i) for i in range(6)],
                                                     pa.timestamp("us")))
    events.append(new)
    fake.add_query(QUERY, result_of(events))
    before = len(fake.data_reads)
    result = engine(config, fake).run(["EVENTS_Q"], Mode.AUTO)
    assert result.ok and result.results[0].mode == Mode.INCREMENTAL, result
    assert target_rows(config) == query_rows(fake)
    inc_sql, inc_binds = fake.data_reads[before]
    assert f"\nFROM {VIEW}\nWHERE \"EVENT_TIME\" >= TO_TIMESTAMP(:lo" in inc_sql
    assert set(inc_binds) == {"lo", "hi"}
    max_sql = [s for s, _ in fake.calls if "MAX_CURSOR" in s][-1]
    assert f"FROM {VIEW}" in max_sql
    # never a row address, never AS OF: a query has neither
    assert not [s for s, _ in fake.calls if "ROWID" in s or "AS OF" in s]


def test_test_mode_limits_with_rownum_around_the_view(tmp_path: Path) -> None:
    fake, config = setup(tmp_path, where="VALUE > 0.1")
    assert engine(config, fake).run(["EVENTS_Q"], Mode.TEST).ok
    (sql, binds), = fake.data_reads
    assert sql.endswith(f"FROM {VIEW}\nWHERE (VALUE > 0.1)\n  AND ROWNUM <= :max_rows")
    assert binds == {"max_rows": 5}


def test_keyless_chunked_full_reads_in_one_statement(tmp_path: Path) -> None:
    fake, config = setup(tmp_path, primary_key=[])
    config.sync.chunk_rows = 4  # a table would page by ROWID here
    assert engine(config, fake).run(["EVENTS_Q"], Mode.FULL).ok
    assert len(fake.data_reads) == 1 and "ROWID" not in fake.data_reads[0][0]
    assert sorted(target_rows(config)) == query_rows(fake)


def test_a_query_the_server_refuses_is_one_config_line_and_nothing_written(tmp_path: Path) -> None:
    fake, config = setup(tmp_path)
    fake.queries.clear()  # the table the query names is gone: ORA-00942 at the describe
    with pytest.raises(ConfigError) as err:
        engine(config, fake).run(["EVENTS_Q"], Mode.FULL)
    assert str(err.value).startswith(f"{config.path}:[table EVENTS_Q]:query: ")
    assert "ORA-00942" in str(err.value) and "\n" not in str(err.value)
    assert not Path(config.target.path).exists()


def test_consistent_is_refused_and_no_snapshot_reaches_the_sql(tmp_path: Path) -> None:
    fake, config = setup(tmp_path, consistent=True, parallel=2)
    with pytest.raises(ConfigError, match=r"\[table EVENTS_Q\]:consistent: .*AS OF SCN"):
        engine(config, fake).run(["EVENTS_Q"], Mode.FULL)
    src = OracleSource(config.source, driver=fake)
    with src:
        desc = src.describe_query("EVENTS_Q", QUERY)
    assert sql_text.from_ref(desc) == VIEW
    with pytest.raises(SourceError, match="cannot be read as of an SCN"):
        sql_text.from_ref(desc, snapshot=True)
    assert verify_sql._from(desc) == VIEW
    with pytest.raises(VerifyQueryError, match="is a query"):
        verify_sql._from(desc, scn=42)


def test_parallel_key_ranges_on_the_query(tmp_path: Path) -> None:
    fake, config = setup(tmp_path, parallel=3)
    assert engine(config, fake).run(["EVENTS_Q"], Mode.FULL).ok
    assert target_rows(config) == query_rows(fake)
    reads = fake.data_reads
    assert len(reads) == 3 and all(f"FROM {VIEW}" in s for s, _ in reads)
    bounds = [s for s, _ in fake.calls if s.startswith('SELECT MIN("EVENT_ID")')]
    assert bounds == [f'SELECT MIN("EVENT_ID"), MAX("EVENT_ID") FROM {VIEW}']


def test_plan_shows_the_inline_view(tmp_path: Path) -> None:
    fake, config = setup(tmp_path)
    report = engine(config, fake).plan("EVENTS_Q")
    assert report.cursor_index is None
    assert f"FROM {VIEW}" in report.sql["incremental"][0]
    assert report.sql["max_cursor"][0].endswith(f"FROM {VIEW}")
    assert not fake.data_reads


def test_doctor_checks_a_query_table_without_flashback_or_index_steps(tmp_path: Path) -> None:
    from tui_sync.doctor import StepStatus, run_doctor

    fake, config = setup(tmp_path)
    report = run_doctor(config, ["EVENTS_Q"],
                        source_factory=lambda: OracleSource(config.source, driver=fake))
    steps = {(s.group, s.name): s for s in report.steps if s.group == "table EVENTS_Q"}
    assert steps[("table EVENTS_Q", "exists")].status == StepStatus.OK
    assert steps[("table EVENTS_Q", "exists")].detail.startswith("query, 5 columns")
    assert steps[("table EVENTS_Q", "cursor index")].status == StepStatus.SKIP
    assert ("table EVENTS_Q", "flashback (AS OF SCN)") not in steps
    assert not [s for s, _ in fake.calls if "AS OF" in s or "ALL_IND_COLUMNS" in s]
    assert not [s for s, _ in fake.data_reads if VIEW in s]  # the query is described, not read
