"""Shared fixtures: real SQLite sources and real DuckDB targets in tmp_path."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
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
    monkeypatch.delenv("TUI_SYNC_TEST_TARGET_KIND", raising=False)
    return home


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests read English messages whatever the machine's locale; a test that switches to
    Korean (tests/test_i18n*.py) leaves English behind for the next one."""
    from tui_sync import i18n

    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    i18n.set_language("en")
    yield
    if i18n.language() != "en":
        i18n.set_language("en")
        try:  # binding words were translated when a Korean app was created
            from tui_sync.tui.localize import localize_bindings
        except ImportError:
            return
        localize_bindings()


_DEMO_BUILT: dict[int, Path] = {}  # rows -> the demo source built once this session


@pytest.fixture(autouse=True)
def _demo_built_once(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo source is deterministic (a seeded build): each row count is built once per
    session and copied into a test's own home. A build takes ~12 s of CPU, and every test of
    `--demo` has a fresh home (it ran once per test, in each CI environment)."""
    from tui_sync import demo

    build = demo.build_source

    def copy_of_built(path: Path, rows: int) -> None:
        built = _DEMO_BUILT.get(rows)
        if built is None or not built.exists():
            built = tmp_path_factory.mktemp("demo-built") / "demo.sqlite"
            build(built, rows)
            _DEMO_BUILT[rows] = built
        part = path.with_name(path.name + ".copying")
        shutil.copyfile(built, part)
        part.replace(path)  # as the build does: a source appears whole or not at all

    monkeypatch.setattr(demo, "build_source", copy_of_built)


def make_sqlite(path: Path, ddl: str, inserts: Iterable[tuple[str, Sequence[Sequence[Any]]]] = ()) -> Path:
    con = sqlite3.connect(path)
    con.executescript(ddl)
    for sql, rows in inserts:
        con.executemany(sql, rows)
    con.commit()
    con.close()
    return path


def write_config(tmp_path: Path, source: Path, tables: str, sync: str = "", target: str = "t.duckdb") -> Config:
    text = f"[source]\nkind = sqlite\npath = {source}\n\n[target]\n{target_section(target)}\n"
    if sync:
        text += f"[sync]\n{sync}\n\n"
    text += tables
    p = tmp_path / "tui-sync.ini"
    p.write_text(text, encoding="utf-8")
    return load_config(p)


def _open(db: Any) -> duckdb.DuckDBPyConnection:
    """A DuckDB file (a Path) directly; a lake (a TargetSpec) through the target's door."""
    if isinstance(db, (str, Path)):
        return duckdb.connect(str(db))
    from tui_sync import target

    return target.connect(db, create=False)


def duck_rows(db: Path, table: str, order: str) -> list[tuple]:
    con = _open(db)
    try:
        return con.execute(f'SELECT * FROM "{table}" ORDER BY {order}').fetchall()
    finally:
        con.close()


def duck_types(db: Path, table: str) -> dict[str, str]:
    con = _open(db)
    try:
        rows = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
            "AND table_catalog = current_database() ORDER BY ordinal_position", [table]).fetchall()
        return dict(rows)
    finally:
        con.close()


def duck_query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = _open(db)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def env_with_home(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["TUI_SYNC_HOME"] = str(home)
    return env


# -- target kinds: a DuckDB file, or a DuckLake with a SQLite catalog -------------------------

_LAKE: list[str | None] = []


def lake_unavailable() -> str | None:
    """Why a lake cannot be opened in this environment (None: it can). Asked once: without
    the `lake` extra, DuckDB would try to download the extension for seconds."""
    if not _LAKE:
        from tui_sync.target.lake import packaged_extension

        why = None
        if packaged_extension("ducklake") is None:
            con = duckdb.connect(config={"autoinstall_known_extensions": "false"})
            try:
                con.execute("LOAD ducklake")
            except duckdb.Error:
                why = (f"DuckDB {duckdb.__version__} has no ducklake extension here "
                       "(pip install -e '.[test,lake]')")
            finally:
                con.close()
        _LAKE.append(why)
    return _LAKE[0]


_TUI_TESTS = Path(__file__).parent / "tui"
_TUI_ON_A_LAKE = {"test_preview_as_of.py"}  # the TUI tests that open a lake


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Where a lake can be opened (the `lake` environment, DuckDB 1.5.5), these run in the
    default environment only: the DuckDB-file variant of a test run on both target kinds (its
    lake variant runs here), and the TUI tests that never open a lake (screens, keys and SVG
    snapshots: Textual's side is the same; the core they call is tested here on its own).
    Every other test runs here on DuckDB 1.5.5. This keeps the two environments of CI within
    30 minutes; TUI_SYNC_TEST_BOTH_KINDS=1 runs everything here too."""
    if os.environ.get("TUI_SYNC_TEST_BOTH_KINDS") or lake_unavailable():
        return

    def tui_without_lake(item: pytest.Item) -> bool:
        path = Path(str(item.fspath))
        return path.parent == _TUI_TESTS and path.name not in _TUI_ON_A_LAKE

    elsewhere = [item for item in items
                 if tui_without_lake(item)
                 or (getattr(item, "callspec", None) is not None
                     and item.callspec.params.get("target_kind") == "duckdb")]
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        dropped = set(map(id, elsewhere))
        items[:] = [item for item in items if id(item) not in dropped]


# An environment variable, not a module global: pytest imports this file as `conftest` while
# the tests import it as `tests.conftest` (two module objects), and subprocesses see it too.
TARGET_KIND_ENV = "TUI_SYNC_TEST_TARGET_KIND"


@pytest.fixture(params=["duckdb", "ducklake"])
def target_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs a test on both target kinds: write_config() then writes that kind's [target]."""
    if request.param == "ducklake":
        why = lake_unavailable()
        if why:
            pytest.skip(why)
    monkeypatch.setenv(TARGET_KIND_ENV, request.param)
    return request.param


def target_section(target: str = "t.duckdb") -> str:
    """The [target] body write_config uses: the file, or a lake named after it."""
    if os.environ.get(TARGET_KIND_ENV) == "ducklake":
        stem = target[:-len(".duckdb")] if target.endswith(".duckdb") else target
        return f"kind = ducklake\ncatalog = {stem}.lake.sqlite\n"
    return f"path = {target}\n"


def target_of(cfg: Config):  # -> TargetSpec
    from tui_sync.target.spec import target_spec

    return target_spec(cfg)


@contextmanager
def scratch_dir() -> Iterator[Path]:
    """A temporary folder for one hypothesis example. A lake made in it is closed with it:
    the process keeps one DuckDB instance per lake (target/lake.py) until it is forgotten."""
    from tui_sync.target import lake

    with tempfile.TemporaryDirectory() as d:
        try:
            yield Path(d)
        finally:
            for spec in [s for s in list(lake._roots) if s.catalog.startswith(d + os.sep)]:
                lake.forget(spec)
