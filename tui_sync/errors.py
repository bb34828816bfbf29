"""Exceptions shared by the engine, sources, target and CLI.

Every error a user can cause carries a one-line message fit to print as is; the
CLI maps the classes to the exit codes of DESIGN §7.
"""

from __future__ import annotations


class TuiSyncError(Exception):
    """Base class: the message is one line meant for the user."""

    exit_code = 1


class ConfigError(TuiSyncError):
    """A bad config file, value or command-line input (exit 2)."""

    exit_code = 2


class UnknownTableError(TuiSyncError):
    """A table that is not in the source dictionary (exit 2)."""

    exit_code = 2


class LockHeldError(TuiSyncError):
    """Another process holds the sync lock of the DuckDB file (exit 3)."""

    exit_code = 3


class TargetBusyError(TuiSyncError):
    """The DuckDB file is opened by another process (a duckdb shell, say)."""

    exit_code = 3


# Source errors that only a change to the config fixes (exit 2, not 1): no password, and a
# DSN the driver cannot parse or an alias it cannot find (python-oracledb errors.py: 4000
# alias not in tnsnames.ora, 4017/4018 bad descriptor or connect string, 4026 no
# tnsnames.ora, 4027 no config_dir; ORA-12154 the same from Oracle Client in thick mode).
CONFIG_MISTAKE_CODES = frozenset({"NO-PASSWORD", "DPY-4000", "DPY-4017", "DPY-4018", "DPY-4026",
                                  "DPY-4027", "ORA-12154"})


class SourceError(TuiSyncError):
    """The source failed; `transient` errors are retried after a reconnect."""

    def __init__(self, message: str, *, transient: bool = False, code: str | None = None):
        super().__init__(message)
        self.transient = transient
        self.code = code

    @property
    def config_mistake(self) -> bool:
        return self.code in CONFIG_MISTAKE_CODES


class SchemaDriftError(TuiSyncError):
    """Columns were dropped or retyped in the source: incremental cannot go on."""


class SyncCancelled(TuiSyncError):
    """The user (or a signal) cancelled the run."""

    exit_code = 130
