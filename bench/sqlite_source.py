"""SQLite-source figures (issue 11): sqlite_source_ratio, sqlite_incremental_ratio, parallel_speedup.

The source is a SQLite file holding the bench table (`bench/data.py`'s rows) under
Oracle-style declared types, stored the way such data sits in SQLite: NUMBER(p,s)
columns have NUMERIC affinity (so a decimal lands as REAL, or INTEGER when it is
whole), TIMESTAMP(6) and DATE are text, CHAR(4) is blank-padded text.

"The limit" is implemented here: an Arrow-native reader (the ADBC SQLite driver,
`fetch_record_batch`) feeding one DuckDB `INSERT ... SELECT CAST(...)` to the types of
the same type plan tui-sync builds for the table, connect to close. tui-sync's side is
the real engine, `Engine(config).run([table], Mode.FULL)`, with its own SQLite source.
Both run interleaved in rotating order, and each figure is the median of each side.
"""

from __future__ import annotations

import shutil
import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from tui_sync import target as tg
from tui_sync.config import Config, SourceConfig, SyncConfig, TableConfig, TargetConfig
from tui_sync.engine import Engine
from tui_sync.engine.jobs import plan_options
from tui_sync.events import Mode, Status
from tui_sync.typeplan import TypePlan, build_plan

from . import data

TABLE = data.TABLE
TARGET = data.TARGET
# The declared types as an Oracle-to-SQLite export writes them; STATUS is CHAR here.
DECLARED = {
    "EVENT_ID": "NUMBER(12,0) NOT NULL PRIMARY KEY", "EQUIPMENT_ID": "VARCHAR2(20) NOT NULL",
    "EVENT_TIME": "TIMESTAMP(6) NOT NULL", "STEP_SEQ": "NUMBER(9,0)", "VALUE": "NUMBER(12,3)",
    "AMOUNT": "NUMBER(18,4)", "TEMPERATURE": "BINARY_DOUBLE", "PRESSURE": "BINARY_DOUBLE",
    "STATUS": "CHAR(4)", "UPDATED_AT": "DATE",
}
INGEST_ROWS = 100_000


def _sqlite_batch(batch: pa.RecordBatch) -> pa.Table:
    """The bench batch as SQLite holds it: decimals as doubles (NUMERIC affinity stores REAL,
    or INTEGER when whole), timestamps as text, CHAR blank-padded."""
    cols: dict[str, pa.Array] = {}
    for name, arr in zip(batch.schema.names, batch.columns, strict=True):
        t = arr.type
        if pa.types.is_decimal(t):
            arr = arr.cast(pa.float64())
        elif pa.types.is_timestamp(t) and name == "UPDATED_AT":  # DATE: seconds
            arr = pc.strftime(arr.cast(pa.timestamp("s")), format="%Y-%m-%d %H:%M:%S")
        elif pa.types.is_timestamp(t):  # TIMESTAMP(6): Arrow's %S prints the microseconds
            arr = pc.strftime(arr, format="%Y-%m-%d %H:%M:%S")
        elif pa.types.is_large_string(t):
            arr = arr.cast(pa.string())
        if name == "STATUS":
            arr = pc.utf8_rpad(arr, width=4)
        cols[name] = arr
    return pa.table(cols)


def _ingest(path: Path, table: str, batches: Any) -> None:
    import adbc_driver_sqlite.dbapi as adbc

    with adbc.connect(str(path)) as con, con.cursor() as cur:
        for b in batches:
            cur.adbc_ingest(table, _sqlite_batch(b), mode="append")
        con.commit()


def build_source(path: Path, rows: int, *, cursor_index: bool = False) -> Path:
    """A SQLite file with TS_EVENTS holding rows 1..rows (built with ADBC bulk ingest)."""
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.execute(f"CREATE TABLE {TABLE} ({', '.join(f'{c} {t}' for c, t in DECLARED.items())})")
    if cursor_index:  # what `plan`/`doctor` tell the user to create for incremental runs
        con.execute(f"CREATE INDEX {TABLE}_CURSOR ON {TABLE} ({data.CURSOR})")
    con.commit()
    con.close()
    _ingest(path, TABLE, data.iter_batches(rows, INGEST_ROWS))
    return path


def change_source(path: Path, base: int, new: int, updated: int) -> None:
    """`new` rows appended after `base`, and `updated` rows spread evenly over 1..base with new
    values and their cursor moved past every other row (so the window holds them)."""
    _ingest(path, TABLE, data.iter_batches(new, INGEST_ROWS, first=base))
    if updated:
        stride = max(1, base // updated)
        upd = data.make_batch(0, updated, version=1, time_shift=base + new, stride=stride)
        con = sqlite3.connect(path)
        con.execute(f"CREATE TABLE UPD AS SELECT * FROM {TABLE} WHERE 0")
        con.commit()
        con.close()
        _ingest(path, "UPD", [upd])
        con = sqlite3.connect(path)
        con.execute(f"INSERT OR REPLACE INTO {TABLE} SELECT * FROM UPD")
        con.execute("DROP TABLE UPD")
        con.commit()
        con.close()


def table_plan(path: Path, config: Config) -> TypePlan:
    """The plan tui-sync builds for the table (the limit casts to its DuckDB types)."""
    from tui_sync.sources import open_source

    src = open_source(config.source, base_dir=config.base_dir)
    src.connect()
    try:
        desc = src.describe(TABLE)
    finally:
        src.close()
    return build_plan(list(desc.columns), plan_options(config, config.tables[TABLE]))


def make_config(source: Path, db: Path, parallel: int = 1) -> Config:
    tc = TableConfig(TABLE, target=TARGET, primary_key=[data.KEY], cursor=data.CURSOR, parallel=parallel)
    return Config(path=None, source=SourceConfig(kind="sqlite", path=str(source.resolve())),
                  target=TargetConfig(path=str(db.resolve())), sync=SyncConfig(), tables={TABLE: tc})


def _casts(plan: TypePlan) -> str:
    return ", ".join(f"CAST({tg.qi(c.name)} AS {c.duckdb_type}) AS {tg.qi(c.target_name)}"
                     for c in plan.included)


def _adbc_reader(source: Path, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, Any, Any]:
    import adbc_driver_sqlite.dbapi as adbc

    con = adbc.connect(str(source))
    cur = con.cursor()
    cur.execute(sql, parameters=params or None)
    return con, cur, cur.fetch_record_batch()


def limit_full(source: Path, db: Path, plan: TypePlan) -> float:
    """ADBC read of the whole table -> one DuckDB INSERT with casts to the plan's types."""
    _fresh(db)
    t0 = time.perf_counter()
    con, cur, reader = _adbc_reader(source, f"SELECT {_names(plan)} FROM {TABLE}")
    duck = duckdb.connect(str(db))
    tg.tune_for_loading(duck)
    duck.execute("SET enable_progress_bar = false")
    tg.create_table(duck, TARGET, plan)
    duck.register("src_reader", reader)
    duck.execute(f"INSERT INTO {tg.qi(TARGET)} SELECT {_casts(plan)} FROM src_reader")
    duck.close()
    cur.close()
    con.close()
    return time.perf_counter() - t0


def limit_incremental(source: Path, db: Path, plan: TypePlan, watermark: str) -> float:
    """ADBC read of the window (cursor > watermark) -> a stage with casts -> DELETE USING
    stage by key + INSERT SELECT (the engine's merge shape), in one transaction, connect to close."""
    t0 = time.perf_counter()
    con, cur, reader = _adbc_reader(
        source, f"SELECT {_names(plan)} FROM {TABLE} WHERE {data.CURSOR} > ?", (watermark,))
    duck = duckdb.connect(str(db))
    tg.tune_for_loading(duck)
    duck.execute("SET enable_progress_bar = false")
    stage = "bench_stage"
    tg.create_table(duck, stage, plan)
    duck.register("src_reader", reader)
    duck.execute(f"INSERT INTO {stage} SELECT {_casts(plan)} FROM src_reader")
    t, key = tg.qi(TARGET), tg.qi(plan.included[0].target_name)
    cols = ", ".join(tg.qi(c.target_name) for c in plan.included)
    duck.execute("BEGIN TRANSACTION")
    duck.execute(f"DELETE FROM {t} USING {stage} WHERE {t}.{key} = {stage}.{key}")
    duck.execute(f"INSERT INTO {t} ({cols}) SELECT {cols} FROM {stage}")
    duck.execute(f"DROP TABLE {stage}")
    duck.execute("COMMIT")
    duck.close()
    cur.close()
    con.close()
    return time.perf_counter() - t0


def _names(plan: TypePlan) -> str:
    return ", ".join(tg.qi(c.name) for c in plan.included)


def _fresh(db: Path) -> None:
    for p in db.parent.glob(db.name + "*"):
        p.unlink(missing_ok=True)


class Refused(Exception):
    """The engine refused the run (e.g. parallel on SQLite): reported, not a crash."""


def ours(source: Path, db: Path, mode: Mode = Mode.FULL, parallel: int = 1, fresh: bool = True) -> float:
    if fresh:
        _fresh(db)
    config = make_config(source, db, parallel)
    t0 = time.perf_counter()
    result = Engine(config, holder="bench").run([TABLE], mode)
    elapsed = time.perf_counter() - t0
    (res,) = result.results
    if res.status != Status.OK:
        msg = f"{mode.value} sync (parallel={parallel}) ended {res.status.value}: {res.error}"
        raise Refused(msg) if parallel > 1 else RuntimeError(msg)
    return elapsed


def _interleave(reps: int, sides: dict[str, Callable[[], float]]) -> dict[str, list[float]]:
    """Each repetition runs every side once, the order rotating, so load hits all alike."""
    names = list(sides)
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(reps):
        for k in range(len(names)):
            n = names[(r + k) % len(names)]
            times[n].append(sides[n]())
    return times


def source_ratio(folder: Path, rows: int, reps: int, log: Callable[[str], None]) -> dict[str, Any]:
    t0 = time.perf_counter()
    # With the cursor index `tui-sync plan` and `doctor` ask for: a full sync takes the
    # source's MAX(cursor) before it reads (DESIGN §5), one index lookup with it and one
    # more scan of the table without it (about +0.15x here).
    src = build_source(folder / "src_full.sqlite", rows, cursor_index=True)
    log(f"  built the SQLite source ({rows:,} rows, Oracle-style declared types) in "
        f"{time.perf_counter() - t0:.1f}s")
    plan = table_plan(src, make_config(src, folder / "x.duckdb"))
    lim_db, our_db = folder / "limit.duckdb", folder / "ours.duckdb"
    times = _interleave(reps, {"limit": lambda: limit_full(src, lim_db, plan),
                               "ours": lambda: ours(src, our_db)})
    types = _column_types(lim_db), _column_types(our_db)
    if types[0] != types[1]:
        raise RuntimeError(f"the limit and tui-sync made different column types: {types}")
    _same(lim_db, our_db, rows)
    _fresh(lim_db)
    _fresh(our_db)
    lim, our = statistics.median(times["limit"]), statistics.median(times["ours"])
    log(f"  full sync of {rows:,} rows: limit {lim:.2f}s, tui-sync {our:.2f}s -> {our / lim:.2f}x")
    return {"rows": rows, "reps": reps, "limit_s": lim, "ours_s": our, "ratio": our / lim,
            "times_s": times, "source": src, "column_types": types[1]}


def parallel_speedup(src: Path, folder: Path, reps: int, log: Callable[[str], None]) -> dict[str, Any]:
    db1, db2 = folder / "serial.duckdb", folder / "par2.duckdb"
    try:
        times = _interleave(reps, {"serial": lambda: ours(src, db1), "parallel2": lambda: ours(src, db2, parallel=2)})
    except Refused as exc:
        log(f"  parallel = 2 refused: {exc}")
        return {"speedup": None, "refused": str(exc)}
    finally:
        _fresh(db1)
        _fresh(db2)
    s, p = statistics.median(times["serial"]), statistics.median(times["parallel2"])
    log(f"  serial {s:.2f}s, parallel = 2 {p:.2f}s -> speedup {s / p:.2f}x")
    return {"speedup": s / p, "serial_s": s, "parallel_s": p, "times_s": times, "reps": reps}


def incremental_ratio(folder: Path, base: int, new: int, updated: int, reps: int,
                      log: Callable[[str], None]) -> dict[str, Any]:
    t0 = time.perf_counter()
    src = build_source(folder / "src_inc.sqlite", base, cursor_index=True)
    synced = folder / "inc_base.duckdb"
    _fresh(synced)
    ours(src, synced)  # the first full sync (untimed): the state every repetition starts from
    change_source(src, base, new, updated)
    log(f"  built and synced {base:,} rows, then {new:,} new + {updated:,} updated rows in "
        f"{time.perf_counter() - t0:.1f}s")
    plan = table_plan(src, make_config(src, synced))
    watermark = data.row_time(base).strftime("%Y-%m-%d %H:%M:%S.%f")
    lim_db, our_db = folder / "inc_limit.duckdb", folder / "inc_ours.duckdb"

    def copy(to: Path) -> None:  # untimed: every run starts from the synced file
        _fresh(to)
        shutil.copyfile(synced, to)

    def lim() -> float:
        copy(lim_db)
        return limit_incremental(src, lim_db, plan, watermark)

    def our() -> float:
        copy(our_db)
        return ours(src, our_db, Mode.INCREMENTAL, fresh=False)

    times = _interleave(reps, {"limit": lim, "ours": our})
    _same(lim_db, our_db, base + new)
    for p in (lim_db, our_db, synced):
        _fresh(p)
    src.unlink(missing_ok=True)
    lo, us = statistics.median(times["limit"]), statistics.median(times["ours"])
    log(f"  incremental ({new:,} new + {updated:,} updated into {base:,}): limit {lo:.2f}s, "
        f"tui-sync {us:.2f}s -> {us / lo:.2f}x")
    return {"base_rows": base, "new_rows": new, "updated_rows": updated, "reps": reps, "limit_s": lo,
            "ours_s": us, "ratio": us / lo, "times_s": times}


def _column_types(db: Path) -> dict[str, str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                "WHERE table_name = ? ORDER BY ordinal_position", [TARGET]).fetchall())


def _digest(db: Path) -> tuple[int, int]:
    """Row count and an order-free hash of every row: the limit and tui-sync must load the same."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"SELECT COUNT(*), bit_xor(hash(t)) FROM {tg.qi(TARGET)} t").fetchone()


def _same(limit_db: Path, our_db: Path, rows: int) -> None:
    a, b = _digest(limit_db), _digest(our_db)
    if a != b or a[0] != rows:
        raise RuntimeError(f"the limit and tui-sync loaded different data (rows, hash): {a} vs {b}, "
                           f"expected {rows} rows")
