"""Write settings back into the INI file without losing what the user wrote there.

The TUI edits `[source]`, `[target]` and `[table NAME]` sections. ConfigUpdater
keeps comments, blank lines, key order and keys we do not know about; this
module adds what ConfigUpdater does not do on its own:

- inline comments (`kind = oracle   ; oracle | sqlite`) survive a value change;
- new keys go after the section's last key, not after its trailing blank lines;
- the result is loaded with `load_config` before it replaces the file (atomic
  rename), so a save can never leave a file the loader refuses;
- a password is written only when the caller passes `save_password=True`, with a
  warning comment above it and the file made private (0600).
- a value written as `${NAME}` (config/envvars.py) stays as written while it still
  means what the caller passes (the TUI shows the variable's value; an untouched field
  must not write it, perhaps a secret, into the file). Other text is written as typed,
  so a user may type `${NAME}`; a password is a literal and gets its `$` doubled.

Nothing here imports Textual.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path

from configupdater import ConfigUpdater
from configupdater.option import Option
from configupdater.section import Section

from ..errors import ConfigError, one_line
from ..i18n import Text, _, english_of
from .envvars import is_reference, same_meaning
from .load import load_config
from .model import TABLE_PREFIX, Config, SourceConfig

SOURCE_KEYS: tuple[str, ...] = ("kind", "dsn", "user", "password_env", "mode", "lib_dir", "config_dir",
                                "path")
TABLE_KEYS: tuple[str, ...] = ("target", "primary_key", "cursor", "lookback", "where", "schedule")

PASSWORD_WARNING = ("WARNING: plain-text password saved from the tui-sync TUI at the user's request; "
                    "prefer password_env")

NEW_FILE_TEMPLATE = """\
; tui-sync configuration (see `tui-sync init` for a fully commented example)

[source]

[target]

[sync]
"""

# configparser (the loader) ends a value at whitespace followed by ; or #.
_INLINE_COMMENT_RE = re.compile(r"\s[;#]")


def _check_value(section: str, key: str, value: str) -> None:
    """Refuse values the loader would read back differently."""
    if "\n" in value or "\r" in value:
        raise ConfigError(f"{section}:{key}: " + _("must be a single line"))
    if _INLINE_COMMENT_RE.search(value):
        raise ConfigError(f"{section}:{key}: " + _("' ;' or ' #' would start a comment in the INI "
                                                   "file; remove the space before it"))


def _inline_comment(option: Option) -> tuple[int, str] | None:
    """(column, text) of the inline comment on a one-line option, if any."""
    lines = option.lines
    if len(lines) != 1:
        return None
    line = lines[0].rstrip("\r\n")
    delim = line.find("=") if "=" in line else line.find(":")
    if delim < 0:
        return None
    m = _INLINE_COMMENT_RE.search(line, delim + 1)
    if not m:
        return None
    return m.start() + 1, line[m.start() + 1:]


def _set_option(section: Section, key: str, value: str) -> None:
    """Set key = value, keeping an inline comment; a new key goes after the last key."""
    if key in section:
        option = section[key]
        if option.value is not None and same_meaning(option.value, value):
            # untouched (or `${NAME}` / `$$` that still means this value): keep the line byte
            # for byte, so a variable's value (a secret) is never written back
            return
        comment = _inline_comment(option)
        if comment is None:
            option.value = value
            return
        column, text = comment
        head = f"{option.raw_key} = {value}"
        # Keep the comment in its column when the value fits; always one blank before it.
        option.value = value + " " * max(1, column - len(head)) + text
        return
    options = list(section.iter_options())
    if options:
        options[-1].add_after.option(key, value)
    else:
        section.set(key, value)


def _find_section(updater: ConfigUpdater, name: str) -> Section | None:
    if updater.has_section(name):
        return updater[name]
    return None


def _ensure_section(updater: ConfigUpdater, name: str) -> Section:
    found = _find_section(updater, name)
    if found is not None:
        return found
    sections = list(updater.iter_sections())
    if sections:
        last = sections[-1]
        blocks = list(last.iter_blocks())
        ends_blank = bool(blocks) and type(blocks[-1]).__name__ == "Space"
        if ends_blank:
            last.add_after.section(name)
        else:
            last.add_after.space(1).section(name)
    else:
        updater.add_section(name)
    return updater[name]


def find_table_section(updater: ConfigUpdater, source_table: str) -> str | None:
    """The `[table NAME]` section of a table, matched the way the loader matches names."""
    wanted = source_table.upper()
    for section in updater.sections():
        if not section.startswith(TABLE_PREFIX):
            continue
        name = section[len(TABLE_PREFIX):].strip().upper()
        # A bare TABLE also matches a SCHEMA.TABLE section, as model.find_table_key does.
        if name == wanted or ("." not in wanted and name.split(".")[-1] == wanted):
            return section
    return None


def _read(path: Path) -> ConfigUpdater:
    updater = ConfigUpdater(inline_comment_prefixes=(";", "#"))
    updater.optionxform = str  # type: ignore[assignment,method-assign]  # keep column-name case
    text = path.read_text(encoding="utf-8") if path.exists() else NEW_FILE_TEMPLATE
    try:
        updater.read_string(text, source=str(path))
    except Exception as exc:  # noqa: BLE001 - configparser/configupdater raise many kinds
        raise ConfigError(f"{path}: {one_line(exc)}") from None
    return updater


def _write_checked(path: Path, updater: ConfigUpdater, *, private: bool = False) -> Config:
    """Write beside the file, load it with the real loader, then atomically replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = str(updater)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        try:
            load_config(tmp)
        except ConfigError as exc:
            # Report against the user's file, not our temp name.
            raise ConfigError(Text(str(exc).replace(str(tmp), str(path)),
                                   english_of(exc).replace(str(tmp), str(path)))) from None
        mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
        if private:
            mode &= 0o600
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return load_config(path)


def _set_ui_lang(updater: ConfigUpdater, lang: str) -> None:
    """`[ui] lang`: en or ko; empty removes the key (the locale decides). Other [ui] keys
    and comments are kept."""
    lang = lang.strip()
    if lang and lang not in ("en", "ko"):
        raise ConfigError("ui:lang: " + _("{lang} is not a language this build has (use en or ko)")
                          .format(lang=repr(lang)))
    sec = _find_section(updater, "ui")
    if lang:
        _set_option(sec if sec is not None else _ensure_section(updater, "ui"), "lang", lang)
    elif sec is not None and "lang" in sec:
        del sec["lang"]


def save_ui_lang(path: Path, lang: str) -> Config:
    """Save the TUI's language as `[ui] lang` (en, ko; empty: the locale decides).
    Returns the reloaded config."""
    path = Path(path)
    updater = _read(path)
    _set_ui_lang(updater, lang)
    return _write_checked(path, updater)


def save_source(path: Path, source: SourceConfig, target_path: str, *,
                save_password: bool = False, ui_lang: str | None = None) -> Config:
    """Save the [source] and [target] settings the Connection screen edits.

    Keys present in the file are updated even when emptied (`lib_dir =` stays);
    missing keys are added only when they differ from the default. The password
    is written only with `save_password=True`. `ui_lang` (the language select) is
    written as `[ui] lang` unless None. Returns the reloaded config.
    """
    path = Path(path)
    updater = _read(path)
    if ui_lang is not None:
        _set_ui_lang(updater, ui_lang)
    sec = _ensure_section(updater, "source")
    defaults = {f.name: f.default for f in fields(SourceConfig)}
    for key in SOURCE_KEYS:
        value = str(getattr(source, key) or "").strip()
        _check_value("source", key, value)
        if key in sec or (value and value != defaults.get(key)):
            _set_option(sec, key, value)
    if save_password:
        password = source.password or ""
        if not password:
            raise ConfigError("source:password: " + _("there is no password to save"))
        if "\n" in password or "\r" in password:
            raise ConfigError("source:password: " + _("must be a single line"))
        had = "password" in sec
        if is_reference(password):  # it would read back as a variable, not as typed
            raise ConfigError("source:password: " + _(
                "a password written as ${NAME} would read the variable NAME; set "
                "password_env = NAME instead"))
        _set_option(sec, "password", password)  # a literal, $ and all (envvars.py)
        if not had:
            sec["password"].add_before.comment(PASSWORD_WARNING)
    tgt = _ensure_section(updater, "target")
    target_value = target_path.strip()
    # one field on the screen: the DuckDB file, or a lake's catalog
    key = "catalog" if "kind" in tgt and str(tgt["kind"].value).strip().lower() == "ducklake" else "path"
    _check_value("target", key, target_value)
    _set_option(tgt, key, target_value)
    return _write_checked(path, updater, private=save_password)


def save_table(path: Path, source_table: str, values: Mapping[str, str]) -> Config:
    """Save one table's settings into its `[table NAME]` section (created if missing).

    `values` maps keys of TABLE_KEYS to text as the user typed it; an empty
    value removes the key so the default applies. Other keys (column.*, batch_rows,
    unknown ones) and comments are kept. Returns the reloaded config.
    """
    path = Path(path)
    unknown = set(values) - set(TABLE_KEYS)
    if unknown:
        raise ValueError(f"unknown table keys: {', '.join(sorted(unknown))}")
    updater = _read(path)
    name = find_table_section(updater, source_table) or f"{TABLE_PREFIX}{source_table}"
    cleaned = {k: v.strip() for k, v in values.items()}
    for key, value in cleaned.items():
        _check_value(name, key, value)
    exists = _find_section(updater, name) is not None
    if not exists and not any(cleaned.values()):
        return load_config(path)  # nothing to record for an unconfigured table
    sec = _ensure_section(updater, name)
    for key in TABLE_KEYS:
        if key not in cleaned:
            continue
        value = cleaned[key]
        if value:
            _set_option(sec, key, value)
        elif key in sec:
            del sec[key]
    return _write_checked(path, updater)
