"""`python -m tui_sync` is the `tui-sync` command."""

import sys

from .cli import main

sys.exit(main())
