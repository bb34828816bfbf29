"""Opt-in suite against a real Oracle Database (pytest marker `oracle`).

Skipped unless these are set:
    TUI_SYNC_TEST_ORACLE_DSN       e.g. localhost:1521/FREEPDB1
    TUI_SYNC_TEST_ORACLE_USER      a user that may CREATE TABLE / CREATE VIEW
    TUI_SYNC_TEST_ORACLE_PASSWORD
Optional: TUI_SYNC_TEST_ORACLE_MODE (thin | thick; 11.2 needs thick),
TUI_SYNC_TEST_ORACLE_LIB_DIR and TUI_SYNC_TEST_ORACLE_CONFIG_DIR.

It creates a table holding every type of DESIGN §4 the server supports (JSON
from 21c, BOOLEAN and VECTOR from 23ai), fills it with edge values, syncs it
through the Engine into DuckDB, checks the DuckDB types and values, runs an
incremental sync, cancels a long read, and drops what it created.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tui_sync.config import Config, SourceConfig, TableConfig
from tui_sync.errors import SyncCancelled
from tui_sync.events import Mode, Status
from tui_sync.sources.base import ReadSpec
from tui_sync.sources.oracle import OracleSource
from tui_sync.typeplan import build_plan

ENV = ("TUI_SYNC_TEST_ORACLE_DSN", "TUI_SYNC_TEST_ORACLE_USER", "TUI_SYNC_TEST_ORACLE_PASSWORD")

pytestmark = [
    pytest.mark.oracle,
    pytest.mark.skipif(not all(os.environ.get(v) for v in ENV),
                       reason="set TUI_SYNC_TEST_ORACLE_DSN, _USER and _PASSWORD to run against Oracle"),
]

TABLE = "TUI_SYNC_T_ALLTYPES"
SLOW_VIEW = "TUI_SYNC_T_SLOW"


def source_config() -> SourceConfig:
    return SourceConfig(
        kind="oracle",
        dsn=os.environ["TUI_SYNC_TEST_ORACLE_DSN"],
        user=os.environ["TUI_SYNC_TEST_ORACLE_USER"],
        password_env="TUI_SYNC_TEST_ORACLE_PASSWORD",
        mode=os.environ.get("TUI_SYNC_TEST_ORACLE_MODE", "thin"),
        lib_dir=os.environ.get("TUI_SYNC_TEST_ORACLE_LIB_DIR", ""),
        config_dir=os.environ.get("TUI_SYNC_TEST_ORACLE_CONFIG_DIR", ""),
    )


def execute(src: OracleSource, sql: str, ignore: tuple[int, ...] = ()) -> None:
    import oracledb

    cur = src.conn.cursor()
    try:
        cur.execute(sql)
    except oracledb.DatabaseError as exc:
        if exc.args[0].code not in ignore:
            raise
    finally:
        cur.close()


def major(src: OracleSource) -> int:
    return int(str(src.conn.version).split(".")[0])


def ddl(version: int) -> str:
    cols = [
        "ID NUMBER(9) PRIMARY KEY",
        "N_BIG NUMBER(20)",
        "N_INTEGER INTEGER",
        "N_DEC NUMBER(12,3)",
        "N_FREE NUMBER",
        "F FLOAT",
        "BF BINARY_FLOAT",
        "BD BINARY_DOUBLE",
        "D DATE",
        "TS TIMESTAMP(6)",
        "TS9 TIMESTAMP(9)",
        "TSTZ TIMESTAMP(6) WITH TIME ZONE",
        "TSLTZ TIMESTAMP(6) WITH LOCAL TIME ZONE",
        "IDS INTERVAL DAY(3) TO SECOND(6)",
        "IYM INTERVAL YEAR(3) TO MONTH",
        "C CHAR(5)",
        "NC NCHAR(3)",
        "V VARCHAR2(20)",
        "NV NVARCHAR2(20)",
        "CL CLOB",
        "NCL NCLOB",
        "R RAW(16)",
        "BL BLOB",
        "RID ROWID",
        "URID UROWID",
        "X XMLTYPE",
        '"LEVEL" NUMBER(5)',
        '"MixedCase" VARCHAR2(10)',
        '"측정값" NUMBER(10,2)',
    ]
    if version >= 21:
        cols.append("J JSON")
    if version >= 23:
        cols += ["B BOOLEAN", "VEC VECTOR(3, FLOAT64)"]
    return f"CREATE TABLE {TABLE} (\n  " + ",\n  ".join(cols) + "\n)"


def inserts(version: int) -> list[str]:
    extra_cols = extra1 = extra2 = ""
    if version >= 21:
        extra_cols += ", J"
        extra1 += ", JSON('{\"a\":1}')"
        extra2 += ", JSON('[1,2]')"
    if version >= 23:
        extra_cols += ", B, VEC"
        extra1 += ", TRUE, TO_VECTOR('[1.0, -2.5, 3.25e-5]', 3, FLOAT64)"
        extra2 += ", FALSE, TO_VECTOR('[0, 0, 0]', 3, FLOAT64)"
    cols = ("ID, N_BIG, N_INTEGER, N_DEC, N_FREE, F, BF, BD, D, TS, TS9, TSTZ, TSLTZ, IDS, IYM, "
            f'C, NC, V, NV, CL, NCL, R, BL, X, "LEVEL", "MixedCase", "측정값"{extra_cols}')
    row1 = (
        "1, 99999999999999999999, 1000000000000000000000000000000, 123456789.123, 1.5, 0.1, 1.5, 1e300d,"
        " TO_DATE('2024-01-02 23:59:58', 'YYYY-MM-DD HH24:MI:SS'),"
        " TIMESTAMP '2024-01-02 03:04:05.123456', TIMESTAMP '2023-11-14 22:13:20.123456789',"
        " TIMESTAMP '2024-06-01 14:00:00 +02:00',"
        " CAST(TIMESTAMP '2024-06-01 14:00:00 +02:00' AS TIMESTAMP WITH LOCAL TIME ZONE),"
        " INTERVAL '1 02:00:00.000007' DAY TO SECOND, INTERVAL '1-2' YEAR TO MONTH,"
        " 'ab', N'가', 'hello', N'세계',"
        " TO_CLOB(RPAD('x', 4000, 'x')) || TO_CLOB(RPAD('x', 1000, 'x')), TO_NCLOB(N'한'),"
        " HEXTORAW('0001'), TO_BLOB(HEXTORAW('626C6F62')), XMLTYPE('<a>1</a>'), 1, 'a', 1.5"
        + extra1
    )
    row2 = (
        "2, -99999999999999999999, 0, -0.001, -2.25e10, NULL, -0.25, -0.5,"
        " TO_DATE('1900-01-01', 'YYYY-MM-DD'), TIMESTAMP '1900-01-01 00:00:00.000001', NULL,"
        " TIMESTAMP '2024-01-01 00:00:00 -05:00', NULL,"
        " INTERVAL '-3 00:01:00' DAY TO SECOND, INTERVAL '-0-3' YEAR TO MONTH,"
        " ' ', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 2, 'b', NULL" + extra2
    )
    return [f"INSERT INTO {TABLE} ({cols}) VALUES ({row1})",
            f"INSERT INTO {TABLE} ({cols}) VALUES ({row2})",
            f"INSERT INTO {TABLE} (ID) VALUES (3)",
            f"UPDATE {TABLE} SET RID = ROWID, URID = ROWID WHERE ID = 1"]


@pytest.fixture(scope="module")
def oracle_table() -> Any:
    src = OracleSource(source_config())
    src.connect()
    version = major(src)
    execute(src, f"DROP TABLE {TABLE} PURGE", ignore=(942,))
    execute(src, ddl(version))
    try:
        for sql in inserts(version):
            execute(src, sql)
        src.conn.commit()
        yield src, version
    finally:
        execute(src, f"DROP TABLE {TABLE} PURGE", ignore=(942,))
        src.close()


def make_config(tmp_path: Path) -> Config:
    config = Config(path=tmp_path / "t.ini")
    config.source = source_config()
    config.target.path = str(tmp_path / "t.duckdb")
    config.sync.batch_rows = 1000
    config.tables = {TABLE: TableConfig(TABLE, target="all_types", cursor="TS")}
    return config


def duck(config: Config, sql: str) -> list[tuple]:
    con = duckdb.connect(str(config.target_path()), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_every_type_syncs_into_duckdb_with_its_values(oracle_table: Any, tmp_path: Path) -> None:
    from tui_sync.engine import Engine

    src, version = oracle_table
    config = make_config(tmp_path)
    result = Engine(config).run([TABLE], Mode.FULL)
    assert [r.status for r in result.results] == [Status.OK], result.results[0].error
    assert result.results[0].rows == 3

    types = dict(duck(config, "SELECT column_name, data_type FROM information_schema.columns "
                              "WHERE table_name = 'all_types'"))
    expected = {
        "id": "BIGINT", "n_big": "DECIMAL(20,0)", "n_integer": "DECIMAL(38,0)",
        "n_dec": "DECIMAL(12,3)", "n_free": "DOUBLE", "f": "DOUBLE", "bf": "FLOAT", "bd": "DOUBLE",
        "d": "TIMESTAMP", "ts": "TIMESTAMP", "ts9": "TIMESTAMP_NS",
        "tstz": "TIMESTAMP WITH TIME ZONE", "tsltz": "TIMESTAMP WITH TIME ZONE",
        "ids": "INTERVAL", "iym": "INTERVAL", "c": "VARCHAR", "nc": "VARCHAR", "v": "VARCHAR",
        "nv": "VARCHAR", "cl": "VARCHAR", "ncl": "VARCHAR", "r": "BLOB", "bl": "BLOB",
        "rid": "VARCHAR", "urid": "VARCHAR", "x": "VARCHAR", "level": "BIGINT",
        "MixedCase": "VARCHAR", "측정값": "DECIMAL(10,2)",
    }
    if version >= 21:
        expected["j"] = "VARCHAR"
    if version >= 23:
        expected.update({"b": "BOOLEAN", "vec": "DOUBLE[]"})
    assert types == expected

    (r1,) = duck(config, """
        SELECT n_big, n_integer, n_dec, n_free, f, bf, bd, d, ts, epoch_ns(ts9), tstz, tsltz,
               CAST(ids AS VARCHAR), CAST(iym AS VARCHAR), c, nc, v, nv, length(cl), ncl, r, bl,
               length(rid), length(urid), x, "level", "MixedCase", "측정값"
        FROM all_types WHERE id = 1""")
    assert r1[:8] == (Decimal("99999999999999999999"), Decimal(10) ** 30, Decimal("123456789.123"),
                      1.5, 0.1, 1.5, 1e300, datetime(2024, 1, 2, 23, 59, 58))
    assert r1[8] == datetime(2024, 1, 2, 3, 4, 5, 123456)
    assert r1[9] == 1_700_000_000_123_456_789
    assert r1[10] == datetime(2024, 6, 1, 12, 0, tzinfo=UTC)  # the instant, whatever the zone
    assert r1[11] == datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    assert r1[12] == "1 day 02:00:00.000007"
    assert r1[13] == "1 year 2 months"
    assert r1[14:20] == ("ab   ", "가  ", "hello", "세계", 5000, "한")  # CHAR blanks kept
    assert r1[20:22] == (b"\x00\x01", b"blob")
    assert r1[22] == 18 and r1[23] >= 18
    assert r1[24].replace("\n", "").strip() == "<a>1</a>"
    assert r1[25:] == (1, "a", Decimal("1.50"))

    (r2,) = duck(config, "SELECT n_big, n_dec, d, ts, tstz, CAST(ids AS VARCHAR), "
                         "CAST(iym AS VARCHAR), c FROM all_types WHERE id = 2")
    assert r2[:4] == (Decimal("-99999999999999999999"), Decimal("-0.001"), datetime(1900, 1, 1),
                      datetime(1900, 1, 1, 0, 0, 0, 1))
    assert r2[4] == datetime(2024, 1, 1, 5, 0, tzinfo=UTC)
    assert r2[5] == "-3 days -00:01:00"
    assert r2[6] == "-3 months"
    assert r2[7] == "     "

    (r3,) = duck(config, "SELECT COLUMNS(* EXCLUDE (id)) FROM all_types WHERE id = 3")
    assert all(v is None for v in r3)

    if version >= 21:
        assert duck(config, "SELECT j FROM all_types ORDER BY id") == [('{"a":1}',), ("[1,2]",), (None,)]
    if version >= 23:
        assert duck(config, "SELECT b, vec FROM all_types ORDER BY id") == [
            (True, [1.0, -2.5, 3.25e-5]), (False, [0.0, 0.0, 0.0]), (None, None)]


def test_incremental_after_new_rows_and_test_mode(oracle_table: Any, tmp_path: Path) -> None:
    from tui_sync.engine import Engine

    src, _ = oracle_table
    config = make_config(tmp_path)
    assert Engine(config).run([TABLE], Mode.FULL).ok
    execute(src, f"INSERT INTO {TABLE} (ID, TS) VALUES (4, TIMESTAMP '2024-01-02 03:04:05.123456')")
    execute(src, f"INSERT INTO {TABLE} (ID, TS) VALUES (5, TIMESTAMP '2030-01-01 00:00:00.000001')")
    src.conn.commit()
    try:
        result = Engine(config).run([TABLE], Mode.AUTO)
        assert result.results[0].mode == Mode.INCREMENTAL and result.ok, result.results[0].error
        assert duck(config, "SELECT id FROM all_types ORDER BY id") == [(1,), (2,), (3,), (4,), (5,)]
        config.sync.test_rows = 2
        assert Engine(config).run([TABLE], Mode.TEST).ok
        assert duck(config, "SELECT count(*) FROM all_types_test") == [(2,)]
        # keyset chunks (ORDER BY the key, ROWNUM around it) and parallel key ranges
        config.sync.chunk_rows = 2
        assert Engine(config).run([TABLE], Mode.FULL).ok
        assert duck(config, "SELECT id FROM all_types ORDER BY id") == [(1,), (2,), (3,), (4,), (5,)]
        config.tables[TABLE].parallel = 2
        assert Engine(config).run([TABLE], Mode.FULL).ok
        assert duck(config, "SELECT id FROM all_types ORDER BY id") == [(1,), (2,), (3,), (4,), (5,)]
    finally:
        execute(src, f"DELETE FROM {TABLE} WHERE ID IN (4, 5)")
        src.conn.commit()


def test_cancel_breaks_a_long_read(oracle_table: Any) -> None:
    src, _ = oracle_table
    execute(src, f"CREATE OR REPLACE VIEW {SLOW_VIEW} AS SELECT CAST(ROWNUM AS NUMBER(12)) AS N "
                 "FROM ALL_OBJECTS a CROSS JOIN ALL_OBJECTS b")
    reader = OracleSource(source_config())
    try:
        desc = reader.describe(SLOW_VIEW)
        spec = ReadSpec(desc, build_plan(list(desc.columns)), batch_rows=50_000)
        rows = 0
        timer = threading.Timer(1.0, reader.cancel)
        timer.start()
        with pytest.raises(SyncCancelled):
            for batch in reader.read_batches(spec):
                rows += batch.num_rows
        timer.join()
        assert rows < 10**9
        # the connection stays usable after ORA-01013
        assert reader.count_rows(ReadSpec(desc, spec.plan, limit=5)) == 5
    finally:
        reader.close()
        execute(src, f"DROP VIEW {SLOW_VIEW}", ignore=(942,))


def test_catalog_lists_and_describes_the_table(oracle_table: Any) -> None:
    src, _ = oracle_table
    info = src.server_info()
    assert info.mode in ("thin", "thick") and info.version
    names = [t.table for t in src.list_tables()]
    assert TABLE in names
    desc = src.describe(TABLE.lower())
    assert desc.primary_key == ("ID",)
    cols = {c.name: c for c in desc.columns}
    assert (cols["N_INTEGER"].precision, cols["N_INTEGER"].scale) == (None, 0)
    assert (cols["TS9"].data_type, cols["TS9"].scale) == ("TIMESTAMP", 9)
    assert cols["X"].data_type == "XMLTYPE"
    assert src.max_cursor(desc, "TS") == datetime(2024, 1, 2, 3, 4, 5, 123456)


# -- issue 10: the field -----------------------------------------------------------------------------
# Everything below has never run against a server here (no Oracle on the machines that
# wrote it); scripts/oracle-test.sh runs it against gvenzl/oracle-free or oracle-xe:11.

PLAIN = "TUI_SYNC_T_PLAIN"  # keyless, for ROWID paging and hash buckets
VIEW = "TUI_SYNC_T_DISTINCT_V"  # a DISTINCT view: ROWID is ORA-01446 on it
SYNONYM = "TUI_SYNC_T_SYN"


@pytest.fixture(scope="module")
def plain_table(oracle_table: Any) -> Any:
    src, version = oracle_table
    for sql, ignore in ((f"DROP SYNONYM {SYNONYM}", (1434,)), (f"DROP VIEW {VIEW}", (942,)),
                        (f"DROP TABLE {PLAIN} PURGE", (942,))):
        execute(src, sql, ignore=ignore)
    execute(src, f"CREATE TABLE {PLAIN} (K VARCHAR2(10), V NUMBER(10), TS TIMESTAMP(6))")
    execute(src, f"INSERT INTO {PLAIN} SELECT 'k' || LEVEL, LEVEL, TIMESTAMP '2024-01-01 00:00:00' "
                 "+ NUMTODSINTERVAL(LEVEL, 'SECOND') FROM DUAL CONNECT BY LEVEL <= 500")
    execute(src, f"CREATE VIEW {VIEW} AS SELECT DISTINCT K, V FROM {PLAIN}")
    execute(src, f"CREATE SYNONYM {SYNONYM} FOR {PLAIN}")
    src.conn.commit()
    try:
        yield src, version
    finally:
        for sql, ignore in ((f"DROP SYNONYM {SYNONYM}", (1434,)), (f"DROP VIEW {VIEW}", (942,)),
                            (f"DROP TABLE {PLAIN} PURGE", (942,))):
            execute(src, sql, ignore=ignore)


def plain_config(tmp_path: Path, name: str, **table: Any) -> Config:
    config = make_config(tmp_path)
    config.tables = {name: TableConfig(name, target=name.lower(), **table)}
    return config


def test_driver_version_is_supported() -> None:
    import oracledb

    from tui_sync.sources.oracle.connect import check_driver_version

    check_driver_version(oracledb)


def test_unresolvable_host_is_one_line_naming_the_host() -> None:
    from tui_sync.sources.oracle.connect import ConnectError

    cfg = source_config()
    cfg.dsn = "no-such-host.invalid:1521/FREEPDB1"
    with pytest.raises(ConnectError) as info:
        OracleSource(cfg).connect()
    assert info.value.step == "resolve" and "no-such-host.invalid" in str(info.value)
    assert "\n" not in str(info.value)


def test_wrong_password_is_the_authentication_step(monkeypatch: pytest.MonkeyPatch) -> None:
    from tui_sync.sources.oracle.connect import ConnectError

    monkeypatch.setenv("TUI_SYNC_TEST_WRONG_PASSWORD", "certainly-not-the-password")
    cfg = source_config()
    cfg.password_env = "TUI_SYNC_TEST_WRONG_PASSWORD"
    with pytest.raises(ConnectError) as info:
        OracleSource(cfg).connect()
    assert info.value.step == "auth" and str(info.value).startswith("ORA-01017")


def test_unknown_service_is_the_listener_step() -> None:
    from tui_sync.sources.oracle.connect import ConnectError, dsn_parts

    cfg = source_config()
    parts = dsn_parts(cfg.dsn)
    if parts.kind != "easy":
        pytest.skip("needs an Easy Connect DSN")
    cfg.dsn = f"{parts.host}:{parts.port}/TUI_SYNC_NO_SUCH_SERVICE"
    with pytest.raises(ConnectError) as info:
        OracleSource(cfg).connect()
    assert info.value.step == "listener" and "ORA-12514" in str(info.value)


def test_session_nls_settings_make_text_conversions_portable(oracle_table: Any) -> None:
    src, _ = oracle_table
    params = dict(src.run_query("SELECT PARAMETER, VALUE FROM NLS_SESSION_PARAMETERS"))
    assert params["NLS_NUMERIC_CHARACTERS"] == ".,"
    assert params["NLS_CALENDAR"] == "GREGORIAN"
    assert src.run_query("SELECT TO_CHAR(1.5), TO_CHAR(DATE '2024-02-29') FROM DUAL") == [
        ("1.5", "2024-02-29 00:00:00")]


def test_stray_break_after_an_idle_cancel_does_not_fail_the_next_call(oracle_table: Any) -> None:
    reader = OracleSource(source_config())
    try:
        reader.connect()
        reader.cancel()  # no call running: thin mode keeps the break for the next call
        assert TABLE in [t.table for t in reader.list_tables()]
        assert reader.list_tables()
    finally:
        reader.close()


def test_doctor_passes_on_this_server(plain_table: Any, tmp_path: Path) -> None:
    from tui_sync.doctor import StepStatus, run_doctor

    config = make_config(tmp_path)
    config.tables[PLAIN] = TableConfig(PLAIN, cursor="TS")
    report = run_doctor(config)
    failed = [(s.group, s.name, s.detail) for s in report.steps if s.status == StepStatus.FAIL]
    assert not failed, failed
    names = {s.name for s in report.steps}
    assert "connected" in names and "NLS session" in names and "SCN source" in names
    cursor = [s for s in report.steps if s.group == f"table {PLAIN}" and s.name == "cursor index"]
    assert cursor and cursor[0].status == StepStatus.WARN and "CREATE INDEX" in cursor[0].hint


def test_doctor_type_probe_round_trips_every_type(oracle_table: Any, tmp_path: Path) -> None:
    from tui_sync.doctor import StepStatus, run_doctor

    report = run_doctor(make_config(tmp_path))
    types = [s for s in report.steps if s.group == "types"]
    assert len(types) >= 25
    bad = [(s.name, s.detail) for s in types if s.status not in (StepStatus.OK, StepStatus.SKIP)]
    assert not bad, bad


def test_doctor_cli_json(oracle_table: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from tui_sync import cli

    cfg = source_config()
    ini = tmp_path / "t.ini"
    ini.write_text(f"[source]\nkind = oracle\ndsn = {cfg.dsn}\nuser = {cfg.user}\n"
                   f"password_env = {cfg.password_env}\nmode = {cfg.mode}\nlib_dir = {cfg.lib_dir}\n"
                   f"config_dir = {cfg.config_dir}\n\n[target]\npath = {tmp_path / 't.duckdb'}\n",
                   encoding="utf-8")
    code = cli.main(["doctor", TABLE, "--config", str(ini), "--json"])
    out = capsys.readouterr().out
    doc = json.loads(out)
    assert code == (0 if doc["ok"] else 1) and doc["ok"], [s for s in doc["steps"] if s["status"] == "fail"]
    assert os.environ["TUI_SYNC_TEST_ORACLE_PASSWORD"] not in out


def test_synonym_is_described_as_its_table(plain_table: Any) -> None:
    src, _ = plain_table
    desc = src.describe(SYNONYM.lower())
    assert desc.info.table == PLAIN and not desc.is_view


def test_view_reads_in_one_statement_never_by_rowid(plain_table: Any, tmp_path: Path) -> None:
    from tui_sync.engine import Engine

    src, _ = plain_table
    assert src.describe(VIEW).is_view
    config = plain_config(tmp_path, VIEW, parallel=3)
    config.sync.chunk_rows = 100
    result = Engine(config).run([VIEW], Mode.FULL)
    assert result.ok, result.results[0].error
    assert duck(config, f"SELECT count(*), sum(v) FROM {VIEW.lower()}") == [(500, 125250)]


def test_keyless_table_pages_by_rowid_in_chunks(plain_table: Any, tmp_path: Path) -> None:
    from tui_sync.engine import Engine

    config = plain_config(tmp_path, PLAIN)
    config.sync.chunk_rows = 120
    config.sync.batch_rows = 50
    result = Engine(config).run([PLAIN], Mode.FULL)
    assert result.ok, result.results[0].error
    assert duck(config, f"SELECT count(*), count(DISTINCT k), sum(v) FROM {PLAIN.lower()}") == [(500, 500, 125250)]


def test_keyless_parallel_reads_ora_hash_buckets_at_one_scn(plain_table: Any, tmp_path: Path) -> None:
    from tui_sync.engine import Engine

    config = plain_config(tmp_path, PLAIN, parallel=3, consistent=True)
    result = Engine(config).run([PLAIN], Mode.FULL)
    assert result.ok, result.results[0].error
    assert duck(config, f"SELECT count(*), count(DISTINCT k) FROM {PLAIN.lower()}") == [(500, 500)]


def test_as_of_scn_reads_the_pinned_state(plain_table: Any) -> None:
    src, _ = plain_table
    scn = src.snapshot()
    desc = src.describe(PLAIN)
    execute(src, f"INSERT INTO {PLAIN} (K, V) VALUES ('late', 0)")
    src.conn.commit()
    try:
        plan = build_plan(list(desc.columns))
        pinned = sum(b.num_rows for b in src.read_batches(ReadSpec(desc, plan, snapshot=scn)))
        now = sum(b.num_rows for b in src.read_batches(ReadSpec(desc, plan)))
        assert (pinned, now) == (500, 501)
    finally:
        execute(src, f"DELETE FROM {PLAIN} WHERE K = 'late'")
        src.conn.commit()


def test_chunked_full_sync_with_a_concurrent_writer_loses_and_doubles_nothing(
        oracle_table: Any, tmp_path: Path) -> None:
    from tui_sync.engine import Engine
    from tui_sync.events import TableFinished

    src, _ = oracle_table
    config = make_config(tmp_path)
    config.sync.chunk_rows = 1
    writer = OracleSource(source_config())
    writer.connect()
    wrote: list[int] = []

    def on_event(event: Any) -> None:
        if not wrote and not isinstance(event, TableFinished) and getattr(event, "rows_done", 0) >= 1:
            execute(writer, f"INSERT INTO {TABLE} (ID, TS) VALUES (0, TIMESTAMP '2020-01-01 00:00:00')")
            writer.conn.commit()
            wrote.append(1)

    try:
        result = Engine(config, on_event=on_event).run([TABLE], Mode.FULL)
        assert result.ok, result.results[0].error
        ids = [r[0] for r in duck(config, "SELECT id FROM all_types ORDER BY id")]
        assert len(ids) == len(set(ids)) and {1, 2, 3} <= set(ids)
    finally:
        execute(writer, f"DELETE FROM {TABLE} WHERE ID = 0")
        writer.conn.commit()
        writer.close()


def test_verify_content_hashes_match_after_a_full_sync(oracle_table: Any, tmp_path: Path) -> None:
    from tui_sync.engine import Engine
    from tui_sync.services.verify import verify_table

    config = make_config(tmp_path)
    assert Engine(config).run([TABLE], Mode.FULL).ok
    report = verify_table(config, TABLE)
    assert report.ok, report.to_dict()


def test_thin_mode_against_11g_says_dpy_3010_and_how_to_switch(oracle_table: Any) -> None:
    import subprocess
    import sys

    src, version = oracle_table
    if version != 11:
        pytest.skip("needs Oracle 11.2 (gvenzl/oracle-xe:11)")
    # thin mode cannot be used after thick mode started in this process: a fresh one
    code = ("import sys; from tui_sync.config import SourceConfig; from tui_sync.sources.oracle import OracleSource\n"
            "from tui_sync.errors import SourceError\n"
            f"cfg = SourceConfig(kind='oracle', dsn={src.cfg.dsn!r}, user={src.cfg.user!r}, "
            f"password_env={src.cfg.password_env!r}, mode='thin')\n"
            "try:\n    OracleSource(cfg).connect()\nexcept SourceError as e:\n    print(e); sys.exit(0)\nsys.exit(3)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("DPY-3010") and "Instant Client 19" in out.stdout


def test_thick_mode_reports_its_client_and_carries_timeouts(oracle_table: Any) -> None:
    src, _ = oracle_table
    if src.cfg.mode != "thick":
        pytest.skip("set TUI_SYNC_TEST_ORACLE_MODE=thick")
    import oracledb

    assert src.server_info().mode == "thick" and oracledb.clientversion()[0] >= 19
    cfg = source_config()
    cfg.expire_time = 1  # in the Easy Connect string (DSN passthrough): the client must accept it
    other = OracleSource(cfg)
    try:
        other.connect()
        assert other.run_query("SELECT 1 FROM DUAL") == [(1,)]
    finally:
        other.close()
