"""Property: after any sequence of inserts and in-window updates interleaved with
incremental syncs, the DuckDB target equals the SQLite source, row for row."""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import duck_rows, write_config
from tui_sync.engine import Engine
from tui_sync.events import Mode
from tui_sync.sources.sqlite import format_timestamp

T0 = datetime(2026, 5, 1, 12, 0, 0)
LOOKBACK = timedelta(minutes=5)

insert_op = st.tuples(st.just("insert"), st.integers(1, 6), st.integers(0, 600))  # count, seconds after lo
update_op = st.tuples(st.just("update"), st.integers(0, 10_000), st.integers(-1000, 1000))
sync_op = st.tuples(st.just("sync"), st.just(0), st.just(0))
ops = st.lists(st.one_of(insert_op, update_op, sync_op), min_size=1, max_size=14)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=ops, with_key=st.booleans(), batch_rows=st.sampled_from([1, 3, 50]))
def test_incremental_always_equals_source(ops: list[tuple[str, int, int]], with_key: bool,
                                          batch_rows: int) -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        src = tmp / "src.sqlite"
        con = sqlite3.connect(src)
        key = "PRIMARY KEY" if with_key else ""
        con.execute(f"CREATE TABLE T (ID NUMBER(9) {key}, TS TIMESTAMP(6) NOT NULL, V NUMBER(8,2))")
        rows = {i: (i, T0 + timedelta(seconds=10 * i), i) for i in range(1, 21)}
        con.executemany("INSERT INTO T VALUES (?, ?, ?)",
                        [(i, format_timestamp(ts), v) for i, ts, v in rows.values()])
        con.commit()
        tables = "[table T]\ncursor = TS\nlookback = 5 minutes\n" + ("" if with_key else "")
        cfg = write_config(tmp, src, tables, sync=f"batch_rows = {batch_rows}")
        assert Engine(cfg).run(["T"], Mode.FULL).ok
        synced_wm = max(ts for _, ts, _ in rows.values())
        next_id = 21
        for op, a, b in ops + [("sync", 0, 0)]:
            lo = synced_wm - LOOKBACK
            if op == "insert":
                for _ in range(a):
                    rows[next_id] = (next_id, lo + timedelta(seconds=b), next_id * 3)
                    con.execute("INSERT INTO T VALUES (?, ?, ?)",
                                (next_id, format_timestamp(rows[next_id][1]), next_id * 3))
                    next_id += 1
            elif op == "update":
                in_window = sorted(i for i, (_, ts, _) in rows.items() if ts >= lo)
                if not in_window:
                    continue
                i = in_window[a % len(in_window)]
                # change the value; sometimes move the cursor forward (an update stamps it)
                ts = rows[i][1] + timedelta(seconds=max(b, 0))
                rows[i] = (i, ts, b)
                con.execute("UPDATE T SET V = ?, TS = ? WHERE ID = ?", (b, format_timestamp(ts), i))
            else:
                con.commit()
                result = Engine(cfg).run(["T"], Mode.INCREMENTAL)
                assert result.ok, result
                synced_wm = max(ts for _, ts, _ in rows.values())
                got = duck_rows(cfg.target_path(), "t", "id")
                want = [(i, ts, v) for i, ts, v in sorted(rows.values())]
                assert [(r[0], r[1], float(r[2])) for r in got] == [(i, ts, float(v)) for i, ts, v in want]
            con.commit()
        con.close()
