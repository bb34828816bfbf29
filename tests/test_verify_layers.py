"""Issue 12 item 2: verify reaches the source only through the Source interface.

services/verify and its helpers never branch on a source's kind, never touch a source's
connection or private members, and never import the CLI or the TUI; the source-specific
SQL lives in tui_sync/sources (sqlite/verify, oracle/verify) behind `implements_verify`.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_verify import synced
from tui_sync.errors import TuiSyncError
from tui_sync.services.verify import verify_table
from tui_sync.sources.sqlite import SqliteSource

PKG = Path(__file__).resolve().parents[1] / "tui_sync"
VERIFY_MODULES = sorted([*PKG.glob("services/verify*.py"), PKG / "cli" / "verify.py", PKG / "verify_render.py"])


def _violations(path: Path) -> list[str]:
    """`<source-ish name>.kind`, `.conn` or `._private`; imports of tui_sync.cli / tui_sync.tui."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and "source" in node.value.id.lower() \
                and (node.attr in ("kind", "conn") or node.attr.startswith("_")):
            found.append(f"{path.name}:{node.lineno}: {node.value.id}.{node.attr}")
        if isinstance(node, ast.ImportFrom) and path.parent.name == "services":
            target = "." * node.level + (node.module or "")
            if target.lstrip(".").split(".")[0] in ("cli", "tui") or target.startswith(("tui_sync.cli", "tui_sync.tui")):
                found.append(f"{path.name}:{node.lineno}: imports {target}")
    return found


def test_the_scan_sees_every_verify_module(tmp_path: Path) -> None:
    names = {p.name for p in VERIFY_MODULES}
    assert {"verify.py", "verify_report.py", "verify_duckdb.py", "verify_render.py"} <= names
    assert PKG / "cli" / "verify.py" in VERIFY_MODULES
    assert _violations(PKG / "sources" / "oracle" / "verify.py") == [], "sources may; the scan must still run"
    bad = tmp_path / "old_verify.py"  # the scan is not vacuous: the old verify.py's shapes
    bad.write_text("def f(source):\n    return source.kind == 'oracle' or source._query('x') or source.conn\n")
    assert len(_violations(bad)) == 3


@pytest.mark.parametrize("path", VERIFY_MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_verify_uses_only_the_source_interface(path: Path) -> None:
    assert _violations(path) == []


def test_services_verify_never_loads_the_cli_or_the_tui() -> None:
    probe = ("import sys, tui_sync.services.verify; "
             "print(sorted(m for m in sys.modules if m.startswith(('tui_sync.cli', 'tui_sync.tui'))))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stdout + out.stderr


def test_a_source_without_the_verify_capability_is_refused_in_one_line(tmp_path: Path) -> None:
    cfg, src = synced(tmp_path, n=20)

    class NoVerify(SqliteSource):
        kind = "plain"
        implements_verify = False

    with pytest.raises(TuiSyncError, match=r"^EVENTS: verify does not support plain sources$"):
        verify_table(cfg, "EVENTS", source_factory=lambda: NoVerify(src))
