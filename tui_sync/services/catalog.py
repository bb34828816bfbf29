"""The catalog: the source's tables merged with the sync state of their DuckDB targets.

One home for "which tables are there, and how far is each synced", shared by the
Tables screen and the CLI's `tables` and `status` (no Textual, no printing).

API, in the order a caller needs it:

    from tui_sync.services.catalog import load_catalog, read_target_state

    catalog = load_catalog(config)         # `tables`: lists the source, reads the target
    for entry in catalog.entries(config):  # in the source's order
        entry.name, entry.estimated_rows, entry.target, entry.configured
        entry.state                        # TableState of the target, or None (never synced)
        entry.resume                       # ResumePoint of an interrupted full sync, or None

    target = read_target_state(config)     # `status`: the target only, the source is not asked
    target.states                          # TableState by target table
    target.resume                          # ResumePoint by target table

The two reads are also offered apart (`list_tables`, `read_target_state`) because a
front end may want to show the source's tables even when the DuckDB file is busy;
`merge(config, tables, target)` then builds the same entries. Entries are built
against a config (not stored in the catalog) so that a changed target name shows at
once without asking the source again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import Config
from ..sources import open_source
from ..sources.base import TableInfo
from ..target.spec import target_spec
from ..target.state import ResumePoint, TableState, read_resume_points, read_table_states


@dataclass(frozen=True)
class TargetState:
    """What the DuckDB target knows: sync state and pending resume points, by target table."""

    states: dict[str, TableState] = field(default_factory=dict)
    resume: dict[str, ResumePoint] = field(default_factory=dict)


@dataclass(frozen=True)
class CatalogEntry:
    """One source table with its target's state."""

    info: TableInfo
    target: str  # the DuckDB table it syncs into (after the config's naming rules)
    configured: bool  # has its own [table.*] section
    state: TableState | None  # None: never synced
    resume: ResumePoint | None  # an interrupted full sync left committed chunks

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def estimated_rows(self) -> int | None:
        return self.info.estimated_rows


@dataclass(frozen=True)
class Catalog:
    """The source's tables (in its order) and the target's state, as read together."""

    tables: tuple[TableInfo, ...]
    target: TargetState

    def entries(self, config: Config) -> list[CatalogEntry]:
        return merge(config, self.tables, self.target)


def list_tables(config: Config) -> list[TableInfo]:
    """The source's tables (connects to the source)."""
    with open_source(config.source, base_dir=config.base_dir) as source:
        return source.list_tables()


def read_target_state(config: Config) -> TargetState:
    """Sync state and resume points from the DuckDB target (empty when it does not exist yet)."""
    path = target_spec(config)
    return TargetState(read_table_states(path), read_resume_points(path))


def load_catalog(config: Config) -> Catalog:
    """Both reads: the source's tables, then the target's state."""
    tables = list_tables(config)
    return Catalog(tuple(tables), read_target_state(config))


def merge(config: Config, tables: list[TableInfo] | tuple[TableInfo, ...],
          target: TargetState) -> list[CatalogEntry]:
    """One entry per source table, with the state of the target table the config names."""
    out = []
    for info in tables:
        tc = config.table(info.name)
        if tc.query:
            continue  # its name is a query-backed table's (below): syncing it runs the query
        name = tc.target_name()
        out.append(CatalogEntry(info, name, configured=info.name in config.tables or tc.target != "",
                                state=target.states.get(name), resume=target.resume.get(name)))
    # Query-backed tables are in no source dictionary: listed after the source's tables.
    for key, tc in config.tables.items():
        if tc.query:
            name = tc.target_name()
            out.append(CatalogEntry(TableInfo(key, None, key, None), name, configured=True,
                                    state=target.states.get(name), resume=target.resume.get(name)))
    return out


__all__ = ["Catalog", "CatalogEntry", "TargetState", "list_tables", "load_catalog", "merge",
           "read_target_state"]
