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
