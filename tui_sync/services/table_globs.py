"""Table globs on the command line (DESIGN §7): `tui-sync sync 'LOT*' 'SALES.*'`, and the
same for `plan`, `verify` and `doctor`. One function, `expand_table_names`, that every
command calls on its TABLE arguments.

A name holding `*`, `?` or `[` is a glob (fnmatch: `*` any run, `?` one character,
`[AB]` / `[!A]` a set), matched without regard to case, like every table name here:

1. against the configured tables: each `[table NAME]` section's NAME, the table part of
   NAME (as a plain `LOT_HISTORY` also finds `[table SALES.LOT_HISTORY]`) and its target
   (`lots`, `analytics.events`). A glob matching any configured table stops here: the
   config is the list of what to sync, and a glob must not pull an unconfigured (maybe
   huge, keyless) table in beside them;
2. only when it matches none of them, against the source's tables (`list_tables`):
   `SALES.*` by OWNER.TABLE, a glob without a dot by the table's own name (any owner).
   A source without owners (SQLite) matches the glob's last part.

A glob matching nothing is an error naming it (exit 2). A plain name is passed on as it
is (the command resolves it as before) and never connects to the source. Each table comes
out once, in the order first named (two plain names for one target are kept: the engine
refuses them, naming both).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from ..config import Config
from ..errors import UnknownTableError
from ..i18n import _

if TYPE_CHECKING:  # the CLI imports this module; the source classes load pyarrow
    from ..sources.base import TableInfo

_GLOB_CHARS = frozenset("*?[")


def is_glob(name: str) -> bool:
    return any(ch in _GLOB_CHARS for ch in name)


def expand_table_names(config: Config, names: Sequence[str], *,
                       list_tables: Callable[[Config], list[TableInfo]] | None = None) -> list[str]:
    """The TABLE arguments with each glob replaced by the tables it matches (see above)."""
    source_tables: list[TableInfo] | None = None
    out: list[str] = []
    seen: set[str] = set()

    def add(name: str, matched: bool) -> None:
        key = config.table(name).target_name().lower()
        # A glob's match already named (by any name for its target) is not added again; plain
        # names stay as typed, so two names for one target still meet the engine's refusal.
        if (matched and key in seen) or name in out:
            return
        seen.add(key)
        out.append(name)

    for name in names:
        if not is_glob(name):
            add(name, False)
            continue
        found = [key for key, tc in config.tables.items() if _matches_config(name, key, tc.target_name())]
        if not found:
            if source_tables is None:  # asked once, and only for a glob the config cannot answer
                if list_tables is None:
                    from .catalog import list_tables as source_list  # connects to the source
                else:
                    source_list = list_tables
                source_tables = source_list(config)
            found = [info.name for info in source_tables if _matches_source(name, info)]
        if not found:
            shown = name if name.isprintable() else repr(name)
            raise UnknownTableError(_("no table matches {name}: neither a configured table "
                                      "(section or target name) nor a table in the source "
                                      "(tui-sync tables lists them)").format(name=shown))
        for table in found:
            add(table, True)
    return out


def _match(pattern: str, name: str) -> bool:
    return fnmatchcase(name.replace('"', "").upper(), pattern.replace('"', "").upper())


def _matches_config(pattern: str, section: str, target: str) -> bool:
    candidates = [section, target]
    if "." not in pattern:  # a bare pattern also meets SCHEMA.TABLE by its table part
        candidates += [section.split(".")[-1], target.split(".")[-1]]
    return any(_match(pattern, c) for c in candidates)


def _matches_source(pattern: str, info: TableInfo) -> bool:
    if info.owner is None:  # no owners (SQLite): `main.T*` means `T*`, as a plain name does
        return _match(pattern.split(".")[-1] if "." in pattern else pattern, info.table)
    return _match(pattern, info.name if "." in pattern else info.table)


__all__ = ["expand_table_names", "is_glob"]
