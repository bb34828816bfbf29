"""Target names with an optional DuckDB schema. The parser lives in config/names.py (the config
validates `target =` with it, and config sits below the target); this is the target's door to it."""

from ..config.names import TargetName, split_parts, target_sql

__all__ = ["TargetName", "split_parts", "target_sql"]
