"""Issue 16: `tui-sync plan` and the block `tui-sync status` prints to open the synced data,
in Korean (`--lang ko`): headings translated and lined up by terminal cells (a Hangul syllable
takes two); SQL, binds, type names and column names as they are; English unchanged without
--lang."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.cells import cell_len

from tui_sync.cli.main import main
from tui_sync.i18n import set_language
from tui_sync.target.open_lines import open_lines
from tui_sync.target.spec import DUCKLAKE, TargetSpec

KO = ["--lang", "ko"]


@pytest.fixture(autouse=True)
def back_to_english() -> Iterator[None]:
    yield
    set_language("en")


def _plan(capsys: pytest.CaptureFixture[str], *lang: str) -> list[str]:
    assert main([*lang, "plan", "EQUIPMENT_EVENTS", "--demo"]) == 0
    return capsys.readouterr().out.splitlines()


def test_plan_in_korean_lines_up_by_cells(capsys: pytest.CaptureFixture[str]) -> None:
    english = _plan(capsys)
    lines = _plan(capsys, *KO)
    assert lines[0] == "테이블 EQUIPMENT_EVENTS -> equipment_events"
    # the values after "기본 키:" and "커서 컬럼:" start in the same cell
    assert lines[1].startswith("  기본 키:") and lines[2].startswith("  커서 컬럼:")
    assert cell_len(lines[1][:lines[1].index("EVENT_ID")]) == cell_len(lines[2][:lines[2].index("EVENT_TIME")])
    head = lines[4]
    assert head.split() == ["원본", "컬럼", "원본", "타입", "대상", "컬럼", "DuckDB", "타입"]
    row = next(line for line in lines if line.startswith("  EQUIPMENT_ID"))
    assert row == next(line for line in english if line.startswith("  EQUIPMENT_ID"))
    # each column of the rows starts in the cell where its heading starts
    for heading, value in (("원본 타입", "VARCHAR2(20)"), ("대상 컬럼", "equipment_id"),
                           ("DuckDB 타입", "VARCHAR")):
        assert cell_len(head[:head.index(heading)]) == cell_len(row[:row.rindex(value)])
    # the SQL headings translated, the SQL itself and its binds as the English output has them
    assert "SQL (전체):" in lines and "SQL (시험):" in lines and "SQL (증분):" in lines
    sql = [line for line in lines if line.startswith("  SELECT ")]
    assert sql == [line for line in english if line.startswith("  SELECT ")]
    assert "  바인드: {'max_rows': 1000}" in lines


def test_plan_without_lang_stays_english(capsys: pytest.CaptureFixture[str]) -> None:
    lines = _plan(capsys)
    assert lines[:5] == ["Table EQUIPMENT_EVENTS -> equipment_events",
                         "  primary key: EVENT_ID",
                         "  cursor:      EVENT_TIME",
                         "",
                         f"  {'source column':<24} {'source type':<26} {'target column':<24} duckdb type"]
    assert "SQL (full):" in lines and "  binds: {'max_rows': 1000}" in lines


def test_status_open_block_in_korean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "--demo", "PRODUCTS"]) == 0
    capsys.readouterr()
    assert main(["status", "--demo"]) == 0
    english = capsys.readouterr().out.splitlines()
    assert main([*KO, "status", "--demo"]) == 0
    lines = capsys.readouterr().out.splitlines()
    start = lines.index("동기화된 데이터를 읽기 전용으로 열기:")
    block = lines[start + 1:]
    en_block = english[english.index("Open the synced data read-only:") + 1:]
    assert len(block) == len(en_block)
    # the lines to paste are the English ones, in the same cells
    for ko, en in zip(block[:-1], en_block[:-1], strict=True):
        assert ko == en
    assert block[-1].startswith("  (동기화가 쓰는 동안에는") and block[-1].endswith("(종료 코드 3))")
    assert en_block[-1].startswith("  (no process can open the file")


def test_lake_notes_in_korean_and_json_stays_english(tmp_path: Path) -> None:
    spec = TargetSpec(kind=DUCKLAKE, catalog="postgres:dbname=lake host=db",
                      data_path=str(tmp_path / "data"), password_env="LAKE_PW")
    set_language("ko")
    lines = open_lines(spec)
    text = lines.text()
    assert text[1] == "동기화된 데이터를 읽기 전용으로 열기:"
    assert "  (카탈로그 비밀번호: libpq가 PGPASSWORD(여기서는 $LAKE_PW에서 설정) 또는 ~/.pgpass를 읽습니다)" in text
    assert lines.as_dict()["notes"] == [
        "reads the last committed snapshot, also while a sync writes",
        "the catalog's password: libpq reads PGPASSWORD (here from $LAKE_PW) or ~/.pgpass"]


def test_type_plan_warnings_in_korean_keep_their_english() -> None:
    from tui_sync.i18n import english_of
    from tui_sync.typeplan import SourceColumn, build_plan

    cols = [SourceColumn("AMOUNT", "NUMBER", position=1),
            SourceColumn("F", "FLOAT", 63, position=2),
            SourceColumn("G", "SDO_GEOMETRY", position=3)]
    set_language("ko")
    warnings = build_plan(cols).warnings
    assert warnings[0].startswith("AMOUNT: 정밀도 없는 NUMBER: DOUBLE로 읽습니다")
    assert warnings[1].startswith("F: FLOAT(63)를 DOUBLE로 읽습니다")
    assert warnings[2] == "G: SDO_GEOMETRY 타입은 지원하지 않습니다: 컬럼 제외"
    # the engine logs the English (log lines are not translated)
    assert english_of(warnings[2]) == "G: type SDO_GEOMETRY is not supported: column skipped"
    assert english_of(warnings[1]).startswith("F: FLOAT(63) read as DOUBLE (about 15")
