"""The Arrow read path: rows through `Connection.fetch_df_batches(requested_schema=...)`,
stand-in columns rebuilt (rebuild.py), paging columns carried after the plan's, and the
driver's failures mapped to one line (a year outside 1-9999 names its column); MAX(cursor)
the same way.

This module must never import Textual.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from ...errors import SourceError, SyncCancelled, one_line
from ...i18n import _, line_of
from ...timens import parse_timestamp
from ..base import ROWID_FIELD, ROWID_KEY, ReadSpec, TableDescription, conform_batch, key_fields
from .connect import joined
from .rebuild import BadValue, rebuild
from .sql import bad_datetime_probes, squash
from .types import NUMBER_TYPES, TZ_TYPES, post_kind

if TYPE_CHECKING:
    from .source import OracleSource

log = logging.getLogger(__name__)

# Python's datetime refusing a year, raised by the driver in the middle of a fetch
DRIVER_RANGE_RE = re.compile(r"year -?\d+ is out of range")


def max_cursor(src: OracleSource, table: TableDescription, cursor: str, where: str = "") -> Any:
    sql, binds, fetch_type = src.build_max_cursor(table, cursor, where)
    log.debug("oracle query: %s", squash(sql))
    src._cancel_requested.clear()
    try:
        odf = src.conn.fetch_df_all(sql, parameters=binds, arraysize=1,
                                    requested_schema=pa.schema([("MAX_CURSOR", fetch_type)]))
        result = pa.table(odf)
    except src._driver.Error as exc:
        raise src._map_error(exc) from None
    except ValueError as exc:  # the driver's datetime for a year outside 1-9999
        raise SourceError(_("{table}: MAX of cursor column {cursor}: {error}").format(
            table=table.info.name, cursor=cursor, error=joined(str(exc)))) from None
    value = result.column(0)[0].as_py() if result.num_rows else None
    if isinstance(value, str) and table.column(cursor).data_type.upper() in NUMBER_TYPES:
        number = Decimal(value.strip())
        return int(number) if number == number.to_integral_value() else number
    if isinstance(value, str) and table.column(cursor).data_type.upper() == "TIMESTAMP":
        value = parse_timestamp(value.strip())  # a TIMESTAMP(7-9) MAX: keeps the ns
    if isinstance(value, datetime) and table.column(cursor).data_type.upper() in TZ_TYPES:
        value = value.replace(tzinfo=UTC)  # SYS_EXTRACT_UTC gives the UTC wall time
    return value


def find_bad_datetime(src: OracleSource, spec: ReadSpec) -> str | None:
    """Which column holds the value the driver could not turn into a datetime.

    The driver builds a Python datetime for every DATE/TIMESTAMP value and Python's
    own ValueError ('year -44 is out of range') stops the whole fetch without naming
    the column (impl/base/converters.pyx ~l.176). Asked only after such a failure:
    per datetime column, the first value outside years 1-9999 under the same filter,
    as text (TO_CHAR cannot fail the way the conversion did).
    """
    relation = src.from_sql(spec.table, spec.snapshot is not None)
    for cp, sql, probe_binds in bad_datetime_probes(spec, relation):
        try:
            odf = src.conn.fetch_df_all(sql, parameters=probe_binds, arraysize=1,
                                        requested_schema=pa.schema([("BAD", pa.large_string())]))
            value = pa.table(odf).column(0)[0].as_py()
        except src._driver.Error as exc:
            log.debug("probing %s for out-of-range values failed: %s", cp.name, one_line(exc))
            continue
        if value is not None:
            return _("column {column}: value {value} is outside the years 1-9999 that "
                     "Python, Arrow and the driver can carry (exclude it with where = ..., or "
                     "convert the column in a query = ... table)").format(
                column=cp.name, value=value.strip())
    return None


def read_batches(src: OracleSource, spec: ReadSpec) -> Iterator[pa.RecordBatch]:
    sql, binds = src.build_select(spec)
    schema = src.fetch_schema(spec)
    post = [(i, cp) for i, cp in enumerate(spec.plan.included) if post_kind(cp)]
    log.debug("oracle read: %s binds=%r batch_rows=%d", squash(sql), binds, spec.batch_rows)
    src._cancel_requested.clear()
    batches: Any = None
    try:
        batches = src.conn.fetch_df_batches(sql, parameters=binds, size=spec.batch_rows,
                                            requested_schema=schema)
        for odf in batches:
            if src._cancel_requested.is_set():
                # cancel() came between round trips, when there was no call to break
                raise SyncCancelled("cancelled")
            table = pa.table(odf)
            if table.num_rows == 0:
                continue
            batch = table.combine_chunks().to_batches()[0]
            for i, cp in post:
                try:
                    rebuilt = rebuild(batch.column(i), cp)
                except BadValue as bad:
                    raise SourceError(_("{table}: column {column}: {error}").format(
                        table=spec.table.info.name, column=cp.name, error=line_of(bad))) from None
                batch = batch.set_column(i, batch.schema.field(i).name, rebuilt)
            # Paging columns (row address, raw keys) ride after the plan's columns.
            extra = [ROWID_FIELD] if spec.order_by == (ROWID_KEY,) else key_fields(spec)
            if extra:
                carried = [batch.column(name) for name in extra]
                batch = conform_batch(batch.drop_columns(extra), spec.plan)
                for name, arr in zip(extra, carried, strict=True):
                    batch = batch.append_column(name, arr)
                yield batch
                continue
            yield conform_batch(batch, spec.plan)
    except src._driver.Error as exc:
        raise src._map_error(exc) from None
    except (pa.ArrowException, ValueError) as exc:
        if src._cancel_requested.is_set():
            raise SyncCancelled("cancelled") from None
        found = find_bad_datetime(src, spec) if DRIVER_RANGE_RE.search(str(exc)) else None
        if found:
            raise SourceError(_("{table}: {error}").format(table=spec.table.info.name,
                                                           error=found)) from None
        raise SourceError(_("{table}: converting a fetched batch failed: {error}").format(
            table=spec.table.info.name, error=joined(str(exc)))) from None
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            try:
                close()  # release the driver's cursor when the reader stops early
            except src._driver.Error:
                pass
