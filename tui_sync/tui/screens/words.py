"""Run statuses and sync modes as the screens show them: the state tables and the log keep
the English words; the screens translate them where they are shown."""

from __future__ import annotations

from ...i18n import N_, _


def status_word(status: str) -> str:
    """A run status as shown (ok, failed...); the state tables keep the English word."""
    words = {"ok": N_("ok"), "failed": N_("failed"), "cancelled": N_("cancelled"),
             "skipped": N_("skipped"), "running": N_("running")}
    return _(words[status]) if status in words else status


def mode_word(mode: str) -> str:
    """A sync mode as shown (full, incremental...); the state tables keep the English word."""
    words = {"auto": N_("auto"), "full": N_("full"), "incremental": N_("incremental"),
             "test": N_("test"), "backfill": N_("backfill")}
    return _(words[mode]) if mode in words else mode

