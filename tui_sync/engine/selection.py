"""Column selection of a configured table (DESIGN §8): `columns = A, B` loads only these, in
this order; `exclude = C` loads all but these.

Applied in `resolve_job` to the columns the type plan is built from, so everything that
follows the plan follows the selection: the SELECT of every mode, the target's shape,
schema drift, verify and the Preview. The table's description stays whole: the source
still answers dictionary questions about every column (a SQLite column named `rowid`
shadows the row address whether or not it is loaded).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..config import TableConfig
from ..errors import ConfigError
from ..i18n import _
from ..sources.base import TableDescription
from ..typeplan import SourceColumn


@dataclass(frozen=True)
class Selection:
    columns: tuple[SourceColumn, ...]  # loaded, positions renumbered in the chosen order
    left_out: tuple[SourceColumn, ...]  # in the source, not loaded


def select_columns(desc: TableDescription, tc: TableConfig, prefix: str) -> Selection:
    """The columns to load, or ConfigError(`prefix` + key: what) for a name not in the
    table, one named twice, or a cursor or key left out (the window and the upsert need
    them). Names match the dictionary as `cursor` and `primary_key` do: exact first, then
    case-insensitive."""
    if not tc.select and not tc.exclude:
        return Selection(desc.columns, ())
    key = "columns" if tc.select else "exclude"
    named: list[SourceColumn] = []
    for name in tc.select or tc.exclude:
        try:
            col = desc.column(name)
        except KeyError:
            raise ConfigError(f"{prefix}{key}: " + _("column {column} is not in {table}").format(
                column=_shown(name), table=_shown(desc.info.name))) from None
        if any(c.name == col.name for c in named):
            raise ConfigError(f"{prefix}{key}: " + _("column {column} is named twice").format(
                column=_shown(name)))
        named.append(col)
    if tc.select:
        # build_plan orders by position: renumber so the target follows `columns =`
        chosen = [replace(c, position=i) for i, c in enumerate(named, 1)]
    else:
        gone = {c.name for c in named}
        chosen = [c for c in desc.columns if c.name not in gone]
    kept = {c.name for c in chosen}
    needed = [(tc.cursor, _("the cursor"))] if tc.cursor else []
    needed += [(k, _("the primary key")) for k in (tc.primary_key or desc.primary_key)]
    for name, what in needed:
        try:
            col = desc.column(name)
        except KeyError:
            continue  # resolve_job reports a cursor or key not in the table
        if col.name not in kept:
            raise ConfigError(f"{prefix}{key}: " + _("{column} is {what}; it must stay selected")
                              .format(column=_shown(col.name), what=what))
    return Selection(tuple(chosen), tuple(c for c in desc.columns if c.name not in kept))


def _shown(name: str) -> str:
    return name if name.isprintable() else repr(name)


__all__ = ["Selection", "select_columns"]
