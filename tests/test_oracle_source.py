"""The Oracle source against the driver-level fake (tests/oracle_fake.py).

What is pinned here: the SQL and binds sent for the catalog, the plan and each
kind of read; the requested_schema built from the type plan; thick-mode
initialisation; error mapping; cancel; and that the password never leaks.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from tests.oracle_fake import (
    BASE_TIME,
    FakeColumn,
    FakeOracle,
    FakeTable,
    connection_lost,
    dpi_error,
    dpy_error,
    events_table,
    ora_error,
)
from tui_sync.config import SourceConfig
from tui_sync.errors import SourceError, SyncCancelled, UnknownTableError
from tui_sync.sources.base import KeyRange, ReadSpec, Window
from tui_sync.sources.oracle import OracleSource
from tui_sync.sources.oracle import source as oracle_mod
from tui_sync.typeplan import PlanOptions, build_plan

PASSWORD = "s3cret-Passw0rd"


@pytest.fixture(autouse=True)
def _fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each test is a "new process" as far as the thick-mode guard goes.
    monkeypatch.setattr(oracle_mod, "_thick_args", None)
    monkeypatch.setenv("TUI_SYNC_ORACLE_PASSWORD", PASSWORD)


def all_types_table() -> FakeTable:
    """One column of every Oracle type in DESIGN §4 (and two unsupported ones)."""
    cols = [
        FakeColumn("ID", "NUMBER", 9, 0, nullable=False),
        FakeColumn("N_BIG", "NUMBER", 20, 0),
        FakeColumn("N_INTEGER", "NUMBER", None, 0),
        FakeColumn("N_DEC", "NUMBER", 12, 3),
        FakeColumn("N_FREE", "NUMBER"),
        FakeColumn("F", "FLOAT", 126),
        FakeColumn("BF", "BINARY_FLOAT"),
        FakeColumn("BD", "BINARY_DOUBLE"),
        FakeColumn("D", "DATE"),
        FakeColumn("TS", "TIMESTAMP(6)", scale=6),
        FakeColumn("TS9", "TIMESTAMP(9)", scale=9),
        FakeColumn("TSTZ", "TIMESTAMP(6) WITH TIME ZONE", scale=6),
        FakeColumn("TSLTZ", "TIMESTAMP(6) WITH LOCAL TIME ZONE", scale=6),
        FakeColumn("IDS", "INTERVAL DAY(2) TO SECOND(6)", 2, 6),
        FakeColumn("IYM", "INTERVAL YEAR(2) TO MONTH", 2, 0),
        FakeColumn("C", "CHAR", char_length=5, data_length=5),
        FakeColumn("NC", "NCHAR", char_length=3, data_length=6),
        FakeColumn("V", "VARCHAR2", char_length=20, data_length=20),
        FakeColumn("NV", "NVARCHAR2", char_length=20, data_length=40),
        FakeColumn("CL", "CLOB", data_length=4000),
        FakeColumn("NCL", "NCLOB", data_length=4000),
        FakeColumn("R", "RAW", data_length=16),
        FakeColumn("BL", "BLOB", data_length=4000),
        FakeColumn("RID", "ROWID", data_length=10),
        FakeColumn("URID", "UROWID", data_length=4000),
        FakeColumn("J", "JSON"),
        FakeColumn("X", "XMLTYPE", type_owner="SYS"),
        FakeColumn("B", "BOOLEAN"),
        FakeColumn("VEC", "VECTOR"),
        FakeColumn("BFL", "BFILE"),
        FakeColumn("GEO", "SDO_GEOMETRY", type_owner="MDSYS"),
    ]
    t0 = datetime(2024, 1, 2, 3, 4, 5, 123456)
    data = pa.table({
        "ID": pa.array([1, 2, 3], pa.int64()),
        "N_BIG": pa.array([Decimal("12345678901234567890"), Decimal(-1), None], pa.decimal128(20, 0)),
        "N_INTEGER": pa.array([Decimal(10) ** 30, Decimal(0), None], pa.decimal128(38, 0)),
        "N_DEC": pa.array([Decimal("123456789.123"), Decimal("-0.001"), None], pa.decimal128(12, 3)),
        "N_FREE": pa.array([1.5, -2.25e10, None], pa.float64()),
        "F": pa.array([0.1, None, 3.0], pa.float64()),
        "BF": pa.array([1.5, None, -0.25], pa.float32()),
        "BD": pa.array([1e300, None, -0.5], pa.float64()),
        "D": pa.array([datetime(2024, 1, 2, 23, 59, 58), datetime(1900, 1, 1), None], pa.timestamp("us")),
        "TS": pa.array([t0, datetime(2024, 1, 2), None], pa.timestamp("us")),
        "TS9": pa.array([1_700_000_000_123_456_789, None, 0], pa.timestamp("ns")),
        "TSTZ": pa.array([datetime(2024, 6, 1, 12, 0, tzinfo=UTC), None, t0.replace(tzinfo=UTC)],
                         pa.timestamp("us", tz="UTC")),
        "TSLTZ": pa.array([datetime(2024, 6, 1, 12, 0, tzinfo=UTC), None, None],
                          pa.timestamp("us", tz="UTC")),
        "IDS": pa.array([timedelta(days=1, hours=2, microseconds=7), -timedelta(days=3, minutes=1), None],
                        pa.duration("us")),
        "IYM": pa.array([14, -3, None], pa.int64()),
        "C": pa.array(["ab   ", "     ", None], pa.large_string()),
        "NC": pa.array(["가  ", None, "xyz"], pa.large_string()),
        "V": pa.array(["hello", None, "세계"], pa.large_string()),
        "NV": pa.array(["NV", None, ""], pa.large_string()),
        "CL": pa.array(["x" * 5000, None, "clob"], pa.large_string()),
        "NCL": pa.array([None, "nclob", "한"], pa.large_string()),
        "R": pa.array([b"\x00\x01", None, b"\xff"], pa.large_binary()),
        "BL": pa.array([b"blob" * 100, None, b""], pa.large_binary()),
        "RID": pa.array(["AAAR3sAAEAAAACXAAA", "AAAR3sAAEAAAACXAAB", None], pa.large_string()),
        "URID": pa.array(["*BAMAFjMCwQL+", None, None], pa.large_string()),
        "J": pa.array(['{"a":1}', None, "[1,2]"], pa.large_string()),
        "X": pa.array(["<a>1</a>", None, "<b/>"], pa.large_string()),
        "B": pa.array([True, False, None], pa.bool_()),
        "VEC": pa.array([[1.0, -2.5, 3.25e-5], None, [0.0]], pa.list_(pa.float64())),
        "BFL": pa.array([None, None, None], pa.large_string()),
        "GEO": pa.array([None, None, None], pa.large_string()),
    })
    return FakeTable("APP", "ALL_TYPES", cols, data, ["ID"], num_rows=3)


def odd_names_table() -> FakeTable:
    """Mixed-case owner and table, a reserved word, a mixed-case and a Korean column."""
    cols = [
        FakeColumn("LEVEL", "NUMBER", 5, 0, nullable=False),
        FakeColumn("MixedCase", "VARCHAR2", char_length=10),
        FakeColumn("측정값", "NUMBER", 10, 2),
        FakeColumn("DATE", "DATE"),
    ]
    data = pa.table({
        "LEVEL": pa.array([1, 2], pa.int64()),
        "MixedCase": pa.array(["a", "b"], pa.large_string()),
        "측정값": pa.array([Decimal("1.50"), None], pa.decimal128(10, 2)),
        "DATE": pa.array([datetime(2024, 5, 1, 10), datetime(2024, 5, 2, 11)], pa.timestamp("us")),
    })
    return FakeTable("Sales", "Order Lines", cols, data, ["LEVEL", "MixedCase"], num_rows=None)


def make_fake(**kwargs: Any) -> FakeOracle:
    tables = [
        events_table(10),
        all_types_table(),
        odd_names_table(),
        FakeTable("APP", "공정이력", [FakeColumn("ID", "NUMBER", 5, 0)],
                  pa.table({"ID": pa.array([1], pa.int64())}), num_rows=1),
        FakeTable("SCOTT", "EMP", [FakeColumn("EMPNO", "NUMBER", 4, 0)],
                  pa.table({"EMPNO": pa.array([7369], pa.int64())}), ["EMPNO"], num_rows=14),
        FakeTable("SYS", "OBJ$", [FakeColumn("OBJ#", "NUMBER")], pa.table({"OBJ#": pa.array([1.0])})),
        FakeTable("APEX_040200", "WWV_FLOWS", [FakeColumn("ID", "NUMBER")],
                  pa.table({"ID": pa.array([1.0])})),
        FakeTable("ODI_REPO_USER", "SNP_SESSION", [FakeColumn("ID", "NUMBER")],
                  pa.table({"ID": pa.array([1.0])})),
        FakeTable("APP", "EVENTS_V", events_table(1).columns, events_table(3).data, view=True),
    ]
    return FakeOracle(tables, **kwargs)


def make_source(fake: FakeOracle, **cfg: Any) -> OracleSource:
    params: dict[str, Any] = {"kind": "oracle", "dsn": "dbhost:1521/ORCLPDB1", "user": "app"}
    params.update(cfg)
    return OracleSource(SourceConfig(**params), driver=fake)


@pytest.fixture
def fake() -> FakeOracle:
    return make_fake()


@pytest.fixture
def source(fake: FakeOracle) -> OracleSource:
    src = make_source(fake)
    src.connect()
    yield src
    src.close()


def spec_for(src: OracleSource, name: str, opts: PlanOptions | None = None, **kw: Any) -> ReadSpec:
    desc = src.describe(name)
    return ReadSpec(table=desc, plan=build_plan(list(desc.columns), opts), **kw)


def read_all(src: OracleSource, spec: ReadSpec) -> pa.Table:
    batches = list(src.read_batches(spec))
    for b in batches:
        assert b.schema.equals(spec.plan.arrow_schema())
    return pa.Table.from_batches(batches, schema=spec.plan.arrow_schema())


# -- connecting --------------------------------------------------------------------------------

def test_thin_connect_arguments_and_session_settings(fake: FakeOracle) -> None:
    src = make_source(fake, call_timeout=timedelta(seconds=90), expire_time=4, config_dir="/etc/tns")
    src.connect()
    (call,) = fake.connect_calls
    assert call == {"user": "app", "dsn": "dbhost:1521/ORCLPDB1", "tcp_connect_timeout": 20.0,
                    "expire_time": 4, "config_dir": "/etc/tns"}
    conn = fake.connections[0]
    assert conn.call_timeout == 90_000
    assert conn.module == "tui-sync"
    # binary string order, so keyset paging and text cursors agree with DuckDB
    assert {k: conn.session[k] for k in ("NLS_SORT", "NLS_COMP")} == {"NLS_SORT": "BINARY", "NLS_COMP": "BINARY"}
    # (issue 10: the NLS settings text conversions rely on are set too: test_oracle_field.py)
    assert fake.init_calls == []
    info = src.server_info()
    assert (info.kind, info.version, info.mode) == ("oracle", "19.3.0.0.0", "thin")


def test_thick_mode_initialises_once_per_process_with_the_configured_folders(fake: FakeOracle) -> None:
    a = make_source(fake, mode="thick", lib_dir="/opt/instantclient_19_23", config_dir="/etc/tns")
    a.connect()
    b = make_source(fake, mode="thick", lib_dir="/opt/instantclient_19_23", config_dir="/etc/tns")
    b.connect()
    assert fake.init_calls == [{"lib_dir": "/opt/instantclient_19_23", "config_dir": "/etc/tns"}]
    # thick mode: the client reads tnsnames.ora/sqlnet.ora itself; connect gets no config_dir
    assert all("config_dir" not in c for c in fake.connect_calls)
    assert a.server_info().mode == "thick"


def test_thick_mode_with_other_folders_in_the_same_process_is_refused(fake: FakeOracle) -> None:
    make_source(fake, mode="thick", lib_dir="/opt/ic19").connect()
    other = make_source(fake, mode="thick", lib_dir="/opt/ic21")
    with pytest.raises(SourceError, match="already initialised.*lib_dir=/opt/ic19.*restart"):
        other.connect()
    assert len(fake.init_calls) == 1


def test_thick_mode_empty_folders_are_passed_as_none(fake: FakeOracle) -> None:
    make_source(fake, mode="thick").connect()
    assert fake.init_calls == [{"lib_dir": None, "config_dir": None}]


def test_dpy_3010_says_to_switch_to_thick_mode_with_instant_client_19(fake: FakeOracle) -> None:
    fake.connect_errors.append(dpy_error(oracle_mod_errors().ERR_SERVER_VERSION_NOT_SUPPORTED))
    with pytest.raises(SourceError) as exc_info:
        make_source(fake).connect()
    msg = str(exc_info.value)
    assert "\n" not in msg
    assert msg.startswith("DPY-3010")
    assert "mode = thick" in msg and "lib_dir" in msg and "Instant Client 19" in msg and "11.2" in msg
    assert exc_info.value.transient is False


def test_dpi_1047_says_how_to_find_the_client_libraries(fake: FakeOracle) -> None:
    fake.init_error = dpi_error('DPI-1047: Cannot locate a 64-bit Oracle Client library: '
                                '"libclntsh.so: cannot open shared object file"')
    with pytest.raises(SourceError) as exc_info:
        make_source(fake, mode="thick", lib_dir="/nowhere").connect()
    msg = str(exc_info.value)
    assert "\n" not in msg and msg.startswith("DPI-1047")
    assert "lib_dir" in msg and "LD_LIBRARY_PATH" in msg


def oracle_mod_errors() -> Any:
    from oracledb import errors

    return errors


@pytest.mark.parametrize(("make_exc", "transient", "code"), [
    (connection_lost, True, "DPY-4011"),
    (lambda: dpy_error(oracle_mod_errors().ERR_CALL_TIMEOUT_EXCEEDED, timeout=90000), True, "DPY-4024"),
    (lambda: dpy_error(oracle_mod_errors().ERR_CONNECTION_FAILED, connection_id="x1"), True, "DPY-6005"),
    (lambda: ora_error("ORA-12514: Cannot connect to database. Service X is not registered", 12514),
     True, "ORA-12514"),  # isrecoverable
    (lambda: ora_error("ORA-01017: invalid credential or not authorized; logon denied", 1017),
     False, "ORA-01017"),
    (lambda: ora_error("ORA-01555: snapshot too old: rollback segment number 9 too small", 1555),
     False, "ORA-01555"),
])
def test_errors_are_classified_and_one_line(fake: FakeOracle, make_exc: Any, transient: bool,
                                            code: str) -> None:
    fake.connect_errors.append(make_exc())
    with pytest.raises(SourceError) as exc_info:
        make_source(fake).connect()
    err = exc_info.value
    assert err.transient is transient
    assert err.code == code
    assert code in str(err)
    assert "\n" not in str(err) and "Help:" not in str(err)


def test_missing_password_is_a_clear_error(fake: FakeOracle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUI_SYNC_ORACLE_PASSWORD")
    with pytest.raises(SourceError, match="TUI_SYNC_ORACLE_PASSWORD"):
        make_source(fake).connect()
    assert fake.connect_calls == []


# -- catalog ---------------------------------------------------------------------------------

def test_list_tables_scope_and_sql_on_19c(source: OracleSource, fake: FakeOracle) -> None:
    tables = source.list_tables()
    names = [t.name for t in tables]
    # own schema first; Oracle-maintained and APEX schemas hidden; views are not tables
    assert names == ["APP.ALL_TYPES", "APP.EQUIPMENT_EVENTS", "APP.공정이력", "SCOTT.EMP",
                     '"Sales"."Order Lines"']
    emp = next(t for t in tables if t.table == "EMP")
    assert (emp.owner, emp.estimated_rows) == ("SCOTT", 14)
    assert next(t for t in tables if t.table == "Order Lines").estimated_rows is None
    sql, binds = fake.calls[-1]
    assert "FROM ALL_TABLES t" in sql and "ORACLE_MAINTAINED" in sql
    assert {"SYS", "SYSTEM", "XDB", "MDSYS"} <= set(binds.values())
    assert all(f":{k}" in sql for k in binds)
    assert "'SYS'" not in sql  # schema names are binds, not literals


def test_list_tables_on_11g_uses_the_exclusion_list_only() -> None:
    fake = make_fake(version="11.2.0.4.0")
    src = make_source(fake)
    names = [t.name for t in src.list_tables()]
    sql, _ = fake.calls[-1]
    assert "ORACLE_MAINTAINED" not in sql  # 12c+ only: the fake raises ORA-00904 on 11g
    assert "ODI_REPO_USER.SNP_SESSION" in names  # 12c+ would hide it through ORACLE_MAINTAINED
    assert "SYS.OBJ$" not in names


def test_describe_maps_dictionary_rows_to_source_columns(source: OracleSource) -> None:
    desc = source.describe("app.all_types")
    assert (desc.info.owner, desc.info.table, desc.info.estimated_rows) == ("APP", "ALL_TYPES", 3)
    cols = {c.name: c for c in desc.columns}
    assert [c.name for c in desc.columns][:3] == ["ID", "N_BIG", "N_INTEGER"]
    assert (cols["N_DEC"].data_type, cols["N_DEC"].precision, cols["N_DEC"].scale) == ("NUMBER", 12, 3)
    assert (cols["N_INTEGER"].precision, cols["N_INTEGER"].scale) == (None, 0)
    assert (cols["N_FREE"].precision, cols["N_FREE"].scale) == (None, None)
    assert (cols["F"].data_type, cols["F"].precision) == ("FLOAT", 126)
    assert (cols["TS9"].data_type, cols["TS9"].scale) == ("TIMESTAMP", 9)
    assert (cols["TSTZ"].data_type, cols["TSTZ"].scale) == ("TIMESTAMP WITH TIME ZONE", 6)
    assert cols["TSLTZ"].data_type == "TIMESTAMP WITH LOCAL TIME ZONE"
    assert (cols["IDS"].data_type, cols["IDS"].scale) == ("INTERVAL DAY TO SECOND", 6)
    assert cols["IYM"].data_type == "INTERVAL YEAR TO MONTH"
    assert (cols["C"].data_type, cols["C"].length) == ("CHAR", 5)
    assert (cols["R"].data_type, cols["R"].length) == ("RAW", 16)
    assert cols["X"].data_type == "XMLTYPE"
    assert cols["GEO"].data_type == "MDSYS.SDO_GEOMETRY"
    assert cols["ID"].nullable is False and cols["V"].nullable is True
    assert desc.primary_key == ("ID",)
    plan = build_plan(list(desc.columns))
    assert {c.name for c in plan.columns if c.skipped} == {"BFL", "GEO"}


def test_describe_sends_names_only_as_binds(source: OracleSource, fake: FakeOracle) -> None:
    before = len(fake.calls)
    desc = source.describe('"Sales"."Order Lines"')
    assert desc.primary_key == ("LEVEL", "MixedCase")  # ALL_CONS_COLUMNS.POSITION order
    for sql, _ in fake.calls[before:]:
        assert "Order Lines" not in sql and "Sales" not in sql
    lookups = [b for s, b in fake.calls[before:] if "ALL_TABLES" in s]
    assert lookups == [{"owner": "Sales", "table_name": "Order Lines"}]
    pk_sql = next(s for s, _ in fake.calls[before:] if "ALL_CONSTRAINTS" in s)
    assert "CONSTRAINT_TYPE = 'P'" in pk_sql and "ORDER BY cc.POSITION" in pk_sql


@pytest.mark.parametrize(("name", "owner", "table"), [
    ("APP.EQUIPMENT_EVENTS", "APP", "EQUIPMENT_EVENTS"),
    ("app.equipment_events", "APP", "EQUIPMENT_EVENTS"),
    ("equipment_events", "APP", "EQUIPMENT_EVENTS"),  # the current schema
    ('"APP"."EQUIPMENT_EVENTS"', "APP", "EQUIPMENT_EVENTS"),
    ("공정이력", "APP", "공정이력"),
    ("APP.\"공정이력\"", "APP", "공정이력"),
    ('"Sales"."Order Lines"', "Sales", "Order Lines"),
    ("app.events_v", "APP", "EVENTS_V"),  # views can be read too
])
def test_describe_accepts_the_ways_people_write_names(source: OracleSource, name: str, owner: str,
                                                      table: str) -> None:
    info = source.describe(name).info
    assert (info.owner, info.table) == (owner, table)


@pytest.mark.parametrize("name", [
    "APP.NO_SUCH_TABLE",
    'app."equipment_events"',  # quoted: exact case only
    'x" OR 1=1 --',
    "sales.order lines",  # unquoted spaces never match a quoted name
])
def test_unknown_table_is_refused_before_any_data_sql(source: OracleSource, fake: FakeOracle,
                                                      name: str) -> None:
    before = len(fake.calls)
    with pytest.raises(UnknownTableError, match="not found in the source dictionary|is not a table name"):
        source.describe(name)
    for sql, _ in fake.calls[before:]:
        assert "ALL_TABLES" in sql or "SYS_CONTEXT" in sql or "ALL_SYNONYMS" in sql  # dictionary lookups only
        assert "OR 1=1" not in sql
    assert fake.data_reads == []


def test_dictionary_name_with_a_dot_is_quoted_in_table_info(fake: FakeOracle) -> None:
    fake.add(FakeTable("APP", "A.B", [FakeColumn("ID", "NUMBER", 3, 0)],
                       pa.table({"ID": pa.array([1], pa.int64())})))
    src = make_source(fake)
    assert 'APP."A.B"' in [t.name for t in src.list_tables()]
    assert src.describe('APP."A.B"').info.table == "A.B"


# -- the SQL of reads ------------------------------------------------------------------------

def test_full_select_quotes_every_identifier_and_converts_in_sql(source: OracleSource) -> None:
    spec = spec_for(source, "APP.ALL_TYPES", PlanOptions(rtrim_char=True))
    sql, binds = source.build_select(spec)
    assert binds == {}
    items = sql.split("\nFROM ")[0]
    assert sql.splitlines()[-1] == 'FROM "APP"."ALL_TYPES"'
    assert '"ID" AS "id"' in items
    assert 'SYS_EXTRACT_UTC("TSTZ") AS "tstz"' in items
    assert 'SYS_EXTRACT_UTC("TSLTZ") AS "tsltz"' in items
    assert 'ROWIDTOCHAR("RID") AS "rid"' in items
    assert 'CAST("URID" AS VARCHAR2(4000)) AS "urid"' in items
    assert 'JSON_SERIALIZE("J" RETURNING CLOB) AS "j"' in items
    assert 'XMLSERIALIZE(CONTENT "X" AS CLOB) AS "x"' in items
    assert 'RTRIM("C") AS "c"' in items and 'RTRIM("NC") AS "nc"' in items
    assert 'FROM_VECTOR("VEC" RETURNING CLOB) AS "vec"' in items
    assert 'EXTRACT(DAY FROM "IDS")' in items and 'EXTRACT(YEAR FROM "IYM")' in items
    assert '"BFL"' not in sql and '"GEO"' not in sql  # skipped columns are not read
    assert "ROWNUM" not in sql


def test_reserved_mixed_case_and_korean_names_are_quoted(source: OracleSource) -> None:
    spec = spec_for(source, '"Sales"."Order Lines"', order_by=("LEVEL",), limit=5)
    sql, binds = source.build_select(spec)
    assert '"LEVEL" AS "level"' in sql
    assert '"MixedCase" AS "MixedCase"' in sql
    assert '"측정값" AS "측정값"' in sql
    assert '"DATE" AS "date"' in sql
    assert 'FROM "Sales"."Order Lines"' in sql
    assert 'ORDER BY "LEVEL"' in sql
    assert binds == {"max_rows": 5}
    table = read_all(source, spec)
    assert table.column("level").to_pylist() == [1, 2]
    assert table.column("측정값").to_pylist() == [Decimal("1.50"), None]


def test_test_mode_limits_with_rownum_not_fetch_first(source: OracleSource, fake: FakeOracle) -> None:
    spec = spec_for(source, "APP.EQUIPMENT_EVENTS", limit=4, batch_rows=3)
    sql, binds = source.build_select(spec)
    assert binds == {"max_rows": 4}
    assert sql.endswith("WHERE ROWNUM <= :max_rows")
    assert "FETCH" not in sql and "SELECT * FROM (" not in sql  # no inline view: LONG-safe
    table = read_all(source, spec)
    assert table.column("event_id").to_pylist() == [1, 2, 3, 4]
    sent_sql, sent_binds = fake.data_reads[-1]
    assert sent_sql == "fetch_df: " + sql and sent_binds == binds


def test_limit_with_order_wraps_rownum_around_the_ordered_query(source: OracleSource) -> None:
    spec = spec_for(source, "APP.EQUIPMENT_EVENTS", limit=2, order_by=("EVENT_TIME",),
                    where="EQUIP_ID = 'EQ03'")
    sql, binds = source.build_select(spec)
    assert sql.startswith("SELECT * FROM (\nSELECT ")
    assert "WHERE (EQUIP_ID = 'EQ03')\nORDER BY \"EVENT_TIME\"\n)\nWHERE ROWNUM <= :max_rows" in sql
    assert binds == {"max_rows": 2}
    assert read_all(source, spec).column("event_id").to_pylist() == [3, 10]


def test_incremental_window_binds_for_a_timestamp_cursor(source: OracleSource) -> None:
    lo = BASE_TIME + timedelta(seconds=4.5)  # EVENT_ID 3 (fractional seconds matter)
    hi = BASE_TIME + timedelta(seconds=10.5)  # EVENT_ID 7
    spec = spec_for(source, "APP.EQUIPMENT_EVENTS", where="EQUIP_ID <> 'EQ05'",
                    window=Window("EVENT_TIME", lo, hi))
    sql, binds = source.build_select(spec)
    fmt = "'YYYY-MM-DD HH24:MI:SS.FF6'"
    assert "WHERE (EQUIP_ID <> 'EQ05')" in sql
    assert f'"EVENT_TIME" >= TO_TIMESTAMP(:lo, {fmt})' in sql
    assert f'"EVENT_TIME" <= TO_TIMESTAMP(:hi, {fmt})' in sql
    assert binds == {"lo": "2024-03-01 08:00:04.500000", "hi": "2024-03-01 08:00:10.500000"}
    # Boundary rows are in; the fake drops fractions of datetime binds like the real
    # driver, so a datetime bind here would lose EVENT_ID 7.
    assert read_all(source, spec).column("event_id").to_pylist() == [3, 4, 6, 7]


def test_incremental_window_on_date_number_and_text_cursors(source: OracleSource) -> None:
    desc = source.describe("APP.ALL_TYPES")
    plan = build_plan(list(desc.columns))
    spec = ReadSpec(desc, plan, window=Window("D", datetime(2024, 1, 1, 0, 0, 0, 999), None))
    sql, binds = source.build_select(spec)
    assert '"D" >= :lo' in sql and "<=" not in sql
    assert binds == {"lo": datetime(2024, 1, 1)}  # DATE: whole seconds, bound as a datetime
    assert read_all(source, spec).column("id").to_pylist() == [1]

    spec = ReadSpec(desc, plan, window=Window("N_DEC", Decimal("-0.001"), Decimal("-0.001")))
    sql, binds = source.build_select(spec)
    assert '"N_DEC" >= :lo' in sql and '"N_DEC" <= :hi' in sql
    assert binds == {"lo": Decimal("-0.001"), "hi": Decimal("-0.001")}
    assert read_all(source, spec).column("id").to_pylist() == [2]

    spec = ReadSpec(desc, plan, window=Window("V", "hello", None))
    assert source.build_select(spec)[1] == {"lo": "hello"}
    assert read_all(source, spec).column("id").to_pylist() == [1, 3]


def test_window_on_a_time_zone_cursor_compares_instants(source: OracleSource) -> None:
    desc = source.describe("APP.ALL_TYPES")
    spec = ReadSpec(desc, build_plan(list(desc.columns)),
                    window=Window("TSTZ", datetime(2024, 6, 1, 14, 0, tzinfo=_plus2()), None))
    sql, binds = source.build_select(spec)
    assert "\"TSTZ\" >= FROM_TZ(TO_TIMESTAMP(:lo, 'YYYY-MM-DD HH24:MI:SS.FF6'), '+00:00')" in sql
    assert binds == {"lo": "2024-06-01 12:00:00.000000"}  # converted to UTC
    assert read_all(source, spec).column("id").to_pylist() == [1]


def _plus2() -> Any:
    from datetime import timezone

    return timezone(timedelta(hours=2))


def test_plan_placeholders_in_a_window_are_printed_as_binds(source: OracleSource) -> None:
    spec = spec_for(source, "APP.EQUIPMENT_EVENTS",
                    window=Window("EVENT_TIME", "<watermark - lookback>", "<max cursor>"))
    sql, binds = source.build_select(spec)
    assert '"EVENT_TIME" >= :lo' in sql and '"EVENT_TIME" <= :hi' in sql
    assert binds == {"lo": "<watermark - lookback>", "hi": "<max cursor>"}


def test_count_rows_sql_and_value(source: OracleSource, fake: FakeOracle) -> None:
    spec = spec_for(source, "APP.EQUIPMENT_EVENTS", where="EQUIP_ID = 'EQ01'")
    assert source.count_rows(spec) == 2  # ids 1 and 8
    sql, binds = fake.calls[-1]
    assert sql == "SELECT COUNT(*) FROM \"APP\".\"EQUIPMENT_EVENTS\"\nWHERE (EQUIP_ID = 'EQ01')"
    assert binds == {}
    window = Window("EVENT_TIME", BASE_TIME, BASE_TIME + timedelta(seconds=6))
    spec = spec_for(source, "APP.EQUIPMENT_EVENTS", window=window, limit=3)
    assert source.count_rows(spec) == 3
    sql, binds = fake.calls[-1]
    assert sql.endswith("AND ROWNUM <= :max_rows")
    assert set(binds) == {"lo", "hi", "max_rows"}


def test_max_cursor_values_keep_their_kind(source: OracleSource, fake: FakeOracle) -> None:
    events = source.describe("APP.EQUIPMENT_EVENTS")
    assert source.max_cursor(events, "EVENT_TIME") == BASE_TIME + timedelta(seconds=15)
    sql, binds = fake.calls[-1]
    assert sql == 'fetch_df_all: SELECT MAX("EVENT_TIME") AS "MAX_CURSOR" FROM "APP"."EQUIPMENT_EVENTS"'
    assert binds == {}
    assert source.max_cursor(events, "EVENT_ID", "EQUIP_ID = 'EQ01'") == 8
    assert fake.calls[-1][0].endswith("WHERE (EQUIP_ID = 'EQ01')")
    value = source.max_cursor(events, "VALUE")
    assert value == Decimal("0.370") and isinstance(value, Decimal)
    types = source.describe("APP.ALL_TYPES")
    assert source.max_cursor(types, "TSTZ") == datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    assert 'SYS_EXTRACT_UTC(MAX("TSTZ"))' in fake.calls[-1][0]
    assert source.max_cursor(types, "D") == datetime(2024, 1, 2, 23, 59, 58)
    assert source.max_cursor(types, "V") == "세계"
    with pytest.raises(SourceError, match="cannot be a cursor"):
        source.max_cursor(types, "BL")


# -- requested schema and values -----------------------------------------------------------------

def test_requested_schema_follows_the_type_plan(source: OracleSource) -> None:
    spec = spec_for(source, "APP.ALL_TYPES")
    schema = source.fetch_schema(spec)
    got = {f.name: f.type for f in schema}
    assert len(schema) == len(spec.plan.included)
    assert got["id"] == pa.int64()
    assert got["n_big"] == pa.decimal128(20, 0)
    assert got["n_integer"] == pa.decimal128(38, 0)
    assert got["n_dec"] == pa.decimal128(12, 3)
    assert not any(pa.types.is_decimal256(t) for t in got.values())
    assert got["n_free"] == pa.float64() and got["f"] == pa.float64()
    assert got["bf"] == pa.float32() and got["bd"] == pa.float64()
    assert got["d"] == pa.timestamp("us") and got["ts"] == pa.timestamp("us")
    assert got["ts9"] == pa.string()  # TO_CHAR text: the driver keeps microseconds only
    assert got["tstz"] == pa.timestamp("us")  # zone attached after the fetch
    # carried as numbers; DAY TO SECOND as exact microseconds (int64 stops near 106,751,991 days)
    assert got["ids"] == pa.decimal128(38, 0) and got["iym"] == pa.int64()
    # bounded text and bytes as string / binary: large_* would make the driver fetch them
    # into LONG / LONG RAW variables (impl/base/metadata.pyx ~l.356), piecewise in thick mode
    assert got["c"] == pa.string() and got["v"] == pa.string() and got["nv"] == pa.string()
    assert got["rid"] == pa.string() and got["r"] == pa.binary()
    # LOBs and what SQL serialises into a CLOB stay large
    assert got["cl"] == pa.large_string() and got["j"] == pa.large_string()
    assert got["vec"] == pa.large_string() and got["bl"] == pa.large_binary()
    assert got["b"] == pa.bool_()


def test_all_types_read_values_and_final_schema(source: OracleSource) -> None:
    spec = spec_for(source, "APP.ALL_TYPES", batch_rows=2)
    batches = list(source.read_batches(spec))
    assert [b.num_rows for b in batches] == [2, 1]
    table = pa.Table.from_batches(batches)
    assert table.schema.equals(spec.plan.arrow_schema())
    row = table.drop_columns(["ts9"]).slice(0, 1).to_pylist()[0]
    assert row["n_big"] == Decimal("12345678901234567890")
    assert row["n_integer"] == Decimal(10) ** 30
    assert row["n_dec"] == Decimal("123456789.123")
    assert row["d"] == datetime(2024, 1, 2, 23, 59, 58)
    assert row["ts"] == datetime(2024, 1, 2, 3, 4, 5, 123456)
    assert table.column("ts9")[0].value == 1_700_000_000_123_456_789
    assert row["tstz"] == datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    assert table.schema.field("tstz").type == pa.timestamp("us", tz="UTC")
    assert table.column("ids").to_pylist() == [
        pa.MonthDayNano([0, 1, 2 * 3600 * 10**9 + 7000]),
        pa.MonthDayNano([0, -3, -60 * 10**9]),
        None,
    ]
    assert table.column("iym").to_pylist() == [pa.MonthDayNano([14, 0, 0]),
                                               pa.MonthDayNano([-3, 0, 0]), None]
    assert table.column("c").to_pylist() == ["ab   ", "     ", None]  # blanks kept by default
    assert row["rid"] == "AAAR3sAAEAAAACXAAA" and row["j"] == '{"a":1}' and row["x"] == "<a>1</a>"
    assert row["r"] == b"\x00\x01" and row["b"] is True
    assert table.column("vec").to_pylist() == [[1.0, -2.5, 3.25e-5], None, [0.0]]
    assert len(row["cl"]) == 5000


def test_rtrim_char_trims_in_sql(source: OracleSource) -> None:
    table = read_all(source, spec_for(source, "APP.ALL_TYPES", PlanOptions(rtrim_char=True)))
    assert table.column("c").to_pylist() == ["ab", None, None]
    assert table.column("nc").to_pylist() == ["가", None, "xyz"]


def test_number_without_precision_as_decimal_is_rounded_in_sql(source: OracleSource) -> None:
    spec = spec_for(source, "APP.ALL_TYPES", PlanOptions(number_without_precision="decimal"))
    sql, _ = source.build_select(spec)
    assert 'ROUND("N_FREE", 10) AS "n_free"' in sql
    # decimal256 on the fetch side, cast down with a check: the driver would wrap a value
    # with more integer digits than DECIMAL(38,10) holds (issue 9, item 2)
    assert source.fetch_schema(spec).field("n_free").type == pa.decimal256(76, 10)
    assert read_all(source, spec).column("n_free").to_pylist()[:2] == [Decimal("1.5"),
                                                                        Decimal("-22500000000")]


def test_overrides_the_driver_cannot_produce_are_fetched_natively_then_cast(source: OracleSource) -> None:
    opts = PlanOptions(overrides={"N_DEC": "VARCHAR", "N_FREE": "DECIMAL(20,4)", "D": "DATE"})
    spec = spec_for(source, "APP.ALL_TYPES", opts)
    sql, _ = source.build_select(spec)
    schema = source.fetch_schema(spec)
    assert schema.field("n_dec").type == pa.decimal128(12, 3)  # NUMBER cannot be fetched as text
    assert schema.field("d").type == pa.timestamp("us")  # DATE as date32 drops repeats (issue 606)
    assert 'TRUNC("D") AS "d"' in sql and 'ROUND("N_FREE", 4)' in sql
    table = read_all(source, spec)
    assert table.column("n_dec").to_pylist()[0] == "123456789.123"
    assert table.column("d").to_pylist()[0].isoformat() == "2024-01-02"


def test_fake_refuses_a_requested_schema_with_the_wrong_length(source: OracleSource) -> None:
    # The guard the source relies on being honest: DPY-2069, as the real driver.
    with pytest.raises(oracle_mod_errors_module().DatabaseError, match="DPY-2069"):
        source.conn.fetch_df_all('SELECT "ID" AS "id" FROM "APP"."ALL_TYPES"', {},
                                 requested_schema=pa.schema([("a", pa.int64()), ("b", pa.int64())]))
    with pytest.raises(Exception, match="DPY-30"):
        source.conn.fetch_df_all('SELECT "IDS" AS "ids" FROM "APP"."ALL_TYPES"', {},
                                 requested_schema=pa.schema([("ids", pa.month_day_nano_interval())]))


def oracle_mod_errors_module() -> Any:
    import oracledb

    return oracledb


# -- failures during reads, cancel -------------------------------------------------------------------

def test_connection_lost_mid_read_is_transient(source: OracleSource, fake: FakeOracle) -> None:
    fake.read_failures.append(2)
    spec = spec_for(source, "APP.EQUIPMENT_EVENTS", batch_rows=3)
    got = []
    with pytest.raises(SourceError) as exc_info:
        for batch in source.read_batches(spec):
            got.append(batch.num_rows)
    assert got == [3, 3]
    assert exc_info.value.transient is True and exc_info.value.code == "DPY-4011"
    assert "ORA-03113" in str(exc_info.value)
    source.reconnect()
    assert read_all(source, spec).num_rows == 10
    assert len(fake.connect_calls) == 2


def test_cancel_breaks_a_running_read_with_sync_cancelled(source: OracleSource, fake: FakeOracle) -> None:
    fake.on_batch = lambda conn, i: source.cancel() if i == 1 else None
    spec = spec_for(source, "APP.EQUIPMENT_EVENTS", batch_rows=3)
    got = []
    with pytest.raises(SyncCancelled):
        for batch in source.read_batches(spec):
            got.append(batch.num_rows)
    assert got == [3]
    # ORA-01013 leaves the connection usable
    fake.on_batch = None
    assert read_all(source, spec).num_rows == 10


def test_ora_01013_without_our_cancel_is_retried_once_not_a_cancel(source: OracleSource,
                                                                    fake: FakeOracle) -> None:
    # Issue 10 changed this: a stray break (cancel() with no call running, thin
    # impl/thin/protocol.pyx ~l.63) is not a cancel of this run; the call is retried once.
    fake.connections[0].cancel_requested = True
    assert source.list_tables()


def test_cancel_without_a_connection_is_harmless(fake: FakeOracle) -> None:
    src = make_source(fake)
    src.cancel()
    src.close()


def test_table_dropped_after_describe_is_an_unknown_table(source: OracleSource, fake: FakeOracle) -> None:
    spec = spec_for(source, "APP.EQUIPMENT_EVENTS")
    del fake.tables[("APP", "EQUIPMENT_EVENTS")]
    with pytest.raises(UnknownTableError, match="ORA-00942"):
        list(source.read_batches(spec))


# -- the password -----------------------------------------------------------------------------------

def test_password_never_reaches_logs_reprs_or_errors(fake: FakeOracle, caplog: pytest.LogCaptureFixture,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.DEBUG, logger="tui_sync")  # the CLI may have set it to INFO
    seen: list[str] = []
    src = make_source(fake, mode="thick", lib_dir="/opt/ic19")
    seen += [repr(src), str(src), repr(src.cfg)]
    src.connect()
    src.list_tables()
    spec = spec_for(src, "APP.EQUIPMENT_EVENTS", batch_rows=4, window=Window("EVENT_ID", 2, 9))
    list(src.read_batches(spec))
    src.count_rows(spec)
    src.max_cursor(spec.table, "EVENT_TIME")
    fake.read_failures.append(1)
    with pytest.raises(SourceError) as e1:
        list(src.read_batches(spec))
    seen.append(str(e1.value))
    src.close()
    for exc in (ora_error("ORA-01017: invalid credential or not authorized; logon denied", 1017),
                dpy_error(oracle_mod_errors().ERR_SERVER_VERSION_NOT_SUPPORTED)):
        fake.connect_errors.append(exc)
        with pytest.raises(SourceError) as e2:
            src.connect()
        seen += [str(e2.value), repr(e2.value)]
    monkeypatch.setenv("TUI_SYNC_ORACLE_PASSWORD", "wrong-" + PASSWORD)
    with pytest.raises(SourceError) as e3:
        src.connect()
    seen += [str(e3.value), repr(e3.value), repr(src), repr(vars(src))]
    seen += [r.getMessage() for r in caplog.records]
    assert any("connecting to Oracle" in s for s in seen)  # the log was captured at all
    assert any("SELECT" in r.getMessage() for r in caplog.records)
    for text in seen:
        assert PASSWORD not in text


def test_a_driver_message_echoing_the_password_is_scrubbed(fake: FakeOracle) -> None:
    fake.connect_errors.append(ora_error(f"ORA-12345: weird listener said {PASSWORD}", 12345))
    with pytest.raises(SourceError) as exc_info:
        make_source(fake).connect()
    assert PASSWORD not in str(exc_info.value) and "***" in str(exc_info.value)


def test_describe_plan_sql_contains_no_literal_values(source: OracleSource) -> None:
    spec = spec_for(source, "APP.EQUIPMENT_EVENTS", limit=10,
                    window=Window("EVENT_ID", 5, 500))
    sql, binds = source.build_select(spec)
    assert binds == {"lo": 5, "hi": 500, "max_rows": 10}
    assert not re.search(r"\b(5|500|10)\b", sql)


# -- keyset chunks, key ranges (resumable and parallel full reads) --------------------------------

def lot_history() -> FakeTable:
    cols = [FakeColumn("LOT_ID", "VARCHAR2", char_length=10, nullable=False),
            FakeColumn("STEP", "NUMBER", 3, 0, nullable=False),
            FakeColumn("MOVED_AT", "TIMESTAMP(6)", scale=6)]
    lots = [(lot, step) for lot in ("L1", "L2", "L3") for step in (10, 20, 30, 40)]
    data = pa.table({
        "LOT_ID": pa.array([lot for lot, _ in reversed(lots)], pa.large_string()),
        "STEP": pa.array([step for _, step in reversed(lots)], pa.int64()),
        "MOVED_AT": pa.array([BASE_TIME + timedelta(microseconds=i) for i in range(12)],
                             pa.timestamp("us")),
    })
    return FakeTable("APP", "LOT_HISTORY", cols, data, ["LOT_ID", "STEP"], num_rows=12)


def test_keyset_chunks_on_a_composite_key_page_through_every_row_once(fake: FakeOracle) -> None:
    fake.add(lot_history())
    src = make_source(fake)
    desc = src.describe("APP.LOT_HISTORY")
    plan = build_plan(list(desc.columns))
    seen: list[tuple[str, int]] = []
    after: tuple = ()
    while True:
        spec = ReadSpec(desc, plan, order_by=desc.primary_key, limit=5, after=after, batch_rows=2)
        rows = [(r["lot_id"], r["step"]) for r in read_all(src, spec).to_pylist()]
        if not rows:
            break
        seen += rows
        after = (("LOT_ID", rows[-1][0]), ("STEP", rows[-1][1]))
    assert seen == sorted(seen) and len(seen) == 12 and len(set(seen)) == 12
    sql, binds = src.build_select(ReadSpec(desc, plan, order_by=desc.primary_key, limit=5,
                                           after=(("LOT_ID", "L2"), ("STEP", 20))))
    assert '(("LOT_ID" > :k0) OR ("LOT_ID" = :k0 AND "STEP" > :k1))' in sql
    assert 'ORDER BY "LOT_ID", "STEP"\n)\nWHERE ROWNUM <= :max_rows' in sql
    assert binds == {"k0": "L2", "k1": 20, "max_rows": 5}


def test_keyset_on_a_timestamp_key_keeps_fractions(fake: FakeOracle) -> None:
    fake.add(lot_history())
    src = make_source(fake)
    desc = src.describe("APP.LOT_HISTORY")
    spec = ReadSpec(desc, build_plan(list(desc.columns)), order_by=("MOVED_AT",),
                    after=(("MOVED_AT", BASE_TIME + timedelta(microseconds=9)),))
    sql, binds = src.build_select(spec)
    assert "\"MOVED_AT\" > TO_TIMESTAMP(:k0, 'YYYY-MM-DD HH24:MI:SS.FF6')" in sql
    assert binds == {"k0": "2024-03-01 08:00:00.000009"}
    assert read_all(src, spec).num_rows == 2


def test_key_ranges_and_key_bounds_split_a_read(source: OracleSource, fake: FakeOracle) -> None:
    desc = source.describe("APP.EQUIPMENT_EVENTS")
    assert source.key_bounds(desc, "EVENT_ID") == (1, 10)
    sql, binds = fake.calls[-1]
    assert sql == 'SELECT MIN("EVENT_ID"), MAX("EVENT_ID") FROM "APP"."EQUIPMENT_EVENTS"'
    assert source.key_bounds(desc, "EVENT_ID", "EQUIP_ID = 'EQ01'") == (1, 8)
    plan = build_plan(list(desc.columns))
    ranges = [KeyRange("EVENT_ID", None, 4), KeyRange("EVENT_ID", 4, 7), KeyRange("EVENT_ID", 7, None)]
    got = []
    for r in ranges:
        spec = ReadSpec(desc, plan, key_range=r)
        got.append(read_all(source, spec).column("event_id").to_pylist())
        assert source.count_rows(spec) == len(got[-1])
    assert got == [[1, 2, 3], [4, 5, 6], [7, 8, 9, 10]]
    sql, binds = source.build_select(ReadSpec(desc, plan, key_range=ranges[1]))
    assert '"EVENT_ID" >= :range_lo' in sql and '"EVENT_ID" < :range_hi' in sql
    assert binds == {"range_lo": 4, "range_hi": 7}
