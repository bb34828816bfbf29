"""[target] kind = ducklake: every bad value is file:section:key (exit 2), and the spec the
config names (issue 13)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import env_with_home
from tui_sync.config import load_config
from tui_sync.errors import ConfigError
from tui_sync.target.lake import attach_sql
from tui_sync.target.spec import TargetSpec, redact, target_spec

SCRIPT = str(Path(sys.executable).parent / "tui-sync")


def config(tmp_path: Path, target: str) -> Path:
    p = tmp_path / "t.ini"
    p.write_text(f"[source]\nkind = sqlite\npath = s.sqlite\n\n[target]\n{target}\n", encoding="utf-8")
    return p


@pytest.mark.parametrize("target, key, what", [
    ("kind = lake\npath = x.duckdb", "kind", "not one of duckdb, ducklake"),
    ("kind = ducklake", "catalog", "required for kind = ducklake"),
    ("kind = ducklake\npath = x.duckdb\ncatalog = c.sqlite", "path", "keeps its data in catalog"),
    ("kind = ducklake\ncatalog = postgres:", "catalog", "needs a libpq connection string"),
    ("kind = ducklake\ncatalog = postgres:host=h password=secret\ndata_path = d", "catalog",
     "a password does not belong in the config"),
    ("kind = ducklake\ncatalog = postgres:host=h dbname=lake", "data_path", "required with a PostgreSQL"),
    ("kind = ducklake\ncatalog = sqlite:c.sqlite", "catalog", "give a SQLite file path"),
    ("kind = ducklake\ncatalog = c.sqlite\npassword_env = PW", "password_env", "only for a postgres"),
    ("kind = ducklake\ncatalog = postgres:host=h\ndata_path = d\npassword_env = 9X", "password_env",
     "not an environment variable name"),
    ("kind = ducklake\ncatalog = c.sqlite\nkeep_snapshots = soon", "keep_snapshots", "not a duration"),
    ("kind = ducklake\ncatalog = c.sqlite\ndata_path = gs://b/p", "data_path", "a folder or an s3://"),
    ("kind = ducklake\ncatalog = c.sqlite\ns3_endpoint = localhost:9000", "s3_endpoint",
     "only for an s3:// data_path"),
    ("kind = ducklake\ncatalog = c.sqlite\ndata_path = s3://b/p\ns3_url_style = weird", "s3_url_style",
     "not one of vhost, path"),
    ("path = x.duckdb\ncatalog = c.sqlite", "catalog", "only for kind = ducklake"),
])
def test_every_bad_target_value_names_file_section_and_key(tmp_path: Path, target: str, key: str,
                                                           what: str) -> None:
    p = config(tmp_path, target)
    with pytest.raises(ConfigError) as err:
        load_config(p)
    assert str(err.value).startswith(f"{p}:target:{key}: ") and what in str(err.value)


def test_the_cli_exits_2_with_one_line_on_a_bad_lake_value(tmp_path: Path) -> None:
    p = config(tmp_path, "kind = ducklake\ncatalog = postgres:host=h password=hunter2\ndata_path = d")
    out = subprocess.run([SCRIPT, "status", "--config", str(p)], capture_output=True, text=True,
                         env=env_with_home(tmp_path / "home"))
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    assert "hunter2" not in out.stderr and ":target:catalog:" in out.stderr


def test_a_sqlite_catalog_lake_resolves_beside_the_config(tmp_path: Path) -> None:
    spec = target_spec(load_config(config(tmp_path, "kind = ducklake\ncatalog = data/lake.sqlite")))
    assert spec.is_lake and not spec.postgres
    assert spec.catalog == str(tmp_path / "data" / "lake.sqlite")
    assert spec.data_path == str(tmp_path / "data" / "lake.files") + "/"  # beside the catalog
    assert spec.anchor == tmp_path / "data" / "lake.sqlite"  # the lock sits beside the catalog
    assert spec.keep_snapshots == timedelta(days=30)


def test_a_postgres_lake_keeps_its_connection_string_and_an_s3_path(tmp_path: Path) -> None:
    cfg = load_config(config(tmp_path, "kind = ducklake\ncatalog = postgres:host=db1 dbname=lake user=s\n"
                             "data_path = s3://bucket/lake\npassword_env = LAKE_PW\nkeep_snapshots = all\n"
                             "s3_endpoint = 127.0.0.1:5000\ns3_url_style = path\ns3_use_ssl = false"))
    spec = target_spec(cfg)
    assert spec.postgres and spec.s3 and spec.data_path == "s3://bucket/lake/"
    assert spec.keep_snapshots is None and spec.password_env == "LAKE_PW"
    assert not spec.s3_use_ssl and spec.s3_url_style == "path"
    assert spec.anchor.name.startswith("postgres-")  # a per-machine lock file in the data dir


def test_the_password_goes_only_into_the_attach_string_and_is_redacted_elsewhere() -> None:
    spec = TargetSpec("ducklake", None, "postgres:host=db1 dbname=lake", "/d/", "PW")
    sql = attach_sql(spec, password="it's secret")
    # libpq quoting ('it\'s secret'), then SQL text quoting (every ' doubled)
    assert "password=''it\\''s secret''' AS lake" in sql
    assert "secret" not in spec.display
    assert redact("host=h password=abc dbname=x") == "host=h password=*** dbname=x"
    assert redact("host=h password='a b' dbname=x") == "host=h password=*** dbname=x"


def test_a_file_target_is_unchanged(tmp_path: Path) -> None:
    spec = target_spec(load_config(config(tmp_path, "path = data/sync.duckdb")))
    assert not spec.is_lake and spec.path == tmp_path / "data" / "sync.duckdb" == spec.anchor
