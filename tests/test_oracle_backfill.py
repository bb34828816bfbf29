"""A backfill on the Oracle source through the driver-level fake (tests/oracle_fake.py): the
window's bounds travel as binds (TIMESTAMP bounds as text through TO_TIMESTAMP, see
sources/oracle/sql.py cursor_bind), and a keyless backfill with --until keeps every row
above it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from tests.oracle_fake import BASE_TIME, FakeOracle, FakeTable, events_rows, events_table
from tests.test_oracle_engine import TABLE, Run, _env, assert_same_as_source, upsert  # noqa: F401
from tui_sync.engine import Engine
from tui_sync.events import Backfill, SyncRequest
from tui_sync.sources.oracle import OracleSource


def backfill(run: Run, since: str, until: str | None = None):
    engine = Engine(run.config, on_event=run.events.append,
                    source_factory=lambda: OracleSource(run.config.source, driver=run.fake))
    return engine.run(SyncRequest((TABLE,), backfill=Backfill(since, until)))


def test_keyless_backfill_on_oracle_binds_its_bounds_and_keeps_rows_above_until(
        tmp_path: Path) -> None:
    fake = FakeOracle([FakeTable("APP", "EQUIPMENT_EVENTS", events_table(1).columns,
                                 events_rows(1, 30), primary_key=[], num_rows=30)])
    run = Run(tmp_path, fake)
    assert run().ok
    table = fake.tables[("APP", "EQUIPMENT_EVENTS")]
    # a row committed late at 08:00:10 (rows are 1.5 s apart from 08:00:01.5), and an edit
    # of row 8 (08:00:12) that keeps its cursor
    late = events_rows(100, 1).set_column(
        2, "EVENT_TIME", pa.array([BASE_TIME + timedelta(seconds=10)], pa.timestamp("us")))
    upsert(table, late)
    upsert(table, events_rows(8, 1).set_column(
        3, "VALUE", pa.array([Decimal("1.234")], pa.decimal128(12, 3))))
    result = backfill(run, "2024-03-01 08:00:06", "2024-03-01 08:00:15")
    assert result.ok, result.results[0].error
    assert result.results[0].rows == 8  # rows 4..10 and the late one
    assert_same_as_source(run)
    sql, binds = fake.data_reads[-1]
    assert "TO_TIMESTAMP(:lo" in sql and "TO_TIMESTAMP(:hi" in sql
    assert (binds["lo"], binds["hi"]) == ("2024-03-01 08:00:06.000000", "2024-03-01 08:00:15.000000")


def test_a_since_finer_than_the_cursor_is_cut_to_its_precision(tmp_path: Path) -> None:
    """The driver binds TIMESTAMP(6) bounds with six digits (sql.cursor_bind): a --since with
    nanoseconds read the row at 08:00:06 while the keyless delete, given the nanoseconds,
    kept its old copy: one row twice. The bound is cut to the cursor's precision first."""
    fake = FakeOracle([FakeTable("APP", "EQUIPMENT_EVENTS", events_table(1).columns,
                                 events_rows(1, 30), primary_key=[], num_rows=30)])
    run = Run(tmp_path, fake)
    assert run().ok
    result = backfill(run, "2024-03-01 08:00:06.000000500", "2024-03-01 08:00:15")
    assert result.ok, result.results[0].error
    assert_same_as_source(run)
    assert fake.data_reads[-1][1]["lo"] == "2024-03-01 08:00:06.000000"
