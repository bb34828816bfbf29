"""Run statuses and sync modes as people read them: the state tables, `--json` and the log
files keep the English words (DESIGN §6); the screens, the CLI's lines and the log pane show
these. One place, so the TUI and the CLI say the same word."""

from __future__ import annotations

from .i18n import N_, _

_STATUS = {"ok": N_("ok"), "failed": N_("failed"), "cancelled": N_("cancelled"),
           "skipped": N_("skipped"), "running": N_("running")}
_MODE = {"auto": N_("auto"), "full": N_("full"), "incremental": N_("incremental"),
         "test": N_("test"), "backfill": N_("backfill")}


def status_word(status: str) -> str:
    """A run status as shown (ok, failed...); `status` is its state-table word (or enum)."""
    key = getattr(status, "value", status)
    return _(_STATUS[key]) if key in _STATUS else str(key)


def mode_word(mode: str) -> str:
    """A sync mode as shown (full, incremental...); `mode` is its state-table word (or enum)."""
    key = getattr(mode, "value", mode)
    return _(_MODE[key]) if key in _MODE else str(key)
