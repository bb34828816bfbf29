"""The DuckDB target: a file held by another process is a one-line, named refusal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import env_with_home, make_sqlite, write_config
from tui_sync.engine import Engine
from tui_sync.errors import TargetBusyError
from tui_sync.events import Mode
from tui_sync.target import connect, qi


def test_quoting_doubles_quotes() -> None:
    assert qi('a"b') == '"a""b"' and qi("설비") == '"설비"'


def test_file_held_by_another_process(tmp_path: Path) -> None:
    src = make_sqlite(tmp_path / "s.sqlite", "CREATE TABLE T (A NUMBER(3));", [("INSERT INTO T VALUES (?)", [(1,)])])
    cfg = write_config(tmp_path, src, "")
    holder = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, sys, time\n"
        f"c = duckdb.connect({str(cfg.target_path())!r})\n"
        "print('open', flush=True)\n"
        "time.sleep(60)\n")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(TargetBusyError, match=rf"in use by python[\d.]* \(pid {holder.pid}\)"):
            connect(cfg.target_path())
        with pytest.raises(TargetBusyError):
            Engine(cfg).run(["T"], Mode.FULL)
        r = subprocess.run([str(Path(sys.executable).parent / "tui-sync"), "sync", "--config",
                            str(cfg.path), "T"], capture_output=True, text=True,
                           env=env_with_home(tmp_path), timeout=60)
        assert r.returncode == 3 and f"pid {holder.pid}" in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    finally:
        holder.kill()
        holder.wait()
    assert Engine(cfg).run(["T"], Mode.FULL).ok
