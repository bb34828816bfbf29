"""Exceptions shared by the engine, sources, target and CLI.

Every error a user can cause carries a one-line message fit to print as is; the
CLI maps the classes to the exit codes of DESIGN §7, defined here once (`ExitCode`).
`one_line()` is the one way to turn any exception into such a line.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes (DESIGN §7); the CLI, the scheduler and the TUI all return these."""

    OK = 0
    FAILED = 1  # a sync (or a check) failed
    USAGE = 2  # bad usage, config or input: fix the command or the file
    LOCKED = 3  # another sync holds the lock (or the DuckDB file is busy)
    INTERRUPTED = 130  # a signal or Ctrl-C ended the run


def one_line(exc: BaseException, *, named: bool = False) -> str:
    """The first non-blank line of `exc`'s message, or its type's name when it has none.

    `named=True` also prefixes the type of an exception that is not ours (a driver's or
    Python's): its text alone ("list index out of range") may not say what failed, while
    a TuiSyncError's message is written for the user already.
    """
    lines = str(exc).strip().splitlines()
    if not lines:
        return type(exc).__name__
    if named and not isinstance(exc, TuiSyncError):
        return f"{type(exc).__name__}: {lines[0]}"
    return lines[0]


class TuiSyncError(Exception):
    """Base class: the message is one line meant for the user, in the user's language;
    `english` keeps it in English for the sync state and logs (i18n.Text)."""

    exit_code: int = ExitCode.FAILED

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        english = getattr(args[0], "english", None) if args else None
        self.english: str = english if isinstance(english, str) else (str(args[0]) if args else "")


def english_line(exc: BaseException, *, named: bool = False) -> str:
    """`one_line` of the English message: what tui_sync.runs.error records (DESIGN §6:
    the state tables are not translated)."""
    english = getattr(exc, "english", None)
    if isinstance(exc, TuiSyncError) and isinstance(english, str) and english.strip():
        return english.strip().splitlines()[0]
    return one_line(exc, named=named)


class ConfigError(TuiSyncError):
    """A bad config file, value or command-line input (exit 2)."""

    exit_code = ExitCode.USAGE


class UnknownTableError(TuiSyncError):
    """A table that is not in the source dictionary (exit 2)."""

    exit_code = ExitCode.USAGE


class LockHeldError(TuiSyncError):
    """Another process holds the sync lock of the DuckDB file (exit 3)."""

    exit_code = ExitCode.LOCKED


class TargetBusyError(TuiSyncError):
    """The DuckDB file is opened by another process (a duckdb shell, say)."""

    exit_code = ExitCode.LOCKED


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

    exit_code = ExitCode.INTERRUPTED
