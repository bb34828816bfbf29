"""tui-sync benchmark suite (issue 5).

    python bench/run.py [--quick] [--json PATH] [--only NAME[,NAME...]]

Prints one table (every figure with its goal and pass/miss) and writes the JSON
document (machine, sizes, figures, raw measurements). Each figure measures its
contenders side by side in this one run; see bench/README.md for what each one
does exactly.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` and `tui_sync` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import data, lake, memory, preview, sqlite_source, ui, writes  # noqa: E402
from bench.machine import machine_info  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Sizes:
    rows: int  # the pre-built Arrow data of ingest_ratio / engine_ratio
    write_reps: int
    legacy_rows: int  # vs_legacy: the first N rows of the same data, both sides
    legacy_reps: int
    executemany_rows: int
    demo_rows: int  # SQLite demo source (EQUIPMENT_EVENTS), also the TUI's table
    demo_reps: int
    merge_base: int
    merge_changed: int
    merge_reps: int
    mem_small: int
    mem_mid: int
    mem_large: int
    progress_rows: int
    progress_reps: int
    detect_rows: int
    detect_reps: int
    chart_points: int
    chart_reps: int
    ui_samples: int
    src_rows: int  # sqlite_source_ratio and parallel_speedup: the SQLite table
    src_reps: int
    par_reps: int
    inc_base: int  # sqlite_incremental_ratio: new + updated rows into the base
    inc_new: int
    inc_updated: int
    inc_reps: int
    lake_rows: int  # the lake figures: the SQLite table; +10% new and 1% updated rows for the incremental
    lake_reps: int


QUICK = Sizes(rows=1_000_000, write_reps=3, legacy_rows=500_000, legacy_reps=1, executemany_rows=1_000,
              demo_rows=250_000, demo_reps=1, merge_base=1_000_000, merge_changed=200_000, merge_reps=1,
              mem_small=1_000_000, mem_mid=2_000_000, mem_large=5_000_000, progress_rows=500_000,
              progress_reps=15, detect_rows=1_000_000, detect_reps=3, chart_points=1_000_000, chart_reps=5,
              ui_samples=30, src_rows=300_000, src_reps=3, par_reps=2, inc_base=500_000, inc_new=50_000,
              inc_updated=5_000, inc_reps=3, lake_rows=200_000, lake_reps=2)
FULL = Sizes(rows=5_000_000, write_reps=5, legacy_rows=2_000_000, legacy_reps=1, executemany_rows=5_000,
             demo_rows=1_000_000, demo_reps=2, merge_base=5_000_000, merge_changed=200_000, merge_reps=3,
             mem_small=1_000_000, mem_mid=2_000_000, mem_large=5_000_000, progress_rows=1_000_000,
             progress_reps=41, detect_rows=1_000_000, detect_reps=7, chart_points=1_000_000, chart_reps=9,
             ui_samples=60, src_rows=1_000_000, src_reps=5, par_reps=3, inc_base=2_000_000,
             inc_new=200_000, inc_updated=20_000, inc_reps=3, lake_rows=1_000_000, lake_reps=5)

# name -> (goal operator, threshold, unit, what it is)
GOALS: dict[str, tuple[str | None, float | None, str, str]] = {
    "ingest_ratio": (">=", 0.9, "x", "engine write path (target.append) / raw INSERT of the Arrow table"),
    "engine_ratio": (">=", 0.8, "x", "whole Engine full sync (in-memory Arrow source) / raw limit"),
    "sqlite_demo_rows_s": (None, None, "rows/s", "Engine full sync through the SQLite demo source"),
    "vs_legacy": (">=", 5.0, "x", "engine rows/s / legacy tuples+ISO+pandas rows/s"),
    "vs_executemany": (None, None, "x", "engine rows/s / executemany rows/s (small sample)"),
    "incremental_merge_key_rows_s": (None, None, "rows/s", "upsert of changed rows by primary key"),
    "incremental_merge_no_key_rows_s": (None, None, "rows/s", "delete window + re-append, no key"),
    "memory_growth": ("<=", 1.25, "x", "peak RSS of the large full sync / the small one"),
    "memory_growth_256mb": ("<=", 1.25, "x", "the same with [target] memory_limit = 256MB"),
    "progress_overhead": ("<=", 1.01, "x", "full-sync time with on_event / without"),
    "detect_1m_s": ("<", 0.5, "s", "Polars type detection, 5 text columns"),
    "chart_1m_s": ("<", 0.2, "s", "LTTB + plotext render to 200x50"),
    "ui_latency_ms": ("<", 100.0, "ms", "key press to screen change during a sync, p95"),
    "sqlite_source_ratio": ("<=", 1.3, "x", "Engine full sync from SQLite / ADBC reader -> DuckDB with casts"),
    "sqlite_incremental_ratio": (None, None, "x", "Engine incremental run from SQLite / ADBC window + merge"),
    "parallel_speedup": (">", 1.0, "x", "full sync from SQLite, serial time / parallel = 2 time"),
    "duckdb155_file_ratio": (None, None, "x", "full sync to a file, the lake extra's DuckDB / the newest"),
    "lake_full_ratio": (None, None, "x", "full sync to a DuckLake / to a file on the same DuckDB"),
    "lake_incremental_ratio": (None, None, "x", "incremental run into a DuckLake / into a file, same DuckDB"),
    "lake_query_ratio": (None, None, "x", "aggregate over the table, DuckLake / file, same DuckDB"),
    "lake_footprint_ratio": (None, None, "x", "DuckLake catalog + Parquet bytes / DuckDB file bytes"),
}


def verdict(name: str, value: float | None) -> bool | None:
    op, goal, _, _ = GOALS[name]
    if op is None or goal is None or value is None:
        return None
    return {">=": value >= goal, ">": value > goal, "<=": value <= goal, "<": value < goal}[op]


# -- the suite ----------------------------------------------------------------------------------

class Suite:
    def __init__(self, sizes: Sizes, folder: Path, only: set[str] | None, log: Callable[[str], None],
                 lake_python: str | None = None):
        self.sizes, self.folder, self.only, self.log = sizes, folder, only, log
        self.lake_python = lake_python  # the second interpreter of the lake figures
        self.figures: dict[str, dict[str, Any]] = {}
        self.details: dict[str, Any] = {}
        self.errors: dict[str, str] = {}
        self._batches: list[Any] | None = None
        self._demo: Path | None = None

    def wanted(self, section: str) -> bool:
        return self.only is None or section in self.only

    def batches(self) -> list[Any]:
        if self._batches is None:
            t0 = time.perf_counter()
            self._batches = data.build_batches(self.sizes.rows)
            self.log(f"  built {self.sizes.rows:,} rows of Arrow batches in {time.perf_counter() - t0:.1f}s")
        return self._batches

    def demo(self) -> Path:
        if self._demo is None:
            t0 = time.perf_counter()
            self._demo = writes.build_demo(self.folder, self.sizes.demo_rows)
            self.log(f"  built the SQLite demo source ({self.sizes.demo_rows:,} EQUIPMENT_EVENTS rows) "
                     f"in {time.perf_counter() - t0:.1f}s")
        return self._demo

    def figure(self, name: str, value: float | None, **extra: Any) -> None:
        op, goal, unit, what = GOALS[name]
        self.figures[name] = {"value": value, "unit": unit, "goal": f"{op} {goal:g}" if op else None,
                              "pass": verdict(name, value), "what": what, **extra}

    def section(self, name: str, func: Callable[[], None], fallback: list[str]) -> None:
        if not self.wanted(name):
            return
        self.log(f"[{name}]")
        t0 = time.perf_counter()
        try:
            func()
        except Exception as exc:  # noqa: BLE001 - one broken figure must not sink the suite
            traceback.print_exc(file=sys.stderr)
            self.errors[name] = f"{type(exc).__name__}: {str(exc).strip()[:500]}"
            for fig in fallback:
                self.figure(fig, None, status="error", error=self.errors[name])
        self.details.setdefault("section_seconds", {})[name] = round(time.perf_counter() - t0, 1)

    # -- sections ------------------------------------------------------------------------------
    def write_paths(self) -> None:
        r = writes.write_paths(self.batches(), self.folder, self.sizes.write_reps, self.log)
        self.details["write_paths"] = r
        self.figure("ingest_ratio", r["ingest_ratio"], engine_rows_s=r["engine_append_rows_s"],
                    raw_rows_s=r["raw_rows_s"], rows=r["rows"])
        self.figure("engine_ratio", r["engine_ratio"], engine_rows_s=r["engine_full_rows_s"],
                    raw_rows_s=r["raw_rows_s"], rows=r["rows"])

    def sqlite_demo(self) -> None:
        r = writes.sqlite_demo(self.demo(), self.folder, self.sizes.demo_reps)
        self.details["sqlite_demo"] = r
        self.figure("sqlite_demo_rows_s", r["rows_s"], rows=r["rows"])

    def legacy(self) -> None:
        import importlib.util

        import pyarrow as pa

        if importlib.util.find_spec("pandas") is None:
            note = "needs pandas: pip install -e '.[bench]' (or pip install pandas)"
            self.log(f"  skipped: {note}")
            self.figure("vs_legacy", None, status="not measured", note=note)
            self.figure("vs_executemany", None, status="not measured", note=note)
            return

        batches = self.batches()
        n = min(self.sizes.legacy_rows, self.sizes.rows)
        subset = pa.Table.from_batches(batches).slice(0, n).to_batches(max_chunksize=data.DEFAULT_BATCH_ROWS)
        r = writes.vs_legacy(subset, self.folder, self.sizes.legacy_reps, self.sizes.executemany_rows,
                             self.log)
        self.details["legacy"] = r
        self.figure("vs_legacy", r["vs_legacy"], engine_rows_s=r["engine_rows_s"],
                    legacy_rows_s=r["legacy_rows_s"], rows=r["rows"])
        self.figure("vs_executemany", r["vs_executemany"], executemany_rows_s=r["executemany_rows_s"],
                    rows=r["executemany_rows"])

    def merge(self) -> None:
        r = writes.incremental_merge(self.sizes.merge_base, self.sizes.merge_changed, self.folder,
                                     self.sizes.merge_reps, self.log)
        self.details["incremental_merge"] = r
        common = {"base_rows": r["base_rows"], "changed_rows": r["changed_rows"], "path": r["path"]}
        self.figure("incremental_merge_key_rows_s", r["key_rows_s"], seconds=r["key_s"], **common)
        self.figure("incremental_merge_no_key_rows_s", r["no_key_rows_s"], seconds=r["no_key_s"], **common)

    def memory(self) -> None:
        s = self.sizes
        r = memory.memory_growth(s.mem_small, s.mem_large, self.folder, mid=s.mem_mid)
        self.details["memory"] = r
        mib = 2**20
        self.log(f"  peak RSS: {s.mem_small:,} rows {r['small']['peak_rss_bytes'] / mib:.0f} MiB, "
                 f"{s.mem_mid:,} rows {r['mid']['peak_rss_bytes'] / mib:.0f} MiB, "
                 f"{s.mem_large:,} rows {r['large']['peak_rss_bytes'] / mib:.0f} MiB")
        self.figure("memory_growth", r["memory_growth"], small_rows=s.mem_small, large_rows=s.mem_large,
                    small_peak_mib=r["small"]["peak_rss_bytes"] / mib,
                    large_peak_mib=r["large"]["peak_rss_bytes"] / mib,
                    mid_rows=s.mem_mid, mid_peak_mib=r["mid"]["peak_rss_bytes"] / mib,
                    large_over_mid=r["large_over_mid"], raw_insert_growth=r["raw_insert"]["memory_growth"])
        raw = r["raw_insert"]
        self.log(f"  the bare INSERT of the same rows (no engine): {raw['small']['peak_rss_bytes'] / mib:.0f} -> "
                 f"{raw['large']['peak_rss_bytes'] / mib:.0f} MiB, growth {raw['memory_growth']:.2f} "
                 f"(DuckDB holds {raw['large']['duckdb_buffer_bytes'] / mib:.0f} MiB of written blocks at the end)")
        # DuckDB's buffer cache grows toward its default limit (80% of RAM): capped, the
        # curve shows what the engine itself holds.
        lim = memory.memory_growth(s.mem_small, s.mem_large, self.folder, memory_limit="256MB")
        self.details["memory_256mb"] = lim
        self.figure("memory_growth_256mb", lim["memory_growth"], small_rows=s.mem_small,
                    large_rows=s.mem_large, small_peak_mib=lim["small"]["peak_rss_bytes"] / mib,
                    large_peak_mib=lim["large"]["peak_rss_bytes"] / mib)

    def progress(self) -> None:
        import pyarrow as pa

        n = min(self.sizes.progress_rows, self.sizes.rows)
        subset = pa.Table.from_batches(self.batches()).slice(0, n).to_batches(
            max_chunksize=data.DEFAULT_BATCH_ROWS)
        r = writes.progress_overhead(subset, self.folder, self.sizes.progress_reps, self.log)
        self.details["progress"] = r
        self.figure("progress_overhead", r["progress_overhead"], cpu_ratio=r["cpu_ratio"],
                    min_ratio=r["min_ratio"], scratch=r["scratch"],
                    callback_share=r["callback_share"], events_per_sync=r["events_per_sync"], rows=r["rows"])

    def detect(self) -> None:
        r = preview.detect_bench(self.sizes.detect_rows, self.sizes.detect_reps, self.log)
        self.details["detect"] = r
        self.figure("detect_1m_s", r["detect_1m_s"], rows=r["rows"], text_columns=r["text_columns"])

    def chart(self) -> None:
        r = preview.chart_bench(self.sizes.chart_points, 200, 50, self.sizes.chart_reps, self.log)
        self.details["chart"] = r
        self.figure("chart_1m_s", r["chart_1m_s"], points=r["points"], drawn_points=r["drawn_points"])

    def ui(self) -> None:
        r = ui.run_child(self.folder / "ui-home", self.demo(), self.sizes.ui_samples)
        self.details["ui"] = r
        self.log(f"  {r['samples']} presses over {r['syncs']} sync(s): p50 {r['p50_ms']:.0f} ms, "
                 f"p95 {r['p95_ms']:.0f} ms, max {r['max_ms']:.0f} ms; with no sync: p50 "
                 f"{r['idle_p50_ms']:.0f} ms, p95 {r['idle_p95_ms']:.0f} ms")
        self.log(f"  presses over 100 ms: {r['slow_presses']}, of which during a GC collection: "
                 f"{r['slow_presses_during_gc']}; longest collection {r['gc_max_ms']:.0f} ms")
        sp = r["slow_split_ms"]
        self.log(f"  slowest 10% of presses, mean per press: {sp['wall']:.0f} ms = UI-thread CPU {sp['ui_cpu']:.0f} + "
                 f"waiting for a core {sp['runqueue_wait']:.0f} + other (GIL, polling) {sp['other']:.0f}; "
                 f"load average {r['load_avg']}")
        self.figure("ui_latency_ms", r["p95_ms"], p50_ms=r["p50_ms"], max_ms=r["max_ms"],
                    samples=r["samples"], idle_p50_ms=r["idle_p50_ms"], idle_p95_ms=r["idle_p95_ms"],
                    slow_presses=r["slow_presses"], slow_presses_during_gc=r["slow_presses_during_gc"],
                    gc_max_ms=r["gc_max_ms"], demo_rows=self.sizes.demo_rows, slow_split_ms=sp)

    def sqlite_source(self) -> None:
        import importlib.util

        s = self.sizes
        if importlib.util.find_spec("adbc_driver_sqlite") is None:  # the limit's reader
            note = "needs adbc-driver-sqlite: pip install -e '.[bench]'"
            self.log(f"  skipped: {note}")
            for name in ("sqlite_source_ratio", "parallel_speedup", "sqlite_incremental_ratio"):
                self.figure(name, None, status="not measured", note=note)
            return
        r = sqlite_source.source_ratio(self.folder, s.src_rows, s.src_reps, self.log)
        self.details["sqlite_source"] = {k: v for k, v in r.items() if k != "source"}
        self.figure("sqlite_source_ratio", r["ratio"], rows=r["rows"], limit_s=r["limit_s"], ours_s=r["ours_s"])
        p = sqlite_source.parallel_speedup(r["source"], self.folder, s.par_reps, self.log)
        self.details["parallel"] = p
        self.figure("parallel_speedup", p["speedup"], rows=r["rows"], **(
            {"status": "not measured", "note": p["refused"]} if p["speedup"] is None else {}))
        r["source"].unlink(missing_ok=True)
        i = sqlite_source.incremental_ratio(self.folder, s.inc_base, s.inc_new, s.inc_updated, s.inc_reps,
                                            self.log)
        self.details["sqlite_incremental"] = i
        self.figure("sqlite_incremental_ratio", i["ratio"], base_rows=i["base_rows"], new_rows=i["new_rows"],
                    updated_rows=i["updated_rows"], limit_s=i["limit_s"], ours_s=i["ours_s"])

    def lake(self) -> None:
        r = lake.measure(self.folder, self.sizes.lake_rows, self.sizes.lake_reps, self.lake_python, self.log)
        self.details["lake"] = {**r, "summary": lake.figures(r, self.figure)}

    def run(self) -> None:
        # Preview and UI first while the big Arrow data is not yet resident; the
        # memory children run in their own processes.
        self.section("detect", self.detect, ["detect_1m_s"])
        self.section("chart", self.chart, ["chart_1m_s"])
        self.section("memory", self.memory, ["memory_growth", "memory_growth_256mb"])
        self.section("sqlite_demo", self.sqlite_demo, ["sqlite_demo_rows_s"])
        self.section("ui", self.ui, ["ui_latency_ms"])
        self.section("merge", self.merge, ["incremental_merge_key_rows_s", "incremental_merge_no_key_rows_s"])
        self.section("write_paths", self.write_paths, ["ingest_ratio", "engine_ratio"])
        self.section("legacy", self.legacy, ["vs_legacy", "vs_executemany"])
        self.section("progress", self.progress, ["progress_overhead"])
        self.section("sqlite_source", self.sqlite_source,
                     ["sqlite_source_ratio", "parallel_speedup", "sqlite_incremental_ratio"])
        self.section("lake", self.lake, [n for n in GOALS if n.startswith(("lake_", "duckdb155"))])


SECTIONS = ("write_paths", "sqlite_demo", "legacy", "merge", "memory", "progress", "detect", "chart", "ui",
            "sqlite_source", "lake")


# -- output ---------------------------------------------------------------------------------------

def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "rows/s":
        return f"{value:,.0f} rows/s"
    if unit == "x":
        return f"{value:.3f}" if value < 10 else f"{value:,.1f}"
    if unit == "s":
        return f"{value:.3f} s"
    return f"{value:.1f} {unit}"


def table_text(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    v = m["versions"]
    lines = [
        f"tui-sync bench ({doc['mode']}) {doc['started_at']}  commit {m['git_commit']}",
        f"machine: {m['cpu_model']}, {m['logical_cores']} logical cores, {m['ram_gib']} GiB RAM, "
        f"{m['os']}; 2M-step Python loop {m.get('cpu_calibration_s')} CPU s (the core's speed today), "
        f"load average at start {m.get('load_avg_at_start')}",
        f"python {m['python']}, duckdb {v['duckdb']}, pyarrow {v['pyarrow']}, polars {v['polars']}, "
        f"pandas {v['pandas']}, textual {v['textual']}, plotext {v['plotext']}",
        "",
    ]
    rows = [("figure", "value", "goal", "result")]
    for name, f in doc["figures"].items():
        result = {True: "pass", False: "MISS", None: "info"}[f["pass"]]
        if f.get("status") == "error":
            result = "ERROR"
        elif f.get("status") == "not measured":
            result = "not measured"
        rows.append((name, _fmt(f["value"], f["unit"]), f["goal"] or "-", result))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for i, r in enumerate(rows):
        lines.append("  ".join(c.ljust(widths[k]) if k != 1 else c.rjust(widths[k]) for k, c in enumerate(r)))
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    notes = dict.fromkeys(f"{n}: {f['note']}" for n, f in doc["figures"].items()
                          if f.get("status") == "not measured" and f.get("note"))
    lines.extend(["", *notes] if notes else [])
    if doc["errors"]:
        lines.append("")
        lines.extend(f"error in {k}: {e}" for k, e in doc["errors"].items())
    lines.append(f"\n{doc['duration_s']:.0f} s in all")
    return "\n".join(lines)


def run_suite(sizes: Sizes, mode: str, only: set[str] | None = None, tmp: Path | None = None,
              log: Callable[[str], None] | None = None, lake_python: str | None = None) -> dict[str, Any]:
    """Run the (selected) sections at `sizes`; returns the JSON document."""
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    machine = machine_info()
    log(f"tui-sync bench ({mode}) on {machine['cpu_model']}, {machine['logical_cores']} cores, "
        f"{machine['ram_gib']} GiB")
    with tempfile.TemporaryDirectory(prefix="tui-sync-bench-", dir=tmp) as folder:
        suite = Suite(sizes, Path(folder), only, log, lake_python)
        suite.run()
    if (only is None or "ui" in only) and "ui_latency_ms" not in suite.figures:
        suite.figure("ui_latency_ms", None, status="not measured")
    machine["load_avg_at_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    return {
        "suite": "tui-sync bench", "mode": mode, "started_at": started.isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - t0, 1), "machine": machine,
        "sizes": dict(sizes.__dict__), "figures": {n: suite.figures[n] for n in GOALS if n in suite.figures},
        "errors": suite.errors, "details": suite.details,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes and fewer repetitions (< 2 min)")
    ap.add_argument("--json", type=Path, help="write the JSON document here (default bench/results-"
                    "{quick,full}.json)")
    ap.add_argument("--only", help=f"comma list of sections: {', '.join(SECTIONS)}")
    ap.add_argument("--tmp", type=Path, help="folder for the scratch DuckDB files (default: a temp dir)")
    ap.add_argument("--lake-python", help="the interpreter of a venv with '.[lake]' (DuckDB 1.5.5 and the "
                    "ducklake extension) for the lake section")
    args = ap.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    if only and not only <= set(SECTIONS):
        ap.error(f"unknown section(s): {', '.join(sorted(only - set(SECTIONS)))}")
    mode = "quick" if args.quick else "full"
    doc = run_suite(QUICK if args.quick else FULL, mode, only, args.tmp, lake_python=args.lake_python)
    out = args.json or REPO / "bench" / f"results-{mode}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2, default=str) + "\n", encoding="utf-8")
    print(table_text(doc))
    print(f"JSON: {out}")
    return 1 if doc["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
