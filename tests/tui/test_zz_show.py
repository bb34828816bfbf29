import os
from tests.tui.conftest import FIXED_NOW, screen_text, tables_loaded
async def test_show(make_app, demo_db):
    app = make_app(now=FIXED_NOW)
    w, h = map(int, os.environ.get("SIZE", "80x24").split("x"))
    async with app.run_test(size=(w, h)) as pilot:
        await tables_loaded(pilot)
        for k in os.environ.get("KEYS", "h").split(","):
            if k: await pilot.press(k); await pilot.pause(1.0)
        print(screen_text(app))
