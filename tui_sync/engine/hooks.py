"""Knobs the engine's modules look up at call time, so tests can patch them in one place:
the progress throttle and the crash-test fault points."""

from __future__ import annotations

import os
import signal

PROGRESS_INTERVAL_S = 0.25  # at most four progress events a second per table


def _fault(point: str) -> None:
    """Test hook for crash tests: TUI_SYNC_FAULT=swap|merge|batch:N kills this process
    with SIGKILL at that point, the way a crash or `kill -9` would."""
    wanted = os.environ.get("TUI_SYNC_FAULT")
    if wanted and point in wanted.split(","):
        os.kill(os.getpid(), signal.SIGKILL)
