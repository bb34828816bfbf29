"""The rotating log file in the user log dir (DESIGN §6)."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from . import paths

LOG_NAME = "tui-sync.log"


def setup_file_log(level: int = logging.INFO) -> Path | None:
    """Attach a rotating file handler to the `tui_sync` logger (once); None if unwritable."""
    logger = logging.getLogger("tui_sync")
    path = paths.log_dir() / LOG_NAME
    for h in logger.handlers:
        if isinstance(h, RotatingFileHandler):
            return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=5_000_000, backupCount=5, encoding="utf-8")
    except OSError:
        return None  # a read-only home must not stop a sync
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(min(level, logger.level or level))
    return path
