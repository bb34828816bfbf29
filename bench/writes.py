"""Write-path figures: ingest_ratio, engine_ratio, the SQLite demo rate, vs_legacy,
incremental_merge and progress_overhead.

Every figure runs its contenders side by side, interleaved and in rotating order
within each repetition, and reports the median of the per-repetition ratios, so
a neighbour's burst of CPU on a shared machine hits both sides alike.
"""

from __future__ import annotations

import datetime as dt
import os
import queue
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from tui_sync import target as tg
from tui_sync.config import Config, SourceConfig, SyncConfig, TableConfig, TargetConfig
from tui_sync.engine import Engine
from tui_sync.events import Mode, Progress, Status

from . import data

Timer = Callable[[], float]


def _rate(rows: int, seconds: float) -> float:
    return rows / seconds if seconds > 0 else float("inf")


def _fresh(folder: Path, name: str) -> Path:
    path = folder / name
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)
    return path


def _cleanup(folder: Path, *names: str) -> None:
    for name in names:
        for p in folder.glob(name + "*"):
            if p.is_file():
                p.unlink(missing_ok=True)


# -- contenders of the write path ---------------------------------------------------------------

def raw_limit(batches: Sequence[pa.RecordBatch], db: Path) -> float:
    """The physical limit: one `INSERT INTO t SELECT * FROM arrow_table` of all the batches,
    into a table created from the same plan, connect to close (the final checkpoint included)."""
    t0 = time.perf_counter()
    con = duckdb.connect(str(db))
    tg.tune_for_loading(con)  # the same session settings as the engine: a fair limit
    tg.create_table(con, "t", data.plan())
    arrow_table = pa.Table.from_batches(batches)  # noqa: F841 - zero-copy, read by name
    con.execute("INSERT INTO t SELECT * FROM arrow_table")
    con.close()
    return time.perf_counter() - t0


def raw_per_batch(batches: Sequence[pa.RecordBatch], db: Path) -> float:
    """For reference: the raw statement once per batch (the engine's granularity)."""
    t0 = time.perf_counter()
    con = duckdb.connect(str(db))
    tg.tune_for_loading(con)  # the same session settings as the engine: a fair limit
    tg.create_table(con, "t", data.plan())
    for arrow_batch in batches:  # noqa: B007 - read by DuckDB's replacement scan
        con.execute("INSERT INTO t SELECT * FROM arrow_batch")
    con.close()
    return time.perf_counter() - t0


def raw_stream(batches: Sequence[pa.RecordBatch], db: Path) -> float:
    """For reference: one INSERT fed by a RecordBatchReader over the batches (what a
    streaming engine write path could do: batches still arrive one at a time)."""
    t0 = time.perf_counter()
    con = duckdb.connect(str(db))
    tg.tune_for_loading(con)  # the same session settings as the engine: a fair limit
    tg.create_table(con, "t", data.plan())
    reader = pa.RecordBatchReader.from_batches(batches[0].schema, iter(batches))  # noqa: F841
    con.execute("INSERT INTO t SELECT * FROM reader")
    con.close()
    return time.perf_counter() - t0


def engine_append(batches: Sequence[pa.RecordBatch], db: Path) -> float:
    """The engine's write path: `tui_sync.target.append_stream` (one INSERT over a reader
    of the batches) into a table made by `tui_sync.target.create_table` from the plan."""
    t0 = time.perf_counter()
    con = tg.connect(db)
    tg.tune_for_loading(con)
    plan = data.plan()
    tg.create_table(con, "t", plan)
    tg.append_stream(con, "t", plan.arrow_schema(), iter(batches))
    con.close()
    return time.perf_counter() - t0


def engine_full(batches: Sequence[pa.RecordBatch], folder: Path, db_name: str,
                on_event: Callable[[Any], None] | None = None) -> float:
    """A whole Engine full sync (lock, state, staging table, swap, commit) from the in-memory source."""
    config = data.make_config(folder, db_name=db_name)
    rows = sum(b.num_rows for b in batches)
    source = data.ArrowSource(rows, batches=batches)
    engine = Engine(config, on_event=on_event, source_factory=lambda: source, holder="bench")
    t0 = time.perf_counter()
    result = engine.run([data.TABLE], Mode.FULL)
    elapsed = time.perf_counter() - t0
    _check(result, rows)
    return elapsed


def _check(result: Any, rows: int) -> None:
    (res,) = result.results
    if res.status != Status.OK or res.rows != rows:
        raise RuntimeError(f"bench sync failed: {res.status} {res.rows} rows, {res.error}")


def write_paths(batches: Sequence[pa.RecordBatch], folder: Path, reps: int,
                log: Callable[[str], None] = print) -> dict[str, Any]:
    """ingest_ratio and engine_ratio against one shared raw-limit measurement per repetition."""
    rows = sum(b.num_rows for b in batches)
    contenders: dict[str, Callable[[int], float]] = {
        "raw": lambda i: raw_limit(batches, _fresh(folder, f"raw{i}.duckdb")),
        "append": lambda i: engine_append(batches, _fresh(folder, f"append{i}.duckdb")),
        "engine": lambda i: engine_full(batches, folder, f"engine{i}.duckdb"),
        "raw_per_batch": lambda i: raw_per_batch(batches, _fresh(folder, f"rawpb{i}.duckdb")),
        "raw_stream": lambda i: raw_stream(batches, _fresh(folder, f"stream{i}.duckdb")),
    }
    names = list(contenders)
    times: dict[str, list[float]] = {n: [] for n in names}
    for i in range(reps):
        order = names[i % len(names):] + names[:i % len(names)]  # rotate who goes first
        for name in order:
            times[name].append(contenders[name](i))
            _cleanup(folder, f"raw{i}", f"append{i}", f"engine{i}", f"rawpb{i}", f"stream{i}")
        log(f"  write paths rep {i + 1}/{reps}: " + ", ".join(
            f"{n} {_rate(rows, times[n][-1]) / 1e6:.2f}M/s" for n in names))
    ratio = {n: statistics.median(times["raw"][i] / times[n][i] for i in range(reps)) for n in names}
    rate = {n: _rate(rows, statistics.median(times[n])) for n in names}
    return {
        "rows": rows, "batches": len(batches), "batch_rows": batches[0].num_rows, "reps": reps,
        "raw_rows_s": rate["raw"], "engine_append_rows_s": rate["append"],
        "engine_full_rows_s": rate["engine"], "raw_per_batch_rows_s": rate["raw_per_batch"],
        "raw_stream_rows_s": rate["raw_stream"],
        "ingest_ratio": ratio["append"], "engine_ratio": ratio["engine"],
        "raw_per_batch_ratio": ratio["raw_per_batch"], "raw_stream_ratio": ratio["raw_stream"],
        "times_s": times,
    }


# -- the SQLite demo source ---------------------------------------------------------------------

def build_demo(folder: Path, rows: int) -> Path:
    from tui_sync.demo import SOURCE_NAME, build_source

    path = folder / SOURCE_NAME
    if not path.exists():
        build_source(path, rows)
    return path


def sqlite_demo(source: Path, folder: Path, reps: int) -> dict[str, Any]:
    """A whole Engine full sync of the demo's EQUIPMENT_EVENTS through the SQLite source."""
    times, rows = [], 0
    for i in range(reps):
        table = TableConfig("EQUIPMENT_EVENTS", target="equipment_events", primary_key=["EVENT_ID"],
                            cursor="EVENT_TIME")
        config = Config(path=None, source=SourceConfig(kind="sqlite", path=str(source.resolve())),
                        target=TargetConfig(path=str(_fresh(folder, f"demo{i}.duckdb").resolve())),
                        sync=SyncConfig(), tables={"EQUIPMENT_EVENTS": table})
        t0 = time.perf_counter()
        result = Engine(config, holder="bench").run(["EQUIPMENT_EVENTS"], Mode.FULL)
        times.append(time.perf_counter() - t0)
        (res,) = result.results
        if res.status != Status.OK:
            raise RuntimeError(f"demo sync failed: {res.error}")
        rows = res.rows
        _cleanup(folder, f"demo{i}")
    return {"rows": rows, "reps": reps, "rows_s": _rate(rows, statistics.median(times)), "times_s": times}


# -- the legacy path ------------------------------------------------------------------------------

def legacy_rows(batch: pa.RecordBatch) -> list[tuple]:
    """What the old tool's driver fetch gave it: one Python tuple per row."""
    return list(zip(*(col.to_pylist() for col in batch.columns), strict=True))


def legacy_iso(rows: list[tuple]) -> list[tuple]:
    """The old tool's datetime handling: every datetime value to an ISO string."""
    def fix(v: Any) -> Any:
        return v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v
    return [tuple(fix(v) for v in row) for row in rows]


def legacy_path(batches: Sequence[pa.RecordBatch], db: Path) -> float:
    """Rows as Python tuples, datetimes as ISO strings, a pandas DataFrame per batch,
    `INSERT INTO t SELECT * FROM df`."""
    import pandas as pd

    columns = batches[0].schema.names
    t0 = time.perf_counter()
    con = duckdb.connect(str(db))
    tg.create_table(con, "t", data.plan())
    for batch in batches:
        df = pd.DataFrame(legacy_iso(legacy_rows(batch)), columns=columns)  # noqa: F841
        con.execute("INSERT INTO t SELECT * FROM df")
    con.close()
    return time.perf_counter() - t0


def executemany_path(batch: pa.RecordBatch, db: Path) -> float:
    """`executemany` of Python tuples (ISO datetimes), the slowest common legacy form."""
    rows = legacy_iso(legacy_rows(batch))
    marks = ", ".join("?" * batch.num_columns)
    t0 = time.perf_counter()
    con = duckdb.connect(str(db))
    tg.create_table(con, "t", data.plan())
    con.executemany(f"INSERT INTO t VALUES ({marks})", rows)
    con.close()
    return time.perf_counter() - t0


def vs_legacy(batches: Sequence[pa.RecordBatch], folder: Path, reps: int, sample_rows: int,
              log: Callable[[str], None] = print) -> dict[str, Any]:
    rows = sum(b.num_rows for b in batches)
    t_engine, t_legacy = [], []
    for i in range(reps):
        pair = [("engine", lambda i=i: engine_full(batches, folder, f"vse{i}.duckdb")),
                ("legacy", lambda i=i: legacy_path(batches, _fresh(folder, f"vsl{i}.duckdb")))]
        for name, fn in (pair if i % 2 == 0 else pair[::-1]):
            (t_engine if name == "engine" else t_legacy).append(fn())
        _cleanup(folder, f"vse{i}", f"vsl{i}")
        log(f"  vs legacy rep {i + 1}/{reps}: engine {_rate(rows, t_engine[-1]) / 1e6:.2f}M/s, "
            f"legacy {_rate(rows, t_legacy[-1]) / 1e3:.0f}k/s")
    sample = pa.Table.from_batches(batches).slice(0, sample_rows).combine_chunks().to_batches()[0]
    t_many = executemany_path(sample, _fresh(folder, "many.duckdb"))
    _cleanup(folder, "many")
    engine_rate = _rate(rows, statistics.median(t_engine))
    many_rate = _rate(sample.num_rows, t_many)
    return {
        "rows": rows, "reps": reps,
        "vs_legacy": statistics.median(le / en for en, le in zip(t_engine, t_legacy, strict=True)),
        "engine_rows_s": engine_rate, "legacy_rows_s": _rate(rows, statistics.median(t_legacy)),
        "executemany_rows": sample.num_rows, "executemany_rows_s": many_rate,
        "vs_executemany": engine_rate / many_rate,
        "times_s": {"engine": t_engine, "legacy": t_legacy, "executemany": t_many},
    }


# -- incremental merge ------------------------------------------------------------------------------

def _keyed_changes(base_rows: int, changed: int, batch_rows: int) -> list[pa.RecordBatch]:
    """`changed` existing keys spread over the whole table, with new values and a cursor
    moved past the watermark (rows updated at the source since the last sync)."""
    stride = max(base_rows // changed, 1)
    out = []
    for start in range(0, changed, batch_rows):
        n = min(batch_rows, changed - start)
        out.append(data.make_batch(start, n, version=1, time_shift=base_rows, stride=stride))
    return out


def _window_changes(base_rows: int, changed: int, batch_rows: int) -> list[pa.RecordBatch]:
    """The last `changed` rows of the table (the lookback window) re-read with new values."""
    return list(data.iter_batches(changed, batch_rows, first=base_rows - changed, version=1))


def _max_time(batches: Sequence[pa.RecordBatch]) -> dt.datetime:
    return max(pc.max(b.column(data.CURSOR.lower())).as_py() for b in batches)


def incremental_merge(base_rows: int, changed: int, folder: Path, reps: int,
                      log: Callable[[str], None] = print) -> dict[str, Any]:
    """Engine incremental runs (the engine's own SQL: stage, DELETE ... USING stage by key or
    DELETE by cursor window, INSERT ... SELECT, one transaction) through the in-memory source
    whose window read returns the changed rows."""
    batch_rows = data.DEFAULT_BATCH_ROWS
    base = folder / "merge_base.duckdb"
    base_config = data.make_config(folder, db_name=base.name)
    source = data.ArrowSource(base_rows)
    t0 = time.perf_counter()
    _check(Engine(base_config, source_factory=lambda: source, holder="bench").run([data.TABLE], Mode.FULL),
           base_rows)
    log(f"  merge base: {base_rows:,} rows in {time.perf_counter() - t0:.1f}s")

    keyed = _keyed_changes(base_rows, changed, batch_rows)
    window = _window_changes(base_rows, changed, batch_rows)
    variants = {
        "key": dict(batches=keyed, primary_key=True, lookback=timedelta(minutes=10)),
        "no_key": dict(batches=window, primary_key=False, lookback=timedelta(seconds=changed - 1)),
    }
    times: dict[str, list[float]] = {k: [] for k in variants}
    for i in range(reps):
        for name, v in variants.items():
            db = folder / f"merge_{name}.duckdb"
            shutil.copyfile(base, db)
            config = data.make_config(folder, db_name=db.name, primary_key=bool(v["primary_key"]),
                                      lookback=v["lookback"])  # type: ignore[arg-type]
            batches: list[pa.RecordBatch] = v["batches"]  # type: ignore[assignment]
            src = data.ArrowSource(base_rows, primary_key=(data.KEY,) if v["primary_key"] else (),
                                   max_cursor=_max_time(batches), window_batches=batches)
            engine = Engine(config, source_factory=lambda s=src: s, holder="bench")
            t0 = time.perf_counter()
            result = engine.run([data.TABLE], Mode.INCREMENTAL)
            times[name].append(time.perf_counter() - t0)
            _check(result, changed)
            con = duckdb.connect(str(db), read_only=True)
            (total,) = con.execute(f"SELECT COUNT(*) FROM {data.TARGET}").fetchone()  # type: ignore[misc]
            con.close()
            if total != base_rows:
                raise RuntimeError(f"merge {name}: {total} rows after the merge, expected {base_rows}")
            _cleanup(folder, db.name)
        log(f"  merge rep {i + 1}/{reps}: " + ", ".join(
            f"{n} {_rate(changed, times[n][-1]) / 1e3:.0f}k rows/s" for n in times))
    _cleanup(folder, base.name)
    return {
        "base_rows": base_rows, "changed_rows": changed, "reps": reps, "path": "engine incremental",
        "key_rows_s": _rate(changed, statistics.median(times["key"])),
        "no_key_rows_s": _rate(changed, statistics.median(times["no_key"])),
        "key_s": statistics.median(times["key"]), "no_key_s": statistics.median(times["no_key"]),
        "times_s": times,
    }


# -- progress overhead ---------------------------------------------------------------------------

class EventSink:
    """A progress consumer like the CLI's and the TUI's: a thread-safe queue plus a
    formatted progress line."""

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.count = 0
        self.line = ""
        self.seconds = 0.0  # time spent inside the callback

    def __call__(self, event: Any) -> None:
        t0 = time.perf_counter()
        self.count += 1
        self.queue.put(event)
        if isinstance(event, Progress):
            self.line = (f"{event.table}: {event.rows_done:,} rows, {event.rows_per_s:,.0f}/s, "
                         f"{event.elapsed_s:.1f}s")
        self.seconds += time.perf_counter() - t0


def quiet_folder(default: Path) -> Path:
    """A RAM-backed scratch folder when there is one (Linux /dev/shm): the progress figure
    compares two runs of the same work, and disk flush jitter from other processes on a
    shared machine is most of its noise."""
    shm = Path("/dev/shm")
    try:
        if shm.is_dir() and shutil.disk_usage(shm).free > 2 * 2**30 and os.access(shm, os.W_OK):
            return Path(tempfile.mkdtemp(prefix="tui-sync-bench-", dir=shm))
    except OSError:
        pass
    return default


def progress_overhead(batches: Sequence[pa.RecordBatch], folder: Path, reps: int,
                      log: Callable[[str], None] = print) -> dict[str, Any]:
    """Full-sync time with an on_event callback / without one; pairs in alternating order,
    the median of the per-pair ratios (wall and process CPU time). The scratch DuckDB files
    go to a RAM-backed folder when there is one."""
    scratch = quiet_folder(folder)
    try:
        out = _progress_pairs(batches, scratch, reps, log)
    finally:
        if scratch != folder:
            shutil.rmtree(scratch, ignore_errors=True)
    out["scratch"] = "tmpfs" if scratch != folder else "disk"
    return out


def _progress_pairs(batches: Sequence[pa.RecordBatch], folder: Path, reps: int,
                    log: Callable[[str], None]) -> dict[str, Any]:
    wall: dict[str, list[float]] = {"on": [], "off": []}
    cpu: dict[str, list[float]] = {"on": [], "off": []}
    events, inside = [], []
    for i in range(reps):
        order = ("off", "on") if i % 2 == 0 else ("on", "off")
        for name in order:
            sink = EventSink() if name == "on" else None
            c0 = time.process_time()
            wall[name].append(engine_full(batches, folder, f"prog{i}{name}.duckdb", on_event=sink))
            cpu[name].append(time.process_time() - c0)
            if sink is not None:
                events.append(sink.count)
                inside.append(sink.seconds)
            _cleanup(folder, f"prog{i}{name}")
        if (i + 1) % 5 == 0 or i + 1 == reps:
            ratios = sorted(on / off for on, off in zip(wall["on"], wall["off"], strict=True))
            log(f"  progress {i + 1}/{reps} pairs: median on/off {statistics.median(ratios):.4f}")
    ratio = statistics.median(on / off for on, off in zip(wall["on"], wall["off"], strict=True))
    cpu_ratio = statistics.median(on / off for on, off in zip(cpu["on"], cpu["off"], strict=True))
    return {
        "rows": sum(b.num_rows for b in batches), "reps": reps, "progress_overhead": ratio,
        "cpu_ratio": cpu_ratio, "min_ratio": min(wall["on"]) / min(wall["off"]),
        "events_per_sync": statistics.median(events),
        "callback_share": statistics.median(s / w for s, w in zip(inside, wall["on"], strict=True)),
        "times_s": wall,
    }
