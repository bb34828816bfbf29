"""Issue 11: the SQLite source's Arrow-native read (ADBC + Arrow kernels) gives exactly what
the per-value stdlib read gives, on real SQLite files: same values, same types, the same
one-line error where the reference refuses a value. Irregular values take the reference
and the run's log counts them."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import make_sqlite, write_config
from tui_sync.engine import Engine
from tui_sync.errors import SourceError, SyncCancelled
from tui_sync.events import LogLine, Mode, Status
from tui_sync.sources.base import ReadSpec, Window
from tui_sync.sources.sqlite import SqliteSource
from tui_sync.sources.sqlite.shape import positional
from tui_sync.typeplan import PlanOptions, build_plan

DECLS = ["NUMBER(9)", "NUMBER(10,2)", "NUMBER(20,4)", "NUMBER(38,10)", "NUMBER", "BINARY_DOUBLE",
         "TIMESTAMP(6)", "TIMESTAMP(9)", "DATE", "VARCHAR2(20)", "CHAR(4)", "RAW(8)", "CLOB", "LONG"]


def read_both(path: Path, table: str = "T", batch_rows: int = 7, **spec: Any) -> tuple[Any, Any]:
    """(stdlib result, Arrow result): a pa.Table, or the SourceError's text."""
    src = SqliteSource(path)
    src.connect()
    try:
        desc = src.describe(table)
        plan = build_plan(desc.columns, PlanOptions())
        rs = ReadSpec(table=desc, plan=plan, batch_rows=batch_rows, **spec)
        out = []
        for reader in (src._stdlib_batches, src.read_batches):
            try:
                batches = list(reader(rs))
                out.append(pa.Table.from_batches(batches, schema=plan.arrow_schema())
                           if not spec.get("carry_keys") else pa.Table.from_batches(batches))
            except SourceError as exc:
                out.append(f"error: {exc}")
        return out[0], out[1]
    finally:
        src.close()


def table_with(tmp_path: Path, decl: str, values: list[Any]) -> Path:
    path = tmp_path / "v.sqlite"
    path.unlink(missing_ok=True)
    return make_sqlite(path, f'CREATE TABLE T (ID INTEGER PRIMARY KEY, V {decl});',
                       [("INSERT INTO T VALUES (?, ?)", list(enumerate(values)))])


CELL = st.one_of(
    st.none(),
    st.integers(-(2**63), 2**63 - 1),
    st.integers(-10**6, 10**6),
    st.floats(allow_nan=False, allow_infinity=True, width=64),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-10**8, max_value=10**8).map(str),
    st.sampled_from(["2026-03-01 08:00:00.123456", "2026-03-01T08:00:00", "2026-03-01",
                     "2026-03-01 08:00:00.123456789", " 2026-03-01 08:00:00 ", "2026-03-01 08:00:00+09:00",
                     "1.005", "2.675", "-0.5", "abc", "Y", "1", "0", "", "한글"]),
    st.binary(max_size=6),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(decl=st.sampled_from(DECLS), values=st.lists(CELL, min_size=1, max_size=25))
def test_arrow_read_equals_the_per_value_read_for_any_mix_of_storage_classes(
        tmp_path: Path, decl: str, values: list[Any]) -> None:
    stdlib, arrow = read_both(table_with(tmp_path, decl, values))
    if isinstance(stdlib, str) or isinstance(arrow, str):
        assert arrow == stdlib
    else:
        assert arrow.equals(stdlib), (arrow.to_pylist(), stdlib.to_pylist())


@pytest.mark.parametrize("decl,values", [
    ("NUMBER(10,2)", [1.005, 2.675, -1.005, 0.125, 1e-7, 12345678.995, 5, 10**7]),  # ties, ints
    ("NUMBER(10,2)", [10**8 * 10.0]),  # too many integer digits: the same error
    ("NUMBER(38,10)", [2**62, 0.1, "0.12345678901"]),
    ("NUMBER(9)", [1, 2.5, "3", None]),  # a REAL and a TEXT in an integer column
    ("VARCHAR2(20)", ["a", b"\xff\x41", "é"]),  # a BLOB that is not UTF-8: replacement chars
    ("TIMESTAMP(6)", ["2026-03-01 08:00:00", 20260301, "2026-03-01T08:00:00+09:00"]),
    ("BINARY_DOUBLE", [1, 2**60 + 1, 0.1, "x"]),
])
def test_irregular_columns_land_as_the_reference_converts_them(tmp_path: Path, decl: str,
                                                              values: list[Any]) -> None:
    stdlib, arrow = read_both(table_with(tmp_path, decl, values), batch_rows=3)
    assert (arrow if isinstance(arrow, str) else arrow.to_pylist()) == (
        stdlib if isinstance(stdlib, str) else stdlib.to_pylist())


def test_text_that_is_not_utf8_fails_as_the_stdlib_driver_fails(tmp_path: Path) -> None:
    path = table_with(tmp_path, "VARCHAR2(20)", ["ok"])
    con = sqlite3.connect(path)
    con.execute("INSERT INTO T VALUES (9, CAST(x'ff41' AS TEXT))")
    con.commit()
    con.close()
    stdlib, arrow = read_both(path)
    assert isinstance(stdlib, str) and isinstance(arrow, str)
    assert "Could not decode to UTF-8" in stdlib and "Could not decode to UTF-8" in arrow


def test_a_class_change_after_the_first_batch_reruns_the_read_without_losing_or_doubling_rows(
        tmp_path: Path) -> None:
    """ADBC fails a bare column on a cell of another class after its first batch: the read
    is re-run with every column checked, skipping the rows already handed on."""
    values: list[Any] = list(range(40)) + [40.5] + list(range(41, 60)) + ["61"]
    path = table_with(tmp_path, "NUMBER(9)", values)
    src = SqliteSource(path)
    src.connect()
    desc = src.describe("T")
    plan = build_plan(desc.columns, PlanOptions())
    spec = ReadSpec(table=desc, plan=plan, batch_rows=8)
    got = pa.Table.from_batches(list(src.read_batches(spec)))
    assert got.column("id").to_pylist() == list(range(61))
    assert got.column("v").to_pylist() == [*range(40), 41, *range(41, 60), 61]  # 40.5 rounds half up
    notes = src.read_notes()
    assert any("re-run" in n for n in notes) and any("converted one by one" in n for n in notes), notes
    src.close()


def test_keyset_chunks_carry_exact_raw_keys(tmp_path: Path) -> None:
    path = make_sqlite(tmp_path / "k.sqlite", "CREATE TABLE T (K VARCHAR2(10) PRIMARY KEY, V NUMBER(9));",
                       [("INSERT INTO T VALUES (?, ?)", [(f"k{i:03d}", i) for i in range(30)])])
    stdlib, arrow = read_both(path, batch_rows=4, order_by=("K",), limit=10, carry_keys=True,
                              after=(("K", "k004"),))
    assert arrow.equals(stdlib) and arrow.num_rows == 10


def test_a_time_window_keeps_odd_shaped_cursor_text_by_its_value(tmp_path: Path) -> None:
    t0 = datetime(2026, 3, 1, 8)
    rows = [(i, (t0 + timedelta(hours=i)).isoformat(sep=" ")) for i in range(10)]
    rows += [(20, "2026-03-01T20:00:00+09:00"), (21, "2026-03-01 12:00:00.5"), (22, "2026-03-05T00:00:00+00:00")]
    path = make_sqlite(tmp_path / "w.sqlite", "CREATE TABLE T (ID NUMBER(9) PRIMARY KEY, TS TIMESTAMP(6));",
                       [("INSERT INTO T VALUES (?, ?)", rows)])
    window = Window("TS", t0 + timedelta(hours=3), t0 + timedelta(hours=6))
    stdlib, arrow = read_both(path, window=window)
    assert sorted(arrow.column("id").to_pylist()) == sorted(stdlib.column("id").to_pylist()) == [3, 4, 5, 6, 20, 21]
    bad = path.parent / "bad.sqlite"
    make_sqlite(bad, "CREATE TABLE T (ID NUMBER(9) PRIMARY KEY, TS TIMESTAMP(6));",
                [("INSERT INTO T VALUES (?, ?)", [*rows, (30, "2026-03-01 not a time")])])
    stdlib, arrow = read_both(bad, window=window)
    assert isinstance(arrow, str) and arrow == stdlib and "not a date/time" in arrow


def test_positional_binds_leave_quoted_text_and_comments_alone() -> None:
    sql, params = positional("SELECT ':lo' AS \"a:hi\", x FROM t -- :hi\nWHERE a >= :lo AND b <= :hi AND c = :lo",
                             {"lo": 1, "hi": 2})
    assert sql == "SELECT ':lo' AS \"a:hi\", x FROM t -- :hi\nWHERE a >= ?1 AND b <= ?2 AND c = ?1"
    assert params == (1, 2)


def test_a_sorting_query_stays_on_the_driver_a_cancel_can_interrupt(tmp_path: Path) -> None:
    path = table_with(tmp_path, "NUMBER(9)", list(range(10)))
    src = SqliteSource(path)
    src.connect()
    desc = src.describe("T")
    plan = build_plan(desc.columns, PlanOptions())
    list(src.read_batches(ReadSpec(table=desc, plan=plan, where="V IN (SELECT V FROM T WHERE V > 3)")))
    assert any("subquery" in n for n in src.read_notes())
    list(src.read_batches(ReadSpec(table=desc, plan=plan)))
    assert src.read_notes() == []  # the plain read is Arrow-native and says nothing
    src.close()


def test_cancel_stops_the_arrow_read_at_the_next_batch(tmp_path: Path) -> None:
    path = table_with(tmp_path, "NUMBER(9)", list(range(200)))
    src = SqliteSource(path)
    src.connect()
    desc = src.describe("T")
    spec = ReadSpec(table=desc, plan=build_plan(desc.columns, PlanOptions()), batch_rows=10)
    batches = src.read_batches(spec)
    next(batches)
    threading.Thread(target=src.cancel).start()
    with pytest.raises(SyncCancelled):
        for _ in batches:
            pass
    src.close()


def test_the_run_log_counts_values_converted_one_by_one(tmp_path: Path) -> None:
    src = table_with(tmp_path, "NUMBER(9)", [1, 2, "x3", 4])
    cfg = write_config(tmp_path, src, "")
    lines: list[str] = []
    result = Engine(cfg, on_event=lambda e: lines.append(e.message) if isinstance(e, LogLine) else None
                    ).run(["T"], Mode.FULL).results[0]
    assert result.status == Status.FAILED  # 'x3' is no number: the reference names it
    assert "cannot convert" in (result.error or "")
    src2 = table_with(tmp_path, "NUMBER(9)", [1, 2, 3.5, 4])
    cfg2 = write_config(tmp_path, src2, "", target="t2.duckdb")
    lines.clear()
    ok = Engine(cfg2, on_event=lambda e: lines.append(e.message) if isinstance(e, LogLine) else None
                ).run(["T"], Mode.FULL).results[0]
    assert ok.status == Status.OK
    assert any("converted one by one" in line for line in lines), lines


def test_a_time_window_estimate_bounds_the_count_from_above_by_the_index_range(tmp_path: Path) -> None:
    t0 = datetime(2026, 3, 1, 8)
    rows = [(i, (t0 + timedelta(hours=i)).isoformat(sep=" ")) for i in range(200)]
    path = make_sqlite(tmp_path / "e.sqlite", "CREATE TABLE T (ID NUMBER(9) PRIMARY KEY, TS TIMESTAMP(6));"
                       "CREATE INDEX T_TS ON T (TS);", [("INSERT INTO T VALUES (?, ?)", rows)])
    src = SqliteSource(path)
    src.connect()
    desc = src.describe("T")
    spec = ReadSpec(table=desc, plan=build_plan(desc.columns, PlanOptions()),
                    window=Window("TS", t0 + timedelta(hours=150), None))
    exact, estimate = src.count_rows(spec), src.estimate_rows(spec)
    assert exact == 50 and estimate is not None and exact <= estimate < 200
    assert src.estimate_rows(ReadSpec(table=desc, plan=spec.plan, where="ID > 3", window=spec.window)) is None
    src.close()


def test_the_arrow_read_waits_for_a_writers_lock_as_the_stdlib_driver_does(tmp_path: Path) -> None:
    """A CI run failed a read with "database is locked" while another process committed:
    the ADBC connection now waits like sqlite3's (5 s) instead of failing at once."""
    path = table_with(tmp_path, "NUMBER(9)", list(range(10)))
    src = SqliteSource(path)
    src.connect()
    desc = src.describe("T")
    spec = ReadSpec(table=desc, plan=build_plan(desc.columns, PlanOptions()))
    writer = sqlite3.connect(path, check_same_thread=False)
    writer.execute("BEGIN EXCLUSIVE")  # a rollback-journal writer holds the file
    releaser = threading.Timer(0.5, writer.commit)
    releaser.start()
    try:
        got = pa.Table.from_batches(list(src.read_batches(spec)))
    finally:
        releaser.join()
        writer.close()
        src.close()
    assert got.num_rows == 10


def test_the_adbc_connection_has_the_stdlib_drivers_busy_timeout(tmp_path: Path) -> None:
    from tui_sync.sources.sqlite.arrow import ArrowReads

    reads = ArrowReads(table_with(tmp_path, "NUMBER(9)", [1]))
    with reads.connection().cursor() as cur:
        cur.execute("PRAGMA busy_timeout")
        assert cur.fetchall() == [(5000,)]
    reads.close()
