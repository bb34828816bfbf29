"""SIGHUP (a dropped SSH session) and SIGTERM: cancel the running sync, wait for its rollback, exit.

Also the terminal side of a hang-up: the standard streams are pointed at /dev/null so
that whatever Textual still writes while the sync rolls back neither fails nor blocks.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ...errors import ExitCode
from ...events import LogLine

if TYPE_CHECKING:
    from ..app import TuiSyncApp

EXIT_INTERRUPTED = ExitCode.INTERRUPTED  # DESIGN §7: the app's return code after SIGHUP/SIGTERM

_logger = logging.getLogger("tui_sync.tui")


def terminal_fds() -> list[int]:
    """The standard streams that are a terminal (checked while it is alive: on a hung-up
    tty even isatty() fails)."""
    out = []
    for fd in (0, 1, 2):
        try:
            if os.isatty(fd):
                out.append(fd)
        except OSError:
            pass
    return out


def terminal_gone(fds: Sequence[int]) -> bool:
    """Has the terminal hung up? A zero-byte write to a hung-up tty fails (EIO); to a live
    one it writes nothing."""
    for fd in fds:
        try:
            os.write(fd, b"")
        except OSError:
            return True
    return False


def detach_from_terminal() -> None:
    """Point the standard streams at /dev/null, as a daemon does: the terminal is gone,
    and whatever Textual still writes while the sync rolls back must not fail or block."""
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        for fd in (0, 1, 2):
            try:
                os.dup2(devnull, fd)
            except OSError:
                pass
    finally:
        os.close(devnull)


class SignalController:
    """Installs the handlers while the app runs and restores the previous ones after."""

    def __init__(self, app: TuiSyncApp) -> None:
        self.app = app
        self._previous: dict[int, Any] = {}  # signal -> the handler it had before
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tty_fds: list[int] = []
        self.received: int | None = None
        self.detached = False  # the terminal hung up: stdin/stdout/stderr now point at /dev/null

    def install(self) -> None:
        """SIGHUP (the SSH session dropped) and SIGTERM (kill, a service stop) cancel the
        running sync cleanly and exit; the previous handlers come back when the app unmounts.

        Textual handles neither: a SIGHUP would kill the process mid-batch and leave the run
        recorded as 'running'. A plain `signal.signal` handler (not `loop.add_signal_handler`)
        because on a hang-up the kernel sends SIGCONT right after SIGHUP, and Textual's own
        SIGCONT handler would restart application mode on the dead terminal; ours runs first
        (handlers run in signal-number order) and takes that handler away.
        """
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set from the main thread
        self._loop = asyncio.get_running_loop()
        self._tty_fds = terminal_fds()
        for sig in (getattr(signal, "SIGHUP", None), signal.SIGTERM):
            if sig is None:
                continue
            try:
                self._previous[sig] = signal.signal(sig, self.arrived)
            except (ValueError, OSError):
                continue

    def restore(self) -> None:
        for sig, previous in self._previous.items():
            try:
                signal.signal(sig, previous if previous is not None else signal.SIG_DFL)
            except (ValueError, TypeError, OSError):
                pass
        self._previous.clear()

    def arrived(self, signum: int, _frame: object) -> None:
        """The signal handler proper (main thread, between two bytecodes): only what cannot
        wait, then the rest on the event loop (`handle`)."""
        if signum == getattr(signal, "SIGHUP", None):
            sigcont = getattr(signal, "SIGCONT", None)
            if sigcont is not None:
                signal.signal(sigcont, signal.SIG_DFL)  # nothing to resume: we are leaving
            if terminal_gone(self._tty_fds):
                detach_from_terminal()  # writes to a hung-up tty fail; Textual's writer would stall
                self.detached = True
        self.app.runs.cancel_now()  # at once: the engine stops at its next batch and rolls back
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.handle, signum)

    def handle(self, signum: int) -> None:
        """On the UI thread: cancel the sync, wait for its rollback, exit (return code 130).

        A second signal exits at once; the engine still rolls back, because the process
        waits for the sync thread before it ends."""
        app, runs = self.app, self.app.runs
        name = signal.Signals(signum).name
        if self.received is not None:
            _logger.warning("%s again: exiting now", name)
            app.exit(return_code=EXIT_INTERRUPTED)
            return
        self.received = signum
        why = "the terminal went away" if signum == getattr(signal, "SIGHUP", None) else "asked to stop"
        _logger.warning("%s (%s%s): cancelling any running sync and exiting", name, why,
                        "; output now goes to /dev/null" if self.detached else "")
        app.schedule.stop()
        if runs.running:
            runs.cancel_now()
            runs.log(LogLine("warning", f"{name} ({why}): cancelling the sync, then exiting"))
        if runs.busy:
            runs.cancel_and_exit(EXIT_INTERRUPTED)
        else:
            runs.quitting = True
            app.exit(return_code=EXIT_INTERRUPTED)


__all__ = ["EXIT_INTERRUPTED", "SignalController", "detach_from_terminal", "terminal_fds", "terminal_gone"]
