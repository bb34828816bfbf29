"""memory_growth: peak RSS of a full sync of a large table / that of a 5x smaller one.

Each size runs in a fresh subprocess (`python -m bench.memory ROWS FOLDER`) so the
peaks do not mix; the source generates every batch lazily, so it never holds the
table, and the whole engine path (staging table, swap, commit, close) runs.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def _peak_rss() -> int:
    """Peak resident set size of this process in bytes.

    Linux: VmHWM of /proc/self/status, the high-water mark of this program's own
    address space. Not ru_maxrss: Linux keeps that across fork and execve, so a
    child started by a big parent would report the parent's size.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def sync_once(rows: int, folder: Path, memory_limit: str = "") -> dict[str, Any]:
    """In this process: a full sync of `rows` lazily generated rows into a DuckDB file in `folder`."""
    from tui_sync.engine import Engine
    from tui_sync.events import Mode, Status

    from . import data

    data.make_batch(0, 10)  # warm the imports and kernels before the baseline
    baseline = _peak_rss()
    config = data.make_config(folder, db_name=f"mem{rows}.duckdb")
    config.target.memory_limit = memory_limit  # [target] memory_limit caps DuckDB's cache
    source = data.ArrowSource(rows)  # lazy: batches are made as they are read
    t0 = time.perf_counter()
    result = Engine(config, source_factory=lambda: source, holder="bench").run([data.TABLE], Mode.FULL)
    elapsed = time.perf_counter() - t0
    (res,) = result.results
    if res.status != Status.OK or res.rows != rows:
        raise RuntimeError(f"memory sync failed: {res.status} {res.rows} {res.error}")
    db = Path(config.target_path())
    size = db.stat().st_size
    for p in folder.glob(db.name + "*"):
        p.unlink(missing_ok=True)
    return {"rows": rows, "peak_rss_bytes": _peak_rss(), "baseline_rss_bytes": baseline,
            "seconds": elapsed, "db_bytes": size}


def raw_once(rows: int, folder: Path) -> dict[str, Any]:
    """In this process: no engine, the bare limit. One `INSERT INTO t SELECT * FROM reader` of the
    same lazily generated rows into a fresh DuckDB file, committed and closed. What it grows by is
    DuckDB's (its buffer cache keeps the blocks it wrote), not tui-sync's."""
    import duckdb
    import pyarrow as pa

    from tui_sync import target as tg

    from . import data

    data.make_batch(0, 10)
    baseline = _peak_rss()
    db = folder / f"raw{rows}.duckdb"
    t0 = time.perf_counter()
    con = duckdb.connect(str(db))
    tg.create_table(con, "t", data.plan())
    reader = pa.RecordBatchReader.from_batches(data.schema(), data.iter_batches(rows))  # noqa: F841
    con.execute("INSERT INTO t SELECT * FROM reader")
    cached = con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchone()[0]
    con.close()
    elapsed = time.perf_counter() - t0
    for p in folder.glob(db.name + "*"):
        p.unlink(missing_ok=True)
    return {"rows": rows, "peak_rss_bytes": _peak_rss(), "baseline_rss_bytes": baseline, "seconds": elapsed,
            "duckdb_buffer_bytes": cached}


def run_child(rows: int, folder: Path, timeout: float = 900, memory_limit: str = "",
              raw: bool = False) -> dict[str, Any]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    args = [str(rows), str(folder), memory_limit] + (["raw"] if raw else [])
    proc = subprocess.run([sys.executable, "-m", "bench.memory", *args], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"memory child for {rows} rows failed: {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def memory_growth(small: int, large: int, folder: Path, mid: int | None = None,
                  memory_limit: str = "") -> dict[str, Any]:
    """Peak RSS of `large` rows / `small` rows; `mid` adds a third size for the curve's shape
    (the engine's full-sync path changes above `chunk_rows`: keyed tables load in chunks)."""
    a = run_child(small, folder, memory_limit=memory_limit)
    b = run_child(large, folder, memory_limit=memory_limit)
    out: dict[str, Any] = {
        "small_rows": small, "large_rows": large,
        "memory_growth": b["peak_rss_bytes"] / a["peak_rss_bytes"],
        # The sync's own peak above the imports, for the reader who wants the delta:
        "growth_above_baseline": (b["peak_rss_bytes"] - b["baseline_rss_bytes"])
        / max(a["peak_rss_bytes"] - a["baseline_rss_bytes"], 1),
        "small": a, "large": b,
    }
    if not memory_limit:  # the same sizes through the bare INSERT (no engine), in fresh processes too
        ra, rb = run_child(small, folder, raw=True), run_child(large, folder, raw=True)
        out["raw_insert"] = {"small": ra, "large": rb,
                             "memory_growth": rb["peak_rss_bytes"] / ra["peak_rss_bytes"]}
    if mid is not None:
        m = run_child(mid, folder, memory_limit=memory_limit)
        out["mid"] = m
        out["large_over_mid"] = b["peak_rss_bytes"] / m["peak_rss_bytes"]
    return out


if __name__ == "__main__":
    if sys.argv[4:5] == ["raw"]:
        print(json.dumps(raw_once(int(sys.argv[1]), Path(sys.argv[2]))))
    else:
        print(json.dumps(sync_once(int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "")))
