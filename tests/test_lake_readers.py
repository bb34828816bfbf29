"""Readers in other processes while a sync writes (issue 13, DESIGN §6).

On a DuckLake target, a real second process reads the target table over and over while a
real `tui-sync sync` process runs a full reload and an incremental merge. The writer is held
INSIDE its data transaction (at the swap or merge fault point, just before COMMIT) until the
test has seen the reader read there, so the test cannot pass without a read made while the
writer was mid-transaction. Every read must be exactly the old state or exactly the new one
(count, sum and a content hash, with the state row of the same snapshot), never an error.

The reader reads the way the product does (`tui_sync.target.connect(spec, create=False)`,
a long-lived process like the TUI) and the way an analyst does (plain DuckDB, `ATTACH
'ducklake:sqlite:...' (DATA_PATH ...)`), each with a connection kept open across the runs,
so a reader that kept its connection must also see the new snapshot once it is committed.

On a DuckDB FILE target, the same setup documents today's behaviour: no other process can
open the file during a sync, and `status`/`history` say so in one line naming the holder
(exit 3) instead of a traceback.
"""

from __future__ import annotations

import ast
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.conftest import env_with_home, lake_unavailable, make_sqlite
from tui_sync.config import Config, load_config
from tui_sync.engine import Engine
from tui_sync.events import Mode
from tui_sync.target import connect
from tui_sync.target.spec import TargetSpec, target_spec
from tui_sync.target.state import read_runs

SCRIPT = str(Path(sys.executable).parent / "tui-sync")
T0 = datetime(2026, 4, 1, 6, 0, 0)
N = 3000
WAIT_S = 180.0  # generous: a loaded 2-core machine; the polls end as soon as the thing happens

# The writer: the real CLI, with the engine's fault point (hooks._fault, called just before
# COMMIT of the swap or the merge) turned into a pause that lasts until the test releases it.
WRITER = r"""
import os, sys, time
from pathlib import Path
from tui_sync.engine import hooks
from tui_sync.cli import main
at, box = os.environ["HOLD_AT"], Path(os.environ["HOLD_DIR"])
fault = hooks._fault
def hold(point):
    if point == at:
        (box / "held").write_text(str(os.getpid()))
        deadline = time.monotonic() + 600
        while not (box / "release").exists():
            if time.monotonic() > deadline:
                os._exit(99)
            time.sleep(0.05)
    fault(point)
hooks._fault = hold
sys.argv[0] = "tui-sync"
sys.exit(main(sys.argv[1:]))
"""

# The reader: one JSON line per read. A read is "mid" when the writer was held before it
# started and still held when it ended; "after" when the writer process had exited before it
# started; the flags come from files the writer and the test create.
READER = r"""
import json, os, sys, time
from pathlib import Path
import duckdb
from tui_sync.target import connect
from tui_sync.target.lake import packaged_extension
from tui_sync.target.spec import TargetSpec
catalog, data_path, box = sys.argv[1], sys.argv[2], Path(sys.argv[3])
spec = TargetSpec("ducklake", None, catalog, data_path)

def sql(cat):
    return (f"SELECT count(*), sum(amount)::VARCHAR, md5(string_agg(concat_ws('|', id, ts, "
            f"amount, name), ',' ORDER BY id)), (SELECT max(rows) FROM {cat}.tui_sync.tables "
            f"WHERE target_table = 'ev') FROM {cat}.main.ev")

def analyst():
    con = duckdb.connect()
    for name in ("ducklake", "sqlite_scanner"):
        path = packaged_extension(name)
        con.execute(f"LOAD '{path}'" if path else f"LOAD {name}")
    con.execute(f"ATTACH 'ducklake:sqlite:{catalog}' AS lk (DATA_PATH '{data_path}')")
    return con

door_kept = connect(spec, create=False)
plain_kept = analyst()
def door_fresh():
    con = connect(spec, create=False)
    try:
        return con.execute(sql("lake")).fetchall()[0]
    finally:
        con.close()
ways = {"door-kept": lambda: door_kept.execute(sql("lake")).fetchall()[0],
        "door-fresh": door_fresh,
        "plain-kept": lambda: plain_kept.execute(sql("lk")).fetchall()[0]}
out = open(box / "reads.jsonl", "a", encoding="utf-8")
while not (box / "stop").exists():
    for via, read in ways.items():
        held, after = (box / "held").exists(), (box / "writer-done").exists()
        try:
            doc = {"via": via, "value": [str(v) for v in read()]}
        except Exception as exc:
            doc = {"via": via, "error": f"{type(exc).__name__}: {exc}"}
        mid = held and not (box / "release").exists()
        doc["phase"] = "after" if after else "mid" if mid else "before" if not held else "other"
        out.write(json.dumps(doc) + "\n")
        out.flush()
    time.sleep(0.02)
"""
WAYS = ("door-kept", "door-fresh", "plain-kept")


@pytest.fixture
def lake() -> None:
    why = lake_unavailable()
    if why:
        pytest.skip(why)


class Source:
    """The SQLite table EV and the rows the target should hold after a sync."""

    def __init__(self, path: Path):
        self.path = path
        self.rows: dict[int, tuple[int, datetime, Decimal, str]] = {}
        make_sqlite(path, "CREATE TABLE EV (ID NUMBER(10) PRIMARY KEY, TS TIMESTAMP(6) NOT NULL, "
                          "AMOUNT NUMBER(12,3), NAME VARCHAR2(30));")

    def put(self, ids: range | list[int], amount: str, name: str, shift_s: int = 0) -> None:
        rows = [(i, T0 + timedelta(seconds=3 * i + shift_s), Decimal(amount), f"{name}{i}")
                for i in ids]
        con = sqlite3.connect(self.path)
        con.executemany("INSERT OR REPLACE INTO EV VALUES (?, ?, ?, ?)",
                        [(i, ts.isoformat(sep=" "), str(a), n) for i, ts, a, n in rows])
        con.commit()
        con.close()
        self.rows.update({r[0]: r for r in rows})

    def delete(self, ids: list[int]) -> None:
        con = sqlite3.connect(self.path)
        con.executemany("DELETE FROM EV WHERE ID = ?", [(i,) for i in ids])
        con.commit()
        con.close()
        for i in ids:
            self.rows.pop(i)

    def count_sum(self) -> tuple[int, Decimal]:
        return len(self.rows), sum((r[2] for r in self.rows.values()), Decimal(0))


def setup(tmp_path: Path, kind: str) -> tuple[Source, Config]:
    src = Source(tmp_path / "src.sqlite")
    src.put(range(1, N + 1), "1.250", "n")
    target = "kind = ducklake\ncatalog = t.lake.sqlite\n" if kind == "lake" else "path = t.duckdb\n"
    p = tmp_path / "c.ini"
    p.write_text(f"[source]\nkind = sqlite\npath = {src.path}\n\n[target]\n{target}\n"
                 "[sync]\nbatch_rows = 500\n\n"
                 "[table EV]\ntarget = ev\nprimary_key = ID\ncursor = TS\nlookback = 1 minute\n",
                 encoding="utf-8")
    cfg = load_config(p)
    assert Engine(cfg).run(["EV"], Mode.FULL).ok
    return src, cfg


def aggregates(spec: TargetSpec) -> tuple[int, Decimal, str, int]:
    """(count, sum, content hash, the state row's count) in one snapshot, read here."""
    con = connect(spec, create=False)
    try:
        n, total, digest, state_rows = con.execute(
            "SELECT count(*), sum(amount), md5(string_agg(concat_ws('|', id, ts, amount, name), "
            "',' ORDER BY id)), (SELECT max(rows) FROM tui_sync.tables WHERE target_table = 'ev') "
            "FROM ev").fetchall()[0]
    finally:
        con.close()
    return int(n), Decimal(total), str(digest), int(state_rows)


def env(tmp_path: Path, **extra: str) -> dict[str, str]:
    e = env_with_home(tmp_path / "home")
    e.pop("TUI_SYNC_FAULT", None)
    e.update(extra)
    return e


def wait_for(what: str, ready: Callable[[], bool], proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + WAIT_S
    while not ready():
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"waiting for {what}: the process ended ({proc.returncode}): {err or out}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


class Held:
    """A real `tui-sync sync` process held just before the COMMIT of its swap or merge."""

    def __init__(self, tmp_path: Path, cfg: Config, mode: str, point: str):
        self.box = tmp_path / "box"
        self.box.mkdir(exist_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, "sync", "EV", "--mode", mode, "--config", str(cfg.path)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
            env=env(tmp_path, HOLD_AT=point, HOLD_DIR=str(self.box)))

    def wait_held(self) -> None:
        wait_for("the writer to reach its commit", (self.box / "held").exists, self.proc)

    def release(self) -> subprocess.CompletedProcess:
        (self.box / "release").write_text("")
        out, err = self.proc.communicate(timeout=WAIT_S)
        (self.box / "writer-done").write_text("")
        return subprocess.CompletedProcess(self.proc.args, self.proc.returncode, out, err)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def cli(tmp_path: Path, cfg: Config, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([SCRIPT, *args, "--config", str(cfg.path)], capture_output=True,
                          text=True, env=env(tmp_path), timeout=WAIT_S, stdin=subprocess.DEVNULL)


# -- a lake: readers see the old snapshot or the new one, never an error ---------------------

def reads(box: Path) -> list[dict]:
    p = box / "reads.jsonl"
    if not p.exists():
        return []
    return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()
            if line.endswith("}")]


def seen(box: Path, phase: str, at_least: int) -> Callable[[], bool]:
    def ready() -> bool:
        got = [r for r in reads(box) if r["phase"] == phase]
        return all(sum(r["via"] == via for r in got) >= at_least for via in WAYS)
    return ready


def as_state(value: list[str]) -> tuple[int, Decimal, str, int]:
    return int(value[0]), Decimal(value[1]), value[2], int(value[3])


def run_with_reader(tmp_path: Path, cfg: Config, mode: str, point: str) -> list[dict]:
    """Start the reader, let it read, run the writer held at `point` until the reader has
    read there, release it, let the reader read the result; all the reader's reads."""
    spec = target_spec(cfg)
    writer = None
    box = tmp_path / "box"
    box.mkdir()
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, spec.catalog, spec.data_path, str(box)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
        env=env(tmp_path))
    try:
        wait_for("reads before the sync", seen(box, "before", 2), reader)
        writer = Held(tmp_path, cfg, mode, point)
        writer.wait_held()
        wait_for("reads while the writer is mid-transaction", seen(box, "mid", 2), reader)
        done = writer.release()
        assert done.returncode == 0, done.stderr
        wait_for("reads after the sync", seen(box, "after", 2), reader)
    finally:
        (box / "stop").write_text("")
        if writer is not None:
            writer.kill()
        try:
            reader.communicate(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            reader.kill()
            reader.communicate()
    assert reader.returncode == 0, reader.stderr
    return reads(box)


def check_reads(got: list[dict], old: tuple, new: tuple, expected_new: tuple[int, Decimal]) -> None:
    assert new != old and new[:2] == expected_new and new[0] == new[3]
    errors = [r for r in got if "error" in r]
    assert errors == []
    states = [(r["phase"], r["via"], as_state(r["value"])) for r in got]
    assert all(s in (old, new) for _, _, s in states), [s for s in states if s[2] not in (old, new)]
    assert {(via, s) for phase, via, s in states if phase in ("before", "mid")} == \
        {(via, old) for via in WAYS}
    # every reader, its connection kept open or not, sees the commit on its next query
    assert {(via, s) for phase, via, s in states if phase == "after"} == {(via, new) for via in WAYS}


def test_readers_during_a_full_reload(tmp_path: Path, lake: None) -> None:
    src, cfg = setup(tmp_path, "lake")
    old = aggregates(target_spec(cfg))
    assert old[:2] == src.count_sum()
    src.put(range(1, N + 1, 3), "7.500", "changed")  # updates everywhere
    src.put(range(N + 1, N + 401), "2.000", "new")
    src.delete(list(range(2, 300, 5)))
    got = run_with_reader(tmp_path, cfg, "full", "swap")
    check_reads(got, old, aggregates(target_spec(cfg)), src.count_sum())


def test_readers_during_an_incremental_merge(tmp_path: Path, lake: None) -> None:
    src, cfg = setup(tmp_path, "lake")
    old = aggregates(target_spec(cfg))
    src.put([N - 10, N - 4, N], "4.000", "updated")  # inside the lookback: updated by key
    src.put(range(N + 1, N + 601), "3.000", "new")
    got = run_with_reader(tmp_path, cfg, "incremental", "merge")
    check_reads(got, old, aggregates(target_spec(cfg)), src.count_sum())


# An analyst's session with a transaction open (DBeaver in manual-commit mode, a notebook
# that ran BEGIN, a long query): it reads one snapshot throughout, and the sync commits anyway.
OPEN_READ = r"""
import sys, time
from pathlib import Path
import duckdb
from tui_sync.target.lake import packaged_extension
catalog, data_path, box = sys.argv[1], sys.argv[2], Path(sys.argv[3])
con = duckdb.connect()
for name in ("ducklake", "sqlite_scanner"):
    path = packaged_extension(name)
    con.execute(f"LOAD '{path}'" if path else f"LOAD {name}")
con.execute(f"ATTACH 'ducklake:sqlite:{catalog}' AS lk (DATA_PATH '{data_path}')")
q = "SELECT count(*), sum(amount)::VARCHAR FROM lk.main.ev"
con.execute("BEGIN")
first = con.execute(q).fetchall()[0]
(box / "reading").write_text("")
deadline = time.monotonic() + 600
while not (box / "writer-done").exists() and time.monotonic() < deadline:
    time.sleep(0.05)
inside = con.execute(q).fetchall()[0]
con.execute("COMMIT")
print(repr((first, inside, con.execute(q).fetchall()[0])))
"""


def test_a_reader_with_an_open_transaction_does_not_stop_the_sync(tmp_path: Path,
                                                                   lake: None) -> None:
    src, cfg = setup(tmp_path, "lake")
    spec = target_spec(cfg)
    old = aggregates(spec)
    src.put(range(1, N + 1, 2), "6.000", "changed")
    box = tmp_path / "box"
    box.mkdir()
    reader = subprocess.Popen(
        [sys.executable, "-c", OPEN_READ, spec.catalog, spec.data_path, str(box)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
        env=env(tmp_path))
    try:
        wait_for("the reader's open transaction", (box / "reading").exists, reader)
        sync = cli(tmp_path, cfg, "sync", "EV", "--mode", "full")
    finally:
        (box / "writer-done").write_text("")
        out, err = reader.communicate(timeout=WAIT_S)
    assert sync.returncode == 0, sync.stderr
    assert reader.returncode == 0, err
    new = aggregates(spec)
    assert new[:2] == src.count_sum() and new != old
    first, inside, after = ast.literal_eval(out)
    assert first == inside == (old[0], str(old[1]))  # one snapshot for the whole transaction
    assert after == (new[0], str(new[1]))


# -- the tool's lock and its reports while a sync holds a lake -------------------------------

def test_status_history_and_a_second_writer_during_a_lake_sync(tmp_path: Path, lake: None) -> None:
    src, cfg = setup(tmp_path, "lake")
    (previous,) = json.loads(cli(tmp_path, cfg, "history", "--json").stdout)
    assert previous["status"] == "ok" and previous["rows"] == N
    src.put(range(N + 1, N + 101), "2.000", "new")
    writer = Held(tmp_path, cfg, "incremental", "merge")
    try:
        writer.wait_held()
        status = cli(tmp_path, cfg, "status", "--json")
        assert status.returncode == 0, status.stderr
        (ev,) = json.loads(status.stdout)
        assert ev["target_table"] == "ev" and ev["rows"] == N  # the committed state
        assert ev["last_status"] == "running"
        history = cli(tmp_path, cfg, "history", "--json")
        assert history.returncode == 0, history.stderr
        runs = {r["run_id"]: r for r in json.loads(history.stdout)}
        assert runs[previous["run_id"]]["status"] == "ok"
        assert sorted(r["status"] for r in runs.values()) == ["ok", "running"]
        for cmd in ("status", "history"):  # the text reports too
            r = cli(tmp_path, cfg, cmd)
            assert r.returncode == 0 and "ev" in r.stdout, (cmd, r.stderr)
        second = cli(tmp_path, cfg, "sync", "EV", "--mode", "full")
        assert second.returncode == 3, second.stderr
        assert "Traceback" not in second.stderr and len(second.stderr.strip().splitlines()) == 1
        assert f"cli pid {writer.proc.pid} " in second.stderr and "another sync holds" in second.stderr
    finally:
        done = writer.release()
    assert done.returncode == 0, done.stderr
    assert aggregates(target_spec(cfg))[0] == N + 100
    # the refused writer could not write to the lake the holder had open: its run was queued
    # and the next sync records it
    assert Engine(cfg).run(["EV"], Mode.INCREMENTAL).ok
    runs = read_runs(target_spec(cfg))
    assert sorted(r.status for r in runs) == ["ok", "ok", "ok", "skipped"]
    (skipped,) = [r for r in runs if r.status == "skipped"]
    assert f"cli pid {writer.proc.pid} " in (skipped.error or "")


# -- a DuckDB file: what a second process gets today ------------------------------------------

def test_a_file_target_is_closed_to_other_processes_during_a_sync(tmp_path: Path) -> None:
    """DuckDB's single-writer file design (issue 13): nothing else opens the file, not even
    read-only, while a sync writes; the reports say so in one line naming the holder."""
    src, cfg = setup(tmp_path, "file")
    src.put(range(1, 50), "5.000", "changed")
    writer = Held(tmp_path, cfg, "full", "swap")
    try:
        writer.wait_held()
        pid = writer.proc.pid
        probe = subprocess.run(
            [sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1], read_only=True)",
             str(cfg.target_path())], capture_output=True, text=True, timeout=WAIT_S)
        assert probe.returncode != 0 and "Conflicting lock" in probe.stderr
        for cmd in ("status", "history"):
            r = cli(tmp_path, cfg, cmd)
            assert r.returncode == 3, (cmd, r.returncode, r.stdout, r.stderr)
            assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
            assert f"in use by a sync: cli pid {pid} " in r.stderr, r.stderr  # who, and what
        second = cli(tmp_path, cfg, "sync", "EV", "--mode", "full")
        assert second.returncode == 3 and f"cli pid {pid} " in second.stderr, second.stderr
    finally:
        done = writer.release()
    assert done.returncode == 0, done.stderr
    con = duckdb.connect(str(cfg.target_path()), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM ev WHERE name LIKE 'changed%'").fetchall() == [(49,)]
    finally:
        con.close()
