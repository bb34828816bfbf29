"""The core's user errors in Korean (issue 16): config errors keep their file:section:key:
prefix and say what is wrong in Korean, a lock refusal names its holder, an Oracle connect
failure keeps its code and gives its hint in Korean. English stays the default."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.oracle_fake import FakeOracle, dpy_error, ora_error, unresolvable_host
from tests.test_i18n import _run
from tui_sync import i18n
from tui_sync.config import SourceConfig, load_config
from tui_sync.errors import ConfigError, LockHeldError, SourceError
from tui_sync.sources.oracle import OracleSource
from tui_sync.sources.oracle import source as oracle_mod
from tui_sync.target.lock import SyncLock


@pytest.fixture
def korean() -> Iterator[None]:
    i18n.set_language("ko")
    try:
        yield
    finally:
        i18n.set_language("en")


def _config(tmp_path: Path, extra: str) -> Path:
    src = tmp_path / "src.sqlite"
    with sqlite3.connect(src) as con:
        con.execute("CREATE TABLE T (ID INTEGER PRIMARY KEY, NAME TEXT, PHOTO BLOB)")
        con.execute("INSERT INTO T VALUES (1, 'a', x'00')")
    con.close()
    p = tmp_path / "c.ini"
    p.write_text(f"[source]\nkind = sqlite\npath = {src}\n[target]\npath = {tmp_path / 't.duckdb'}\n"
                 f"{extra}", encoding="utf-8")
    return p


# -- config errors ---------------------------------------------------------------------

def test_an_unknown_key_in_korean_keeps_its_prefix(tmp_path: Path, korean: None) -> None:
    p = _config(tmp_path, "[table T]\ncursr = ID\n")
    with pytest.raises(ConfigError) as info:
        load_config(p)
    assert str(info.value).startswith(f"{p}:table T:cursr: 알 수 없는 키입니다 (쓸 수 있는 키: ")


def test_an_unset_variable_in_korean(tmp_path: Path, korean: None,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KO_CORE_UNSET", raising=False)
    p = _config(tmp_path, "[table T]\nwhere = ID > ${KO_CORE_UNSET}\n")
    with pytest.raises(ConfigError) as info:
        load_config(p)
    assert str(info.value) == f"{p}:table T:where: 환경 변수 ${{KO_CORE_UNSET}}이(가) 설정되지 않았습니다"


def test_a_bad_value_in_korean_and_english(tmp_path: Path) -> None:
    p = _config(tmp_path, "[sync]\nbatch_rows = many\n")
    with pytest.raises(ConfigError, match=r"c.ini:sync:batch_rows: 'many' is not a whole number$"):
        load_config(p)
    i18n.set_language("ko")
    try:
        with pytest.raises(ConfigError) as info:
            load_config(p)
    finally:
        i18n.set_language("en")
    assert str(info.value) == f"{p}:sync:batch_rows: 'many'은(는) 정수가 아닙니다"
    assert info.value.english == f"{p}:sync:batch_rows: 'many' is not a whole number"  # for the state


def test_an_unknown_key_from_the_cli_with_lang_ko(tmp_path: Path) -> None:
    p = _config(tmp_path, "[table T]\ncursr = ID\n")
    done = _run(["status", "--config", str(p), "--lang", "ko"], {"LANG": "en_US.UTF-8"})
    assert done.returncode == 2
    assert done.stderr.startswith(f"tui-sync: 오류: {p}:table T:cursr: 알 수 없는 키입니다")


def test_an_unset_variable_from_the_cli_under_a_korean_locale(tmp_path: Path) -> None:
    p = _config(tmp_path, "[table T]\nwhere = ID > ${KO_CORE_UNSET}\n")
    done = _run(["status", "--config", str(p)], {"LANG": "ko_KR.UTF-8"})
    assert done.returncode == 2
    assert done.stderr.strip() == (f"tui-sync: 오류: {p}:table T:where: "
                                   "환경 변수 ${KO_CORE_UNSET}이(가) 설정되지 않았습니다")
    english = _run(["status", "--config", str(p), "--lang", "en"], {"LANG": "ko_KR.UTF-8"})
    assert english.stderr.strip() == (f"tui-sync: error: {p}:table T:where: "
                                      "${KO_CORE_UNSET} is not set")


@pytest.mark.parametrize(("cursor", "want"), [
    ("NOPE", "cursor: 컬럼 NOPE이(가) T에 없습니다"),
    ("PHOTO", "cursor: PHOTO (BLOB)은(는) 커서 컬럼이 될 수 없습니다. "
              "DATE, TIMESTAMP, NUMBER 또는 정렬 가능한 텍스트 컬럼을 쓰십시오"),
])
def test_a_bad_cursor_column_in_korean(tmp_path: Path, cursor: str, want: str) -> None:
    p = _config(tmp_path, f"[table T]\ncursor = {cursor}\n")
    done = _run(["sync", "T", "--config", str(p)], {"LANG": "ko_KR.UTF-8"})
    assert done.returncode == 2, done.stderr
    assert f"{p}:[table T]:{want}" in done.stderr, done.stderr


# -- the sync lock ---------------------------------------------------------------------

def test_a_held_lock_is_refused_in_korean_naming_its_holder(tmp_path: Path) -> None:
    p = _config(tmp_path, "[table T]\n")
    db = tmp_path / "t.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from tui_sync.target.lock import SyncLock
        with SyncLock({str(db)!r}, holder="cron", tables=["T"]):
            print("locked", flush=True)
            time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        done = _run(["sync", "T", "--config", str(p)], {"LANG": "ko_KR.UTF-8"})
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 3, done.stderr
    line = done.stderr.strip()
    assert line.startswith(f"tui-sync: 오류: 다른 동기화가 DuckDB 파일 {db}을(를) 잠그고 있습니다: "), line
    assert f"{socket.gethostname()}의 cron pid {holder.pid} (테이블 T, " in line and "부터)" in line
    # the refusal is recorded in history in English: the state tables are not translated
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        recorded = con.execute("SELECT status, error FROM tui_sync.runs").fetchall()
    finally:
        con.close()
    assert len(recorded) == 1 and recorded[0][0] == "skipped", recorded
    assert "cron" in recorded[0][1] and not any("\uac00" <= ch <= "\ud7a3" for ch in recorded[0][1])


def test_the_lock_message_in_process(tmp_path: Path, korean: None) -> None:
    db = tmp_path / "t.duckdb"
    with SyncLock(db, holder="tui", tables=["A", "B"]):
        with pytest.raises(LockHeldError) as info:
            SyncLock(db, holder="cli", tables=["A"], timeout=0).acquire()
    assert "다른 동기화가" in str(info.value) and "의 tui pid " in str(info.value)
    assert "(테이블 A, B, " in str(info.value)


# -- Oracle connect hints --------------------------------------------------------------

def _source(fake: FakeOracle, monkeypatch: pytest.MonkeyPatch) -> OracleSource:
    monkeypatch.setattr(oracle_mod, "_thick_args", None)
    monkeypatch.setenv("TUI_SYNC_ORACLE_PASSWORD", "pw-ko-core")
    cfg = SourceConfig(kind="oracle", dsn="dbhots:1521/ORCLPDB1", user="app")
    return OracleSource(cfg, driver=fake)


def test_an_unresolved_host_hint_in_korean(korean: None, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeOracle()
    fake.connect_errors.append(unresolvable_host("dbhots"))
    with pytest.raises(SourceError) as info:
        _source(fake, monkeypatch).connect()
    assert str(info.value) == ("dbhots:1521/ORCLPDB1에 연결할 수 없습니다: 호스트 이름 'dbhots'을(를) "
                               "찾을 수 없습니다 (Name or service not known). dsn의 호스트, DNS 또는 "
                               "/etc/hosts를 확인하십시오")


def test_ora_01017_hint_in_korean_keeps_its_code(korean: None,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeOracle()
    fake.connect_errors.append(ora_error("ORA-01017: invalid credential or not authorized; "
                                         "logon denied", 1017))
    with pytest.raises(SourceError) as info:
        _source(fake, monkeypatch).connect()
    msg = str(info.value)
    assert msg.startswith("ORA-01017: dbhots:1521/ORCLPDB1에서 Oracle이 사용자 APP의 로그인을 "
                          "거부했습니다"), msg
    assert "password_env" in msg and info.value.code == "ORA-01017"


def test_dpy_3010_hint_in_korean(korean: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from oracledb import errors

    fake = FakeOracle()
    fake.connect_errors.append(dpy_error(errors.ERR_SERVER_VERSION_NOT_SUPPORTED))
    with pytest.raises(SourceError) as info:
        _source(fake, monkeypatch).connect()
    assert str(info.value) == (
        "DPY-3010: thin 모드로는 이 버전의 Oracle 서버(Oracle 11.2 이하)에 연결할 수 없습니다. "
        "[source]에 mode = thick과 lib_dir = Oracle Instant Client 19 폴더를 설정하십시오")


def test_oracle_hints_stay_english_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeOracle()
    fake.connect_errors.append(unresolvable_host("dbhots"))
    with pytest.raises(SourceError, match=r"^cannot connect to dbhots:1521/ORCLPDB1: host name "
                                          r"'dbhots' does not resolve"):
        _source(fake, monkeypatch).connect()


# -- a sync that refuses wrong data ----------------------------------------------------

def test_a_decimal_overflow_refusal_in_korean_is_recorded_in_english(tmp_path: Path,
                                                                      korean: None) -> None:
    import duckdb

    from tui_sync.engine import Engine
    from tui_sync.events import Mode, Status

    src = tmp_path / "d.sqlite"
    with sqlite3.connect(src) as con:
        con.execute("CREATE TABLE D (ID INTEGER PRIMARY KEY, V NUMBER(3,1))")
        con.executemany("INSERT INTO D VALUES (?, ?)", [(1, 1.5), (2, 12345.5)])
    con.close()
    db = tmp_path / "t.duckdb"
    p = tmp_path / "c.ini"
    p.write_text(f"[source]\nkind = sqlite\npath = {src}\n[target]\npath = {db}\n[table D]\n",
                 encoding="utf-8")
    result = Engine(load_config(p)).run(["D"], Mode.FULL).results[0]
    assert result.status == Status.FAILED
    assert result.error == ("컬럼 V: 값을 DECIMAL(3,1)(으)로 변환할 수 없습니다: "
                            "값 12345.5의 정수 자릿수가 2자리를 넘습니다"), result.error
    con = duckdb.connect(str(db), read_only=True)
    try:
        recorded = con.execute("SELECT error FROM tui_sync.runs").fetchone()[0]
    finally:
        con.close()
    assert recorded == ("column V: cannot convert values to DECIMAL(3,1): value 12345.5 has more "
                        "than 2 integer digits"), recorded


def test_a_query_column_type_note_in_korean_keeps_its_english(tmp_path: Path,
                                                              korean: None) -> None:
    from tui_sync.i18n import english_of
    from tui_sync.sources.sqlite import SqliteSource

    src_path = tmp_path / "q.sqlite"
    with sqlite3.connect(src_path) as con:
        con.execute("CREATE TABLE T (ID INTEGER PRIMARY KEY, NOTE TEXT)")
        con.execute("INSERT INTO T VALUES (1, 'abc')")
    con.close()
    src = SqliteSource(src_path)
    with src:
        desc = src.describe_query("Q", "SELECT ID, length(NOTE) AS N FROM T")
    note = dict(desc.type_notes)["N"]
    assert note.startswith("선언된 타입 없음 (쿼리의 식이거나 타입 없이 선언된 컬럼): "), note
    assert english_of(note).startswith("no declared type (an expression in the query"), english_of(note)
