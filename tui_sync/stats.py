"""Run statistics per table from tui_sync.runs (issue 6): `history --stats`, History screen.

Computed in SQL inside DuckDB, so a table synced every minute for years costs one
aggregate query, not a Python loop over its whole history.

Definitions (all windows end at `now`, times are UTC like the state):
- a run "ran" when its status is ok, failed or cancelled; 'skipped' runs (the lock
  was held) are counted apart, 'running' ones are ignored; test-mode runs are left
  out (they load `<target>_test`, a sample, and would skew the means);
- runs_7d / runs_30d count runs that ran; success_rate_30d = ok / ran (30 days);
- mean duration and mean rows/s are over the successful runs of the last 30 days;
- last_* describe the newest run that ran; last_error is the newest failed run's error.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .target import Target, as_spec, connect, table_exists

_RAN = "('ok', 'failed', 'cancelled')"

_SQL = f"""
WITH r AS (
    SELECT target_table, status, started_at, finished_at, rows, rows_per_s, error,
           date_diff('microsecond', started_at, finished_at) / 1e6 AS dur
    FROM tui_sync.runs
    WHERE mode IS NULL OR mode NOT IN ('test', 'set-watermark')  -- (state.NOT_SYNC_MODES)
)
SELECT target_table,
    count(*) FILTER (WHERE status IN {_RAN} AND started_at >= $d7) AS runs_7d,
    count(*) FILTER (WHERE status IN {_RAN} AND started_at >= $d30) AS runs_30d,
    count(*) FILTER (WHERE status = 'ok' AND started_at >= $d30) AS ok_30d,
    count(*) FILTER (WHERE status = 'failed' AND started_at >= $d30) AS failed_30d,
    count(*) FILTER (WHERE status = 'skipped' AND started_at >= $d30) AS skipped_30d,
    avg(dur) FILTER (WHERE status = 'ok' AND started_at >= $d30) AS mean_duration_s_30d,
    avg(rows_per_s) FILTER (WHERE status = 'ok' AND started_at >= $d30) AS mean_rows_per_s_30d,
    max(started_at) FILTER (WHERE status IN {_RAN}) AS last_run_at,
    arg_max(status, started_at) FILTER (WHERE status IN {_RAN}) AS last_status,
    arg_max(dur, started_at) FILTER (WHERE status IN {_RAN}) AS last_duration_s,
    arg_max(rows, started_at) FILTER (WHERE status IN {_RAN}) AS last_rows,
    arg_max(rows_per_s, started_at) FILTER (WHERE status IN {_RAN}) AS last_rows_per_s,
    arg_max(error, started_at) FILTER (WHERE status = 'failed') AS last_error,
    max(started_at) FILTER (WHERE status = 'failed') AS last_error_at,
    max(finished_at) FILTER (WHERE status = 'ok') AS last_success_at
FROM r
WHERE CAST($table AS VARCHAR) IS NULL OR lower(target_table) = lower(CAST($table AS VARCHAR))
GROUP BY target_table
ORDER BY target_table
"""


@dataclass(frozen=True)
class TableStats:
    table: str  # target table
    runs_7d: int = 0
    runs_30d: int = 0
    ok_30d: int = 0
    failed_30d: int = 0
    skipped_30d: int = 0
    success_rate_30d: float | None = None  # 0..1; None without runs
    mean_duration_s_30d: float | None = None
    mean_rows_per_s_30d: float | None = None
    last_run_at: datetime | None = None  # naive UTC
    last_status: str | None = None
    last_duration_s: float | None = None
    last_rows: int | None = None
    last_rows_per_s: float | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_success_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: times as ISO 8601 UTC ('...Z')."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            out[key] = _iso(value) if isinstance(value, datetime) else value
        return out


def _iso(t: datetime) -> str:
    return t.replace(microsecond=0).isoformat() + "Z"


def _utc_naive(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC).replace(tzinfo=None)
    return now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now


def table_stats(db_path: Target | str | os.PathLike[str], *, now: datetime | None = None,
                table: str | None = None, include: list[str] | tuple[str, ...] = ()) -> list[TableStats]:
    """Stats per target table found in tui_sync.runs (sorted by name), plus an empty entry
    for each name in `include` without runs (the configured tables). `table` keeps one.
    `now`: aware, or naive UTC; default the current time. Raises TargetBusyError when
    another process has the file open for writing."""
    at = _utc_naive(now)
    path = as_spec(db_path)
    rows: list[tuple[Any, ...]] = []
    if path.exists():
        con = connect(path, create=False)
        try:
            if table_exists(con, "runs", "tui_sync"):
                params = {"d7": at - timedelta(days=7), "d30": at - timedelta(days=30), "table": table}
                rows = con.execute(_SQL, params).fetchall()
        finally:
            con.close()
    found: dict[str, TableStats] = {}
    for row in rows:
        (name, runs_7d, runs_30d, ok_30d, failed_30d, skipped_30d, mean_dur, mean_rate, last_at,
         last_status, last_dur, last_rows, last_rate, last_error, last_error_at, last_ok) = row
        found[name] = TableStats(
            name, runs_7d, runs_30d, ok_30d, failed_30d, skipped_30d,
            ok_30d / runs_30d if runs_30d else None, mean_dur, mean_rate, last_at, last_status,
            last_dur, last_rows, last_rate, last_error, last_error_at, last_ok)
    known = {n.lower() for n in found}
    for name in include:
        if name.lower() not in known and (table is None or name.lower() == table.lower()):
            found[name] = TableStats(name)
            known.add(name.lower())
    return sorted(found.values(), key=lambda s: s.table.lower())


def stats_document(stats: list[TableStats], now: datetime | None = None) -> dict[str, Any]:
    """The `history --stats --json` document."""
    return {"generated_at": _iso(_utc_naive(now)), "windows_days": [7, 30],
            "tables": [s.to_dict() for s in stats]}
