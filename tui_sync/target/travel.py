"""Time travel on a lake target: the target as a run left it.

Each run's data commit is one DuckLake snapshot (lake.tag_commit names the run in it, and
tui_sync.runs.snapshot_id keeps its number). `as_of_run` turns a run id, as `history`
prints it, into a read-only target at that snapshot; every read through the target door
(preview, verify) then sees the tables and the sync state exactly as that run committed them.
"""

from __future__ import annotations

import duckdb

from ..errors import ConfigError
from ..i18n import _
from . import lake
from .duckdb import connect
from .spec import Target, TargetSpec, as_spec
from .state import RunRecord, read_runs


def tag_run_commit(con: duckdb.DuckDBPyConnection, rec: RunRecord) -> None:
    """Inside a run's data transaction on a lake: the snapshot it commits names the run.
    The caller knows the target is a lake (its spec says so)."""
    lake.tag_commit(con, rec.run_id, rec.target_table, rec.mode)


def record_snapshot(con: duckdb.DuckDBPyConnection, run_id: str) -> int | None:
    """After a run's data commit on a lake: store the snapshot it made in tui_sync.runs (the
    commit itself names the run in the snapshot's extra info, see lake.tag_commit)."""
    snapshot = lake.run_snapshots(con).get(run_id)
    if snapshot is not None:
        con.execute("UPDATE tui_sync.runs SET snapshot_id = ? WHERE run_id = ?", [snapshot, run_id])
    return snapshot


def find_run(target: Target, run_id: str) -> RunRecord:
    """The run whose id is or starts with `run_id` (history prints the id)."""
    wanted = run_id.strip().lower()
    if not wanted:
        raise ConfigError(_("give a run id (tui-sync history shows them)"))
    found = [r for r in read_runs(target, limit=1_000_000) if r.run_id.lower().startswith(wanted)]
    if not found:
        raise ConfigError(_("no run {run_id} in {target} (tui-sync history lists them)").format(
            run_id=run_id, target=as_spec(target).display))
    if len({r.run_id for r in found}) > 1:
        raise ConfigError(_("run id {run_id} is ambiguous: {runs}").format(
            run_id=run_id, runs=", ".join(r.run_id for r in found[:5])))
    return found[0]


def as_of_run(target: Target, run_id: str) -> tuple[RunRecord, TargetSpec]:
    """(the run, the target as of the snapshot its data commit made). One-line errors: a
    file target, a run that committed nothing, a snapshot expired by keep_snapshots."""
    spec = as_spec(target)
    if not spec.is_lake:
        raise ConfigError(_("reading the target as of a run needs a DuckLake target "
                            "([target] kind = ducklake); {target} keeps only its latest state").format(
            target=spec.display))
    run = find_run(spec, run_id)
    if run.status != "ok":
        raise ConfigError(_("run {run_id} ended {status}: it committed no data to read back").format(
            run_id=run.run_id, status=run.status))
    con = connect(spec, create=False)
    try:
        snapshot = run.snapshot_id if run.snapshot_id is not None else lake.run_snapshots(con).get(
            run.run_id)
        if snapshot is None or not lake.snapshot_exists(con, snapshot):
            keep = f" (keep_snapshots = {spec.keep_snapshots})" if spec.keep_snapshots else ""
            raise ConfigError(_("run {run_id} of {started}: its snapshot has been expired{keep}; "
                                "only newer runs can be read back").format(
                run_id=run.run_id, started=f"{run.started_at:%Y-%m-%d %H:%M}", keep=keep))
    finally:
        con.close()
    return run, spec.at(snapshot)
