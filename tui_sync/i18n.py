"""Messages in the user's language: the standard library's gettext over the catalogs in
`tui_sync/locale/<lang>/LC_MESSAGES/tui_sync.mo` (built from the `.po` files beside them
with Babel: see README "Translations").

- `_("text")` translates now, in the language chosen by `set_language`. Call it when the
  text is shown or raised, never at import time (a module-level constant would keep the
  language of the moment it was imported).
- `N_("text")` only marks a text for extraction; the code translates it with `_()` where it
  is shown (Textual binding descriptions and tooltips are class attributes: the TUI
  translates them when it starts, `localize_bindings`).
- `ngettext(singular, plural, n)` for counted words.
- Placeholders are named (`_("{table}: not found").format(table=...)`): a translation may
  reorder them, and Korean often does.

What is never translated: `--json` output, log files, the tui_sync.* state tables, exit
codes, key names, config keys and SQL.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
from pathlib import Path

DOMAIN = "tui_sync"
LANGUAGES = ("en", "ko")  # English is the source language: its catalog is the msgids
DEFAULT = "en"

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = DEFAULT


def locale_dir() -> Path:
    return Path(__file__).parent / "locale"


class Text(str):
    """A translated text that remembers its English: the sync state (tui_sync.runs.error)
    and log files stay English whatever language the user reads (`english_of`)."""

    english: str

    def __new__(cls, shown: str, english: str) -> Text:
        self = super().__new__(cls, shown)
        self.english = english
        return self

    def __getnewargs__(self) -> tuple[str, str]:  # copy, deepcopy (dataclasses.asdict), pickle
        return str(self), self.english

    def __add__(self, other: str) -> Text:  # type: ignore[override]
        return Text(str.__add__(self, other), self.english + english_of(other))

    def __radd__(self, other: str) -> Text:  # "prefix: " + _("..."): Python asks the subclass first
        return Text(other + str(self), english_of(other) + self.english)

    def format(self, *args: object, **kwargs: object) -> Text:  # type: ignore[override]
        return Text(str.format(self, *args, **kwargs),
                    str.format(self.english, *[_english_arg(a) for a in args],
                               **{k: _english_arg(v) for k, v in kwargs.items()}))


def _english_arg(value: object) -> object:
    english = getattr(value, "english", None)
    return english if isinstance(english, str) else value


def english_of(value: object) -> str:
    """The English of a text or an exception made from `_()` (its own text otherwise)."""
    english = getattr(value, "english", None)
    return english if isinstance(english, str) else str(value)


def line_of(exc: BaseException) -> str:
    """The first line of any exception's message (a ValueError made from `_()` too) as a Text
    that remembers its English: for a message built from an inner error's text."""
    lines = str(exc).strip().splitlines()
    shown = lines[0] if lines else type(exc).__name__
    english = getattr(exc, "english", None)
    if not isinstance(english, str):
        english = getattr(exc.args[0], "english", None) if exc.args else None
    if isinstance(english, str) and english.strip():
        return Text(shown, english.strip().splitlines()[0])
    return shown


def _(message: str) -> str:
    return Text(_translation.gettext(message), message)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention extractors look for
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def set_language(lang: str) -> None:
    """Use `lang` ("en" or "ko") for every `_()` from now on, in this process."""
    global _translation, _language
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r} (use {' or '.join(LANGUAGES)})")
    _language = lang
    if lang == DEFAULT:
        _translation = gettext.NullTranslations()
    else:
        _translation = gettext.translation(DOMAIN, locale_dir(), languages=[lang])


def language() -> str:
    return _language


def parse_language(text: str) -> str:
    """A `--lang` or `[ui] lang` value: en or ko (ko_KR, ko-KR, Korean... fold to ko)."""
    folded = text.strip().lower().replace("-", "_")
    if folded in ("ko", "kor", "korean", "한국어") or folded.startswith("ko_"):
        return "ko"
    if folded in ("en", "eng", "english") or folded.startswith("en_"):
        return "en"
    raise ValueError(f"{text!r} is not a language this build has (use en or ko)")


def language_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """The language the locale asks for: the first of LC_ALL, LC_MESSAGES, LANG that is
    set (POSIX order); ko_* is Korean, anything else English; None when none is set."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "").strip()
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    return None


def resolve_language(cli: str | None, config: str | None,
                     environ: Mapping[str, str] | None = None) -> str:
    """`--lang`, then `[ui] lang`, then the locale, else English."""
    for chosen in (cli, config):
        if chosen:
            return parse_language(chosen)
    return language_from_env(environ) or DEFAULT


__all__ = ["DEFAULT", "DOMAIN", "LANGUAGES", "N_", "Text", "_", "english_of", "language", "language_from_env",
           "line_of", "locale_dir", "ngettext", "parse_language", "resolve_language", "set_language"]
