"""Issue 10, "Oracle in the field": connection failures a DBA understands, the driver
version check, thick-mode DSN passthrough, DPY-3001, views and synonyms, the NLS
session settings, and stray ORA-01013 after a cancel with no call running.

All through the driver-level fake (tests/oracle_fake.py), whose modelled driver
behaviours cite python-oracledb 26.1.0's source; views also through real SQLite.
"""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from oracledb import errors as ora_errors

from tests.conftest import duck_rows, make_sqlite, write_config
from tests.oracle_fake import (
    FakeOracle,
    FakeTable,
    connection_lost,
    dpy_error,
    events_table,
    ora_error,
    unresolvable_host,
)
from tui_sync.config import Config, SourceConfig, TableConfig
from tui_sync.engine import Engine
from tui_sync.errors import SourceError, SyncCancelled
from tui_sync.events import Mode, Status
from tui_sync.sources.base import ReadSpec
from tui_sync.sources.oracle import OracleSource
from tui_sync.sources.oracle import source as oracle_mod
from tui_sync.sources.oracle.connect import check_driver_version, thick_dsn
from tui_sync.typeplan import build_plan

PASSWORD = "s3cret-Passw0rd"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oracle_mod, "_thick_args", None)
    monkeypatch.setenv("TUI_SYNC_ORACLE_PASSWORD", PASSWORD)


def make_source(fake: FakeOracle, **cfg: Any) -> OracleSource:
    params: dict[str, Any] = {"kind": "oracle", "dsn": "dbhost:1521/ORCLPDB1", "user": "app"}
    params.update(cfg)
    return OracleSource(SourceConfig(**params), driver=fake)


def connect_error(fake: FakeOracle, exc: BaseException, **cfg: Any) -> SourceError:
    fake.connect_errors.append(exc)
    with pytest.raises(SourceError) as info:
        make_source(fake, **cfg).connect()
    msg = str(info.value)
    assert "\n" not in msg and PASSWORD not in msg
    return info.value


# -- connect failures: one line naming host/service and the cause ---------------------------------

def test_unresolvable_host_is_one_line_naming_the_host_not_an_oserror() -> None:
    fake = FakeOracle([])
    err = connect_error(fake, unresolvable_host("dbhots"), dsn="dbhots:1521/ORCLPDB1")
    msg = str(err)
    assert "dbhots" in msg and "does not resolve" in msg and "ORCLPDB1" in msg
    assert getattr(err, "step", "") == "resolve"


def test_dpy_6005_with_a_gaierror_cause_names_the_host() -> None:
    cause = socket.gaierror(-2, "Name or service not known")
    exc = dpy_error(ora_errors.ERR_CONNECTION_FAILED, cause=cause, connection_id="x1")
    err = connect_error(FakeOracle([]), exc, dsn="nohost.example:1521/FREEPDB1")
    assert "nohost.example" in str(err) and "does not resolve" in str(err)
    assert err.step == "resolve"


def test_dpy_6005_connection_refused_names_host_and_port() -> None:
    exc = dpy_error(ora_errors.ERR_CONNECTION_FAILED, cause=ConnectionRefusedError(111, "Connection refused"),
                    connection_id="x1")
    err = connect_error(FakeOracle([]), exc)
    assert "dbhost:1521" in str(err) and "refused" in str(err) and err.step == "tcp"


def test_ora_12514_names_the_service_and_the_listener() -> None:
    # thin mode: the listener refusal arrives as DPY-6005 caused by DPY-6001 ("Similar to ORA-12514")
    cause = dpy_error(ora_errors.ERR_INVALID_SERVICE_NAME, service_name="ORCLPDB9", host="dbhost", port=1521)
    exc = dpy_error(ora_errors.ERR_CONNECTION_FAILED, cause=cause, connection_id="x1")
    err = connect_error(FakeOracle([]), exc, dsn="dbhost:1521/ORCLPDB9")
    assert "ORA-12514" in str(err) and "ORCLPDB9" in str(err) and "lsnrctl" in str(err)
    assert err.step == "listener"
    # thick mode: the plain ORA code
    err = connect_error(FakeOracle([]), ora_error("ORA-12505: TNS:listener does not currently know of SID "
                                                  "given in connect descriptor", 12505), dsn="dbhost:1521:ORCL")
    assert "ORA-12505" in str(err) and err.step == "listener"


@pytest.mark.parametrize(("exc", "code", "step", "words"), [
    (ora_error("ORA-01017: invalid credential or not authorized; logon denied", 1017), "ORA-01017", "auth",
     "password_env"),
    (ora_error("ORA-28000: The account is locked.", 28000), "ORA-28000", "account", "ACCOUNT UNLOCK"),
    (ora_error("ORA-28001: the password has expired", 28001), "ORA-28001", "account", "expired"),
])
def test_auth_and_account_errors_say_what_to_do(exc: Exception, code: str, step: str, words: str) -> None:
    err = connect_error(FakeOracle([]), exc)
    msg = str(err)
    assert msg.startswith(code) and words in msg and "APP" in msg.upper() and err.step == step
    assert err.transient is False


def test_wrong_password_from_the_driver_is_the_auth_step() -> None:
    fake = FakeOracle([])
    fake.password = "other"
    with pytest.raises(SourceError) as info:
        make_source(fake).connect()
    assert info.value.step == "auth"


def test_unresolvable_host_in_sync_cli_is_one_line_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from tui_sync import cli

    fake = FakeOracle([events_table(3)])
    fake.connect_errors.extend([unresolvable_host("dbhots")] * 5)
    monkeypatch.setattr(oracle_mod, "_default_driver", lambda: fake)
    ini = tmp_path / "t.ini"
    ini.write_text(f"[source]\nkind = oracle\ndsn = dbhots:1521/ORCLPDB1\nuser = app\n\n[target]\n"
                   f"path = {tmp_path / 't.duckdb'}\n\n[sync]\nretries = 0\n", encoding="utf-8")
    code = cli.main(["sync", "APP.EQUIPMENT_EVENTS", "--config", str(ini), "--json"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in err and "dbhots" in out and "does not resolve" in out
    import json

    doc = json.loads(out)
    assert doc["ok"] is False and "dbhots" in doc["results"][0]["error"]


# -- the driver version -----------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["3.3.0", "4.0.2", "26.0.0"])
def test_too_old_driver_is_refused_with_a_clear_message(version: str) -> None:
    fake = FakeOracle([])
    fake.__version__ = version
    with pytest.raises(SourceError) as info:
        make_source(fake).connect()
    msg = str(info.value)
    assert version in msg and "26.0.1" in msg and "pip install" in msg
    assert fake.connect_calls == []


@pytest.mark.parametrize("version", ["26.0.1", "26.1.0", "27.0.0"])
def test_supported_driver_versions_pass(version: str) -> None:
    class D:
        __version__ = version
    check_driver_version(D())


def test_pyproject_requires_oracledb_26_0_1() -> None:
    text = (Path(__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert '"oracledb>=26.0.1"' in text


# -- retries: a failed reconnect is another attempt ----------------------------------------------

def _engine_config(tmp_path: Path, retries: int) -> Config:
    config = Config(path=tmp_path / "t.ini")
    config.source = SourceConfig(kind="oracle", dsn="fake", user="app")
    config.target.path = str(tmp_path / "t.duckdb")
    config.sync.retries = retries
    config.sync.retry_backoff = timedelta(0)
    config.tables = {"APP.EQUIPMENT_EVENTS": TableConfig("APP.EQUIPMENT_EVENTS", target="events",
                                                         primary_key=["EVENT_ID"], batch_rows=4)}
    return config


def test_a_failed_reconnect_counts_as_another_attempt(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(10)])
    fake.read_failures.append(1)

    def lose_listener(conn: Any, i: int) -> None:
        if i == 0 and len(fake.connections) == 1:
            # the server goes away: the first reconnect fails too, the second one works
            fake.connect_errors.append(dpy_error(ora_errors.ERR_CONNECTION_FAILED,
                                                 cause=ConnectionRefusedError(111, "Connection refused"),
                                                 connection_id="x"))
    fake.on_batch = lose_listener
    config = _engine_config(tmp_path, retries=3)
    engine = Engine(config, source_factory=lambda: OracleSource(config.source, driver=fake))
    result = engine.run(["APP.EQUIPMENT_EVENTS"], Mode.FULL)
    assert result.results[0].status == Status.OK, result.results[0].error
    assert result.results[0].rows == 10
    assert len(fake.connect_calls) == 3


def test_failed_reconnects_stop_after_retries(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(10)])
    fake.read_failures.append(1)
    fake.on_batch = lambda conn, i: fake.connect_errors.extend(
        [connection_lost()] * 5) if len(fake.connections) == 1 and i == 0 else None
    config = _engine_config(tmp_path, retries=2)
    engine = Engine(config, source_factory=lambda: OracleSource(config.source, driver=fake))
    result = engine.run(["APP.EQUIPMENT_EVENTS"], Mode.FULL)
    assert result.results[0].status == Status.FAILED
    assert len(fake.connect_calls) == 3  # the first session and two failed reconnects


# -- thick mode: DSN passthrough ------------------------------------------------------------------

def test_thick_mode_carries_timeouts_in_the_easy_connect_string() -> None:
    fake = FakeOracle([])
    make_source(fake, mode="thick", expire_time=3).connect()
    (call,) = fake.connect_calls
    assert call["dsn"] == "dbhost:1521/ORCLPDB1?transport_connect_timeout=20&expire_time=3"
    # what the fake models (impl/thick/connection.pyx ~l.449): the keyword arguments are ignored
    assert call["ignored"] == ["expire_time", "tcp_connect_timeout"]


@pytest.mark.parametrize(("dsn", "expected"), [
    ("dbhost/ORCL", "dbhost/ORCL?transport_connect_timeout=20&expire_time=2"),
    ("tcp://dbhost:1521/ORCL?sdu=8192", "tcp://dbhost:1521/ORCL?sdu=8192&transport_connect_timeout=20&expire_time=2"),
    ("dbhost/ORCL?expire_time=9", "dbhost/ORCL?expire_time=9&transport_connect_timeout=20"),
    ("ORCL_ALIAS", "ORCL_ALIAS"),  # a tnsnames alias: sqlnet.ora / the descriptor decide
    ("(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=h)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=S)))",
     "(DESCRIPTION=(TRANSPORT_CONNECT_TIMEOUT=20)(EXPIRE_TIME=2)(ADDRESS=(PROTOCOL=TCP)(HOST=h)(PORT=1521))"
     "(CONNECT_DATA=(SERVICE_NAME=S)))"),
])
def test_thick_dsn(dsn: str, expected: str) -> None:
    assert thick_dsn(dsn, expire_time=2, connect_timeout=20) == expected


def test_thin_mode_dsn_is_untouched() -> None:
    fake = FakeOracle([])
    make_source(fake, expire_time=3).connect()
    assert fake.connect_calls[0]["dsn"] == "dbhost:1521/ORCLPDB1"


# -- DPY-3001 -----------------------------------------------------------------------------------------

def test_dpy_3001_shows_its_own_text() -> None:
    exc = dpy_error(ora_errors.ERR_FEATURE_NOT_SUPPORTED, feature="bequeath", driver_type="thick")
    err = connect_error(FakeOracle([]), exc)
    msg = str(err)
    assert msg.startswith("DPY-3001") and "bequeath" in msg and "mode = thick" in msg
    assert "Encryption" not in msg


def test_dpy_3001_for_native_network_encryption_keeps_its_text() -> None:
    exc = dpy_error(ora_errors.ERR_FEATURE_NOT_SUPPORTED,
                    feature="Native Network Encryption and Data Integrity", driver_type="thick")
    msg = str(connect_error(FakeOracle([]), exc))
    assert "Native Network Encryption and Data Integrity" in msg and "mode = thick" in msg


# -- views and synonyms ------------------------------------------------------------------------------

def _view_fake() -> FakeOracle:
    t = events_table(10)
    v = FakeTable("APP", "EVENTS_V", t.columns, t.data, view=True)
    return FakeOracle([t, v])


def test_describe_records_views() -> None:
    src = make_source(_view_fake())
    assert src.describe("APP.EVENTS_V").is_view is True
    assert src.describe("APP.EQUIPMENT_EVENTS").is_view is False
    assert src.has_row_address(src.describe("APP.EVENTS_V")) is False
    assert src.has_row_address(src.describe("APP.EQUIPMENT_EVENTS")) is True


def test_keyless_view_full_sync_never_pages_by_rowid(tmp_path: Path) -> None:
    fake = _view_fake()
    config = _engine_config(tmp_path, retries=0)
    config.sync.chunk_rows = 3
    config.tables = {"APP.EVENTS_V": TableConfig("APP.EVENTS_V", target="ev", batch_rows=4)}
    engine = Engine(config, source_factory=lambda: OracleSource(config.source, driver=fake))
    result = engine.run(["APP.EVENTS_V"], Mode.FULL)
    assert result.ok, result.results[0].error
    assert result.results[0].rows == 10
    assert not any("ROWID" in sql for sql, _ in fake.data_reads)


def test_keyless_view_parallel_never_uses_ora_hash_rowid(tmp_path: Path) -> None:
    fake = _view_fake()
    config = _engine_config(tmp_path, retries=0)
    config.tables = {"APP.EVENTS_V": TableConfig("APP.EVENTS_V", target="ev", batch_rows=4, parallel=3)}
    engine = Engine(config, source_factory=lambda: OracleSource(config.source, driver=fake))
    result = engine.run(["APP.EVENTS_V"], Mode.FULL)
    assert result.ok, result.results[0].error
    assert result.results[0].rows == 10
    assert not any("ROWID" in sql for sql, _ in fake.data_reads)


def test_sqlite_view_parallel_without_key_reads_one_statement(tmp_path: Path) -> None:
    src = make_sqlite(tmp_path / "s.sqlite", "CREATE TABLE T (K VARCHAR2(5), V NUMBER(5));"
                      "CREATE VIEW TV AS SELECT DISTINCT K, V FROM T;",
                      [("INSERT INTO T VALUES (?, ?)", [(f"k{i}", i) for i in range(100)])])
    cfg = write_config(tmp_path, src, "[table TV]\nparallel = 4\n", sync="batch_rows = 16")
    result = Engine(cfg).run(["TV"], Mode.FULL)
    assert result.ok, result.results[0].error
    assert duck_rows(cfg.target_path(), "tv", "v") == [(f"k{i}", i) for i in range(100)]


def test_private_synonym_then_public() -> None:
    fake = FakeOracle([events_table(5, owner="PROD")])
    fake.synonyms = {("APP", "EVENTS"): ("PROD", "EQUIPMENT_EVENTS"),
                     ("PUBLIC", "EVENTS"): ("OTHER", "NOPE"),
                     ("PUBLIC", "PUB_EVENTS"): ("PROD", "EQUIPMENT_EVENTS")}
    src = make_source(fake)
    d = src.describe("events")
    assert (d.info.owner, d.info.table) == ("PROD", "EQUIPMENT_EVENTS")
    d = src.describe("PUB_EVENTS")
    assert (d.info.owner, d.info.table) == ("PROD", "EQUIPMENT_EVENTS")
    spec = ReadSpec(table=d, plan=build_plan(list(d.columns)))
    assert sum(b.num_rows for b in src.read_batches(spec)) == 5


# -- NLS session settings ------------------------------------------------------------------------------

def test_session_sets_the_nls_parameters_text_conversions_rely_on() -> None:
    fake = FakeOracle([])
    src = make_source(fake)
    src.connect()
    s = fake.connections[0].session
    assert s["NLS_NUMERIC_CHARACTERS"] == ".,"
    assert s["NLS_CALENDAR"] == "GREGORIAN"
    assert s["NLS_DATE_FORMAT"] == "YYYY-MM-DD HH24:MI:SS"
    assert s["NLS_TIMESTAMP_FORMAT"] == "YYYY-MM-DD HH24:MI:SS.FF9"
    assert s["NLS_TIMESTAMP_TZ_FORMAT"] == "YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM"
    assert s["NLS_SORT"] == "BINARY" and s["NLS_COMP"] == "BINARY"


# -- stray ORA-01013 ------------------------------------------------------------------------------------

def test_stray_break_after_cancel_with_no_call_running_is_retried_once() -> None:
    fake = FakeOracle([events_table(5)])
    src = make_source(fake)
    src.connect()
    src.cancel()  # nothing running: the driver keeps the break flag for the next call
    src._cancel_requested.clear()  # a later operation of the run starts (it clears our request)
    assert [t.name for t in src.list_tables()] == ["APP.EQUIPMENT_EVENTS"]


def test_stray_break_on_a_read_is_a_transient_error_not_a_cancel() -> None:
    fake = FakeOracle([events_table(5)])
    src = make_source(fake)
    d = src.describe("APP.EQUIPMENT_EVENTS")
    fake.connections[0].break_pending = True
    spec = ReadSpec(table=d, plan=build_plan(list(d.columns)))
    with pytest.raises(SourceError) as info:
        list(src.read_batches(spec))
    assert not isinstance(info.value, SyncCancelled)
    assert info.value.transient is True and "ORA-01013" in str(info.value)
    assert sum(b.num_rows for b in src.read_batches(spec)) == 5  # the flag was consumed


def test_ora_01013_is_a_cancel_when_this_run_asked() -> None:
    fake = FakeOracle([events_table(10)])
    src = make_source(fake)
    d = src.describe("APP.EQUIPMENT_EVENTS")
    fake.on_batch = lambda conn, i: src.cancel() if i == 1 else None
    with pytest.raises(SyncCancelled):
        list(src.read_batches(ReadSpec(table=d, plan=build_plan(list(d.columns)), batch_rows=3)))


def test_stray_break_before_a_sync_read_does_not_cancel_the_table(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(10)])
    config = _engine_config(tmp_path, retries=1)
    made: list[OracleSource] = []

    class Stray(OracleSource):
        def read_batches(self, spec: ReadSpec) -> Any:
            if not made:
                made.append(self)
                self.conn.break_pending = True  # a cancel() landed after the last call ended
            return super().read_batches(spec)

    engine = Engine(config, source_factory=lambda: Stray(config.source, driver=fake))
    result = engine.run(["APP.EQUIPMENT_EVENTS"], Mode.FULL)
    assert result.results[0].status == Status.OK, result.results[0].error
    assert result.results[0].rows == 10


# -- the real driver (26.1.0), no server needed: name resolution and a refused TCP connect ---------

def test_real_driver_unresolvable_host_escapes_as_gaierror_and_is_mapped() -> None:
    import oracledb

    # the driver behaviour the fake models (connection.pyx ~l.181): a bare gaierror
    with pytest.raises(socket.gaierror):
        oracledb.connect(user="x", password="y", dsn="no-such-host.invalid:1521/FREEPDB1")
    src = OracleSource(SourceConfig(kind="oracle", dsn="no-such-host.invalid:1521/FREEPDB1", user="app"))
    with pytest.raises(SourceError) as info:
        src.connect()
    assert info.value.step == "resolve" and "no-such-host.invalid" in str(info.value)


def test_real_driver_refused_tcp_connect_is_mapped() -> None:
    src = OracleSource(SourceConfig(kind="oracle", dsn="127.0.0.1:1/FREEPDB1", user="app"))
    with pytest.raises(SourceError) as info:
        src.connect()
    assert info.value.step == "tcp" and str(info.value).startswith("DPY-6005: TCP connect to 127.0.0.1:1/FREEPDB1")


def test_tables_command_with_an_unresolvable_host_is_one_line(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from tui_sync import cli

    ini = tmp_path / "t.ini"
    ini.write_text(f"[source]\nkind = oracle\ndsn = no-such-host.invalid:1521/FREEPDB1\nuser = app\n\n"
                   f"[target]\npath = {tmp_path / 't.duckdb'}\n", encoding="utf-8")
    assert cli.main(["tables", "--config", str(ini)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not resolve" in err and "Traceback" not in err


def test_an_alias_missing_from_tnsnames_is_a_config_mistake_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """DPY-4000 (python-oracledb errors.py ERR_TNS_ENTRY_NOT_FOUND) only a config change fixes:
    exit 2 like every other config mistake, one line, and the run is still in history."""
    from oracledb import errors as driver_errors

    from tui_sync import cli

    fake = FakeOracle([events_table(3)])
    fake.connect_errors.extend([dpy_error(driver_errors.ERR_TNS_ENTRY_NOT_FOUND, name="SALESDB",
                                          file_name="/etc/tns/tnsnames.ora")] * 5)
    monkeypatch.setattr(oracle_mod, "_default_driver", lambda: fake)
    ini = tmp_path / "t.ini"
    ini.write_text(f"[source]\nkind = oracle\ndsn = SALESDB\nuser = app\n\n[target]\n"
                   f"path = {tmp_path / 't.duckdb'}\n\n[sync]\nretries = 0\n", encoding="utf-8")
    code = cli.main(["sync", "APP.EQUIPMENT_EVENTS", "--config", str(ini)])
    _out, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in err and "SALESDB" in err
