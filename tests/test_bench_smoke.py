"""The benchmark suite's code paths on tiny sizes (no timing assertions): bench/run.py
must not rot between the runs that feed the README's Performance section."""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import replace
from pathlib import Path

import pyarrow as pa

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import data, run, ui  # noqa: E402
from tui_sync.sources.base import KeyRange, ReadSpec  # noqa: E402

TINY = replace(
    run.QUICK, rows=12_000, write_reps=1, legacy_rows=6_000, executemany_rows=50, demo_rows=300,
    merge_base=10_000, merge_changed=1_000, mem_small=2_000, mem_mid=4_000, mem_large=10_000,
    progress_rows=6_000, progress_reps=2, detect_rows=3_000, detect_reps=1, chart_points=5_000, chart_reps=1,
    src_rows=3_000, src_reps=1, par_reps=1, inc_base=3_000, inc_new=300, inc_updated=30, inc_reps=1)


def test_bench_suite_runs_on_tiny_sizes(tmp_path: Path) -> None:
    # The in-memory source honours keyset paging, key ranges and limits like a real one.
    source = data.ArrowSource(1_000, batches=data.build_batches(1_000, 300))
    desc = source.describe(data.TABLE)
    spec = ReadSpec(table=desc, plan=data.plan(), batch_rows=250)
    ids = [i for b in source.read_batches(spec) for i in b.column("event_id").to_pylist()]
    assert ids == list(range(1, 1_001))
    paged = ReadSpec(table=desc, plan=data.plan(), after=((data.KEY, 400),), limit=100)
    assert [b.column("event_id")[0].as_py() for b in source.read_batches(paged)][0] == 401
    assert source.count_rows(paged) == 100
    ranged = ReadSpec(table=desc, plan=data.plan(), key_range=KeyRange(data.KEY, 101, 201))
    got = pa.Table.from_batches(list(source.read_batches(ranged))).column("event_id").to_pylist()
    assert got == list(range(101, 201))
    lazy = data.ArrowSource(1_000)
    assert pa.Table.from_batches(list(lazy.read_batches(spec))).equals(
        pa.Table.from_batches(list(source.read_batches(spec))))

    assert ui.percentile([5.0, 1.0, 3.0, 2.0, 4.0], 95) == 5.0
    assert ui.percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0

    sections = set(run.SECTIONS) - {"ui", "lake"}  # the Pilot run left out; the lake has its own test
    if importlib.util.find_spec("pandas") is None:
        sections.discard("legacy")  # the legacy contender needs pandas (the bench extra)
    if importlib.util.find_spec("adbc_driver_sqlite") is None:
        sections.discard("sqlite_source")  # the limit's reader (the bench extra)
    doc = run.run_suite(TINY, "tiny", sections, tmp_path, log=lambda msg: None)
    assert doc["errors"] == {}
    figures = doc["figures"]
    for name in ("ingest_ratio", "engine_ratio", "sqlite_demo_rows_s", "incremental_merge_key_rows_s",
                 "incremental_merge_no_key_rows_s", "memory_growth", "progress_overhead", "detect_1m_s",
                 "chart_1m_s"):
        assert figures[name]["value"] is not None and figures[name]["value"] > 0, name
    assert figures["ingest_ratio"]["pass"] in (True, False)
    assert figures["sqlite_demo_rows_s"]["pass"] is None  # reported, no goal
    if "sqlite_source" in sections:
        assert figures["sqlite_source_ratio"]["value"] > 0 and figures["sqlite_incremental_ratio"]["value"] > 0
        # parallel = 2 on SQLite either runs (a speedup) or is refused with a message, never a crash
        par = figures["parallel_speedup"]
        assert (par["value"] is not None and par["value"] > 0) or par.get("status") == "not measured"
    if "legacy" in sections:
        assert figures["vs_legacy"]["value"] > 0
    assert doc["details"]["detect"]["verdicts"]["equipment_id"] == "text"
    text = run.table_text(doc)
    assert "ingest_ratio" in text and doc["machine"]["cpu_model"] in text
    json.dumps(doc, default=str)
    assert not list(tmp_path.iterdir())  # scratch files cleaned up


def test_lake_bench_runs_on_tiny_sizes(tmp_path: Path) -> None:
    """The lake figures' code path (bench/lake.py): every step in a child process. This
    interpreter stands in for the second one; the lake itself runs where ducklake loads."""
    from bench import lake

    tiny = replace(TINY, lake_rows=2_000, lake_reps=1)
    doc = run.run_suite(tiny, "tiny", {"lake"}, tmp_path, log=lambda msg: None, lake_python=sys.executable)
    assert doc["errors"] == {}
    figures = doc["figures"]
    assert figures["duckdb155_file_ratio"]["value"] > 0  # the same DuckDB twice here: about 1
    names = ("lake_full_ratio", "lake_incremental_ratio", "lake_query_ratio", "lake_footprint_ratio")
    missing = lake.lake_missing()
    if missing is None:
        for name in names:
            assert figures[name]["value"] > 0, name
        assert figures["lake_footprint_ratio"]["lake"]["files"] >= 1  # Parquet files were written
    else:
        for name in names:
            assert figures[name]["status"] == "not measured" and "ducklake" in figures[name]["note"], name
        assert "ducklake" in run.table_text(doc)  # the reason is printed under the table
    runs = doc["details"]["lake"]["runs"]
    # the incremental run read the 10% new and 1% updated rows (and the row at the watermark)
    assert all(r["rows"] >= 200 + 20 for r in runs["file_new"]["incremental"])
    json.dumps(doc, default=str)
    assert not list(tmp_path.iterdir())  # scratch files cleaned up


def test_lake_bench_names_a_missing_second_interpreter(tmp_path: Path) -> None:
    from bench import lake

    found, notes = lake.contenders(tmp_path, str(tmp_path / "no-such-python"), log=lambda msg: None)
    assert "file_old" not in found and "no interpreter at" in notes["file_old"]
    assert found["file_new"]["python"] == sys.executable
