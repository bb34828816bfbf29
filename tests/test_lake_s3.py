"""A DuckLake whose data path is s3://, against a local S3 server (moto in server mode).

The catalog is a SQLite file in tmp_path; the Parquet files go over HTTP to moto through
DuckDB's httpfs extension, with the credentials from the standard AWS variables.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.conftest import duck_rows, lake_unavailable, make_sqlite, target_of
from tui_sync.config import load_config
from tui_sync.engine import Engine
from tui_sync.events import Mode
from tui_sync.target import lake

pytestmark = pytest.mark.lake


def _httpfs_unavailable() -> str | None:
    if lake.packaged_extension("httpfs") is not None:
        return None
    con = duckdb.connect(config={"autoinstall_known_extensions": "false"})
    try:
        con.execute("LOAD httpfs")
        return None
    except duckdb.Error:
        return f"DuckDB {duckdb.__version__} has no httpfs extension here (pip install -e '.[test,lake]')"
    finally:
        con.close()


@pytest.fixture(scope="module")
def s3_server() -> Iterator[int]:
    """A moto S3 server on a free local port, for this module's tests."""
    why = lake_unavailable() or _httpfs_unavailable()
    if why:
        pytest.skip(why)
    pytest.importorskip("boto3")
    server_mod = pytest.importorskip("moto.server", reason="moto[server] is not installed")
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        yield server.get_host_and_port()[1]
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_server: int, monkeypatch: pytest.MonkeyPatch):  # -> (boto3 client, bucket name)
    import boto3

    # moto accepts any credentials; set them so nothing reads a real ~/.aws
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "tui-sync-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "tui-sync-test-secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{s3_server}", region_name="us-east-1")
    name = f"lake-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    return client, name


def add_rows(source: Path, first: int, last: int) -> None:
    con = sqlite3.connect(source)
    con.executemany("INSERT INTO EVENTS VALUES (?, ?, ?, ?)",
                    [(i, f"2026-03-01 {8 + i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}", f"{i}.25", f"n{i}")
                     for i in range(first, last + 1)])
    con.commit()
    con.close()


def test_full_incremental_and_read_back_with_an_s3_data_path(tmp_path: Path, s3_server: int, bucket) -> None:
    client, name = bucket
    source = make_sqlite(tmp_path / "src.sqlite", "CREATE TABLE EVENTS (ID NUMBER(10) PRIMARY KEY, "
                         "TS TIMESTAMP(6) NOT NULL, AMOUNT NUMBER(12,2), NAME VARCHAR2(20));")
    add_rows(source, 1, 500)  # more rows than DuckLake inlines into the catalog: a Parquet file
    ini = tmp_path / "tui-sync.ini"
    ini.write_text(
        f"[source]\nkind = sqlite\npath = {source}\n\n"
        f"[target]\nkind = ducklake\ncatalog = lake.sqlite\ndata_path = s3://{name}/prefix/\n"
        f"s3_endpoint = 127.0.0.1:{s3_server}\ns3_url_style = path\ns3_use_ssl = false\n"
        "\n[table EVENTS]\ntarget = events\nprimary_key = ID\ncursor = TS\n", encoding="utf-8")
    cfg = load_config(ini)
    spec = target_of(cfg)
    assert spec.s3 and spec.data_path == f"s3://{name}/prefix/"
    try:
        full = Engine(cfg).run(["EVENTS"], Mode.FULL)
        assert full.ok, full
        keys = [o["Key"] for o in client.list_objects_v2(Bucket=name).get("Contents", [])]
        assert keys and all(k.startswith("prefix/") for k in keys)
        assert any(k.endswith(".parquet") for k in keys), keys
        assert not list(tmp_path.rglob("*.parquet")), "no data file on the local disk"

        add_rows(source, 501, 620)
        inc = Engine(cfg).run(["EVENTS"], Mode.INCREMENTAL)
        assert inc.ok, inc
        assert [r.mode for r in inc.results] == [Mode.INCREMENTAL]
        after = [o["Key"] for o in client.list_objects_v2(Bucket=name).get("Contents", [])]
        assert set(after) > set(keys)  # the merge wrote new objects, the old ones stay for time travel

        # read back through a fresh instance: nothing cached from the writes
        lake.forget(spec)
        rows = duck_rows(spec, "events", "id")
        assert len(rows) == 620 and rows[0][0] == 1 and rows[-1][0] == 620
        assert str(rows[-1][2]) == "620.25" and rows[-1][3] == "n620"
    finally:
        lake.forget(spec)
