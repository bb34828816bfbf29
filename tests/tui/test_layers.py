"""Issue 12: the app's doors. Preview pane workers fail through the app's one handler;
palette help names the key its binding has; the catalog service merges without Textual."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.binding import Binding
from textual.widgets import Static

from tui_sync.config import load_config
from tui_sync.preview import paging, query
from tui_sync.services.catalog import load_catalog, read_target_state
from tui_sync.tui.app import TuiSyncApp
from tui_sync.tui.commands import app_commands
from tui_sync.tui.screens.dialogs import ErrorScreen
from tui_sync.tui.screens.tables import TablesScreen
from tui_sync.tui.widgets.preview import PreviewPane

from .conftest import run_finished, tables_loaded, wait_for


def test_palette_help_takes_the_key_from_the_binding(monkeypatch: pytest.MonkeyPatch) -> None:
    rebound = [Binding("F", "filter", "Filter") if isinstance(b, Binding) and b.action == "filter" else b
               for b in TablesScreen.BINDINGS]
    monkeypatch.setattr(TablesScreen, "BINDINGS", rebound)
    app = TuiSyncApp(Path("missing.ini"), None, scheduler=False)
    helps = {c.title: c.help for c in app_commands(app)}
    assert helps["Filter tables"].endswith("(key F)")
    assert helps["Mark or unmark highlighted table"].endswith("(key space)")
    assert helps["Go to Help"].endswith("(key ?)")
    assert helps["Cancel sync"].endswith("(key escape)")
    assert helps["Preview: Export Parquet"].endswith("(key E)")


async def test_a_preview_failure_reaches_the_pane_through_the_app_handler(
        make_app, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(query, "list_tables", lambda _db: [query.TargetTable("products", 500)])
    monkeypatch.setattr(paging, "fetch_page", broken)
    app = make_app()
    groups: list[str] = []
    run_in_thread = app.run_in_thread

    def spy(job, **kwargs):  # noqa: ANN001, ANN202 - records which worker groups the app runs
        groups.append(kwargs["group"])
        return run_in_thread(job, **kwargs)

    app.run_in_thread = spy  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        app.preview("PRODUCTS")
        await wait_for(pilot, lambda: bool(app.screen.query(PreviewPane)), "the preview pane")
        status = app.screen.query_one("#pv-status", Static)
        await wait_for(pilot, lambda: "rows: RuntimeError: boom" in str(status.render()), "the failure line")
        assert {"preview-tables", "preview-rows"} <= set(groups)  # the app's workers, not the pane's
        assert not isinstance(app.screen, ErrorScreen)  # a line in the pane, not the error dialog


async def test_the_catalog_service_merges_source_tables_and_target_state(make_app, demo_config: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await tables_loaded(pilot)
        app.start_sync(["PRODUCTS"], "full")
        await run_finished(pilot)
        # the app reads the target's state again after a run, on a worker
        await wait_for(pilot, lambda: app.session.is_synced("PRODUCTS"), "the state read after the run")
    config = load_config(demo_config)
    entries = {e.name: e for e in load_catalog(config).entries(config)}
    assert {"EQUIPMENT_EVENTS", "LOT_HISTORY", "PRODUCTS"} <= set(entries)
    products = entries["PRODUCTS"]
    assert products.target == "products" and products.state is not None and products.state.rows == 500
    assert entries["LOT_HISTORY"].state is None
    assert set(read_target_state(config).states) == {"products"}
    assert app.session.entries() and app.session.is_synced("PRODUCTS")
