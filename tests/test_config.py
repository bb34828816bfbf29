"""Config loading: values, defaults, and file:section:key errors."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tui_sync.config import find_config, load_config, parse_duration
from tui_sync.errors import ConfigError

GOOD = """; comment
[source]
kind = oracle
dsn = dbhost:1521/ORCLPDB1   ; inline comment
user = SCOTT
mode = thick
lib_dir = /opt/instantclient_19

[target]
path = data/sync.duckdb

[sync]
batch_rows = 20000
retries = 5
retry_backoff = 500 ms
timezone = Asia/Seoul

[table SALES.TRANSACTION_LOG]
target = transaction_log
primary_key = TRANS_ID, LINE_NO
cursor = TRAN_TIME
lookback = 10 minutes
where = FACTORY = 'F1'
schedule = 0 2 * * *
column.Amount = DECIMAL(20,4)

[table SEQ_TABLE]
cursor = SEQ
lookback = 100
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "c.ini"
    p.write_text(text, encoding="utf-8")
    return p


def test_good_config(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, GOOD))
    assert cfg.source.dsn == "dbhost:1521/ORCLPDB1" and cfg.source.mode == "thick"
    assert cfg.target_path() == tmp_path / "data" / "sync.duckdb"
    assert cfg.sync.batch_rows == 20000 and cfg.sync.retry_backoff == timedelta(milliseconds=500)
    t = cfg.tables["SALES.TRANSACTION_LOG"]
    assert t.primary_key == ["TRANS_ID", "LINE_NO"] and t.lookback == timedelta(minutes=10)
    assert t.where == "FACTORY = 'F1'" and t.schedule == "0 2 * * *"
    assert t.columns == {"Amount": "DECIMAL(20,4)"}
    assert cfg.tables["SEQ_TABLE"].lookback == Decimal(100)
    assert cfg.table("seq_table").cursor == "SEQ"
    assert cfg.table("OTHER").target_name() == "other"


def test_example_config_loads_and_matches_init_template() -> None:
    root = Path(__file__).resolve().parents[1]
    example = root / "config.example.ini"
    assert example.read_text() == (root / "tui_sync" / "config_template.ini").read_text()
    cfg = load_config(example)
    assert "SALES.TRANSACTION_LOG" in cfg.tables


@pytest.mark.parametrize(("old", "new", "where"), [
    ("batch_rows = 20000", "batch_rows = lots", ":sync:batch_rows: 'lots' is not a whole number"),
    ("batch_rows = 20000", "batch_rows = 0", ":sync:batch_rows: 0 is out of range"),
    ("retries = 5", "retries = -1", ":sync:retries:"),
    ("retry_backoff = 500 ms", "retry_backoff = soon", ":sync:retry_backoff: 'soon' is not a duration"),
    ("lookback = 10 minutes", "lookback = 10 fortnights",
     ":table SALES.TRANSACTION_LOG:lookback: unknown unit"),
    ("schedule = 0 2 * * *", "schedule = 0 25 * * *", ":table SALES.TRANSACTION_LOG:schedule:"),
    ("schedule = 0 2 * * *", "schedule = every night", ":table SALES.TRANSACTION_LOG:schedule:"),
    ("mode = thick", "mode = fast", ":source:mode: 'fast' is not one of thin, thick"),
    ("kind = oracle", "kind = mysql", ":source:kind:"),
    ("timezone = Asia/Seoul", "timezone = Mars/Base", ":sync:timezone:"),
    ("column.Amount = DECIMAL(20,4)", "column.Amount = DECIMAL(99,4)", ":column.Amount:"),
    ("user = SCOTT", "user = SCOTT\ncolour = blue", ":source:colour: unknown key"),
    ("[table SEQ_TABLE]", "[tables SEQ_TABLE]", ":tables SEQ_TABLE: unknown section"),
    ("dsn = dbhost:1521/ORCLPDB1   ; inline comment", "dsn =", ":source:dsn: required"),
])
def test_bad_values_name_file_section_key(tmp_path: Path, old: str, new: str, where: str) -> None:
    assert old in GOOD
    p = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(ConfigError) as err:
        load_config(p)
    msg = str(err.value)
    assert msg.startswith(str(p)) and where in msg and "\n" not in msg


def test_missing_sections_and_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=":source: missing section"):
        load_config(write(tmp_path, "[target]\npath = x.duckdb\n"))
    with pytest.raises(ConfigError, match=":target: missing section"):
        load_config(write(tmp_path, "[source]\nkind = sqlite\npath = a.sqlite\n"))
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.ini")
    with pytest.raises(ConfigError, match="c.ini"):
        load_config(write(tmp_path, "not an ini file"))


def test_find_config_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="no config file"):
        find_config(None)
    (tmp_path / "tui-sync.ini").write_text("x")
    assert find_config(None) == Path("tui-sync.ini")
    monkeypatch.setenv("TUI_SYNC_CONFIG", "/env/path.ini")
    assert find_config(None) == Path("/env/path.ini")
    assert find_config("given.ini") == Path("given.ini")


def test_durations() -> None:
    assert parse_duration("2h") == timedelta(hours=2)
    assert parse_duration("1.5 days") == timedelta(days=1.5)
    with pytest.raises(ValueError):
        parse_duration("10")


def test_saved_password_is_used_and_loose_permissions_warn(tmp_path: Path) -> None:
    p = write(tmp_path, GOOD.replace("user = SCOTT", "user = SCOTT\npassword = tiger"))
    p.chmod(0o644)
    cfg = load_config(p)
    assert cfg.source.resolve_password() == "tiger"
    assert len(cfg.warnings) == 1 and "chmod 600" in cfg.warnings[0] and "tiger" not in cfg.warnings[0]
    assert "tiger" not in repr(cfg.source)
    p.chmod(0o600)
    assert load_config(p).warnings == []
    p2 = write(tmp_path, GOOD)
    p2.chmod(0o644)
    assert load_config(p2).warnings == []


# -- issue 9 item 11: two sections must never share a target or a source table -------------

BASE = "[source]\nkind = oracle\ndsn = db/ORCL\nuser = SCOTT\n[target]\npath = t.duckdb\n"


@pytest.mark.parametrize(("tables", "section", "key", "other"), [
    # explicit targets equal
    ("[table A]\ntarget = events\n[table B]\ntarget = events\n", "table B", "target", "[table A]"),
    # DuckDB names are case-insensitive: Events and events are one table
    ("[table A]\ntarget = Events\n[table B]\ntarget = events\n", "table B", "target", "[table A]"),
    # two owners' EVENTS both default to the target events
    ("[table A.EVENTS]\n[table B.EVENTS]\n", "table B.EVENTS", "target", "[table A.EVENTS]"),
    # an explicit target equal to another section's default
    ("[table EVENTS]\n[table OTHER]\ntarget = events\n", "table OTHER", "target", "[table EVENTS]"),
])
def test_two_sections_with_one_target_are_refused(tmp_path: Path, tables: str, section: str,
                                                   key: str, other: str) -> None:
    p = write(tmp_path, BASE + tables)
    with pytest.raises(ConfigError) as err:
        load_config(p)
    msg = str(err.value)
    assert msg.startswith(f"{p}:{section}:{key}: ") and other in msg and "\n" not in msg


@pytest.mark.parametrize(("tables", "section", "other"), [
    # unquoted names are one Oracle table whatever their case, even with their own targets
    ("[table EVENTS]\ntarget = ev_a\n[table events]\ntarget = ev_b\n", "table events", "[table EVENTS]"),
    ("[table SCOTT.EMP]\ntarget = a\n[table scott.Emp]\ntarget = b\n", "table scott.Emp",
     "[table SCOTT.EMP]"),
    ('[table EMP]\ntarget = a\n[table "EMP"]\ntarget = b\n', 'table "EMP"', "[table EMP]"),
])
def test_one_source_table_named_twice_is_refused(tmp_path: Path, tables: str, section: str,
                                                  other: str) -> None:
    p = write(tmp_path, BASE + tables)
    with pytest.raises(ConfigError) as err:
        load_config(p)
    msg = str(err.value)
    assert msg.startswith(f"{p}:{section}:") and other in msg and "\n" not in msg


def test_distinct_sources_and_targets_load(tmp_path: Path) -> None:
    # a quoted mixed-case name is another Oracle table than the unquoted one (its own target:
    # DuckDB would fold "Events" onto events)
    cfg = load_config(write(tmp_path, BASE + '[table EVENTS]\n[table "Events"]\ntarget = events_mixed\n'
                            "[table A.EVENTS]\ntarget = a_events\n"))
    assert sorted(tc.target_name() for tc in cfg.tables.values()) == ["a_events", "events",
                                                                        "events_mixed"]


def test_sqlite_owner_prefix_names_the_same_table(tmp_path: Path) -> None:
    # SQLite has no owners (MAIN.EVENTS is EVENTS) and folds the case of every name
    text = ("[source]\nkind = sqlite\npath = s.sqlite\n[target]\npath = t.duckdb\n"
            '[table EVENTS]\n[table MAIN."events"]\ntarget = other\n')
    with pytest.raises(ConfigError, match=r':table MAIN."events": .*\[table EVENTS\]'):
        load_config(write(tmp_path, text))


def test_tui_save_onto_another_sections_target_is_refused_and_file_kept(tmp_path: Path) -> None:
    from tui_sync.config.write import save_table

    p = write(tmp_path, BASE + "[table A.EVENTS]\n")
    before = p.read_text()
    with pytest.raises(ConfigError, match=r":table B.EVENTS:target: .*\[table A.EVENTS\]") as err:
        save_table(p, "B.EVENTS", {"cursor": "TS"})
    assert str(p) in str(err.value) and p.read_text() == before
