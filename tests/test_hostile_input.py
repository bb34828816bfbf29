"""Hostile input: odd identifiers, names not in the dictionary, bad config values, passwords.

Every case ends in a correct sync or a clean one-line error - never a traceback,
never SQL built from a name the dictionary did not give us, never a password in
logs, state, --json output or a saved config.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as hs

from tests.conftest import env_with_home, make_sqlite, scratch_dir, target_of, target_section
from tests.oracle_fake import FakeColumn, FakeOracle, FakeTable
from tui_sync import target
from tui_sync.config import SourceConfig, check_permissions, load_config
from tui_sync.config import load as config_mod
from tui_sync.config.write import save_source, save_table
from tui_sync.engine import Engine
from tui_sync.errors import ConfigError, TuiSyncError, UnknownTableError
from tui_sync.events import Mode, Status
from tui_sync.services.verify import verify_table
from tui_sync.sources.oracle import OracleSource
from tui_sync.sources.sqlite import SqliteSource, format_timestamp, quote
from tui_sync.target import Target

SCRIPT = str(Path(sys.executable).parent / "tui-sync")
T0 = datetime(2026, 2, 1, 9, 0, 0)

# The tests that write a target run on a DuckDB file and on a DuckLake; config parsing and
# the source's own refusals are left alone.
on_both_targets = pytest.mark.usefixtures("target_kind")


def one_line(text: str) -> bool:
    """One line on a terminal: no line feed or carriage return inside."""
    return bool(text.strip()) and "\n" not in text.strip("\n") and "\r" not in text


def sqlite_config(tmp_path: Path, source: Path, tables: str = "", sync: str = "",
                  name: str = "c.ini") -> Path:
    p = tmp_path / name
    p.write_text(f"[source]\nkind = sqlite\npath = {source}\n\n[target]\n{target_section()}\n"
                 + (f"[sync]\n{sync}\n\n" if sync else "") + tables, encoding="utf-8")
    return p


# -- reserved words, quotes, spaces, mixed case, Korean ------------------------------------------

HOSTILE_COLUMNS = ["SELECT", "ORDER", "LEVEL", "DATE", "Mixed Case", 'with "quote"', "공정 시각"]


def hostile_table(path: Path, table: str, n: int) -> None:
    c = [quote(x) for x in HOSTILE_COLUMNS]
    make_sqlite(path, f"""CREATE TABLE {quote(table)} ({c[0]} NUMBER(10) PRIMARY KEY, {c[1]} VARCHAR2(10),
        {c[2]} NUMBER(5,2), {c[3]} TIMESTAMP(6) NOT NULL, {c[4]} VARCHAR2(20), {c[5]} NUMBER(4),
        {c[6]} DATE);""")
    put_hostile(path, table, range(1, n + 1))


def put_hostile(path: Path, table: str, ids, ts: datetime | None = None, tag: str = "v") -> None:
    con = sqlite3.connect(path)
    con.executemany(
        f"INSERT OR REPLACE INTO {quote(table)} VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(i, f"{tag}{i}", f"{i % 1000}.25", format_timestamp(ts or T0 + timedelta(seconds=i)),
          f"대소문자 {tag}", i % 97, (T0 + timedelta(days=i % 5)).strftime("%Y-%m-%d %H:%M:%S"))
         for i in ids])
    con.commit()
    con.close()


def source_rows(path: Path, table: str) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        rows = con.execute(f"SELECT * FROM {quote(table)} ORDER BY 1").fetchall()
    finally:
        con.close()
    return [(r[0], r[1], f"{float(r[2]):.2f}", datetime.fromisoformat(r[3]), r[4], r[5],
             datetime.fromisoformat(r[6])) for r in rows]


def target_rows(db: Target, table: str) -> list[tuple]:
    con = target.connect(db, create=False)
    try:
        rows = con.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()
    finally:
        con.close()
    return [(r[0], r[1], f"{r[2]:.2f}", r[3], r[4], r[5], r[6]) for r in rows]


@on_both_targets
@pytest.mark.parametrize("table, section", [
    ("ORDER", "ORDER"),
    ("Level Items 설비", '"Level Items 설비"'),
    ("select", '"select"'),
])
def test_hostile_names_sync_full_then_incremental(tmp_path: Path, table: str, section: str) -> None:
    src = tmp_path / "s.sqlite"
    hostile_table(src, table, 300)
    ini = sqlite_config(tmp_path, src, f"[table {section}]\nprimary_key = SELECT\ncursor = DATE\n"
                        "lookback = 30 seconds\n", sync="batch_rows = 64")
    cfg = load_config(ini)
    first = Engine(cfg).run([section], Mode.AUTO).results[0]
    assert first.status == Status.OK and first.mode == Mode.FULL, first.error
    table_name = first.table
    con = target.connect(target_of(cfg), create=False)
    names = [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
        [table_name]).fetchall()]
    con.close()
    assert names == ["select", "order", "level", "date", "Mixed Case", 'with "quote"', "공정 시각"]
    assert target_rows(target_of(cfg), table_name) == source_rows(src, table)
    # updates inside the lookback, new rows, a new row at the old watermark
    put_hostile(src, table, [295, 300], tag="upd")
    put_hostile(src, table, range(301, 341))
    put_hostile(src, table, [341], ts=T0 + timedelta(seconds=300))
    second = Engine(cfg).run([section], Mode.AUTO).results[0]
    assert second.status == Status.OK and second.mode == Mode.INCREMENTAL, second.error
    got = target_rows(target_of(cfg), table_name)
    assert got == source_rows(src, table) and len({r[0] for r in got}) == 341
    assert verify_table(cfg, section).ok
    plan = Engine(cfg).plan(section)  # the printed SQL quotes every name
    sql = plan.sql["incremental"][0]
    for col in HOSTILE_COLUMNS:
        assert quote(col) in sql


@on_both_targets
def test_a_table_name_with_a_double_quote_can_be_configured(tmp_path: Path) -> None:
    src = tmp_path / "s.sqlite"
    hostile_table(src, 'Order "Items"', 50)
    ini = sqlite_config(tmp_path, src, '[table "Order ""Items"""]\ncursor = DATE\nprimary_key = SELECT\n')
    cfg = load_config(ini)
    assert Engine(cfg).run(['"Order ""Items"""'], Mode.FULL).ok
    assert Engine(cfg).run(['"Order ""Items"""'], Mode.AUTO).results[0].mode == Mode.INCREMENTAL


@on_both_targets
def test_target_name_of_a_quoted_table_name_is_unescaped(tmp_path: Path) -> None:
    src = tmp_path / "s.sqlite"
    hostile_table(src, 'a.b "c"', 10)
    cfg = load_config(sqlite_config(tmp_path, src))
    result = Engine(cfg).run(['"a.b ""c"""'], Mode.FULL).results[0]
    assert result.status == Status.OK
    # one table named `a.b "c"` in the default schema; its text form quotes it (it holds a
    # dot, which would otherwise read as SCHEMA.TABLE: config/names.py)
    assert result.table == '"a.b ""c"""'
    con = target.connect(target_of(cfg))
    try:
        assert con.execute("SELECT schema_name FROM duckdb_tables() WHERE table_name = ?",
                           ['a.b "c"']).fetchall() == [("main",)]
    finally:
        con.close()


# -- names not in the dictionary ------------------------------------------------------------------

class RecordingSqlite(SqliteSource):
    """The SQLite source, recording every statement it sends."""

    executed: list[str] = []

    def _execute(self, sql: str, binds: dict[str, Any] | None = None) -> sqlite3.Cursor:
        RecordingSqlite.executed.append(sql)
        return super()._execute(sql, binds)


BAD_NAMES = ['NO_SUCH"; DROP TABLE EV; --', "EV; DROP TABLE EV", 'EV" --', "EV' OR '1'='1",
             "x.y.EV_nope", '"EV ""x"""', "  ", "EVX"]


@on_both_targets
@pytest.mark.parametrize("bad", BAD_NAMES)
def test_unknown_table_is_refused_before_any_sql_is_built_from_it(tmp_path: Path, bad: str) -> None:
    src = tmp_path / "s.sqlite"
    make_sqlite(src, "CREATE TABLE EV (ID NUMBER(5) PRIMARY KEY, V VARCHAR2(5));",
                [("INSERT INTO EV VALUES (?, ?)", [(1, "a")])])
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    cfg = load_config(sqlite_config(tmp_path, src))
    RecordingSqlite.executed = []

    def factory() -> SqliteSource:
        return RecordingSqlite(src)

    with pytest.raises(UnknownTableError) as err:
        Engine(cfg, source_factory=factory).run([bad], Mode.FULL)
    assert one_line(str(err.value))
    with pytest.raises(UnknownTableError):
        Engine(cfg, source_factory=factory).plan(bad)
    with pytest.raises(UnknownTableError):
        verify_table(cfg, bad, source_factory=factory)
    assert RecordingSqlite.executed, "the recorder saw nothing: the test would prove nothing"
    for sql in RecordingSqlite.executed:
        # only dictionary look-ups ran: the name was compared in Python, never put in SQL
        assert "sqlite_master" in sql and "DROP" not in sql.upper(), sql
        for fragment in {bad.strip(), bad.strip().replace('"', '""')} - {""}:
            assert fragment not in sql, sql
    assert not target_of(cfg).exists()  # nothing written
    assert hashlib.sha256(src.read_bytes()).hexdigest() == digest


def test_unknown_table_error_with_a_line_break_in_the_name_is_one_line(tmp_path: Path) -> None:
    src = make_sqlite(tmp_path / "s.sqlite", "CREATE TABLE EV (ID NUMBER(5));")
    cfg = load_config(sqlite_config(tmp_path, src))
    with pytest.raises(UnknownTableError) as err:
        Engine(cfg).run(["ev\nDROP"], Mode.FULL)
    assert one_line(str(err.value))


def test_unknown_table_exit_code_2_from_the_cli(tmp_path: Path) -> None:
    src = tmp_path / "s.sqlite"
    make_sqlite(src, "CREATE TABLE EV (ID NUMBER(5));")
    ini = sqlite_config(tmp_path, src)
    for bad in ['NO_SUCH"; DROP TABLE EV; --', "EV' OR 1=1 --"]:
        for cmd in (["sync", bad], ["plan", bad]):
            r = subprocess.run([SCRIPT, *cmd, "--config", str(ini)], capture_output=True, text=True,
                               env=env_with_home(tmp_path / "home"), timeout=60, stdin=subprocess.DEVNULL)
            assert r.returncode == 2, r.stderr
            assert one_line(r.stderr) and r.stderr.startswith("tui-sync: error:") and "not found" in r.stderr
    con = sqlite3.connect(src)
    assert con.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'EV'").fetchone()[0] == 1
    con.close()


def test_oracle_unknown_table_name_only_ever_travels_as_a_bind() -> None:
    fake = FakeOracle([FakeTable("APP", "EV", [FakeColumn("ID", "NUMBER", 5, 0)], _one_id(), ["ID"])])
    src = OracleSource(SourceConfig(kind="oracle", dsn="db/x", user="app", password="s3cret-Passw0rd"),
                       driver=fake)
    with src:
        for bad in ["NO_SUCH_TABLE", "APP.NOPE", "Mixed Nope", "APP.\"EV\" WHERE 1=1", 'EV"; DROP TABLE X --']:
            with pytest.raises(UnknownTableError):
                src.describe(bad)
    assert fake.calls
    for sql, _binds in fake.calls:
        for fragment in ("NO_SUCH", "NOPE", "Nope", "1=1", "DROP"):
            assert fragment not in sql, sql


def _one_id():
    import pyarrow as pa

    return pa.table({"ID": pa.array([1], pa.int64())})


# -- config values: a clean file:section:key error or a config, never anything else ----------------

BASE_SECTIONS: dict[str, dict[str, str]] = {
    "source": {"kind": "sqlite", "path": "s.sqlite"},
    "target": {"path": "t.duckdb"},
    "sync": {"batch_rows": "1000"},
    "table APP.EV": {"cursor": "TS", "primary_key": "ID"},
}
KEYS = ([("source", k) for k in sorted(config_mod._SOURCE_KEYS)]
        + [("target", k) for k in sorted(config_mod._TARGET_KEYS)]
        + [("sync", k) for k in sorted(config_mod._SYNC_KEYS)]
        + [("table APP.EV", k) for k in sorted(config_mod._TABLE_KEYS)]
        + [("table APP.EV", "column.AMOUNT")])
TRICKY = ["", " ", "0", "-1", "1.5", "1e400", "99999999999999999999999", "1e9 hours", "10 parsecs", "inf", "-0", "true", "maybe", "* * * * * *", "61 * * * *",
          "0 2 * * *", "../../etc/passwd", "UTC", "Mars/Olympus", "%(x)s", "${HOME}",
          "DECIMAL(99,2)", "DECIMAL(2,9)", "DECIMAL(38,10)", "A,,B", ",", "\x00", "\ufeff", "é" * 5,
          "1_000", "0x10", "１２３", "2 weeks", "0.0001 ms", "-5 minutes", "oracle", "thick",
          "\"quoted\"", "x ; comment", "a # b", "\t", "\u2028", "\x0b"]
VALUES = hs.one_of(hs.sampled_from(TRICKY),
                   hs.text(alphabet=hs.characters(blacklist_characters="\r\n",
                                                  blacklist_categories=("Cs",)), max_size=25))


def render(sections: dict[str, dict[str, str]]) -> str:
    out = []
    for name, values in sections.items():
        out.append(f"[{name}]")
        out += [f"{k} = {v}" for k, v in values.items()]
        out.append("")
    return "\n".join(out)


def check_config_text(text: str, section: str | None, key: str | None) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "cfg.ini"
        p.write_text(text, encoding="utf-8")
        try:
            load_config(p)
        except ConfigError as exc:
            msg = str(exc)
            assert one_line(msg), repr(msg)
            assert msg.startswith(f"{p}:"), msg
            if section is not None and key is not None and "required" not in msg:
                assert msg.startswith(f"{p}:{section}:{key}: "), msg
        # any other exception type escapes and fails the test


@settings(max_examples=300, deadline=None)
@given(target=hs.sampled_from(KEYS), value=VALUES)
@example(target=("source", "call_timeout"), value="1e9 hours")
@example(target=("sync", "timezone"), value="../../etc/passwd")
@example(target=("sync", "timezone"), value="UTC\x00")
@example(target=("table APP.EV", "schedule"), value="* * * * * *")
def test_every_config_value_gives_a_config_or_a_clean_error(target: tuple[str, str], value: str) -> None:
    section, key = target
    sections = {s: dict(v) for s, v in BASE_SECTIONS.items()}
    sections[section][key] = value
    check_config_text(render(sections), section, key)


@pytest.mark.parametrize("target, value", [
    (("sync", "retry_backoff"), "99999999999999999999 days"),
    (("table APP.EV", "lookback"), "99999999999999999999 days"),
    (("source", "call_timeout"), "99999999999999999999 weeks"),
    (("sync", "timezone"), "America"),
    (("sync", "timezone"), "Europe"),
    (("table APP.EV", "lookback"), "nan"),
    (("table APP.EV", "lookback"), "sNaN"),
])
def test_known_bad_values_give_a_clean_error(target: tuple[str, str], value: str) -> None:
    section, key = target
    sections = {s: dict(v) for s, v in BASE_SECTIONS.items()}
    sections[section][key] = value
    check_config_text(render(sections), section, key)


@settings(max_examples=100, deadline=None)
@given(section=hs.sampled_from(["source", "target", "sync", "table APP.EV"]),
       key=hs.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,15}", fullmatch=True), value=VALUES)
def test_unknown_keys_are_named(section: str, key: str, value: str) -> None:
    known = {k for s, k in KEYS if s == section}
    if key.lower() in known or key.lower().startswith("column."):
        return
    sections = {s: dict(v) for s, v in BASE_SECTIONS.items()}
    sections[section][key] = value
    check_config_text(render(sections), section, key.lower())


@settings(max_examples=100, deadline=None)
@given(name=hs.text(alphabet=hs.characters(blacklist_characters="\r\n[]", blacklist_categories=("Cs",)),
                    min_size=1, max_size=20))
def test_table_section_names_give_a_config_or_a_clean_error(name: str) -> None:
    sections = {s: dict(v) for s, v in BASE_SECTIONS.items() if not s.startswith("table")}
    sections[f"table {name}"] = {"cursor": "TS"}
    check_config_text(render(sections), None, None)


@pytest.mark.parametrize("drop", ["source", "target"])
def test_missing_sections_are_named(drop: str) -> None:
    sections = {s: dict(v) for s, v in BASE_SECTIONS.items() if s != drop}
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "cfg.ini"
        p.write_text(render(sections), encoding="utf-8")
        with pytest.raises(ConfigError, match=rf"^{re.escape(str(p))}:{drop}: missing section"):
            load_config(p)


# -- identifiers: odd table and column names sync and round-trip, or fail cleanly -----------------

NAME_CHARS = hs.one_of(
    hs.sampled_from(list('"\' .;-[]`$#%&*()=+,<>?/\\|~^!@{}') + ["설", "비", "é", "ß", "Σ", "İ", "ﬁ"]),
    hs.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)))
NAMES = hs.text(alphabet=NAME_CHARS, min_size=1, max_size=10)


def _quoted_arg(name: str) -> str:
    plain = not re.search(r'[."]', name) and name == name.strip()
    return name if plain else '"' + name.replace('"', '""') + '"'


def _sqlite_table(path: Path, table: str, cols: list[str]) -> bool:
    con = sqlite3.connect(path)
    try:
        con.execute(f"CREATE TABLE {quote(table)} ({quote(cols[0])} NUMBER(10) PRIMARY KEY, "
                    f"{quote(cols[1])} VARCHAR2(20), {quote(cols[2])} TIMESTAMP(6))")
        con.executemany(f"INSERT INTO {quote(table)} VALUES (?, ?, ?)",
                        [(i, f"v{i}", format_timestamp(T0 + timedelta(seconds=i))) for i in range(1, 21)])
        con.commit()
        return True
    except sqlite3.Error:
        return False  # SQLite itself refuses such a table (say, duplicate column names)
    finally:
        con.close()


def _round_trip(cfg, arg: str, expected_ids: list[int]) -> None:
    result = Engine(cfg).run([arg], Mode.AUTO).results[0]
    if result.status != Status.OK:
        assert result.error and one_line(result.error), result
        return
    plan = Engine(cfg).plan(arg).plan
    included = [c for c in plan.columns if not c.skipped]
    assert all(c.warning for c in plan.columns if c.skipped)  # a skipped column is reported
    con = target.connect(target_of(cfg), create=False)
    try:
        cols = ", ".join('"' + c.target_name.replace('"', '""') + '"' for c in included)
        t = target.tref(result.table)  # the text form: a name holding a dot is quoted
        rows = con.execute(f"SELECT {cols} FROM {t} ORDER BY 1").fetchall()
    finally:
        con.close()
    by_position = {c.source.position: i for i, c in enumerate(included)}
    for n, row in zip(expected_ids, rows, strict=True):
        if 1 in by_position:
            assert row[by_position[1]] == n
        if 2 in by_position:
            assert row[by_position[2]] == f"v{n}"
        if 3 in by_position:
            assert row[by_position[3]] == T0 + timedelta(seconds=n)


# An example costs several times as much on a lake (up to four syncs, each asking the SQLite
# catalog per statement and committing snapshots): the lake gets fewer generated examples,
# and the same five explicit ones.
IDENTIFIER_EXAMPLES = {"duckdb": 25, "ducklake": 3}
EXPLICIT = [('Order "Items"', ["SELECT", "LEVEL", "DATE"]), ("a.b", ["x y", 'q"q', "공정"]),
            ("T", ["É", "é", "ts"]), ("T", ["a", "A\u0301", "\u00c1"]),
            ("tab\tle", ["line\nbreak", "b", "c"])]


@on_both_targets
def test_any_identifiers_round_trip_or_fail_cleanly(target_kind: str) -> None:
    check = given(table=NAMES, cols=hs.lists(NAMES, min_size=3, max_size=3,  # SQLite: ASCII case-insensitive
                                             unique_by=lambda s: s.encode().lower()))(_identifiers)
    for table, cols in reversed(EXPLICIT):
        check = example(table=table, cols=cols)(check)
    settings(max_examples=IDENTIFIER_EXAMPLES[target_kind], deadline=None,
             suppress_health_check=[HealthCheck.too_slow])(check)()


def _identifiers(table: str, cols: list[str]) -> None:
    with scratch_dir() as tmp:
        src = tmp / "s.sqlite"
        if not _sqlite_table(src, table, cols):
            return
        arg = _quoted_arg(table)
        try:
            cfg = load_config(sqlite_config(tmp, src))
            _round_trip(cfg, arg, list(range(1, 21)))
        except TuiSyncError as exc:
            assert one_line(str(exc)), repr(str(exc))
        # with a section: key and cursor configured, then an incremental run
        if '"' in table or "]" in table:
            return
        section = (f'[table "{table}"]\nprimary_key = {cols[0]}\ncursor = {cols[2]}\n'
                   "lookback = 0 seconds\n")
        try:
            cfg = load_config(sqlite_config(tmp, src, section, name="with-section.ini"))
        except ConfigError as exc:
            assert one_line(str(exc)), repr(str(exc))
            return
        key = next(iter(cfg.tables))
        try:
            _round_trip(cfg, key, list(range(1, 21)))
            con = sqlite3.connect(src)
            con.execute(f"INSERT INTO {quote(table)} VALUES (21, 'v21', ?)",
                        [format_timestamp(T0 + timedelta(seconds=21))])
            con.commit()
            con.close()
            _round_trip(cfg, key, list(range(1, 22)))
        except TuiSyncError as exc:
            assert one_line(str(exc)), repr(str(exc))


# -- passwords --------------------------------------------------------------------------------------

MARKER = "Pw-MARKER-7f3a9c"


def oracle_config(tmp_path: Path, extra_source: str = "") -> Path:
    p = tmp_path / "oracle.ini"
    # port 1 on localhost: the connection is refused at once, and the failure is recorded
    p.write_text("[source]\nkind = oracle\ndsn = 127.0.0.1:1/NOPE\nuser = scott\n" + extra_source +
                 f"\n[target]\n{target_section()}\n[sync]\nretries = 0\n\n"
                 "[table SCOTT.EMP]\ncursor = HIREDATE\n", encoding="utf-8")
    os.chmod(p, 0o600)
    return p


def all_text_under(folder: Path) -> str:
    out = []
    for f in folder.rglob("*"):
        if f.is_file() and f.suffix not in (".duckdb", ".wal"):
            out.append(f.read_bytes().decode("utf-8", errors="replace"))
    return "\n".join(out)


def state_dump(db: Target) -> str:
    con = target.connect(db, create=False)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'tui_sync'").fetchall()]
        assert "runs" in tables
        return "\n".join(repr(con.execute(f'SELECT * FROM tui_sync."{t}"').fetchall()) for t in tables)
    finally:
        con.close()


@on_both_targets
@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_the_password_appears_in_no_log_state_json_or_saved_config(tmp_path: Path, debug: bool) -> None:
    ini = oracle_config(tmp_path)
    home = tmp_path / "home"
    env = env_with_home(home)
    env["TUI_SYNC_ORACLE_PASSWORD"] = MARKER
    flags = ["--debug"] if debug else []
    outputs = []
    for cmd in (["sync", "SCOTT.EMP", "--json"], ["status", "--json"], ["history", "--json"],
                ["tables", "--json"], ["plan", "SCOTT.EMP", "--json"]):
        r = subprocess.run([SCRIPT, *cmd, "--config", str(ini), *flags], capture_output=True, text=True,
                           env=env, timeout=60, stdin=subprocess.DEVNULL)
        outputs.append(r.stdout + r.stderr)
        if cmd[0] == "sync":
            assert r.returncode == 1, r.stderr
            doc = json.loads(r.stdout)
            assert doc["results"][0]["status"] == "failed" and "DPY-" in doc["results"][0]["error"]
    for text in outputs:
        assert MARKER not in text
    logs = all_text_under(home)
    assert "connecting to Oracle" in logs  # the log was written: the check below means something
    assert MARKER not in logs
    db = target_of(load_config(ini))
    dump = state_dump(db)
    assert "DPY-" in dump and MARKER not in dump
    # the DuckDB file, or the lake's catalog (its Parquet files: all_text_under below)
    assert MARKER not in db.anchor.read_bytes().decode("latin-1")
    assert MARKER not in all_text_under(tmp_path)


def test_saving_settings_never_writes_a_session_password(tmp_path: Path) -> None:
    ini = oracle_config(tmp_path)
    cfg = load_config(ini)
    cfg.source.password = MARKER  # typed in the TUI for this session
    assert MARKER not in repr(cfg) and MARKER not in str(cfg.source)
    save_source(ini, cfg.source, "t.duckdb")
    save_table(ini, "SCOTT.EMP", {"lookback": "5 minutes", "target": "emp_copy"})
    text = ini.read_text(encoding="utf-8")
    assert "emp_copy" in text and MARKER not in text and "password =" not in text


def test_a_password_in_the_config_file_is_never_echoed(tmp_path: Path) -> None:
    ini = oracle_config(tmp_path, extra_source=f"password = {MARKER}\n")
    home = tmp_path / "home"
    r = subprocess.run([SCRIPT, "sync", "SCOTT.EMP", "--json", "--config", str(ini)], capture_output=True,
                       text=True, env=env_with_home(home), timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode in (1, 2) and "Traceback" not in r.stderr
    assert MARKER not in r.stdout + r.stderr
    assert MARKER not in all_text_under(home)
    if (tmp_path / "t.duckdb").exists():
        assert MARKER not in state_dump(tmp_path / "t.duckdb")


def test_check_permissions_warns_about_a_readable_file_holding_a_password(tmp_path: Path) -> None:
    ini = oracle_config(tmp_path, extra_source=f"password = {MARKER}\n")
    os.chmod(ini, 0o644)
    warning = check_permissions(ini)
    assert warning and str(ini) in warning and MARKER not in warning and one_line(warning)
    os.chmod(ini, 0o640)
    assert check_permissions(ini)
    os.chmod(ini, 0o600)
    assert check_permissions(ini) is None
    (tmp_path / "plain").mkdir()
    plain = oracle_config(tmp_path / "plain")
    os.chmod(plain, 0o644)
    assert check_permissions(plain) is None  # no password in it: nothing to warn about
    (tmp_path / "env").mkdir()
    named = oracle_config(tmp_path / "env", extra_source="password_env = MY_PW\n")
    os.chmod(named, 0o644)
    assert check_permissions(named) is None  # only the NAME of a variable: not a secret


def test_the_cli_prints_the_permission_warning(tmp_path: Path) -> None:
    ini = oracle_config(tmp_path, extra_source=f"password = {MARKER}\n")
    os.chmod(ini, 0o644)
    r = subprocess.run([SCRIPT, "status", "--config", str(ini)], capture_output=True, text=True,
                       env=env_with_home(tmp_path / "home"), timeout=60, stdin=subprocess.DEVNULL)
    assert "warning" in r.stderr and "chmod 600" in r.stderr and MARKER not in r.stderr + r.stdout
