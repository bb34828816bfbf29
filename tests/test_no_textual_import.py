"""The engine, sources, target, state, type plan, config and lock never import Textual.

Checked in a fresh interpreter per module, because this test process may already
have imported Textual for the TUI tests.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEADLESS_MODULES = [
    "tui_sync.engine",
    "tui_sync.sources",
    "tui_sync.sources.base",
    "tui_sync.sources.sqlite",
    "tui_sync.sources.oracle",
    "tui_sync.sources.oracle.connect",
    "tui_sync.doctor",
    "tui_sync.doctor_oracle",
    "tui_sync.doctor_probe",
    "tui_sync.target",
    "tui_sync.target.state",
    "tui_sync.target.loads",
    "tui_sync.typeplan",
    "tui_sync.config",
    "tui_sync.target.lock",
    "tui_sync.events",
    "tui_sync.config.write",
    # Headless entry points: cron and `tui-sync schedule` must not pay for (or need) Textual.
    "tui_sync.cli",
    "tui_sync.scheduler",
    "tui_sync.stats",
    "tui_sync.demo",
    "tui_sync.services.verify",
    "tui_sync.cli.verify",
    "tui_sync.cli.schedule",
    "tui_sync.cli.schedule_text",
    "tui_sync.cli.sync",
    "tui_sync.cli.reports",
    "tui_sync.logs",
    # Shared by both front ends: the run-state reducer and the catalog service.
    "tui_sync.progress",
    "tui_sync.services.catalog",
    # The preview's data side: the chart and table widgets import Textual, these must not.
    "tui_sync.preview.detect",
    "tui_sync.preview.lttb",
    "tui_sync.preview.query",
    "tui_sync.preview.db",
    "tui_sync.preview.export",
]

_PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))))
"""


@pytest.mark.parametrize("module", HEADLESS_MODULES)
def test_module_does_not_import_textual(module: str) -> None:
    proc = subprocess.run([sys.executable, "-c", _PROBE, module], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [], f"{module} pulls in Textual"


def test_the_probe_does_see_textual_when_it_is_imported() -> None:
    # Guards the check itself: the TUI module must show up as importing Textual.
    proc = subprocess.run([sys.executable, "-c", _PROBE, "tui_sync.tui.app"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "textual" in json.loads(proc.stdout)
