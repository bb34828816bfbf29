"""Moved to tui_sync.target.state; this alias keeps `from tui_sync import state` working until its
last importer (scheduler.py, edited on another branch) follows. It is the same module object."""

import sys

from .target import state as _moved

sys.modules[__name__] = _moved
