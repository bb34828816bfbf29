"""The user's UI preferences (the theme), kept in `ui.ini` under the user config dir.

Not in the sync config: a theme belongs to the person at the terminal, not to the
tables a config file describes (and cron never reads it). `TUI_SYNC_HOME` moves it
like every per-user file. A missing, unreadable or stale file only means defaults.
"""

from __future__ import annotations

import configparser
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from .. import paths
from ..i18n import _

if TYPE_CHECKING:
    from textual.app import App
    from textual.theme import Theme

log = logging.getLogger(__name__)
SECTION = "ui"


def prefs_path() -> Path:
    return paths.config_dir() / "ui.ini"


def load_theme() -> str | None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(prefs_path(), encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError) as exc:
        log.warning("ignoring %s: %s", prefs_path(), exc)
        return None
    return parser.get(SECTION, "theme", fallback=None) or None


def save_theme(name: str) -> None:
    """Write the theme (other keys in the file are kept). Raises OSError when it cannot."""
    path = prefs_path()
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        parser = configparser.ConfigParser(interpolation=None)  # a broken file is replaced
    if not parser.has_section(SECTION):
        parser.add_section(SECTION)
    parser.set(SECTION, "theme", name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        parser.write(fh)
    tmp.replace(path)


def keep_theme(app: App[object]) -> None:
    """Restore the saved theme now, and save the theme whenever the user changes it."""
    saved = load_theme()
    if saved and saved in app.available_themes:
        app.theme = saved

    def changed(theme: Theme) -> None:
        if theme.name == load_theme():
            return
        try:
            save_theme(theme.name)
        except OSError as exc:
            app.notify(_("Could not save the theme in {path}: {error}").format(path=prefs_path(), error=exc),
                       title=_("Theme"), severity="warning")

    app.theme_changed_signal.subscribe(app, changed)


__all__ = ["keep_theme", "load_theme", "prefs_path", "save_theme"]
