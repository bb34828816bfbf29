"""`${NAME}` in config values: read from the environment before each value's own parser;
an unset variable is a file:section:key error; `$$` is a literal `$`; the TUI's writer
keeps `${...}` as written when the field was not changed (never writes the secret back)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui_sync.config import load_config
from tui_sync.config.write import save_source, save_table
from tui_sync.errors import ConfigError

CONFIG = """\
[source]
kind = oracle
dsn = ${DB_HOST}:1521/${DB_SERVICE}   ; from the environment
user = ${DB_USER}
password = ${DB_PASSWORD}

[target]
path = ${DATA_DIR}/sync.duckdb

[sync]
batch_rows = ${BATCH}

[table SALES.V$LOG]
cursor = ${CURSOR_COL}
where = NOTE <> 'a$$b' AND CODE LIKE 'X$%'
lookback = ${LOOKBACK}
"""

ENV = {"DB_HOST": "db1", "DB_SERVICE": "ORCLPDB1", "DB_USER": "SCOTT", "DB_PASSWORD": "s3cr$t",
       "DATA_DIR": "/srv/data", "BATCH": "2000", "CURSOR_COL": "TRAN_TIME", "LOOKBACK": "10 minutes"}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    return ENV


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "c.ini"
    p.write_text(text, encoding="utf-8")
    p.chmod(0o600)
    return p


def test_values_read_the_environment_before_their_parsers(tmp_path: Path, env: dict) -> None:
    cfg = load_config(write(tmp_path, CONFIG))
    assert cfg.source.dsn == "db1:1521/ORCLPDB1" and cfg.source.user == "SCOTT"
    assert cfg.source.resolve_password() == "s3cr$t"  # the variable's text is not read again
    assert str(cfg.target_path()) == "/srv/data/sync.duckdb"
    assert cfg.sync.batch_rows == 2000  # parsed as a number after interpolation
    t = cfg.tables["SALES.V$LOG"]  # section names are not values: kept as written
    assert t.cursor == "TRAN_TIME" and t.lookback is not None and t.lookback.total_seconds() == 600
    # $$ is one literal $; a lone $ (Oracle's V$ views, LIKE 'X$%') stays as it is
    assert t.where == "NOTE <> 'a$b' AND CODE LIKE 'X$%'"


def test_unset_variable_names_file_section_key_and_variable(tmp_path: Path, env: dict,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CURSOR_COL")
    p = write(tmp_path, CONFIG)
    with pytest.raises(ConfigError) as err:
        load_config(p)
    assert str(err.value) == f"{p}:table SALES.V$LOG:cursor: ${{CURSOR_COL}} is not set"


def test_a_secret_is_never_in_an_error_message(tmp_path: Path, env: dict,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BATCH", "lots-of-secret")
    p = write(tmp_path, CONFIG)
    with pytest.raises(ConfigError) as err:
        load_config(p)
    # the parser's complaint names the key and the variable, never the variable's value
    assert str(err.value) == f"{p}:sync:batch_rows: '${{BATCH}}' is not a whole number"
    monkeypatch.setenv("CAT", "sqlite:token-s3cr3t")
    lake = CONFIG.replace("path = ${DATA_DIR}/sync.duckdb", "kind = ducklake\ncatalog = ${CAT}")
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, lake.replace("${BATCH}", "2000")))
    assert ":target:catalog: '${CAT}': give a SQLite file path" in str(err.value)
    assert "s3cr3t" not in str(err.value)
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, CONFIG.replace("user = ${DB_USER}", "user = ${DB_USER")))
    msg = str(err.value)
    assert ":source:user: " in msg and "${NAME}" in msg and "$$" in msg and "\n" not in msg


@pytest.mark.parametrize("bad", ["${}", "${1X}", "${A-B}", "${A", "pre${ X }post"])
def test_a_broken_reference_is_an_error(tmp_path: Path, env: dict, bad: str) -> None:
    p = write(tmp_path, CONFIG.replace("user = ${DB_USER}", f"user = {bad}"))
    with pytest.raises(ConfigError) as err:
        load_config(p)
    assert str(err.value).startswith(f"{p}:source:user: ")


def test_a_password_reference_does_not_warn_about_permissions(tmp_path: Path, env: dict) -> None:
    p = write(tmp_path, CONFIG)
    p.chmod(0o644)
    assert load_config(p).warnings == []  # the file holds a variable's name, not a password
    p.write_text(CONFIG.replace("${DB_PASSWORD}", "tiger"), encoding="utf-8")
    assert any("chmod 600" in w for w in load_config(p).warnings)


# -- the TUI's writer ----------------------------------------------------------------------

def test_writer_keeps_references_of_unchanged_fields(tmp_path: Path, env: dict) -> None:
    p = write(tmp_path, CONFIG)
    cfg = load_config(p)
    src = cfg.source
    src.mode = "thick"  # the one field the user changed on the Connection screen
    save_source(p, src, str(cfg.target.path), save_password=True)
    text = p.read_text(encoding="utf-8")
    assert "dsn = ${DB_HOST}:1521/${DB_SERVICE}   ; from the environment" in text
    assert "user = ${DB_USER}" in text and "password = ${DB_PASSWORD}" in text
    assert "path = ${DATA_DIR}/sync.duckdb" in text and "mode = thick" in text
    assert "s3cr" not in text and "/srv/data" not in text and "db1" not in text
    assert load_config(p).source.mode == "thick"


def test_writer_writes_a_changed_field_and_a_literal_password(tmp_path: Path, env: dict) -> None:
    p = write(tmp_path, CONFIG)
    src = load_config(p).source
    src.user = "ADAMS"
    src.password = "new$pw${X}"  # typed: a literal, never read as a reference
    cfg = save_source(p, src, "/srv/data/sync.duckdb", save_password=True)
    text = p.read_text(encoding="utf-8")
    assert "user = ADAMS" in text and "${DB_USER}" not in text
    assert "path = ${DATA_DIR}/sync.duckdb" in text  # same meaning: kept
    assert cfg.source.user == "ADAMS" and cfg.source.resolve_password() == "new$pw${X}"


def test_writer_keeps_table_references(tmp_path: Path, env: dict) -> None:
    p = write(tmp_path, CONFIG)
    save_table(p, "SALES.V$LOG", {"cursor": "TRAN_TIME", "lookback": "10 minutes",
                                  "where": "NOTE <> 'a$b' AND CODE LIKE 'X$%'",
                                  "schedule": "0 2 * * *"})
    text = p.read_text(encoding="utf-8")
    assert "cursor = ${CURSOR_COL}" in text and "lookback = ${LOOKBACK}" in text
    assert "where = NOTE <> 'a$$b' AND CODE LIKE 'X$%'" in text
    assert load_config(p).tables["SALES.V$LOG"].schedule == "0 2 * * *"


def test_a_saved_password_keeps_every_dollar(tmp_path: Path, env: dict) -> None:
    """Earlier versions saved a typed password as it was: `pa$$word` must not turn into
    pa$word (a refused login, and cron retrying it could lock the account)."""
    p = write(tmp_path, CONFIG.replace("${DB_PASSWORD}", "pa$$word${X"))
    assert load_config(p).source.resolve_password() == "pa$$word${X"
    src = load_config(p).source
    src.password = "n$$w"
    cfg = save_source(p, src, "/srv/data/sync.duckdb", save_password=True)
    assert "password = n$$w" in p.read_text(encoding="utf-8")
    assert cfg.source.resolve_password() == "n$$w"


def test_a_typed_password_that_reads_as_a_reference_is_refused(tmp_path: Path, env: dict) -> None:
    p = write(tmp_path, CONFIG)
    src = load_config(p).source
    src.password = "${DB_USER}"
    before = p.read_text(encoding="utf-8")
    with pytest.raises(ConfigError, match="password_env"):
        save_source(p, src, "/srv/data/sync.duckdb", save_password=True)
    assert p.read_text(encoding="utf-8") == before
