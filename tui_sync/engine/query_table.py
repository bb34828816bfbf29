"""A query-backed table (`[table NAME]` with `query = SELECT ...`): how resolve_job describes
it and what it refuses before any data moves.

The query replaces the source table in every read: each source wraps it as a subquery (its one
FROM item) and applies the filter, the incremental window, keyset bounds and limits around it.
A query has no row address and no index metadata, so the features that need them are refused
here in one line naming the config key, or fall back the way a keyless view does (one
statement, said in the run's consistency).
"""

from __future__ import annotations

from dataclasses import replace

from pyarrow import types as pa_types

from ..config import Config, TableConfig
from ..errors import ConfigError, SourceError, UnknownTableError
from ..i18n import Text, _, english_of
from ..sources.base import Source, TableDescription
from ..typeplan import ColumnPlan, TypePlan


def section(tc: TableConfig) -> str:
    return f"[table {tc.source_table}]"


def describe(config: Config, source: Source, tc: TableConfig) -> TableDescription:
    """The query's columns as the source describes them (no rows read). A query the source
    refuses (bad SQL, a missing table, no privilege) is a config error naming the section:
    exit 2 before anything is written. A transient failure stays a SourceError (retried)."""
    try:
        return source.describe_query(tc.source_table, tc.query)
    except UnknownTableError as exc:
        raise ConfigError(f"{config.path}:{section(tc)}:query: {_line(exc)}") from None
    except SourceError as exc:
        if exc.transient:
            raise
        raise ConfigError(f"{config.path}:{section(tc)}:query: {_line(exc)}") from None


def annotate(plan: TypePlan, desc: TableDescription) -> TypePlan:
    """The source's notes on how it typed a query's columns, as the plan's warnings (a
    per-column type override silences its note: the user chose the type)."""
    notes = dict(desc.type_notes)
    if not notes:
        return plan
    cols = []
    for cp in plan.columns:
        note = notes.get(cp.name)
        if note and not cp.overridden and not cp.skipped:
            cp = replace(cp, warning=Text(f"{note}; {cp.warning}", f"{note}; {english_of(cp.warning)}")
                         if cp.warning else note)
        cols.append(cp)
    return replace(plan, columns=tuple(cols))


def check(config: Config, tc: TableConfig, key_plans: list[ColumnPlan]) -> None:
    """Refuse the settings that need a row address or a source snapshot of a table."""
    where = f"{config.path}:{section(tc)}"
    if tc.consistent:
        raise ConfigError(f"{where}:consistent: " + _(
            "a query-backed table cannot be read as of one point in time (Oracle AS OF SCN "
            "applies to a table, not to a query); set consistent = false"))
    if tc.parallel > 1 and not _numeric_key(key_plans):
        raise ConfigError(f"{where}:parallel: " + _(
            "a query-backed table has no row address to split a parallel read by; set "
            "primary_key to one numeric column of the query (its value ranges split the read), "
            "or parallel = 1"))


def _numeric_key(key_plans: list[ColumnPlan]) -> bool:
    """The readers' rule for key ranges (readers._parallel_key): one integer/decimal key."""
    if len(key_plans) != 1 or key_plans[0].arrow_type is None:
        return False
    t = key_plans[0].arrow_type
    return pa_types.is_integer(t) or pa_types.is_decimal(t)


def _line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
