"""`[ui] lang` written by the TUI's Connection screen (issue 16): save_ui_lang and
save_source(ui_lang=...) keep the rest of the file, inline comments and `${NAME}`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui_sync.config import SourceConfig, load_config
from tui_sync.config.write import save_source, save_ui_lang
from tui_sync.errors import ConfigError

ORIGINAL = """\
# keep me
[source]
kind = sqlite   ; oracle | sqlite
path = demo.sqlite

[target]
path = data/sync.duckdb
"""


@pytest.fixture
def ini(tmp_path: Path) -> Path:
    path = tmp_path / "tui-sync.ini"
    path.write_text(ORIGINAL, encoding="utf-8")
    return path


def test_save_ui_lang_adds_the_section_and_keeps_the_rest(ini: Path) -> None:
    config = save_ui_lang(ini, "ko")
    assert config.ui.lang == "ko"
    text = ini.read_text(encoding="utf-8")
    assert text.startswith(ORIGINAL)
    assert text[len(ORIGINAL):].strip() == "[ui]\nlang = ko"


def test_save_ui_lang_changes_the_value_keeping_its_comment(ini: Path) -> None:
    ini.write_text(ORIGINAL + "\n[ui]\nlang = en   ; en | ko\n", encoding="utf-8")
    assert save_ui_lang(ini, "ko").ui.lang == "ko"
    assert "lang = ko   ; en | ko" in ini.read_text(encoding="utf-8")


def test_empty_removes_the_key_the_locale_decides(ini: Path) -> None:
    ini.write_text(ORIGINAL + "\n[ui]\nlang = ko\n", encoding="utf-8")
    assert save_ui_lang(ini, "").ui.lang == ""
    assert "lang" not in ini.read_text(encoding="utf-8")


def test_a_variable_that_still_means_the_value_stays(ini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_LANG", "ko")
    ini.write_text(ORIGINAL + "\n[ui]\nlang = ${MY_LANG}\n", encoding="utf-8")
    assert load_config(ini).ui.lang == "ko"
    save_ui_lang(ini, "ko")
    assert "lang = ${MY_LANG}" in ini.read_text(encoding="utf-8")


def test_an_unknown_language_is_refused(ini: Path) -> None:
    with pytest.raises(ConfigError):
        save_ui_lang(ini, "fr")
    assert ini.read_text(encoding="utf-8") == ORIGINAL


def test_save_source_writes_ui_lang_only_when_given(ini: Path) -> None:
    src = load_config(ini).source
    save_source(ini, src, "data/sync.duckdb")
    assert ini.read_text(encoding="utf-8") == ORIGINAL
    config = save_source(ini, SourceConfig(kind="sqlite", path="demo.sqlite"), "data/sync.duckdb", ui_lang="ko")
    assert config.ui.lang == "ko"
    assert "[ui]\nlang = ko" in ini.read_text(encoding="utf-8")
