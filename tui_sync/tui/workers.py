"""Thread workers: the error policy the app's one handler applies, and widgets outside the app.

Inside `TuiSyncApp` every worker is the app's (`app.run_in_thread`), so its one
`Worker.StateChanged` handler sees every failure; a widget passes `on_error` to get
its failures back (on the UI thread) instead of the error dialog. A widget mounted
in some other app (a test app, a small tool) gets the same `on_error` call from here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from textual.dom import DOMNode
from textual.worker import Worker

from ..errors import LockHeldError, TargetBusyError

ErrorCallback = Callable[[BaseException], None]
BUSY_ERRORS = (TargetBusyError, LockHeldError)  # another process has the file: Retry makes sense


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


__all__ = ["BUSY_ERRORS", "ErrorCallback", "WorkerHost", "run_in_thread"]
