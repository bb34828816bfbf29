"""config_writer keeps the user's file intact while saving TUI settings."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import pytest

from tui_sync.config import SourceConfig, load_config
from tui_sync.config.write import PASSWORD_WARNING, save_source, save_table
from tui_sync.errors import ConfigError

ORIGINAL = """\
# my sync config: keep this comment
[source]
kind = sqlite                 ; oracle | sqlite
path = demo.sqlite            ; the demo file
lib_dir =
; a comment between keys

[target]
path = data/sync.duckdb

[sync]
batch_rows = 1000   ; small batches

[table EQUIPMENT_EVENTS]
; nightly
cursor = EVENT_TIME
column.VALUE_1 = DECIMAL(20,4)
lookback = 10 minutes

[table PRODUCTS]
target = products
"""


@pytest.fixture
def ini(tmp_path: Path) -> Path:
    p = tmp_path / "tui-sync.ini"
    p.write_text(ORIGINAL, encoding="utf-8")
    return p


def test_save_source_keeps_comments_inline_comments_and_unknown_lines(ini: Path) -> None:
    src = SourceConfig(kind="sqlite", path="other.sqlite", lib_dir="")
    cfg = save_source(ini, src, "out/new.duckdb")
    text = ini.read_text(encoding="utf-8")
    assert "# my sync config: keep this comment" in text
    assert "; a comment between keys" in text
    assert "batch_rows = 1000   ; small batches" in text
    # The changed value keeps its inline comment, in the same column.
    assert "path = other.sqlite           ; the demo file" in text
    assert "kind = sqlite                 ; oracle | sqlite" in text
    assert "lib_dir =" in text  # an existing empty key stays
    assert "dsn" not in text and "password_env" not in text  # defaults are not added
    assert cfg.source.path == "other.sqlite"
    assert cfg.target.path == "out/new.duckdb"
    assert cfg.sync.batch_rows == 1000
    assert cfg.tables["EQUIPMENT_EVENTS"].columns == {"VALUE_1": "DECIMAL(20,4)"}


def test_save_source_untouched_file_is_byte_identical(ini: Path) -> None:
    save_source(ini, SourceConfig(kind="sqlite", path="demo.sqlite"), "data/sync.duckdb")
    assert ini.read_text(encoding="utf-8") == ORIGINAL


def test_new_keys_go_after_the_last_key_not_after_blank_lines(ini: Path) -> None:
    src = SourceConfig(kind="oracle", dsn="db:1521/ORCL", user="SCOTT", path="demo.sqlite")
    save_source(ini, src, "data/sync.duckdb")
    lines = ini.read_text(encoding="utf-8").splitlines()
    start = lines.index("[source]")
    end = lines.index("[target]")
    body = lines[start + 1:end]
    assert body[-1] == ""  # the blank line before [target] is still last
    assert "dsn = db:1521/ORCL" in body and "user = SCOTT" in body
    cfg = load_config(ini)
    assert (cfg.source.kind, cfg.source.dsn, cfg.source.user) == ("oracle", "db:1521/ORCL", "SCOTT")


def test_password_is_never_written_unless_asked(ini: Path) -> None:
    src = SourceConfig(kind="sqlite", path="demo.sqlite", password="s3cret")
    save_source(ini, src, "data/sync.duckdb")
    assert "s3cret" not in ini.read_text(encoding="utf-8")


def test_a_password_is_written_only_when_asked_with_a_warning_and_a_private_file(ini: Path) -> None:
    ini.chmod(0o644)
    src = SourceConfig(kind="sqlite", path="demo.sqlite", password="s3cret")
    cfg = save_source(ini, src, "data/sync.duckdb", save_password=True)
    lines = ini.read_text(encoding="utf-8").splitlines()
    i = lines.index("password = s3cret")
    assert lines[i - 1] == f"# {PASSWORD_WARNING}"  # the warning sits right above it
    assert stat.S_IMODE(ini.stat().st_mode) == 0o600
    assert cfg.source.password == "s3cret"
    assert "# my sync config: keep this comment" in lines


def test_save_table_updates_existing_section_and_keeps_column_overrides(ini: Path) -> None:
    cfg = save_table(ini, "equipment_events", {
        "target": "events", "primary_key": "EVENT_ID", "cursor": "EVENT_TIME",
        "lookback": "", "where": "LINE = 'L1'", "schedule": "0 2 * * *",
    })
    text = ini.read_text(encoding="utf-8")
    assert "; nightly" in text
    assert "column.VALUE_1 = DECIMAL(20,4)" in text
    assert "lookback" not in text  # emptied: the default applies
    tc = cfg.tables["EQUIPMENT_EVENTS"]
    assert tc.target == "events" and tc.primary_key == ["EVENT_ID"]
    assert tc.where == "LINE = 'L1'" and tc.schedule == "0 2 * * *"
    assert tc.lookback is None
    assert text.count("[table EQUIPMENT_EVENTS]") == 1


def test_save_table_creates_a_section_with_a_blank_line_before_it(ini: Path) -> None:
    cfg = save_table(ini, "LOT_HISTORY", {"primary_key": "LOT_ID, STEP", "lookback": "1 day"})
    text = ini.read_text(encoding="utf-8")
    assert "\n\n[table LOT_HISTORY]\nprimary_key = LOT_ID, STEP\nlookback = 1 day\n" in text
    assert cfg.tables["LOT_HISTORY"].primary_key == ["LOT_ID", "STEP"]
    assert cfg.tables["LOT_HISTORY"].lookback == timedelta(days=1)


def test_save_table_with_nothing_set_does_not_add_an_empty_section(ini: Path) -> None:
    save_table(ini, "NEW_TABLE", {"target": "", "cursor": ""})
    assert ini.read_text(encoding="utf-8") == ORIGINAL


def test_korean_table_names_round_trip(ini: Path) -> None:
    cfg = save_table(ini, "설비_이벤트", {"target": "설비_이벤트_copy", "cursor": "발생시각"})
    assert "[table 설비_이벤트]" in ini.read_text(encoding="utf-8")
    assert cfg.tables["설비_이벤트"].target == "설비_이벤트_copy"
    assert cfg.tables["설비_이벤트"].cursor == "발생시각"


@pytest.mark.parametrize("value", ["A = 1 ; drop", "X = 'a' # b", "two\nlines"])
def test_values_the_loader_would_misread_are_refused(ini: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="where"):
        save_table(ini, "PRODUCTS", {"where": value})
    assert ini.read_text(encoding="utf-8") == ORIGINAL


def test_invalid_value_is_reported_with_the_user_file_name_and_nothing_written(ini: Path) -> None:
    with pytest.raises(ConfigError) as info:
        save_table(ini, "PRODUCTS", {"schedule": "every night"})
    assert str(info.value).startswith(f"{ini}:table PRODUCTS:schedule:")
    assert ini.read_text(encoding="utf-8") == ORIGINAL
    assert sorted(p.name for p in ini.parent.iterdir()) == ["tui-sync.ini"]


def test_save_source_creates_a_new_file(tmp_path: Path) -> None:
    p = tmp_path / "sub" / "new.ini"
    cfg = save_source(p, SourceConfig(kind="sqlite", path="/data/x.sqlite"), "x.duckdb")
    assert cfg.source.path == "/data/x.sqlite" and cfg.target.path == "x.duckdb"
    assert p.read_text(encoding="utf-8").startswith("; tui-sync configuration")


def test_save_source_refuses_an_incomplete_oracle_source(tmp_path: Path) -> None:
    p = tmp_path / "new.ini"
    with pytest.raises(ConfigError, match="dsn"):
        save_source(p, SourceConfig(kind="oracle", user="SCOTT"), "x.duckdb")
    assert not p.exists()
