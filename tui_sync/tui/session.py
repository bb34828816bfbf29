"""What the TUI knows right now: config, marks, the catalog, verify results, the current run.

Screens render from the `Session`; only the app and its controllers change it (screens
ask the app: `app.set_marks(...)`, `app.start_sync(...)`, ...). Plain data and small
helpers, no widgets, so a screen that is not mounted yet still finds everything when
it is first shown.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config
from ..events import LogLine
from ..progress import LOG_LINES_KEPT, RunState
from ..services.catalog import CatalogEntry, TargetState, merge
from ..sources.base import TableInfo
from ..target.state import ResumePoint

if TYPE_CHECKING:
    from .screens.verify import VerifyOutcome


class Session:
    """The app's state; see the module docstring for who may change it."""

    def __init__(self, config_path: Path, config: Config | None, *, config_error: str | None,
                 now: Callable[[], datetime]) -> None:
        self.config_path = Path(config_path)
        self.config: Config = config or Config(path=self.config_path)
        self.config_ok = config is not None
        self.config_error = config_error
        self.password: str | None = None  # typed on the Connection screen; never saved
        self._file_password = self.config.source.password  # only if the user chose to save one
        self.now = now
        self.marked: set[str] = set()  # source table names marked on the Tables screen
        self.tables: list[TableInfo] = []  # the source's tables, as last listed
        self.target = TargetState()  # sync state and resume points, as last read
        self.catalog_loaded = False
        self.verify_results: dict[str, VerifyOutcome] = {}  # by source table, latest verify
        self.run: RunState | None = None  # the current (or last) sync run
        self.log_lines: deque[LogLine] = deque(maxlen=LOG_LINES_KEPT)
        self.preview_target: tuple[str, str | None] | None = None  # (target table, cursor column)
        self.synced_last: str | None = None  # source table a run ended on; `v` previews it once

    # -- config ------------------------------------------------------------------------------
    def install_config(self, config: Config) -> None:
        """A freshly saved and reloaded config; the typed password stays for this session."""
        self._file_password = config.source.password
        if self.password is not None:
            config.source.password = self.password
        self.config, self.config_ok, self.config_error = config, True, None
        self.config_path = config.path or self.config_path

    def set_password(self, password: str | None) -> None:
        self.password = password or None
        # An emptied field falls back to the saved password (if any), then to password_env.
        self.config.source.password = self.password or self._file_password

    def saved_password(self, password: str) -> None:
        """The password was written into the config file (the app's password dialog)."""
        self._file_password = password

    # -- catalog -----------------------------------------------------------------------------
    def set_catalog(self, tables: list[TableInfo], target: TargetState) -> None:
        self.tables, self.target, self.catalog_loaded = tables, target, True
        self.marked &= {t.name for t in tables}  # marks of tables that are gone go too

    def entries(self, tables: Iterable[TableInfo] | None = None) -> list[CatalogEntry]:
        """The listed tables (or these) with their targets' state, for the config in use."""
        return merge(self.config, tuple(self.tables if tables is None else tables), self.target)

    def target_of(self, source_table: str) -> str:
        return self.config.table(source_table).target_name()

    def is_synced(self, source_table: str) -> bool:
        return self.target_of(source_table) in self.target.states

    def resume_points_of(self, tables: Sequence[str]) -> dict[str, ResumePoint]:
        """The pending resume points (as last read) of these source tables, by source table."""
        out = {}
        for name in tables:
            point = self.target.resume.get(self.target_of(name))
            if point is not None:
                out[name] = point
        return out

    def table_names(self) -> list[str]:
        return [t.name for t in self.tables]

    def selection(self, highlighted: str | None) -> list[str]:
        """Marked tables in list order, or the highlighted one when none is marked."""
        if self.marked:
            return [t.name for t in self.tables if t.name in self.marked]
        return [highlighted] if highlighted else []


__all__ = ["Session"]
