"""What every CLI command shares: the --config/--demo/--json/--debug options (one parent
parser), loading the config, and JSON output."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..config import Config, find_config, load_config
from ..i18n import _
from .language import add_lang_option


def common_options(json_flag: bool = True) -> argparse.ArgumentParser:
    """The parent parser of every command that reads a config: `--config PATH | --demo`,
    `--debug` and, unless `json_flag` is false, `--json`."""
    p = argparse.ArgumentParser(add_help=False)
    src = p.add_mutually_exclusive_group()
    src.add_argument("--config", metavar="PATH", help=_("config file (default: $TUI_SYNC_CONFIG, "
                                                       "./tui-sync.ini, then the user config dir)"))
    src.add_argument("--demo", action="store_true", help=_("use the built-in demo source"))
    if json_flag:
        p.add_argument("--json", action="store_true", help=_("print one JSON document on stdout"))
    p.add_argument("--debug", action="store_true", help=_("show tracebacks"))
    add_lang_option(p)
    return p


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Path):
        return str(value)
    return str(value)


def print_json(doc: Any) -> None:
    json.dump(doc, sys.stdout, default=_json_default, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def load(args: argparse.Namespace) -> Config:
    if getattr(args, "demo", False):
        from ..demo import ensure_demo

        config = load_config(ensure_demo())
    else:
        config = load_config(find_config(getattr(args, "config", None)))
    for warning in config.warnings:
        print(_("tui-sync: warning: {warning}").format(warning=warning), file=sys.stderr)
    return config
