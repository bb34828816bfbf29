"""Other tools beside tui-sync on the same SQLite table (issue 11; optional, not part of the suite).

    python bench/peers.py [--rows N] [--reps R] [--peers-python PATH] [--sling PATH] [--duckdb-cli PATH]

Builds the bench's SQLite table (`bench/sqlite_source.py`: Oracle-style declared types)
and loads it into a fresh DuckDB file with: the limit (ADBC reader -> DuckDB with casts
to tui-sync's plan), tui-sync (the real engine), and, when they are installed, dlt
`sql_table` (connectorx and pyarrow backends) and Sling. Every repetition runs all of
them in rotating order; the table shows each one's median wall time over the limit's
and the DuckDB column types it produced.

The peers run in their own interpreter (`--peers-python`, default this one), best a
separate venv: `python -m venv /tmp/peers-venv && /tmp/peers-venv/bin/pip install
'dlt[duckdb,sql_database]' connectorx sling sling-linux-amd64 duckdb-cli` (or this
project's `peers` extra). dlt's time is its `pipeline.run` (imports excluded); Sling's
is the `sling run` process. Settings that make them load this table at all:
- dlt pyarrow: SQLAlchemy reflects TIMESTAMP(6) as TIMESTAMP(timezone=6) and DATE as a
  date, and then cannot parse the text; a table adapter makes both DateTime.
- dlt connectorx: reflection_level="minimal", and DATE selected as text (connectorx
  parses a declared DATE as a date and fails on the time part Oracle DATEs carry).
- Sling: the DuckDB CLI (DUCKDB_PATH, from PyPI `duckdb-cli`) and copy_method=csv_files
  (the default csv_http needs DuckDB's httpfs extension, a download). Offline, the CLI
  also needs the json extension installed (PyPI `duckdb-ext-json` of the CLI's version,
  copied under $PEERS_DUCKDB_HOME/.duckdb/extensions/vX.Y.Z/linux_amd64/).
A missing peer is skipped with one line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` and `tui_sync` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import sqlite_source as ss  # noqa: E402
from bench.machine import machine_info  # noqa: E402

DLT_CHILD = r'''
import json, sys, time
import dlt, duckdb, sqlalchemy as sa
from dlt.sources.sql_database import sql_table
backend, src, db, work = sys.argv[1:5]
kw = {}
if backend == "connectorx":
    kw["reflection_level"] = "minimal"
    def qa(query, table):
        cols = ", ".join(f'CAST("{c.name}" AS TEXT) AS "{c.name}"' if isinstance(c.type, sa.Date)
                         and not isinstance(c.type, sa.DateTime) else f'"{c.name}"' for c in table.columns)
        return sa.text(f'SELECT {cols} FROM "{table.name}"')
    kw["query_adapter_callback"] = qa
else:
    def ta(table):
        for c in table.columns:
            if isinstance(c.type, (sa.Date, sa.DateTime)):
                c.type = sa.DateTime()
        return table
    kw["table_adapter_callback"] = ta
res = sql_table(credentials=f"sqlite:///{src}", table="TS_EVENTS", backend=backend, **kw)
p = dlt.pipeline(pipeline_name="peer_" + backend, destination=dlt.destinations.duckdb(db),
                 dataset_name="main", pipelines_dir=work)
t0 = time.perf_counter()
p.run(res, write_disposition="replace")
took = time.perf_counter() - t0
with duckdb.connect(db, read_only=True) as con:
    types = con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE "
                        "table_name = 'ts_events' ORDER BY ordinal_position").fetchall()
print(json.dumps({"seconds": took, "types": dict(types)}))
'''


def _peer_has(python: str, module: str) -> bool:
    r = subprocess.run([python, "-c", f"import {module}"], capture_output=True, timeout=120, check=False)
    return r.returncode == 0


def _dlt(python: str, backend: str, src: Path, folder: Path, types: dict[str, dict[str, str]]) -> float:
    db = folder / f"dlt_{backend}.duckdb"
    work = folder / f"dlt_{backend}_work"
    ss._fresh(db)
    shutil.rmtree(work, ignore_errors=True)
    r = subprocess.run([python, "-c", DLT_CHILD, backend, str(src), str(db), str(work)], capture_output=True,
                       text=True, timeout=3600, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"dlt {backend} failed: {r.stderr.strip().splitlines()[-1:]}")
    out = json.loads(r.stdout.strip().splitlines()[-1])
    types[f"dlt {backend}"] = out["types"]
    return out["seconds"]


def _sling_binary(given: str | None, python: str) -> str | None:
    """The Sling executable: --sling, $SLING_BINARY, the sling-linux-amd64 wheel's, or `sling` on PATH."""
    if given or os.environ.get("SLING_BINARY"):
        return given or os.environ["SLING_BINARY"]
    r = subprocess.run([python, "-c", "import sling_linux_amd64, pathlib; print(pathlib.Path("
                        "sling_linux_amd64.__file__).parent / 'bin' / 'sling-linux-amd64')"],
                       capture_output=True, text=True, timeout=120, check=False)
    if r.returncode == 0 and Path(r.stdout.strip()).exists():
        return r.stdout.strip()
    return shutil.which("sling")


def _sling(binary: str, duckdb_cli: str, src: Path, folder: Path, types: dict[str, dict[str, str]]) -> float:
    db = folder / "sling.duckdb"
    ss._fresh(db)
    # PEERS_DUCKDB_HOME: a HOME whose ~/.duckdb holds the CLI's json extension (offline machines)
    env = dict(os.environ, HOME=os.environ.get("PEERS_DUCKDB_HOME", str(Path.home())),
               SLING_HOME_DIR=str(folder / "sling-home"), DUCKDB_PATH=duckdb_cli,
               SQLITE_SRC=f"sqlite://{src}", DUCK_T=f"duckdb://{db}?copy_method=csv_files")
    t0 = time.perf_counter()
    r = subprocess.run([binary, "run", "--src-conn", "SQLITE_SRC", "--src-stream", ss.TABLE, "--tgt-conn",
                        "DUCK_T", "--tgt-object", f"main.{ss.TARGET}", "--mode", "full-refresh"],
                       capture_output=True, text=True, env=env, timeout=3600, check=False)
    took = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"sling failed: {(r.stdout + r.stderr).strip()[-600:]}")
    types["Sling"] = ss._column_types(db)
    return took


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/peers.py", description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--peers-python", default=sys.executable, help="the interpreter that has dlt")
    ap.add_argument("--sling", help="the sling executable (default: $SLING_BINARY, the wheel's, PATH)")
    ap.add_argument("--duckdb-cli", help="the DuckDB CLI for Sling (default: $DUCKDB_PATH or `duckdb` "
                    "beside --peers-python, or on PATH)")
    ap.add_argument("--tmp", type=Path, help="scratch folder (default: a temp dir)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)
    log = print
    started = datetime.now(UTC)
    folder = Path(tempfile.mkdtemp(prefix="tui-sync-peers-", dir=args.tmp))
    try:
        src = ss.build_source(folder / "peers.sqlite", args.rows)
        plan = ss.table_plan(src, ss.make_config(src, folder / "x.duckdb"))
        types: dict[str, dict[str, str]] = {}
        sides: dict[str, Callable[[], float]] = {
            "limit": lambda: ss.limit_full(src, folder / "limit.duckdb", plan),
            "tui-sync": lambda: ss.ours(src, folder / "ours.duckdb"),
        }
        if _peer_has(args.peers_python, "dlt"):
            for backend in ("connectorx", "pyarrow"):
                module = "connectorx" if backend == "connectorx" else "pyarrow"
                if _peer_has(args.peers_python, module):
                    sides[f"dlt {backend}"] = (lambda b=backend: _dlt(args.peers_python, b, src, folder, types))
                else:
                    log(f"skipped dlt {backend}: {module} is not importable by {args.peers_python}")
        else:
            log(f"skipped dlt: not importable by {args.peers_python} (pip install 'dlt[duckdb,sql_database]')")
        sling = _sling_binary(args.sling, args.peers_python)
        beside = Path(args.peers_python).parent / "duckdb"
        duck_cli = args.duckdb_cli or os.environ.get("DUCKDB_PATH") or (
            str(beside) if beside.exists() else shutil.which("duckdb"))
        if sling and duck_cli:
            sides["Sling"] = lambda: _sling(sling, duck_cli, src, folder, types)
        else:
            log("skipped Sling: " + ("no sling executable (pip install sling sling-linux-amd64)" if not sling
                                     else "no DuckDB CLI (pip install duckdb-cli)"))
        times = ss._interleave(args.reps, sides)
        types["limit"] = ss._column_types(folder / "limit.duckdb")
        types["tui-sync"] = ss._column_types(folder / "ours.duckdb")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    limit = statistics.median(times["limit"])
    m = machine_info()
    print(f"\n{args.rows:,} rows, {args.reps} interleaved repetitions, started {started:%Y-%m-%d %H:%M} UTC; "
          f"{m['cpu_model']}, {m['logical_cores']} cores (nproc), load at start {m['load_avg_at_start']}\n")
    print("| path | wall (median) | ratio to the limit | DuckDB column types |\n|---|---|---|---|")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"| {name} | {med:.2f} s | {med / limit:.2f}x | {_types_text(types.get(name, {}), types['limit'])} |")
    if args.json:
        args.json.write_text(json.dumps({"rows": args.rows, "reps": args.reps, "times_s": times, "types": types,
                                         "machine": m}, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


def _types_text(got: dict[str, str], exact: dict[str, str]) -> str:
    """'exact' when the types match the plan's, else the columns that differ (and extra ones)."""
    diff = [f"{c} {t}" for c, t in got.items() if exact.get(c) != t and not c.startswith("_dlt")]
    extra = [c for c in got if c.startswith("_dlt")]
    text = "exact" if not diff else ", ".join(diff)
    return text + (f" (+ {', '.join(extra)})" if extra else "")


if __name__ == "__main__":
    sys.exit(main())
