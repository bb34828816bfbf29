"""`tui-sync migrate-target`: a DuckDB-file target moved into a DuckLake in one lake commit,
types and state kept exactly, the file untouched, and the next sync on the lake continuing
from the file's watermark (target/migrate.py, cli/migrate.py)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from tests.conftest import lake_unavailable, target_of, write_config
from tests.test_engine_sqlite import T0, TABLE_CFG, Model, row
from tui_sync.cli.main import main
from tui_sync.config import load_config
from tui_sync.engine import Engine
from tui_sync.events import Mode
from tui_sync.target import lake
from tui_sync.target import migrate as mig
from tui_sync.target.lock import SyncLock
from tui_sync.target.spec import DUCKLAKE, TargetSpec

needs_lake = pytest.mark.skipif(lake_unavailable() is not None, reason=str(lake_unavailable()))

EXTRA_DDL = """CREATE TABLE odd_types (
    k INTEGER NOT NULL, d DECIMAL(38,10), tns TIMESTAMP_NS, b BLOB, i INTERVAL, tz TIMESTAMPTZ,
    h HUGEINT, l VARCHAR[], s STRUCT(a INTEGER, b VARCHAR))"""
EXTRA_ROWS = """INSERT INTO odd_types VALUES
    (1, 1234567890123456789012345678.0123456789, '2026-03-01 08:00:00.123456789', '\\xAA\\x00\\xFF'::BLOB,
     INTERVAL '1 day 3 hours 4 microseconds', '2026-03-01 10:00:00.5+02', 170141183460469231731687303715884105727,
     ['a', NULL], {'a': 1, 'b': 'x'}),
    (2, -0.0000000001, NULL, ''::BLOB, INTERVAL '-2 months', NULL, NULL, [], NULL)"""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _synced_file(tmp_path: Path) -> tuple[Model, object]:
    model = Model(tmp_path / "src.sqlite")
    model.upsert([row(i, T0 + timedelta(seconds=30 * i, microseconds=i), f"{i}.125")
                  for i in range(1, 301)])
    cfg = write_config(tmp_path, model.path, TABLE_CFG, sync="batch_rows = 64")
    assert Engine(cfg).run(["EVENTS"], Mode.FULL).ok
    model.upsert([row(i, T0 + timedelta(seconds=30 * i), "2.5") for i in range(301, 311)])
    assert Engine(cfg).run(["EVENTS"], Mode.INCREMENTAL).ok  # runs and a watermark to carry
    con = duckdb.connect(str(target_of(cfg).path))
    con.execute(EXTRA_DDL)
    con.execute(EXTRA_ROWS)
    con.close()
    return model, cfg


def _everything(con: duckdb.DuckDBPyConnection, db: str) -> dict[str, tuple[list, list]]:
    """Every table of `db`: (columns with types and nullability, rows as text in order)."""
    out = {}
    for schema, table in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? "
            "ORDER BY 1, 2", [db]).fetchall():
        cols = con.execute(
            "SELECT column_name, data_type, is_nullable FROM duckdb_columns() WHERE database_name = ? "
            "AND schema_name = ? AND table_name = ? ORDER BY column_index", [db, schema, table]).fetchall()
        rows = con.execute(f'SELECT COLUMNS(*)::VARCHAR FROM {db}."{schema}"."{table}" '
                           "ORDER BY ALL").fetchall()
        out[f"{schema}.{table}"] = (cols, rows)
    return out


def _lake_config(tmp_path: Path, model: Model, section: list[str]) -> object:
    d = tmp_path / "lakecfg"
    d.mkdir()
    p = d / "tui-sync.ini"
    p.write_text(f"[source]\nkind = sqlite\npath = {model.path}\n\n" + "\n".join(section)
                 + "\n\n[sync]\nbatch_rows = 64\n\n" + TABLE_CFG, encoding="utf-8")
    return load_config(p)


@needs_lake
def test_migrate_keeps_types_rows_state_and_the_next_sync_continues(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model, cfg = _synced_file(tmp_path)
    file = target_of(cfg).path
    before = _sha(file)
    folder = tmp_path / "the lake's dir"
    catalog = folder / "lake.sqlite"
    code = main(["migrate-target", "--config", str(cfg.path), "--to-lake", str(catalog)])
    out = capsys.readouterr().out
    assert code == 0, out
    section = out[out.index("\n[target]\n"):].strip().splitlines()
    assert section == ["[target]", "kind = ducklake", f"catalog = {catalog}",
                       f"data_path = {folder / 'lake.files'}/"]
    assert _sha(file) == before  # the file is not touched

    lake_cfg = _lake_config(tmp_path, model, section)
    spec = target_of(lake_cfg)
    con = lake.connect(spec)
    try:
        con.execute(f"ATTACH '{str(file).replace(chr(39), chr(39) * 2)}' AS f (READ_ONLY)")
        want, got = _everything(con, "f"), _everything(con, "lake")
        con.execute("DETACH f")
        # one commit, made by the migration (readers never see part of it)
        commits = con.execute("SELECT commit_message FROM lake.snapshots() "
                              "WHERE commit_message IS NOT NULL").fetchall()
    finally:
        con.close()
    assert set(got) == set(want) >= {"main.events", "main.odd_types", "tui_sync.tables",
                                     "tui_sync.runs", "tui_sync.schema_versions"}
    for name, (cols, rows) in want.items():
        if name.startswith("tui_sync."):  # DuckLake has no keys: NOT NULL of a key column goes
            cols = [(c, t) for c, t, _ in cols]
            assert [(c, t) for c, t, _ in got[name][0]][:len(cols)] == cols, name
        else:
            assert got[name][0] == cols, name
        assert got[name][1] == rows, name
    assert dict((c, t) for c, t, _ in got["main.odd_types"][0])["tns"] == "TIMESTAMP_NS"
    assert commits == [(f"migrated from DuckDB file {file}",)]

    # the next sync on the lake is incremental from the migrated watermark
    wm = model.rows[310][1]
    model.upsert([row(i, wm + timedelta(seconds=i - 310), "9.999") for i in range(311, 331)])
    model.upsert([row(331, wm, "7.000", "same cursor as the old watermark")])
    model.upsert([row(i, model.rows[i][1], "42.000", "updated") for i in (305, 310)])
    result = Engine(lake_cfg).run(["EVENTS"], Mode.AUTO)
    assert result.ok and result.results[0].mode == Mode.INCREMENTAL, result
    con = lake.connect(spec)
    try:
        lake_rows = con.execute('SELECT * FROM "events" ORDER BY id').fetchall()
        runs = con.execute("SELECT mode, status FROM tui_sync.runs ORDER BY started_at").fetchall()
    finally:
        con.close()
    assert lake_rows == model.expected() and len(lake_rows) == 331  # none lost, none twice
    assert runs == [("full", "ok"), ("incremental", "ok"), ("incremental", "ok")]
    assert _sha(file) == before


@needs_lake
def test_refuses_a_lake_with_a_table_of_the_same_name(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, cfg = _synced_file(tmp_path)
    spec = TargetSpec(DUCKLAKE, None, str(tmp_path / "l.sqlite"), str(tmp_path / "l.files") + "/")
    con = lake.connect(spec)
    con.execute("CREATE TABLE events (x INTEGER)")
    snapshots = con.execute("SELECT count(*) FROM lake.snapshots()").fetchall()
    con.close()
    before = _sha(target_of(cfg).path)
    code = main(["migrate-target", "--config", str(cfg.path), "--to-lake", spec.catalog])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "already has table(s) or sync state named events" in err and "nothing was copied" in err
    con = lake.connect(spec)
    try:
        assert con.execute("SELECT count(*) FROM lake.snapshots()").fetchall() == snapshots
        assert con.execute("SELECT count(*) FROM information_schema.tables WHERE "
                           "table_catalog = 'lake' AND table_schema = 'tui_sync'").fetchall() == [(0,)]
    finally:
        con.close()
    assert _sha(target_of(cfg).path) == before


@needs_lake
def test_a_failure_half_way_leaves_the_lake_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, cfg = _synced_file(tmp_path)
    spec = TargetSpec(DUCKLAKE, None, str(tmp_path / "l.sqlite"), str(tmp_path / "l.files") + "/")
    real, copied = mig.copy_table, []

    def fail_on_the_third(con, schema, table, *, exists):  # after two tables were written
        if len(copied) == 2:
            raise duckdb.IOException("disk full (simulated)")
        copied.append(table)
        return real(con, schema, table, exists=exists)

    monkeypatch.setattr(mig, "copy_table", fail_on_the_third)
    with pytest.raises(mig.TuiSyncError, match="disk full.*nothing was copied"):
        mig.migrate_file_to_lake(target_of(cfg).path, spec)
    con = lake.connect(spec)
    try:
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'lake'"
                           ).fetchall() == [(0,)]
    finally:
        con.close()
    assert len(copied) == 2
    monkeypatch.setattr(mig, "copy_table", real)  # and the same lake takes the copy afterwards
    done = mig.migrate_file_to_lake(target_of(cfg).path, spec)
    assert done.tables["main.events"] == 310 and done.state["tui_sync.runs"] == 2


@needs_lake
def test_refused_while_a_sync_holds_the_lake(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, cfg = _synced_file(tmp_path)
    spec = TargetSpec(DUCKLAKE, None, str(tmp_path / "l.sqlite"), str(tmp_path / "l.files") + "/")
    with SyncLock(spec, holder="cron", tables=["EVENTS"]):
        code = main(["migrate-target", "--config", str(cfg.path), "--to-lake", spec.catalog])
    assert code == 3 and "cron" in capsys.readouterr().err


def test_bad_input_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = write_config(tmp_path, tmp_path / "none.sqlite", "")
    cases = [
        (["--to-lake", "s3://bucket/cat"], "--to-lake: 's3://bucket/cat': give a SQLite file"),
        (["--to-lake", "postgres:host=db1"], "--data-path: required with a postgres: catalog"),
        (["--to-lake", "l.sqlite", "--password-env", "PW"], "--password-env: only for a postgres"),
        (["--to-lake", "l.sqlite", "--data-path", "http://x/"], "--data-path: 'http://x/'"),
        (["--to-lake", "l.sqlite", "--s3-no-ssl"], "--s3-no-ssl: only for an s3:// --data-path"),
        (["--to-lake", "l.sqlite"], "does not exist (nothing to migrate)"),
    ]
    for extra, message in cases:
        code = main(["migrate-target", "--config", str(cfg.path), *extra])
        err = capsys.readouterr().err
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, (extra, err)
    lake_ini = tmp_path / "lake.ini"
    lake_ini.write_text("[source]\nkind = sqlite\npath = x.sqlite\n[target]\nkind = ducklake\n"
                        "catalog = l.sqlite\n", encoding="utf-8")
    code = main(["migrate-target", "--config", str(lake_ini), "--to-lake", "m.sqlite"])
    err = capsys.readouterr().err
    assert code == 2 and "the target is a DuckLake already" in err


@needs_lake
def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, cfg = _synced_file(tmp_path)
    catalog = tmp_path / "j.sqlite"
    assert main(["migrate-target", "--config", str(cfg.path), "--to-lake", str(catalog),
                 "--data-path", str(tmp_path / "jdata"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] and doc["tables"] == {"main.events": 310, "main.odd_types": 2}
    assert doc["state"]["tui_sync.tables"] == 1 and isinstance(doc["snapshot"], int)
    assert doc["target"] == ["[target]", "kind = ducklake", f"catalog = {catalog}",
                             f"data_path = {tmp_path / 'jdata'}/"]


@needs_lake
def test_migrate_to_an_s3_data_path_and_read_it_with_the_printed_lines(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Against a local S3 server (moto): the copy, the [target] lines, the next sync, and the
    open lines `status` prints (their key placeholders filled in)."""
    if lake.packaged_extension("httpfs") is None:
        pytest.skip("no packaged httpfs extension")
    boto3 = pytest.importorskip("boto3")
    server_mod = pytest.importorskip("moto.server", reason="moto[server] is not installed")
    from tui_sync.target.open_lines import open_lines

    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        port = server.get_host_and_port()[1]
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "tui-sync-test")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "tui-sync-test-secret")
        monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        client = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1")
        client.create_bucket(Bucket="migrated")
        model, cfg = _synced_file(tmp_path)
        code = main(["migrate-target", "--config", str(cfg.path), "--to-lake",
                     str(tmp_path / "s3lake.sqlite"), "--data-path", "s3://migrated/lake",
                     "--s3-endpoint", f"127.0.0.1:{port}", "--s3-url-style", "path", "--s3-no-ssl"])
        out = capsys.readouterr().out
        assert code == 0, out
        section = out[out.index("\n[target]\n"):].strip().splitlines()
        assert section[3:] == ["data_path = s3://migrated/lake/", f"s3_endpoint = 127.0.0.1:{port}",
                               "s3_url_style = path", "s3_use_ssl = false"]
        keys = [o["Key"] for o in client.list_objects_v2(Bucket="migrated").get("Contents", [])]
        assert any(k.startswith("lake/") and k.endswith(".parquet") for k in keys), keys
        lake_cfg = _lake_config(tmp_path, model, section)
        model.upsert([row(311, model.rows[310][1] + timedelta(seconds=1), "3.000")])
        result = Engine(lake_cfg).run(["EVENTS"], Mode.AUTO)
        assert result.ok and result.results[0].mode == Mode.INCREMENTAL, result

        spec = target_of(lake_cfg)
        reader = duckdb.connect()
        for name in lake.extensions_for(spec):
            lake.load_extension(reader, name)
        for statement in open_lines(spec).sql:
            if not statement.startswith("INSTALL"):
                reader.execute(statement.replace("<AWS_ACCESS_KEY_ID>", "tui-sync-test")
                               .replace("<AWS_SECRET_ACCESS_KEY>", "tui-sync-test-secret"))
        assert reader.execute("SELECT count(*), count(DISTINCT id) FROM events").fetchall() == [(311, 311)]
        assert reader.execute("SELECT count(*) FROM odd_types").fetchall() == [(2,)]
        reader.close()
        lake.forget(spec)
    finally:
        server.stop()


@pytest.mark.postgres
@needs_lake
def test_migrate_into_a_postgres_catalog(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import re
    import uuid

    dsn = os.environ.get("TUI_SYNC_TEST_PG_DSN")
    if not dsn:
        pytest.skip("no PostgreSQL server (set TUI_SYNC_TEST_PG_DSN)")
    password = os.environ.get("TUI_SYNC_TEST_PG_PASSWORD", "")
    admin = duckdb.connect()
    lake.load_extension(admin, "postgres_scanner")
    secret = (" password='" + password.replace("\\", "\\\\").replace("'", "\\'") + "'") if password else ""
    admin.execute("ATTACH '" + (dsn + secret).replace("'", "''") + "' AS pg (TYPE postgres)")
    name = f"tuisync_migrate_{uuid.uuid4().hex[:10]}"
    admin.execute(f"CALL postgres_execute('pg', 'CREATE DATABASE {name}', use_transaction => false)")
    monkeypatch.setenv("MIGRATE_PG_PW", password)
    try:
        model, cfg = _synced_file(tmp_path)
        catalog = "postgres:" + re.sub(r"\bdbname\s*=\s*\S+", "", dsn).strip() + f" dbname={name}"
        code = main(["migrate-target", "--config", str(cfg.path), "--to-lake", catalog,
                     "--data-path", str(tmp_path / "pgdata"), "--password-env", "MIGRATE_PG_PW"])
        out = capsys.readouterr()
        assert code == 0, out.err
        assert not password or password not in out.out + out.err
        section = out.out[out.out.index("\n[target]\n"):].strip().splitlines()
        assert section[2:] == [f"catalog = {catalog}", f"data_path = {tmp_path / 'pgdata'}/",
                               "password_env = MIGRATE_PG_PW"]
        lake_cfg = _lake_config(tmp_path, model, section)
        model.upsert([row(311, model.rows[310][1] + timedelta(seconds=1), "3.000")])
        result = Engine(lake_cfg).run(["EVENTS"], Mode.AUTO)
        assert result.ok and result.results[0].mode == Mode.INCREMENTAL, result
        con = lake.connect(target_of(lake_cfg))
        try:
            assert con.execute('SELECT * FROM "events" ORDER BY id').fetchall() == model.expected()
        finally:
            con.close()
            lake.forget(target_of(lake_cfg))
    finally:
        admin.execute(f"CALL postgres_execute('pg', 'DROP DATABASE IF EXISTS {name} WITH (FORCE)', "
                      "use_transaction => false)")
        admin.close()


@needs_lake
def test_migrate_into_a_lake_that_syncs_other_tables(tmp_path: Path) -> None:
    """A shared lake: the file's tables and state join the lake's own, both keep syncing."""
    from tests.conftest import make_sqlite
    from tui_sync.target import state as st

    model, cfg = _synced_file(tmp_path)
    other_src = make_sqlite(tmp_path / "other.sqlite", "CREATE TABLE OTHER (ID NUMBER(10) PRIMARY KEY);",
                            [("INSERT INTO OTHER VALUES (?)", [(i,) for i in range(4)])])
    (tmp_path / "other").mkdir()
    ini = tmp_path / "other" / "tui-sync.ini"
    ini.write_text(f"[source]\nkind = sqlite\npath = {other_src}\n\n[target]\nkind = ducklake\n"
                   f"catalog = {tmp_path / 'shared.sqlite'}\n\n[table OTHER]\n", encoding="utf-8")
    other_cfg = load_config(ini)
    assert Engine(other_cfg).run(["OTHER"]).ok
    spec = target_of(other_cfg)
    done = mig.migrate_file_to_lake(target_of(cfg).path, spec)
    assert done.state["tui_sync.tables"] == 1 and done.state["tui_sync.runs"] == 2
    states = st.read_table_states(spec)
    assert set(states) == {"events", "other"}
    assert states["events"].watermark == st.read_table_states(target_of(cfg).path)["events"].watermark
    assert len(st.read_runs(spec)) == 3
    model.upsert([row(311, model.rows[310][1] + timedelta(seconds=1), "3.000")])
    lake_cfg = _lake_config(tmp_path, model, ["[target]", "kind = ducklake",
                                              f"catalog = {spec.catalog}"])
    assert target_of(lake_cfg) == spec
    result = Engine(lake_cfg).run(["EVENTS"], Mode.AUTO)
    assert result.ok and result.results[0].mode == Mode.INCREMENTAL
    assert Engine(other_cfg).run(["OTHER"], Mode.AUTO).ok
    con = lake.connect(spec)
    try:
        assert con.execute('SELECT * FROM "events" ORDER BY id').fetchall() == model.expected()
        assert con.execute('SELECT count(*) FROM "other"').fetchall() == [(4,)]
    finally:
        con.close()


@needs_lake
def test_a_file_with_nothing_to_migrate_creates_no_lake(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = write_config(tmp_path, tmp_path / "none.sqlite", "")
    duckdb.connect(str(target_of(cfg).path)).close()  # a DuckDB file without tables
    catalog = tmp_path / "new" / "lake.sqlite"
    code = main(["migrate-target", "--config", str(cfg.path), "--to-lake", str(catalog)])
    err = capsys.readouterr().err
    assert code == 2 and "has no tables (nothing to migrate)" in err
    assert not catalog.exists() and not (tmp_path / "new" / "lake.files").exists()


@needs_lake
def test_a_file_another_process_writes_is_exit_3_and_no_lake(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import subprocess
    import sys

    _, cfg = _synced_file(tmp_path)
    file = target_of(cfg).path
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time\n"
                               f"con = duckdb.connect({str(file)!r})\nprint('open', flush=True)\n"
                               "time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        catalog = tmp_path / "busy" / "lake.sqlite"
        code = main(["migrate-target", "--config", str(cfg.path), "--to-lake", str(catalog)])
        err = capsys.readouterr().err
        assert code == 3 and f"pid {holder.pid}" in err, err
        assert not catalog.exists()
    finally:
        holder.kill()
        holder.wait()
