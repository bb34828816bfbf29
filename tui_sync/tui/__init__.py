"""The Textual terminal UI (DESIGN §9). `create_app` is the factory the CLI and tests share.

Importing this package imports Textual; the engine, sources and target never do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import TuiSyncApp, create_app


def __getattr__(name: str) -> Any:
    # Lazy: `tui_sync.tui.widgets.preview` can be imported without building the app.
    if name in ("TuiSyncApp", "create_app"):
        from . import app

        return getattr(app, name)
    raise AttributeError(name)


__all__ = ["TuiSyncApp", "create_app"]
