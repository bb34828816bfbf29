"""The `--since VALUE [--until VALUE]` options of `sync` and `plan` (a backfill window)."""

from __future__ import annotations

import argparse

from ..errors import ConfigError
from ..events import Backfill
from ..i18n import N_, _

SINCE_HELP = N_("backfill: an incremental window from VALUE (the cursor's type: an ISO date or "
              "date-time, a number, or text) instead of the watermark; no lookback is subtracted "
              "from it. With a key rows are upserted; without one only the target rows inside "
              "the window are replaced. The watermark never moves backwards")
UNTIL_HELP = N_("the backfill window's top, inclusive (default: the source's MAX(cursor) at run "
              "start)")


def add_backfill_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", metavar="VALUE", help=_(SINCE_HELP))
    p.add_argument("--until", metavar="VALUE", help=_(UNTIL_HELP))


def backfill_of(args: argparse.Namespace) -> Backfill | None:
    """The request's backfill, or None; --until alone is a usage error (exit 2)."""
    since, until = getattr(args, "since", None), getattr(args, "until", None)
    if since is None:
        if until is not None:
            raise ConfigError(_("--until bounds a backfill: give --since VALUE too"))
        return None
    return Backfill(since, until)
