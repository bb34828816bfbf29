"""Preview "as of run" on a lake target (issue 13): `o` lists the table's runs; picking one
shows the table as that run committed it; "latest" goes back."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import lake_unavailable
from tests.tui.conftest import screen_text, wait_for
from tui_sync import demo
from tui_sync.config import load_config
from tui_sync.engine import Engine
from tui_sync.events import Mode
from tui_sync.tui.app import create_app
from tui_sync.tui.screens.as_of import AsOfRunScreen
from tui_sync.tui.widgets.preview import PreviewPane


def lake_config(demo_home: Path) -> Path:
    source = demo_home / "data" / "demo" / demo.SOURCE_NAME
    path = demo_home / "lake.ini"
    path.write_text(f"[source]\nkind = sqlite\npath = {source}\n\n[target]\nkind = ducklake\n"
                    "catalog = lake/cat.sqlite\n\n[table EQUIPMENT_EVENTS]\nprimary_key = EVENT_ID\n"
                    "cursor = EVENT_TIME\n", encoding="utf-8")
    return path


async def test_preview_shows_a_lake_table_as_of_an_earlier_run(demo_home: Path) -> None:
    why = lake_unavailable()
    if why:
        pytest.skip(why)
    path = lake_config(demo_home)
    cfg = load_config(path)
    full = Engine(cfg).run(["EQUIPMENT_EVENTS"], Mode.FULL).results[0]
    con = sqlite3.connect(cfg.source_path())
    before = con.execute("SELECT COUNT(*) FROM EQUIPMENT_EVENTS").fetchone()[0]
    con.execute("DELETE FROM EQUIPMENT_EVENTS WHERE EVENT_ID % 2 = 0")  # a full reload halves it
    con.commit()
    after = con.execute("SELECT COUNT(*) FROM EQUIPMENT_EVENTS").fetchone()[0]
    con.close()
    assert Engine(cfg).run(["EQUIPMENT_EVENTS"], Mode.FULL).results[0].status.value == "ok"

    frozen = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    app = create_app(path, now=lambda: frozen, scheduler=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.preview("EQUIPMENT_EVENTS")
        app.switch_mode("preview")
        await wait_for(pilot, lambda: f"of {after:,} (" in screen_text(app), "the latest rows")
        await wait_for(pilot, lambda: "o As of" in screen_text(app).splitlines()[-1],
                       "the footer offering o on a lake")
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, AsOfRunScreen), "the run list")
        assert full.run_id in screen_text(app)
        picker = app.screen
        index = next(i for i, r in enumerate(picker.runs) if r.run_id == full.run_id) + 1
        await pilot.press(*(["down"] * index), "enter")
        await wait_for(pilot, lambda: f"of {before:,} (" in screen_text(app), "the rows as of the full run")
        assert f"As of run {full.run_id}" in screen_text(app)
        assert app.screen.query_one(PreviewPane).db_path.at_snapshot is not None
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, AsOfRunScreen), "the run list again")
        await pilot.press("enter")  # "latest" is the first entry
        await wait_for(pilot, lambda: f"of {after:,} (" in screen_text(app), "the latest rows again")
        assert "As of run" not in screen_text(app)
    async with create_app(path, now=lambda: frozen, scheduler=False).run_test(size=(80, 24)) as pilot:
        pilot.app.preview("EQUIPMENT_EVENTS")
        pilot.app.switch_mode("preview")
        await wait_for(pilot, lambda: f"of {after:,} (" in screen_text(pilot.app), "the rows at 80x24")
        words = ("o As of", "[] Page", "q Quit", "^p palette")  # the footer fits 80 columns

        def footer_fits() -> bool:
            footer = screen_text(pilot.app).splitlines()[-1]
            return all(w in footer for w in words)

        await wait_for(pilot, footer_fits, f"a footer holding {words}")


async def test_as_of_run_on_a_file_target_is_not_offered_and_the_palette_says_why(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.preview("EQUIPMENT_EVENTS")
        app.switch_mode("preview")
        await pilot.pause(0.2)
        await wait_for(pilot, lambda: "[] Page" in screen_text(app).splitlines()[-1], "the footer")
        assert "As of" not in screen_text(app).splitlines()[-1]  # a file has no runs to read
        await pilot.press("o")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, AsOfRunScreen)
        app.mounted_screen("preview").action_as_of_run()  # what the palette command calls
        await wait_for(pilot, lambda: any("DuckLake" in str(n.message) for n in app._notifications),
                       "the notice")
