"""The sync engine: run.py runs a request (Engine), jobs.py resolves a table before any
data moves, modes.py loads it (full, test, incremental), readers.py reads a full load
(one statement, resumable chunks, parallel), meter.py throttles progress."""

from .jobs import PlanReport, TableJob, apply_lookback, list_source_tables, resolve_job
from .run import Engine

__all__ = ["Engine", "PlanReport", "TableJob", "apply_lookback", "list_source_tables", "resolve_job"]
