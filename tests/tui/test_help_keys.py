"""Help (issue 14, defect 15): one key-column width in every section, and no key wraps."""

from __future__ import annotations

import re

from .conftest import FIXED_NOW, screen_text, tables_loaded, wait_for


async def test_help_keys_share_one_column_and_do_not_wrap(make_app) -> None:
    app = make_app(now=FIXED_NOW)
    async with app.run_test(size=(80, 60)) as pilot:
        await tables_loaded(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: "tui-sync keys" in screen_text(app), "the Help screen")
        lines = screen_text(app).splitlines()
        assert any("f / i / x" in line for line in lines)  # whole, on one line
        # Where the description starts after a key: one column for every section.
        starts = {m.start(2) for line in lines
                  if (m := re.match(r"^[\s┃]*(ctrl\+p|/|f / i / x|r / d / p|ctrl\+s|escape|enter)\s+(\S)", line))}
        assert len(starts) == 1, starts
        assert "save [source] and [target] into the config file" in " ".join(lines)  # not eaten as markup
