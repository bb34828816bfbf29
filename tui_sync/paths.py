"""Per-user folders. `TUI_SYNC_HOME` moves all of them under one folder."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "tui-sync"


def _home() -> Path | None:
    value = os.environ.get("TUI_SYNC_HOME")
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    home = _home()
    return home / "config" if home else Path(platformdirs.user_config_dir(APP))


def data_dir() -> Path:
    home = _home()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP))


def log_dir() -> Path:
    home = _home()
    return home / "logs" if home else Path(platformdirs.user_log_dir(APP))


def demo_dir() -> Path:
    return data_dir() / "demo"
