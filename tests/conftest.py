"""Shared fixtures: real SQLite sources and real DuckDB targets in tmp_path."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tui_sync.config import Config, load_config


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own TUI_SYNC_HOME so nothing touches the real user dirs."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("TUI_SYNC_HOME", str(home))
    monkeypatch.delenv("TUI_SYNC_CONFIG", raising=False)
    return home


def make_sqlite(path: Path, ddl: str, inserts: Iterable[tuple[str, Sequence[Sequence[Any]]]] = ()) -> Path:
    con = sqlite3.connect(path)
    con.executescript(ddl)
    for sql, rows in inserts:
        con.executemany(sql, rows)
    con.commit()
    con.close()
    return path


def write_config(tmp_path: Path, source: Path, tables: str, sync: str = "", target: str = "t.duckdb") -> Config:
    text = f"[source]\nkind = sqlite\npath = {source}\n\n[target]\npath = {target}\n\n"
    if sync:
        text += f"[sync]\n{sync}\n\n"
    text += tables
    p = tmp_path / "tui-sync.ini"
    p.write_text(text, encoding="utf-8")
    return load_config(p)


def duck_rows(db: Path, table: str, order: str) -> list[tuple]:
    con = duckdb.connect(str(db))
    try:
        return con.execute(f'SELECT * FROM "{table}" ORDER BY {order}').fetchall()
    finally:
        con.close()


def duck_types(db: Path, table: str) -> dict[str, str]:
    con = duckdb.connect(str(db))
    try:
        rows = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
            "ORDER BY ordinal_position", [table]).fetchall()
        return dict(rows)
    finally:
        con.close()


def duck_query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db))
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def env_with_home(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["TUI_SYNC_HOME"] = str(home)
    return env
