"""The target: the one door to it (duckdb.py; a DuckDB file, or a DuckLake through lake.py,
named by spec.py), the loads the engine runs in it (loads.py), the sync state kept in it
(state.py) and the one-sync-per-target lock (lock.py).

`from tui_sync import target` keeps meaning the door: its names are re-exported here.
"""

from .duckdb import (
    BRIEF_OPEN_WAIT_S,
    STAGE_SUFFIX,
    append,
    append_stream,
    busy_error,
    connect,
    create_table,
    drop_table,
    qi,
    recreate_table,
    row_count,
    settle,
    sibling,
    stage_name,
    table_columns,
    table_exists,
    tref,
    tune_for_loading,
)
from .lake import expire as expire_snapshots
from .spec import Target, TargetSpec, as_spec, target_spec

__all__ = [
    "BRIEF_OPEN_WAIT_S", "STAGE_SUFFIX", "append", "append_stream", "busy_error", "connect", "create_table",
    "drop_table",
    "qi", "recreate_table", "row_count", "settle", "sibling", "stage_name", "table_columns", "table_exists", "tref",
    "tune_for_loading", "expire_snapshots", "Target", "TargetSpec", "as_spec", "target_spec",
]
