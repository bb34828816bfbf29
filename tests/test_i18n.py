"""Choosing the language (DESIGN §7 --lang, §8 [ui] lang, then the locale) and the CLI
speaking it; --json stays English."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui_sync import i18n
from tui_sync.cli.main import main
from tui_sync.config import load_config
from tui_sync.errors import ConfigError


@pytest.mark.parametrize(("cli", "config", "env", "want"), [
    ("ko", "en", {"LANG": "en_US.UTF-8"}, "ko"),
    (None, "ko", {"LANG": "en_US.UTF-8"}, "ko"),
    (None, None, {"LANG": "ko_KR.UTF-8"}, "ko"),
    (None, None, {"LC_ALL": "ko_KR.UTF-8", "LANG": "en_US.UTF-8"}, "ko"),
    (None, None, {"LC_ALL": "C", "LANG": "ko_KR.UTF-8"}, "en"),  # LC_ALL wins, POSIX order
    (None, None, {"LC_MESSAGES": "ko_KR.eucKR"}, "ko"),
    (None, None, {}, "en"),
    ("en", None, {"LANG": "ko_KR.UTF-8"}, "en"),
])
def test_the_language_is_chosen_in_order(cli, config, env, want) -> None:
    assert i18n.resolve_language(cli, config, env) == want


def test_a_bad_ui_lang_is_a_config_error(tmp_path: Path) -> None:
    p = tmp_path / "c.ini"
    p.write_text("[source]\nkind = sqlite\npath = x.sqlite\n[target]\npath = t.duckdb\n"
                 "[ui]\nlang = fr\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"c.ini:ui:lang: 'fr' is not a language"):
        load_config(p)
    p.write_text(p.read_text(encoding="utf-8").replace("fr", "ko"), encoding="utf-8")
    assert load_config(p).ui.lang == "ko"


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANG")}
    full.update(env)
    full["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    return subprocess.run([sys.executable, "-m", "tui_sync", *args], capture_output=True,
                          text=True, env=full, timeout=120)


def test_a_cli_error_in_korean_under_a_korean_locale(tmp_path: Path) -> None:
    missing = tmp_path / "없는.ini"
    done = _run(["status", "--config", str(missing)], {"LANG": "ko_KR.UTF-8"})
    assert done.returncode == 2
    assert done.stderr.strip() == f"tui-sync: 오류: {missing}: 설정 파일이 없습니다"
    english = _run(["status", "--config", str(missing), "--lang", "en"], {"LANG": "ko_KR.UTF-8"})
    assert english.stderr.strip() == f"tui-sync: error: {missing}: config file not found"


def test_json_stays_english_under_a_korean_locale(tmp_path: Path) -> None:
    missing = tmp_path / "none.ini"
    done = _run(["status", "--config", str(missing), "--json"], {"LANG": "ko_KR.UTF-8"})
    assert done.returncode == 2
    assert json.loads(done.stdout) == {"error": f"{missing}: config file not found",
                                       "exit_code": 2}


def test_the_config_ui_lang_sets_the_cli_language(tmp_path: Path) -> None:
    p = tmp_path / "c.ini"
    p.write_text("[source]\nkind = sqlite\npath = nowhere.sqlite\n[target]\npath = t.duckdb\n"
                 "[ui]\nlang = ko\n[table X]\n", encoding="utf-8")
    done = _run(["--help"], {"LANG": "C.UTF-8", "TUI_SYNC_CONFIG": str(p)})
    assert "메시지 언어" in done.stdout


def test_main_leaves_the_language_it_chose(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--lang", "ko", "--help"])
    assert "메시지 언어" in capsys.readouterr().out
    assert i18n.language() == "ko"  # conftest puts English back after the test


def test_a_translated_text_keeps_its_english() -> None:
    """An error raised in Korean is recorded in English (tui_sync.runs.error, logs)."""
    from tui_sync.errors import ConfigError, english_line

    i18n.set_language("ko")
    inner = i18n._("tui-sync: interrupted")
    text = i18n._("tui-sync: error: {message}").format(message=inner)
    assert text == "tui-sync: 오류: tui-sync: 중단됨"
    assert i18n.english_of(text) == "tui-sync: error: tui-sync: interrupted"
    exc = ConfigError(text)
    assert str(exc) == text and english_line(exc) == "tui-sync: error: tui-sync: interrupted"
    assert english_line(ValueError("x\ny")) == "x"
