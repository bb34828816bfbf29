"""The DuckDB target: the one door to the file (duckdb.py), the loads the engine runs in it
(loads.py), the sync state kept in it (state.py) and the one-sync-per-file lock (lock.py).

`from tui_sync import target` keeps meaning the door: its names are re-exported here.
"""

from .duckdb import (
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
    stage_name,
    table_columns,
    table_exists,
    tune_for_loading,
)

__all__ = [
    "STAGE_SUFFIX", "append", "append_stream", "busy_error", "connect", "create_table", "drop_table",
    "qi", "recreate_table", "row_count", "settle", "stage_name", "table_columns", "table_exists",
    "tune_for_loading",
]
