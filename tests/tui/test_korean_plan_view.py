"""Issue 16: the Tables screen's Plan view in Korean shows what `tui-sync --lang ko plan`
prints (headings in Korean, lined up by terminal cells; SQL and names as they are), at 80x24."""

from __future__ import annotations

import subprocess
import sys

from rich.cells import cell_len
from textual.widgets import Static

from tui_sync.tui.screens.plan import PlanScreen

from .conftest import FIXED_NOW, screen_text, tables_loaded, wait_for


def _cli_plan_ko(table: str) -> str:
    done = subprocess.run([sys.executable, "-m", "tui_sync", "--lang", "ko", "plan", table, "--demo"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.rstrip("\n")


async def test_plan_view_in_korean_is_the_cli_plan(make_app, demo_home) -> None:
    expected = _cli_plan_ko("LOT_HISTORY")
    assert expected.startswith("테이블 LOT_HISTORY -> ")
    app = make_app(now=FIXED_NOW, lang="ko")
    async with app.run_test(size=(80, 24)) as pilot:
        await tables_loaded(pilot)
        await pilot.press("down", "p")  # LOT_HISTORY
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen), "the Plan view")
        body = app.screen.query_one("#plan-body", Static)
        await wait_for(pilot, lambda: "원본 컬럼" in str(body.render()), "the plan")
        shown = str(body.render()).rstrip("\n")
        assert shown == expected
        lines = shown.splitlines()
        assert lines[1].startswith("  기본 키:") and lines[2].startswith("  커서 컬럼:")
        assert "SQL (전체):" in lines
        rows = screen_text(app).splitlines()
        assert all(cell_len(row) <= 80 for row in rows)
        assert any("원본 컬럼" in row for row in rows)
