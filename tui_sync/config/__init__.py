"""The config file (DESIGN §8): `model` (the settings), `load` (INI parsing with
file:section:key errors) and `write` (saving TUI edits, comments kept).

`write` is not imported here: only the TUI saves, and the CLI need not load ConfigUpdater.
"""

from .load import (
    check_permissions,
    find_config,
    load_config,
    parse_cron,
    parse_duration,
    parse_lookback,
    parse_name_list,
)
from .model import (
    DEFAULT_PASSWORD_ENV,
    SOURCE_KINDS,
    TABLE_PREFIX,
    Config,
    Lookback,
    SourceConfig,
    SourceKind,
    SyncConfig,
    TableConfig,
    TargetConfig,
    find_table_key,
)

__all__ = [
    "DEFAULT_PASSWORD_ENV", "SOURCE_KINDS", "TABLE_PREFIX", "Config", "Lookback", "SourceConfig",
    "SourceKind", "SyncConfig", "TableConfig", "TargetConfig", "check_permissions", "find_config",
    "find_table_key", "load_config", "parse_cron", "parse_duration", "parse_lookback", "parse_name_list",
]
