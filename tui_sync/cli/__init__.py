"""The headless CLI: `tui_sync.cli:main` is the `tui-sync` console script.

main.py parses and maps errors to exit codes; sync.py, reports.py (plan, tables, status,
history, doctor) and schedule.py (the foreground runner; schedule_text.py writes crontab
and systemd units) hold the commands; common.py the shared options, config loading and JSON.
"""

from ..errors import ExitCode
from .common import common_options, load, print_json
from .main import build_parser, main

# tui_sync/verify.py (being split into services/verify.py and verify_cli.py on another
# branch) imports these old names from here; drop them once it imports common/ExitCode.
_common = common_options
EXIT_OK, EXIT_FAILED = ExitCode.OK, ExitCode.FAILED

__all__ = ["EXIT_FAILED", "EXIT_OK", "build_parser", "common_options", "load", "main", "print_json"]
