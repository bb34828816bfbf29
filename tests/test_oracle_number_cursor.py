"""A NUMBER cursor without precision (common in ERP schemas) on the Oracle source, through
the driver-level fake: MAX(cursor) is read as exact text, not through a double, and window
bounds bind as NUMBER, never as BINARY_DOUBLE (which would round past 2**53 and make Oracle
convert the column on every row, so its index could not serve the range)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from tests.oracle_fake import FakeColumn, FakeOracle, FakeTable
from tui_sync.config import Config, SourceConfig, TableConfig
from tui_sync.engine import Engine
from tui_sync.events import Mode
from tui_sync.sources.base import Window
from tui_sync.sources.oracle import OracleSource
from tui_sync.sources.oracle import source as oracle_mod

BIG = 2**53 + 1  # the first integer a double cannot hold


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oracle_mod, "_thick_args", None)
    monkeypatch.setenv("TUI_SYNC_ORACLE_PASSWORD", "s3cret-Passw0rd")  # the fake's default


def _table(seqs: list[int]) -> FakeTable:
    cols = [FakeColumn("ID", "NUMBER", 12, 0, nullable=False), FakeColumn("SEQ", "NUMBER")]
    data = pa.table({"ID": pa.array(range(len(seqs)), pa.int64()),
                     "SEQ": pa.array([Decimal(s) for s in seqs], pa.decimal128(38, 0))})
    return FakeTable("APP", "LOG", cols, data, ["ID"], num_rows=len(seqs))


def _config(tmp_path: Path) -> Config:
    config = Config(path=tmp_path / "t.ini")
    config.source = SourceConfig(kind="oracle", dsn="fake", user="app")
    config.target.path = str(tmp_path / "t.duckdb")
    config.tables = {"APP.LOG": TableConfig("APP.LOG", target="log", cursor="SEQ")}
    return config


def test_max_of_a_number_cursor_without_precision_is_exact(tmp_path: Path) -> None:
    fake = FakeOracle([_table([1, BIG - 1, BIG])])
    source = OracleSource(_config(tmp_path).source, driver=fake)
    with source:
        desc = source.describe("APP.LOG")
        assert source.max_cursor(desc, "SEQ") == BIG


def test_window_bounds_of_a_number_cursor_bind_as_number(tmp_path: Path) -> None:
    """A DOUBLE-planned cursor's watermark comes back from DuckDB as a float: it binds as the
    exact decimal of its shortest text, i.e. as NUMBER."""
    fake = FakeOracle([_table([1, 2, 3])])
    config = _config(tmp_path)
    assert Engine(config, source_factory=lambda: OracleSource(config.source, driver=fake)).run(
        ["APP.LOG"], Mode.FULL).ok
    source = OracleSource(config.source, driver=fake)
    with source:
        desc = source.describe("APP.LOG")
        from tui_sync.engine import resolve_job

        job = resolve_job(config, source, "APP.LOG")
        from tui_sync.sources.base import ReadSpec

        _sql, binds = source.build_select(ReadSpec(desc, job.plan, window=Window("SEQ", 1.1, 3.0)))
    assert binds["lo"] == Decimal("1.1") and binds["hi"] == Decimal("3.0")
    assert not any(isinstance(v, float) for v in binds.values())
