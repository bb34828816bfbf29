"""Which language the CLI speaks (DESIGN §7 `--lang`): chosen before the parser is built,
so `--help` texts are translated too. `--lang`, then the config's `[ui] lang`, then the
locale (LC_ALL, LC_MESSAGES, LANG), else English. `--json` output stays English: scripts
parse it (and its stderr line) whatever the locale."""

from __future__ import annotations

import argparse
import configparser
from collections.abc import Sequence

from .. import i18n
from ..config import find_config
from ..errors import ConfigError


def add_lang_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", metavar="en|ko", type=_lang_value,
                   help=i18n._("language of the messages (default: [ui] lang in the config, "
                               "then the locale)"))


def _lang_value(text: str) -> str:
    try:
        return i18n.parse_language(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _option(words: Sequence[str], name: str) -> str | None:
    """The value of `--name VALUE` or `--name=VALUE` in raw argv (the last one wins)."""
    found = None
    for i, word in enumerate(words):
        if word == name and i + 1 < len(words):
            found = words[i + 1]
        elif word.startswith(name + "="):
            found = word[len(name) + 1:]
    return found


def config_language(words: Sequence[str]) -> str | None:
    """`[ui] lang` of the config this command would read, or None. Read leniently: a broken
    config is reported by the command itself, in the language chosen without it."""
    if "--demo" in words:
        return None
    try:
        path = find_config(_option(words, "--config"))
        parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";", "#"),
                                           strict=False, default_section="\0")
        parser.read(path, encoding="utf-8")
        value = parser.get("ui", "lang", fallback="").strip()
        return i18n.parse_language(value) if value else None
    except (ConfigError, OSError, UnicodeDecodeError, configparser.Error, ValueError):
        return None


def choose_language(words: Sequence[str]) -> str:
    if "--json" in words:
        return i18n.DEFAULT
    cli = _option(words, "--lang")
    try:
        cli = i18n.parse_language(cli) if cli else None
    except ValueError:
        cli = None  # argparse reports the bad value
    return i18n.resolve_language(cli, None if cli else config_language(words))
