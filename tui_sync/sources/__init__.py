"""Sources: where rows come from (Oracle, SQLite). See `base.Source`."""

from __future__ import annotations

from ..config import SourceConfig
from .base import Source


def source_class(kind: str) -> type[Source]:
    """The Source class of a config's `kind` ("sqlite", "oracle"), for its class-level
    capabilities (verify's `verify_unhashed`) without opening a connection."""
    if kind == "sqlite":
        from .sqlite import SqliteSource

        return SqliteSource
    from .oracle import OracleSource

    return OracleSource


def open_source(cfg: SourceConfig, base_dir=None) -> Source:
    """Build (not yet connect) the source a config names."""
    if cfg.kind == "sqlite":
        from pathlib import Path

        from .sqlite import SqliteSource

        p = Path(cfg.path).expanduser()
        if not p.is_absolute() and base_dir is not None:
            p = Path(base_dir) / p
        return SqliteSource(p)
    from .oracle import OracleSource

    return OracleSource(cfg)
