"""Nothing outside sources/ branches on a source's kind (issue 12): the config's
`SOURCE_KINDS` and the Source classes say what a kind can do."""

import re
from pathlib import Path

import tui_sync
from tui_sync.config import SOURCE_KINDS, SourceConfig

ROOT = Path(tui_sync.__file__).parent
KIND_TEST = re.compile(r"""(==|!=)\s*["'](oracle|sqlite)["']|["'](oracle|sqlite)["']\s*(==|!=)""")


def test_no_module_outside_sources_compares_a_kind() -> None:
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
             for path in sorted(ROOT.rglob("*.py")) if "sources" not in path.relative_to(ROOT).parts
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if KIND_TEST.search(line)]
    assert found == []


def test_the_source_config_answers_for_its_kind() -> None:
    oracle, sqlite = SourceConfig(kind="oracle"), SourceConfig(kind="sqlite", path="x.db")
    assert oracle.needs_password and not sqlite.needs_password
    assert oracle.missing_setting() == ("dsn", SOURCE_KINDS["oracle"].required[0][1])
    assert sqlite.missing_setting() is None
    assert oracle.table_key('app."Ev"') == 'APP.Ev'
    assert sqlite.table_key("main.ev") == "EV"
