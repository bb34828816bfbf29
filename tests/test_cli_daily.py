"""The CLI as a daily tool (issue 14, defects 9 and 14): wide names line up, counts carry
separators, the bar's rate is the result's, unknown tables are "not found" (exit 2), a failing
`--json` command still prints one JSON document, and an incremental says what was new."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

from tests.test_cli import run
from tui_sync.cli.sync import _Reporter
from tui_sync.events import Mode, Progress, Status, TableFinished, TableResult


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo home with every demo table synced once (Korean names included)."""
    home = tmp_path_factory.mktemp("cli-daily") / "home"
    home.mkdir()
    r = run(["sync", "--demo", "--all"], home)
    assert r.returncode == 0, r.stderr
    return home


def _columns(lines: list[str], pattern: str) -> set[int]:
    """The terminal cell where `pattern` starts on each line."""
    return {cell_len(line[:re.search(pattern, line).start()]) for line in lines}  # type: ignore[union-attr]


def test_status_and_tables_align_wide_names(synced: Path) -> None:
    r = run(["status", "--demo"], synced)
    assert r.returncode == 0, r.stderr
    rows = [line for line in r.stdout.splitlines() if re.search(r" (full|incremental) ", line)]
    assert any("설비_알람" in line for line in rows) and len(rows) >= 4
    assert len(_columns(rows, r" (full|incremental) ")) == 1, r.stdout
    r = run(["tables", "--demo"], synced)
    assert r.returncode == 0, r.stderr
    rows = [line for line in r.stdout.splitlines() if re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", line)]
    assert any("설비_알람" in line for line in rows) and len(rows) >= 4
    assert len(_columns(rows, r"\d{4}-\d\d-\d\d \d\d:\d\d")) == 1, r.stdout


def test_history_of_an_unknown_table_is_not_found(synced: Path) -> None:
    r = run(["history", "--demo", "NOPE"], synced)
    assert r.returncode == 2 and r.stdout == ""
    assert "not found" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = run(["history", "--demo", "NOPE", "--stats"], synced)
    assert r.returncode == 2 and "not found" in r.stderr
    r = run(["history", "--demo", "equipment_events"], synced)  # by target name: known
    assert r.returncode == 0 and "equipment_events" in r.stdout


@pytest.mark.parametrize("args", [
    ["history", "--demo", "NOPE", "--json"],
    ["plan", "--demo", "NOPE", "--json"],
    ["status", "--config", "missing.ini", "--json"],
    ["sync", "--demo", "--json", "--mode", "bogus"],  # argparse's usage error
], ids=["history", "plan", "config", "usage"])
def test_a_failing_json_command_prints_one_json_error(synced: Path, args: list[str]) -> None:
    r = run(args, synced)
    assert r.returncode == 2
    doc = json.loads(r.stdout)  # exactly one document: json.loads refuses trailing text
    assert doc["exit_code"] == 2 and doc["error"] and "\n" not in doc["error"]
    assert r.stderr.strip()  # the one-line error on stderr still


def _bar_text(reporter: _Reporter) -> str:
    assert reporter.progress is not None
    out = io.StringIO()
    Console(file=out, width=160, color_system=None).print(
        reporter.progress.make_tasks_table(reporter.progress.tasks))
    return out.getvalue()


def test_bar_counts_have_separators_and_its_rate_is_the_results(capsys) -> None:
    reporter = _Reporter(use_bar=True)  # never started: nothing draws on the test's terminal
    reporter(Progress("events", 125_000, 250_000, 50_000.0, 2.5, 2.5))
    assert "125,000/250,000" in _bar_text(reporter) and "50,000 rows/s" in _bar_text(reporter)
    result = TableResult("events", "EVENTS", Mode.FULL, Status.OK, 250_000, 4.0, 62_500.0)
    reporter(TableFinished(result))
    bar = _bar_text(reporter)
    assert "250,000/250,000" in bar and "62,500 rows/s" in bar
    assert "62,500 rows/s" in capsys.readouterr().err  # the result line says the same rate


def test_incremental_result_separates_new_rows_from_the_lookback(synced: Path) -> None:
    assert run(["demo", "--add-rows", "50"], synced).returncode == 0
    r = run(["sync", "--demo", "EQUIPMENT_EVENTS"], synced)
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stderr.splitlines() if x.startswith("equipment_events: incremental ok"))
    found = re.search(r"([\d,]+) rows \(([\d,]+) new, ([\d,]+) re-read in the lookback window\)", line)
    assert found, line
    rows, new, reread = (int(g.replace(",", "")) for g in found.groups())
    assert new == 50 and rows == new + reread
    doc = json.loads(run(["history", "--demo", "EQUIPMENT_EVENTS", "--json"], synced).stdout)
    assert doc[0]["rows_reread"] == reread


def test_plan_aligns_korean_column_names(synced: Path) -> None:
    r = run(["plan", "--demo", "설비_알람"], synced)
    assert r.returncode == 0, r.stderr
    rows = [line for line in r.stdout.splitlines() if re.search(r" (NUMBER|VARCHAR2|DATE)\b", line)]
    assert len(rows) == 4 and len(_columns(rows, r" (NUMBER|VARCHAR2|DATE)\b")) == 1, r.stdout
