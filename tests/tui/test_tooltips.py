"""Every control of every screen says what it does when hovered (issue 14: tooltips on every
control). The Connection screen and the dialogs are checked in test_forms.py."""

from __future__ import annotations

from .conftest import tables_loaded, wait_for

CONTROLS = "Input, Select, Button, Checkbox, SelectionList"


async def test_every_control_of_the_screens_has_a_tooltip(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await tables_loaded(pilot)
        missing: dict[str, list[str | None]] = {}
        seen = 0
        # v first: from Tables it previews the highlighted table, so the Preview's controls exist.
        for key, mode in (("t", "tables"), ("v", "preview"), ("g", "progress"), ("h", "history"),
                          ("question_mark", "help")):
            await pilot.press(key)
            await wait_for(pilot, lambda m=mode: app.current_mode == m, f"the {mode} screen")
            if mode == "preview":
                await wait_for(pilot, lambda: len(app.screen.query("#pv-ys")) == 1, "the preview pane")
            await pilot.pause()
            controls = list(app.screen.query(CONTROLS))
            seen += len(controls)
            if bad := [w.id for w in controls if not w.tooltip]:
                missing[mode] = bad
        assert seen >= 10  # the Preview's selects and the chart's controls at least
        assert not missing, missing
