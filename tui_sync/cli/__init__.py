"""The headless CLI: `tui_sync.cli:main` is the `tui-sync` console script.

main.py parses and maps errors to exit codes; sync.py, reports.py (plan, tables, status,
history, doctor), verify.py and schedule.py (the foreground runner; schedule_text.py writes crontab
and systemd units) hold the commands; common.py the shared options, config loading and JSON.
"""

from .common import common_options, load, print_json
from .main import build_parser, main

__all__ = ["build_parser", "common_options", "load", "main", "print_json"]
