"""Fixtures for the TUI tests: a small copy of the real demo per test, and Pilot helpers.

The demo (SQLite source + config) is built once per session with few rows, then
copied into each test's own TUI_SYNC_HOME, so tests never share a DuckDB file.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from tui_sync import demo
from tui_sync.tui.app import TuiSyncApp, create_app

DEMO_ROWS = 20_000  # EQUIPMENT_EVENTS rows: enough batches to pause in, quick to build
FIXED_NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)  # a Monday; next 02:00 slot is 01-06


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("demo-template")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TUI_SYNC_HOME", str(home))
        mp.setenv("TUI_SYNC_DEMO_ROWS", str(DEMO_ROWS))
        demo.ensure_demo()
    return home


@pytest.fixture
def demo_home(demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    shutil.copytree(demo_template, home)
    monkeypatch.setenv("TUI_SYNC_HOME", str(home))
    monkeypatch.setenv("TUI_SYNC_DEMO_ROWS", str(DEMO_ROWS))
    return home


@pytest.fixture
def demo_config(demo_home: Path) -> Path:
    return demo_home / "data" / "demo" / demo.CONFIG_NAME


@pytest.fixture
def demo_db(demo_config: Path) -> Path:
    return demo_config.parent / demo.TARGET_NAME


def set_batch_rows(config: Path, rows: int) -> None:
    """Small batches make a run long enough (in batches, not seconds) to pause or cancel."""
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r"(?m)^batch_rows = \d+", f"batch_rows = {rows}", text), encoding="utf-8")


@pytest.fixture
def make_app(demo_config: Path) -> Iterator[Callable[..., TuiSyncApp]]:
    """The app as the CLI builds it for `tui-sync --demo`, with a frozen scheduler clock."""

    def factory(now: datetime | None = None, batch_rows: int | None = None,
                lang: str | None = None) -> TuiSyncApp:
        if batch_rows is not None:
            set_batch_rows(demo_config, batch_rows)
        frozen = now or datetime.now(UTC)
        return create_app(None, demo=True, now=lambda: frozen, lang=lang)

    yield factory
    english()  # a test in Korean leaves the process as the next test expects it


def english() -> None:
    """Back to English (the language is the process's): texts and binding words."""
    from tui_sync import i18n
    from tui_sync.tui.localize import localize_bindings

    i18n.set_language("en")
    localize_bindings()


async def wait_for(pilot: Pilot[None], predicate: Callable[[], bool], what: str,
                   timeout: float = 60.0) -> None:
    """Let the app run until `predicate` holds; the timeout only stops a hung test."""
    loop_time = 0.0
    while not predicate():
        await pilot.pause(0.05)
        loop_time += 0.05
        if loop_time > timeout:
            state = getattr(pilot.app, "run_state", None)
            raise AssertionError(f"timed out waiting for: {what} (run state: {state})")


def send_keys(app: TuiSyncApp, *keys: str) -> None:
    """Queue keys as the terminal driver does, without Pilot's wait for the whole process
    to go idle (which, while a sync thread works, lets the sync run ahead of the keys)."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


def screen_text(app: TuiSyncApp) -> str:
    """What the terminal shows now, as plain text (one line per row)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


def no_blink(app: TuiSyncApp) -> None:
    for widget in app.screen.query(Input):
        widget.cursor_blink = False


async def tables_loaded(pilot: Pilot[None]) -> None:
    app: TuiSyncApp = pilot.app  # type: ignore[assignment]
    await wait_for(pilot, lambda: app.current_mode == "tables"
                   and getattr(app.mounted_screen("tables"), "loaded", False), "source tables listed")


async def run_finished(pilot: Pilot[None]) -> None:
    app: TuiSyncApp = pilot.app  # type: ignore[assignment]
    await wait_for(pilot, lambda: app.run_state is not None and not app.run_state.running
                   and app.runs.worker is not None and app.runs.worker.is_finished, "the run to end")
