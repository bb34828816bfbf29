"""errors.one_line() and ExitCode: the one helper and the one set of codes every layer uses."""

from __future__ import annotations

from tui_sync.errors import ConfigError, ExitCode, LockHeldError, SyncCancelled, TuiSyncError, one_line


def test_one_line_takes_the_first_non_blank_line_or_the_type() -> None:
    assert one_line(ValueError("\n  first\nsecond")) == "first"
    assert one_line(KeyError()) == "KeyError"
    assert one_line(ValueError("   ")) == "ValueError"


def test_named_prefixes_foreign_exceptions_only() -> None:
    assert one_line(IndexError("list index out of range"), named=True) == "IndexError: list index out of range"
    assert one_line(ConfigError("bad file\nmore"), named=True) == "bad file"  # ours: written for the user
    assert one_line(OSError(), named=True) == "OSError"


def test_exit_codes_are_the_designs() -> None:
    assert [int(c) for c in ExitCode] == [0, 1, 2, 3, 130]
    assert (TuiSyncError.exit_code, ConfigError.exit_code, LockHeldError.exit_code,
            SyncCancelled.exit_code) == (ExitCode.FAILED, ExitCode.USAGE, ExitCode.LOCKED, ExitCode.INTERRUPTED)
