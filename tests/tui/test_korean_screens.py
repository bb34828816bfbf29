"""Issue 16: the main screens in Korean at 80x24 (Pilot and SVG snapshots), and the
Connection screen's language select saving `[ui] lang`.

Korean characters take two terminal cells: widths are measured with rich's cell_len,
never len. The snapshots are fixed like test_snapshot_matrix.py's (a frozen clock, TZ=UTC,
the Progress screen fed fixed events, History fed fixed runs); update them with
`pytest tests/tui/test_korean_screens.py --snapshot-update`, then look at them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widgets import Label, Select, Static

from tui_sync.config import load_config
from tui_sync.target.state import record_unrun
from tui_sync.tui.app import TuiSyncApp, create_app
from tui_sync.tui.screens.connection import LANGUAGE_LABEL

from .conftest import DEMO_ROWS, FIXED_NOW, english, no_blink, screen_text, tables_loaded, wait_for
from .test_snapshot_matrix import help_screen, progress

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def back_to_english() -> Iterator[None]:
    yield
    english()


def _text(widget: Static | Label) -> str:
    return str(widget.render())


def _fits(app: TuiSyncApp) -> list[str]:
    """The screen's rows, each checked to be at most 80 cells wide."""
    rows = screen_text(app).splitlines()
    assert len(rows) == SIZE[1]
    for row in rows:
        assert cell_len(row) <= SIZE[0], row
    return rows


def _footer(app: TuiSyncApp) -> str:
    return screen_text(app).splitlines()[-1]


def _whole(rows: list[str], *words: str) -> None:
    """Each text is on one row, whole: not cut at the edge, not overdrawn by another widget."""
    for word in words:
        assert any(word in row for row in rows), f"{word!r} not whole on screen:\n" + "\n".join(rows)


# -- the scenes (Korean-aware waits; the language-neutral ones come from the matrix) -----------

async def tables_ko(pilot: Pilot[None]) -> None:
    await tables_loaded(pilot)
    details = pilot.app.screen.query_one("#table-details", Static)
    await wait_for(pilot, lambda: "계획:" in _text(details), "the type plan (Korean)")


async def connection_ko(pilot: Pilot[None]) -> None:
    app: TuiSyncApp = pilot.app  # type: ignore[assignment]
    await tables_loaded(pilot)
    await pilot.press("c")
    app.screen.query_one("#config-file", Static).update(f"설정 파일: {app.config_path.name}")


def _record_runs(app: TuiSyncApp) -> None:
    db = app.config.target_path()
    runs = [("equipment_events", "EQUIPMENT_EVENTS", "ok", ""),
            ("lot_history", "LOT_HISTORY", "failed", "ORA-00942: table or view does not exist"),
            ("lot_history", "LOT_HISTORY", "skipped", "another sync holds demo.duckdb: cli pid 4242")]
    start = FIXED_NOW.replace(tzinfo=None) - timedelta(hours=3)
    for i, (target, source, status, error) in enumerate(runs):
        at = start + timedelta(minutes=10 * i)
        record_unrun(db, target, source, "incremental", status, error, at, at + timedelta(seconds=42))


async def history_ko(pilot: Pilot[None]) -> None:
    app: TuiSyncApp = pilot.app  # type: ignore[assignment]
    _record_runs(app)
    await tables_loaded(pilot)
    await pilot.press("h")
    title = app.screen.query_one("#runs-title", Label)
    await wait_for(pilot, lambda: "실행: 3개" in _text(title), "the runs (Korean)")
    await pilot.press("down")  # the failed run: its error under the list


# -- Pilot: Korean on each main screen, nothing cut at 80x24 ----------------------------------

async def test_tables_in_korean_at_80x24(make_app) -> None:
    app = make_app(now=FIXED_NOW, lang="ko")
    async with app.run_test(size=SIZE) as pilot:
        await tables_ko(pilot)
        await wait_for(pilot, lambda: "⏎ 보기" in _footer(app), "the Korean footer")
        rows = _fits(app)
        _whole(rows, "필터 ", "테이블", "예상 행", "대상", "최근 동기화", "다음 실행", "테이블 4개",
               "없음", "키 EVENT_ID · 커서 컬럼 EVENT_TIME", "아직 적재 안 됨 · 계획: 컬럼 9개 중 9개 → DuckDB · 경고 없음")
        footer = _footer(app)
        for word in ("⏎ 보기", "␣ 선택", "s 동기화", "f 전체", "e 편집", "p 계획", "/ 필터", "y 검증"):
            assert word in footer, footer
        # the table list: every column header whole on the header row, in its order
        header = next(row for row in rows if "예상 행" in row)
        assert header.index("테이블") < header.index("예상 행") < header.index("대상") \
            < header.index("최근 동기화") < header.index("다음 실행")


async def test_tables_after_a_sync_fit_80_columns_in_korean(make_app, demo_config: Path) -> None:
    """A synced table's row ("성공 01-05 12:00": Korean words are wider) still fits: the
    list needs no sideways scrolling at 80 columns."""
    from tui_sync.engine import Engine
    from tui_sync.events import Mode
    from tui_sync.tui.screens.tables import SourceTable

    config = load_config(demo_config)
    assert Engine(config).run(list(config.tables), Mode.FULL).ok
    app = make_app(now=FIXED_NOW, lang="ko")
    async with app.run_test(size=SIZE) as pilot:
        await tables_loaded(pilot)
        table = app.screen.query_one(SourceTable)
        # the row once the state and the schedule have both reached it (under load the columns
        # are measured again as the cells arrive: the end state is what must fit)
        await wait_for(pilot, lambda: any("EQUIPMENT_EVENTS" in row and "성공" in row
                                          and row.rstrip().endswith("01-06 02:00")
                                          for row in screen_text(app).splitlines()),
                       "the synced row, whole")
        await pilot.pause()
        assert table.virtual_size.width <= table.scrollable_content_region.width, (
            table.virtual_size, table.scrollable_content_region)
        rows = _fits(app)
        _whole(rows, "DuckDB: 20,000행 · 최근 전체 동기화 성공")
        synced = [row for row in rows if "EQUIPMENT_EVENTS" in row and "성공" in row]
        assert synced and synced[0].rstrip().endswith("01-06 02:00"), synced


async def test_progress_in_korean_at_80x24(make_app) -> None:
    app = make_app(now=FIXED_NOW, lang="ko")
    async with app.run_test(size=SIZE) as pilot:
        await progress(pilot)
        await pilot.pause()
        rows = _fits(app)
        _whole(rows, "자동 동기화: 테이블 3개 · 실행 중")
        footer = _footer(app)
        assert "p 정지/재개" in footer and "esc 취소" in footer, footer


async def test_progress_before_any_run_in_korean(make_app) -> None:
    app = make_app(now=FIXED_NOW, lang="ko")
    async with app.run_test(size=SIZE) as pilot:
        await tables_loaded(pilot)
        await pilot.press("g")
        header = app.screen.query_one("#run-header", Static)
        assert _text(header).startswith("아직 실행한 동기화가 없습니다.")
        _fits(app)


async def test_history_in_korean_at_80x24(make_app) -> None:
    app = make_app(now=FIXED_NOW, lang="ko")
    async with app.run_test(size=SIZE) as pilot:
        await history_ko(pilot)
        await pilot.pause()
        rows = _fits(app)
        _whole(rows, "실행: 3개 (최신순; enter: 전체 오류 보기)", "시작", "모드", "상태", "행/초",
               "성공", "실패", "건너뜀", "증분", "오류: ORA-00942: table or view does not exist",
               "테이블별, 최근 30일", "7일 실행", "30일 실행", "성공률")
        footer = _footer(app)
        for word in ("f 테이블 필터", "s 상태 필터", "r 새로고침"):
            assert word in footer, footer
        # a filter's title: the status word in Korean, the filter named
        await pilot.press("s")
        title = app.screen.query_one("#runs-title", Label)
        await wait_for(pilot, lambda: "상태 성공" in _text(title), "the status filter (Korean)")
        assert _text(title) == "실행: 3개 중 1개 (상태 성공; f/s로 필터 변경)"


async def test_help_in_korean_at_80x24(make_app) -> None:
    app = make_app(now=FIXED_NOW, lang="ko")
    async with app.run_test(size=SIZE) as pilot:
        await help_screen(pilot)
        await pilot.pause()
        rows = _fits(app)
        assert not any("…" in row for row in rows), "\n".join(rows)  # no line cut short
        _whole(rows, "tui-sync 키", "모든 화면", "연결, 테이블, 진행, 미리보기, 이력, 이 도움말", "명령 팔레트")
        # each key column is as wide as before (keys are not translated): descriptions start aligned
        starts = {cell_len(row[:row.index(text)]) for row in rows for key, text in
                  (("c t g v h ?", "연결, 테이블"), ("ctrl+p", "명령 팔레트"), ("escape", "입력란에서"))
                  if row.lstrip("┃ ").startswith(key) and text in row}
        assert len(starts) == 1, starts


async def test_connection_in_korean_at_80x24(make_app) -> None:
    app = make_app(now=FIXED_NOW, lang="ko")
    async with app.run_test(size=SIZE) as pilot:
        await connection_ko(pilot)
        await pilot.pause()
        rows = _fits(app)
        _whole(rows, "원본 종류", "SQLite 파일", "DuckDB 대상", LANGUAGE_LABEL, "자동 (로캘)",
               "언어: 저장하면 기록되고, 다음 시작 때 적용됩니다.", "점검 (^t)", "저장 (^s)")
        footer = _footer(app)
        assert "^t 점검" in footer and "^s 저장" in footer, footer
        # the labels fit their column (16 cells, one of padding) in Korean too
        for label in app.screen.query(".field-label").results(Label):
            assert cell_len(_text(label)) <= 15, _text(label)


async def test_language_select_saves_ui_lang(make_app, demo_config: Path) -> None:
    app = make_app(now=FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await tables_loaded(pilot)
        await pilot.press("c")
        select = app.screen.query_one("#ui-lang", Select)
        assert select.value == ""  # the demo config has no [ui]: the locale decides
        assert "applied at the next start" in _text(app.screen.query_one("#lang-hint", Static))
        select.value = "ko"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: load_config(demo_config).ui.lang == "ko", "[ui] lang = ko saved")
        text = demo_config.read_text(encoding="utf-8")
        assert "[ui]" in text and "lang = ko" in text
        # the screen is still English: the language changes at the next start
        assert _text(app.screen.query_one("#lang-hint", Static)).startswith("Language: saved with Save")
        assert app.session.config.ui.lang == "ko"
        # back to the locale: the key goes, the section stays
        select.value = ""
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: load_config(demo_config).ui.lang == "", "[ui] lang removed")
        assert "lang =" not in demo_config.read_text(encoding="utf-8")


async def test_the_next_start_is_korean(make_app, demo_config: Path) -> None:
    """What the select saved is what the next start uses (the CLI resolves [ui] lang)."""
    from tui_sync.config.write import save_ui_lang
    from tui_sync.i18n import resolve_language

    config = save_ui_lang(demo_config, "ko")
    lang = resolve_language(None, config.ui.lang, environ={})
    app = make_app(now=FIXED_NOW, lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await tables_loaded(pilot)
        await pilot.press("c")
        assert app.screen.query_one("#ui-lang", Select).value == "ko"
        assert _text(app.screen.query_one("#lang-hint", Static)).startswith("언어:")


# -- SVG snapshots in Korean ------------------------------------------------------------------

def _app_ko(home: Path, monkeypatch: pytest.MonkeyPatch) -> TuiSyncApp:
    monkeypatch.setenv("TUI_SYNC_HOME", str(home))
    monkeypatch.setenv("TUI_SYNC_DEMO_ROWS", str(DEMO_ROWS))
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("NO_COLOR", raising=False)
    return create_app(None, demo=True, now=lambda: FIXED_NOW, scheduler=False, lang="ko")


SCENES = {"tables": tables_ko, "progress": progress, "history": history_ko, "help": help_screen,
          "connection": connection_ko}


@pytest.mark.parametrize("scene", list(SCENES))
def test_korean_snapshot(snap_compare, scene: str, demo_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app_ko(demo_home, monkeypatch)

    async def run_before(pilot: Pilot[None]) -> None:
        await SCENES[scene](pilot)
        no_blink(pilot.app)  # type: ignore[arg-type]
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
