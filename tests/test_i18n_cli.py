"""The CLI's human output in Korean (`--lang ko`): table headers translated and lined up by
terminal cells (a Hangul syllable takes two), `--help` translated (argparse's own words too)
and wrapped by cells; without --lang the output is the English it always was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.cells import cell_len

from tui_sync.cells import pad
from tui_sync.cli.main import main

KO = ["--lang", "ko"]


@pytest.fixture
def synced_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "--demo", "PRODUCTS", "설비_알람"]) == 0
    capsys.readouterr()


def _edge(line: str, text: str) -> int:
    """The terminal cell where `text` (first found in `line`) ends."""
    return cell_len(line[:line.index(text) + len(text)])


def test_status_in_korean_lines_up_by_cells(synced_demo: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*KO, "status", "--demo"]) == 0
    lines = capsys.readouterr().out.splitlines()
    head = lines[0]
    assert head == " ".join([pad("대상", 28), pad("행", 12, right=True), pad("모드", 12),
                             pad("최근 성공 (UTC)", 20), pad("기준 시점", 28), "상태"])
    alarm = next(line for line in lines if line.startswith("설비_알람"))
    # the right-aligned rows column and the left-aligned ones start/end in the same cells
    assert _edge(alarm, "5,000") == _edge(head, "행") == 28 + 1 + 12
    # modes and statuses are shown in Korean too (the state table keeps full / ok)
    assert cell_len(alarm[:alarm.index("전체")]) == cell_len(head[:head.index("모드")])
    assert cell_len(alarm[:alarm.index(" 성공")]) + 1 == cell_len(head[:head.index("상태")])


def test_history_in_korean_lines_up_by_cells(synced_demo: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*KO, "history", "--demo"]) == 0
    lines = capsys.readouterr().out.splitlines()
    head = lines[0]
    assert head.startswith(pad("시작 (UTC)", 20) + " " + pad("테이블", 24) + " " + pad("모드", 12))
    assert head.endswith("행/초  오류 / 참고")
    alarm = next(line for line in lines if "설비_알람" in line)
    assert _edge(alarm, "5,000") == _edge(head, " 행 ") - 1  # the rows column's right edge
    assert cell_len(alarm[:alarm.index("전체")]) == cell_len(head[:head.index("모드")])
    assert cell_len(alarm[:alarm.index("성공")]) == cell_len(head[:head.index("상태")])
    assert _edge(alarm, "5,000") == _edge(head, " 행 ") - 1  # still, after the wide words


def test_tables_and_stats_in_korean(synced_demo: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*KO, "tables", "--demo"]) == 0
    head = capsys.readouterr().out.splitlines()[0]
    assert head == " ".join([pad("테이블", 36), pad("예상 행 수", 12, right=True), pad("대상", 28),
                             pad("동기화 행 수", 12, right=True)]) + "  최근 동기화"
    assert main([*KO, "history", "--demo", "--stats"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["테이블", "7일", "실행"]
    assert out[-1].startswith("(시각은 ")


def test_plan_help_and_the_sync_result_line_in_korean(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([*KO, "plan", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("사용법: tui-sync plan")
    assert "테이블 이름 또는 glob ('SALES.*')" in out
    assert main([*KO, "sync", "--demo", "PRODUCTS"]) == 0
    assert "products: 전체 성공, 500행" in capsys.readouterr().err


def test_sync_help_in_korean_fits_80_cells(capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit) as done:
        main([*KO, "sync", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("사용법: tui-sync sync")
    for words in ("위치 인수", "옵션:", "이 도움말을 보여 주고 종료", "내장 데모 원본 사용",
                  "중단된 전체 동기화를", "기간 재적재: 기준 시점 대신"):
        assert words in out
    assert "show this help" not in out and "options:" not in out
    assert max(cell_len(line) for line in out.splitlines()) <= 80


def test_a_usage_error_in_korean(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([*KO, "sync", "--demo", "--nope"])
    assert done.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == "tui-sync: 오류: 알 수 없는 인수: --nope"


def test_without_lang_the_output_stays_english(synced_demo: None,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--demo"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        f"{'target':<28} {'rows':>12} {'mode':<12} {'last success (UTC)':<20} {'watermark':<28} status")
    assert main(["history", "--demo"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        f"{'started (UTC)':<20} {'table':<24} {'mode':<12} {'status':<10} {'rows':>10} "
        f"{'secs':>7} {'rows/s':>10}  error / note")
    with pytest.raises(SystemExit):
        main(["sync", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage: tui-sync sync") and "show this help message and exit" in out


def test_doctor_report_in_korean_keeps_english_keys_for_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*KO, "doctor", "--demo", "PRODUCTS"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert " ✓ 설정: 읽음 - " in out[1]
    assert any(line.startswith(" ✓ 테이블 PRODUCTS: 존재 - 테이블, 컬럼 6개") for line in out)
    assert any(line.strip().startswith("힌트: tui-sync plan PRODUCTS 참고") for line in out)
    assert out[-1].startswith("모든 점검 통과")
    assert main([*KO, "doctor", "--demo", "PRODUCTS", "--json"]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    assert steps[0]["group"] == "config" and steps[0]["name"] == "loaded"


def test_a_failed_sync_reads_in_korean_while_the_log_file_and_state_stay_english(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from tests.conftest import make_sqlite, target_of, write_config
    from tui_sync.target.state import read_runs

    src = make_sqlite(tmp_path / "s.sqlite", "CREATE TABLE T (ID NUMBER(10) PRIMARY KEY, V NUMBER(12,1));",
                      [("INSERT INTO T VALUES (?, ?)", [(1, 5.5)])])
    config = write_config(tmp_path, src, "[table T]\ntarget = t\nwhere = NO_SUCH_COLUMN > 0\n")  # refused
    cfg = config.path
    with caplog.at_level(logging.INFO, logger="tui_sync.engine"):
        assert main([*KO, "sync", "T", "--config", str(cfg)]) == 1
    err = capsys.readouterr().err
    # what the user reads: the engine's lines and the result in Korean
    assert "info: t: 자동: 이 테이블은 이전 동기화가 없어 전체 동기화를 실행합니다" in err
    assert "error: t: 전체 동기화 실패: " in err
    assert "t: 전체 실패, 0행" in err
    # the log file's lines and the state: English (DESIGN §6)
    logged = [r.getMessage() for r in caplog.records]
    assert "t: auto: no previous sync of this table, running full" in logged
    assert any(m.startswith("t: full sync failed: ") for m in logged)
    assert not any(any("\uac00" <= ch <= "\ud7a3" for ch in m) for m in logged)
    run = read_runs(target_of(config), "t")[0]
    assert (run.mode, run.status) == ("full", "failed") and run.error
    assert not any("\uac00" <= ch <= "\ud7a3" for ch in run.error)
