"""What a source computes for `tui-sync verify` (the optional verify capability of
`base.Source`): the partitioning, the numeric columns summed, and the shapes of the
answers. The SQL that computes them is each source's own (sqlite/verify, oracle/verify);
the comparison and the report live in services/verify. Plain Python: no Textual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import SourceError
from ..typeplan import ColumnPlan

# partition key -> (rows, sums in SumColumn order)
Aggregates = dict[Any, tuple[int, list[Any]]]
# partition key -> (rows, sum of row hashes, sum of cell hashes per content column)
Content = dict[Any, tuple[int, int, list[int]]]


class VerifyQueryError(SourceError):
    """A verify query failed in the source; verify prefixes the table's name."""


@dataclass(frozen=True)
class SumColumn:
    plan: ColumnPlan
    exact: bool  # integers and decimals: exact; floats: tolerance
    scale: int  # decimal places of the target (exact sums)
    wide: bool  # DuckDB DECIMAL wider than 18 digits: summed in halves
    source_scale: int | None = None  # the source is summed at its own declared scale

    @property
    def target(self) -> str:
        return self.plan.target_name


@dataclass(frozen=True)
class Partitioning:
    kind: str  # "day" | "key_range" | "whole"
    column: ColumnPlan | None = None
    source_bounds: tuple[Any, ...] = ()  # key_range: ascending lower bounds of buckets 1..n
    target_bounds: tuple[Any, ...] = ()  # the same bounds as target-side values


DATETIME_TYPES = frozenset({"DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE",
                            "TIMESTAMP WITH LOCAL TIME ZONE"})
TZ_TYPES = frozenset({"TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH LOCAL TIME ZONE"})


def bucket_case(expr: str, n_bounds: int, param: Callable[[int], str]) -> str:
    """CASE that numbers the key ranges: 0 below the first bound ... n above the last
    (portable SQL: SQLite, Oracle and DuckDB number the ranges the same way)."""
    if n_bounds == 0:
        return f"CASE WHEN {expr} IS NULL THEN NULL ELSE 0 END"
    whens = " ".join(f"WHEN {expr} < {param(i)} THEN {i}" for i in range(n_bounds))
    return f"CASE WHEN {expr} IS NULL THEN NULL {whens} ELSE {n_bounds} END"


__all__ = ["DATETIME_TYPES", "TZ_TYPES", "Aggregates", "Content", "Partitioning", "SumColumn",
           "VerifyQueryError", "bucket_case"]
