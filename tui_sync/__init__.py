"""tui-sync: copy Oracle Database tables into a local DuckDB file."""

__version__ = "0.1.0"
