"""What the DuckLake target costs (issue 13): duckdb155_file_ratio and the lake_* figures.

Three contenders sync the same SQLite source (`bench/sqlite_source.py`'s table under
Oracle-style declared types, with the cursor index) through the real engine:

  file_new  a DuckDB file, on the interpreter running the bench (DuckDB 2.x in the default env);
  file_old  a DuckDB file, on the `--lake-python` interpreter (the DuckDB the `lake` extra pins);
  lake      a DuckLake with a SQLite catalog and a local data folder, on that same interpreter
            (on this one when no second interpreter is given and this one loads ducklake).

Every timed step runs in a fresh process (`python bench/lake.py --child JOB` prints one JSON
line), as a CLI or cron run would: a full sync into a fresh target, then an incremental run
(10% new rows appended and 1% updated rows, merged by key) from a changed copy of the source,
then a read (open, and an aggregate over the table, median of a few). The time is measured
inside the child, so the interpreter's start and imports are not in it; opening the target
(for a lake: loading its extensions and attaching the catalog) is, as it is in every run.
Each repetition runs each step for every contender in rotating order, so a neighbour's burst
of CPU hits all alike, and each ratio is the median of the per-repetition ratios. After every
repetition all contenders must hold the same rows (count and column sums) with the same types.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a child script: make `bench` and `tui_sync` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import data, sqlite_source  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TABLE, TARGET = data.TABLE, data.TARGET
STEPS = ("full", "incremental", "query")
CHILD_TIMEOUT_S = 1800
# One aggregate over the whole table, as a dashboard or notebook would read it.
QUERY = (f"SELECT equipment_id, count(*), sum(amount), avg(temperature), max(event_time) "
         f"FROM {TARGET} GROUP BY equipment_id ORDER BY equipment_id")
# Order-free and the same on every DuckDB version (hash() is not): the contenders' rows agree.
DIGEST = (f"SELECT count(*), sum(event_id), sum(step_seq), CAST(sum(value) AS VARCHAR), "
          f"CAST(sum(amount) AS VARCHAR), sum(epoch_us(event_time)), sum(epoch_us(updated_at)), "
          f"sum(CAST(round(temperature * 100) AS BIGINT)), sum(CAST(round(pressure * 1000) AS BIGINT)), "
          f"sum(length(equipment_id)), sum(length(status)) FROM {TARGET}")


# -- the child: one timed step in a fresh process ---------------------------------------------

def _config(source: str, target: dict[str, str]) -> Any:
    from tui_sync.config import Config, SourceConfig, SyncConfig, TableConfig, TargetConfig

    if target["kind"] == "ducklake":
        tcfg = TargetConfig(kind="ducklake", catalog=target["catalog"], data_path=target["data_path"])
    else:
        tcfg = TargetConfig(path=target["path"])
    tc = TableConfig(TABLE, target=TARGET, primary_key=[data.KEY], cursor=data.CURSOR)
    return Config(path=None, source=SourceConfig(kind="sqlite", path=source), target=tcfg,
                  sync=SyncConfig(), tables={TABLE: tc})


def footprint(target: dict[str, str]) -> dict[str, int]:
    """Bytes on disk: the DuckDB file (+ WAL), or the catalog (+ its journal) plus every data file."""
    if target["kind"] != "ducklake":
        path = Path(target["path"])
        files = [p for p in (path, path.with_name(path.name + ".wal")) if p.is_file()]
        return {"bytes": sum(p.stat().st_size for p in files), "files": len(files)}
    catalog = Path(target["catalog"])
    meta = [p for p in catalog.parent.glob(catalog.name + "*") if p.is_file() and not p.name.endswith(
        (".lock", ".holder", ".pending"))]
    parquet = [p for p in Path(target["data_path"]).rglob("*") if p.is_file()]
    meta_bytes = sum(p.stat().st_size for p in meta)
    data_bytes = sum(p.stat().st_size for p in parquet)
    return {"bytes": meta_bytes + data_bytes, "catalog_bytes": meta_bytes, "data_bytes": data_bytes,
            "files": len(parquet)}


def lake_missing() -> str | None:
    """Why this interpreter cannot open a lake (None: it can); never downloads anything."""
    import duckdb

    from tui_sync.target.lake import packaged_extension

    for name in ("ducklake", "sqlite_scanner"):
        if packaged_extension(name) is not None:
            continue
        con = duckdb.connect(config={"autoinstall_known_extensions": "false"})
        try:
            con.execute(f"LOAD {name}")
        except duckdb.Error:
            return (f"DuckDB {duckdb.__version__} has no {name} extension here "
                    "(pip install -e '.[lake]' in a second venv)")
        finally:
            con.close()
    return None


def _sync(job: dict[str, Any], mode_name: str) -> dict[str, Any]:
    from tui_sync.engine import Engine
    from tui_sync.events import Mode, Status

    mode = Mode.FULL if mode_name == "full" else Mode.INCREMENTAL
    engine = Engine(_config(job["source"], job["target"]), holder="bench")
    t0 = time.perf_counter()
    result = engine.run([TABLE], mode)
    seconds = time.perf_counter() - t0
    (res,) = result.results
    if res.status != Status.OK:
        raise RuntimeError(f"{mode_name} sync ended {res.status.value}: {res.error}")
    return {"seconds": seconds, "rows": res.rows, "footprint": footprint(job["target"])}


def _query(job: dict[str, Any]) -> dict[str, Any]:
    from tui_sync import target as tg

    spec = tg.target_spec(_config(job["source"], job["target"]))
    t0 = time.perf_counter()
    con = tg.connect(spec, create=False)
    open_s = time.perf_counter() - t0
    times = []
    for _ in range(int(job.get("query_reps", 3))):
        t0 = time.perf_counter()
        con.execute(QUERY).fetchall()
        times.append(time.perf_counter() - t0)
    digest = [str(v) for v in con.execute(DIGEST).fetchall()[0]]
    types = con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
                        "AND table_catalog = current_database() ORDER BY ordinal_position", [TARGET]).fetchall()
    con.close()
    return {"open_s": open_s, "seconds": statistics.median(times), "first_s": times[0],
            "digest": digest, "types": [list(t) for t in types]}


def child(job: dict[str, Any]) -> dict[str, Any]:
    import duckdb

    step = job["step"]
    out: dict[str, Any] = {"duckdb": duckdb.__version__, "python": sys.executable}
    if step == "probe":
        out["lake"] = lake_missing()
    elif step == "full":
        _fresh_target(job["target"])
        out.update(_sync(job, "full"))
    elif step == "incremental":
        out.update(_sync(job, "incremental"))
    elif step == "query":
        out.update(_query(job))
    else:
        raise ValueError(f"unknown step {step!r}")
    return out


def _fresh_target(target: dict[str, str]) -> None:
    paths = [Path(target["path"])] if target["kind"] != "ducklake" else [Path(target["catalog"])]
    for p in paths:
        for f in p.parent.glob(p.name + "*"):
            f.unlink(missing_ok=True)
    if target["kind"] == "ducklake":
        shutil.rmtree(target["data_path"], ignore_errors=True)


# -- the parent: contenders side by side --------------------------------------------------------

def run_child(python: str, job: dict[str, Any]) -> dict[str, Any]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = subprocess.run([python, str(Path(__file__).resolve()), "--child", json.dumps(job)], env=env,
                          capture_output=True, text=True, timeout=CHILD_TIMEOUT_S, check=False)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise RuntimeError(f"{Path(python).name} {job['step']} failed (exit {proc.returncode}): {tail}")
    return json.loads(lines[-1])


def _probe(python: str) -> tuple[dict[str, Any] | None, str | None]:
    if not Path(python).exists():
        return None, f"no interpreter at {python}"
    try:
        return run_child(python, {"step": "probe"}), None
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        return None, str(exc)


def contenders(folder: Path, lake_python: str | None,
               log: Callable[[str], None]) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """name -> {python, duckdb, target}; and a note per contender that cannot run here."""
    here, _ = _probe(sys.executable)
    if here is None:
        raise RuntimeError(f"{sys.executable} cannot run the lake bench child")
    found: dict[str, dict[str, Any]] = {
        "file_new": {"python": sys.executable, "duckdb": here["duckdb"], "kind": "duckdb"}}
    notes: dict[str, str] = {}
    old = None
    if lake_python:
        old, why = _probe(lake_python)
        if old is None:
            notes["file_old"] = f"--lake-python {lake_python}: {why}"
        else:
            found["file_old"] = {"python": lake_python, "duckdb": old["duckdb"], "kind": "duckdb"}
    else:
        notes["file_old"] = "no second interpreter: pass --lake-python PATH (a venv with '.[lake]')"
    if old is not None and old["lake"] is None:
        found["lake"] = {"python": lake_python, "duckdb": old["duckdb"], "kind": "ducklake"}
    elif here["lake"] is None:  # this interpreter opens lakes itself (run from the lake venv)
        found["lake"] = {"python": sys.executable, "duckdb": here["duckdb"], "kind": "ducklake"}
    else:
        notes["lake"] = (old or here)["lake"] or "no interpreter here loads the ducklake extension"
    for name, c in found.items():
        sub = folder / name
        c["target"] = ({"kind": "ducklake", "catalog": str(sub / "lake.sqlite"),
                        "data_path": str(sub / "lake.files") + "/"}
                       if c["kind"] == "ducklake" else {"kind": "duckdb", "path": str(sub / "sync.duckdb")})
        log(f"  {name}: DuckDB {c['duckdb']} {c['kind']} ({c['python']})")
    for name, note in notes.items():
        log(f"  {name}: not measured ({note})")
    return found, notes


def build_sources(folder: Path, rows: int, new: int, updated: int) -> tuple[Path, Path]:
    base = sqlite_source.build_source(folder / "lake_src.sqlite", rows, cursor_index=True)
    changed = folder / "lake_src_changed.sqlite"
    shutil.copyfile(base, changed)
    sqlite_source.change_source(changed, rows, new, updated)
    return base, changed


def measure(folder: Path, rows: int, reps: int, lake_python: str | None, log: Callable[[str], None],
            query_reps: int = 3) -> dict[str, Any]:
    """Run every contender `reps` times, interleaved; the raw times and what they held."""
    new, updated = max(1, rows // 10), max(1, rows // 100)
    found, notes = contenders(folder, lake_python, log)
    t0 = time.perf_counter()
    base, changed = build_sources(folder, rows, new, updated)
    log(f"  built the SQLite source ({rows:,} rows; a copy with {new:,} new + {updated:,} updated) in "
        f"{time.perf_counter() - t0:.1f}s")
    names = list(found)
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {n: {s: [] for s in STEPS} for n in names}
    try:
        for r in range(reps):
            for step in STEPS:
                for k in range(len(names)):
                    n = names[(r + k) % len(names)]
                    src = base if step == "full" else changed
                    job = {"step": step, "source": str(src), "target": found[n]["target"],
                           "query_reps": query_reps}
                    runs[n][step].append(run_child(found[n]["python"], job))
            _agree(runs, rows + new)
            log(f"  rep {r + 1}/{reps}: " + "; ".join(
                f"{n} full {runs[n]['full'][-1]['seconds']:.2f}s inc {runs[n]['incremental'][-1]['seconds']:.2f}s "
                f"query {runs[n]['query'][-1]['seconds'] * 1000:.0f}ms" for n in names))
    finally:
        for n in names:
            shutil.rmtree(folder / n, ignore_errors=True)
        for p in (base, changed):
            p.unlink(missing_ok=True)
    return {"rows": rows, "new_rows": new, "updated_rows": updated, "reps": reps, "query": QUERY,
            "contenders": {n: {k: v for k, v in c.items() if k != "target"} for n, c in found.items()},
            "not_measured": notes, "runs": runs}


def _agree(runs: dict[str, dict[str, list[dict[str, Any]]]], rows: int) -> None:
    last = {n: r["query"][-1] for n, r in runs.items()}
    digests = {n: tuple(q["digest"]) for n, q in last.items()}
    types = {n: tuple(map(tuple, q["types"])) for n, q in last.items()}
    if len(set(digests.values())) != 1 or len(set(types.values())) != 1:
        raise RuntimeError(f"the contenders hold different data: {digests} / {types}")
    if int(next(iter(digests.values()))[0]) != rows:
        raise RuntimeError(f"{next(iter(digests.values()))[0]} rows after the incremental run, expected {rows}")


def _med(xs: list[float]) -> float:
    return statistics.median(xs)


def summarize(raw: dict[str, Any]) -> dict[str, Any]:
    """Medians per contender and the ratios (median of the per-repetition ratios)."""
    runs = raw["runs"]

    def secs(n: str, step: str, key: str = "seconds") -> list[float]:
        return [x[key] for x in runs[n][step]]

    def ratio(a: str, b: str, step: str, key: str = "seconds") -> float | None:
        if a not in runs or b not in runs:
            return None
        return _med([x / y for x, y in zip(secs(a, step, key), secs(b, step, key), strict=True)])

    def size(n: str, step: str) -> int:
        return int(_med([x["footprint"]["bytes"] for x in runs[n][step]]))

    medians = {n: {"full_s": _med(secs(n, "full")), "incremental_s": _med(secs(n, "incremental")),
                   "query_s": _med(secs(n, "query")), "open_s": _med(secs(n, "query", "open_s")),
                   "bytes_after_full": size(n, "full"), "bytes_after_incremental": size(n, "incremental"),
                   "footprint_after_incremental": runs[n]["incremental"][-1]["footprint"]}
               for n in runs}
    # The lake against the file on its own DuckDB: what the lake itself costs.
    same = "file_old" if raw["contenders"].get("lake", {}).get("python") == \
        raw["contenders"].get("file_old", {}).get("python") else "file_new"
    out: dict[str, Any] = {"medians": medians, "lake_vs": same}
    out["duckdb155_file_ratio"] = ratio("file_old", "file_new", "full")
    out["duckdb155_file_incremental_ratio"] = ratio("file_old", "file_new", "incremental")
    out["duckdb155_file_query_ratio"] = ratio("file_old", "file_new", "query")
    for step, name in (("full", "lake_full_ratio"), ("incremental", "lake_incremental_ratio"),
                       ("query", "lake_query_ratio")):
        out[name] = ratio("lake", same, step)
        out[name + "_vs_newest"] = ratio("lake", "file_new", step)
    if "lake" in runs:
        lake_b, file_b = medians["lake"]["bytes_after_incremental"], medians[same]["bytes_after_incremental"]
        out["lake_footprint_ratio"] = lake_b / file_b
        out["lake_footprint_ratio_after_full"] = medians["lake"]["bytes_after_full"] / medians[same]["bytes_after_full"]
        out["lake_open_s"] = medians["lake"]["open_s"]
    return out


def figures(raw: dict[str, Any], figure: Callable[..., None]) -> dict[str, Any]:
    """The suite's figures from a measurement (`figure(name, value, **extra)`); a contender
    that could not run makes its figures 'not measured' with the reason."""
    s = summarize(raw)
    med, notes, versions = s["medians"], raw["not_measured"], {
        n: c["duckdb"] for n, c in raw["contenders"].items()}
    common = {"rows": raw["rows"], "new_rows": raw["new_rows"], "updated_rows": raw["updated_rows"],
              "reps": raw["reps"], "duckdb": versions}

    def put(name: str, value: float | None, needs: str, **extra: Any) -> None:
        if value is None:
            figure(name, None, status="not measured", note=notes.get(needs, needs + " not measured"))
        else:
            figure(name, value, **common, **extra)

    put("duckdb155_file_ratio", s["duckdb155_file_ratio"], "file_old",
        incremental_ratio=s["duckdb155_file_incremental_ratio"], query_ratio=s["duckdb155_file_query_ratio"])
    for step, name in (("full", "lake_full_ratio"), ("incremental", "lake_incremental_ratio"),
                       ("query", "lake_query_ratio")):
        seconds = {n: m[step + "_s"] for n, m in med.items()}  # the median seconds of each contender
        put(name, s[name], "lake", vs=s["lake_vs"], vs_newest=s[name + "_vs_newest"], seconds=seconds)
    put("lake_footprint_ratio", s.get("lake_footprint_ratio"), "lake", vs=s["lake_vs"],
        after_full=s.get("lake_footprint_ratio_after_full"),
        lake=med.get("lake", {}).get("footprint_after_incremental"), lake_open_s=s.get("lake_open_s"))
    return s


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--child":
        print(json.dumps(child(json.loads(argv[1])), default=str))
        return 0
    print("usage: python bench/run.py --only lake [--lake-python PATH]  (this module's --child is internal)",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
