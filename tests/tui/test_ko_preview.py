"""The Preview pane, its chart, the command palette and a notification in Korean (issue 16),
at 80x24: every text whole (wide characters measured with rich.cells.cell_len), and SVG
snapshots of the Preview's rows and chart. English stays the default (tests/conftest.py
sets it back after each test).

Update the pictures with `pytest tests/tui/test_ko_preview.py --snapshot-update`, then look.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Static

from tui_sync import demo
from tui_sync.config import load_config
from tui_sync.engine import Engine
from tui_sync.events import Mode
from tui_sync.tui.app import TuiSyncApp, create_app
from tui_sync.tui.widgets.chart import ChartView
from tui_sync.tui.widgets.preview import PreviewPane

from .conftest import DEMO_ROWS, FIXED_NOW, no_blink, screen_text, tables_loaded, wait_for

SIZE = (80, 24)


@pytest.fixture(scope="module")
def synced_ko(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with every table synced, built once for the module."""
    home = tmp_path_factory.mktemp("synced-ko") / "home"
    shutil.copytree(demo_template, home)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TUI_SYNC_HOME", str(home))
        mp.setenv("TUI_SYNC_DEMO_ROWS", str(DEMO_ROWS))
        config = load_config(demo.ensure_demo())
        assert Engine(config).run(list(config.tables), Mode.FULL).ok
    return home


@pytest.fixture
def ko_app(synced_ko: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TuiSyncApp:
    home = tmp_path / "home"
    shutil.copytree(synced_ko, home)
    monkeypatch.setenv("TUI_SYNC_HOME", str(home))
    monkeypatch.setenv("TUI_SYNC_DEMO_ROWS", str(DEMO_ROWS))
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("NO_COLOR", raising=False)
    return create_app(None, demo=True, now=lambda: FIXED_NOW, scheduler=False, lang="ko")


def _text(widget: Static) -> str:
    return str(widget.render())


async def _preview(pilot: Pilot[None]) -> PreviewPane:
    app: TuiSyncApp = pilot.app  # type: ignore[assignment]
    await tables_loaded(pilot)
    app.preview("EQUIPMENT_EVENTS")
    await wait_for(pilot, lambda: bool(app.screen.query(PreviewPane)), "the Preview pane")
    pane = app.screen.query_one(PreviewPane)
    status = pane.query_one("#pv-status", Static)
    await wait_for(pilot, lambda: "행 중" in _text(status), "the rows, in Korean")
    return pane


def _blank_seconds(pane: PreviewPane) -> None:
    status = pane.query_one("#pv-status", Static)
    status.update(re.sub(r" · [0-9.]+s$", "", _text(status)))  # the read time is wall-clock


def _fits(text: str) -> None:
    for line in text.splitlines():
        assert cell_len(line) <= SIZE[0], f"wider than {SIZE[0]} cells: {line!r}"


async def test_preview_rows_in_korean_fit_80x24(ko_app: TuiSyncApp) -> None:
    async with ko_app.run_test(size=SIZE) as pilot:
        pane = await _preview(pilot)
        await pilot.pause()
        shown = screen_text(ko_app)
        _fits(shown)
        status = _text(pane.query_one("#pv-status", Static))
        # "rows 1–500 of 20,000 (table order) · 0/0 text cols converted · 0.12s", in Korean
        assert re.match(r"^20,000행 중 1–500 \(테이블 순서\) · 텍스트 컬럼 \d+/\d+ 변환 · [0-9.]+s$", status), status
        assert status in shown.replace("\n", "") or status.split(" · ")[0] in shown  # on screen, not cut
        for word in ("미리보기", "행", "타입", "차트", "테이블 순서", "커서: ", "종료"):
            assert word in shown, word
        # the footer's grouped words (a binding group's word is translated too)
        footer = shown.splitlines()[-1]
        for word in ("탭", "종류", "쪽", "내보내기", "종료", "명령"):
            assert word in footer, (word, footer)
        assert "Tabs" not in footer and "palette" not in footer


async def test_preview_chart_in_korean_fits_80x24(ko_app: TuiSyncApp) -> None:
    async with ko_app.run_test(size=SIZE) as pilot:
        pane = await _preview(pilot)
        await pilot.press("p")
        chart = pane.query_one(ChartView)
        await wait_for(pilot, lambda: chart.data is not None and chart.drawn_points > 0, "the chart")
        await pilot.pause()
        shown = screen_text(ko_app)
        _fits(shown)
        assert chart.data is not None and "테이블 순서" in chart.data.title
        for word in ("종류: 선", "Y: 자동 (보조 축)", "y 컬럼 (최대 4개):", "평균", "중앙값", "하한", "상한"):
            assert word in shown, word


async def test_palette_in_korean(ko_app: TuiSyncApp) -> None:
    async with ko_app.run_test(size=SIZE) as pilot:
        await tables_loaded(pilot)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(ko_app.screen, CommandPalette), "the palette")
        await pilot.press(*"미리보기")
        await pilot.pause(0.3)
        shown = screen_text(ko_app)
        _fits(shown)
        for title in ("미리보기 화면으로", "미리보기 화면 보기 (키 v)", "강조된 테이블 미리보기", "미리보기: 차트",
                      "미리보기 화면에서 (키 p)"):
            assert title in shown, (title, shown)
        assert "대상 테이블의 데이터를 보여 줍니다 (키 enter)" in shown  # help with its key, whole


async def test_a_korean_notification(make_app) -> None:
    app = make_app(lang="ko")  # the unsynced demo: previewing a table warns its target may not exist
    async with app.run_test(size=SIZE) as pilot:
        await tables_loaded(pilot)
        app.preview("EQUIPMENT_EVENTS")
        await wait_for(pilot, lambda: any("아직 동기화되지 않았습니다" in str(n.message)
                                          for n in app._notifications), "the warning")
        note = next(n for n in app._notifications if "아직 동기화되지 않았습니다" in str(n.message))
        assert note.title == "미리보기"
        assert str(note.message).startswith("EQUIPMENT_EVENTS은(는) 아직 동기화되지 않았습니다. 대상 ")


async def _settle(pilot: Pilot[None]) -> None:
    no_blink(pilot.app)  # type: ignore[arg-type]
    await pilot.pause()


def test_snapshot_preview_rows_ko(snap_compare, ko_app: TuiSyncApp) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        _blank_seconds(await _preview(pilot))
        await _settle(pilot)

    assert snap_compare(ko_app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_preview_chart_ko(snap_compare, ko_app: TuiSyncApp) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        pane = await _preview(pilot)
        await pilot.press("p")
        chart = pane.query_one(ChartView)
        await wait_for(pilot, lambda: chart.data is not None and chart.drawn_points > 0, "the chart")
        _blank_seconds(pane)
        await _settle(pilot)

    assert snap_compare(ko_app, terminal_size=SIZE, run_before=run_before)


async def test_export_dialog_in_korean_fits_80x24(ko_app: TuiSyncApp) -> None:
    from tui_sync.tui.widgets.preview_dialogs import ExportDialog

    async with ko_app.run_test(size=SIZE) as pilot:
        await _preview(pilot)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(ko_app.screen, ExportDialog), "the export dialog")
        await pilot.pause()
        shown = screen_text(ko_app)
        _fits(shown)
        for text in ("내보내기: equipment_events: 테이블 순서, 전체 20,000행", "파일 (.csv 또는 .parquet",
                     "내보내기 (enter)", "취소 (esc)"):
            assert text in shown, (text, shown)
