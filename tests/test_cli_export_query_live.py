"""`export` and `query` as separate processes: on the demo, on a lake while another process
is inside a sync's transaction (they read the committed snapshot), and on a DuckDB file
during a sync (refused in one line naming the sync, exit 3, like `status`)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.test_cli import run
from tests.test_lake_readers import Held, N, cli, setup


def test_export_and_query_on_the_demo(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    r = run(["sync", "--demo", "--all"], home)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "events.parquet"
    r = run(["export", "--demo", "EQUIPMENT_EVENTS", "--to", str(out), "--json"], home)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["rows"] == 3000 and doc["format"] == "parquet" and doc["table"] == "equipment_events"
    con = duckdb.connect()
    try:
        assert con.execute("SELECT count(*) FROM read_parquet(?)", [str(out)]).fetchall() == [(3000,)]
    finally:
        con.close()
    r = run(["query", "--demo", "SELECT count(*) AS n FROM 설비_알람"], home)
    assert r.returncode == 0 and r.stdout.splitlines()[-1] == "1 row", (r.stdout, r.stderr)
    r = run(["query", "--demo", "DROP TABLE equipment_events"], home)
    assert r.returncode == 2 and r.stderr.strip() == (
        "tui-sync: error: query is read-only: DROP statement refused (DROP TABLE equipment_events)")


@pytest.fixture
def lake() -> None:
    from tests.conftest import lake_unavailable

    why = lake_unavailable()
    if why:
        pytest.skip(why)


def test_export_and_query_while_another_process_syncs_into_a_lake(tmp_path: Path, lake: None) -> None:
    src, cfg = setup(tmp_path, "lake")
    src.put(range(N + 1, N + 101), "2.000", "new")
    writer = Held(tmp_path, cfg, "incremental", "merge")
    try:
        writer.wait_held()  # inside the merge's transaction, before its COMMIT
        out = tmp_path / "ev.csv"
        e = cli(tmp_path, cfg, "export", "EV", "--to", str(out), "--json")
        assert e.returncode == 0, e.stderr
        assert json.loads(e.stdout)["rows"] == N  # the committed snapshot
        assert len(out.read_text(encoding="utf-8").splitlines()) == N + 1
        q = cli(tmp_path, cfg, "query", "SELECT count(*) AS n, max(id) AS top FROM ev", "--json")
        assert q.returncode == 0, q.stderr
        assert json.loads(q.stdout)["rows"] == [[N, N]]
        refused = cli(tmp_path, cfg, "query", "DELETE FROM ev")
        assert refused.returncode == 2 and "query is read-only" in refused.stderr
    finally:
        done = writer.release()
    assert done.returncode == 0, done.stderr
    q = cli(tmp_path, cfg, "query", "SELECT count(*) AS n FROM ev", "--csv")
    assert q.returncode == 0 and q.stdout.splitlines() == ["n", str(N + 100)], q.stderr


def test_a_file_target_during_a_sync_is_refused_like_status(tmp_path: Path) -> None:
    _src, cfg = setup(tmp_path, "file")
    writer = Held(tmp_path, cfg, "full", "swap")
    try:
        writer.wait_held()
        pid = writer.proc.pid
        out = tmp_path / "ev.parquet"
        for args in (["export", "EV", "--to", str(out)], ["query", "SELECT 1"]):
            r: subprocess.CompletedProcess = cli(tmp_path, cfg, *args)
            assert r.returncode == 3, (args, r.stdout, r.stderr)
            assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
            assert f"in use by a sync: cli pid {pid} " in r.stderr, r.stderr
        assert not list(tmp_path.glob("ev.parquet*"))
    finally:
        done = writer.release()
    assert done.returncode == 0, done.stderr
