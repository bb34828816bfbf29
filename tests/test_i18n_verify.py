"""`tui-sync verify` in Korean, and the engine's refusals (issue 16): the report's words are
translated and its difference table lines up by terminal cells, while the values, column
names, partition labels in --json and SQL stay as they are; a refusal is shown in Korean and
recorded in English in tui_sync.runs. English stays the default and unchanged."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from rich.cells import cell_len

from tests.test_verify import duck_exec, synced
from tui_sync import i18n
from tui_sync.cli.main import main
from tui_sync.config import load_config
from tui_sync.engine import Engine
from tui_sync.engine import run as engine_run
from tui_sync.errors import english_line
from tui_sync.events import Mode
from tui_sync.services.verify import verify_table
from tui_sync.services.verify_report import format_report

KO = ["--lang", "ko"]


@pytest.fixture
def korean() -> Iterator[None]:
    i18n.set_language("ko")
    try:
        yield
    finally:
        i18n.set_language("en")


def test_verify_demo_in_korean_and_english(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "--demo", "PRODUCTS"]) == 0
    capsys.readouterr()
    assert main([*KO, "verify", "PRODUCTS", "--demo"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "PRODUCTS -> products: 원본 500행, 대상 500행",
        "  비교 단위: product_id의 키 범위 32개; 합계: product_id, price, weight, serial_no; "
        "컬럼 6개 내용",
        "  일치: 원본과 대상이 같습니다"]
    assert main(["verify", "PRODUCTS", "--demo"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "PRODUCTS -> products: source 500 rows, target 500 rows",
        "  compared by 32 key range(s) of product_id; sums of product_id, price, weight, "
        "serial_no; content of 6 column(s)",
        "  OK: source and target match"]
    assert main([*KO, "verify", "PRODUCTS", "--demo", "--quick"]) == 0
    assert "--quick: 건수와 합계만" in capsys.readouterr().out
    assert main([*KO, "verify", "PRODUCTS", "--demo", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is True and doc["partition_by"] == "key_range"


def test_a_korean_difference_table_lines_up_by_cells(tmp_path: Path) -> None:
    cfg, _ = synced(tmp_path)
    duck_exec(cfg, "DELETE FROM events WHERE id = 250")
    report = verify_table(cfg, "EVENTS")
    english = format_report(report)
    i18n.set_language("ko")
    try:
        text = format_report(report)
    finally:
        i18n.set_language("en")
    assert "DIFFERENT: 5 difference(s)" in english and "  partition   column" in english
    lines = text.splitlines()
    assert lines[0] == "EVENTS -> events: 원본 600행, 대상 599행"
    assert lines[1].startswith("  비교 단위: ts의 4일; 합계: id, amount, big, ratio; ")
    assert "  불일치: 차이 5건" in lines
    head = next(line for line in lines if line.lstrip().startswith("파티션"))
    body = lines[lines.index(head) + 1:]
    assert len(body) == 5
    rows = next(line for line in body if " 행 " in f"{line} ")
    # the columns start and end in the same terminal cells as their headings
    assert cell_len(rows[:rows.index("행")]) == cell_len(head[:head.index("컬럼")])
    assert all(cell_len(line) == cell_len(head) for line in body)
    assert head.endswith("원본" + " " * 22 + "대상")  # right-aligned in 24 cells
    assert report.to_dict()["differences"][0]["column"] == "rows"  # the JSON stays English


def test_whole_table_and_unchecked_columns_in_korean(tmp_path: Path, korean: None) -> None:
    src = tmp_path / "w.sqlite"
    with sqlite3.connect(src) as con:
        con.execute("CREATE TABLE W (A INTEGER, C TEXT)")
        con.executemany("INSERT INTO W VALUES (?, ?)", [(i, "x") for i in range(30)])
    con.close()
    p = tmp_path / "c.ini"
    p.write_text(f"[source]\nkind = sqlite\npath = {src}\n[target]\npath = {tmp_path / 't.duckdb'}\n"
                 "[table W]\n", encoding="utf-8")
    cfg = load_config(p)
    assert Engine(cfg).run(["W"], Mode.FULL).ok
    duck_exec(cfg, "INSERT INTO w VALUES (1, 'y')")
    with sqlite3.connect(src) as con:
        con.execute("ALTER TABLE W ADD COLUMN D INTEGER")
    con.close()
    report = verify_table(cfg, "W")
    text = format_report(report)
    assert "  내용 미검사: d (대상에 없음 (동기화하면 추가됨))" in text
    assert "비교 단위: 테이블 전체" in text
    assert any(line.startswith("  (테이블 전체)  컬럼 d") and line.rstrip().endswith("없음")
               and "원본에 있음" in line for line in text.splitlines())
    doc = report.to_dict()
    assert {d["partition"] for d in doc["differences"]} == {"(whole table)"}
    assert {"column d", "rows"} <= {d["column"] for d in doc["differences"]}


def test_an_incremental_refusal_raised_in_korean_recorded_in_english(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "s.sqlite"
    with sqlite3.connect(src) as con:
        con.execute("CREATE TABLE T (ID INTEGER PRIMARY KEY, NAME TEXT)")
        con.execute("INSERT INTO T VALUES (1, 'a')")
    con.close()
    target = tmp_path / "t.duckdb"
    p = tmp_path / "c.ini"
    p.write_text(f"[source]\nkind = sqlite\npath = {src}\n[target]\npath = {target}\n"
                 "[table T]\n", encoding="utf-8")
    raised: list[BaseException] = []

    def spy(exc: BaseException, **kw: bool) -> str:  # what the engine caught
        raised.append(exc)
        return english_line(exc, **kw)

    monkeypatch.setattr(engine_run, "english_line", spy)
    code = main([*KO, "sync", "--config", str(p), "--mode", "incremental", "T"])
    assert code != 0
    capsys.readouterr()
    english = "T: incremental sync needs a cursor column (cursor = ... in [table T])"
    assert [str(e) for e in raised] == ["T: 증분 동기화에는 커서 컬럼이 필요합니다 ([table T]에 cursor = ...)"]
    con = duckdb.connect(str(target))
    try:
        errors = [e for (e,) in con.execute("SELECT error FROM tui_sync.runs").fetchall()]
    finally:
        con.close()
    assert errors == [english]  # the state table stays English (DESIGN §6)
    # and in English, the same words as ever
    raised.clear()
    assert main(["sync", "--config", str(p), "--mode", "incremental", "T"]) == code
    assert [str(e) for e in raised] == [english]
