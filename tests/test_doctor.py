"""`tui-sync doctor`: every step through the driver-level fake (Oracle) and real
SQLite/DuckDB files (SQLite, --demo); exit codes, --json, no traceback, no password."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from oracledb import errors as ora_errors

from tests.conftest import make_sqlite, write_config
from tests.oracle_fake import FakeOracle, FakeTable, dpy_error, events_table, ora_error, unresolvable_host
from tui_sync import cli
from tui_sync.config import Config, SourceConfig, TableConfig
from tui_sync.doctor import CHECKS, DoctorContext, Report, StepStatus, register, run_doctor
from tui_sync.doctor_probe import inline_view, probe_cases
from tui_sync.sources.oracle import OracleSource
from tui_sync.sources.oracle import source as oracle_mod
from tui_sync.target.lock import SyncLock

PASSWORD = "s3cret-Passw0rd"
TABLE = "APP.EQUIPMENT_EVENTS"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oracle_mod, "_thick_args", None)
    monkeypatch.setenv("TUI_SYNC_ORACLE_PASSWORD", PASSWORD)


def oracle_config(tmp_path: Path, **tables: TableConfig) -> Config:
    cfg = Config(path=tmp_path / "t.ini")
    cfg.source = SourceConfig(kind="oracle", dsn="dbhost:1521/FREEPDB1", user="app")
    cfg.target.path = str(tmp_path / "t.duckdb")
    cfg.tables = dict(tables) or {TABLE: TableConfig(TABLE, cursor="EVENT_TIME")}
    return cfg


def doctor(cfg: Config, fake: FakeOracle, tables: list[str] | None = None) -> Report:
    return run_doctor(cfg, tables or (), source_factory=lambda: OracleSource(cfg.source, driver=fake))


def step(report: Report, group: str, name: str) -> Any:
    found = [s for s in report.steps if s.group == group and s.name == name]
    assert found, f"no step {group}: {name} in {[(s.group, s.name) for s in report.steps]}"
    return found[0]


def no_secrets(report: Report) -> None:
    text = json.dumps(report.to_json(), ensure_ascii=False)
    assert PASSWORD not in text and "Traceback" not in text


# -- Oracle ---------------------------------------------------------------------------------------

def test_healthy_oracle_23ai_passes_every_step_but_the_issue_9_probe_rows(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(5)], version="23.4.0.24.5")
    fake.indexes[("APP", "EQUIPMENT_EVENTS")] = [("EV_TIME_IX", ["EVENT_TIME"])]
    report = doctor(oracle_config(tmp_path), fake)
    no_secrets(report)
    failed = [(s.group, s.name) for s in report.steps if s.status == StepStatus.FAIL]
    # NUMBER(*,2) and TIMESTAMP(9) 9999-12-31 land wrong until the issue-9 fixes merge
    assert set(failed) <= {("types", "NUMBER(*,2) N_STAR_2"), ("types", "TIMESTAMP(9) TS9_MAX")}
    assert step(report, "connect", "connected").status == StepStatus.OK
    assert step(report, "server", "NLS session").status == StepStatus.OK
    assert step(report, f"table {TABLE}", "cursor index").detail.startswith("EVENT_TIME leads index EV_TIME_IX")
    names = {s.name for s in report.steps if s.group == "types"}
    for t in ("JSON J", "BOOLEAN B", "VECTOR VEC", "TIMESTAMP(6) WITH TIME ZONE TSTZ", "CHAR(5) C", "CLOB CL_EMPTY"):
        assert t in names
    assert step(report, "types", "CHAR(5) C").detail == "'ab   '"  # blank padding kept and shown


def test_the_probe_is_one_select_from_dual_through_the_sync_read(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(5)], version="23.4.0.24.5")
    doctor(oracle_config(tmp_path), fake)
    probes = [(sql, b) for sql, b in fake.data_reads if "FROM DUAL" in sql]
    assert len(probes) >= 1
    sql = probes[0][0]
    # the sync's own conversions around the literals
    assert 'SYS_EXTRACT_UTC("TSTZ")' in sql and 'ROWIDTOCHAR("RID")' in sql and "JSON_SERIALIZE" in sql
    assert "EXTRACT(DAY FROM \"IDS\")" in sql
    assert inline_view([c for c in probe_cases()][:1]).startswith("(SELECT CAST(")


def test_probe_on_11g_leaves_out_newer_types(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(5)], version="11.2.0.4.0")
    fake.thin = False  # 11.2 is reached in thick mode
    report = doctor(oracle_config(tmp_path), fake)
    names = {s.name for s in report.steps if s.group == "types"}
    assert "BOOLEAN B" not in names and "JSON J" not in names and "VECTOR VEC" not in names
    assert "NUMBER(38,0) N_38" in names
    assert step(report, "types", "newer types").status == StepStatus.SKIP


def test_a_failing_type_is_named_when_the_single_select_breaks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests import oracle_fake_dual

    real = oracle_fake_dual.literal

    def broken(expr: str, name: str, major: int) -> Any:
        if name == "BD":
            raise ora_error("ORA-01722: invalid number", 1722)
        return real(expr, name, major)

    monkeypatch.setattr(oracle_fake_dual, "literal", broken)
    fake = FakeOracle([events_table(5)], version="19.3.0.0.0")
    report = doctor(oracle_config(tmp_path), fake)
    bad = step(report, "types", "BINARY_DOUBLE BD")
    assert bad.status == StepStatus.FAIL and "ORA-01722" in bad.detail
    assert step(report, "types", "NUMBER(12,3) N_12_3").status == StepStatus.OK


@pytest.mark.parametrize(("exc", "failed", "passed"), [
    (unresolvable_host("dbhots"), "host name resolution", []),
    (dpy_error(ora_errors.ERR_CONNECTION_FAILED, cause=ConnectionRefusedError(111, "Connection refused"),
               connection_id="x"), "TCP connect", ["host name resolution"]),
    (dpy_error(ora_errors.ERR_CONNECTION_FAILED, connection_id="x",
               cause=dpy_error(ora_errors.ERR_INVALID_SERVICE_NAME, service_name="FREEPDB1", host="dbhost",
                               port=1521)), "listener and service", ["host name resolution", "TCP connect"]),
    (ora_error("ORA-01017: invalid credential or not authorized; logon denied", 1017), "authentication",
     ["listener and service"]),
    (ora_error("ORA-28000: The account is locked.", 28000), "account status", ["authentication"]),
    (dpy_error(ora_errors.ERR_SERVER_VERSION_NOT_SUPPORTED), "server version (thin mode)", []),
    (dpy_error(ora_errors.ERR_DB_CS_NOT_SUPPORTED, charset_id=31), "character set (thin mode)", []),
])
def test_connect_failures_name_the_step(tmp_path: Path, exc: BaseException, failed: str, passed: list[str]) -> None:
    fake = FakeOracle([events_table(5)])
    fake.connect_errors.append(exc)
    report = doctor(oracle_config(tmp_path), fake)
    no_secrets(report)
    assert not report.ok and report.exit_code == 1
    bad = step(report, "connect", failed)
    assert bad.status == StepStatus.FAIL and bad.hint
    for name in passed:
        assert step(report, "connect", name).status == StepStatus.OK
    assert not any(s.group == "types" for s in report.steps)  # nothing after a failed connect


def test_missing_password_is_a_failed_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUI_SYNC_ORACLE_PASSWORD")
    fake = FakeOracle([events_table(5)])
    report = doctor(oracle_config(tmp_path), fake)
    bad = step(report, "config", "password source")
    assert bad.status == StepStatus.FAIL and "TUI_SYNC_ORACLE_PASSWORD" in bad.hint
    assert fake.connect_calls == []


def test_old_driver_is_a_failed_step(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(5)])
    fake.__version__ = "4.0.1"
    report = doctor(oracle_config(tmp_path), fake)
    assert step(report, "driver", "python-oracledb").status == StepStatus.FAIL
    assert fake.connect_calls == []


def test_thick_mode_reports_the_instant_client_version(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(5)])
    cfg = oracle_config(tmp_path)
    cfg.source.mode, cfg.source.lib_dir = "thick", "/opt/instantclient_19_23"
    report = doctor(cfg, fake)
    assert step(report, "driver", "Oracle Client").detail == "Instant Client 19.23.0"
    assert "thick" in step(report, "driver", "python-oracledb").detail


def test_rights_and_dictionary_problems(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(5)])
    fake.denied_views = {"ALL_CONSTRAINTS"}
    fake.grant_v_database = False
    fake.grant_dbms_flashback = False
    fake.flashback_denied = {("APP", "EQUIPMENT_EVENTS")}
    fake.sessions_per_user = "3"
    cfg = oracle_config(tmp_path, **{TABLE: TableConfig(TABLE, cursor="EVENT_TIME", parallel=4, consistent=True)})
    report = doctor(cfg, fake)
    assert step(report, "server", "dictionary").status == StepStatus.FAIL
    scn = step(report, "rights", "SCN source")
    assert scn.status == StepStatus.OK and "TIMESTAMP_TO_SCN" in scn.detail
    sessions = step(report, "rights", "sessions for parallel")
    assert sessions.status == StepStatus.FAIL and "SESSIONS_PER_USER is 3" in sessions.detail
    fb = step(report, f"table {TABLE}", "flashback (AS OF SCN)")
    assert fb.status == StepStatus.FAIL and "GRANT FLASHBACK ON \"APP\".\"EQUIPMENT_EVENTS\" TO APP" in fb.hint


def test_unindexed_cursor_warns_with_the_create_index(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(5)])
    fake.indexes[("APP", "EQUIPMENT_EVENTS")] = [("EV_IX", ["EQUIP_ID", "EVENT_TIME"])]
    report = doctor(oracle_config(tmp_path), fake)
    s = step(report, f"table {TABLE}", "cursor index")
    assert s.status == StepStatus.WARN and "column 2 of EV_IX" in s.detail
    assert s.hint.endswith('CREATE INDEX "APP"."EQUIPMENT_EVENTS_EVENT_TIME_IX" ON "APP"."EQUIPMENT_EVENTS" '
                           '("EVENT_TIME")')
    assert len("EQUIPMENT_EVENTS_EVENT_TIME_IX") <= 30


def test_comma_decimal_session_that_a_logon_trigger_forces_fails(tmp_path: Path) -> None:
    fake = FakeOracle([events_table(5)])

    class Trigger(OracleSource):
        def connect(self) -> None:
            super().connect()
            self.conn.session["NLS_NUMERIC_CHARACTERS"] = ",."  # an AFTER LOGON trigger wins
    cfg = oracle_config(tmp_path)
    report = run_doctor(cfg, source_factory=lambda: Trigger(cfg.source, driver=fake))
    assert step(report, "server", "NLS session").status == StepStatus.FAIL


def test_named_tables_synonyms_views_and_unknown_ones(tmp_path: Path) -> None:
    t = events_table(5, owner="PROD")
    fake = FakeOracle([t, FakeTable("APP", "EV_V", t.columns, t.data, view=True)])
    fake.synonyms = {("PUBLIC", "EVENTS"): ("PROD", "EQUIPMENT_EVENTS")}
    report = doctor(oracle_config(tmp_path), fake, ["EVENTS", "APP.EV_V", "APP.NOPE"])
    assert "as PROD.EQUIPMENT_EVENTS" in step(report, "table EVENTS", "exists").detail
    assert step(report, "table APP.EV_V", "exists").detail.startswith("view")
    assert step(report, "table APP.NOPE", "exists").status == StepStatus.FAIL


def test_doctor_can_be_extended_with_a_check(tmp_path: Path) -> None:
    def check_custom(ctx: DoctorContext) -> None:
        ctx.warn("site", "custom rule", "something local", "do the local thing")

    register("common", check_custom)
    try:
        report = doctor(oracle_config(tmp_path), FakeOracle([events_table(5)]))
    finally:
        CHECKS["common"].remove(check_custom)
    assert step(report, "site", "custom rule").status == StepStatus.WARN


def test_a_crashing_check_is_one_failed_step_not_a_traceback(tmp_path: Path) -> None:
    def check_boom(ctx: DoctorContext) -> None:
        raise KeyError(PASSWORD)

    register("oracle", check_boom)
    try:
        report = doctor(oracle_config(tmp_path), FakeOracle([events_table(5)]))
    finally:
        CHECKS["oracle"].remove(check_boom)
    no_secrets(report)
    assert step(report, "boom", "check failed").status == StepStatus.FAIL


# -- CLI, SQLite and --demo ----------------------------------------------------------------------------

def test_cli_doctor_oracle_json_and_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeOracle([events_table(5)])
    fake.connect_errors.append(socket.gaierror(-2, "Name or service not known"))
    monkeypatch.setattr(oracle_mod, "_default_driver", lambda: fake)
    ini = tmp_path / "t.ini"
    ini.write_text(f"[source]\nkind = oracle\ndsn = dbhots:1521/FREEPDB1\nuser = app\n\n[target]\n"
                   f"path = {tmp_path / 't.duckdb'}\n", encoding="utf-8")
    code = cli.main(["doctor", "--config", str(ini), "--json"])
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert code == 1 and doc["ok"] is False and "Traceback" not in err + out and PASSWORD not in out
    bad = [s for s in doc["steps"] if s["status"] == "fail"]
    assert bad[0]["name"] == "host name resolution" and "dbhots" in bad[0]["detail"]
    code = cli.main(["doctor", "--config", str(ini)])
    out, _ = capsys.readouterr()
    assert "✓ connect: connected" in out and "✓ types:" in out
    failed = [ln for ln in out.splitlines() if ln.startswith(" ✗")]
    # until the issue-9 fixes merge, two probe rows fail (and so exit 1); nothing else does
    assert all("N_STAR_2" in ln or "TS9_MAX" in ln for ln in failed)
    assert code == (1 if failed else 0)


def test_cli_doctor_sqlite_passes_and_names_a_held_lock(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_sqlite(tmp_path / "s.sqlite", "CREATE TABLE T (ID NUMBER(5) PRIMARY KEY, V FOO_TYPE);",
                      [("INSERT INTO T VALUES (?, ?)", [(1, "x")])])
    cfg = write_config(tmp_path, src, "[table T]\n")
    code = cli.main(["doctor", "--config", str(cfg.path), "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0, doc
    by = {(s["group"], s["name"]): s for s in doc["steps"]}
    assert by[("source", "opens")]["status"] == "ok" and "SQLite" in by[("source", "opens")]["detail"]
    assert by[("source", "tables")]["detail"] == "1 table(s)"
    assert by[("target", "writable")]["status"] == "ok" and by[("target", "lock")]["detail"] == "free"
    with SyncLock(cfg.target_path(), "cli", ["T"]):
        cli.main(["doctor", "--config", str(cfg.path), "--json"])
        doc = json.loads(capsys.readouterr().out)
    lock = [s for s in doc["steps"] if s["name"] == "lock"][0]
    assert lock["status"] == "warning" and "pid" in lock["detail"]


def test_cli_doctor_sqlite_missing_file_and_unknown_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_sqlite(tmp_path / "s.sqlite", "CREATE TABLE T (ID INTEGER);")
    cfg = write_config(tmp_path, src, "")
    assert cli.main(["doctor", "NOPE", "--config", str(cfg.path)]) == 1
    out = capsys.readouterr().out
    assert "✗ table NOPE: exists" in out and "Traceback" not in out
    src.unlink()
    assert cli.main(["doctor", "--config", str(cfg.path)]) == 1
    assert "does not exist" in capsys.readouterr().out


def test_cli_doctor_demo(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["doctor", "--demo", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["ok"] is True
    assert any(s["group"].startswith("table ") for s in doc["steps"])


def test_cli_doctor_bad_config_is_a_failed_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ini = tmp_path / "bad.ini"
    ini.write_text("[source]\nkind = nosuch\n", encoding="utf-8")
    code = cli.main(["doctor", "--config", str(ini), "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and doc["steps"][0]["group"] == "config" and doc["steps"][0]["status"] == "fail"


def test_missing_driver_is_one_failed_step(tmp_path: Path) -> None:
    def factory() -> Any:
        raise ModuleNotFoundError("No module named 'oracledb'")

    report = run_doctor(oracle_config(tmp_path), source_factory=factory)
    bad = [s for s in report.steps if s.status == StepStatus.FAIL]
    assert len(bad) == 1 and bad[0].name == "python-oracledb" and "pip install" in bad[0].hint
