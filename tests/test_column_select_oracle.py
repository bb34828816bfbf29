"""`columns =` / `exclude =` on the Oracle source through the driver-level fake: the SELECT
of every read names the selected columns only (the key and the cursor among them), and
full + incremental leave the target equal to those columns of the source."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from tests.oracle_fake import FakeOracle, events_rows, events_table
from tui_sync.config import Config, SourceConfig, TableConfig
from tui_sync.engine import Engine
from tui_sync.events import Mode, Status
from tui_sync.sources.oracle import OracleSource
from tui_sync.sources.oracle import source as oracle_mod

TABLE = "APP.EQUIPMENT_EVENTS"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oracle_mod, "_thick_args", None)
    monkeypatch.setenv("TUI_SYNC_ORACLE_PASSWORD", "s3cret-Passw0rd")  # what the fake accepts


@pytest.mark.parametrize(("select", "exclude", "shape"), [
    (["event_time", "EVENT_ID", "VALUE"], [], ["event_time", "event_id", "value"]),
    ([], ["NOTE", "equip_id"], ["event_id", "event_time", "value"]),
])
def test_selected_columns_only_in_every_read(tmp_path: Path, select: list[str], exclude: list[str],
                                             shape: list[str]) -> None:
    config = Config(path=tmp_path / "t.ini")
    config.source = SourceConfig(kind="oracle", dsn="fake", user="app")
    config.target.path = str(tmp_path / "t.duckdb")
    config.tables = {TABLE: TableConfig(TABLE, target="events", cursor="EVENT_TIME",
                                        lookback=timedelta(seconds=10), batch_rows=4,
                                        select=select, exclude=exclude)}
    fake = FakeOracle([events_table(20)])
    engine = Engine(config, source_factory=lambda: OracleSource(config.source, driver=fake))
    assert engine.run([TABLE], Mode.FULL).ok
    fake.tables[("APP", "EQUIPMENT_EVENTS")].data = events_rows(1, 26)  # six new rows
    result = engine.run([TABLE], Mode.AUTO).results[0]
    assert result.status == Status.OK and result.mode == Mode.INCREMENTAL
    reads = [sql for sql, _ in fake.data_reads]
    assert len(reads) >= 2
    for sql in reads:
        assert '"NOTE"' not in sql and '"EQUIP_ID"' not in sql and '"EVENT_ID"' in sql, sql
    con = duckdb.connect(str(config.target_path()), read_only=True)
    try:
        cols = [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'events' "
            "ORDER BY ordinal_position").fetchall()]
        ids = [r[0] for r in con.execute("SELECT event_id FROM events ORDER BY 1").fetchall()]
    finally:
        con.close()
    assert cols == shape and ids == list(range(1, 27))
