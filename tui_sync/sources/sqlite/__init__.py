"""SQLite source: any SQLite file whose declared types are Oracle-style (the demo and tests).

source.py (SqliteSource: connection, dictionary, SQL), reads.py (which path reads, one
snapshot across chunks), arrow.py + shape.py + kernels.py (the Arrow-native ADBC read, its
SQL and its whole-column conversions), values.py (the per-value reference conversions),
cursor.py (cursor text compared as time), verify.py (`tui-sync verify`'s SQL).
"""

from .cursor import canonical_timestamp, format_date, format_timestamp, window_bound
from .shape import quote
from .source import SqliteSource

__all__ = ["SqliteSource", "canonical_timestamp", "format_date", "format_timestamp", "quote", "window_bound"]
