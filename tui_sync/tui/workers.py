"""Thread workers: the error policy the app's one handler applies, and widgets outside the app.

Inside `TuiSyncApp` every worker is the app's (`app.run_in_thread`), so its one
`Worker.StateChanged` handler sees every failure; a widget passes `on_error` to get
its failures back (on the UI thread) instead of the error dialog. A widget mounted
in some other app (a test app, a small tool) gets the same `on_error` call from here.

A read of the DuckDB file that meets another process (a cron sync holding the file, a
`duckdb` shell) waits and tries again on its own (`wait_while_busy`), saying who it waits
for, instead of failing at once; only after `BUSY_WAIT_S` does the error (with Retry) show.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from textual.dom import DOMNode
from textual.worker import Worker, get_current_worker

from ..errors import LockHeldError, TargetBusyError, one_line
from ..i18n import _
from ..target.lock import describe_holder, is_held, read_holder
from ..target.spec import Target

ErrorCallback = Callable[[BaseException], None]
BUSY_ERRORS = (TargetBusyError, LockHeldError)  # another process has the file: Retry makes sense
BUSY_WAIT_S = 600.0  # a read waits this long for a sync to end, then the error dialog (Retry)
BUSY_FIRST_PAUSE_S = 0.25
BUSY_MAX_PAUSE_S = 5.0  # a retry at least this often: the read runs soon after the sync ends


def waiting_text(target: Target, error: BaseException) -> str:
    """What a waiting read says: the sync it waits for (its holder note), or why the file is busy."""
    if is_held(target):
        return _("waiting for the running sync: {holder}").format(holder=describe_holder(read_holder(target)))
    return _("waiting for the DuckDB file: {error}").format(error=one_line(error))


def wait_while_busy(node: DOMNode, job: Callable[[], object], target: Target,
                    on_wait: Callable[[str], None]) -> Callable[[], object]:
    """`job`, retried with a growing pause while another process has `target`'s file; each
    wait is announced by `on_wait(text)` on the UI thread. The worker's cancel ends the wait
    (a newer read of the same group replaces it); after BUSY_WAIT_S the busy error is raised."""
    app = node.app

    def waiting() -> object:
        worker = get_current_worker()
        deadline = time.monotonic() + BUSY_WAIT_S
        pause = BUSY_FIRST_PAUSE_S
        while True:
            try:
                return job()
            except BUSY_ERRORS as exc:
                if time.monotonic() + pause > deadline:
                    raise
                app.call_from_thread(on_wait, waiting_text(target, exc))
            wake = time.monotonic() + pause
            while time.monotonic() < wake:
                if worker.is_cancelled:
                    return None
                time.sleep(0.05)
            pause = min(pause * 2, BUSY_MAX_PAUSE_S)

    return waiting


@runtime_checkable
class WorkerHost(Protocol):
    """An app that runs thread workers for its widgets (`TuiSyncApp`)."""

    def run_in_thread(self, job: Callable[[], object], *, group: str, description: str,
                      retry: Callable[[], object] | None = None, on_error: ErrorCallback | None = None,
                      exclusive: bool = True) -> Worker[object]: ...


def run_in_thread(node: DOMNode, job: Callable[[], object], *, group: str, description: str,
                  on_error: ErrorCallback, exclusive: bool = True) -> Worker[object]:
    """Run `job` on a thread worker of the app `node` lives in; failures go to `on_error`."""
    app = node.app
    if isinstance(app, WorkerHost):
        return app.run_in_thread(job, group=group, description=description, on_error=on_error,
                                 exclusive=exclusive)

    def guarded() -> object:
        try:
            return job()
        except Exception as exc:  # noqa: BLE001 - no app handler here: report it like the app would
            app.call_from_thread(on_error, exc)
            return None

    return node.run_worker(guarded, name=group, group=group, description=description, thread=True,
                           exclusive=exclusive, exit_on_error=False)


__all__ = ["BUSY_ERRORS", "ErrorCallback", "WorkerHost", "run_in_thread", "wait_while_busy", "waiting_text"]
