"""The Oracle source (DESIGN §3): python-oracledb, thin by default, thick for Oracle 11.2.

- source.py   OracleSource: connection, cancel, driver errors mapped, retries of a stray break
- connect.py  driver version, thick-mode DSN, connect failures as one line
- catalog.py  the dictionary: tables, typed names, columns, keys, cursor indexes
- sql.py      SQL text and binds: SELECT with window/key range/keyset/ROWID paging, COUNT, MAX
- types.py    the requested Arrow type of each select item
- rebuild.py  stand-in columns (intervals, vectors, TO_CHAR FF9, decimal256) back to the plan's type
- read.py     the Arrow read and MAX(cursor) through the driver
- verify.py   `tui-sync verify`'s SQL

Rules kept across the package: identifiers in SQL come from the dictionary and are quoted (a
typed table name is only a bind value); every value is a bind; rows arrive as Arrow through
`fetch_df_batches(requested_schema=...)`, converting in SQL what the Arrow fetch cannot
carry; the password is never stored, logged or put into a message. Never imports Textual.

Tests patch module state where the code reads it: `source._thick_args`, `source._default_driver`.
"""

from .catalog import display_name, parse_table_name
from .source import OracleSource
from .sql import quote_ident

__all__ = ["OracleSource", "display_name", "parse_table_name", "quote_ident"]
