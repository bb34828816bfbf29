"""Issue 9 item 8 on the Oracle source (driver-level fake): a VARCHAR2 cursor holding
'YYYYMMDDHH24MISS' text with `lookback = 10 minutes` re-reads an update made 2 minutes
behind the watermark; text in no known time format refuses the lookback before any
data moves."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from tests.oracle_fake import FakeColumn, FakeOracle, FakeTable
from tui_sync.config import Config, SourceConfig, TableConfig
from tui_sync.engine import Engine
from tui_sync.errors import ConfigError
from tui_sync.events import Mode
from tui_sync.sources.oracle import OracleSource
from tui_sync.sources.oracle import source as oracle_mod

T0 = datetime(2024, 3, 1, 12, 0, 0)


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oracle_mod, "_thick_args", None)
    monkeypatch.setenv("TUI_SYNC_ORACLE_PASSWORD", "s3cret-Passw0rd")  # the fake's default


def _rows(ids: list[int], at: list[str], v: str) -> pa.Table:
    return pa.table({"ID": pa.array(ids, pa.int64()), "AT": pa.array(at, pa.large_string()),
                     "V": pa.array([v] * len(ids), pa.large_string())})


def _table(rows: pa.Table) -> FakeTable:
    cols = [FakeColumn("ID", "NUMBER", 12, 0, nullable=False),
            FakeColumn("AT", "VARCHAR2", char_length=14, data_length=14),
            FakeColumn("V", "VARCHAR2", char_length=20, data_length=20)]
    return FakeTable("APP", "LOG", cols, rows, ["ID"], num_rows=rows.num_rows)


def _engine(tmp_path: Path, fake: FakeOracle) -> Engine:
    config = Config(path=tmp_path / "t.ini")
    config.source = SourceConfig(kind="oracle", dsn="fake", user="app")
    config.target.path = str(tmp_path / "t.duckdb")
    config.tables = {"APP.LOG": TableConfig("APP.LOG", target="log", cursor="AT",
                                            lookback=timedelta(minutes=10))}
    return Engine(config, source_factory=lambda: OracleSource(config.source, driver=fake))


def test_compact_text_cursor_lookback_rereads_a_late_update(tmp_path: Path) -> None:
    at = [(T0 + timedelta(minutes=i)).strftime("%Y%m%d%H%M%S") for i in range(30)]
    table = _table(_rows(list(range(20)), at[:20], "old"))
    fake = FakeOracle([table])
    assert _engine(tmp_path, fake).run(["APP.LOG"], Mode.FULL).ok
    late = _rows([17], [at[17]], "late")  # committed late: 2 minutes behind the watermark
    keep = pc.invert(pc.is_in(table.data.column("ID"), value_set=late.column("ID")))
    table.data = pa.concat_tables([table.data.filter(keep), late, _rows([20], [at[20]], "new")])
    assert _engine(tmp_path, fake).run(["APP.LOG"], Mode.INCREMENTAL).ok
    con = duckdb.connect(str(tmp_path / "t.duckdb"), read_only=True)
    got = dict(con.execute("SELECT id, v FROM log").fetchall())
    con.close()
    assert got[17] == "late" and got[20] == "new" and len(got) == 21


def test_text_in_no_known_format_refuses_the_lookback(tmp_path: Path) -> None:
    fake = FakeOracle([_table(_rows([1, 2], ["lot-7", "lot-9"], "x"))])
    with pytest.raises(ConfigError, match=r":\[table APP.LOG\]:lookback: .*'lot-9'"):
        _engine(tmp_path, fake).run(["APP.LOG"], Mode.FULL)
    assert not (tmp_path / "t.duckdb").exists()
