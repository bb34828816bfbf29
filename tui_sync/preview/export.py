"""Export of the preview to CSV or Parquet (DESIGN §9): the whole window, written by DuckDB
(`export_window`), or a frame in memory (`export_frame`)."""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from tui_sync.errors import TuiSyncError, one_line
from tui_sync.i18n import _
from tui_sync.preview.db import ColumnInfo, columns_of, connect, pick_cursor, state_cursor
from tui_sync.preview.detect import ColumnDetection, duckdb_expression
from tui_sync.preview.paging import Sort, natural_sort, sort_expr
from tui_sync.preview.window import Bounds, Preset, window_where
from tui_sync.target import qi, tref
from tui_sync.target.spec import Target


class ExportError(TuiSyncError):
    """The export could not be written; the message is one line."""


class ExportFormat(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def default_export_path(folder: Path, table: str, fmt: ExportFormat, now: datetime | None = None) -> Path:
    """`<folder>/<table>_<YYYYmmdd_HHMMSS>.<ext>`; Korean names are kept, path separators are not."""
    stamp = (now or datetime.now()).strftime("%Y%m%d_%H%M%S")
    name = _UNSAFE.sub("_", table).strip(" .") or "table"
    return Path(folder) / f"{name}_{stamp}.{ExportFormat(fmt).value}"


def _csv_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """CSV has no nested, binary or duration values: lists and structs become JSON, binary
    becomes hex, durations ISO 8601 text."""
    fixes: list[pl.Expr] = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.Struct):
            fixes.append(col.struct.json_encode())
        elif isinstance(dtype, pl.List | pl.Array):
            # json_encode needs a struct: wrap, encode, and strip the wrapper {"v": ...}
            fixes.append(
                pl.struct(col.alias("v")).struct.json_encode().str.slice(5).str.strip_suffix("}").alias(name)
            )
        elif dtype == pl.Binary:
            fixes.append(col.bin.encode("hex"))
        elif isinstance(dtype, pl.Duration):
            fixes.append(col.dt.to_string("iso"))  # DuckDB INTERVAL: ISO 8601 'PT5.5S'

        elif dtype == pl.Object:
            raise ExportError(_("column {name} holds Python objects and cannot be written to CSV").format(name=name))
    return frame.with_columns(fixes) if fixes else frame


def export_frame(frame: pl.DataFrame, path: Path, fmt: ExportFormat | str | None = None) -> Path:
    """Write `frame` to `path` (format from `fmt` or the suffix) and return the absolute path.

    The file is written beside its final name and renamed into place, so a
    failed export never leaves a half-written file under the name shown.
    """
    path = Path(path).expanduser()
    try:
        kind = ExportFormat(fmt) if fmt else ExportFormat(path.suffix.lower().lstrip("."))
    except ValueError:
        raise ExportError(_("unknown export format for {name}: use .csv or .parquet").format(name=path.name)) from None
    partial = path.with_name(path.name + ".partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind is ExportFormat.CSV:
            _csv_ready(frame).write_csv(partial)
        else:
            frame.write_parquet(partial)
        os.replace(partial, path)
    except (OSError, pl.exceptions.PolarsError) as exc:
        with contextlib.suppress(OSError):  # e.g. the "folder" is a file: nothing was written
            partial.unlink(missing_ok=True)
        raise ExportError(_("cannot write {path}: {error}").format(path=path, error=one_line(exc))) from None
    return path.resolve()


# --- the whole window, written by DuckDB ---------------------------------------------------

_PROGRESS_EVERY_S = 0.25


def check_export_path(text: str) -> Path:
    """The path a user typed, checked before anything runs: a .csv or .parquet file name."""
    text = text.strip()
    if not text:
        raise ExportError(_("give a file name ending in .csv or .parquet"))
    path = Path(text).expanduser()
    try:
        ExportFormat(path.suffix.lower().lstrip("."))
    except ValueError:
        raise ExportError(_("unknown export format for {name}: use .csv or .parquet").format(name=path.name)) from None
    if path.is_dir():
        raise ExportError(_("{path} is a folder: give a file name ending in .csv or .parquet").format(path=path))
    return path


def export_window(
    db: Target,
    table: str,
    path: Path,
    preset: Preset = Preset.FIRST,
    cursor_column: str | None = None,
    *,
    sort: Sort | None = None,
    bounds: Bounds | None = None,
    casts: Mapping[str, ColumnDetection] | None = None,
    progress: Callable[[float], None] | None = None,
) -> tuple[Path, int]:
    """Write every row of the window (in the grid's order, detected text converted like the
    grid shows it) to `path` with DuckDB's COPY; returns the absolute path and the rows written.

    `progress` gets DuckDB's percent done every quarter second (from this thread). The file
    is written beside its name and renamed into place, like `export_frame`.
    """
    path = check_export_path(str(path))
    kind = ExportFormat(path.suffix.lower().lstrip("."))
    with connect(db) as con:
        columns = columns_of(con, table)
        cursor = pick_cursor(columns, cursor_column, state_cursor(con, table))
        if cursor is None and preset not in (Preset.FIRST, Preset.ALL):
            preset = Preset.FIRST
        sort = sort if sort is not None else natural_sort(preset, cursor)
        where, params = window_where(con, table, columns, preset, cursor, bounds)
        picked = ", ".join(export_column(c, casts, kind is ExportFormat.CSV) for c in columns)
        order = "DESC" if sort.descending else "ASC"
        select = (f"SELECT {picked} FROM {tref(table)}{where} "
                  f"ORDER BY {sort_expr(columns, sort, cursor)} {order} NULLS LAST, rowid {order}")
        written = copy_select(con, select, params, path, progress)
    return path.resolve(), written


def copy_select(con: duckdb.DuckDBPyConnection, select: str, params: list[Any], path: Path,
                progress: Callable[[float], None] | None = None) -> int:
    """Write the rows of `select` to `path` (a name check_export_path accepted: CSV with a
    header, or Parquet) with DuckDB's COPY, never through Python rows; returns the rows
    written. The file is written beside its name (`<name>.<pid>.partial`) and renamed into
    place, so a failure leaves no file, half-written or not, under either name."""
    kind = ExportFormat(path.suffix.lower().lstrip("."))
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")  # two exporters never share one
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(_("cannot write {path}: {error}").format(path=path, error=one_line(exc))) from None
    options = "FORMAT csv, HEADER" if kind is ExportFormat.CSV else "FORMAT parquet"
    target = str(partial).replace("'", "''")
    sql = f"COPY ({select}) TO '{target}' ({options})"
    try:
        written = _copy(con, sql, params, progress)
        os.replace(partial, path)
    except (OSError, duckdb.Error) as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise ExportError(_("cannot write {path}: {error}").format(path=path, error=one_line(exc))) from None
    return written


_NESTED = re.compile(r"^(STRUCT|MAP|UNION)\b|\]$")  # STRUCT(...), MAP(...), INTEGER[], INTEGER[3]


def export_column(col: ColumnInfo, casts: Mapping[str, ColumnDetection] | None, csv: bool) -> str:
    q = qi(col.name)
    det = (casts or {}).get(col.name)
    if det is not None and det.converted:
        return f"{duckdb_expression(q, det)} AS {q}"
    if csv and _NESTED.search(col.type):
        return f"CAST(to_json({q}) AS VARCHAR) AS {q}"  # as export_frame writes them: JSON
    if csv and col.type == "BLOB":
        return f"lower(hex({q})) AS {q}"
    return q


def _copy(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any],
          progress: Callable[[float], None] | None) -> int:
    """Run the COPY on this thread's helper thread and report its progress meanwhile
    (DuckDB's query_progress may be asked from another thread while a query runs)."""
    if progress is None:
        row = con.execute(sql, params).fetchall()
        return int(row[0][0]) if row else 0
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    result: list[Any] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.extend(con.execute(sql, params).fetchall())
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread
            failure.append(exc)

    worker = threading.Thread(target=run, name="tui-sync-export", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(_PROGRESS_EVERY_S)
        done = con.query_progress() if worker.is_alive() else 100.0
        if done >= 0:
            progress(min(done, 100.0))
    if failure:
        raise failure[0]
    return int(result[0][0]) if result else 0
