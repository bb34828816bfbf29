"""Table globs on the command line (`tui-sync sync 'LOT*' 'SALES_*'`, plan, verify, doctor):
expanded against the configured tables first (section and target names), then the
source's tables; case-insensitive; a glob matching nothing is exit 2 naming it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import env_with_home, make_sqlite, write_config
from tui_sync.cli.main import main
from tui_sync.errors import UnknownTableError
from tui_sync.services.table_globs import expand_table_names, is_glob

DDL = "".join(f"CREATE TABLE {t} (ID NUMBER(10) PRIMARY KEY, V VARCHAR2(10));\n"
              for t in ("LOT_HISTORY", "LOT_MASTER", "SALES_A", "SALES_B", "PRODUCTS"))
INSERTS = [(f"INSERT INTO {t} VALUES (?, ?)", [(i, f"{t[:3]}{i}") for i in range(5)])
           for t in ("LOT_HISTORY", "LOT_MASTER", "SALES_A", "SALES_B", "PRODUCTS")]
TABLES = "[table LOT_HISTORY]\ntarget = lots\n\n[table PRODUCTS]\n"


@pytest.fixture
def cfg(tmp_path: Path):
    src = make_sqlite(tmp_path / "src.sqlite", DDL, INSERTS)
    return write_config(tmp_path, src, TABLES)


@pytest.mark.parametrize(("names", "want"), [
    (["LOT*"], ["LOT_HISTORY"]),  # a configured match wins over the source's LOT_MASTER
    (["lot_*"], ["LOT_HISTORY"]),  # case-insensitive
    (["lo?s"], ["LOT_HISTORY"]),  # the target's name
    (["[LP]*"], ["LOT_HISTORY", "PRODUCTS"]),  # config order
    (["SALES_*"], ["SALES_A", "SALES_B"]),  # nothing configured matches: the source's tables
    (["sales_[!a]"], ["SALES_B"]),
    (["main.SALES_?"], ["SALES_A", "SALES_B"]),  # SQLite has no owners: the table part
    (["UNCONFIGURED"], ["UNCONFIGURED"]),  # a plain name is passed on as it is
    (["LOT*", "LOT_HISTORY", "P*", "PRODUCTS", "P*"], ["LOT_HISTORY", "PRODUCTS"]),  # once each
    (["lots", "LOT*"], ["lots"]),  # a glob's match already named by its target
    (["MAIN.LOT_MASTER", "LOT_MASTER"], ["MAIN.LOT_MASTER", "LOT_MASTER"]),  # the engine refuses
    (["PRODUCTS", "LOT*"], ["PRODUCTS", "LOT_HISTORY"]),  # in the order named
])
def test_expand(cfg, names: list[str], want: list[str]) -> None:
    assert expand_table_names(cfg, names) == want


def test_a_glob_matching_nothing_names_it(cfg) -> None:
    with pytest.raises(UnknownTableError) as err:
        expand_table_names(cfg, ["LOT*", "NOPE*"])
    assert "NOPE*" in str(err.value) and "\n" not in str(err.value)
    assert is_glob("A*") and is_glob("A?") and is_glob("[AB]") and not is_glob("SALES.T")


def test_plain_names_do_not_connect_to_the_source(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, tmp_path / "missing.sqlite", TABLES)
    assert expand_table_names(cfg, ["EVENTS", "LOT*"]) == ["EVENTS", "LOT_HISTORY"]


def test_sync_plan_verify_doctor_take_globs(cfg, capsys: pytest.CaptureFixture[str]) -> None:
    c = str(cfg.path)
    assert main(["sync", "LOT*", "sales_*", "--config", c, "--mode", "full", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [r["table"] for r in doc["results"]] == ["lots", "sales_a", "sales_b"]
    assert main(["sync", "NOPE*", "--config", c]) == 2
    assert "NOPE*" in capsys.readouterr().err

    assert main(["plan", "SALES_*", "--config", c]) == 0
    out = capsys.readouterr().out
    assert "Table SALES_A -> sales_a" in out and "Table SALES_B -> sales_b" in out
    assert main(["plan", "SALES_A", "--config", c, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["table"] == "SALES_A"  # one name: one document
    assert main(["plan", "SALES_*", "--config", c, "--json"]) == 0
    assert [p["table"] for p in json.loads(capsys.readouterr().out)] == ["SALES_A", "SALES_B"]
    assert main(["plan", "NOPE*", "--config", c]) == 2

    assert main(["verify", "LOT*", "SALES_*", "--config", c, "--json"]) == 0
    docs = json.loads(capsys.readouterr().out)
    assert [d["target"] for d in docs] == ["lots", "sales_a", "sales_b"] and all(d["ok"] for d in docs)
    assert main(["verify", "SALES_*", "--config", c]) == 0
    out = capsys.readouterr().out
    assert "sales_a" in out and "sales_b" in out
    assert main(["verify", "PRODUCTS", "SALES_A", "--config", c]) == 1  # products never synced
    captured = capsys.readouterr()
    assert "products" in captured.err.lower() and "sales_a" in captured.out  # the rest still ran
    assert main(["verify", "NOPE*", "--config", c]) == 2
    assert main(["verify", "SALES_*", "--at", "r1", "--config", c]) == 2
    assert "--at names one run" in capsys.readouterr().err

    assert main(["doctor", "SALES_*", "--config", c, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    groups = {s["group"] for s in doc["steps"]}
    assert {"table SALES_A", "table SALES_B"} <= groups and "table LOT_HISTORY" not in groups
    assert main(["doctor", "NOPE*", "--config", c]) == 2


def test_console_script_glob_matching_nothing_is_exit_2(cfg, tmp_path: Path) -> None:
    script = str(Path(sys.executable).parent / "tui-sync")
    r = subprocess.run([script, "sync", "ZZ*", "--config", str(cfg.path)], capture_output=True,
                       text=True, env=env_with_home(tmp_path), timeout=120, stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "ZZ*" in r.stderr


def test_source_with_owners_matches_owner_dot_table(tmp_path: Path) -> None:
    """Oracle's list_tables names OWNER.TABLE: `SALES.*` keeps to one owner; a glob without a
    dot matches the table's own name in any owner."""
    from tui_sync.config import Config
    from tui_sync.sources.base import TableInfo

    listed = [TableInfo("SALES.LOT_A", "SALES", "LOT_A", 1), TableInfo("HR.LOT_B", "HR", "LOT_B", 1),
              TableInfo("SALES.X", "SALES", "X", 1)]
    calls: list[int] = []

    def lister(_config: Config) -> list[TableInfo]:
        calls.append(1)
        return listed

    config = Config(path=None)
    assert expand_table_names(config, ["SALES.*"], list_tables=lister) == ["SALES.LOT_A", "SALES.X"]
    assert expand_table_names(config, ["lot_?"], list_tables=lister) == ["SALES.LOT_A", "HR.LOT_B"]
    assert expand_table_names(config, ["hr.*", "*.X"], list_tables=lister) == ["HR.LOT_B", "SALES.X"]
    assert len(calls) == 3  # the source is listed once per call, however many globs
